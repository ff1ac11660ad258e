package hygiene

import (
	"fmt"
	"strconv"
	"time"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

// Report is everything a run learned and did; the outputs are views of it.
type Report struct {
	Policy  Policy
	Started time.Time

	// Read is set once the portal was read completely.
	Read   bool
	Users  []lm.User
	Groups []lm.Group
	Roles  []lm.Role

	SuspendPlan *suspend.Plan
	AssignPlan  *assign.Plan
	// UndoOf is the run an undo puts back (Runner.Undo); empty for a run
	// of the policy. Undo holds its decision on each user of that run.
	UndoOf  string
	Undo    []UndoDecision
	Changes []*Change
	// Findings are the settings that name nothing in the portal.
	Findings []Finding

	// memory is what the state remembered of each user before this run.
	memory map[int]suspend.Memory
	// memoryLost is set when the memory could not be read: the run planned
	// from an empty memory and records nothing.
	memoryLost bool
	// StateOK is false only when a state file was asked for and could not be
	// opened, read or written; --state off, bad configuration, an unreadable
	// portal and a lock not obtained leave it true.
	StateOK bool
	// RunID is the journal's id of an applying run with state.
	RunID string

	GroupsCreated []lm.Group
	GroupsFailed  []string // names
	GroupsPlanned []string // plan mode: would be created

	// ReadTook is how long reading the portal took.
	ReadTook time.Duration
	// BudgetExhausted is set when the time budget kept planned changes from
	// being made: reading left too little time to write, or the writes ran
	// out of it.
	BudgetExhausted bool

	// Failure is why the run could not complete; nil when it did.
	Failure error
}

// Failed is the report of a run that stopped before reading the portal: the
// state was not the fault, so state_ok is 1.
func Failed(p Policy, err error) *Report { return &Report{Policy: p, Failure: err, StateOK: true} }

// A Finding is a setting that names something the portal does not have.
type Finding struct {
	Setting string // the flag, e.g. "--protect-users"
	Entry   string // the entry as the setting gives it
	Problem string // what is wrong
	Fix     string // what to do
}

// Line is the finding in one line: the setting, the entry, what is wrong and
// the fix.
func (f Finding) Line() string {
	return fmt.Sprintf("%s %s %s: %s", f.Setting, strconv.Quote(f.Entry), f.Problem, f.Fix)
}

// findSettingMisses checks every setting that names users, roles or groups
// against what the run read, whatever the command: a typo in a break-glass
// entry must be loud long before the account is due.
func (r *Report) findSettingMisses() {
	for _, f := range suspend.SettingFindings(r.Users, r.Roles, r.Policy.Suspend) {
		r.Findings = append(r.Findings, Finding(f))
	}
	for _, f := range assign.SettingFindings(r.Groups, r.Roles, r.Policy.Assign) {
		r.Findings = append(r.Findings, Finding(f))
	}
}

// unreadable counts the users that could not be read with confidence.
func (r *Report) unreadable() int {
	n := 0
	for i := range r.Users {
		if r.Users[i].Unreadable != "" {
			n++
		}
	}
	return n
}

// Stats are the figures of a run that vary from run to run; the harness
// measures them around the run.
type Stats struct {
	Requests, Retries int64
	Duration          time.Duration
}
