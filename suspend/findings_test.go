package suspend

import (
	"reflect"
	"testing"

	"lm-user-hygiene/lm"
)

func TestSettingFindings(t *testing.T) {
	users := withIDs([]lm.User{
		user(`CORP\breakglass`),
		user("ops[1]@acme.com"),
		user("breakglass/eu@acme.com"),
		user("ann"),
	})
	portalRoles := []lm.Role{{ID: 1, Name: "administrator"}, {ID: 2, Name: "readonly"}, {ID: 3, Name: "Auditor"}}
	tests := []struct {
		name  string
		opts  func(*Options)
		roles []lm.Role
		want  []string // setting entry: problem
	}{
		{
			name: "finds nothing when every entry names something",
			opts: func(o *Options) {
				o.ProtectUsers = []string{`corp\BREAKGLASS`, "ops[1]@acme.com", "breakglass*"}
				o.ProtectRoles = []string{"auditor"}
			},
			roles: portalRoles,
		},
		{
			name:  "reports a --protect-users entry that matches no user",
			opts:  func(o *Options) { o.ProtectUsers = []string{"ann", "breakglas", "svc-*"} },
			roles: portalRoles,
			want: []string{
				"--protect-users breakglas: matches no user, neither as a username nor as a glob, so it protects no one",
				"--protect-users svc-*: matches no user, neither as a username nor as a glob, so it protects no one",
			},
		},
		{
			name: "reports a --protect-roles and an --admin-roles name that is no role",
			opts: func(o *Options) {
				o.ProtectRoles = []string{"Auditor", "breakglass"}
				o.AdminRoles = []string{"Administrators"}
			},
			roles: portalRoles,
			want: []string{
				"--protect-roles breakglass: is no role in the portal",
				"--admin-roles Administrators: is no role in the portal",
			},
		},
		{
			name:  "reports a repeated entry once",
			opts:  func(o *Options) { o.ProtectUsers = []string{"nobody", "NOBODY"}; o.ProtectRoles = []string{"x", "X"} },
			roles: portalRoles,
			want: []string{
				"--protect-users nobody: matches no user, neither as a username nor as a glob, so it protects no one",
				"--protect-roles x: is no role in the portal",
			},
		},
		{
			name: "does not check role names when the role list was not read",
			opts: func(o *Options) { o.ProtectRoles = []string{"breakglass"}; o.AdminRoles = []string{"nope"} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			var got []string
			for _, f := range SettingFindings(users, tt.roles, opts) {
				if f.Fix == "" {
					t.Errorf("finding %+v says not what to do", f)
				}
				got = append(got, f.Setting+" "+f.Entry+": "+f.Problem)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findings\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// A name that matches nothing never widens what the run does: the plan with a
// mistyped entry is the plan without it.
func TestSettingsThatNameNothingChangeNoDecision(t *testing.T) {
	users := withIDs([]lm.User{
		user("idle", login(secs(200*day1))),
		user("admin", login(secs(200*day1)), roles("administrator")),
		user("fresh", login(secs(1*day1))),
	})
	base := NewPlan(users, defaultGroups, defaultOptions(), Clock{Now: now}, nil)
	typo := defaultOptions()
	typo.ProtectUsers = []string{"idel", "nobody*"}
	typo.ProtectRoles = []string{"auditorr"}
	typo.AdminRoles = []string{"administrator", "admins"}
	got := NewPlan(users, defaultGroups, typo, Clock{Now: now}, nil)
	for i := range base.Decisions {
		b, g := base.Decisions[i], got.Decisions[i]
		if b.User != g.User || b.Action != g.Action || b.Outcome != g.Outcome {
			t.Errorf("%s: %s/%s with the typos, %s/%s without", b.User.Username, g.Action, g.Outcome, b.Action, b.Outcome)
		}
	}
}
