package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

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
			res := runAt(t, testNow, serveEnv(t, p), append(append([]string{}, goldenArgs...), tc.args...)...)
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
