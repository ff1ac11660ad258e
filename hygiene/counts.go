package hygiene

import (
	"strconv"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

// Counts are a run's figures: what the datasource output prints and the
// DataSource graphs and alerts on. Counts a run did not reach are 0.
type Counts struct {
	RunSuccess, DryRun, BreakerTripped int
	UsersTotal, UsersActive            int
	UsersSuspended, UsersAPIOnly       int
	InactiveFound                      int
	// Planned and Applied are per change kind.
	Planned, Applied [numKinds]int
	GroupsCreated    int
	Unmapped         int
	ProtectedSkipped int
	NeverLoggedIn    int
	FutureActivity   int
	Pending, Errors  int
	Stats

	UsersUnreadable  int
	AssignOutOfScope int
	ReactivatedKept  int
	SuspendUpcoming  int
	ExemptSkipped    int
	StateOK          int
	BudgetExhausted  int
	ConfigWarnings   int
}

// A Datapoint is one key of the datasource output. Its name is written here
// once, beside its meaning; the order of Datapoints is the output's order,
// which never changes: new datapoints are appended.
type Datapoint struct {
	Name, Help string
	value      func(*Counts) string
}

// Datapoints are the datasource output's keys in their fixed order. The
// DataSource definitions in dist/logicmodules have one datapoint per key.
var Datapoints = []Datapoint{
	{"run_success", "1 when the run completed (per-user failures are counted in errors)", count(func(c *Counts) int { return c.RunSuccess })},
	{"dry_run", "1 when the run only planned (no --apply)", count(func(c *Counts) int { return c.DryRun })},
	{"breaker_tripped", "1 when too many users looked inactive: nothing was written", count(func(c *Counts) int { return c.BreakerTripped })},
	{"users_total", "users read", count(func(c *Counts) int { return c.UsersTotal })},
	{"users_active", "users with status active", count(func(c *Counts) int { return c.UsersActive })},
	{"users_suspended", "users with status suspended", count(func(c *Counts) int { return c.UsersSuspended })},
	{"users_api_only", "API-only users", count(func(c *Counts) int { return c.UsersAPIOnly })},
	{"inactive_found", "users the inactivity rule would suspend (the breaker's numerator)", count(func(c *Counts) int { return c.InactiveFound })},
	{"suspend_planned", "suspensions the rules call for", count(func(c *Counts) int { return c.Planned[KindSuspend] })},
	{"suspend_applied", "suspensions made", count(func(c *Counts) int { return c.Applied[KindSuspend] })},
	{"move_planned", "suspended users to move into the suspended group", count(func(c *Counts) int { return c.Planned[KindMove] })},
	{"move_applied", "moves made", count(func(c *Counts) int { return c.Applied[KindMove] })},
	{"assign_planned", "fresh users to regroup by role", count(func(c *Counts) int { return c.Planned[KindRegroup] })},
	{"assign_applied", "regroups made", count(func(c *Counts) int { return c.Applied[KindRegroup] })},
	{"groups_created", "user groups created", count(func(c *Counts) int { return c.GroupsCreated })},
	{"unmapped", "users to regroup none of whose roles maps to a group", count(func(c *Counts) int { return c.Unmapped })},
	{"protected_skipped", "inactive users spared by a protection (user, role, token owner, admin guard)", count(func(c *Counts) int { return c.ProtectedSkipped })},
	{"never_logged_in", "users with no activity at all", count(func(c *Counts) int { return c.NeverLoggedIn })},
	{"future_activity", "users with a timestamp more than a day ahead: never suspended", count(func(c *Counts) int { return c.FutureActivity })},
	{"pending", "planned changes not made this run: the next run makes them", count(func(c *Counts) int { return c.Pending })},
	{"errors", "changes and group creations that failed", count(func(c *Counts) int { return c.Errors })},
	{"api_requests", "requests sent to the portal", func(c *Counts) string { return strconv.FormatInt(c.Requests, 10) }},
	{"api_retries", "requests sent again", func(c *Counts) string { return strconv.FormatInt(c.Retries, 10) }},
	{"duration_seconds", "the run's wall time", func(c *Counts) string { return strconv.FormatFloat(c.Duration.Seconds(), 'f', 3, 64) }},
	{"users_unreadable", "users that could not be read with confidence: left alone", count(func(c *Counts) int { return c.UsersUnreadable })},
	{"assign_out_of_scope", "ungrouped active users left alone because of --assign-scope", count(func(c *Counts) int { return c.AssignOutOfScope })},
	{"reactivated_kept", "active users found in the suspended group (reactivated by a person): not suspended again", count(func(c *Counts) int { return c.ReactivatedKept })},
	{"suspend_upcoming", "users warned: suspended after --warn-days unless active", count(func(c *Counts) int { return c.SuspendUpcoming })},
	{"exempt_skipped", "users exempt by a note tag that would otherwise be upcoming or suspended", count(func(c *Counts) int { return c.ExemptSkipped })},
	{"state_ok", "0 when the state file asked for could not be opened, read or written (it is then moved aside, or read as an empty memory, or left as it was): never a reason to suspend sooner", count(func(c *Counts) int { return c.StateOK })},
	{"budget_exhausted", "1 when the time budget kept planned changes from being made", count(func(c *Counts) int { return c.BudgetExhausted })},
	{"config_warnings", "settings that name no user, role or group in the portal", count(func(c *Counts) int { return c.ConfigWarnings })},
}

func count(f func(*Counts) int) func(*Counts) string {
	return func(c *Counts) string { return strconv.Itoa(f(c)) }
}

// Value is the datapoint's value in c, as the output prints it.
func (d Datapoint) Value(c *Counts) string { return d.value(c) }

// Counts computes the run's figures.
func (r *Report) Counts(st Stats) Counts {
	c := Counts{Stats: st}
	if r.Failure == nil {
		c.RunSuccess = 1
	}
	if !r.Policy.Apply {
		c.DryRun = 1
	}
	if r.StateOK {
		c.StateOK = 1
	}
	if r.BudgetExhausted {
		c.BudgetExhausted = 1
	}
	c.ConfigWarnings = len(r.Findings)
	if r.Read {
		c.UsersTotal = len(r.Users)
		c.UsersUnreadable = r.unreadable()
		for i := range r.Users {
			u := &r.Users[i]
			switch {
			case u.HasStatus(lm.StatusActive):
				c.UsersActive++
			case u.HasStatus(lm.StatusSuspended):
				c.UsersSuspended++
			}
			if u.APIOnly {
				c.UsersAPIOnly++
			}
		}
	}
	if sp := r.SuspendPlan; sp != nil {
		c.countSuspend(sp)
	}
	if ap := r.AssignPlan; ap != nil {
		c.Unmapped = ap.Unmapped
		c.AssignOutOfScope = ap.OutOfScope
		if r.SuspendPlan == nil {
			c.ReactivatedKept = ap.Reactivated
		}
	}
	for _, ch := range r.Changes {
		c.Planned[ch.Kind]++
		switch ch.Result {
		case ResultApplied:
			c.Applied[ch.Kind]++
		case ResultFailed:
			c.Errors++
		case ResultPending:
			c.Pending++
		}
	}
	c.GroupsCreated = len(r.GroupsCreated)
	c.Errors += len(r.GroupsFailed)
	return c
}

func (c *Counts) countSuspend(sp *suspend.Plan) {
	c.InactiveFound = sp.InactiveFound
	c.SuspendUpcoming = sp.Upcoming
	c.ExemptSkipped = sp.ExemptSkipped
	c.ReactivatedKept = sp.Reactivated
	if sp.Tripped {
		c.BreakerTripped = 1
	}
	for i := range sp.Decisions {
		d := &sp.Decisions[i]
		if sp.Protects(d) {
			c.ProtectedSkipped++
		}
		switch d.Outcome {
		case suspend.OutcomeFutureActivity:
			c.FutureActivity++
		case suspend.OutcomeNeverLoggedIn:
			c.NeverLoggedIn++
		case suspend.OutcomeInactive:
			if d.LastActive().IsZero() {
				c.NeverLoggedIn++
			}
		}
	}
}
