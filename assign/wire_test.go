package assign

import (
	"encoding/json"
	"regexp"
	"testing"
)

func TestOptionsWireForm(t *testing.T) {
	for _, tc := range []struct {
		rule string
		opts Options
		want string
	}{
		{"the role map is empty rather than null; run-time facts and the suspend step's group are left out",
			Options{Scope: ScopeSSO, UngroupedGroup: "Ungrouped", SuspendedGroup: "Suspended",
				Activity: "login"},
			`{"role_groups":{},"scope":"sso","ungrouped_group":"Ungrouped","create_groups":false}`},
		{"the role map by role, and --sso-created-by as written",
			Options{RoleGroups: map[string]string{"readonly": "Viewers", "netops": "Network Operations"}, Scope: ScopeAll,
				CreateGroups: true, SSOCreatedBy: regexp.MustCompile(`(?i)okta`)},
			`{"role_groups":{"netops":"Network Operations","readonly":"Viewers"},"scope":"all","ungrouped_group":"","create_groups":true,"sso_created_by":"(?i)okta"}`},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			b, err := json.Marshal(tc.opts)
			if err != nil || string(b) != tc.want {
				t.Errorf("wire form %s %v\nwant %s", b, err, tc.want)
			}
		})
	}
}
