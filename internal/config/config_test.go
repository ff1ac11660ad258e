package config

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/output"
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

const (
	testAccessID  = "T3stAcc3ssId0000"
	testAccessKey = "s3cr3t-K3y-that-must-never-be-printed=="
)

// testNow is the clock of the tests.
var testNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func loadConfig(ctx context.Context, args []string, env map[string]string) (*Config, error) {
	return Load(ctx, args, env, testNow)
}

func loadPolicy(args []string, env map[string]string) (*Config, hygiene.Policy, error) {
	cfg, err := loadConfig(context.Background(), args, env)
	return cfg, cfg.Policy, err
}

func TestConfigSources(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c *Config, p hygiene.Policy)
	}{
		{"defaults are the safe choice", nil, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if p.Apply || p.Command != hygiene.CommandRun || c.Output != output.FormatDatasource || p.MaxChanges != 50 || p.TimeBudget != 90*time.Second ||
				p.Suspend.InactiveDays != 90 || p.Suspend.Activity != "any" || p.Suspend.SuspendedGroup != "Suspended" ||
				p.Suspend.MinAdmins != 1 || p.Suspend.NeverLoggedIn != "first-seen" || p.Suspend.WarnDays != 14 || p.Suspend.MaxSuspendPercent != 20 ||
				p.Suspend.IncludeAPIUsers || p.Assign.Scope != "sso" || p.Assign.UngroupedGroup != "Ungrouped" || p.Assign.CreateGroups {
				t.Errorf("defaults: %+v", p)
			}
			if c.BaseURL != "https://acme.logicmonitor.com/santaba/rest" {
				t.Errorf("base URL %q", c.BaseURL)
			}
			if c.State != "auto" || c.WarnDays != 14 || c.NeverLoggedInMode != "first-seen" || c.AsOf != "" || c.SSOCreatedBy != "" {
				t.Errorf("state %q, warn days %d, never logged in %q, as of %q, sso created by %q",
					c.State, c.WarnDays, c.NeverLoggedInMode, c.AsOf, c.SSOCreatedBy)
			}
			if !p.AsOf.IsZero() || p.Assign.SSOCreatedBy != nil || len(c.UnsetByToken()) != 0 {
				t.Error("an unset --as-of, --sso-created-by or token reads as set")
			}
		}},
		{"skip and suspend reach the planner as given", []string{"--never-logged-in=suspend"}, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if c.NeverLoggedInMode != "suspend" || p.Suspend.NeverLoggedIn != "suspend" {
				t.Errorf("mode %q, planner %q", c.NeverLoggedInMode, p.Suspend.NeverLoggedIn)
			}
		}},
		{"the new settings from the environment", nil, map[string]string{"LMUH_STATE": "off", "LMUH_WARN_DAYS": "0",
			"LMUH_AS_OF": "2999-12-31", "LMUH_SSO_CREATED_BY": "(?i)okta"}, func(t *testing.T, c *Config, p hygiene.Policy) {
			at := p.AsOf
			if c.State != "off" || c.WarnDays != 0 || !at.Equal(time.Date(2999, 12, 31, 23, 59, 59, 999999999, time.UTC)) {
				t.Errorf("state %q, warn days %d, as of %v", c.State, c.WarnDays, at)
			}
			if re := p.Assign.SSOCreatedBy; re == nil || !re.MatchString("Okta SAML") || re.MatchString("ann@acme.com") {
				t.Errorf("sso created by %v", re)
			}
		}},
		{"the default warning shrinks to fit a short inactivity", []string{"--inactive-days", "7"}, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if c.WarnDays != 6 {
				t.Errorf("warn days %d, want 6", c.WarnDays)
			}
		}},
		{"a state file path", []string{"--state", "/var/lib/lmuh/acme.db"}, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if c.State != "/var/lib/lmuh/acme.db" {
				t.Errorf("state %q", c.State)
			}
		}},
		{"check, history and undo are commands", []string{"check"}, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if c.Command != hygiene.CommandCheck {
				t.Errorf("command %q", c.Command)
			}
		}},
		{"undo takes the run that follows it", []string{"undo", "--apply", "last"}, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if c.Command != hygiene.CommandUndo || c.UndoRun != "last" || !c.Apply {
				t.Errorf("command %q run %q apply %v", c.Command, c.UndoRun, c.Apply)
			}
		}},
		{"undo takes a run id", []string{"--output=json", "undo", "20300101T000000Z-4f2a"}, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if c.UndoRun != "20300101T000000Z-4f2a" {
				t.Errorf("run %q", c.UndoRun)
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
			if p.Command != hygiene.CommandAssign || c.Output != output.FormatJSON || !p.Apply {
				t.Errorf("command %q output %q", string(p.Command), c.Output)
			}
		}},
		{"single-dash flags work too", []string{"-output=configsource", "suspend"}, nil, func(t *testing.T, c *Config, p hygiene.Policy) {
			if p.Command != hygiene.CommandSuspend || c.Output != output.FormatConfigsource {
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
		{"an unknown output", []string{"--output", "xml"}, nil, "--output must be datasource, configsource, json or text for run, not \"xml\""},
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
		{"an unreplaced account token is no account", []string{"--account", "##LMACCOUNT##"}, map[string]string{"LM_ACCOUNT": "<unset>"}, "no portal: set --account"},
		{"an unreplaced key token is no key", nil, map[string]string{"LM_ACCESS_KEY": "##LMACCESS.KEY##"}, "needs both --access-id"},
		{"an empty state", []string{"--state="}, map[string]string{"LMUH_STATE": " "}, "--state must be auto, off or the path"},
		{"a negative warning", []string{"--warn-days", "-1"}, nil, "--warn-days must be 0 (off) or more"},
		{"a warning as long as the inactivity", []string{"--warn-days", "30", "--inactive-days", "30"}, nil, "--warn-days (30) must be less than --inactive-days (30)"},
		{"a warning from the environment as long as the inactivity", []string{"--inactive-days", "7"}, map[string]string{"LMUH_WARN_DAYS": "7"}, "--warn-days (7) must be less than --inactive-days (7)"},
		{"a never-logged-in policy that is none", []string{"--never-logged-in", "keep"}, nil, `--never-logged-in must be "first-seen", "skip" or "suspend", not "keep"`},
		{"a day that is not YYYY-MM-DD", []string{"--as-of", "31/12/2030"}, nil, `--as-of must be a day written YYYY-MM-DD, such as 2030-12-31, not "31/12/2030"`},
		{"a day that does not exist", nil, map[string]string{"LMUH_AS_OF": "2030-02-30"}, "--as-of must be a day"},
		{"as of a day and apply", []string{"--as-of=2999-01-01", "--apply"}, nil, "--as-of only plans: leave out --apply"},
		{"a createdBy test that is no regular expression", []string{"--sso-created-by", "(saml"}, nil, "--sso-created-by is not a Go regular expression: missing closing ) in (saml"},
		{"a createdBy test that matches everyone", []string{"--sso-created-by=saml|"}, nil, "--sso-created-by saml| matches an empty createdBy"},
		{"undo without the run", []string{"undo"}, nil, "undo needs the run to undo: undo RUN"},
		{"undo with a run that is no id", []string{"undo", "last run"}, nil, "undo (argument 2, not shown"},
		{"undo with two runs", []string{"undo", "last", "12"}, nil, `unexpected argument "12" after command "undo"`},
		{"a stray word after a value that holds no spaces", []string{"--output=json", "extra"}, nil, `unknown command "extra"`},
		{"three dashes", []string{"---access-key=" + testAccessKey}, nil, "bad flag syntax in argument 1 (not shown, as it may hold a secret)"},
		{"three dashes with the key apart", []string{"--apply", "---access-key", testAccessKey}, nil, "bad flag syntax in argument 2"},
		{"three dashes as the value of a flag", []string{"--output", "---access-key=" + testAccessKey}, nil, "flag --output needs a value, but is followed by the flag --access-key"},
		{"a flag with no name", []string{"--=" + testAccessKey}, nil, "bad flag syntax in argument 1"},
		{"a value for a switch", []string{"--help=" + testAccessKey}, nil, "flag --help takes no value"},
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
			_, _, err := loadPolicy(tc.args, withEnv(tc.env))
			var ue *UsageError
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

// The collector replaces each ##property## token of a module's parameters;
// for a property the device lacks it leaves the token or puts nothing there
// (undocumented, so both). Either way the setting is unset and its default,
// or its variable, holds.
func TestUnsetPropertyMeansUnset(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		env       map[string]string
		check     func(c *Config) bool
		wantUnset []string
	}{
		{"an unreplaced token as a flag", []string{"--suspended-group=##lmuh.suspended-group##", "--warn-days=##lmuh.warn-days##"}, nil,
			func(c *Config) bool { return c.SuspendedGroup == "Suspended" && c.WarnDays == 14 }, []string{"warn-days", "suspended-group"}},
		{"an empty flag value", []string{"--suspended-group=", "--warn-days=", "--apply=", "--output=", "--state="}, nil,
			func(c *Config) bool {
				return c.SuspendedGroup == "Suspended" && c.WarnDays == 14 && !c.Apply && c.Output == output.FormatDatasource && c.State == "auto"
			}, nil},
		{"an unreplaced token in the environment", nil, map[string]string{"LMUH_PROTECT_USERS": "##lmuh.protect-users##", "LMUH_APPLY": "##lmuh.apply##"},
			func(c *Config) bool { return c.ProtectUsers == "" && !c.Apply }, []string{"apply", "protect-users"}},
		{"an unreplaced flag leaves its variable in force", []string{"--protect-users=##lmuh.protect-users##"}, map[string]string{"LMUH_PROTECT_USERS": "breakglass"},
			func(c *Config) bool { return c.ProtectUsers == "breakglass" }, []string{"protect-users"}},
		{"a token inside a value is a value", []string{"--protect-users=a##b##"}, nil,
			func(c *Config) bool { return c.ProtectUsers == "a##b##" }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := loadPolicy(tc.args, withEnv(tc.env))
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !tc.check(cfg) {
				t.Errorf("config %+v", cfg)
			}
			got := cfg.UnsetByToken()
			slices.Sort(got)
			if want := slices.Sorted(slices.Values(tc.wantUnset)); !slices.Equal(got, want) {
				t.Errorf("unset by token %v, want %v", got, want)
			}
		})
	}
}

// A substituted value with spaces arrives whole, or split at its spaces when
// the collector splits the parameters string after substituting (as Java's
// Runtime.exec(String) does): both read the same.
func TestValueSplitAtSpacesIsJoined(t *testing.T) {
	whole := []string{"run", "--output=datasource", "--role-groups=netops=Network Operations;readonly=Viewers",
		"--protect-users=break glass,ops*", "--state=C:\\Program Files\\lmuh\\acme.db", "--sso-created-by=(?i)single sign on", "--apply=false"}
	var split []string
	for _, a := range whole {
		split = append(split, strings.Fields(a)...)
	}
	read := func(args []string) *Config {
		t.Helper()
		cfg, _, err := loadPolicy(args, withEnv(nil))
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		return cfg
	}
	a, b := read(whole), read(split)
	for _, c := range []*Config{a, b} {
		if c.RoleGroups != "netops=Network Operations;readonly=Viewers" || c.ProtectUsers != "break glass,ops*" ||
			c.State != "C:\\Program Files\\lmuh\\acme.db" || c.SSOCreatedBy != "(?i)single sign on" || c.Command != hygiene.CommandRun || c.Apply {
			t.Errorf("read %+v", c)
		}
	}
	t.Run("a command word inside a value after the command is part of the value", func(t *testing.T) {
		c := read([]string{"run", "--role-groups=qa=Release", "check", "team"})
		if c.Command != hygiene.CommandRun || c.RoleGroups != "qa=Release check team" {
			t.Errorf("command %q role groups %q", c.Command, c.RoleGroups)
		}
	})
	t.Run("before any command a command word is the command", func(t *testing.T) {
		c := read([]string{"--protect-users=ann", "check"})
		if c.Command != hygiene.CommandCheck || c.ProtectUsers != "ann" {
			t.Errorf("command %q protect users %q", c.Command, c.ProtectUsers)
		}
	})
}

// With --output json the caller prints the failure as a json object, also
// when another setting is bad: loadConfig says which output was asked for.
func TestOutputIsKnownWhenConfigIsBad(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want output.Format
	}{
		{"a malformed flag before --output", []string{"---access-key=K", "--output=json"}, nil, output.FormatJSON},
		{"an unknown flag after --output", []string{"--output", "json", "--aply"}, nil, output.FormatJSON},
		{"a bad value", []string{"--output=json", "--max-changes=many"}, nil, output.FormatJSON},
		{"a bad new setting", []string{"--warn-days=-1"}, map[string]string{"LMUH_OUTPUT": "json"}, output.FormatJSON},
		{"a flag wins over its variable", []string{"--output=configsource", "--aply"}, map[string]string{"LMUH_OUTPUT": "json"}, output.FormatConfigsource},
		{"an unset token is no output", []string{"--output=##lmuh.output##", "--aply"}, map[string]string{"LMUH_OUTPUT": "json"}, output.FormatJSON},
		{"no output asked for", []string{"--aply"}, nil, output.FormatDatasource},
		{"a bad output is the default", []string{"--output=xml"}, nil, output.FormatDatasource},
		{"the default is the command's", []string{"check", "--aply"}, nil, output.FormatText},
		{"an output the command does not take is its default", []string{"history", "--output=datasource"}, nil, output.FormatText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadConfig(context.Background(), tc.args, withEnv(tc.env))
			if err == nil {
				t.Fatal("no error")
			}
			if cfg == nil || cfg.Output != tc.want {
				t.Fatalf("config %+v, want output %q", cfg, tc.want)
			}
		})
	}
}

func TestSecretValues(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--access-key=A"}, []string{"A"}},
		{[]string{"-access-key", "B"}, []string{"B"}},
		{[]string{"---access-key=C", "----bearer-token", "D"}, []string{"C", "D"}},
		{[]string{"--access-id=E", "--output", "json", "--access-key"}, nil},
		{[]string{"--", "--access-key=F"}, nil},
		{[]string{"access-key=G", "--access-key="}, nil},
	} {
		if got := SecretValues(tc.args); !slices.Equal(got, tc.want) {
			t.Errorf("SecretValues(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestAsOfInThePast(t *testing.T) {
	for _, tc := range []struct {
		name string
		now  time.Time
		ok   bool
	}{
		{"the day before is fine", time.Date(2030, 6, 14, 12, 0, 0, 0, time.UTC), true},
		{"the day itself is fine until its end, UTC", time.Date(2030, 6, 15, 23, 59, 0, 0, time.UTC), true},
		{"the day itself is fine in a zone ahead of UTC", time.Date(2030, 6, 16, 1, 0, 0, 0, time.FixedZone("CEST", 2*3600)), true},
		{"the day after is the past", time.Date(2030, 6, 16, 0, 0, 0, 0, time.UTC), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(context.Background(), []string{"--as-of=2030-06-15"}, withEnv(nil), tc.now)
			if (err == nil) != tc.ok {
				t.Fatalf("error %v", err)
			}
			var ue *UsageError
			if err != nil && (!errors.As(err, &ue) || !strings.Contains(err.Error(), "--as-of 2030-06-15 is in the past")) {
				t.Errorf("error %v (%T)", err, err)
			}
		})
	}
}

func TestStatePath(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/home/collector/.cache")
	t.Setenv("HOME", "/home/collector")
	for _, tc := range []struct {
		state, baseURL string
		want, wantErr  string
	}{
		{"auto", "https://acme.logicmonitor.com/santaba/rest", filepath.Join("/home/collector/.cache", "lm-user-hygiene", "acme.logicmonitor.com.db"), ""},
		{"auto", "http://127.0.0.1:8080/santaba/rest", filepath.Join("/home/collector/.cache", "lm-user-hygiene", "127.0.0.1_8080.db"), ""},
		{"off", "https://acme.logicmonitor.com/santaba/rest", "", ""},
		{"/var/lib/lmuh.db", "https://acme.logicmonitor.com/santaba/rest", "/var/lib/lmuh.db", ""},
		{"auto", "not a url", "", "no portal host"},
	} {
		got, err := (&Config{State: tc.state}).StatePath(tc.baseURL)
		if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("state %q at %s: %q, %v; want %q, %q", tc.state, tc.baseURL, got, err, tc.want, tc.wantErr)
		}
	}
}
