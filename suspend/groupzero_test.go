package suspend

import (
	"slices"
	"testing"

	"lm-user-hygiene/lm"
)

// TestSuspendedGroupWithIDZero: a suspended group whose id is 0 is a group
// like any other. Users already only in it are done, an active user in it
// was reactivated, and a suspension targets it rather than creating it.
func TestSuspendedGroupWithIDZero(t *testing.T) {
	zero := []lm.Group{{ID: 0, Name: "Suspended"}, {ID: staffID, Name: "Staff"}}
	users := withIDs([]lm.User{
		user("done", suspended(), groups(0), login(secs(200*day1))),
		user("outside", suspended(), groups(staffID)),
		user("reactivated", groups(0, staffID), login(secs(200*day1))),
		user("idle", login(secs(200*day1))),
		user("fresh", login(secs(1*day1))),
	})
	opts := defaultOptions()
	opts.MaxSuspendPercent = 100
	plan := NewPlan(users, zero, opts, Clock{Now: now}, nil)
	if !plan.HasGroup || plan.GroupID != 0 {
		t.Fatalf("HasGroup %v, GroupID %d: want the group with id 0 found", plan.HasGroup, plan.GroupID)
	}
	got := byUsername(t, plan, len(users))
	tests := []struct {
		user    string
		action  Action
		outcome Outcome
	}{
		{"done", ActionNone, OutcomeAlreadySuspended},
		{"outside", ActionMove, OutcomeOutsideGroup},
		{"reactivated", ActionNone, OutcomeReactivated},
		{"idle", ActionSuspend, OutcomeInactive},
		{"fresh", ActionNone, OutcomeRecentlyActive},
	}
	for _, tt := range tests {
		d := got[tt.user]
		if d.Action != tt.action || d.Outcome != tt.outcome {
			t.Errorf("%s: %s/%s, want %s/%s (%s)", tt.user, d.Action, d.Outcome, tt.action, tt.outcome, d.Reason)
		}
		if d.Action != ActionNone && (d.NewGroup != "" || !slices.Equal(d.GroupIDs, []int{0})) {
			t.Errorf("%s: groups %v, new group %q: want [0] and nothing to create", tt.user, d.GroupIDs, d.NewGroup)
		}
	}

	// Without the group, nothing stands for it: the group is created first.
	plan = NewPlan(users, zero[1:], opts, Clock{Now: now}, nil)
	if plan.HasGroup {
		t.Fatalf("HasGroup with no suspended group")
	}
	if d := byUsername(t, plan, len(users))["idle"]; d.NewGroup != "Suspended" || len(d.GroupIDs) != 0 {
		t.Errorf("idle: groups %v, new group %q: want none and Suspended", d.GroupIDs, d.NewGroup)
	}
}
