package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/hygiene"
)

// validEnv is a minimal good configuration.
var validEnv = map[string]string{
	"LM_ACCOUNT":    "acme",
	"LM_ACCESS_ID":  testAccessID,
	"LM_ACCESS_KEY": testAccessKey,
}

func withEnv(extra map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range validEnv {
		m[k] = v
	}
	for k, v := range extra {
		if v == "<unset>" {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	return m
}

func loadPolicy(args []string, env map[string]string) (*Config, hygiene.Policy, error) {
	cfg, err := loadConfig(context.Background(), args, env)
	if err != nil {
		return cfg, hygiene.Policy{}, err
	}
	p, err := cfg.policy()
	return cfg, p, err
}

func TestConfigSources(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c *Config, p hygiene.Policy)
	}{
		{"defaults are the safe choice", nil, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if p.Apply || string(p.Command) != cmdRun || c.Output != outDatasource || p.MaxChanges != 50 || p.TimeBudget != 90*time.Second ||
				p.Suspend.InactiveDays != 90 || p.Suspend.Activity != "any" || p.Suspend.SuspendedGroup != "Suspended" ||
				p.Suspend.MinAdmins != 1 || p.Suspend.NeverLoggedIn != "skip" || p.Suspend.MaxSuspendPercent != 20 ||
				p.Suspend.IncludeAPIUsers || p.Assign.Scope != "sso" || p.Assign.UngroupedGroup != "Ungrouped" || p.Assign.CreateGroups {
				t.Errorf("defaults: %+v", p)
			}
			if c.BaseURL != "https://acme.logicmonitor.com/santaba/rest" {
				t.Errorf("base URL %q", c.BaseURL)
			}
		}},
		{"the environment sets every setting", nil, map[string]string{"LMUH_APPLY": "true", "LMUH_MAX_CHANGES": "7", "LMUH_TIME_BUDGET": "2m",
			"LMUH_INACTIVE_DAYS": "30", "LMUH_PROTECT_USERS": "a*, b", "LMUH_ROLE_GROUPS": "netops=Network Operations"},
			func(t *testing.T, c *Config, p hygiene.Policy) {
				if !p.Apply || p.MaxChanges != 7 || p.TimeBudget != 2*time.Minute || p.Suspend.InactiveDays != 30 ||
					strings.Join(p.Suspend.ProtectUsers, "|") != "a*|b" || p.Assign.RoleGroups["netops"] != "Network Operations" {
					t.Errorf("from the environment: %+v", p)
				}
			}},
		{"a flag wins over its variable", []string{"--max-changes", "3", "--apply=false"}, map[string]string{"LMUH_MAX_CHANGES": "9", "LMUH_APPLY": "true"},
			func(t *testing.T, c *Config, p hygiene.Policy) {
				if p.MaxChanges != 3 || p.Apply {
					t.Errorf("max changes %d apply %v, want the flags' 3 and false", p.MaxChanges, p.Apply)
				}
			}},
		{"a boolean flag needs no value", []string{"--apply", "--create-groups"}, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if !p.Apply || !p.Assign.CreateGroups {
				t.Errorf("apply %v create-groups %v", p.Apply, p.Assign.CreateGroups)
			}
		}},
		{"the command may follow the flags", []string{"--apply", "assign", "--output", "json"}, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if string(p.Command) != cmdAssign || c.Output != outJSON || !p.Apply {
				t.Errorf("command %q output %q", string(p.Command), c.Output)
			}
		}},
		{"single-dash flags work too", []string{"-output=configsource", "suspend"}, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if string(p.Command) != cmdSuspend || c.Output != outConfigsource {
				t.Errorf("command %q output %q", string(p.Command), c.Output)
			}
		}},
		{"a base URL replaces the account", []string{"--base-url", "https://acme.lmgov.us/santaba/rest/"}, map[string]string{"LM_ACCOUNT": "<unset>"},
			func(t *testing.T, c *Config, p hygiene.Policy) {
				if c.BaseURL != "https://acme.lmgov.us/santaba/rest" {
					t.Errorf("base URL %q", c.BaseURL)
				}
			}},
		{"a bearer token replaces LMv1", nil, map[string]string{"LM_ACCESS_ID": "<unset>", "LM_ACCESS_KEY": "<unset>", "LM_BEARER_TOKEN": "lmb_abc"},
			func(t *testing.T, c *Config, p hygiene.Policy) {
				if p.Suspend.TokenAccessID != "" {
					t.Errorf("a bearer run has token owner %q", p.Suspend.TokenAccessID)
				}
			}},
		{"the token owner is the access id", nil, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if p.Suspend.TokenAccessID != testAccessID {
				t.Errorf("token access id %q", p.Suspend.TokenAccessID)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, p, err := loadPolicy(tc.args, withEnv(tc.env))
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			tc.check(t, c, p)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string // a part of the one-line message
	}{
		{"a number that is not one names its flag", []string{"--max-changes", "many"}, nil, `--max-changes (LMUH_MAX_CHANGES): "many" is not a whole number`},
		{"a bad variable names its flag", nil, map[string]string{"LMUH_APPLY": "yes please"}, `--apply (LMUH_APPLY): "yes please" is not true or false`},
		{"a bad duration", []string{"--time-budget", "soon"}, nil, "is not a duration"},
		{"a zero time budget", []string{"--time-budget", "0s"}, nil, "--time-budget must be more than 0"},
		{"an unknown output", []string{"--output", "xml"}, nil, "--output must be datasource, configsource or json"},
		{"an empty output is bad, not set", nil, map[string]string{"LMUH_OUTPUT": ""}, "--output must be"},
		{"an empty suspended group is bad, not set", []string{"--suspended-group", " "}, nil, "--suspended-group"},
		{"a negative cap", []string{"--max-changes", "-1"}, nil, "--max-changes must be 0 or more"},
		{"an unknown flag", []string{"--aply"}, nil, "unknown flag --aply"},
		{"a flag without its value", []string{"--output"}, nil, "flag --output needs a value"},
		{"an unknown command", []string{"purge"}, nil, `unknown command "purge"`},
		{"two commands", []string{"suspend", "assign"}, nil, `unexpected argument "assign"`},
		{"no portal", nil, map[string]string{"LM_ACCOUNT": "<unset>"}, "no portal: set --account"},
		{"account and base URL", []string{"--base-url", "https://x.example.com/santaba/rest"}, nil, "not both"},
		{"an account with a dot", []string{"--account", "acme.logicmonitor.com"}, nil, "account"},
		{"an unreplaced collector token", []string{"--account", "##LMACCOUNT##"}, nil, "unreplaced token ##LMACCOUNT##: set that property"},
		{"an unreplaced key token", nil, map[string]string{"LM_ACCESS_KEY": "##LMACCESS.KEY##"}, "--access-key is the unreplaced token"},
		{"no credentials", nil, map[string]string{"LM_ACCESS_ID": "<unset>", "LM_ACCESS_KEY": "<unset>"}, "no credentials"},
		{"an access id without its key", nil, map[string]string{"LM_ACCESS_KEY": ""}, "needs both --access-id"},
		{"LMv1 and bearer together", nil, map[string]string{"LM_BEARER_TOKEN": "tok"}, "not both"},
		{"http to a portal", []string{"--base-url", "http://acme.logicmonitor.com/santaba/rest"}, map[string]string{"LM_ACCOUNT": "<unset>"}, "https"},
		{"a bad activity", []string{"--activity", "sometimes"}, nil, "--activity"},
		{"a bad role-groups pair", []string{"--role-groups", "netops"}, nil, "--role-groups"},
		{"a bad scope", []string{"--assign-scope", "some"}, nil, "--assign-scope"},
		{"a bad glob", []string{"--protect-users", "[a"}, nil, "--protect-users"},
		{"a bad log level", []string{"--log-level", "loud"}, nil, "--log-level must be one of"},
		{"a bad log format", []string{"--log-format", "xml"}, nil, "--log-format must be text or json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := loadPolicy(tc.args, withEnv(tc.env))
			if err == nil && cfg != nil {
				_, err = newLogger(cfg, &strings.Builder{})
			}
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v (%T), want a usage error", err, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not say %q", msg, tc.want)
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, testAccessKey) {
				t.Errorf("message is not one secret-free line: %q", msg)
			}
		})
	}
}

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

// TestReadmeListsEverySetting keeps README.md's settings table true.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(string(readme), "`--"+s.flag+"`") || !strings.Contains(string(readme), "`"+s.env+"`") {
			t.Errorf("README.md does not list --%s / %s", s.flag, s.env)
		}
	}
}

func TestVersion(t *testing.T) {
	res := runNow(t, nil, "--version")
	if res.code != exitOK || res.stdout != "lm-user-hygiene "+version+"\n" {
		t.Errorf("exit %d, stdout %q", res.code, res.stdout)
	}
}
