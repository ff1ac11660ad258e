package suspend

import (
	"testing"

	"lm-user-hygiene/lm"
)

func TestSpared(t *testing.T) {
	users := withIDs([]lm.User{
		user("breakglass", login(secs(200*day1))),
		user("breakglass-fresh", login(secs(1*day1))),
		user("auditor-idle", roles("auditor"), login(secs(200*day1))),
		user("owner-idle", token("run-id", secs(200*day1))),
		user("admin-last", roles("administrator"), login(secs(300*day1))),
		user("future", login(secs(-30*day1))),
		user("never"),
		user("idle", login(secs(200*day1))),
		user("fresh", login(secs(1*day1))),
	})
	opts := defaultOptions()
	opts.ProtectUsers = []string{"breakglass*"}
	opts.ProtectRoles = []string{"auditor"}
	opts.TokenAccessID = "run-id"
	plan := NewPlan(users, defaultGroups, opts, Clock{Now: now}, nil)
	got := byUsername(t, plan, len(users))
	for _, tc := range []struct {
		rule             string
		user             string
		protects, spares bool
	}{
		{"a protected user past the cutoff is spared by its protection", "breakglass", true, true},
		{"a protected user who is active is spared nothing", "breakglass-fresh", false, false},
		{"a protected role spares an idle holder", "auditor-idle", true, true},
		{"the token's owner is spared when idle", "owner-idle", true, true},
		{"the admin guard spares the last admin", "admin-last", true, true},
		{"a timestamp in the future spares the user, but no protection does", "future", false, true},
		{"no activity at all spares the user, but no protection does", "never", false, true},
		{"an idle user the rules suspend is not spared", "idle", false, false},
		{"an active user is not spared", "fresh", false, false},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			d := got[tc.user]
			if p := plan.Protects(&d); p != tc.protects {
				t.Errorf("%s (%s): Protects = %v, want %v", tc.user, d.Outcome, p, tc.protects)
			}
			if s := plan.Spares(&d); s != tc.spares {
				t.Errorf("%s (%s): Spares = %v, want %v", tc.user, d.Outcome, s, tc.spares)
			}
		})
	}
}
