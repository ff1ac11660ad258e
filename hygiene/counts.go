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
	// Name is the key; Help says what it counts, for the docs (docs/outputs.md
	// is written from it) and the DataSources' datapoint descriptions.
	Name, Help string
	value      func(*Counts) string
}

// Datapoints are the datasource output's keys in their fixed order. The
// DataSource definitions in dist/logicmodules have one datapoint per key.
var Datapoints = []Datapoint{
	{"run_success", "1 when the run completed, even if some user changes failed (those are errors); 0 when it could not: the portal unreachable, credentials refused, data suspect, a systemic stop or bad configuration. The binary's stderr says why.", count(func(c *Counts) int { return c.RunSuccess })},
	{"dry_run", "1 when the run only planned (no --apply: lmuh.apply is not true); 0 when it applied changes.", count(func(c *Counts) int { return c.DryRun })},
	{"breaker_tripped", "1 when more than --max-suspend-percent of the active users the step considers looked inactive: the data is suspect, nothing at all was written and the run failed.", count(func(c *Counts) int { return c.BreakerTripped })},
	{"users_total", "Users read from the portal.", count(func(c *Counts) int { return c.UsersTotal })},
	{"users_active", "Users whose status is active.", count(func(c *Counts) int { return c.UsersActive })},
	{"users_suspended", "Users whose status is suspended.", count(func(c *Counts) int { return c.UsersSuspended })},
	{"users_api_only", "API-only users (users who never use the UI).", count(func(c *Counts) int { return c.UsersAPIOnly })},
	{"inactive_found", "Active users past the inactivity cutoff after the exclusions (protected users and roles, the token's owner, API-only users unless included, future timestamps, exempt and reactivated users, never-logged-in users unless --never-logged-in suspend), those held by notice included, before the admin guard and the per-run cap: the breaker's numerator.", count(func(c *Counts) int { return c.InactiveFound })},
	{"suspend_planned", "Suspensions the rules call for this run.", count(func(c *Counts) int { return c.Planned[KindSuspend] })},
	{"suspend_applied", "Suspensions made.", count(func(c *Counts) int { return c.Applied[KindSuspend] })},
	{"move_planned", "Suspended users the rules move into the suspended group this run.", count(func(c *Counts) int { return c.Planned[KindMove] })},
	{"move_applied", "Suspended users moved into the suspended group.", count(func(c *Counts) int { return c.Applied[KindMove] })},
	{"assign_planned", "Ungrouped users (and users a person reactivated) the rules regroup by role this run.", count(func(c *Counts) int { return c.Planned[KindRegroup] })},
	{"assign_applied", "Users regrouped by role.", count(func(c *Counts) int { return c.Applied[KindRegroup] })},
	{"groups_created", "User groups created by this run.", count(func(c *Counts) int { return c.GroupsCreated })},
	{"unmapped", "Users to regroup none of whose roles maps to a group: left alone.", count(func(c *Counts) int { return c.Unmapped })},
	{"protected_skipped", "Inactive users spared by a protection: a protected user or role, the token's owner, or the admin guard.", count(func(c *Counts) int { return c.ProtectedSkipped })},
	{"never_logged_in", "Active users with no activity at all.", count(func(c *Counts) int { return c.NeverLoggedIn })},
	{"future_activity", "Users with an activity time more than a day ahead of the clock: never suspended on that data.", count(func(c *Counts) int { return c.FutureActivity })},
	{"pending", "Planned changes left for the next run by the cap (--max-changes), the time budget, a closed rate-limit window or a systemic stop; in plan mode, those the cap would leave; 0 when the run was refused.", count(func(c *Counts) int { return c.Pending })},
	{"errors", "User changes and group creations the portal refused or answered not as asked.", count(func(c *Counts) int { return c.Errors })},
	{"api_requests", "REST API requests the run sent.", func(c *Counts) string { return strconv.FormatInt(c.Requests, 10) }},
	{"api_retries", "REST API requests sent again (rate limit, 502/503/504, network errors).", func(c *Counts) string { return strconv.FormatInt(c.Retries, 10) }},
	{"duration_seconds", "The run's wall time in seconds.", func(c *Counts) string { return strconv.FormatFloat(c.Duration.Seconds(), 'f', 3, 64) }},
	{"users_unreadable", "Users that could not be read with confidence, left alone: a status other than active or suspended, roles or adminGroupIds null, absent or not a list, no usable id. More than 5% refuses the run.", count(func(c *Counts) int { return c.UsersUnreadable })},
	{"assign_out_of_scope", "Ungrouped active users left alone because --assign-scope sso does not count them as created by SSO.", count(func(c *Counts) int { return c.AssignOutOfScope })},
	{"reactivated_kept", "Active users found in the suspended group: reactivated by a person, never suspended by this run.", count(func(c *Counts) int { return c.ReactivatedKept })},
	{"suspend_upcoming", "Users with notice: suspended on the day the plan gives (after --warn-days of notice, with state) unless they are active before.", count(func(c *Counts) int { return c.SuspendUpcoming })},
	{"exempt_skipped", "Users exempt by an lmuh:exempt or lmuh:exempt-until tag in their note who would otherwise be upcoming or suspended.", count(func(c *Counts) int { return c.ExemptSkipped })},
	{"state_ok", "A flag: 0 only when the state file asked for could not be opened, read or written (auto with no cache directory included): a file that cannot be read is moved aside and a fresh one started, one that cannot be used at all is read as an empty memory (notice starts today, nothing recorded), a write that fails leaves the file as it was. 1 with --state off, bad configuration, an unreadable portal and a lock not obtained.", count(func(c *Counts) int { return c.StateOK })},
	{"budget_exhausted", "1 when --time-budget ran out before every planned change was made; the rest are pending.", count(func(c *Counts) int { return c.BudgetExhausted })},
	{"config_warnings", "Settings that name something the portal does not have: a --protect-users entry that matches no user, a --protect-roles or --admin-roles name that is no role, a --role-groups pair whose role or group does not exist.", count(func(c *Counts) int { return c.ConfigWarnings })},
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
