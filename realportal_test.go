package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// shapes is a portal of 40 recently active staff and three users the cases
// reshape: an idle user due for suspension, an ungrouped SSO user due for a
// regroup, and one of the staff.
type shapes struct {
	p                      *lmfake.Portal
	idle, fresh, bystander int
	viewers, suspended     lm.Group
}

func newShapes(cfg lmfake.Config) *shapes {
	cfg.AccessID, cfg.AccessKey = testAccessID, testAccessKey
	p := faultPortalWith(cfg, 40, 0)
	s := &shapes{p: p}
	for _, g := range p.Groups() {
		switch g.Name {
		case "Viewers":
			s.viewers = g
		case "Suspended":
			s.suspended = g
		}
	}
	var readonly lm.Role
	for _, r := range p.Roles() {
		if r.Name == "readonly" {
			readonly = r
		}
	}
	s.idle = p.AddUser(lm.User{Username: "idle@example.com", Status: lm.StatusActive, CreatedBy: "Chief Admin",
		Roles: []lm.Role{readonly}, GroupIDs: []int{s.viewers.ID}, LastLoginOn: faultDays(200)}).ID
	s.fresh = p.AddUser(lm.User{Username: "fresh@example.com", Status: lm.StatusActive, CreatedBy: "Single Sign-On",
		Roles: []lm.Role{readonly}, GroupIDs: []int{}, LastLoginOn: faultDays(1)}).ID
	for _, u := range p.Users() {
		if u.Username == "staff00007@example.com" {
			s.bystander = u.ID
		}
	}
	// The fault portal's own changes (a move and a regroup) stay out of
	// the way: the moved user is put where it belongs.
	for _, u := range p.Users() {
		if u.Username == "moved@example.com" {
			u.GroupIDs = []int{s.suspended.ID}
			p.AddUser(u)
		}
	}
	return s
}

// patched reports whether the run sent a PATCH for the user.
func patched(p *lmfake.Portal, id int) bool {
	return slices.ContainsFunc(p.Requests(), func(r lmfake.Request) bool {
		return r.Method == http.MethodPatch && r.Path == "/setting/admins/"+strconv.Itoa(id)
	})
}

// TestRealPortalShapes: each shape a real portal may send, run plan →
// apply → plan through the real client: the user is read, left alone, or the
// run is refused, as DESIGN.md's "Real portals" says.
func TestRealPortalShapes(t *testing.T) {
	type runs struct{ plan, apply, replan result }
	leftAlone := func(id func(*shapes) int, field string) func(*testing.T, *shapes, runs) {
		return func(t *testing.T, s *shapes, r runs) {
			t.Helper()
			if ds := datasource(t, r.plan.stdout); ds["users_unreadable"] != 1 {
				t.Errorf("users_unreadable=%d, want 1", ds["users_unreadable"])
			}
			if !strings.Contains(r.plan.stderr, field) {
				t.Errorf("no log line names the field %q:\n%s", field, r.plan.stderr)
			}
			if patched(s.p, id(s)) {
				t.Error("the unreadable user was changed")
			}
		}
	}
	idle := func(s *shapes) int { return s.idle }
	fresh := func(s *shapes) int { return s.fresh }
	suspendedAsUsual := func(t *testing.T, s *shapes, r runs) {
		t.Helper()
		if ds := datasource(t, r.plan.stdout); ds["suspend_planned"] != 1 || ds["users_unreadable"] != 0 {
			t.Errorf("plan: suspend_planned=%d users_unreadable=%d, want the idle user read and planned", ds["suspend_planned"], ds["users_unreadable"])
		}
		if ds := datasource(t, r.apply.stdout); ds["suspend_applied"] != 1 || ds["errors"] != 0 {
			t.Errorf("apply: suspend_applied=%d errors=%d", ds["suspend_applied"], ds["errors"])
		}
		if ds := datasource(t, r.replan.stdout); ds["suspend_planned"] != 0 {
			t.Errorf("second plan: suspend_planned=%d, want 0", ds["suspend_planned"])
		}
	}
	for _, tc := range []struct {
		name  string
		shape func(s *shapes)
		args  []string
		check func(*testing.T, *shapes, runs)
	}{
		{"roles null: left alone, never sent roles: []", func(s *shapes) { s.p.OverrideUserField(s.idle, "roles", "null") }, nil,
			leftAlone(idle, "roles null")},
		{"roles absent: left alone", func(s *shapes) { s.p.OverrideUserField(s.idle, "roles", "") }, nil,
			leftAlone(idle, "roles absent")},
		{"adminGroupIds absent: its groups are never overwritten", func(s *shapes) { s.p.OverrideUserField(s.fresh, "adminGroupIds", "") }, nil,
			leftAlone(fresh, "adminGroupIds absent")},
		{"adminGroupIds null: left alone", func(s *shapes) { s.p.OverrideUserField(s.idle, "adminGroupIds", "null") }, nil,
			leftAlone(idle, "adminGroupIds null")},
		{"a status other than active or suspended: left alone", func(s *shapes) { s.p.OverrideUserField(s.idle, "status", `"pending"`) }, nil,
			leftAlone(idle, `status \"pending\"`)},
		{"no usable id: left alone", func(s *shapes) { s.p.OverrideUserField(s.idle, "id", "null") }, nil,
			leftAlone(idle, "id null")},
		{"an id as a string is read", func(s *shapes) { s.p.OverrideUserField(s.idle, "id", strconv.Quote(strconv.Itoa(s.idle))) }, nil,
			suspendedAsUsual},
		{"timestamps as digit strings are read", func(s *shapes) {
			s.p.OverrideUserField(s.idle, "lastLoginOn", strconv.Quote(strconv.FormatInt(faultDays(200)*1000, 10)))
		}, nil, suspendedAsUsual},
		{"a role without a name is named from the roles", func(s *shapes) {
			var id int
			for _, r := range s.p.Roles() {
				if r.Name == "readonly" {
					id = r.ID
				}
			}
			s.p.OverrideUserField(s.idle, "roles", fmt.Sprintf(`[{"id":%d}]`, id))
		}, []string{"--protect-roles", "readonly"}, func(t *testing.T, s *shapes, r runs) {
			// Named, the role protects the user; unnamed it could not.
			if ds := datasource(t, r.plan.stdout); ds["suspend_planned"] != 0 || ds["protected_skipped"] < 1 || ds["users_unreadable"] != 0 {
				t.Errorf("suspend_planned=%d protected_skipped=%d users_unreadable=%d: the role was not named",
					ds["suspend_planned"], ds["protected_skipped"], ds["users_unreadable"])
			}
		}},
		{"a token with a null accessId and a string status is read", func(s *shapes) {
			s.p.OverrideUserField(s.idle, "apiTokens", `[{"id":5,"accessId":null,"status":"2","lastUsedOn":0,"createdOn":0}]`)
		}, nil, suspendedAsUsual},
		{"group id 0 is a group", func(s *shapes) {
			zero := s.p.AddGroupWithID(0, "Zero")
			u, _ := s.p.User(s.bystander)
			u.GroupIDs = []int{zero.ID}
			s.p.AddUser(u)
		}, nil, func(t *testing.T, s *shapes, r runs) {
			suspendedAsUsual(t, s, r)
			if patched(s.p, s.bystander) {
				t.Error("the user in group 0 was taken as ungrouped")
			}
		}},
		{"the PATCH answer lacks adminGroupIds: a GET decides", func(s *shapes) {
			s.p.InjectFault(lmfake.Fault{Method: http.MethodPatch, OmitGroups: true, Count: 10})
		}, nil, suspendedAsUsual},
		{"a portal that merges groups stops the run", nil, []string{"--max-changes", "1"}, func(t *testing.T, s *shapes, r runs) {
			if r.apply.code != exitFailed || !strings.Contains(r.apply.stderr, "merges adminGroupIds") {
				t.Errorf("apply: exit %d, want 1 saying the portal merges: %s", r.apply.code, r.apply.stderr)
			}
			if n := countPatches(s.p); n != 1 {
				t.Errorf("%d PATCHes, want the first one only", n)
			}
		}},
		{"more than 5% unreadable users refuse the run", func(s *shapes) {
			for _, u := range s.p.Users()[:5] {
				s.p.OverrideUserField(u.ID, "roles", "null")
			}
		}, nil, func(t *testing.T, s *shapes, r runs) {
			ds := datasource(t, r.apply.stdout)
			if r.apply.code != exitFailed || ds["run_success"] != 0 || ds["suspend_planned"] != 1 || countPatches(s.p) != 0 {
				t.Errorf("apply: exit %d run_success=%d suspend_planned=%d PATCHes=%d: want a refused run that still shows its plan",
					r.apply.code, ds["run_success"], ds["suspend_planned"], countPatches(s.p))
			}
		}},
		{"a short page with an unknown total is not the end", func(s *shapes) {
			for i := range 30 {
				s.p.AddUser(lm.User{Username: fmt.Sprintf("more%02d@example.com", i), Status: lm.StatusActive, Roles: []lm.Role{{ID: 2}},
					GroupIDs: []int{s.viewers.ID}, LastLoginOn: faultDays(3)})
			}
			s.p.SetNegativeTotal(true)
			s.p.SetPageCap(10)
		}, nil, func(t *testing.T, s *shapes, r runs) {
			if ds := datasource(t, r.plan.stdout); ds["users_total"] != len(s.p.Users()) {
				t.Errorf("users_total=%d, want all %d", ds["users_total"], len(s.p.Users()))
			}
			suspendedAsUsual(t, s, r)
		}},
		{"an SSO user named in words is regrouped", func(s *shapes) {}, nil, func(t *testing.T, s *shapes, r runs) {
			if ds := datasource(t, r.apply.stdout); ds["assign_applied"] != 1 || !patched(s.p, s.fresh) {
				t.Errorf("assign_applied=%d: the Single Sign-On user was not regrouped", ds["assign_applied"])
			}
		}},
		{"a user created by a person whose address starts with sso- is out of scope", func(s *shapes) {
			u, _ := s.p.User(s.fresh)
			u.CreatedBy = "sso-admin@acme.com"
			s.p.AddUser(u)
		}, nil, func(t *testing.T, s *shapes, r runs) {
			if ds := datasource(t, r.plan.stdout); ds["assign_planned"] != 0 || ds["assign_out_of_scope"] != 1 || patched(s.p, s.fresh) {
				t.Errorf("assign_planned=%d assign_out_of_scope=%d: a person's user was taken for SSO", ds["assign_planned"], ds["assign_out_of_scope"])
			}
		}},
		{"a user a person reactivated is not suspended again", func(s *shapes) {
			u, _ := s.p.User(s.idle)
			u.GroupIDs = []int{s.suspended.ID}
			s.p.AddUser(u)
		}, nil, func(t *testing.T, s *shapes, r runs) {
			ds := datasource(t, r.plan.stdout)
			if ds["suspend_planned"] != 0 || ds["reactivated_kept"] != 1 || patched(s.p, s.idle) {
				t.Errorf("suspend_planned=%d reactivated_kept=%d: the reactivated user was touched", ds["suspend_planned"], ds["reactivated_kept"])
			}
			if u, _ := s.p.User(s.idle); !slices.Equal(u.GroupIDs, []int{s.suspended.ID}) || u.Status != lm.StatusActive {
				t.Errorf("the reactivated user is now %s in %v: its groups were overwritten", u.Status, u.GroupIDs)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cfg lmfake.Config
			if tc.shape == nil {
				cfg.MergeGroupIDs = true // the portal's only shape is its PATCH
			}
			s := newShapes(cfg)
			if tc.shape != nil {
				tc.shape(s)
			}
			args := append([]string{"--role-groups", "readonly=Viewers"}, tc.args...)
			env := serveEnv(t, s.p)
			run := func(extra ...string) result {
				return runDeps(t, context.Background(), faultDeps(), env, append(slices.Clone(args), extra...)...)
			}
			var r runs
			r.plan = run()
			if w := s.p.Writes(); w != 0 {
				t.Fatalf("the plan run wrote %d times", w)
			}
			r.apply = run("--apply")
			r.replan = run()
			tc.check(t, s, r)
		})
	}
}

func countPatches(p *lmfake.Portal) int {
	n := 0
	for _, r := range p.Requests() {
		if r.Method == http.MethodPatch {
			n++
		}
	}
	return n
}

// TestRateLimitedChangesWaitForTheNextRun: a PATCH window that stays closed
// past the time budget leaves the rest pending, never errors, and the next
// run makes them.
func TestRateLimitedChangesWaitForTheNextRun(t *testing.T) {
	p := faultPortal(200, 30)
	p.SetRateLimit(http.MethodPatch, 10, time.Minute)
	env := serveEnv(t, p)
	args := append([]string{"--apply", "--time-budget", "3s"}, faultArgs...)
	first := runDeps(t, context.Background(), faultDeps(), env, args...)
	ds := datasource(t, first.stdout)
	if first.code != exitOK || ds["errors"] != 0 || changesMade(ds) != 10 || ds["pending"] != 22 {
		t.Fatalf("first run: exit %d, %d made, %d pending, %d errors; want 10 made, 22 pending, no error\n%s",
			first.code, changesMade(ds), ds["pending"], ds["errors"], first.stderr)
	}
	p.SetRateLimit(http.MethodPatch, 100, time.Minute) // a new window, as a day later
	second := runDeps(t, context.Background(), faultDeps(), env, args...)
	if ds := datasource(t, second.stdout); second.code != exitOK || changesMade(ds) != 22 || ds["pending"] != 0 || ds["errors"] != 0 {
		t.Errorf("second run: exit %d, %d made, %d pending, %d errors; want the 22 left", second.code, changesMade(ds), ds["pending"], ds["errors"])
	}
}

// TestSettingsThatNameNothing: every setting entry that names no user, role
// or group is one warning naming the setting and the entry, counted in
// config_warnings, every run; the run goes on and does no more than without
// the entry.
func TestSettingsThatNameNothing(t *testing.T) {
	for _, tc := range []struct {
		name, setting, entry string
		args                 []string
	}{
		{"a --protect-users entry that matches no user", "--protect-users", `CORP\breakglas`, []string{"--protect-users", `CORP\breakglas`}},
		{"a --protect-roles name that is no role", "--protect-roles", "auditors", []string{"--protect-roles", "auditors"}},
		{"an --admin-roles name that is no role", "--admin-roles", "superuser", []string{"--admin-roles", "administrator,superuser"}},
		{"a --role-groups role that is no role", "--role-groups", "netopz=Network Operations", []string{"--role-groups", "readonly=Viewers;netopz=Network Operations"}},
		{"a --role-groups group that does not exist", "--role-groups", "readonly=Viewerz", []string{"--role-groups", "readonly=Viewerz"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := faultPortal(40, 3)
			env := serveEnv(t, p)
			base := runDeps(t, context.Background(), faultDeps(), env, "--output", "json")
			res := runDeps(t, context.Background(), faultDeps(), env, append([]string{"--output", "json"}, tc.args...)...)
			if res.code != exitOK {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			out := parseJSON(t, res.stdout)
			if out.Counts["config_warnings"] != "1" {
				t.Errorf("config_warnings=%s, want 1", out.Counts["config_warnings"])
			}
			warning := ""
			for _, line := range strings.Split(res.stderr, "\n") {
				if strings.Contains(line, "level=warning") && strings.Contains(line, "setting="+tc.setting) {
					warning = line
				}
			}
			if !strings.Contains(warning, strconv.Quote(tc.entry)[1:len(strconv.Quote(tc.entry))-1]) {
				t.Errorf("no warning names %s and %q:\n%s", tc.setting, tc.entry, res.stderr)
			}
			planned := func(o jsonOut) int {
				n, _ := strconv.Atoi(string(o.Counts["suspend_planned"]))
				m, _ := strconv.Atoi(string(o.Counts["assign_planned"]))
				return n + m
			}
			if got, was := planned(out), planned(parseJSON(t, base.stdout)); got > was {
				t.Errorf("%d changes planned with the entry, %d without: a name that matches nothing widened the run", got, was)
			}
		})
	}
}
