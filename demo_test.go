package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lm-user-hygiene/lm/lmfake"
)

// TestDemoShowsTheLifecycle: --demo needs no credentials, prints the run's
// datasource lines with run_success=1 on stdout (CI greps for it), and on
// stderr shows the text report: an upcoming user with its date, an exempt
// user, a reactivated user regrouped, and the undo of its own run; its state
// file is its own, never the user's.
func TestDemoShowsTheLifecycle(t *testing.T) {
	cache := os.Getenv("XDG_CACHE_HOME")
	before, _ := filepath.Glob(filepath.Join(cache, "lm-user-hygiene", "*"))
	res := runNow(t, nil, "--demo")
	if res.code != exitOK {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	ds := datasource(t, res.stdout)
	if ds["run_success"] != 1 || ds["suspend_applied"] == 0 || ds["suspend_upcoming"] == 0 || ds["exempt_skipped"] == 0 || ds["reactivated_kept"] == 0 || ds["state_ok"] != 1 {
		t.Errorf("demo datasource: %v", ds)
	}
	// The summary on stderr is the text report, then the undo's.
	for _, want := range []string{
		"Upcoming suspensions (", lmfake.SampleUpcomingUser,
		"Exempt (", lmfake.SampleExemptUser, `note tag "lmuh:exempt"`,
		lmfake.SampleExemptUntilUser, "lmuh:exempt-until=",
		"reactivated but still in Suspended", lmfake.SampleReactivatedUser,
		"notice since",
		"demo: now undo last --apply", "APPLY undo", "Undo of run ",
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("the demo's stderr does not show %q:\n%s", want, res.stderr)
		}
	}
	if strings.Contains(res.stderr, "  failed  ") {
		t.Errorf("a change of the demo or of its undo failed:\n%s", res.stderr)
	}
	after, _ := filepath.Glob(filepath.Join(cache, "lm-user-hygiene", "*"))
	if len(after) != len(before) {
		t.Errorf("the demo left state in the user's cache directory: %v", after)
	}
}

// TestDemoEveryCommandAndOutput: every command that plans works with --demo
// with every output it takes (DESIGN, "First run"): run, suspend and assign
// apply in the demo's portal and undo it, check and upcoming never write.
func TestDemoEveryCommandAndOutput(t *testing.T) {
	for _, tc := range []struct {
		cmd     string
		outputs []string
		code    int
	}{
		{"run", []string{"datasource", "configsource", "json", "text"}, exitOK},
		{"suspend", []string{"datasource", "configsource", "json", "text"}, exitOK},
		{"assign", []string{"datasource", "configsource", "json", "text"}, exitOK},
		// The demo portal has users no role maps: check says so.
		{"check", []string{"text", "json", "configsource"}, exitAttention},
		{"upcoming", []string{"text", "json", "discovery", "batch"}, exitOK},
	} {
		for _, out := range tc.outputs {
			res := runNow(t, nil, tc.cmd, "--demo", "--output", out)
			if res.code != tc.code || res.stdout == "" || strings.Contains(res.stderr, "internal error") {
				t.Errorf("%s --demo --output %s: exit %d, want %d, %d bytes of output:\n%s", tc.cmd, out, res.code, tc.code, len(res.stdout), res.stderr)
				continue
			}
			if out == "datasource" {
				if ds := datasource(t, res.stdout); ds["run_success"] != 1 || ds["dry_run"] != 0 {
					t.Errorf("%s --demo: run_success=%d dry_run=%d, want an applied run", tc.cmd, ds["run_success"], ds["dry_run"])
				}
			}
			if tc.cmd != "check" && tc.cmd != "upcoming" && !strings.Contains(res.stderr, "demo: now undo last --apply") {
				t.Errorf("%s --demo --output %s does not undo its run:\n%s", tc.cmd, out, res.stderr)
			}
		}
	}
}

// TestDemoAgreesWithItself: check --demo sees the same portal, notice
// history and plan as --demo.
func TestDemoAgreesWithItself(t *testing.T) {
	run := runNow(t, nil, "--demo", "--output", "json")
	var ran struct{ Counts map[string]float64 }
	if err := json.Unmarshal([]byte(run.stdout), &ran); err != nil || run.code != exitOK {
		t.Fatalf("--demo --output json: exit %d, %v", run.code, err)
	}
	check := runNow(t, nil, "check", "--demo", "--output", "json")
	var checked struct{ Plan map[string]int }
	if err := json.Unmarshal([]byte(check.stdout), &checked); err != nil {
		t.Fatalf("check --demo --output json: exit %d, %v\n%s", check.code, err, check.stderr)
	}
	for _, key := range []string{"inactive_found", "suspend_planned", "move_planned", "assign_planned", "suspend_upcoming", "exempt_skipped", "reactivated_kept", "protected_skipped"} {
		if int(ran.Counts[key]) != checked.Plan[key] {
			t.Errorf("%s: --demo %v, check --demo %d", key, ran.Counts[key], checked.Plan[key])
		}
	}
	if ran.Counts["suspend_planned"] == 0 {
		t.Error("the demo plans no suspension: its notice history is missing")
	}
}

// TestDemoRefuses: history and undo have no journal with --demo, and the
// demo takes no portal, token, state file or day of its own.
func TestDemoRefuses(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"history", "--demo"}, "the demo's journal lives only for the demo run"},
		{[]string{"undo", "last", "--demo"}, "the demo's journal lives only for the demo run"},
		{[]string{"--demo", "--state", "/tmp/x.db"}, "--state beside --demo"},
		{[]string{"--demo", "--as-of", "2999-01-01"}, "--as-of beside --demo"},
		{[]string{"--demo", "--account", "acme"}, "--account beside --demo"},
		{[]string{"--demo", "--base-url", "https://acme.lmgov.us/santaba/rest"}, "--base-url beside --demo"},
		{[]string{"--demo", "--access-id", "id", "--access-key", "key"}, "--access-id beside --demo"},
		{[]string{"--demo", "--bearer-token", "tok"}, "--bearer-token beside --demo"},
	} {
		res := runNow(t, nil, tc.args...)
		if res.code != exitConfig || !strings.Contains(res.stderr, tc.want) || strings.Count(res.stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, want %d with one line saying %q:\n%s", tc.args, res.code, exitConfig, tc.want, res.stderr)
		}
	}
}
