package assign

import (
	"sort"
	"strconv"
	"strings"

	"lm-user-hygiene/lm"
)

// Finding is a setting that names something the portal does not have. The
// run goes on (a pair that maps nothing never makes the tool act on a user it
// would otherwise leave alone); the run warns once per finding, check lists
// it, and config_warnings counts it.
type Finding struct {
	Setting string // the flag: "--role-groups"
	Entry   string // the pair, role=Group
	Problem string // what is wrong
	Fix     string // what to do
}

// SettingFindings checks each --role-groups pair against what the run read:
// a role that is no role, or (when the role exists) a group that does not
// exist while --create-groups is off. roles is the portal's role list; nil
// means it was not read, and then role names are not checked. Findings are
// sorted by role.
func SettingFindings(groups []lm.Group, roles []lm.Role, opts Options) []Finding {
	keys := make([]string, 0, len(opts.RoleGroups))
	for k := range opts.RoleGroups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return nameLess(keys[i], keys[j]) })
	var out []Finding
	for _, role := range keys {
		group := opts.RoleGroups[role]
		entry := role + "=" + group
		role, group := strings.TrimSpace(role), strings.TrimSpace(group)
		switch {
		case roles != nil && !lm.RoleNamed(roles, role):
			out = append(out, Finding{
				Setting: "--role-groups", Entry: entry,
				Problem: "role " + strconv.Quote(role) + " is no role in the portal",
				Fix:     "correct the role to a name from the portal's roles, or remove the pair",
			})
		case !opts.CreateGroups && !hasGroup(groups, group):
			out = append(out, Finding{
				Setting: "--role-groups", Entry: entry,
				Problem: "group " + strconv.Quote(group) + " does not exist and --create-groups is off",
				Fix:     "create the group, correct the name to an existing group, or use --create-groups",
			})
		}
	}
	return out
}

func hasGroup(groups []lm.Group, name string) bool {
	_, ok := lm.FindGroup(groups, name)
	return ok
}
