package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
)

// report runs the text tests' portal with the text tests' policy, changed
// by policy, and returns its report.
func report(t *testing.T, policy func(*hygiene.Policy)) *hygiene.Report {
	t.Helper()
	pol := textPolicy()
	if policy != nil {
		policy(&pol)
	}
	rn := testRunner(textPortal())
	rn.MemoryOK = true
	return rn.Run(t.Context(), pol)
}

func render(t *testing.T, f Format, r *hygiene.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, f, r, hygiene.Stats{Requests: 7, Retries: 1, Duration: 1500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestViewsGolden compares each view of a planned and an applied run with
// testdata/<format>-<run>.golden; go test -run TestViewsGolden -update
// rewrites them.
func TestViewsGolden(t *testing.T) {
	for _, f := range []Format{FormatDatasource, FormatConfigsource, FormatJSON} {
		for _, run := range []struct {
			name   string
			policy func(*hygiene.Policy)
		}{
			{"plan", nil},
			{"apply", func(p *hygiene.Policy) { p.Apply = true }},
			{"failed", func(p *hygiene.Policy) { p.Apply = true; p.Suspend.MaxSuspendPercent = 5 }},
		} {
			t.Run(string(f)+"-"+run.name, func(t *testing.T) {
				checkGolden(t, string(f)+"-"+run.name, render(t, f, report(t, run.policy)))
			})
		}
	}
}

func TestDatasourceRules(t *testing.T) {
	for _, tc := range []struct {
		rule string
		r    *hygiene.Report
	}{
		{"a run prints every key in order", report(t, nil)},
		{"a run that read nothing prints every key too", hygiene.Failed(textPolicy(), errors.New("unreachable"))},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			lines := strings.Split(strings.TrimSuffix(render(t, FormatDatasource, tc.r), "\n"), "\n")
			if len(lines) != len(hygiene.Datapoints) {
				t.Fatalf("%d lines, want %d", len(lines), len(hygiene.Datapoints))
			}
			for i, d := range hygiene.Datapoints {
				if !strings.HasPrefix(lines[i], d.Name+"=") {
					t.Errorf("line %d is %q, want %s", i, lines[i], d.Name)
				}
			}
		})
	}
	t.Run("an unknown format is the datasource", func(t *testing.T) {
		r := report(t, nil)
		if render(t, Format("xml"), r) != render(t, FormatDatasource, r) {
			t.Error("an unknown format is not printed as the datasource")
		}
	})
}

func TestPropertyEscaping(t *testing.T) {
	for _, tc := range []struct {
		rule       string
		in         string
		key, value string
	}{
		{"a plain name is as it is", "alice@example.com", "alice@example.com", "alice@example.com"},
		{"white space in a key is escaped, in a value only at the start", " a b", `\ a\ b`, `\ a b`},
		{"separators are escaped in a key only", "k=v:w", `k\=v\:w`, "k=v:w"},
		{"a comment start is escaped in a key, in a value only at the start", "#x!y", `\#x\!y`, `\#x!y`},
		{"a value starting with ! is escaped", "!x", `\!x`, `\!x`},
		{"a backslash is doubled", `a\b`, `a\\b`, `a\\b`},
		{"line breaks, tabs and form feeds are escaped", "a\nb\rc\td\fe", `a\nb\rc\td\fe`, `a\nb\rc\td\fe`},
		{"other control characters and non-ASCII are \\u escapes", "é\x01", `\u00e9\u0001`, `\u00e9\u0001`},
		{"a character beyond the basic plane is its surrogate pair", "😀", `\ud83d\ude00`, `\ud83d\ude00`},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if got := propertyKey(tc.in); got != tc.key {
				t.Errorf("key %q, want %q", got, tc.key)
			}
			if got := PropertyValue(tc.in); got != tc.value {
				t.Errorf("value %q, want %q", got, tc.value)
			}
		})
	}
}

func configsource(t *testing.T, r *hygiene.Report) map[string]string {
	t.Helper()
	props := map[string]string{}
	for _, l := range strings.Split(render(t, FormatConfigsource, r), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			props[k] = v
		}
	}
	return props
}

func TestConfigsourceRules(t *testing.T) {
	t.Run("nothing is printed when the portal was not read", func(t *testing.T) {
		if out := render(t, FormatConfigsource, hygiene.Failed(textPolicy(), errors.New("unreachable"))); out != "" {
			t.Errorf("printed %q", out)
		}
	})
	t.Run("an applied change shows the user as the portal answered, and the group created by name", func(t *testing.T) {
		props := configsource(t, report(t, func(p *hygiene.Policy) { p.Apply = true }))
		if props["user.bob@example.com.status"] != "suspended" || props["user.bob@example.com.groups"] != "Suspended" {
			t.Errorf("bob: %s in %s", props["user.bob@example.com.status"], props["user.bob@example.com.groups"])
		}
	})
	t.Run("a plan shows the portal as it stands", func(t *testing.T) {
		props := configsource(t, report(t, nil))
		if props["user.bob@example.com.status"] != "active" || props["user.bob@example.com.groups"] != "Viewers" {
			t.Errorf("bob: %s in %s", props["user.bob@example.com.status"], props["user.bob@example.com.groups"])
		}
	})
	t.Run("a group id no group has is shown as missing, an API-only user is marked", func(t *testing.T) {
		p := textPortal()
		p.users[0].GroupIDs = []int{4, 77}
		p.users[1].APIOnly = true
		rn := testRunner(p)
		props := configsource(t, rn.Run(t.Context(), textPolicy()))
		if got := props["user.alice@example.com.groups"]; got != `(missing group 77),administrator` {
			t.Errorf("alice's groups %q", got)
		}
		if props["user.bob@example.com.api_only"] != "true" || props["user.alice@example.com.api_only"] != "" {
			t.Errorf("api_only: bob %q, alice %q", props["user.bob@example.com.api_only"], props["user.alice@example.com.api_only"])
		}
	})
	t.Run("users are sorted as text, so the portal's line diff is the audit", func(t *testing.T) {
		out := render(t, FormatConfigsource, report(t, nil))
		var keys []string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "user.") {
				keys = append(keys, l[:strings.LastIndexByte(l[:strings.IndexByte(l, '=')], '.')])
			}
		}
		for i := 1; i < len(keys); i++ {
			if keys[i] < keys[i-1] {
				t.Errorf("%s after %s", keys[i], keys[i-1])
			}
		}
	})
}

func TestConfigsourcePolicy(t *testing.T) {
	for _, tc := range []struct {
		rule   string
		policy func(*hygiene.Policy)
		want   map[string]string
		absent []string
	}{
		{"the command follows apply, the time budget is left out", nil,
			map[string]string{"policy.apply": "false", "policy.command": "run", "policy.max_changes": "2"}, []string{"policy.time_budget"}},
		{"lists join names with commas, escaping a comma in one", func(p *hygiene.Policy) {
			p.Suspend.ProtectUsers = []string{"ops, eu", `back\slash`}
		}, map[string]string{"policy.suspend.protect_users": `ops\\, eu,back\\\\slash`}, nil},
		{"an empty list is an empty value", func(p *hygiene.Policy) { p.Suspend.ProtectRoles = nil },
			map[string]string{"policy.suspend.protect_roles": ""}, nil},
		{"the role groups are role=Group pairs by role, as --role-groups reads them", nil,
			map[string]string{"policy.assign.role_groups": "netops=Network Operations;readonly=Viewers"}, nil},
		{"a fraction is in Go's shortest form", func(p *hygiene.Policy) { p.Suspend.MaxSuspendPercent = 0.00001 },
			map[string]string{"policy.suspend.max_suspend_percent": "1e-05"}, nil},
		{"a whole percentage is a whole number", nil, map[string]string{"policy.suspend.max_suspend_percent": "20"}, nil},
		{"the --sso-created-by expression is shown as written", func(p *hygiene.Policy) {
			p.Assign.SSOCreatedBy = regexp.MustCompile(`(?i)okta|saml`)
		}, map[string]string{"policy.assign.sso_created_by": "(?i)okta|saml"}, nil},
		{"without --sso-created-by there is no such line", nil, nil, []string{"policy.assign.sso_created_by"}},
		{"a suspend run shows the suspend settings only", func(p *hygiene.Policy) { p.Command = hygiene.CommandSuspend },
			map[string]string{"policy.command": "suspend", "policy.suspend.inactive_days": "90"}, []string{"policy.assign.scope"}},
		{"an assign run shows the assign settings only", func(p *hygiene.Policy) { p.Command = hygiene.CommandAssign },
			map[string]string{"policy.command": "assign", "policy.assign.scope": "sso", "policy.assign.create_groups": "false"},
			[]string{"policy.suspend.inactive_days"}},
		{"never the token's access id", func(p *hygiene.Policy) { p.Suspend.TokenAccessID = "SECRETID" }, nil, []string{"SECRETID"}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			r := report(t, tc.policy)
			props := configsource(t, r)
			for k, v := range tc.want {
				if got, ok := props[k]; !ok || got != v {
					t.Errorf("%s=%q, want %q", k, got, v)
				}
			}
			out := render(t, FormatConfigsource, r)
			for _, s := range tc.absent {
				if strings.Contains(out, s) {
					t.Errorf("holds %s", s)
				}
			}
		})
	}
}

func TestJSONRules(t *testing.T) {
	decode := func(t *testing.T, r *hygiene.Report) map[string]any {
		t.Helper()
		var out map[string]any
		if err := json.Unmarshal([]byte(render(t, FormatJSON, r)), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Run("a run that read nothing is an object with the error", func(t *testing.T) {
		out := decode(t, hygiene.Failed(textPolicy(), errors.New("GET /setting/admins: connection refused")))
		if out["success"] != false || out["error"] != "GET /setting/admins: connection refused" || len(out["users"].([]any)) != 0 {
			t.Errorf("json %v", out)
		}
	})
	t.Run("the policy is its wire form", func(t *testing.T) {
		r := report(t, nil)
		b, _ := json.Marshal(r.Policy)
		var want any
		json.Unmarshal(b, &want)
		if got := decode(t, r)["policy"]; !jsonEqual(got, want) {
			t.Errorf("policy %v, want %v", got, want)
		}
	})
	t.Run("users are in the user order", func(t *testing.T) {
		p := textPortal()
		p.users = append(p.users,
			lm.User{ID: 300, Username: "Zoe", Status: lm.StatusActive, Roles: []lm.Role{{ID: 2, Name: "readonly"}}, GroupIDs: []int{2}, LastLoginOn: now.Unix()},
			lm.User{ID: 301, Username: "zoe", Status: lm.StatusActive, Roles: []lm.Role{{ID: 2, Name: "readonly"}}, GroupIDs: []int{2}, LastLoginOn: now.Unix()},
			lm.User{ID: 302, Username: "adam", Status: lm.StatusActive, Roles: []lm.Role{{ID: 2, Name: "readonly"}}, GroupIDs: []int{2}, LastLoginOn: now.Unix()})
		out := decode(t, testRunner(p).Run(t.Context(), textPolicy()))
		var names []string
		for _, u := range out["users"].([]any) {
			names = append(names, u.(map[string]any)["username"].(string))
		}
		got := strings.Join(names, ",")
		if !strings.HasPrefix(got, "adam,alice@example.com") || !strings.HasSuffix(got, "Zoe,zoe") {
			t.Errorf("users in the order %s", got)
		}
	})
	t.Run("an applied change shows the user after it", func(t *testing.T) {
		out := decode(t, report(t, func(p *hygiene.Policy) { p.Apply = true }))
		for _, u := range out["users"].([]any) {
			u := u.(map[string]any)
			if u["username"] == "bob@example.com" {
				after, _ := u["after"].(map[string]any)
				if after["status"] != "suspended" {
					t.Errorf("bob after: %v", u["after"])
				}
				return
			}
		}
		t.Error("bob is not listed")
	})
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// failingWriter refuses every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("stdout closed") }

func TestAWriteThatFailsSaysSo(t *testing.T) {
	r := report(t, nil)
	for _, f := range []Format{FormatDatasource, FormatConfigsource, FormatJSON, FormatText} {
		if err := Write(failingWriter{}, f, r, hygiene.Stats{}); err == nil || !strings.Contains(err.Error(), "writing output: stdout closed") {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestCheckGolden compares check's text and json report of the text tests'
// portal with testdata/check-*.golden.
func TestCheckGolden(t *testing.T) {
	p := textPortal()
	p.groups = append(p.groups, lm.Group{ID: 9, Name: "viewers"})
	p.roles = append(p.roles, lm.Role{ID: 5, Name: "parking"})
	pol := textPolicy()
	pol.Assign.RoleGroups["parking"] = "Ungrouped"
	pol.Suspend.TokenAccessID = "RUN"
	p.users[0].APITokens = []lm.APIToken{{AccessID: "RUN"}}
	rn := testRunner(p)
	rn.MemoryOK = true
	r := rn.Run(t.Context(), pol)
	c := hygiene.Check(r, hygiene.CheckInput{BaseURL: "https://acme.logicmonitor.com/santaba/rest"})
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer, hygiene.CheckResult) error
	}{
		{"check-text", func(b *bytes.Buffer, c hygiene.CheckResult) error { return WriteCheckText(b, c) }},
		{"check-json", func(b *bytes.Buffer, c hygiene.CheckResult) error { return WriteCheckJSON(b, c) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b, c); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name, b.String())
		})
	}
}

func TestCheckTextRules(t *testing.T) {
	text := func(c hygiene.CheckResult) string {
		var b bytes.Buffer
		if err := WriteCheckText(&b, c); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	t.Run("a portal that could not be read is one line after the portal", func(t *testing.T) {
		got := text(hygiene.CheckResult{Portal: "https://acme", Error: "connection refused"})
		if got != "Portal: https://acme\nFAILED: the portal could not be read: connection refused\n" {
			t.Errorf("%q", got)
		}
	})
	t.Run("nothing to attend to says so", func(t *testing.T) {
		got := text(hygiene.CheckResult{Portal: "https://acme", Token: &hygiene.CheckToken{Kind: "bearer", ManagesUsers: "unknown"},
			Breaker: &hygiene.CheckBreaker{InactiveFound: 1, Considered: 4, MaxPercent: 20, Tripped: true}})
		for _, want := range []string{"Needs attention: nothing", "Token: bearer, owner unknown, roles -,", "1 of 4 active users look inactive (25.0%), limit 20%: TRIPPED"} {
			if !strings.Contains(got, want) {
				t.Errorf("lacks %q:\n%s", want, got)
			}
		}
	})
}
