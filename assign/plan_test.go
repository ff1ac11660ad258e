package assign

import (
	"fmt"
	"math/rand"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unsafe"

	"lm-user-hygiene/lm"
)

// The portal every plan test runs against, unless a case brings its own groups.
var (
	testGroups = []lm.Group{
		{ID: 1, Name: "Ungrouped"},
		{ID: 2, Name: "Suspended"},
		{ID: 10, Name: "Network Operations"},
		{ID: 11, Name: "Viewers"},
		{ID: 12, Name: "Admins"},
		{ID: 13, Name: "developers"},
	}
	testRoles = []lm.Role{
		{ID: 100, Name: "netops"},
		{ID: 101, Name: "readonly"},
		{ID: 102, Name: "Developers"},
		{ID: 103, Name: "billing"},
		{ID: 104, Name: "auditor"},
		{ID: 105, Name: "NetOps"},
	}
	roleNetops     = lm.Role{ID: 100, Name: "netops"}
	roleReadonly   = lm.Role{ID: 101, Name: "readonly"}
	roleDevelopers = lm.Role{ID: 102, Name: "Developers"}
	roleBilling    = lm.Role{ID: 103, Name: "billing"}
	roleAuditor    = lm.Role{ID: 104, Name: "auditor"}
	roleNetopsCaps = lm.Role{ID: 105, Name: "NetOps"}
)

const goneGroupID = 999 // an id no group has any more

const day = 24 * time.Hour

func testOptions() Options {
	return Options{
		RoleGroups:     map[string]string{"netops": "Network Operations", "readonly": "Viewers"},
		Scope:          ScopeSSO,
		UngroupedGroup: "Ungrouped",
		SuspendedGroup: "Suspended",
	}
}

// testFacts are a run with lifecycle memory.
func testFacts() Facts { return Facts{HaveState: true} }

func user(id int, name, createdBy string, groupIDs []int, roles ...lm.Role) lm.User {
	return lm.User{ID: id, Username: name, Status: lm.StatusActive, CreatedBy: createdBy, GroupIDs: groupIDs, Roles: roles}
}

func TestNewPlanDecidesEachUserByTheRules(t *testing.T) {
	suspended := user(1, "sam", "SAML", []int{1}, roleNetops)
	suspended.Status = lm.StatusSuspended
	disabled := user(1, "sam", "SAML", []int{1}, roleNetops)
	disabled.Status = "locked"
	apiOnly := user(1, "bot", "SAML", []int{1}, roleNetops)
	apiOnly.APIOnly = true
	namelessRole := user(1, "sam", "SAML", []int{1}, lm.Role{ID: 101})
	unknownRole := user(1, "sam", "SAML", []int{1}, lm.Role{ID: 777})
	cutoff := time.Date(2026, 8, 30, 12, 0, 0, 0, time.UTC)
	withLogin := func(u lm.User, at time.Time) lm.User { u.LastLoginOn = at.Unix(); return u }
	withAction := func(u lm.User, at time.Time) lm.User { u.LastActionOn = at.Unix(); return u }
	noState := func(f *Facts) { f.HaveState = false; f.InactiveCutoff = cutoff }
	unreadableUngrouped := user(1, "sam", "SAML", []int{1}, roleNetops)
	unreadableUngrouped.Unreadable = "roles is null"
	unreadableReactivated := user(1, "sam", "SAML", []int{2}, roleNetops)
	unreadableReactivated.Unreadable = `status "Locked"`

	tests := []struct {
		name    string
		user    lm.User
		opts    func(*Options)
		facts   func(*Facts)
		groups  []lm.Group // nil: testGroups
		exclude map[int]bool

		action    Action
		outcome   Outcome
		groupIDs  []int
		newGroups []string
		unmapped  []string
		reason    string   // exact, when set
		reasonHas []string // substrings
	}{
		{
			name:   "regroups an ungrouped SSO user into the group its role maps to",
			user:   user(1, "sam", "SAML", []int{1}, roleNetops),
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
			reason: `ungrouped SSO user (createdBy "SAML"): roles netops -> Network Operations`,
		},
		{
			name:   "scope sso leaves an ungrouped user not created by SSO alone",
			user:   user(1, "sam", "Chief Admin", []int{1}, roleNetops),
			action: ActionNone, outcome: OutcomeOutOfScope,
			reasonHas: []string{`createdBy "Chief Admin"`, "--assign-scope=sso", "--assign-scope=all"},
		},
		{
			name:   "scope all regroups an ungrouped user not created by SSO",
			user:   user(1, "sam", "Chief Admin", []int{1}, roleNetops),
			opts:   func(o *Options) { o.Scope = ScopeAll },
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
			reason: `ungrouped user (createdBy "Chief Admin", --assign-scope=all): roles netops -> Network Operations`,
		},
		{
			name:   "scope all still names an SSO user as such",
			user:   user(1, "sam", "SSO (Okta)", []int{1}, roleNetops),
			opts:   func(o *Options) { o.Scope = ScopeAll },
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
			reasonHas: []string{`ungrouped SSO user (createdBy "SSO (Okta)")`},
		},
		{
			name:   "a role not in --role-groups goes to the group of its own name, case-insensitively",
			user:   user(1, "sam", "SAML", []int{1}, roleDevelopers),
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{13},
			reason: `ungrouped SSO user (createdBy "SAML"): roles Developers -> developers`,
		},
		{
			name:   "--role-groups keys match roles case-insensitively",
			user:   user(1, "sam", "SAML", []int{1}, roleNetopsCaps),
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
		},
		{
			name:   "--role-groups values match groups case-insensitively",
			user:   user(1, "sam", "SAML", []int{1}, roleReadonly),
			opts:   func(o *Options) { o.RoleGroups = map[string]string{"READONLY": "VIEWERS"} },
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{11},
			reasonHas: []string{"readonly -> Viewers"},
		},
		{
			name: "two groups whose names differ only in case resolve to the oldest",
			user: user(1, "sam", "SAML", []int{1}, roleReadonly),
			groups: []lm.Group{
				{ID: 1, Name: "Ungrouped"}, {ID: 31, Name: "viewers"}, {ID: 30, Name: "VIEWERS"},
			},
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{30},
		},
		{
			name:   "a user with several roles gets the groups of all of them",
			user:   user(1, "sam", "SAML", []int{1}, roleReadonly, roleNetops, roleDevelopers),
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10, 11, 13},
			reason: `ungrouped SSO user (createdBy "SAML"): roles Developers -> developers, netops -> Network Operations, readonly -> Viewers`,
		},
		{
			name:   "two roles mapping to the same group give it once",
			user:   user(1, "sam", "SAML", []int{1}, roleNetops, roleNetopsCaps),
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
		},
		{
			name:   "partly mapped: the roles that map give groups, the rest are reported",
			user:   user(1, "sam", "SAML", []int{1}, roleBilling, roleNetops),
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
			unmapped: []string{"billing"},
			reasonHas: []string{
				"roles netops -> Network Operations", "unmapped roles: billing -> billing (no such group)",
				"--role-groups", "--create-groups",
			},
		},
		{
			name:   "unmapped: no role maps, the user is left alone and told how to fix it",
			user:   user(1, "sam", "SAML", []int{1}, roleBilling, roleAuditor),
			action: ActionNone, outcome: OutcomeUnmapped,
			unmapped: []string{"auditor", "billing"},
			reasonHas: []string{
				`ungrouped SSO user (createdBy "SAML")`, "no role maps to a group",
				"auditor -> auditor (no such group)", "billing -> billing (no such group)",
				"--role-groups", "--create-groups",
			},
		},
		{
			name:   "unmapped: a user with no roles is left alone",
			user:   user(1, "sam", "SAML", []int{1}),
			action: ActionNone, outcome: OutcomeUnmapped,
			reasonHas: []string{"has no roles"},
		},
		{
			name:   "a role mapped to the placeholder group does not map",
			user:   user(1, "sam", "SAML", []int{1}, roleNetops),
			opts:   func(o *Options) { o.RoleGroups = map[string]string{"netops": "UNGROUPED"} },
			action: ActionNone, outcome: OutcomeUnmapped, unmapped: []string{"netops"},
			reasonHas: []string{"netops -> UNGROUPED (the placeholder group)", "--role-groups"},
		},
		{
			name: "a role mapped to the suspended group does not map, even with --create-groups",
			user: user(1, "sam", "SAML", []int{1}, roleNetops),
			opts: func(o *Options) {
				o.RoleGroups = map[string]string{"netops": "suspended"}
				o.CreateGroups = true
			},
			action: ActionNone, outcome: OutcomeUnmapped, unmapped: []string{"netops"},
			reasonHas: []string{"(the suspended group)"},
		},
		{
			name:   "role names come from the role list when the user's copy has none",
			user:   namelessRole,
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{11},
		},
		{
			name:   "a role with no name anywhere does not map",
			user:   unknownRole,
			action: ActionNone, outcome: OutcomeUnmapped, unmapped: []string{"#777"},
			reasonHas: []string{"role #777 (the role has no name)"},
		},
		{
			name:   "only the placeholder group, named in another case, counts as ungrouped",
			user:   user(1, "sam", "SAML", []int{1}, roleNetops),
			opts:   func(o *Options) { o.UngroupedGroup = "ungrouped" },
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
		},
		{
			name:   "no groups at all counts as ungrouped",
			user:   user(1, "sam", "SAML", nil, roleNetops),
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
		},
		{
			name:   "an empty group list counts as ungrouped",
			user:   user(1, "sam", "SAML", []int{}, roleNetops),
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
		},
		{
			name:   "only groups that no longer exist counts as ungrouped, and they are dropped",
			user:   user(1, "sam", "SAML", []int{goneGroupID}, roleNetops),
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
		},
		{
			name:   "the placeholder and a deleted group id together count as ungrouped",
			user:   user(1, "sam", "SAML", []int{goneGroupID, 1}, roleNetops),
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
		},
		{
			name:   "a user missing from an empty portal group list is ungrouped by deleted ids only",
			user:   user(1, "sam", "SAML", []int{1}, roleNetops),
			groups: []lm.Group{{ID: 10, Name: "Network Operations"}},
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
		},
		{
			name:   "an already grouped user is untouched",
			user:   user(1, "sam", "SAML", []int{12}, roleNetops),
			action: ActionNone, outcome: OutcomeGrouped,
			reason: "already in Admins",
		},
		{
			name:   "a user in a real group and the placeholder is already grouped",
			user:   user(1, "sam", "SAML", []int{1, goneGroupID, 12}, roleNetops),
			action: ActionNone, outcome: OutcomeGrouped,
		},
		{
			name:   "a reactivated user in the suspended group is regrouped whatever the scope",
			user:   user(1, "sam", "Chief Admin", []int{2}, roleReadonly),
			action: ActionRegroup, outcome: OutcomeReactivated, groupIDs: []int{11},
			reason: "reactivated but still in Suspended: roles readonly -> Viewers",
		},
		{
			name:   "a reactivated user loses the placeholder and deleted groups too",
			user:   user(1, "sam", "SAML", []int{1, 2, goneGroupID}, roleReadonly),
			action: ActionRegroup, outcome: OutcomeReactivated, groupIDs: []int{11},
		},
		{
			name:   "a reactivated user keeps its other real groups",
			user:   user(1, "sam", "SAML", []int{12, 2}, roleReadonly),
			action: ActionRegroup, outcome: OutcomeReactivated, groupIDs: []int{11, 12},
			reason: "reactivated but still in Suspended: roles readonly -> Viewers; keeps Admins",
		},
		{
			name:   "kept groups are preserved and not repeated when a role maps to one of them",
			user:   user(1, "sam", "SAML", []int{13, 2, 12, 10}, roleNetops),
			action: ActionRegroup, outcome: OutcomeReactivated, groupIDs: []int{10, 12, 13},
			reasonHas: []string{"keeps Admins, developers, Network Operations"},
		},
		{
			name:   "an unmapped reactivated user is left alone in the suspended group",
			user:   user(1, "sam", "SAML", []int{2, 12}, roleBilling),
			action: ActionNone, outcome: OutcomeUnmapped, unmapped: []string{"billing"},
			reasonHas: []string{"reactivated but still in Suspended", "billing -> billing (no such group)"},
		},
		{
			name:   "without state, a reactivated user idle since before the suspend cutoff keeps its groups",
			user:   withLogin(user(1, "sam", "Chief Admin", []int{2, 12}, roleReadonly), cutoff.Add(-time.Hour)),
			facts:  noState,
			action: ActionNone, outcome: OutcomeReactivatedKept,
			reason: "reactivated but still in Suspended: latest activity 2026-08-30 (login) is before the suspend cutoff 2026-08-30, " +
				"and without state the suspended group is the only memory of the reactivation: it keeps its groups until it is active again",
		},
		{
			name:   "without state, a reactivated user with no activity keeps its groups",
			user:   user(1, "sam", "SAML", []int{2}, roleReadonly),
			facts:  noState,
			action: ActionNone, outcome: OutcomeReactivatedKept,
			reasonHas: []string{"no activity, so idle past the suspend cutoff 2026-08-30"},
		},
		{
			name:   "without state, a reactivated user active again since the cutoff is regrouped",
			user:   withLogin(user(1, "sam", "Chief Admin", []int{2, 12}, roleReadonly), cutoff),
			facts:  noState,
			action: ActionRegroup, outcome: OutcomeReactivated, groupIDs: []int{11, 12},
			reason: "reactivated but still in Suspended: roles readonly -> Viewers; keeps Admins",
		},
		{
			name:  "without state, --activity=login judges a reactivated user by its login only",
			user:  withAction(withLogin(user(1, "sam", "SAML", []int{2}, roleReadonly), cutoff.Add(-day)), cutoff.Add(day)),
			facts: noState, opts: func(o *Options) { o.Activity = "login" },
			action: ActionNone, outcome: OutcomeReactivatedKept,
			reasonHas: []string{"latest activity 2026-08-29 (login)"},
		},
		{
			name:   "without state, any activity counts by default",
			user:   withAction(withLogin(user(1, "sam", "SAML", []int{2}, roleReadonly), cutoff.Add(-day)), cutoff.Add(day)),
			facts:  noState,
			action: ActionRegroup, outcome: OutcomeReactivated, groupIDs: []int{11},
		},
		{
			name:   "without state and without a cutoff no reactivated user is regrouped",
			user:   withLogin(user(1, "sam", "SAML", []int{2}, roleReadonly), time.Now()),
			facts:  func(f *Facts) { f.HaveState = false },
			action: ActionNone, outcome: OutcomeReactivatedKept,
			reasonHas: []string{"is before the suspend cutoff,"},
		},
		{
			name:   "with state, a reactivated user is regrouped however long idle",
			user:   withLogin(user(1, "sam", "SAML", []int{2}, roleReadonly), cutoff.Add(-400*day)),
			facts:  func(f *Facts) { f.InactiveCutoff = cutoff },
			action: ActionRegroup, outcome: OutcomeReactivated, groupIDs: []int{11},
		},
		{
			name:   "without state, an idle reactivated user whose roles do not map is unmapped",
			user:   user(1, "sam", "SAML", []int{2}, roleBilling),
			facts:  noState,
			action: ActionNone, outcome: OutcomeUnmapped, unmapped: []string{"billing"},
		},
		{
			name:   "without state, an ungrouped user is regrouped whatever its activity",
			user:   user(1, "sam", "SAML", []int{1}, roleNetops),
			facts:  noState,
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
		},
		{
			name:   "suspended users are never touched",
			user:   suspended,
			action: ActionNone, outcome: OutcomeSuspended,
		},
		{
			name:   "users in another non-active status are never touched",
			user:   disabled,
			action: ActionNone, outcome: OutcomeSuspended,
			reasonHas: []string{`status "locked"`},
		},
		{
			name:   "an unreadable ungrouped SSO user is never regrouped",
			user:   unreadableUngrouped,
			action: ActionNone, outcome: OutcomeUnreadable,
			reason: "could not be read with confidence (roles is null): assign leaves it alone",
		},
		{
			name:   "an unreadable user in the suspended group is never regrouped",
			user:   unreadableReactivated,
			action: ActionNone, outcome: OutcomeUnreadable,
			reasonHas: []string{`(status "Locked")`},
		},
		{
			name:   "API-only users are never touched",
			user:   apiOnly,
			action: ActionNone, outcome: OutcomeAPIOnly,
		},
		{
			name:    "users the suspend step of this run suspends are excluded",
			user:    user(7, "sam", "SAML", []int{2}, roleNetops),
			exclude: map[int]bool{7: true},
			action:  ActionNone, outcome: OutcomeExcluded,
		},
		{
			name:    "other users' ids in exclude do not matter",
			user:    user(7, "sam", "SAML", []int{1}, roleNetops),
			exclude: map[int]bool{8: true},
			action:  ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10},
		},
		{
			name:   "--create-groups creates a missing group",
			user:   user(1, "sam", "SAML", []int{1}, roleBilling),
			opts:   func(o *Options) { o.CreateGroups = true },
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{}, newGroups: []string{"billing"},
			reason: `ungrouped SSO user (createdBy "SAML"): roles billing -> billing (to be created)`,
		},
		{
			name:   "--create-groups adds new groups beside existing ones",
			user:   user(1, "sam", "SAML", []int{1}, roleBilling, roleNetops),
			opts:   func(o *Options) { o.CreateGroups = true },
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{10}, newGroups: []string{"billing"},
		},
		{
			name: "--create-groups creates one group for two roles mapping to the same missing group",
			user: user(1, "sam", "SAML", []int{1}, roleBilling, roleAuditor),
			opts: func(o *Options) {
				o.CreateGroups = true
				o.RoleGroups = map[string]string{"billing": "Finance", "auditor": "FINANCE"}
			},
			action: ActionRegroup, outcome: OutcomeRegroup, groupIDs: []int{}, newGroups: []string{"FINANCE"},
		},
		{
			name:   "--create-groups keeps the reactivated user's real groups",
			user:   user(1, "sam", "SAML", []int{2, 12}, roleAuditor),
			opts:   func(o *Options) { o.CreateGroups = true },
			action: ActionRegroup, outcome: OutcomeReactivated, groupIDs: []int{12}, newGroups: []string{"auditor"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			facts := testFacts()
			if tc.facts != nil {
				tc.facts(&facts)
			}
			groups := tc.groups
			if groups == nil {
				groups = testGroups
			}
			plan := NewPlan([]lm.User{tc.user}, groups, testRoles, opts, facts, tc.exclude)
			if len(plan.Decisions) != 1 {
				t.Fatalf("got %d decisions, want 1", len(plan.Decisions))
			}
			d := plan.Decisions[0]
			if d.Action != tc.action || d.Outcome != tc.outcome {
				t.Errorf("got %s/%s, want %s/%s (reason %q)", d.Action, d.Outcome, tc.action, tc.outcome, d.Reason)
			}
			if !reflect.DeepEqual(d.GroupIDs, tc.groupIDs) {
				t.Errorf("GroupIDs = %#v, want %#v", d.GroupIDs, tc.groupIDs)
			}
			if !reflect.DeepEqual(d.NewGroups, tc.newGroups) {
				t.Errorf("NewGroups = %#v, want %#v", d.NewGroups, tc.newGroups)
			}
			if !reflect.DeepEqual(d.UnmappedRoles, tc.unmapped) {
				t.Errorf("UnmappedRoles = %#v, want %#v", d.UnmappedRoles, tc.unmapped)
			}
			if d.Reason == "" {
				t.Error("empty reason")
			}
			if tc.reason != "" && d.Reason != tc.reason {
				t.Errorf("reason = %q, want %q", d.Reason, tc.reason)
			}
			for _, s := range tc.reasonHas {
				if !strings.Contains(d.Reason, s) {
					t.Errorf("reason %q does not mention %q", d.Reason, s)
				}
			}
			wantUnmapped := 0
			if tc.outcome == OutcomeUnmapped {
				wantUnmapped = 1
			}
			if plan.Unmapped != wantUnmapped {
				t.Errorf("Plan.Unmapped = %d, want %d", plan.Unmapped, wantUnmapped)
			}
			if want := tc.user.Unreadable != ""; (plan.Unreadable == 1) != want {
				t.Errorf("Plan.Unreadable = %d for a user unreadable=%v", plan.Unreadable, want)
			}
			if d.User.ID != tc.user.ID || d.User.Username != tc.user.Username {
				t.Errorf("decision is for user %d %q, want %d %q", d.User.ID, d.User.Username, tc.user.ID, tc.user.Username)
			}
		})
	}
}

func TestNewPlanScopeFollowsCreatedBy(t *testing.T) {
	tests := []struct {
		createdBy string
		inScope   bool
	}{
		{"SAML", true},
		{"sso", true},
		{"SSO (Okta)", true},
		{"saml-jit", true},
		{"SSO2", true},
		{"Grosso", false},
		{"LogicMonitor", false},
		{"Chief Admin", false},
		{"", false},
		{"jsso", false},
		{"SAMLUser", true},
		{"samlsso", true},
		{"Single Sign-On", true},
		{"JIT", true},
		{"sso-admin@acme.com", false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("createdBy %q in scope sso: %v", tc.createdBy, tc.inScope), func(t *testing.T) {
			u := user(1, "sam", tc.createdBy, []int{1}, roleNetops)
			for _, scope := range []string{ScopeSSO, ScopeAll} {
				opts := testOptions()
				opts.Scope = scope
				d := NewPlan([]lm.User{u}, testGroups, testRoles, opts, testFacts(), nil).Decisions[0]
				want := OutcomeRegroup
				if scope == ScopeSSO && !tc.inScope {
					want = OutcomeOutOfScope
				}
				if d.Outcome != want {
					t.Errorf("scope %s: outcome %s, want %s (reason %q)", scope, d.Outcome, want, d.Reason)
				}
			}
		})
	}
}

func TestNewPlanSSOScope(t *testing.T) {
	tests := []struct {
		name    string
		users   []lm.User
		opts    func(*Options)
		outcome map[string]Outcome
		out     int // Plan.OutOfScope
	}{
		{
			name: "scope sso leaves users created by a person called like an SSO word out of scope",
			users: []lm.User{
				user(1, "ann", "sso", []int{1}, roleNetops),
				user(2, "SSO", "LogicMonitor", []int{10}, roleNetops),
				user(3, "bob", "SAML", []int{1}, roleNetops),
			},
			outcome: map[string]Outcome{"ann": OutcomeOutOfScope, "SSO": OutcomeGrouped, "bob": OutcomeRegroup},
			out:     1,
		},
		{
			name: "scope sso leaves users created by an e-mail address out of scope",
			users: []lm.User{
				user(1, "ann", "sso-admin@acme.com", []int{1}, roleNetops),
				user(2, "bob", "Single Sign-On", []int{1}, roleNetops),
			},
			outcome: map[string]Outcome{"ann": OutcomeOutOfScope, "bob": OutcomeRegroup},
			out:     1,
		},
		{
			name: "--sso-created-by replaces the test",
			opts: func(o *Options) { o.SSOCreatedBy = regexp.MustCompile(`^okta$`) },
			users: []lm.User{
				user(1, "ann", "okta", []int{1}, roleNetops),
				user(2, "bob", "SAML", []int{1}, roleNetops),
			},
			outcome: map[string]Outcome{"ann": OutcomeRegroup, "bob": OutcomeOutOfScope},
			out:     1,
		},
		{
			name: "counts only ungrouped active humans as out of scope",
			users: func() []lm.User {
				bot := user(3, "bot", "LogicMonitor", []int{1}, roleNetops)
				bot.APIOnly = true
				gone := user(4, "gone", "LogicMonitor", []int{1}, roleNetops)
				gone.Status = lm.StatusSuspended
				return []lm.User{
					user(1, "ann", "LogicMonitor", []int{1}, roleNetops),
					user(2, "cid", "LogicMonitor", []int{12}, roleNetops),
					bot, gone,
				}
			}(),
			outcome: map[string]Outcome{"ann": OutcomeOutOfScope, "cid": OutcomeGrouped, "bot": OutcomeAPIOnly, "gone": OutcomeSuspended},
			out:     1,
		},
		{
			name: "scope all leaves no one out of scope",
			opts: func(o *Options) { o.Scope = ScopeAll },
			users: []lm.User{
				user(1, "ann", "sso-admin@acme.com", []int{1}, roleNetops),
			},
			outcome: map[string]Outcome{"ann": OutcomeRegroup},
			out:     0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			plan := NewPlan(tc.users, testGroups, testRoles, opts, testFacts(), nil)
			for _, d := range plan.Decisions {
				if want := tc.outcome[d.User.Username]; d.Outcome != want {
					t.Errorf("%s: outcome %s, want %s (reason %q)", d.User.Username, d.Outcome, want, d.Reason)
				}
			}
			if plan.OutOfScope != tc.out {
				t.Errorf("Plan.OutOfScope = %d, want %d", plan.OutOfScope, tc.out)
			}
		})
	}
}

// mixedPortal has one user of each kind, listed in no particular order.
func mixedPortal() []lm.User {
	suspended := user(6, "frank", "SAML", []int{2}, roleNetops)
	suspended.Status = lm.StatusSuspended
	apiOnly := user(7, "Bot", "SAML", []int{1}, roleNetops)
	apiOnly.APIOnly = true
	return []lm.User{
		user(1, "zoe", "SAML", []int{1}, roleNetops),           // regroup
		user(2, "Carl", "Chief Admin", []int{1}, roleNetops),   // out of scope
		user(3, "anna", "SAML", []int{12}, roleNetops),         // grouped
		user(4, "Bea", "LogicMonitor", []int{2}, roleReadonly), // reactivated
		user(5, "dave", "SAML", []int{1}, roleBilling),         // unmapped
		suspended, // suspended
		apiOnly,   // API-only
		user(8, "eve", "SAML", []int{2}, roleAuditor),             // reactivated, unmapped
		user(9, "mike", "SAML", []int{1}, roleNetops),             // excluded
		user(10, "ADAM", "sso", []int{goneGroupID}, roleReadonly), // regroup
		user(11, "adam", "sso", nil, roleReadonly),                // regroup, same name in other case
	}
}

func TestNewPlanOrdersRegroupsFirstThenTheRestByUsername(t *testing.T) {
	plan := NewPlan(mixedPortal(), testGroups, testRoles, testOptions(), testFacts(), map[int]bool{9: true})
	var got []string
	for _, d := range plan.Decisions {
		got = append(got, fmt.Sprintf("%s:%s", d.User.Username, d.Outcome))
	}
	want := []string{
		"ADAM:regroup", "adam:regroup", "Bea:reactivated", "zoe:regroup",
		"anna:grouped", "Bot:api_only", "Carl:out_of_scope", "dave:unmapped", "eve:unmapped",
		"frank:suspended", "mike:excluded",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order:\n got %v\nwant %v", got, want)
	}
	if plan.Unmapped != 2 {
		t.Errorf("Plan.Unmapped = %d, want 2 (dave, and eve though reactivated)", plan.Unmapped)
	}
	if plan.Reactivated != 2 {
		t.Errorf("Plan.Reactivated = %d, want 2 (Bea, and eve though unmapped)", plan.Reactivated)
	}
	if plan.OutOfScope != 1 {
		t.Errorf("Plan.OutOfScope = %d, want 1 (Carl)", plan.OutOfScope)
	}
}

func TestNewPlanIsDeterministic(t *testing.T) {
	opts := testOptions()
	opts.CreateGroups = true
	opts.RoleGroups = map[string]string{"netops": "Network Operations", "readonly": "Viewers", "billing": "Finance", "auditor": "finance"}
	exclude := map[int]bool{9: true}
	want := NewPlan(mixedPortal(), testGroups, testRoles, opts, testFacts(), exclude)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		users := mixedPortal()
		rng.Shuffle(len(users), func(a, b int) { users[a], users[b] = users[b], users[a] })
		groups := append([]lm.Group(nil), testGroups...)
		rng.Shuffle(len(groups), func(a, b int) { groups[a], groups[b] = groups[b], groups[a] })
		roles := append([]lm.Role(nil), testRoles...)
		rng.Shuffle(len(roles), func(a, b int) { roles[a], roles[b] = roles[b], roles[a] })
		if got := NewPlan(users, groups, roles, opts, testFacts(), exclude); !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffle %d gave a different plan:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

func TestNewPlanGivesEveryUserOneDecision(t *testing.T) {
	users := mixedPortal()
	users = append(users, users[0]) // the same user listed twice is still two entries
	plan := NewPlan(users, testGroups, testRoles, testOptions(), testFacts(), nil)
	if len(plan.Decisions) != len(users) {
		t.Fatalf("got %d decisions for %d users", len(plan.Decisions), len(users))
	}
	count := map[int]int{}
	for _, d := range plan.Decisions {
		count[d.User.ID]++
		if d.Reason == "" {
			t.Errorf("user %q has no reason", d.User.Username)
		}
	}
	for _, u := range users[:len(users)-1] {
		want := 1
		if u.ID == users[0].ID {
			want = 2
		}
		if count[u.ID] != want {
			t.Errorf("user %q appears %d times, want %d", u.Username, count[u.ID], want)
		}
	}
}

func TestNewPlanPointsIntoItsInputAndLeavesItAlone(t *testing.T) {
	users := []lm.User{user(1, "sam", "SAML", []int{12, 2, 12}, roleReadonly, roleNetops)}
	groups := append([]lm.Group(nil), testGroups...)
	groups[0], groups[5] = groups[5], groups[0]
	wantGroups := append([]lm.Group(nil), groups...)
	plan := NewPlan(users, groups, testRoles, testOptions(), testFacts(), nil)
	if len(plan.Decisions) != 1 || plan.Decisions[0].User != &users[0] {
		t.Errorf("the decision does not point at the user given")
	}
	if got := users[0].GroupIDs; !reflect.DeepEqual(got, []int{12, 2, 12}) {
		t.Errorf("user's GroupIDs changed to %v", got)
	}
	if got := users[0].Roles; !reflect.DeepEqual(got, []lm.Role{roleReadonly, roleNetops}) {
		t.Errorf("user's Roles changed to %v", got)
	}
	if !reflect.DeepEqual(groups, wantGroups) {
		t.Errorf("groups reordered to %v", groups)
	}
}

// A plan holds a reason per user until the run ends; at 50,000 users most of
// them say the same, and one copy of each text is what keeps the plan small.
func TestNewPlanSharesEqualReasons(t *testing.T) {
	users := []lm.User{
		user(1, "ann", "SAML", []int{10}, roleReadonly),
		user(2, "bob", "SAML", []int{10}, roleReadonly),
		user(3, "cid", "SAML", []int{2}, roleNetops),
		user(4, "dee", "SAML", []int{2}, roleNetops),
	}
	plan := NewPlan(users, testGroups, testRoles, testOptions(), testFacts(), nil)
	reason := map[string]string{}
	for _, d := range plan.Decisions {
		reason[d.User.Username] = d.Reason
	}
	for _, pair := range [][2]string{{"ann", "bob"}, {"cid", "dee"}} {
		a, b := reason[pair[0]], reason[pair[1]]
		if a != b || a == "" {
			t.Fatalf("%s and %s: reasons %q and %q; the test needs equal ones", pair[0], pair[1], a, b)
		}
		if unsafe.StringData(a) != unsafe.StringData(b) {
			t.Errorf("%s and %s: equal reason %q held twice", pair[0], pair[1], a)
		}
	}
}
