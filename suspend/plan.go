// Package suspend is the inactivity policy: it decides which active users have
// been idle too long and must be suspended and moved to the suspended group,
// and which suspended users sit outside that group. Planning is pure.
package suspend

import (
	"cmp"
	"time"

	"lm-user-hygiene/lm"
)

// Activity signals.
const (
	ActivityAny   = "any"   // latest of UI login, last action, last access, API-token use
	ActivityLogin = "login" // UI login only
)

// Never-logged-in policies.
const (
	NeverLoggedInSkip    = "skip"
	NeverLoggedInSuspend = "suspend"
	// NeverLoggedInFirstSeen suspends a user with no activity at all once the
	// tool first saw it more than InactiveDays ago (warned before). It needs
	// state: without it, it acts as skip.
	NeverLoggedInFirstSeen = "first-seen"
)

// DefaultWarnDays is --warn-days when it is not set. The zero value of
// Options.WarnDays means off.
const DefaultWarnDays = 14

// Options is the suspend policy in force.
type Options struct {
	InactiveDays    int      `json:"inactive_days"`
	Activity        string   `json:"activity"`
	SuspendedGroup  string   `json:"suspended_group"`
	ProtectUsers    []string `json:"protect_users"` // usernames, else globs (see MatchEntry), case-insensitive
	ProtectRoles    []string `json:"protect_roles"`
	MinAdmins       int      `json:"min_admins"`
	AdminRoles      []string `json:"admin_roles"`
	IncludeAPIUsers bool     `json:"include_api_users"`
	NeverLoggedIn   string   `json:"never_logged_in"`
	// WarnDays (--warn-days) is the notice: a user idle for longer than
	// InactiveDays-WarnDays is upcoming and, with state, is suspended only
	// once it has been upcoming for WarnDays. 0 = off (no upcoming users and
	// no grace).
	WarnDays          int     `json:"warn_days"`
	MaxSuspendPercent float64 `json:"max_suspend_percent"`
	// TokenAccessID is the access id of the LMv1 token the run uses; the user
	// holding it is never suspended. Empty with a bearer token.
	TokenAccessID string `json:"-"`
}

// Clock is when the rules are evaluated.
type Clock struct {
	// Now is the moment the rules are evaluated at: the time of the run, or
	// the end of the --as-of day (UTC).
	Now time.Time
	// Today is the real time of this run (zero: Now). With --as-of the plan
	// is as if the tool ran every day from Today until Now.
	Today time.Time
}

// Memory is what the tool remembers of one user between runs; a zero time is
// "not recorded".
type Memory struct {
	// FirstSeen is when the tool first saw the user: the clock of
	// --never-logged-in=first-seen.
	FirstSeen time.Time
	// FirstWarned is when the user became upcoming (the notice began); the
	// grace counts from it.
	FirstWarned time.Time
	// Reactivated is when the tool first saw the user active in the
	// suspended group (or when undo made it active): its inactivity counts
	// from then.
	Reactivated time.Time
}

// Action is what the plan does to a user.
type Action string

const (
	ActionNone    Action = "none"
	ActionSuspend Action = "suspend" // status=suspended and groups=[suspended group]
	ActionMove    Action = "move"    // already suspended: groups=[suspended group]
)

// Outcome says why a user got its action.
type Outcome string

const (
	OutcomeInactive         Outcome = "inactive"          // idle past the cutoff: suspend
	OutcomeRecentlyActive   Outcome = "recently_active"   // activity after the cutoff
	OutcomeProtectedUser    Outcome = "protected_user"    // matches --protect-users
	OutcomeProtectedRole    Outcome = "protected_role"    // holds a --protect-roles role
	OutcomeTokenOwner       Outcome = "token_owner"       // owns the API token of this run
	OutcomeAPIOnly          Outcome = "api_only"          // API-only user, not included
	OutcomeFutureActivity   Outcome = "future_activity"   // a timestamp more than a day ahead
	OutcomeNeverLoggedIn    Outcome = "never_logged_in"   // no activity at all, --never-logged-in=skip
	OutcomeAdminGuard       Outcome = "admin_guard"       // kept to hold --min-admins
	OutcomeAlreadySuspended Outcome = "already_suspended" // suspended and only in the suspended group
	OutcomeOutsideGroup     Outcome = "outside_group"     // suspended but in other groups: move
	// OutcomeUpcoming is idle past InactiveDays-WarnDays: suspended on
	// Decision.SuspendOn unless active before. With state it also covers a
	// user past the cutoff whose notice has not yet run WarnDays.
	OutcomeUpcoming Outcome = "upcoming"
	// OutcomeExempt is exempted by an lmuh:exempt tag in its note and would
	// otherwise be upcoming or suspended.
	OutcomeExempt Outcome = "exempt"
	// OutcomeReactivated is active but in the suspended group: a person
	// reactivated it, and this run does not suspend it.
	OutcomeReactivated Outcome = "reactivated"
	// OutcomeUnknownStatus is a status the API does not document: left alone.
	OutcomeUnknownStatus Outcome = "unknown_status"
	// OutcomeUnreadable is a user that could not be read with confidence
	// (lm.User.Unreadable): never suspended or moved, never counted by the
	// breaker.
	OutcomeUnreadable Outcome = "unreadable"
	// OutcomeNoRoles is a user whose roles are an empty list: readable, but
	// never changed (a change carries the user's roles, and an empty list
	// could take them away), never counted by the breaker.
	OutcomeNoRoles Outcome = "no_roles"
)

// Activity signal names, as they appear in Decision.Signal and in reasons.
const (
	SignalLogin    = "login"
	SignalAction   = "action"
	SignalAccess   = "access"
	SignalAPIToken = "api_token"
)

// Decision is the plan for one user, with a reason a person can read.
type Decision struct {
	// User points into the users NewPlan was given, which it never modifies:
	// a copy per decision would double the users' memory (50,000 users).
	User    *lm.User
	Action  Action
	Outcome Outcome
	Reason  string
	// Signal names the latest activity signal ("login", "action", "access",
	// "api_token"), empty when there was none; LastActive is its time.
	Signal string
	// Groups is the complete desired group list of a suspend or move: the
	// suspended group's id when it exists (HasGroup), else empty and the
	// group must be created first (NewGroup).
	GroupIDs []int
	NewGroup string
	// Warning, when set, is a malformed exemption tag in the user's note,
	// for the run to warn about (the tag exempts).
	Warning string
	// times are LastActive, IdleSince, SuspendOn and Remember's three, each
	// in 12 bytes rather than a time.Time's 24: a plan holds one decision
	// per user (50,000 users).
	times instants
}

// LastActive is the time of the latest activity signal (Signal); zero when
// there was none.
func (d *Decision) LastActive() time.Time { return d.times.get(timeLastActive) }

// IdleSince is when the user's inactivity counts from: LastActive, or with
// state the day it was first seen reactivated when that is later, or for a
// user with no activity its first-seen day (first-seen) or the zero time
// (--never-logged-in=suspend). Zero for users the rules did not reach
// (unreadable, suspended, protected, ...).
func (d *Decision) IdleSince() time.Time { return d.times.get(timeIdleSince) }

// SuspendOn is, for an upcoming user, the moment from which a run suspends
// it unless it is active before.
func (d *Decision) SuspendOn() time.Time { return d.times.get(timeSuspendOn) }

// Remember is the memory the state should hold for this user after the run,
// whatever the run then applies. For an unreadable user it is the memory
// recorded before (its id may be wrong: store nothing).
func (d *Decision) Remember() Memory {
	return Memory{
		FirstSeen:   d.times.get(timeFirstSeen),
		FirstWarned: d.times.get(timeFirstWarned),
		Reactivated: d.times.get(timeReactivated),
	}
}

// The times a Decision holds, as indexes into its instants.
const (
	timeLastActive = iota
	timeIdleSince
	timeSuspendOn
	timeFirstSeen
	timeFirstWarned
	timeReactivated
	nTimes
)

// instants are times without their location (every reader formats them in
// UTC) or monotonic reading: seconds since January 1, year 1 UTC, so that
// the zero value is the zero time, and nanoseconds apart, so that the
// seconds of all of them pack without padding. Every time.Time fits, and
// comparing (sec, nsec) orders as time.Time.Compare does.
type instants struct {
	sec  [nTimes]int64
	nsec [nTimes]int32
}

// unixToInternal is the zero time's Unix seconds, negated: the seconds from
// January 1, year 1 to 1970 (as the time package counts them).
const unixToInternal int64 = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 24 * 60 * 60

func (in *instants) set(i int, t time.Time) {
	if t.IsZero() {
		in.sec[i], in.nsec[i] = 0, 0
		return
	}
	in.sec[i], in.nsec[i] = t.Unix()+unixToInternal, int32(t.Nanosecond())
}

func (in *instants) get(i int) time.Time {
	if in.sec[i] == 0 && in.nsec[i] == 0 {
		return time.Time{}
	}
	return time.Unix(in.sec[i]-unixToInternal, int64(in.nsec[i])).UTC()
}

// compare orders the times i of two decisions as time.Time.Compare does.
func (in *instants) compare(other *instants, i int) int {
	if c := cmp.Compare(in.sec[i], other.sec[i]); c != 0 {
		return c
	}
	return cmp.Compare(in.nsec[i], other.nsec[i])
}

// Plan is the suspend step's decision over a whole portal.
type Plan struct {
	Now    time.Time // Clock.Now
	Today  time.Time // Clock.Today (Now when it was zero)
	Cutoff time.Time // Now - InactiveDays
	// Decisions holds one entry per user: suspensions first (oldest activity
	// first, never-active first of all, ties by username), then moves (by
	// username), then the rest (by username).
	Decisions []Decision
	// Considered is the breaker's denominator: active humans, plus active
	// API-only users when they are included; unreadable users and users
	// without roles never.
	Considered int
	// InactiveFound is the breaker's numerator (inactive_found): active users
	// past the cutoff after the exclusions (protected users and roles, token
	// owner, API-only unless included, future timestamps, exempt and
	// reactivated users, users without roles, never-logged-in users unless
	// --never-logged-in=suspend), before the admin guard and the cap. Users
	// held by the grace count: they look inactive, and the breaker judges the
	// data, not the notice.
	InactiveFound int
	// NoRoles counts OutcomeNoRoles decisions.
	NoRoles int
	// Upcoming counts OutcomeUpcoming decisions (suspend_upcoming).
	Upcoming int
	// ExemptSkipped counts OutcomeExempt decisions (exempt_skipped).
	ExemptSkipped int
	// Reactivated counts the active users found in the suspended group
	// (reactivated_kept): OutcomeReactivated, and those OutcomeNoRoles keeps.
	Reactivated int
	// Tripped is set when InactiveFound/Considered exceeds MaxSuspendPercent:
	// then the run must write nothing at all.
	Tripped    bool
	TripReason string
	// Unreadable counts users that could not be read (OutcomeUnreadable).
	Unreadable int
	// GroupID is the suspended group's id when HasGroup; HasGroup is false
	// when the group does not exist yet (0 is a group's id like any other).
	GroupID  int
	HasGroup bool
}
