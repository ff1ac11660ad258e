package suspend

import (
	"encoding/json"
	"testing"
)

func TestOptionsWireForm(t *testing.T) {
	for _, tc := range []struct {
		rule string
		opts Options
		want string
	}{
		{"lists are empty rather than null; run-time facts and the token are left out",
			Options{InactiveDays: 90, Activity: ActivityAny, SuspendedGroup: "Suspended", MinAdmins: 1, NeverLoggedIn: NeverLoggedInSkip,
				MaxSuspendPercent: 20, WarnDays: 14, TokenAccessID: "SECRET"},
			`{"inactive_days":90,"activity":"any","suspended_group":"Suspended","protect_users":[],"protect_roles":[],"min_admins":1,` +
				`"admin_roles":[],"include_api_users":false,"never_logged_in":"skip","warn_days":14,"max_suspend_percent":20}`},
		{"the settings are in the order a person reads them",
			Options{ProtectUsers: []string{"a*"}, ProtectRoles: []string{"r"}, AdminRoles: []string{"administrator"}, IncludeAPIUsers: true, MaxSuspendPercent: 12.5},
			`{"inactive_days":0,"activity":"","suspended_group":"","protect_users":["a*"],"protect_roles":["r"],"min_admins":0,` +
				`"admin_roles":["administrator"],"include_api_users":true,"never_logged_in":"","warn_days":0,"max_suspend_percent":12.5}`},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			b, err := json.Marshal(tc.opts)
			if err != nil || string(b) != tc.want {
				t.Errorf("wire form %s %v\nwant %s", b, err, tc.want)
			}
		})
	}
}
