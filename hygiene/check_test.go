package hygiene

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm"
)

// The roles of the check tests' portal: one that may manage users, one that
// may not, one whose privileges the portal did not list.
var (
	roleManager = lm.Role{ID: 7, Name: "readonly", Privileges: []lm.Privilege{{ObjectType: "setting", ObjectID: "useraccess.*", Operation: "write"}}}
	roleViewer  = lm.Role{ID: 8, Name: "viewer", Privileges: []lm.Privilege{{ObjectType: "setting", ObjectID: "*", Operation: "read"}}}
	roleSilent  = lm.Role{ID: 9, Name: "silent"}
)

// checkPortal is idlePortal (two idle users, one recent) whose recent user
// owns the run's token and may manage users: a portal that needs nothing.
func checkPortal() *fakePortal {
	p := idlePortal(2)
	p.roles = []lm.Role{roleManager, roleViewer, roleSilent}
	p.groups = append(p.groups, lm.Group{ID: 3, Name: "Ungrouped"}, lm.Group{ID: 4, Name: "readonly"})
	for i := range p.users {
		p.users[i].Roles = []lm.Role{{ID: 7, Name: "readonly"}}
	}
	p.users[2].APITokens = []lm.APIToken{{AccessID: "RUN", Enabled: true}}
	return p
}

func checkPolicy() Policy {
	pol := testPolicy()
	pol.Apply = false
	pol.Suspend.TokenAccessID = "RUN"
	return pol
}

// check runs a plan over the portal and judges it.
func check(t *testing.T, p Portal, pol Policy, memoryOK bool, in CheckInput) CheckResult {
	t.Helper()
	rn := testRunner(p)
	rn.MemoryOK = memoryOK
	return Check(rn.Run(t.Context(), pol), in)
}

func TestCheckRules(t *testing.T) {
	for _, tc := range []struct {
		rule     string
		portal   func(*fakePortal)
		policy   func(*Policy)
		bearer   bool
		stateBad bool
		// attention and note are the fragments of the one finding or note
		// the case causes; both empty: nothing needs attention.
		attention, note string
	}{
		{rule: "a portal whose token owner may manage users needs nothing"},
		{rule: "a bearer token's owner cannot be known: a note, not attention", bearer: true,
			policy: func(p *Policy) { p.Suspend.TokenAccessID = "" }, note: "a bearer token's owner cannot be identified"},
		{rule: "an LMv1 token no user carries needs attention", policy: func(p *Policy) { p.Suspend.TokenAccessID = "OTHER" },
			attention: "no user carries the access id of this token"},
		{rule: "a token owner whose roles may not manage users needs attention",
			portal:    func(p *fakePortal) { p.users[2].Roles = []lm.Role{{ID: 8, Name: "viewer"}} },
			attention: `the token's user "userc" may not manage users`},
		{rule: "a token owner whose roles' privileges the portal did not list needs attention",
			portal:    func(p *fakePortal) { p.users[2].Roles = []lm.Role{{ID: 9, Name: "silent"}} },
			attention: "the portal did not list the privileges of the roles"},
		{rule: "unreadable users need attention",
			portal: func(p *fakePortal) {
				for i := range 20 {
					p.users = append(p.users, lm.User{ID: 200 + i, Username: fmt.Sprintf("staff%02d", i), Status: lm.StatusActive,
						Roles: []lm.Role{{ID: 7, Name: "readonly"}}, GroupIDs: []int{2}, LastLoginOn: now.Unix()})
				}
				p.users[0].Unreadable = "adminGroupIds"
			},
			attention: "1 user could not be read with confidence"},
		{rule: "users no role maps to a group need attention",
			portal: func(p *fakePortal) {
				p.users = append(p.users, lm.User{ID: 300, Username: "newbie", Status: lm.StatusActive, CreatedBy: "SAML",
					Roles: []lm.Role{{ID: 9, Name: "silent"}}, GroupIDs: []int{}, LastLoginOn: now.Unix()})
			},
			attention: `1 user to regroup: no role maps to a group ("newbie")`},
		{rule: "ungrouped users out of the SSO scope are a note",
			portal: func(p *fakePortal) {
				p.users = append(p.users, lm.User{ID: 300, Username: "local", Status: lm.StatusActive, CreatedBy: "Chief Admin",
					Roles: []lm.Role{{ID: 7, Name: "readonly"}}, GroupIDs: []int{}, LastLoginOn: now.Unix()})
			},
			note: "1 user ungrouped but not created by SSO"},
		{rule: "timestamps in the future are a note",
			portal: func(p *fakePortal) { p.users[0].LastLoginOn = now.Add(30 * 24 * time.Hour).Unix() },
			note:   "1 user with activity more than a day in the future"},
		{rule: "a setting that names nothing needs attention", policy: func(p *Policy) { p.Suspend.ProtectUsers = []string{"nobody"} },
			attention: `--protect-users "nobody" matches no user`},
		{rule: "a run the breaker would refuse needs attention", policy: func(p *Policy) { p.Suspend.MaxSuspendPercent = 10 },
			attention: "a run would be refused: inactivity breaker tripped"},
		{rule: "a state file that cannot be used needs attention", stateBad: true, policy: func(p *Policy) { p.Suspend.WarnDays = 14 },
			attention: "every run reads an empty memory, so notice starts afresh and nobody idle is suspended"},
		{rule: "without a notice period an unusable state file holds no suspension back", stateBad: true,
			policy: func(p *Policy) { p.Suspend.WarnDays = 0 }, attention: "every run reads an empty memory; fix"},
		{rule: "users whose roles are an empty list are a note", portal: func(p *fakePortal) { p.users[0].Roles = []lm.Role{} },
			note: `1 user whose roles are an empty list ("`},
		{rule: "a suspended group still to create is a note", portal: func(p *fakePortal) { p.groups[0].Name = "Parked" },
			note: `the suspended group "Suspended" does not exist yet`},
		{rule: "a missing placeholder group is a note", portal: func(p *fakePortal) { p.groups = append(p.groups[:2], p.groups[3:]...) },
			note: `the placeholder group "Ungrouped" does not exist`},
		{rule: "a group the settings name in two cases needs attention",
			portal:    func(p *fakePortal) { p.groups = append(p.groups, lm.Group{ID: 0, Name: "SUSPENDED"}) },
			attention: `the portal has 2 groups named "Suspended" in names that differ only in case ("Suspended" (id 1), "SUSPENDED" (id 0)): the run uses "Suspended" (id 1)`},
		{rule: "a role's target group in two cases needs attention",
			portal:    func(p *fakePortal) { p.groups = append(p.groups, lm.Group{ID: 5, Name: "READONLY"}) },
			attention: `2 groups named "readonly"`},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			p := checkPortal()
			if tc.portal != nil {
				tc.portal(p)
			}
			pol := checkPolicy()
			if tc.policy != nil {
				tc.policy(&pol)
			}
			c := check(t, p, pol, !tc.stateBad, CheckInput{BaseURL: "https://acme.logicmonitor.com/santaba/rest", Bearer: tc.bearer})
			if c.Error != "" {
				t.Fatalf("error %q", c.Error)
			}
			if c.Attention != (tc.attention != "") || len(c.Findings) != len(nonEmpty(tc.attention)) {
				t.Errorf("attention %v, findings %q; want %q", c.Attention, c.Findings, tc.attention)
			}
			if tc.attention != "" && !strings.Contains(strings.Join(c.Findings, "\n"), tc.attention) {
				t.Errorf("findings %q lack %q", c.Findings, tc.attention)
			}
			if len(c.Notes) != len(nonEmpty(tc.note)) || tc.note != "" && !strings.Contains(c.Notes[0], tc.note) {
				t.Errorf("notes %q, want %q", c.Notes, tc.note)
			}
		})
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func TestCheckReportsThePortal(t *testing.T) {
	p := checkPortal()
	p.users[0].LastLoginOn = now.Add(-100 * 24 * time.Hour).UnixMilli()
	p.users[1].CreatedBy = "SAML"
	p.users[2].CreatedBy = "SAML"
	p.users[0].Unreadable = "roles"
	p.roles = append(p.roles, lm.Role{ID: 10, Name: "parking"}, lm.Role{ID: 11, Name: "auditor"})
	pol := checkPolicy()
	pol.Assign.RoleGroups = map[string]string{"parking": "Ungrouped", "readonly": "Readonly"}
	c := check(t, p, pol, true, CheckInput{BaseURL: "https://acme.logicmonitor.com/santaba/rest"})

	t.Run("the token's owner and whether it may manage users", func(t *testing.T) {
		if c.Token == nil || c.Token.Kind != "lmv1" || c.Token.Owner != "userc" || c.Token.ManagesUsers != "yes" ||
			strings.Join(c.Token.Roles, ",") != "readonly" {
			t.Errorf("token %+v", c.Token)
		}
	})
	t.Run("users by status", func(t *testing.T) {
		if u := c.Users; u == nil || *u != (CheckUsers{Total: 3, Active: 3, Unreadable: 1}) {
			t.Errorf("users %+v", c.Users)
		}
	})
	t.Run("timestamp units per field", func(t *testing.T) {
		if got := c.Timestamps[0]; got != (CheckUnits{Field: "lastLoginOn", Seconds: 2, Milliseconds: 1}) {
			t.Errorf("lastLoginOn units %+v", got)
		}
		if len(c.Timestamps) != 4 || c.Timestamps[1].Zero != 3 {
			t.Errorf("timestamps %+v", c.Timestamps)
		}
	})
	t.Run("every createdBy value, most users first, and whether it counts as SSO", func(t *testing.T) {
		want := []CheckCreator{{Value: "SAML", Users: 2, SSO: true}, {Value: "", Users: 1}}
		if fmt.Sprint(c.CreatedBy) != fmt.Sprint(want) {
			t.Errorf("created by %+v, want %+v", c.CreatedBy, want)
		}
	})
	t.Run("the placeholder and suspended groups found", func(t *testing.T) {
		want := []CheckGroup{{Setting: "--ungrouped-group", Name: "Ungrouped", Found: true, ID: 3}, {Setting: "--suspended-group", Name: "Suspended", Found: true, ID: 1}}
		if fmt.Sprint(c.Groups) != fmt.Sprint(want) {
			t.Errorf("groups %+v", c.Groups)
		}
	})
	t.Run("each role's target group as the assign step resolves it", func(t *testing.T) {
		want := []CheckRoleTarget{
			{Role: "auditor", Group: "auditor"},
			{Role: "parking", Group: "Ungrouped", Refused: "the placeholder group"},
			{Role: "readonly", Group: "readonly", Found: true},
			{Role: "silent", Group: "silent"},
			{Role: "viewer", Group: "viewer"},
		}
		if fmt.Sprint(c.RoleTargets) != fmt.Sprint(want) {
			t.Errorf("role targets\n%+v, want\n%+v", c.RoleTargets, want)
		}
	})
	t.Run("the unreadable users", func(t *testing.T) {
		if len(c.Unreadable) != 1 || c.Unreadable[0] != (CheckUnreadable{ID: 100, Username: "usera", Field: "roles"}) {
			t.Errorf("unreadable %+v", c.Unreadable)
		}
	})
	t.Run("the plan's counts and the breaker", func(t *testing.T) {
		if c.Plan["suspend_planned"] != 1 || c.Plan["users_unreadable"] != 1 || c.Plan[PlanGroupsToCreate] != 0 || len(c.Plan) != 16 {
			t.Errorf("plan %v", c.Plan)
		}
		if c.Breaker == nil || *c.Breaker != (CheckBreaker{InactiveFound: 1, Considered: 2, MaxPercent: 100}) {
			t.Errorf("breaker %+v", c.Breaker)
		}
	})
}

func TestCheckOfAPortalThatCannotBeRead(t *testing.T) {
	for _, tc := range []struct {
		rule string
		r    *Report
		want string
	}{
		{"says why the portal could not be read", Failed(checkPolicy(), errors.New("GET /setting/admins:\n connection refused")),
			"GET /setting/admins: connection refused"},
		{"says that it could not be read when no reason is known", &Report{Policy: checkPolicy()}, "the portal could not be read"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			c := Check(tc.r, CheckInput{BaseURL: "https://acme"})
			if c.Error != tc.want || c.Attention || c.Users != nil || len(c.Findings) != 0 {
				t.Errorf("check %+v, want only the error %q", c, tc.want)
			}
		})
	}
}

func TestCheckOfARunThatWouldFail(t *testing.T) {
	r := testRunner(checkPortal()).Run(t.Context(), checkPolicy())
	r.Failure = errors.New("reading took too long")
	c := Check(r, CheckInput{})
	if !c.Attention || !strings.Contains(strings.Join(c.Findings, "\n"), "the run would fail: reading took too long") {
		t.Errorf("findings %q", c.Findings)
	}
}

func TestMayManageUsers(t *testing.T) {
	for _, tc := range []struct {
		rule string
		p    lm.Privilege
		want bool
	}{
		{"write on every setting manages users", lm.Privilege{ObjectType: "setting", ObjectID: "*", Operation: "write"}, true},
		{"write on user access manages users", lm.Privilege{ObjectType: "Setting", ObjectID: "UserAccess.Admin", Operation: "WRITE"}, true},
		{"write on roles manages users", lm.Privilege{ObjectType: "setting", ObjectID: "useraccess.role", Operation: "write"}, true},
		{"read on every setting does not", lm.Privilege{ObjectType: "setting", ObjectID: "*", Operation: "read"}, false},
		{"write on another setting does not", lm.Privilege{ObjectType: "setting", ObjectID: "collectors", Operation: "write"}, false},
		{"write on devices does not", lm.Privilege{ObjectType: "host", ObjectID: "*", Operation: "write"}, false},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if got := mayManageUsers([]lm.Privilege{tc.p}); got != tc.want {
				t.Errorf("mayManageUsers(%+v) = %v", tc.p, got)
			}
		})
	}
}

// refusingPortal answers every read with an error.
type refusingPortal struct {
	*fakePortal
	err error
}

func (p refusingPortal) Users(context.Context) ([]lm.User, error) { return nil, p.err }

func TestAReadThatFailsSaysWhatToCheck(t *testing.T) {
	for _, tc := range []struct {
		rule string
		err  error
		want string
	}{
		{"a 401 says to check the credentials and the clock", &lm.APIError{Method: http.MethodGet, Path: "/setting/admins", StatusCode: http.StatusUnauthorized},
			"authentication failed: check the access id and access key"},
		{"a 403 says the token lacks a permission", &lm.APIError{Method: http.MethodGet, Path: "/setting/admins", StatusCode: http.StatusForbidden},
			"the token lacks a permission"},
		{"another answer is as the portal gave it", &lm.APIError{Method: http.MethodGet, Path: "/setting/admins", StatusCode: http.StatusNotFound},
			"reading users: "},
		{"a read past the whole budget says to raise it", context.DeadlineExceeded, ""},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			p := refusingPortal{checkPortal(), tc.err}
			rn := testRunner(p)
			pol := checkPolicy()
			if tc.err == context.DeadlineExceeded {
				pol.TimeBudget = time.Nanosecond
				p.err = errors.New("slow")
				rn.Portal = slowPortal{p.fakePortal}
				tc.want = "reading took longer than the whole --time-budget"
			}
			r := rn.Run(t.Context(), pol)
			if r.Failure == nil || !strings.Contains(r.Failure.Error(), tc.want) || r.Read {
				t.Errorf("failure %v, want %q", r.Failure, tc.want)
			}
			if tc.err == context.DeadlineExceeded && !r.BudgetExhausted {
				t.Errorf("a read past the budget is not reported as the budget exhausted")
			}
		})
	}
}

// slowPortal answers the users once the context ends.
type slowPortal struct{ *fakePortal }

func (p slowPortal) Users(ctx context.Context) ([]lm.User, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
