package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
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

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	testAccessID  = "T3stAcc3ssId0000"
	testAccessKey = "s3cr3t-K3y-that-must-never-be-printed=="
)

// testNow is the fixed clock of the golden tests.
var testNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// result is one in-process run of the program.
type result struct {
	code           int
	stdout, stderr string
}

// portalEnv serves p on loopback and returns the environment that points a
// run at it. Runs are stateless unless a test gives --state: the rules of a
// single run are checked without the memory of earlier ones.
func portalEnv(t *testing.T, p *lmfake.Portal) []string {
	t.Helper()
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return []string{
		"LM_BASE_URL=" + srv.URL + "/santaba/rest",
		"LM_ACCESS_ID=" + testAccessID,
		"LM_ACCESS_KEY=" + testAccessKey,
		"LMUH_STATE=off",
	}
}

func runAt(t *testing.T, now time.Time, env []string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := runWith(context.Background(), args, env, &out, &errb, deps{now: func() time.Time { return now }})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func runNow(t *testing.T, env []string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env, &out, &errb)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// datasource parses key=value lines, failing the test on anything else.
func datasource(t *testing.T, out string) map[string]int {
	t.Helper()
	m := map[string]int{}
	var keys []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("datasource line %q is not key=value", line)
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("datasource value %s=%q is not numeric", k, v)
		}
		m[k] = int(f)
		keys = append(keys, k)
	}
	if strings.Join(keys, ",") != strings.Join(datasourceKeys, ",") {
		t.Fatalf("datasource keys or their order changed:\n got %v\nwant %v", keys, datasourceKeys)
	}
	return m
}

// goldenPortal is a small hand-made portal with one user per situation, so
// the golden outputs are readable.
func goldenPortal(now time.Time) *lmfake.Portal {
	p := lmfake.New(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey, Now: func() time.Time { return now }})
	admin := p.AddRole("administrator")
	readonly := p.AddRole("readonly")
	netops := p.AddRole("netops")
	orphan := p.AddRole("auditor")
	ungrouped := p.AddGroup("Ungrouped")
	suspended := p.AddGroup("Suspended")
	netGroup := p.AddGroup("Network Operations")
	viewers := p.AddGroup("Viewers")
	admins := p.AddGroup("administrator")
	days := func(n int) int64 { return now.Add(-time.Duration(n) * 24 * time.Hour).Unix() }
	add := func(u lm.User) {
		if u.Status == "" {
			u.Status = lm.StatusActive
		}
		if u.CreatedBy == "" {
			u.CreatedBy = "Chief Admin"
		}
		p.AddUser(u)
	}
	add(lm.User{Username: "lmuh-api@example.com", APIOnly: true, Roles: []lm.Role{admin}, GroupIDs: []int{admins.ID},
		APITokens: []lm.APIToken{{AccessID: testAccessID, Enabled: true, LastUsedOn: days(200)}}})
	add(lm.User{Username: "alice@example.com", Roles: []lm.Role{admin}, GroupIDs: []int{admins.ID}, LastLoginOn: days(3)})
	add(lm.User{Username: "bob@example.com", Roles: []lm.Role{readonly}, GroupIDs: []int{viewers.ID}, LastLoginOn: days(120)})
	add(lm.User{Username: "carol@example.com", Roles: []lm.Role{netops}, GroupIDs: []int{netGroup.ID}, LastLoginOn: days(200), LastActionOn: days(10) * 1000})
	add(lm.User{Username: "breakglass@example.com", Roles: []lm.Role{admin}, GroupIDs: []int{admins.ID}, LastLoginOn: days(400)})
	add(lm.User{Username: "dave@example.com", Roles: []lm.Role{readonly}, GroupIDs: []int{viewers.ID}})
	add(lm.User{Username: "erin@example.com", Status: lm.StatusSuspended, Roles: []lm.Role{readonly}, GroupIDs: []int{viewers.ID}, LastLoginOn: days(300)})
	add(lm.User{Username: "frank@example.com", Status: lm.StatusSuspended, Roles: []lm.Role{readonly}, GroupIDs: []int{suspended.ID}, LastLoginOn: days(300)})
	add(lm.User{Username: "grace@example.com", CreatedBy: "SAML", Roles: []lm.Role{netops, readonly}, GroupIDs: []int{ungrouped.ID}, LastLoginOn: days(1)})
	add(lm.User{Username: "heidi@example.com", CreatedBy: "SSO (Okta)", Roles: []lm.Role{orphan}, LastLoginOn: days(2)})
	add(lm.User{Username: "ivan@example.com", Roles: []lm.Role{readonly}, GroupIDs: []int{ungrouped.ID}, LastLoginOn: days(5)})
	add(lm.User{Username: "judy@example.com", Roles: []lm.Role{netops}, GroupIDs: []int{suspended.ID}, LastLoginOn: days(1)})
	add(lm.User{Username: "mallory@example.com", Roles: []lm.Role{readonly}, GroupIDs: []int{viewers.ID}, LastLoginOn: now.Add(72 * time.Hour).Unix()})
	add(lm.User{Username: "user with = and #: ü", CreatedBy: "saml-jit", Roles: []lm.Role{readonly}, GroupIDs: []int{9999}, LastLoginOn: days(4)})
	for i := 0; i < 16; i++ {
		add(lm.User{Username: "staff" + strconv.Itoa(i) + "@example.com", Roles: []lm.Role{readonly}, GroupIDs: []int{viewers.ID}, LastLoginOn: days(i)})
	}
	return p
}

var goldenArgs = []string{"--protect-users", "breakglass*", "--role-groups", "netops=Network Operations;readonly=Viewers"}

// TestGolden runs every output format against the golden portal, planned and
// applied, and compares each byte for byte with testdata/*.golden (timings
// masked). go test -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	volatile := regexp.MustCompile(`(?m)^(api_requests|api_retries|duration_seconds)=.*$|"duration_seconds": [0-9.e-]+|"(api_requests|api_retries|duration_seconds)": "[0-9.]+"`)
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"plan-datasource", []string{"--output", "datasource"}, exitOK},
		{"plan-configsource", []string{"--output", "configsource"}, exitOK},
		{"plan-json", []string{"--output", "json"}, exitOK},
		{"apply-datasource", []string{"--apply", "--output", "datasource"}, exitOK},
		{"apply-configsource", []string{"--apply", "--output", "configsource"}, exitOK},
		{"apply-json", []string{"--apply", "--output", "json"}, exitOK},
		{"bad-config-datasource", []string{"--output", "datasource", "--max-changes", "many"}, exitConfig},
		{"bad-config-json", []string{"--output", "json", "--activity", "sometimes"}, exitConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := goldenPortal(testNow)
			res := runAt(t, testNow, portalEnv(t, p), append(append([]string{}, goldenArgs...), tc.args...)...)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, tc.code, res.stderr)
			}
			got := volatile.ReplaceAllStringFunc(res.stdout, func(s string) string {
				if i := strings.IndexAny(s, "=:"); i >= 0 {
					return s[:i+1] + "X"
				}
				return s
			})
			checkGolden(t, tc.name, got)
		})
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (go test -run TestGolden -update rewrites it):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// jsonOut is the part of the json output the end-to-end tests read.
type jsonOut struct {
	Success bool                   `json:"success"`
	Error   string                 `json:"error"`
	Counts  map[string]json.Number `json:"counts"`
	Users   []struct {
		ID       int    `json:"id"`
		Username string `json:"username"`
		Suspend  *struct {
			Action, Outcome, Signal string
		} `json:"suspend"`
		Assign *struct {
			Action, Outcome string
		} `json:"assign"`
		Change *struct {
			Kind     string `json:"kind"`
			Result   string `json:"result"`
			Status   string `json:"status"`
			GroupIDs []int  `json:"group_ids"`
		} `json:"change"`
	} `json:"users"`
}

func parseJSON(t *testing.T, s string) jsonOut {
	t.Helper()
	var j jsonOut
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		t.Fatalf("json output: %v\n%s", err, s)
	}
	return j
}

// TestMain keeps the state files of the runs under test (--state auto) out
// of the user's cache directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lmuh-test-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
