package hygiene

import (
	"errors"

	"lm-user-hygiene/state"
	"lm-user-hygiene/suspend"
)

// Memory is the lifecycle memory a run reads and records: what the portal
// forgets (first seen, first warned, first seen reactivated) and the journal
// of every change. *state.Store satisfies it.
type Memory interface {
	Users() (map[int]state.Record, error)
	SaveUsers(map[int]state.Record) error
	BeginRun(state.Run) error
	Intent(runID string, e state.Entry) (uint64, error)
	Outcome(runID string, seq uint64, o state.Outcome) error
}

var _ Memory = (*state.Store)(nil)

// recall reads what the state remembers of the users, once the portal has
// been read (a missing state file is made, and locked, now). Memory that
// cannot be read is an empty memory, a first run's: grace starts today and
// nothing is recorded, so that losing the state only delays suspensions.
// Another run holding the file stops this one.
func (rn *Runner) recall(r *Report) {
	if rn.Memory == nil {
		return
	}
	records, err := rn.Memory.Users()
	switch {
	case err == nil:
		r.memory = records
	case state.IsLocked(err):
		r.Failure = err
	default:
		r.StateOK, r.memoryLost = false, true
		r.memory = map[int]suspend.Memory{}
		rn.Log.WithField("error", err.Error()).Warn("the state file cannot be used: this run reads an empty memory (grace starts today) and records nothing")
	}
}

// remember records what the suspend plan says the state should hold of each
// user, in plan runs too (the plan is the notice). A run as of a later day
// records nothing: its dates have not happened; nor does a run whose memory
// was lost (it would start every user afresh). The map read before the plan
// is updated in place: at 50,000 users each copy of it is megabytes.
func (rn *Runner) remember(r *Report) {
	sp := r.SuspendPlan
	if rn.Memory == nil || r.memoryLost || sp == nil || !r.Policy.AsOf.IsZero() {
		return
	}
	records := r.memory
	if records == nil {
		records = make(map[int]suspend.Memory, len(sp.Decisions))
	}
	present := make(map[int]bool, len(sp.Decisions))
	for i := range sp.Decisions {
		d := &sp.Decisions[i]
		present[d.User.ID] = true
		// An unreadable user's id may be wrong: keep what was known,
		// learn nothing.
		if d.Outcome != suspend.OutcomeUnreadable {
			records[d.User.ID] = d.Remember()
		}
	}
	// The state forgets the users the portal no longer has.
	for id := range records {
		if !present[id] {
			delete(records, id)
		}
	}
	if err := rn.Memory.SaveUsers(records); err != nil {
		rn.stateFailed(r, "cannot record the users in the state file", err)
	}
}

// stateFailed notes that the state could not be written: the run goes on.
func (rn *Runner) stateFailed(r *Report, what string, err error) {
	r.StateOK = false
	rn.Log.WithField("error", err.Error()).Warn(what + "; the run goes on")
}

// journal is one run's record of its changes in the state file.
type journal struct {
	rn    *Runner
	r     *Report
	runID string
}

// beginJournal starts the journal of an applying run; nil without state.
func (rn *Runner) beginJournal(r *Report, kind, undoOf string) *journal {
	if rn.Memory == nil || r.memoryLost {
		return nil
	}
	run := state.Run{ID: state.NewRunID(r.Started), Kind: kind, Started: r.Started, PolicyDigest: policyDigest(r.Policy), UndoOf: undoOf}
	err := rn.Memory.BeginRun(run)
	if errors.Is(err, state.ErrNoState) {
		// An empty memory standing in for an unusable file: the run has
		// warned once already.
		return nil
	}
	if err != nil {
		rn.stateFailed(r, "cannot journal the run", err)
		return nil
	}
	r.RunID = run.ID
	rn.Log.WithField("run", run.ID).Info("journaling this run's changes (history, undo)")
	return &journal{rn: rn, r: r, runID: run.ID}
}

// intent journals a change before its PATCH; 0 when it could not.
func (j *journal) intent(c *Change, desiredGroups []int) uint64 {
	if j == nil {
		return 0
	}
	seq, err := j.rn.Memory.Intent(j.runID, state.Entry{UserID: c.User.ID, Username: c.User.Username,
		Before:  state.UserState{Status: c.User.Status, GroupIDs: c.User.GroupIDs},
		Desired: state.UserState{Status: c.Status, GroupIDs: desiredGroups}})
	if err != nil {
		j.rn.stateFailed(j.r, "cannot journal a change", err)
		return 0
	}
	return seq
}

// outcome journals what became of a journaled change.
func (j *journal) outcome(seq uint64, c *Change) {
	if j == nil || seq == 0 {
		return
	}
	o := state.Outcome{Result: state.ResultApplied}
	if c.After != nil {
		o.After = state.UserState{Status: c.After.Status, GroupIDs: c.After.GroupIDs}
	}
	if c.Result != ResultApplied {
		o.Result = state.ResultFailed
		if c.Err != nil {
			o.Error = c.Err.Error()
		}
	}
	if err := j.rn.Memory.Outcome(j.runID, seq, o); err != nil {
		j.rn.stateFailed(j.r, "cannot journal a change's outcome", err)
	}
}
