package config

import (
	"context"
	"strings"
	"testing"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/output"
)

// TestHelpWords: help and version are words; help COMMAND and COMMAND
// --help ask for the same page.
func TestHelpWords(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		help    bool
		version bool
		of      hygiene.Command
	}{
		{[]string{"help"}, true, false, ""},
		{[]string{"--help"}, true, false, ""},
		{[]string{"-h"}, true, false, ""},
		{[]string{"help", "check"}, true, false, hygiene.CommandCheck},
		{[]string{"check", "--help"}, true, false, hygiene.CommandCheck},
		{[]string{"--help", "undo"}, true, false, hygiene.CommandUndo},
		{[]string{"version"}, false, true, ""},
		{[]string{"--version"}, false, true, ""},
	} {
		cfg, err := Load(context.Background(), tc.args, nil, testNow)
		if err != nil || cfg.Help != tc.help || cfg.Version != tc.version || cfg.HelpCommand != tc.of {
			t.Errorf("%q: help %v of %q, version %v, error %v", tc.args, cfg.Help, cfg.HelpCommand, cfg.Version, err)
		}
	}
	for _, args := range [][]string{{"help", "purge"}, {"version", "run"}, {"help", "run", "check"}} {
		if _, err := Load(context.Background(), args, nil, testNow); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// TestWriteHelp: a command's page lists the settings it reads with their
// variables, and its outputs; the tool's page lists every setting with its
// device property.
func TestWriteHelp(t *testing.T) {
	var tool strings.Builder
	WriteHelp(&tool, "")
	for _, s := range Settings() {
		prop := s.Property
		if prop == "" {
			prop = "-"
		}
		if !strings.Contains(tool.String(), "--"+s.Flag) || !strings.Contains(tool.String(), s.Env) || !strings.Contains(tool.String(), " "+prop+" ") {
			t.Errorf("the tool's help lacks --%s, %s or %s", s.Flag, s.Env, prop)
		}
	}
	for _, c := range commands {
		if !strings.Contains(tool.String(), string(c.name)) || !strings.Contains(tool.String(), ": "+orList(c.outputs)) {
			t.Errorf("the tool's help does not say that %s prints %s", c.name, orList(c.outputs))
		}
		var page strings.Builder
		WriteHelp(&page, c.name)
		if !strings.HasPrefix(page.String(), "Usage: lm-user-hygiene "+c.usage+" [flags]") ||
			!strings.Contains(page.String(), "Outputs (--output): "+strings.Join(formats(c.outputs), ", ")) {
			t.Errorf("%s's help:\n%s", c.name, page.String())
		}
		for _, s := range Settings() {
			if listed := strings.Contains(page.String(), "--"+s.Flag+" "); listed != (s.uses&c.uses != 0) {
				t.Errorf("%s's help lists --%s: %v", c.name, s.Flag, listed)
			}
		}
		if ignored := strings.Contains(page.String(), "accepted and ignored"); ignored != c.name.NeverWrites() {
			t.Errorf("%s's help says --apply is ignored: %v", c.name, ignored)
		}
	}
}

// TestACommandLineThatFailsEarlyKeepsItsCommand: a bad flag before the
// command word still fails in that command's output.
func TestACommandLineThatFailsEarlyKeepsItsCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want hygiene.Command
	}{
		{[]string{"--bogus", "upcoming"}, hygiene.CommandUpcoming},
		{[]string{"--bogus", "check"}, hygiene.CommandCheck},
		{[]string{"--bogus"}, hygiene.CommandRun},
	} {
		cfg, err := Load(context.Background(), tc.args, withEnv(nil), testNow)
		if err == nil || cfg.Command != tc.want || cfg.Output != Outputs(tc.want)[0] {
			t.Errorf("%q: command %q, output %q, error %v; want %s and its default output", tc.args, cfg.Command, cfg.Output, err, tc.want)
		}
	}
}

// TestSettingsDeviceProperties: the connection settings have their own
// properties, the rest lmuh.<flag>, and a few none (DESIGN, "First run").
func TestSettingsDeviceProperties(t *testing.T) {
	want := map[string]string{"account": "lmaccount", "base-url": "lmuh.base-url", "access-id": "lmaccess.id", "access-key": "lmaccess.key",
		"bearer-token": "", "output": "", "as-of": "", "apply": "lmuh.apply", "protect-users": "lmuh.protect-users", "state": "lmuh.state"}
	for _, s := range Settings() {
		w, ok := want[s.Flag]
		if !ok {
			w = "lmuh." + s.Flag
		}
		if s.Property != w {
			t.Errorf("--%s: property %q, want %q", s.Flag, s.Property, w)
		}
	}
}

// TestDidYouMean names the closest word when it is close enough to be a
// typo, and none otherwise.
func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		word, want string
	}{
		{"inactive-day", ": did you mean --inactive-days?"},
		{"INACTIVE-DAYS", ": did you mean --inactive-days?"},
		{"aply", ": did you mean --apply?"},
		{"sso", ": did you mean --sso-created-by?"},
		{"protect", ": did you mean --protect-users?"},
		{"x", ""},
		{"zzzzzzzzzz", ""},
	} {
		if got := didYouMean(tc.word, flagNames(), "--"); got != tc.want {
			t.Errorf("didYouMean(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
	if got := didYouMean("anything", nil, ""); got != "" {
		t.Errorf("no known words: %q", got)
	}
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"", "abc", 3}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"check", "check", 0}, {"chek", "check", 1}} {
		if d := editDistance(tc.a, tc.b); d != tc.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, d, tc.d)
		}
	}
}

// TestOutputsOfEveryCommand: every command has outputs, its default first.
func TestOutputsOfEveryCommand(t *testing.T) {
	want := map[hygiene.Command]output.Format{
		hygiene.CommandRun: output.FormatDatasource, hygiene.CommandSuspend: output.FormatDatasource, hygiene.CommandAssign: output.FormatDatasource,
		hygiene.CommandCheck: output.FormatText, hygiene.CommandHistory: output.FormatText, hygiene.CommandUndo: output.FormatText,
		hygiene.CommandUpcoming: output.FormatText,
	}
	for cmd, def := range want {
		cfg, err := Load(context.Background(), []string{string(cmd), "last"}[:1+btoi(cmd == hygiene.CommandUndo)], withEnv(nil), testNow)
		if err != nil || cfg.Output != def || Outputs(cmd)[0] != def {
			t.Errorf("%s: output %q, error %v; want %q", cmd, cfg.Output, err, def)
		}
	}
	if Outputs("purge") != nil {
		t.Error("a command that is none has outputs")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
