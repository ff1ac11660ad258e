package hygiene

import "lm-user-hygiene/lm"

// Kind is what a user change does. The order of the constants is the order a
// run makes them in.
type Kind int

const (
	// KindSuspend sets status=suspended and groups=[suspended group].
	KindSuspend Kind = iota
	// KindMove replaces a suspended user's groups by the suspended group.
	KindMove
	// KindRegroup gives a fresh user the groups of its roles.
	KindRegroup
	// KindRestore puts a user back to its status and groups before an
	// earlier run (undo). It has no datapoints of its own: an undo's
	// datasource output keeps pending and errors, and the json output
	// lists each restore.
	KindRestore
	numKinds
)

var kindNames = [numKinds]string{KindSuspend: "suspend", KindMove: "move", KindRegroup: "regroup", KindRestore: "restore"}

// String is the kind as logs and the json output spell it.
func (k Kind) String() string { return kindNames[k] }

// Result is what became of a change.
type Result int

const (
	// resultNone is a change not yet decided on.
	resultNone Result = iota
	// ResultPlanned is a change a plan run would make.
	ResultPlanned
	ResultApplied
	ResultFailed
	// ResultPending is a change over --max-changes or the time budget: the
	// next run makes it.
	ResultPending
	// ResultBlocked is a change of a refused run: nothing is written.
	ResultBlocked
)

var resultNames = [...]string{resultNone: "", ResultPlanned: "planned", ResultApplied: "applied",
	ResultFailed: "failed", ResultPending: "pending", ResultBlocked: "blocked"}

// String is the result as logs and the json output spell it.
func (r Result) String() string { return resultNames[r] }

// Change is one user PATCH the run plans or makes.
type Change struct {
	Kind Kind
	// User points into Report.Users, as the plans do; never written.
	User   *lm.User
	Status string
	// GroupIDs are the existing groups of the desired list.
	GroupIDs []int
	// NewGroups are groups to create first, then add; shared between
	// changes, never written.
	NewGroups []string
	Reason    string

	Result Result
	Err    error
	// After is the user as the portal answered the PATCH; nil until applied.
	After *lm.User
}
