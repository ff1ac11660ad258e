package main

// The command line a person meets: help, version, usage errors that say
// what to fix, and the outputs each command takes.

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBadConfigExitsTwo: bad configuration exits 2 with one line on stderr
// and the datasource lines on stdout.
func TestBadConfigExitsTwo(t *testing.T) {
	res := runNow(t, []string{"LM_ACCOUNT=acme"}, "--max-changes", "lots")
	if res.code != exitConfig {
		t.Fatalf("exit %d, want %d", res.code, exitConfig)
	}
	if lines := strings.Split(strings.TrimSpace(res.stderr), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "lm-user-hygiene: --max-changes") {
		t.Errorf("stderr is not one line naming the flag: %q", res.stderr)
	}
	if ds := datasource(t, res.stdout); ds["run_success"] != 0 {
		t.Errorf("run_success=%d", ds["run_success"])
	}
}

// TestHelpListsEverySetting keeps --help and the Config struct in step.
func TestHelpListsEverySetting(t *testing.T) {
	res := runNow(t, nil, "--help")
	if res.code != exitOK {
		t.Fatalf("exit %d", res.code)
	}
	for _, s := range settings {
		if !strings.Contains(res.stdout, "--"+s.flag) || !strings.Contains(res.stdout, s.env) {
			t.Errorf("--help lacks --%s / %s", s.flag, s.env)
		}
	}
}

// TestReadmeListsEverySetting keeps the settings reference true: each
// setting has a row in docs/settings.md's table, naming its flag and its
// variable, with the default the binary has.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("docs", "settings.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "# Settings\n")
	if !ok {
		t.Fatal("docs/settings.md has no \"# Settings\" title")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	type row struct{ flags, vars, def string }
	var rows []row
	for line := range strings.Lines(section) {
		cells := strings.Split(strings.TrimSpace(line), "|")
		// | flag | variable | default | meaning |
		if len(cells) < 6 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`--") {
			continue
		}
		rows = append(rows, row{cells[1], cells[2], strings.Trim(strings.TrimSpace(cells[3]), "`")})
	}
	if len(rows) == 0 {
		t.Fatal("no settings table in docs/settings.md")
	}
	for _, s := range settings {
		i := slices.IndexFunc(rows, func(r row) bool { return strings.Contains(r.flags, "`--"+s.flag+"`") })
		switch {
		case i < 0:
			t.Errorf("docs/settings.md's table has no row for --%s (%s, default %q)", s.flag, s.env, s.def)
		case !strings.Contains(rows[i].vars, "`"+s.env+"`"):
			t.Errorf("docs/settings.md's row for --%s does not name %s", s.flag, s.env)
		case rows[i].def != s.def:
			t.Errorf("docs/settings.md's row for --%s gives the default %q, the binary has %q", s.flag, rows[i].def, s.def)
		}
	}
}

func TestVersion(t *testing.T) {
	res := runNow(t, nil, "--version")
	if res.code != exitOK || res.stdout != "lm-user-hygiene "+version+"\n" {
		t.Errorf("exit %d, stdout %q", res.code, res.stdout)
	}
}

// TestMalformedFlagsNeverEchoTheKey runs the program: neither stderr nor
// stdout (datasource or json) may carry a key given with a malformed flag.
func TestMalformedFlagsNeverEchoTheKey(t *testing.T) {
	for _, args := range [][]string{
		{"---access-key=" + testAccessKey},
		{"----access-key", testAccessKey},
		{"--output=json", "---access-key=" + testAccessKey},
		{"---bearer-token=" + testAccessKey, "--output", "json"},
		{"--=" + testAccessKey},
		{"--help=" + testAccessKey},
	} {
		res := runNow(t, []string{"LM_ACCOUNT=acme"}, args...)
		if res.code != exitConfig {
			t.Errorf("%q: exit %d", args[0], res.code)
		}
		if strings.Contains(res.stdout+res.stderr, testAccessKey) || strings.Contains(res.stdout+res.stderr, testAccessKey[:12]) {
			t.Errorf("%q: the key is in the output:\nstdout %s\nstderr %s", args[0], res.stdout, res.stderr)
		}
		if slices.Contains(args, "json") || slices.Contains(args, "--output=json") {
			if !strings.HasPrefix(strings.TrimSpace(res.stdout), "{") {
				t.Errorf("%q: asked for json, stdout %q", args[0], res.stdout)
			}
		}
	}
}

// TestHelpAndVersionAreWords: help and version work as words as well as
// flags, and help COMMAND is COMMAND --help.
func TestHelpAndVersionAreWords(t *testing.T) {
	if a, b := runNow(t, nil, "help"), runNow(t, nil, "--help"); a.code != exitOK || a.stdout != b.stdout {
		t.Errorf("help: exit %d, and not --help's page:\n%s", a.code, a.stdout)
	}
	if res := runNow(t, nil, "version"); res.code != exitOK || res.stdout != "lm-user-hygiene "+version+"\n" {
		t.Errorf("version: exit %d, stdout %q", res.code, res.stdout)
	}
	for _, cmd := range []string{"run", "suspend", "assign", "check", "history", "undo"} {
		a, b := runNow(t, nil, "help", cmd), runNow(t, nil, cmd, "--help")
		if a.code != exitOK || b.code != exitOK || a.stdout != b.stdout || !strings.HasPrefix(a.stdout, "Usage: lm-user-hygiene "+cmd) {
			t.Errorf("help %s (exit %d) and %s --help (exit %d) differ or do not start with its usage:\n%s\n---\n%s", cmd, a.code, cmd, b.code, a.stdout, b.stdout)
		}
	}
	if res := runNow(t, nil, "help", "purge"); res.code != exitConfig || !strings.Contains(res.stderr, `help "purge": no such command`) {
		t.Errorf("help of no command: exit %d\n%s", res.code, res.stderr)
	}
}

// TestCommandHelpListsOnlyItsSettings: a command's help lists the settings
// it reads, each with its variable, and leaves out the others.
func TestCommandHelpListsOnlyItsSettings(t *testing.T) {
	for _, tc := range []struct {
		cmd          string
		has, hasNone []string
	}{
		{"run", []string{"--inactive-days LMUH_INACTIVE_DAYS", "--role-groups LMUH_ROLE_GROUPS", "--max-changes LMUH_MAX_CHANGES", "--demo"}, nil},
		{"suspend", []string{"--protect-users LMUH_PROTECT_USERS", "--suspended-group"}, []string{"--role-groups", "--assign-scope"}},
		{"assign", []string{"--role-groups", "--create-groups"}, []string{"--protect-users", "--min-admins"}},
		// check's plan counts what the cap would leave pending.
		{"check", []string{"--protect-users", "--role-groups", "--max-changes", "--output LMUH_OUTPUT text, json or configsource (default text)"}, nil},
		{"upcoming", []string{"--inactive-days", "--warn-days", "--state", "--output LMUH_OUTPUT text, json, discovery or batch (default text)"}, nil},
		{"history", []string{"--state LMUH_STATE", "--account LM_ACCOUNT"}, []string{"--access-key", "--inactive-days", "--apply", "--demo"}},
		{"undo", []string{"--apply", "--max-changes", "--access-key LM_ACCESS_KEY"}, []string{"--inactive-days", "--role-groups", "--demo"}},
	} {
		res := runNow(t, nil, tc.cmd, "--help")
		page := strings.Join(strings.Fields(res.stdout), " ")
		for _, want := range tc.has {
			if !strings.Contains(page, want) {
				t.Errorf("%s --help does not list %q:\n%s", tc.cmd, want, res.stdout)
			}
		}
		for _, unwanted := range tc.hasNone {
			if strings.Contains(page, unwanted+" ") {
				t.Errorf("%s --help lists %s, a setting it does not read", tc.cmd, unwanted)
			}
		}
	}
}

// TestHelpNamesTheDeviceProperties: the tool's help gives each setting the
// device property that sets it on a collector (DESIGN, "First run → Help").
func TestHelpNamesTheDeviceProperties(t *testing.T) {
	res := runNow(t, nil, "--help")
	rows := map[string][]string{}
	for line := range strings.Lines(res.stdout) {
		if f := strings.Fields(line); len(f) >= 3 && strings.HasPrefix(f[0], "--") {
			rows[f[0]] = f
		}
	}
	for _, s := range settings {
		want := "lmuh." + s.flag
		switch s.flag {
		case "account":
			want = "lmaccount"
		case "base-url":
			want = "lmuh.base-url"
		case "access-id":
			want = "lmaccess.id"
		case "access-key":
			want = "lmaccess.key"
		case "output", "as-of", "bearer-token":
			want = "-"
		}
		if row := rows["--"+s.flag]; len(row) < 3 || row[1] != s.env || row[2] != want {
			t.Errorf("--help row of --%s is %q, want its variable %s and the property %s", s.flag, row, s.env, want)
		}
	}
	if !strings.Contains(res.stdout, "lmuh.binary") || !strings.Contains(res.stdout, "lmuh.timeout") {
		t.Error("--help does not name the modules' lmuh.binary and lmuh.timeout")
	}
}

// TestUsageErrorsNameTheClosestWord: an unknown flag or command names the
// closest known one; one too far from any names none.
func TestUsageErrorsNameTheClosestWord(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--inactive-day", "30"}, "unknown flag --inactive-day: did you mean --inactive-days?"},
		{[]string{"--aply"}, "unknown flag --aply: did you mean --apply?"},
		{[]string{"--protect-user=ann"}, "did you mean --protect-users?"},
		{[]string{"--max-change", "5"}, "did you mean --max-changes?"},
		{[]string{"chek"}, `unknown command "chek": did you mean check?`},
		{[]string{"histroy"}, "did you mean history?"},
		{[]string{"versoin"}, "did you mean version?"},
		{[]string{"--zzzzzzzz"}, "unknown flag --zzzzzzzz (see --help)"},
		{[]string{"purge"}, `unknown command "purge" (the commands:`},
	} {
		res := runNow(t, []string{"LM_ACCOUNT=acme"}, tc.args...)
		if res.code != exitConfig || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("%q: exit %d, want %d saying %q:\n%s", tc.args, res.code, exitConfig, tc.want, res.stderr)
		}
	}
}

// TestTerminalShowsTheErrorLast: on a terminal a bad configuration prints
// the datapoints, then the one-line error, where a person sees it.
func TestTerminalShowsTheErrorLast(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		res := runDeps(t, t.Context(), deps{now: time.Now, isTerminal: func() bool { return terminal }},
			[]string{"LM_ACCOUNT=acme"}, "--max-changes", "lots")
		lines := strings.Split(strings.TrimSpace(res.both), "\n")
		first, last := lines[0], lines[len(lines)-1]
		switch {
		case res.code != exitConfig || len(lines) != len(datasourceKeys)+1:
			t.Errorf("terminal %v: exit %d, %d lines:\n%s", terminal, res.code, len(lines), res.both)
		case terminal && !strings.HasPrefix(last, "lm-user-hygiene: --max-changes"):
			t.Errorf("on a terminal the last line is %q, want the error", last)
		case !terminal && !strings.HasPrefix(first, "lm-user-hygiene: --max-changes"):
			t.Errorf("not on a terminal the first line is %q, want the error before the datapoints", first)
		}
	}
}

// TestOutputsPerCommand: each command takes the outputs DESIGN gives it
// ("Outputs per command"); any other is a usage error, from the flag or
// the environment.
func TestOutputsPerCommand(t *testing.T) {
	takes := map[string][]string{
		"run": {"datasource", "configsource", "json", "text"}, "suspend": {"datasource", "configsource", "json", "text"},
		"assign": {"datasource", "configsource", "json", "text"}, "check": {"text", "json", "configsource"},
		"history": {"text", "json"}, "undo": {"text", "json"},
	}
	for cmd, outputs := range takes {
		for _, out := range []string{"datasource", "configsource", "json", "text", "xml"} {
			args := []string{cmd, "--output", out, "--state", filepath.Join(t.TempDir(), "none.db")}
			if cmd == "undo" {
				args = append(args, "last")
			}
			res := runAt(t, testNow, serveEnv(t, goldenPortal(testNow)), args...)
			refused := strings.Contains(res.stderr, "--output must be")
			if slices.Contains(outputs, out) == refused || refused && res.code != exitConfig {
				t.Errorf("%s --output %s: exit %d, refused %v:\n%s", cmd, out, res.code, refused, res.stderr)
			}
		}
	}
	if res := runAt(t, testNow, append(serveEnv(t, goldenPortal(testNow)), "LMUH_OUTPUT=datasource"), "check"); res.code != exitConfig || res.stdout != "" {
		t.Errorf("check with LMUH_OUTPUT=datasource: exit %d, stdout %q", res.code, res.stdout)
	}
}

// TestLogLevelBesideAReport: with a report for a person on stdout (text or
// json, chosen or a command's default) the logs default to warn; a given
// --log-level holds.
func TestLogLevelBesideAReport(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		infoLogs bool
	}{
		{[]string{"--output", "datasource"}, true},
		{[]string{"--output", "configsource"}, true},
		{[]string{"--output", "text"}, false},
		{[]string{"--output", "json"}, false},
		{[]string{"check"}, false},
		{[]string{"--output", "text", "--log-level", "info"}, true},
	} {
		res := runAt(t, testNow, serveEnv(t, goldenPortal(testNow)), append(append([]string{}, goldenArgs...), tc.args...)...)
		if got := strings.Contains(res.stderr, "level=info"); got != tc.infoLogs || res.code == exitConfig || res.code == exitFailed {
			t.Errorf("%q: exit %d, info logs %v, want %v:\n%s", tc.args, res.code, got, tc.infoLogs, res.stderr)
		}
		// Beside a report, what the report lists user by user is no log
		// line per user: a warning says how many, once.
		if !tc.infoLogs && strings.Contains(res.stderr, "cannot regroup user") {
			t.Errorf("%q: a log line per unmapped user beside the report:\n%s", tc.args, res.stderr)
		}
	}
}

// TestCheckConfigsourceIsTheRunsPlan: check --output configsource prints
// exactly what run --output configsource prints in plan mode with the same
// settings (policy.apply from --apply), never writes, and exits like check.
func TestCheckConfigsourceIsTheRunsPlan(t *testing.T) {
	for _, apply := range []bool{false, true} {
		p := goldenPortal(testNow)
		env := serveEnv(t, p)
		args := append(append([]string{}, goldenArgs...), "--output", "configsource")
		plan := runAt(t, testNow, env, args...)
		if apply {
			args = append(args, "--apply")
		}
		check := runAt(t, testNow, env, append([]string{"check"}, args...)...)
		want := plan.stdout
		if apply {
			want = strings.Replace(want, "policy.apply=false\n", "policy.apply=true\n", 1)
		}
		if plan.code != exitOK || check.code != exitAttention || check.stdout != want || !strings.Contains(want, "policy.command=run\n") {
			t.Errorf("--apply %v: run exit %d, check exit %d; check's configsource differs from the run's plan:\n%s\n---\n%s", apply, plan.code, check.code, check.stdout, want)
		}
		if p.Writes() != 0 {
			t.Errorf("--apply %v: check wrote %d times", apply, p.Writes())
		}
	}
}
