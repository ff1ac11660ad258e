package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

const testBearer = "b3arer-t0ken-that-must-never-be-printed"

// cleanPortal is a portal where check finds nothing that needs attention:
// the token's user is an administrator, every setting names something, and
// the only ungrouped SSO user maps to a group.
func cleanPortal(now time.Time) *lmfake.Portal {
	p := lmfake.New(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey, BearerToken: testBearer, Now: func() time.Time { return now }})
	admin := p.AddRole("administrator")
	readonly := p.AddRole("readonly")
	ungrouped := p.AddGroup("Ungrouped")
	p.AddGroup("Suspended")
	viewers := p.AddGroup("Viewers")
	admins := p.AddGroup("administrator")
	days := func(n int) int64 { return now.Add(-time.Duration(n) * 24 * time.Hour).Unix() }
	p.AddUser(lm.User{Username: "lmuh-api@example.com", APIOnly: true, CreatedBy: "Chief Admin", Roles: []lm.Role{admin}, GroupIDs: []int{admins.ID},
		APITokens: []lm.APIToken{{AccessID: testAccessID, Enabled: true, LastUsedOn: days(1)}}})
	p.AddUser(lm.User{Username: "alice@example.com", CreatedBy: "Chief Admin", Roles: []lm.Role{admin}, GroupIDs: []int{admins.ID}, LastLoginOn: days(3)})
	p.AddUser(lm.User{Username: "breakglass@example.com", CreatedBy: "Chief Admin", Roles: []lm.Role{admin}, GroupIDs: []int{admins.ID}, LastLoginOn: days(300)})
	p.AddUser(lm.User{Username: "grace@example.com", CreatedBy: "SAML", Roles: []lm.Role{readonly}, GroupIDs: []int{ungrouped.ID}, LastLoginOn: days(1) * 1000})
	for i := range 10 {
		p.AddUser(lm.User{Username: "staff" + strconv.Itoa(i) + "@example.com", CreatedBy: "Chief Admin", Roles: []lm.Role{readonly},
			GroupIDs: []int{viewers.ID}, LastLoginOn: days(i + 2)})
	}
	return p
}

var cleanArgs = []string{"check", "--protect-users", "breakglass*", "--role-groups", "readonly=Viewers"}

// withoutEnv drops the variables named from env.
func withoutEnv(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

func TestCheckExitStatus(t *testing.T) {
	days := func(n int) int64 { return testNow.Add(-time.Duration(n) * 24 * time.Hour).Unix() }
	readonly := lm.Role{Name: "readonly"}
	tests := []struct {
		name  string
		setup func(p *lmfake.Portal)
		args  []string
		env   func([]string) []string
		code  int
		want  string // in stdout
	}{
		{name: "a clean portal needs nothing", code: exitOK, want: "Needs attention: nothing"},
		{name: "an unreadable user needs attention", code: exitAttention, want: "1 user could not be read",
			setup: func(p *lmfake.Portal) {
				p.AddUser(lm.User{Username: "odd@example.com", Status: "pending", Roles: []lm.Role{readonly}, GroupIDs: []int{1}})
			}},
		{name: "an unmapped user needs attention", code: exitAttention, want: "1 user to regroup: no role maps to a group",
			setup: func(p *lmfake.Portal) {
				p.AddUser(lm.User{Username: "heidi@example.com", CreatedBy: "SSO (Okta)", Roles: []lm.Role{{Name: "auditor"}}, LastLoginOn: days(1)})
			}},
		{name: "a setting that names nothing needs attention", code: exitAttention, want: `--protect-users "brakeglass*" matches no user`,
			args: []string{"--protect-users", "breakglass*,brakeglass*"}},
		{name: "an LMv1 token no user carries needs attention", code: exitAttention, want: "no user carries the access id",
			setup: func(p *lmfake.Portal) { p.RemoveUser(1) }},
		{name: "a token whose user may not manage users needs attention", code: exitAttention, want: `may not manage users`,
			setup: func(p *lmfake.Portal) { p.SetRolePrivileges("administrator", lmfake.ReadonlyPrivileges) }},
		{name: "a tripped breaker needs attention", code: exitAttention, want: "a run would be refused: inactivity breaker tripped",
			args: []string{"--max-suspend-percent", "1"},
			setup: func(p *lmfake.Portal) {
				p.AddUser(lm.User{Username: "idle@example.com", Roles: []lm.Role{readonly}, GroupIDs: []int{3}, LastLoginOn: days(200)})
			}},
		{name: "too many unreadable users need attention", code: exitAttention, want: "a run would be refused: too many users could not be read",
			setup: func(p *lmfake.Portal) {
				for i := range 3 {
					p.AddUser(lm.User{Username: "odd" + strconv.Itoa(i), Status: "pending", Roles: []lm.Role{readonly}, GroupIDs: []int{1}})
				}
			}},
		{name: "a bearer token is information only", code: exitOK, want: "a bearer token's owner cannot be identified",
			env: func(env []string) []string {
				return append(withoutEnv(env, "LM_ACCESS_ID", "LM_ACCESS_KEY"), "LM_BEARER_TOKEN="+testBearer)
			}},
		{name: "out-of-scope users are information only", code: exitOK, want: "1 user ungrouped but not created by SSO",
			setup: func(p *lmfake.Portal) {
				p.AddUser(lm.User{Username: "ivan@example.com", CreatedBy: "Chief Admin", Roles: []lm.Role{readonly}, GroupIDs: []int{1}, LastLoginOn: days(1)})
			}},
		{name: "a future timestamp is information only", code: exitOK, want: "1 user with activity more than a day in the future",
			setup: func(p *lmfake.Portal) {
				p.AddUser(lm.User{Username: "judy@example.com", Roles: []lm.Role{readonly}, GroupIDs: []int{3}, LastLoginOn: testNow.Add(72 * time.Hour).Unix()})
			}},
		{name: "a suspended group still to create is information only", code: exitOK, want: `the suspended group "Gone" does not exist yet`,
			args: []string{"--suspended-group", "Gone"}},
		{name: "a portal that refuses the credential cannot be read", code: exitFailed, want: "FAILED: the portal could not be read",
			env: func(env []string) []string {
				return append(withoutEnv(env, "LM_ACCESS_KEY"), "LM_ACCESS_KEY=wrong-key")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := cleanPortal(testNow)
			if tc.setup != nil {
				tc.setup(p)
			}
			env := serveEnv(t, p)
			if tc.env != nil {
				env = tc.env(env)
			}
			for _, output := range []string{"text", "json"} {
				args := append(append(append([]string{}, cleanArgs...), tc.args...), "--output", output)
				res := runAt(t, testNow, env, args...)
				if res.code != tc.code {
					t.Fatalf("--output %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", output, res.code, tc.code, res.stdout, res.stderr)
				}
				if output == "text" && !strings.Contains(res.stdout, tc.want) {
					t.Errorf("stdout lacks %q:\n%s", tc.want, res.stdout)
				}
				if output == "json" {
					var j struct {
						Attention bool     `json:"attention"`
						Findings  []string `json:"findings"`
						Error     string   `json:"error"`
					}
					if err := json.Unmarshal([]byte(res.stdout), &j); err != nil {
						t.Fatalf("json output: %v\n%s", err, res.stdout)
					}
					if j.Attention != (tc.code == exitAttention) || (j.Error != "") != (tc.code == exitFailed) {
						t.Errorf("json attention %v, error %q for exit %d", j.Attention, j.Error, tc.code)
					}
				}
				for _, secret := range []string{testAccessKey, testBearer} {
					if strings.Contains(res.stdout+res.stderr, secret) {
						t.Errorf("a secret appears in the output")
					}
				}
			}
			if p.Writes() != 0 {
				t.Errorf("check wrote %d times to the portal", p.Writes())
			}
		})
	}
}

func TestCheckNeverWrites(t *testing.T) {
	t.Run("check with --apply writes neither the portal nor a new state file", func(t *testing.T) {
		p := goldenPortal(testNow)
		path := filepath.Join(t.TempDir(), "state.db")
		env := append(withoutEnv(serveEnv(t, p), "LMUH_STATE"), "LMUH_STATE="+path)
		res := runAt(t, testNow, env, append([]string{"check", "--apply"}, goldenArgs...)...)
		if res.code != exitAttention {
			t.Fatalf("exit %d, want %d (the golden portal has an unmapped user)\n%s%s", res.code, exitAttention, res.stdout, res.stderr)
		}
		if p.Writes() != 0 {
			t.Errorf("check --apply wrote %d times to the portal", p.Writes())
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("check created the state file (%v)", err)
		}
	})
	t.Run("check with --apply leaves an existing state file as it was", func(t *testing.T) {
		p := goldenPortal(testNow)
		path := filepath.Join(t.TempDir(), "state.db")
		env := append(withoutEnv(serveEnv(t, p), "LMUH_STATE"), "LMUH_STATE="+path)
		if res := runAt(t, testNow, env, goldenArgs...); res.code != exitOK {
			t.Fatalf("plan run: exit %d\n%s", res.code, res.stderr)
		}
		before, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		res := runAt(t, testNow, env, append([]string{"check", "--apply"}, goldenArgs...)...)
		if res.code != exitAttention {
			t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
		after, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(before, after) {
			t.Errorf("check changed the state file (%v)", err)
		}
		if p.Writes() != 0 {
			t.Errorf("check --apply wrote %d times to the portal", p.Writes())
		}
	})
	t.Run("a state file that cannot be used needs attention", func(t *testing.T) {
		p := cleanPortal(testNow)
		path := filepath.Join(t.TempDir(), "state.db")
		garbage := []byte("not a state file, and never to be moved aside by check")
		if err := os.WriteFile(path, garbage, 0o600); err != nil {
			t.Fatal(err)
		}
		env := append(withoutEnv(serveEnv(t, p), "LMUH_STATE"), "LMUH_STATE="+path)
		res := runAt(t, testNow, env, cleanArgs...)
		if res.code != exitAttention || !strings.Contains(res.stdout, "the state file cannot be used") {
			t.Fatalf("exit %d, want %d and the finding\n%s%s", res.code, exitAttention, res.stdout, res.stderr)
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, garbage) {
			t.Errorf("check moved or changed the unusable state file (%v)", err)
		}
	})
}

// TestCheckGolden compares check's text over the golden portal with
// testdata/check-text.golden (the portal's loopback port masked).
func TestCheckGolden(t *testing.T) {
	p := goldenPortal(testNow)
	res := runAt(t, testNow, serveEnv(t, p), append([]string{"check"}, goldenArgs...)...)
	if res.code != exitAttention {
		t.Fatalf("exit %d, want %d\n%s", res.code, exitAttention, res.stderr)
	}
	got := regexp.MustCompile(`127\.0\.0\.1:[0-9]+`).ReplaceAllString(res.stdout, "127.0.0.1:PORT")
	checkGolden(t, "check-text", got)
}

// TestTextOutput: --output text is the run's report, in the exit status of
// the run.
func TestTextOutput(t *testing.T) {
	p := goldenPortal(testNow)
	res := runAt(t, testNow, serveEnv(t, p), append(append([]string{}, goldenArgs...), "--output", "text")...)
	if res.code != exitOK || !strings.HasPrefix(res.stdout, "PLAN run") || !strings.Contains(res.stdout, "Breaker: ") {
		t.Errorf("exit %d, stdout:\n%s", res.code, res.stdout)
	}
	if p.Writes() != 0 {
		t.Errorf("a plan run wrote %d times", p.Writes())
	}
}
