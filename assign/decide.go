package assign

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"lm-user-hygiene/internal/intern"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

// NewPlan decides, for every user, whether the assign step regroups it and
// why. exclude holds the ids of users the suspend step of the same run is
// suspending: regrouping them would undo that suspension's group move.
// NewPlan does no I/O and the same input always gives the same plan.
func NewPlan(users []lm.User, groups []lm.Group, roles []lm.Role, opts Options, facts Facts, exclude map[int]bool) Plan {
	p := newPlanner(groups, roles, opts, exclude)
	p.facts = facts
	p.sso = SSOCreators(users, opts.SSOCreatedBy)
	plan := Plan{Decisions: make([]Decision, 0, len(users))}
	for i := range users {
		d := p.decide(&users[i])
		if d.Outcome != OutcomeUnreadable && users[i].HasStatus(lm.StatusActive) && p.inSuspendedGroup(&users[i]) {
			plan.Reactivated++
		}
		switch d.Outcome {
		case OutcomeUnreadable:
			plan.Unreadable++
		case OutcomeUnmapped:
			plan.Unmapped++
		case OutcomeOutOfScope:
			plan.OutOfScope++
		}
		plan.Decisions = append(plan.Decisions, d)
	}
	sort.Slice(plan.Decisions, func(i, j int) bool {
		a, b := &plan.Decisions[i], &plan.Decisions[j]
		if ra, rb := a.Action == ActionRegroup, b.Action == ActionRegroup; ra != rb {
			return ra
		}
		return lm.CompareUsers(a.User, b.User) < 0
	})
	return plan
}

type planner struct {
	opts      Options
	facts     Facts
	exclude   map[int]bool
	groupByID map[int]lm.Group
	// groups sorted by id; lm.FindGroup picks among groups whose names
	// differ only in case.
	groups     []lm.Group
	roleNames  map[int]string
	roleGroups map[string]string // keys lower-cased
	sso        map[string]bool   // createdBy value -> counts as SSO
	reasons    intern.Strings
}

func newPlanner(groups []lm.Group, roles []lm.Role, opts Options, exclude map[int]bool) *planner {
	p := &planner{
		opts:       opts,
		exclude:    exclude,
		groupByID:  make(map[int]lm.Group, len(groups)),
		groups:     append([]lm.Group(nil), groups...),
		roleNames:  make(map[int]string, len(roles)),
		roleGroups: make(map[string]string, len(opts.RoleGroups)),
	}
	sort.SliceStable(p.groups, func(i, j int) bool { return p.groups[i].ID < p.groups[j].ID })
	for _, g := range p.groups {
		if _, dup := p.groupByID[g.ID]; !dup {
			p.groupByID[g.ID] = g
		}
	}
	for _, r := range roles {
		p.roleNames[r.ID] = r.Name
	}
	// Options may be built by hand rather than by ParseRoleGroups, so keys are
	// folded here too; sorted keys make a case-only clash resolve the same way
	// on every run (Validate rejects such a clash anyway).
	keys := make([]string, 0, len(opts.RoleGroups))
	for k := range opts.RoleGroups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		low := strings.ToLower(strings.TrimSpace(k))
		if _, seen := p.roleGroups[low]; !seen {
			p.roleGroups[low] = strings.TrimSpace(opts.RoleGroups[k])
		}
	}
	return p
}

// findGroup looks a group up by name (lm.FindGroup).
func (p *planner) findGroup(name string) (lm.Group, bool) { return lm.FindGroup(p.groups, name) }

func (p *planner) isPlaceholder(name string) bool { return lm.SameName(name, p.opts.UngroupedGroup) }
func (p *planner) isSuspended(name string) bool   { return lm.SameName(name, p.opts.SuspendedGroup) }

// membership sorts a user's group ids into what they mean for assign. The
// placeholder group and ids of groups that no longer exist count as no group
// and are dropped on a regroup.
type membership struct {
	kept      []lm.Group // real groups, kept on a regroup
	suspended string     // the suspended group's name when the user is in it
}

func (p *planner) membership(u *lm.User) membership {
	var m membership
	seen := map[int]bool{}
	for _, id := range u.GroupIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		g, ok := p.groupByID[id]
		switch {
		case !ok, p.isPlaceholder(g.Name):
		case p.isSuspended(g.Name):
			m.suspended = g.Name
		default:
			m.kept = append(m.kept, g)
		}
	}
	return m
}

// inSuspendedGroup reports whether one of u's groups is the suspended group.
func (p *planner) inSuspendedGroup(u *lm.User) bool {
	for _, id := range u.GroupIDs {
		if g, ok := p.groupByID[id]; ok && p.isSuspended(g.Name) {
			return true
		}
	}
	return false
}

// idleReactivated tells, without state, why a reactivated user keeps its
// groups: its latest activity is before the suspend cutoff (or there is
// none). Empty when it is active again.
func (p *planner) idleReactivated(u *lm.User) string {
	name, at, ok := suspend.LatestActivity(u, p.opts.Activity)
	cutoff := "the suspend cutoff"
	if !p.facts.InactiveCutoff.IsZero() {
		if ok && !at.Before(p.facts.InactiveCutoff) {
			return ""
		}
		cutoff += " " + p.facts.InactiveCutoff.UTC().Format(time.DateOnly)
	}
	if !ok {
		return p.reasons.Join("no activity, so idle past ", cutoff)
	}
	return p.reasons.Join("latest activity ", at.UTC().Format(time.DateOnly), " (", name, ") is before ", cutoff)
}

func (p *planner) decide(u *lm.User) Decision {
	d := Decision{User: u, Action: ActionNone}
	switch {
	case u.Unreadable != "":
		d.Outcome = OutcomeUnreadable
		d.Reason = p.reasons.Join("could not be read with confidence (", u.Unreadable, "): assign leaves it alone")
		return d
	case u.HasStatus(lm.StatusSuspended):
		d.Outcome, d.Reason = OutcomeSuspended, "suspended: assign never touches suspended users"
		return d
	case !u.HasStatus(lm.StatusActive):
		d.Outcome, d.Reason = OutcomeSuspended, p.reasons.Join(fmt.Sprintf("status %q is not active: assign only regroups active users", u.Status))
		return d
	case p.exclude[u.ID]:
		d.Outcome, d.Reason = OutcomeExcluded, "being suspended by this run: assign leaves it in the suspended group"
		return d
	case u.APIOnly:
		d.Outcome, d.Reason = OutcomeAPIOnly, "API-only user: assign never touches API-only users"
		return d
	}

	m := p.membership(u)
	reactivated := m.suspended != ""
	if !reactivated && len(m.kept) > 0 {
		d.Outcome, d.Reason = OutcomeGrouped, p.reasons.Join("already in ", groupNames(m.kept))
		return d
	}
	sso := p.sso[u.CreatedBy]
	if !reactivated && p.opts.Scope != ScopeAll && !sso {
		d.Outcome = OutcomeOutOfScope
		d.Reason = p.reasons.Join(fmt.Sprintf("ungrouped but not created by SSO (createdBy %q): --assign-scope=%s leaves it alone; use --assign-scope=%s to include it", u.CreatedBy, ScopeSSO, ScopeAll))
		return d
	}

	var who string
	switch {
	case reactivated:
		who = "reactivated but still in " + m.suspended
	case sso:
		who = fmt.Sprintf("ungrouped SSO user (createdBy %q)", u.CreatedBy)
	default:
		who = fmt.Sprintf("ungrouped user (createdBy %q, --assign-scope=%s)", u.CreatedBy, ScopeAll)
	}

	mapped, unmapped := p.targets(u)
	if len(mapped) == 0 {
		d.Outcome = OutcomeUnmapped
		d.UnmappedRoles = roleNamesOf(unmapped)
		if len(unmapped) == 0 {
			d.Reason = p.reasons.Join(who, ": has no roles, so no group to move it to; give it a role in the portal")
		} else {
			d.Reason = p.reasons.Join(who, ": no role maps to a group: ", describeUnmapped(unmapped), "; ", p.fixHint(unmapped))
		}
		return d
	}

	if reactivated && !p.facts.HaveState {
		if idle := p.idleReactivated(u); idle != "" {
			d.Outcome = OutcomeReactivatedKept
			d.Reason = p.reasons.Join(who, ": ", idle,
				", and without state the suspended group is the only memory of the reactivation: it keeps its groups until it is active again")
			return d
		}
	}

	d.Action = ActionRegroup
	if reactivated {
		d.Outcome = OutcomeReactivated
	} else {
		d.Outcome = OutcomeRegroup
	}
	d.GroupIDs = []int{}
	for _, g := range m.kept {
		d.GroupIDs = append(d.GroupIDs, g.ID)
	}
	for _, t := range mapped {
		if t.create {
			d.NewGroups = append(d.NewGroups, t.group)
		} else {
			d.GroupIDs = append(d.GroupIDs, t.groupID)
		}
	}
	d.GroupIDs = sortedUniqueInts(d.GroupIDs)
	d.NewGroups = sortedUniqueNames(d.NewGroups)
	d.UnmappedRoles = roleNamesOf(unmapped)

	var b strings.Builder
	b.WriteString(who)
	b.WriteString(": roles ")
	b.WriteString(describeMapped(mapped))
	if len(m.kept) > 0 {
		b.WriteString("; keeps ")
		b.WriteString(groupNames(m.kept))
	}
	if len(unmapped) > 0 {
		b.WriteString("; unmapped roles: ")
		b.WriteString(describeUnmapped(unmapped))
		b.WriteString("; ")
		b.WriteString(p.fixHint(unmapped))
	}
	d.Reason = p.reasons.Join(b.String())
	return d
}

// target is where one of a user's roles leads.
type target struct {
	role    string
	group   string // the group name the role maps to
	groupID int    // the existing group; unset (whatever its value) when create or problem is
	create  bool   // missing, and --create-groups creates it
	problem string // why the role does not map; empty when it does
}

// Problems a role can have; fixHint turns them into advice.
const (
	problemNoName      = "the role has no name"
	problemMissing     = "no such group"
	problemPlaceholder = "the placeholder group"
	problemSuspended   = "the suspended group"
)

// targets resolves each of the user's roles, sorted by role name, into the
// roles that map and the roles that do not.
func (p *planner) targets(u *lm.User) (mapped, unmapped []target) {
	var all []target
	for _, r := range u.Roles {
		all = append(all, p.resolve(r))
	}
	sort.SliceStable(all, func(i, j int) bool { return nameLess(all[i].role, all[j].role) })
	for _, t := range all {
		if t.problem == "" {
			mapped = append(mapped, t)
		} else {
			unmapped = append(unmapped, t)
		}
	}
	return mapped, unmapped
}

func (p *planner) resolve(r lm.Role) target {
	// The role list is the portal's current naming; the copy embedded in the
	// user is the fallback when the role list lacks that id.
	name := r.Name
	if n, ok := p.roleNames[r.ID]; ok && strings.TrimSpace(n) != "" {
		name = n
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return target{role: fmt.Sprintf("#%d", r.ID), problem: problemNoName}
	}
	t := target{role: name, group: name}
	if g, ok := p.roleGroups[strings.ToLower(name)]; ok {
		t.group = g
	}
	// Moving a user "into" the placeholder or the suspended group would leave
	// it ungrouped, or look suspended, and every run would try again.
	switch {
	case p.isPlaceholder(t.group):
		t.problem = problemPlaceholder
		return t
	case p.isSuspended(t.group):
		t.problem = problemSuspended
		return t
	}
	if g, ok := p.findGroup(t.group); ok {
		t.groupID, t.group = g.ID, g.Name
		return t
	}
	if p.opts.CreateGroups {
		t.create = true
		return t
	}
	t.problem = problemMissing
	return t
}

// fixHint says how a person makes the unmapped roles map.
func (p *planner) fixHint(unmapped []target) string {
	missing := false
	for _, t := range unmapped {
		if t.problem == problemMissing {
			missing = true
		}
	}
	if missing {
		return "create the groups, map the roles to existing groups with --role-groups, or use --create-groups"
	}
	return "map the roles to real groups with --role-groups"
}

func describeMapped(ts []target) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.role + " -> " + t.group
		if t.create {
			parts[i] += " (to be created)"
		}
	}
	return strings.Join(parts, ", ")
}

func describeUnmapped(ts []target) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		if t.problem == problemNoName {
			parts[i] = "role " + t.role + " (" + t.problem + ")"
			continue
		}
		parts[i] = t.role + " -> " + t.group + " (" + t.problem + ")"
	}
	return strings.Join(parts, ", ")
}

func roleNamesOf(ts []target) []string {
	if len(ts) == 0 {
		return nil
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.role
	}
	return names // already sorted by targets
}

// groupNames lists groups by name, sorted, for a reason.
func groupNames(gs []lm.Group) string {
	if len(gs) == 1 {
		return gs[0].Name // most users are in one group: nothing to sort
	}
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = g.Name
	}
	return strings.Join(sortedUniqueNames(names), ", ")
}

// nameLess orders names as people read them: case-insensitively first.
func nameLess(a, b string) bool {
	if c := lm.CompareNames(a, b); c != 0 {
		return c < 0
	}
	return a < b
}

// sortedUniqueNames sorts names and drops case-insensitive duplicates,
// keeping the spelling that sorts first.
func sortedUniqueNames(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	s := append([]string(nil), names...)
	sort.Slice(s, func(i, j int) bool { return nameLess(s[i], s[j]) })
	out := s[:1]
	for _, n := range s[1:] {
		if !lm.SameName(n, out[len(out)-1]) {
			out = append(out, n)
		}
	}
	return out
}

func sortedUniqueInts(ids []int) []int {
	s := append([]int{}, ids...)
	sort.Ints(s)
	out := s[:0]
	for i, id := range s {
		if i == 0 || id != s[i-1] {
			out = append(out, id)
		}
	}
	return out
}
