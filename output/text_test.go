package output

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// textPortal has one user per situation the text report lists.
func textPortal() *fakePortal {
	days := func(n int) int64 { return now.Add(-time.Duration(n) * 24 * time.Hour).Unix() }
	admin := lm.Role{ID: 1, Name: "administrator"}
	readonly := lm.Role{ID: 2, Name: "readonly"}
	netops := lm.Role{ID: 3, Name: "netops"}
	auditor := lm.Role{ID: 4, Name: "auditor"}
	p := &fakePortal{
		groups: []lm.Group{{ID: 1, Name: "Ungrouped"}, {ID: 2, Name: "Viewers"}, {ID: 3, Name: "Network Operations"}, {ID: 4, Name: "administrator"}},
		roles:  []lm.Role{admin, readonly, netops, auditor},
	}
	add := func(u lm.User) {
		u.ID = 100 + len(p.users)
		if u.Status == "" {
			u.Status = lm.StatusActive
		}
		if u.Roles == nil {
			u.Roles = []lm.Role{readonly}
		}
		if u.GroupIDs == nil {
			u.GroupIDs = []int{2}
		}
		p.users = append(p.users, u)
	}
	add(lm.User{Username: "alice@example.com", Roles: []lm.Role{admin}, GroupIDs: []int{4}, LastLoginOn: days(2)})
	add(lm.User{Username: "bob@example.com", LastLoginOn: days(120)})
	add(lm.User{Username: "carol@example.com", LastLoginOn: days(200), LastActionOn: days(100) * 1000})
	add(lm.User{Username: "dave@example.com", LastLoginOn: days(80)})
	add(lm.User{Username: "erin@example.com", Status: lm.StatusSuspended, LastLoginOn: days(300)})
	add(lm.User{Username: "breakglass@example.com", Roles: []lm.Role{admin}, GroupIDs: []int{4}, LastLoginOn: days(400)})
	add(lm.User{Username: "frank@example.com", LastLoginOn: days(150), Note: "contractor; lmuh:exempt-until=2027-01-31"})
	add(lm.User{Username: "grace@example.com", CreatedBy: "SAML", Roles: []lm.Role{netops, readonly}, GroupIDs: []int{1}, LastLoginOn: days(1)})
	add(lm.User{Username: "heidi@example.com", CreatedBy: "SSO (Okta)", Roles: []lm.Role{auditor}, GroupIDs: []int{}, LastLoginOn: days(2)})
	add(lm.User{Username: "ivan@example.com", CreatedBy: "Chief Admin", GroupIDs: []int{1}, LastLoginOn: days(5)})
	add(lm.User{Username: "judy@example.com", LastLoginOn: now.Add(72 * time.Hour).Unix()})
	add(lm.User{Username: "ken@example.com"})
	add(lm.User{Username: "mallory\twith a tab", Status: "pending", Unreadable: `status "pending"`})
	for i := range 12 {
		add(lm.User{Username: "staff" + string(rune('a'+i)) + "@example.com", LastLoginOn: days(i)})
	}
	return p
}

func textPolicy() hygiene.Policy {
	return hygiene.Policy{
		Command: hygiene.CommandRun, MaxChanges: 2, TimeBudget: time.Minute,
		Suspend: suspend.Options{InactiveDays: 90, Activity: suspend.ActivityAny, SuspendedGroup: "Suspended", WarnDays: 14,
			ProtectUsers: []string{"breakglass*", "brakeglass@example.com"}, MinAdmins: 1, AdminRoles: []string{"administrator"},
			NeverLoggedIn: suspend.NeverLoggedInSkip, MaxSuspendPercent: 20},
		Assign: assign.Options{Scope: assign.ScopeSSO, UngroupedGroup: "Ungrouped", SuspendedGroup: "Suspended",
			RoleGroups: map[string]string{"netops": "Network Operations", "readonly": "Viewers"}},
	}
}

// unreachable is a portal that cannot be read.
type unreachable struct{ *fakePortal }

func (unreachable) Users(context.Context) ([]lm.User, error) {
	return nil, errors.New("GET /setting/admins: dial tcp: connection refused")
}

// TestTextGolden compares the text report of a planned, an applied, a
// refused and an unread run with testdata/text-*.golden; go test -run
// TestTextGolden -update rewrites them.
func TestTextGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		portal func() hygiene.Portal
		policy func(*hygiene.Policy)
	}{
		{"plan", func() hygiene.Portal { return textPortal() }, nil},
		{"apply", func() hygiene.Portal { return textPortal() }, func(p *hygiene.Policy) { p.Apply = true }},
		{"refused", func() hygiene.Portal { return textPortal() }, func(p *hygiene.Policy) { p.Apply = true; p.Suspend.MaxSuspendPercent = 5 }},
		{"unreachable", func() hygiene.Portal { return unreachable{textPortal()} }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := textPolicy()
			if tc.policy != nil {
				tc.policy(&pol)
			}
			rn := testRunner(tc.portal())
			rn.MemoryOK = true
			r := rn.Run(t.Context(), pol)
			var b bytes.Buffer
			if err := Write(&b, FormatText, r, hygiene.Stats{Requests: 7, Duration: time.Second}); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "text-"+tc.name, b.String())
		})
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update creates it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (-update rewrites it):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

func TestTextRules(t *testing.T) {
	text := func(t *testing.T, pol hygiene.Policy) string {
		t.Helper()
		rn := testRunner(textPortal())
		rn.MemoryOK = true
		var b bytes.Buffer
		if err := writeText(&b, rn.Run(t.Context(), pol)); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	t.Run("the same portal and options give the same bytes", func(t *testing.T) {
		if a, b := text(t, textPolicy()), text(t, textPolicy()); a != b {
			t.Errorf("two runs differ:\n%s\n---\n%s", a, b)
		}
	})
	t.Run("a refused run shows its plan and says why in one line", func(t *testing.T) {
		pol := textPolicy()
		pol.Suspend.MaxSuspendPercent = 5
		out := text(t, pol)
		failed := 0
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "FAILED: ") {
				failed++
			}
		}
		if failed != 1 || !strings.Contains(out, "blocked") || !strings.Contains(out, "TRIPPED") {
			t.Errorf("want one FAILED line, the blocked changes and the tripped breaker:\n%s", out)
		}
	})
	t.Run("a control character in a name stays in its cell", func(t *testing.T) {
		if out := text(t, textPolicy()); !strings.Contains(out, `"mallory\twith a tab"`) {
			t.Errorf("the unreadable user's name is not quoted:\n%s", out)
		}
	})
	t.Run("every setting that names nothing is one line with its fix", func(t *testing.T) {
		out := text(t, textPolicy())
		if !strings.Contains(out, `  --protect-users "brakeglass@example.com" matches no user`) {
			t.Errorf("the finding is missing:\n%s", out)
		}
	})
}

func TestTextListsUsersInTheUserOrder(t *testing.T) {
	p := textPortal()
	// Three protected idle users whose names differ only in case, listed
	// by the portal out of order: the exact spelling, then the id, decide.
	for i, name := range []string{"breakglass-b", "BREAKGLASS-B", "breakglass-b"} {
		p.users = append(p.users, lm.User{ID: 400 - i, Username: name, Status: lm.StatusActive,
			Roles: []lm.Role{{ID: 2, Name: "readonly"}}, GroupIDs: []int{2}, LastLoginOn: now.AddDate(0, 0, -200).Unix()})
	}
	rn := testRunner(p)
	var b bytes.Buffer
	if err := writeText(&b, rn.Run(t.Context(), textPolicy())); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, l := range strings.Split(b.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 && strings.EqualFold(f[0], "breakglass-b") {
			order = append(order, f[0])
		}
	}
	// BREAKGLASS-B sorts before breakglass-b as bytes; by id alone (399
	// between 398 and 400) it would come second.
	if strings.Join(order, ",") != "BREAKGLASS-B,breakglass-b,breakglass-b" {
		t.Errorf("order %v", order)
	}
}
