package hygiene

import (
	"errors"
	"time"

	"lm-user-hygiene/suspend"
)

// Upcoming is a user the run's plan calls upcoming: it is suspended on
// SuspendOn unless it is active before. It is the notice the portal carries
// as an instance of the upcoming-users DataSource.
type Upcoming struct {
	ID       int
	Username string
	// Email is the user's e-mail as the portal gave it; empty when none.
	Email string
	// SuspendOn is the day of the suspension, midnight UTC: the day of the
	// plan's suspension time (the idle signal plus --inactive-days, with
	// state the later of that and first warned plus --warn-days).
	SuspendOn time.Time
	// LastActivity is the latest activity --activity counts; zero when the
	// user has none.
	LastActivity time.Time
	// DaysLeft is the days from today to SuspendOn, 0 when that is today or
	// past; IdleDays the days from the day the plan counts the inactivity
	// from (the latest activity, the reactivation, or first seen) to today.
	// Today is the plan's day (UTC): the run's, or the --as-of day.
	DaysLeft, IdleDays int
	// Reason is the plan's reason for the decision, word for word.
	Reason string
}

// errNoPlan is a report without a suspend plan: there is no list to give.
var errNoPlan = errors.New("the run made no suspend plan")

// UpcomingUsers lists the users the report's suspend plan decided are
// upcoming, in the plan's order (the outputs sort them by id): the same users, days and reasons as the plan (and
// suspend_upcoming), taken from its decisions, never decided again.
//
// A list is only given for a plan of the whole portal that the run would
// act on: a report that failed (the portal not read, or a read refused) or
// whose data is suspect (the breaker tripped, too many users unreadable: the
// run refused, so its Failure says so) returns why instead, never an empty list, because an empty list tells
// the portal that nobody is upcoming any more.
func (r *Report) UpcomingUsers() ([]Upcoming, error) {
	sp := r.SuspendPlan
	switch {
	case r.Failure != nil:
		return nil, r.Failure
	case !r.Read || sp == nil:
		return nil, errNoPlan
	}
	today := utcDay(sp.Now)
	out := make([]Upcoming, 0, sp.Upcoming)
	for i := range sp.Decisions {
		d := &sp.Decisions[i]
		if d.Outcome != suspend.OutcomeUpcoming {
			continue
		}
		on := utcDay(d.SuspendOn())
		since := d.IdleSince()
		if since.IsZero() {
			// --never-logged-in=suspend counts from no day at all; the
			// tool's own memory of the user is the longest idle it knows.
			since = d.Remember().FirstSeen
		}
		idle := 0
		if !since.IsZero() {
			idle = max(0, daysBetween(utcDay(since), today))
		}
		out = append(out, Upcoming{
			ID:           d.User.ID,
			Username:     d.User.Username,
			Email:        d.User.Email,
			SuspendOn:    on,
			LastActivity: d.LastActive(),
			DaysLeft:     max(0, daysBetween(today, on)),
			IdleDays:     idle,
			Reason:       d.Reason,
		})
	}
	return out, nil
}

// utcDay is the start (UTC) of t's UTC day.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// daysBetween is the calendar days from one UTC midnight to another (UTC
// has no daylight saving: every day is 24 hours).
func daysBetween(from, to time.Time) int {
	return int(to.Sub(from) / (24 * time.Hour))
}
