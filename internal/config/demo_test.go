package config

import (
	"context"
	"strings"
	"testing"

	"lm-user-hygiene/hygiene"
)

// TestDemoPolicy: --demo applies (check never does), fills in the demo's
// role groups and break-glass protection unless given, and uses the demo's
// token; a real portal's environment is left unused.
func TestDemoPolicy(t *testing.T) {
	cfg, err := Load(context.Background(), []string{"--demo"}, withEnv(map[string]string{"LM_BEARER_TOKEN": "tok"}), testNow)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Policy
	if !p.Apply || p.Suspend.TokenAccessID != DemoAccessID || p.Assign.RoleGroups["netops"] != "Network Operations" ||
		strings.Join(p.Suspend.ProtectUsers, ",") != "breakglass*" {
		t.Errorf("demo policy: %+v", p)
	}
	cfg, err = Load(context.Background(), []string{"check", "--demo", "--protect-users", "ops*", "--role-groups", "netops=NOC"}, nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	p = cfg.Policy
	if p.Apply || p.Command != hygiene.CommandRun || p.Assign.RoleGroups["netops"] != "NOC" || strings.Join(p.Suspend.ProtectUsers, ",") != "ops*" {
		t.Errorf("check --demo policy: %+v", p)
	}
}

// TestDemoRefusals: history and undo have no journal with --demo; the
// demo's portal, token, state and day are its own.
func TestDemoRefusals(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"history", "--demo"}, nil, "history --demo: the demo's journal"},
		{[]string{"undo", "last", "--demo"}, nil, "undo --demo: the demo's journal"},
		{[]string{"undo", "--demo"}, nil, "undo --demo: the demo's journal"},
		{[]string{"--demo", "--state=x.db"}, nil, "--state beside --demo"},
		{[]string{"--demo"}, map[string]string{"LMUH_AS_OF": "2999-01-01"}, "--as-of beside --demo"},
		{[]string{"--demo", "--access-key", "k"}, nil, "--access-key beside --demo"},
	} {
		_, err := Load(context.Background(), tc.args, tc.env, testNow)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want one line saying %q", tc.args, err, tc.want)
		}
	}
}

// TestHistoryNeedsOnlyTheStateFile: history reads no portal; only --state
// auto needs the portal's address, to name the file.
func TestHistoryNeedsOnlyTheStateFile(t *testing.T) {
	if _, err := Load(context.Background(), []string{"history", "--state", "/var/lib/lmuh.db"}, nil, testNow); err != nil {
		t.Errorf("history --state PATH: %v", err)
	}
	if _, err := Load(context.Background(), []string{"history"}, nil, testNow); err == nil || !strings.Contains(err.Error(), "no portal") {
		t.Errorf("history with --state auto and no portal: %v", err)
	}
	cfg, err := Load(context.Background(), []string{"history", "--account", "acme"}, nil, testNow)
	if err != nil || cfg.BaseURL != "https://acme.logicmonitor.com/santaba/rest" {
		t.Errorf("history --account acme: %v, base URL %q", err, cfg.BaseURL)
	}
	if _, err := Load(context.Background(), []string{"undo", "last", "--as-of", "2999-01-01"}, withEnv(nil), testNow); err == nil || !strings.Contains(err.Error(), "--as-of does not apply") {
		t.Errorf("undo --as-of: %v", err)
	}
	if _, err := Load(context.Background(), []string{"check", "--as-of", "2999-01-01", "--apply"}, withEnv(nil), testNow); err != nil {
		t.Errorf("check ignores --apply beside --as-of: %v", err)
	}
}
