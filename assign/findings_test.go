package assign

import (
	"reflect"
	"testing"

	"lm-user-hygiene/lm"
)

func TestSettingFindings(t *testing.T) {
	tests := []struct {
		name   string
		opts   func(*Options)
		roles  []lm.Role // nil: testRoles
		noRole bool      // the role list was not read
		want   []string  // entry: problem
	}{
		{
			name: "finds nothing when every pair names a role and an existing group",
			want: nil,
		},
		{
			name: "reports a pair whose role is no role",
			opts: func(o *Options) {
				o.RoleGroups = map[string]string{"netop": "Network Operations", "readonly": "Viewers"}
			},
			want: []string{`netop=Network Operations: role "netop" is no role in the portal`},
		},
		{
			name: "reports a pair whose group does not exist while --create-groups is off",
			opts: func(o *Options) { o.RoleGroups = map[string]string{"billing": "Finance", "readonly": "viewers"} },
			want: []string{`billing=Finance: group "Finance" does not exist and --create-groups is off`},
		},
		{
			name: "a missing group is no finding with --create-groups",
			opts: func(o *Options) {
				o.RoleGroups = map[string]string{"billing": "Finance"}
				o.CreateGroups = true
			},
			want: nil,
		},
		{
			name: "a pair with no role and no group is reported once, for the role",
			opts: func(o *Options) { o.RoleGroups = map[string]string{"ghost": "Nowhere"} },
			want: []string{`ghost=Nowhere: role "ghost" is no role in the portal`},
		},
		{
			name:   "role names are not checked when the role list was not read",
			opts:   func(o *Options) { o.RoleGroups = map[string]string{"ghost": "Viewers", "billing": "Finance"} },
			noRole: true,
			want:   []string{`billing=Finance: group "Finance" does not exist and --create-groups is off`},
		},
		{
			name: "findings are sorted by role and compare names case-insensitively",
			opts: func(o *Options) {
				o.RoleGroups = map[string]string{"zeta": "Viewers", "NETOPS": "network operations", "alpha": "Viewers"}
			},
			want: []string{
				`alpha=Viewers: role "alpha" is no role in the portal`,
				`zeta=Viewers: role "zeta" is no role in the portal`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			roles := testRoles
			if tc.noRole {
				roles = nil
			}
			var got []string
			for _, f := range SettingFindings(testGroups, roles, opts) {
				if f.Setting != "--role-groups" || f.Fix == "" {
					t.Errorf("finding %+v: wrong setting or no fix", f)
				}
				got = append(got, f.Entry+": "+f.Problem)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("findings\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
