package main

// The command line a person meets: help, version, usage errors that say
// what to fix, and the outputs each command takes.

import (
	"os"
	"slices"
	"strings"
	"testing"
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

// TestReadmeListsEverySetting keeps README.md's settings table true: each
// setting has a row there, under "## Settings", naming its flag and its
// variable, with the default the binary has.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Settings\n")
	if !ok {
		t.Fatal("README.md has no \"## Settings\" section")
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
		t.Fatal("no settings table under \"## Settings\" in README.md")
	}
	for _, s := range settings {
		i := slices.IndexFunc(rows, func(r row) bool { return strings.Contains(r.flags, "`--"+s.flag+"`") })
		switch {
		case i < 0:
			t.Errorf("README.md's settings table has no row for --%s (%s, default %q)", s.flag, s.env, s.def)
		case !strings.Contains(rows[i].vars, "`"+s.env+"`"):
			t.Errorf("README.md's row for --%s does not name %s", s.flag, s.env)
		case rows[i].def != s.def:
			t.Errorf("README.md's row for --%s gives the default %q, the binary has %q", s.flag, rows[i].def, s.def)
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
