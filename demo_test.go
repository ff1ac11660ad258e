package main

import (
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
