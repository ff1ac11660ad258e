// Package suspend is the inactivity policy: it decides which active users have
// been idle too long and must be suspended and moved to the suspended group,
// and which suspended users sit outside that group. Planning is pure.
package suspend

import (
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
)

// Options is the suspend policy in force.
type Options struct {
	InactiveDays      int
	Activity          string
	SuspendedGroup    string
	ProtectUsers      []string // usernames, else globs (see MatchEntry), case-insensitive
	ProtectRoles      []string
	MinAdmins         int
	AdminRoles        []string
	IncludeAPIUsers   bool
	NeverLoggedIn     string
	MaxSuspendPercent float64
	// TokenAccessID is the access id of the LMv1 token the run uses; the user
	// holding it is never suspended. Empty with a bearer token.
	TokenAccessID string
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
	// OutcomeUnknownStatus is a status the API does not document: left alone.
	OutcomeUnknownStatus Outcome = "unknown_status"
	// OutcomeUnreadable is a user that could not be read with confidence
	// (lm.User.Unreadable): never suspended or moved, never counted by the
	// breaker.
	OutcomeUnreadable Outcome = "unreadable"
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
	Signal     string
	LastActive time.Time
	// Groups is the complete desired group list of a suspend or move: the
	// suspended group's id when it exists (GroupID != 0), else empty and the
	// group must be created first (NewGroup).
	GroupIDs []int
	NewGroup string
}

// Plan is the suspend step's decision over a whole portal.
type Plan struct {
	Now    time.Time
	Cutoff time.Time
	// Decisions holds one entry per user: suspensions first (oldest activity
	// first, never-active first of all, ties by username), then moves (by
	// username), then the rest (by username).
	Decisions []Decision
	// Considered is the breaker's denominator: active humans, plus active
	// API-only users when they are included; unreadable users never.
	Considered int
	// InactiveFound is the breaker's numerator: users the inactivity rule would
	// suspend after the exclusions, before the admin guard and the cap.
	InactiveFound int
	// Tripped is set when InactiveFound/Considered exceeds MaxSuspendPercent:
	// then the run must write nothing at all.
	Tripped    bool
	TripReason string
	// Unreadable counts users that could not be read (OutcomeUnreadable).
	Unreadable int
	// GroupID is the suspended group's id, 0 when it does not exist yet.
	GroupID int
}
