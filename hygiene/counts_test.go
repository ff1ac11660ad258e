package hygiene

import (
	"testing"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

// TestWhatTheCountsCount holds the counts to DESIGN's "What the counts
// mean" and the breaker's numerator: inactive_found is every active user
// past the cutoff after the exclusions, grace and the admin guard
// included; pending is what the cap leaves over, in plan mode too, and
// nothing of a refused run. The portal has four users idle for a year and
// one active an hour ago.
func TestWhatTheCountsCount(t *testing.T) {
	admins := func(p *fakePortal) {
		p.roles = append(p.roles, lm.Role{ID: 8, Name: "administrator"})
		for i := range 4 {
			p.users[i].Roles = []lm.Role{{ID: 8, Name: "administrator"}}
		}
	}
	neverLoggedIn := func(p *fakePortal) {
		p.users = append(p.users, lm.User{ID: 300, Username: "never", Status: lm.StatusActive,
			Roles: []lm.Role{{ID: 7, Name: "readonly"}}, GroupIDs: []int{2}})
	}
	tests := []struct {
		rule   string
		portal func(*fakePortal)
		policy func(*Policy)
		memory bool
		// want: inactive_found, suspend_planned, protected_skipped, pending.
		inactive, planned, protected, pending int
	}{
		{rule: "inactive_found counts the idle active users", inactive: 4, planned: 4},
		{rule: "users held by grace are inactive all the same", memory: true,
			policy: func(p *Policy) { p.Suspend.WarnDays = 14 }, inactive: 4},
		{rule: "admins the guard keeps are inactive all the same", portal: admins,
			policy:   func(p *Policy) { p.Suspend.MinAdmins, p.Suspend.AdminRoles = 1, []string{"administrator"} },
			inactive: 4, planned: 3, protected: 1},
		{rule: "protected users are not inactive", policy: func(p *Policy) { p.Suspend.ProtectUsers = []string{"usera"} },
			inactive: 3, planned: 3, protected: 1},
		{rule: "never-logged-in users are not inactive unless they are suspended for it", portal: neverLoggedIn,
			inactive: 4, planned: 4},
		{rule: "never-logged-in users suspended for it are inactive", portal: neverLoggedIn,
			policy: func(p *Policy) { p.Suspend.NeverLoggedIn = suspend.NeverLoggedInSuspend }, inactive: 5, planned: 5},
		{rule: "pending is what the cap leaves", policy: func(p *Policy) { p.MaxChanges = 1 }, inactive: 4, planned: 4, pending: 3},
		{rule: "pending is what the cap would leave in plan mode", policy: func(p *Policy) { p.MaxChanges, p.Apply = 1, false },
			inactive: 4, planned: 4, pending: 3},
		{rule: "a refused run's changes are not pending", policy: func(p *Policy) { p.MaxChanges, p.Suspend.MaxSuspendPercent = 1, 10 },
			inactive: 4, planned: 4},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			p := idlePortal(4)
			if tt.portal != nil {
				tt.portal(p)
			}
			pol := testPolicy()
			if tt.policy != nil {
				tt.policy(&pol)
			}
			rn := testRunner(p)
			if tt.memory {
				rn.Memory, rn.MemoryOK = &fakeMemory{}, true
			}
			c := rn.Run(t.Context(), pol).Counts(Stats{})
			got := [4]int{c.InactiveFound, c.Planned[KindSuspend], c.ProtectedSkipped, c.Pending}
			if want := [4]int{tt.inactive, tt.planned, tt.protected, tt.pending}; got != want {
				t.Errorf("inactive_found, suspend_planned, protected_skipped, pending = %v, want %v", got, want)
			}
		})
	}
}
