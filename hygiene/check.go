package hygiene

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

// CheckInput is what check knows beyond the report of the run it planned.
type CheckInput struct {
	// BaseURL is the portal's API base the run reached.
	BaseURL string
	// Bearer is set when the run used a bearer token, whose owner cannot
	// be known.
	Bearer bool
}

// CheckResult is what check reports: the portal as the tool sees it, and
// each finding that needs attention as one line saying what to do.
type CheckResult struct {
	Portal string `json:"portal"`
	// Error is why the portal could not be read; empty when it was.
	Error string `json:"error,omitempty"`
	// Attention is set when something needs the admin (exit 3).
	Attention bool `json:"attention"`
	// Findings need attention; Notes are information only.
	Findings []string `json:"findings"`
	Notes    []string `json:"notes"`

	Token       *CheckToken       `json:"token,omitempty"`
	Users       *CheckUsers       `json:"users,omitempty"`
	Timestamps  []CheckUnits      `json:"timestamps,omitempty"`
	CreatedBy   []CheckCreator    `json:"created_by,omitempty"`
	Groups      []CheckGroup      `json:"groups,omitempty"`
	RoleTargets []CheckRoleTarget `json:"role_targets,omitempty"`
	Unreadable  []CheckUnreadable `json:"unreadable,omitempty"`
	// Plan is the counts of the plan, by datapoint name.
	Plan    map[string]int `json:"plan,omitempty"`
	Breaker *CheckBreaker  `json:"breaker,omitempty"`
}

// planCounts are the datapoints check shows as the plan's counts.
var planCounts = map[string]bool{
	"inactive_found": true, "suspend_planned": true, "move_planned": true, "assign_planned": true, "pending": true,
	"suspend_upcoming": true, "exempt_skipped": true, "protected_skipped": true, "never_logged_in": true,
	"future_activity": true, "unmapped": true, "assign_out_of_scope": true, "reactivated_kept": true,
	"users_unreadable": true, "config_warnings": true,
}

// PlanGroupsToCreate is check's count of the groups a run would create,
// beside the datapoints of the plan.
const PlanGroupsToCreate = "groups_to_create"

// CheckBreaker is the inactivity breaker's ratio against its limit.
type CheckBreaker struct {
	InactiveFound int     `json:"inactive_found"`
	Considered    int     `json:"considered"`
	MaxPercent    float64 `json:"max_percent"`
	Tripped       bool    `json:"tripped"`
}

// CheckToken is the account the run acts as.
type CheckToken struct {
	Kind string `json:"kind"` // "lmv1" or "bearer"
	// Owner is the username carrying the access id; empty when unknown.
	Owner string   `json:"owner,omitempty"`
	Roles []string `json:"roles,omitempty"`
	// ManagesUsers says whether one of the owner's roles may manage users
	// and groups: "yes", "no" or "unknown".
	ManagesUsers string `json:"manages_users"`
}

// CheckUsers counts the users by status.
type CheckUsers struct {
	Total      int `json:"total"`
	Active     int `json:"active"`
	Suspended  int `json:"suspended"`
	APIOnly    int `json:"api_only"`
	Unreadable int `json:"unreadable"`
}

// CheckUnits counts the values of one timestamp field by unit.
type CheckUnits struct {
	Field        string `json:"field"`
	Seconds      int    `json:"seconds"`
	Milliseconds int    `json:"milliseconds"`
	Zero         int    `json:"zero"`
}

// CheckCreator is one createdBy value.
type CheckCreator struct {
	Value string `json:"value"`
	Users int    `json:"users"`
	SSO   bool   `json:"sso"`
}

// CheckGroup is a group a setting names.
type CheckGroup struct {
	Setting string `json:"setting"`
	Name    string `json:"name"`
	Found   bool   `json:"found"`
	ID      int    `json:"id,omitempty"`
}

// CheckRoleTarget is the group a role's holders are regrouped into.
type CheckRoleTarget struct {
	Role  string `json:"role"`
	Group string `json:"group"`
	Found bool   `json:"found"`
	// Refused says why the holders are never moved into the group (the
	// placeholder or the suspended group); empty when it is only missing.
	Refused string `json:"refused,omitempty"`
}

// CheckUnreadable is a user that could not be read with confidence.
type CheckUnreadable struct {
	ID       int    `json:"id"`
	Username string `json:"username,omitempty"`
	Field    string `json:"field"`
}

// Check judges the report of a planning run over the portal: what the tool
// sees, and what needs the admin before --apply. Attention is set when
// something does; a portal that could not be read is only Error (the caller
// exits 1).
func Check(r *Report, in CheckInput) CheckResult {
	c := CheckResult{Portal: in.BaseURL, Findings: []string{}, Notes: []string{}}
	if !r.Read {
		c.Error = "the portal could not be read"
		if r.Failure != nil {
			c.Error = oneLine(r.Failure.Error())
		}
		return c
	}
	counts := r.Counts(Stats{})
	c.Users = &CheckUsers{Total: counts.UsersTotal, Active: counts.UsersActive, Suspended: counts.UsersSuspended,
		APIOnly: counts.UsersAPIOnly, Unreadable: counts.UsersUnreadable}
	c.checkToken(r, in)
	c.Timestamps = timestampUnits(r.Users)
	c.CreatedBy = creators(r)
	c.checkGroups(r)
	c.RoleTargets = roleTargets(r)
	c.checkClashes(r)
	c.checkUsers(r, counts)
	for _, f := range r.Findings {
		c.attention(f.Line())
	}
	switch {
	case errors.Is(r.Failure, errBreaker), errors.Is(r.Failure, errUnreadable):
		c.attention("a run would be refused: " + oneLine(r.Failure.Error()))
	case r.Failure != nil:
		c.attention("the run would fail: " + oneLine(r.Failure.Error()))
	}
	if !r.StateOK {
		held := ""
		if r.Policy.Suspend.WarnDays > 0 {
			held = ", so notice starts afresh and nobody idle is suspended"
		}
		c.attention("the state file cannot be used (the warning above says why): until it can, every run reads an empty memory" + held + "; " +
			"fix its permissions or path, or choose --state off")
	}
	c.Plan = map[string]int{}
	for _, d := range Datapoints {
		if !planCounts[d.Name] {
			continue
		}
		if n, err := strconv.Atoi(d.Value(&counts)); err == nil {
			c.Plan[d.Name] = n
		}
	}
	c.Plan[PlanGroupsToCreate] = len(r.GroupsPlanned)
	if sp := r.SuspendPlan; sp != nil {
		c.Breaker = &CheckBreaker{InactiveFound: sp.InactiveFound, Considered: sp.Considered,
			MaxPercent: r.Policy.Suspend.MaxSuspendPercent, Tripped: sp.Tripped}
	}
	c.Attention = len(c.Findings) > 0
	return c
}

func (c *CheckResult) attention(line string) { c.Findings = append(c.Findings, line) }
func (c *CheckResult) note(line string)      { c.Notes = append(c.Notes, line) }

func (c *CheckResult) checkToken(r *Report, in CheckInput) {
	if in.Bearer {
		c.Token = &CheckToken{Kind: "bearer", ManagesUsers: "unknown"}
		c.note("a bearer token's owner cannot be identified: protect that account with --protect-users so it is never suspended")
		return
	}
	c.Token = &CheckToken{Kind: "lmv1", ManagesUsers: "unknown"}
	owner := r.tokenOwner()
	if owner == nil {
		c.attention("no user carries the access id of this token, so its owner is unknown and not protected from suspension: " +
			"check --access-id, or protect the token's user with --protect-users")
		return
	}
	c.Token.Owner = owner.Username
	byID := make(map[int]lm.Role, len(r.Roles))
	for _, ro := range r.Roles {
		byID[ro.ID] = ro
	}
	known := false
	for _, held := range owner.Roles {
		c.Token.Roles = append(c.Token.Roles, held.Name)
		ro, ok := byID[held.ID]
		if !ok || ro.Privileges == nil {
			continue
		}
		known = true
		if mayManageUsers(ro.Privileges) {
			c.Token.ManagesUsers = "yes"
		}
	}
	sort.Strings(c.Token.Roles)
	switch {
	case c.Token.ManagesUsers == "yes":
	case known:
		c.Token.ManagesUsers = "no"
		c.attention(fmt.Sprintf("the token's user %s may not manage users (no role of it writes settings or user access): "+
			"give it a role that may manage users and user groups, or --apply will fail", strconv.Quote(owner.Username)))
	default:
		c.attention(fmt.Sprintf("the portal did not list the privileges of the roles of the token's user %s: "+
			"check in the portal that one of them may manage users and user groups", strconv.Quote(owner.Username)))
	}
}

// userAccessObjects are the setting objects whose write privilege lets a
// role manage users, user groups and roles: every setting, or user access.
var userAccessObjects = []string{"*", "useraccess", "useraccess.*", "useraccess.admin", "useraccess.role"}

// mayManageUsers reports whether privileges let a role manage users and
// groups: a "setting" privilege with operation "write" on every setting or
// on user access.
func mayManageUsers(privileges []lm.Privilege) bool {
	for _, p := range privileges {
		if !strings.EqualFold(p.ObjectType, "setting") || !strings.EqualFold(p.Operation, "write") {
			continue
		}
		for _, o := range userAccessObjects {
			if strings.EqualFold(p.ObjectID, o) {
				return true
			}
		}
	}
	return false
}

// millisThreshold is lm.Epoch's line between seconds and milliseconds.
const millisThreshold = 100_000_000_000

func timestampUnits(users []lm.User) []CheckUnits {
	out := []CheckUnits{{Field: "lastLoginOn"}, {Field: "lastActionOn"}, {Field: "lastAccessOn"}, {Field: "apiTokens.lastUsedOn"}}
	count := func(c *CheckUnits, v int64) {
		switch {
		case v <= 0:
			c.Zero++
		case v > millisThreshold:
			c.Milliseconds++
		default:
			c.Seconds++
		}
	}
	for i := range users {
		u := &users[i]
		count(&out[0], u.LastLoginOn)
		count(&out[1], u.LastActionOn)
		count(&out[2], u.LastAccessOn)
		for _, t := range u.APITokens {
			count(&out[3], t.LastUsedOn)
		}
	}
	return out
}

// creators lists every createdBy value, most users first.
func creators(r *Report) []CheckCreator {
	sso := assign.SSOCreators(r.Users, r.Policy.Assign.SSOCreatedBy)
	n := map[string]int{}
	for i := range r.Users {
		n[r.Users[i].CreatedBy]++
	}
	out := make([]CheckCreator, 0, len(n))
	for v, k := range n {
		out = append(out, CheckCreator{Value: v, Users: k, SSO: sso[v]})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Users != out[j].Users {
			return out[i].Users > out[j].Users
		}
		return out[i].Value < out[j].Value
	})
	return out
}

func (c *CheckResult) checkGroups(r *Report) {
	for _, s := range []struct{ setting, name string }{
		{"--ungrouped-group", r.Policy.Assign.UngroupedGroup},
		{"--suspended-group", r.Policy.Suspend.SuspendedGroup},
	} {
		g, ok := lm.FindGroup(r.Groups, s.name)
		c.Groups = append(c.Groups, CheckGroup{Setting: s.setting, Name: s.name, Found: ok, ID: g.ID})
		if ok {
			continue
		}
		if s.setting == "--suspended-group" {
			c.note(fmt.Sprintf("the suspended group %s does not exist yet: the first run with --apply that suspends or moves a user creates it", strconv.Quote(s.name)))
		} else {
			c.note(fmt.Sprintf("the placeholder group %s does not exist: only users with no group at all count as ungrouped", strconv.Quote(s.name)))
		}
	}
}

// roleTargets is, for each role, the group its holders are regrouped into,
// as the assign step resolves it.
func roleTargets(r *Report) []CheckRoleTarget {
	var out []CheckRoleTarget
	for _, rt := range assign.RoleTargets(r.Groups, r.Roles, r.Policy.Assign) {
		out = append(out, CheckRoleTarget{Role: rt.Role, Group: rt.Group, Found: rt.Found, Refused: rt.Refused})
	}
	return out
}

// checkClashes reports each group a setting or a role target names that
// the portal holds more than once, in names that differ only in case: the
// run uses the one lm.FindGroup picks, which may not be the one meant.
func (c *CheckResult) checkClashes(r *Report) {
	names := []string{r.Policy.Suspend.SuspendedGroup, r.Policy.Assign.UngroupedGroup}
	for _, rt := range c.RoleTargets {
		names = append(names, rt.Group)
	}
	seen := map[string]bool{}
	for _, name := range names {
		same := lm.GroupsNamed(r.Groups, name)
		if name == "" || len(same) < 2 || seen[strings.ToLower(name)] {
			continue
		}
		seen[strings.ToLower(name)] = true
		used, _ := lm.FindGroup(r.Groups, name)
		spelled := make([]string, len(same))
		for i, g := range same {
			spelled[i] = fmt.Sprintf("%s (id %d)", strconv.Quote(g.Name), g.ID)
		}
		c.attention(fmt.Sprintf("the portal has %d groups named %s in names that differ only in case (%s): the run uses %s (id %d); "+
			"rename or remove the others so the name means one group", len(same), strconv.Quote(name), strings.Join(spelled, ", "),
			strconv.Quote(used.Name), used.ID))
	}
}

func (c *CheckResult) checkUsers(r *Report, counts Counts) {
	for i := range r.Users {
		if u := &r.Users[i]; u.Unreadable != "" {
			c.Unreadable = append(c.Unreadable, CheckUnreadable{ID: u.ID, Username: u.Username, Field: u.Unreadable})
		}
	}
	sort.Slice(c.Unreadable, func(i, j int) bool { return c.Unreadable[i].ID < c.Unreadable[j].ID })
	if n := len(c.Unreadable); n > 0 {
		c.attention(fmt.Sprintf("%s could not be read with confidence (listed under Unreadable) and left alone: "+
			"look at them in the portal; more than 5%% of users unreadable refuses every run", users(n)))
	}
	if ap := r.AssignPlan; ap != nil && ap.Unmapped > 0 {
		var names []string
		for _, d := range ap.Decisions {
			if d.Outcome == assign.OutcomeUnmapped {
				names = append(names, strconv.Quote(d.User.Username))
			}
		}
		c.attention(fmt.Sprintf("%s to regroup: no role maps to a group (%s): "+
			"create the groups, map the roles with --role-groups, or use --create-groups", users(ap.Unmapped), strings.Join(names, ", ")))
	}
	if counts.AssignOutOfScope > 0 {
		c.note(fmt.Sprintf("%s ungrouped but not created by SSO, left alone (--assign-scope sso); "+
			"--assign-scope all would regroup them", users(counts.AssignOutOfScope)))
	}
	if counts.FutureActivity > 0 {
		c.note(fmt.Sprintf("%s with activity more than a day in the future: never suspended until the portal's timestamps are right",
			users(counts.FutureActivity)))
	}
	if sp := r.SuspendPlan; sp != nil && sp.NoRoles > 0 {
		var names []string
		for _, d := range sp.Decisions {
			if d.Outcome == suspend.OutcomeNoRoles {
				names = append(names, strconv.Quote(d.User.Username))
			}
		}
		c.note(fmt.Sprintf("%s whose roles are an empty list (%s): never changed, since a change must carry the user's roles; "+
			"give each a role in the portal", users(sp.NoRoles), strings.Join(names, ", ")))
	}
}

// users is "1 user" or "n users".
func users(n int) string {
	if n == 1 {
		return "1 user"
	}
	return strconv.Itoa(n) + " users"
}

// oneLine keeps an error message on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
