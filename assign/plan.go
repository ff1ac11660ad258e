// Package assign is the regroup policy: it moves fresh single-sign-on users out
// of the placeholder group into the groups that match their roles. Planning is
// pure.
package assign

import (
	"regexp"
	"time"

	"lm-user-hygiene/lm"
)

// Scopes.
const (
	ScopeSSO = "sso" // only users whose createdBy says single sign-on (SSOCreators)
	ScopeAll = "all" // every ungrouped user
)

// Options is the assign policy in force.
type Options struct {
	// RoleGroups maps a role name to a group name; names compare
	// case-insensitively. A role not listed maps to the group of its own name.
	RoleGroups     map[string]string `json:"role_groups"`
	Scope          string            `json:"scope"`
	UngroupedGroup string            `json:"ungrouped_group"`
	// SuspendedGroup is the suspend step's setting (suspend.Options), so
	// the wire form leaves it there.
	SuspendedGroup string `json:"-"`
	CreateGroups   bool   `json:"create_groups"`
	// SSOCreatedBy (--sso-created-by), when set, replaces the whole test of
	// which createdBy counts as SSO: a value matching it does, any other not.
	SSOCreatedBy *regexp.Regexp `json:"sso_created_by,omitempty"`
	// Activity is --activity as the suspend step reads it
	// (suspend.ActivityAny or suspend.ActivityLogin; empty: any).
	Activity string `json:"-"`
}

// Facts are what the run knows that no setting says; they are arguments of
// NewPlan, never part of the options.
type Facts struct {
	// HaveState tells whether the run keeps lifecycle memory. With it a
	// reactivated user is regrouped whatever its activity, since the memory
	// keeps the suspend step from suspending it again at once.
	HaveState bool
	// InactiveCutoff is the suspend step's cutoff: the rules' clock minus
	// --inactive-days, i.e. suspend.Plan.Cutoff (the run computes it the same
	// way when the suspend step does not run). Without state the suspended
	// group is the only memory of a reactivation, so a reactivated user whose
	// latest activity (by Activity) is before it keeps its groups until it
	// is active again. The zero time counts every reactivated user as idle:
	// without state and without a cutoff none is regrouped.
	InactiveCutoff time.Time
}

// Action is what the plan does to a user.
type Action string

const (
	ActionNone    Action = "none"
	ActionRegroup Action = "regroup"
)

// Outcome says why a user got its action.
type Outcome string

const (
	OutcomeRegroup     Outcome = "regroup"      // ungrouped user in scope: regroup by role
	OutcomeReactivated Outcome = "reactivated"  // active but still in the suspended group: regroup
	OutcomeGrouped     Outcome = "grouped"      // already in a real group
	OutcomeOutOfScope  Outcome = "out_of_scope" // ungrouped but not SSO-created, scope sso
	OutcomeUnmapped    Outcome = "unmapped"     // no role maps to an existing (or creatable) group
	OutcomeSuspended   Outcome = "suspended"    // suspended users are never touched
	OutcomeAPIOnly     Outcome = "api_only"     // API-only users are never touched
	OutcomeExcluded    Outcome = "excluded"     // being suspended by this run
	OutcomeUnreadable  Outcome = "unreadable"   // could not be read with confidence: never touched
	// OutcomeReactivatedKept is a reactivated user left in its groups: no
	// state, and its latest activity is before InactiveCutoff.
	OutcomeReactivatedKept Outcome = "reactivated_kept"
)

// Decision is the plan for one user, with a reason a person can read.
type Decision struct {
	// User points into the users NewPlan was given, which it never modifies:
	// a copy per decision would double the users' memory (50,000 users).
	User    *lm.User
	Action  Action
	Outcome Outcome
	Reason  string
	// GroupIDs is the complete desired list of existing groups (sorted);
	// NewGroups are groups to create first and add (sorted, --create-groups).
	GroupIDs  []int
	NewGroups []string
	// UnmappedRoles are the user's roles that map to no group (sorted).
	UnmappedRoles []string
}

// Plan is the assign step's decision over a whole portal.
type Plan struct {
	// Decisions holds one entry per user: regroups first, then the rest, each
	// by username.
	Decisions []Decision
	// Unmapped counts users in scope that were left alone because no role maps.
	Unmapped int
	// OutOfScope counts ungrouped active humans left alone because of
	// --assign-scope (OutcomeOutOfScope): the datapoint assign_out_of_scope.
	OutOfScope int
	// Unreadable counts users that could not be read (OutcomeUnreadable).
	Unreadable int
	// Reactivated counts every readable active user found in the suspended
	// group, whatever its outcome (as suspend.Plan.Reactivated).
	Reactivated int
}
