package assign

import (
	"sort"

	"lm-user-hygiene/lm"
)

// RoleTarget is where the holders of one role are regrouped, resolved as
// the plan resolves it: --role-groups, else the role's own name, the group
// found by lm.FindGroup, and the groups a user is never moved "into".
type RoleTarget struct {
	Role string
	// Group is the group the role maps to, as the portal spells it when
	// the group exists.
	Group   string
	GroupID int
	// Found is set when the holders are regrouped into an existing group.
	Found bool
	// Create is set when the group is missing and --create-groups creates it.
	Create bool
	// Refused says why the holders are never moved into that group (the
	// placeholder group, the suspended group, a role without a name); empty
	// otherwise, also when the group is only missing.
	Refused string
}

// RoleTargets resolves each of the portal's roles, sorted by role name.
func RoleTargets(groups []lm.Group, roles []lm.Role, opts Options) []RoleTarget {
	p := newPlanner(groups, roles, opts, nil)
	out := make([]RoleTarget, 0, len(roles))
	for _, r := range roles {
		t := p.resolve(r)
		rt := RoleTarget{Role: t.role, Group: t.group, GroupID: t.groupID, Create: t.create}
		switch t.problem {
		case "":
			rt.Found = !t.create
		case problemMissing:
		default:
			rt.Refused = t.problem
		}
		out = append(out, rt)
	}
	sort.SliceStable(out, func(i, j int) bool { return nameLess(out[i].Role, out[j].Role) })
	return out
}
