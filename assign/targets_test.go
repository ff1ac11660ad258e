package assign

import (
	"testing"

	"lm-user-hygiene/lm"
)

func TestRoleTargets(t *testing.T) {
	groups := append([]lm.Group{{ID: 3, Name: "VIEWERS"}, {ID: 21, Name: "Billing"}}, testGroups...)
	roles := []lm.Role{{ID: 1, Name: "netops"}, {ID: 2, Name: "readonly"}, {ID: 3, Name: "billing"}, {ID: 4, Name: "auditor"},
		{ID: 5, Name: "parking"}, {ID: 6, Name: "ungrouped"}, {ID: 7, Name: "suspended"}, {ID: 8, Name: "developers"}}
	opts := testOptions()
	opts.RoleGroups = map[string]string{"netops": "Network Operations", "readonly": "Viewers", "parking": "ungrouped"}
	got := map[string]RoleTarget{}
	var order []string
	for _, rt := range RoleTargets(groups, roles, opts) {
		got[rt.Role] = rt
		order = append(order, rt.Role)
	}
	for _, tc := range []struct {
		rule string
		role string
		want RoleTarget
	}{
		{"a role --role-groups maps goes to that group", "netops", RoleTarget{Role: "netops", Group: "Network Operations", GroupID: 10, Found: true}},
		{"the group spelled as the setting wins over one that differs in case", "readonly", RoleTarget{Role: "readonly", Group: "Viewers", GroupID: 11, Found: true}},
		{"a role not listed goes to the group of its own name, in any case", "billing", RoleTarget{Role: "billing", Group: "Billing", GroupID: 21, Found: true}},
		{"a missing group is not found and not refused", "auditor", RoleTarget{Role: "auditor", Group: "auditor"}},
		{"the placeholder group is refused", "parking", RoleTarget{Role: "parking", Group: "ungrouped", Refused: problemPlaceholder}},
		{"the placeholder group by the role's own name is refused", "ungrouped", RoleTarget{Role: "ungrouped", Group: "ungrouped", Refused: problemPlaceholder}},
		{"the suspended group is refused", "suspended", RoleTarget{Role: "suspended", Group: "suspended", Refused: problemSuspended}},
		{"the group is the portal's spelling", "developers", RoleTarget{Role: "developers", Group: "developers", GroupID: 13, Found: true}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if g := got[tc.role]; g != tc.want {
				t.Errorf("%s: %+v, want %+v", tc.role, g, tc.want)
			}
		})
	}
	t.Run("a missing group --create-groups creates is to be created", func(t *testing.T) {
		opts := opts
		opts.CreateGroups = true
		for _, rt := range RoleTargets(groups, roles, opts) {
			if rt.Role == "auditor" && (!rt.Create || rt.Found || rt.Refused != "") {
				t.Errorf("auditor: %+v, want to be created", rt)
			}
		}
	})
	t.Run("the roles are sorted by name", func(t *testing.T) {
		for i := 1; i < len(order); i++ {
			if nameLess(order[i], order[i-1]) {
				t.Errorf("roles out of order: %v", order)
			}
		}
	})
}
