package hygiene

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/state"
)

// Journal is what undo and history read of the state file: the runs and
// their changes. *state.Store satisfies it.
type Journal interface {
	History() ([]state.RunSummary, error)
	Entries(runID string) ([]state.Entry, error)
	// LastRunWithChanges is the run "undo last" means.
	LastRunWithChanges() (state.RunSummary, bool, error)
}

var _ Journal = (*state.Store)(nil)

// UndoLast is the RUN of "undo last": the latest run of kind run that
// applied changes (state.Store.LastRunWithChanges).
const UndoLast = "last"

// UndoTarget is the run an undo puts back, with its journaled changes.
type UndoTarget struct {
	Run     state.RunSummary
	Entries []state.Entry
	// ChangedLater names, by user id, the latest later run (or undo) that
	// changed the user or began to: that user is as a later decision left
	// it, not as this run did, even where the two look alike (a run killed
	// before its answer, whose change the next run made).
	ChangedLater map[int]string
}

// FindUndoTarget resolves the RUN of "undo RUN": a run id from the journal,
// or UndoLast. An unknown id, or last when no run applied a change, is an
// error that wraps state.ErrUnknownRun (bad configuration: exit 2).
func FindUndoTarget(j Journal, run string) (UndoTarget, error) {
	runs, err := j.History()
	if err != nil {
		return UndoTarget{}, err
	}
	var (
		target state.RunSummary
		found  bool
	)
	if strings.EqualFold(run, UndoLast) {
		if target, found, err = j.LastRunWithChanges(); err != nil {
			return UndoTarget{}, err
		}
		if !found {
			return UndoTarget{}, fmt.Errorf("undo last: no run in the journal applied a change (history lists the runs): %w", state.ErrUnknownRun)
		}
	} else {
		for _, r := range runs {
			if r.ID == run {
				target, found = r, true
				break
			}
		}
		if !found {
			return UndoTarget{}, fmt.Errorf("undo %s: no run with that id in the journal (history lists the runs): %w", run, state.ErrUnknownRun)
		}
	}
	entries, err := j.Entries(target.ID)
	if err != nil {
		return UndoTarget{}, err
	}
	t := UndoTarget{Run: target, Entries: entries, ChangedLater: map[int]string{}}
	later := false
	for _, r := range runs {
		if r.ID == target.ID {
			later = true
			continue
		}
		if !later || r.Intents == 0 {
			continue
		}
		es, err := j.Entries(r.ID)
		if err != nil {
			return UndoTarget{}, err
		}
		for _, e := range es {
			if e.Result != state.ResultFailed || e.After.Status != "" {
				t.ChangedLater[e.UserID] = r.ID
			}
		}
	}
	return t, nil
}

// UndoOutcome says what undo does with one user of the run it puts back.
type UndoOutcome string

const (
	// UndoRestore: the user is as the run left it; it is put back.
	UndoRestore UndoOutcome = "restore"
	// UndoAlreadyBefore: the user is already as before the run (an earlier
	// undo, a person, or a change the run did not make).
	UndoAlreadyBefore UndoOutcome = "already_before"
	// UndoChangedSince: someone changed the user after the run; undo does
	// not overwrite that.
	UndoChangedSince UndoOutcome = "changed_since"
	// UndoGroupGone: a group the user had before the run no longer exists.
	UndoGroupGone UndoOutcome = "group_gone"
	// UndoUserGone: the user is no longer in the portal.
	UndoUserGone UndoOutcome = "user_gone"
	// UndoUnreadable: the user cannot be read with confidence (or has no
	// roles to send back): left alone.
	UndoUnreadable UndoOutcome = "unreadable"
)

// UndoDecision is undo's decision on one user the run changed.
type UndoDecision struct {
	// User points into Report.Users; for a user gone from the portal it
	// holds only the id and the username the journal has.
	User    *lm.User
	Outcome UndoOutcome
	Reason  string
	// Before is the user as the run read it, Left as the run left it.
	Before, Left state.UserState
}

// Undo puts the users of an earlier run back to their status and groups
// before it, through the same gate and journal as a run (the journal's run
// is of kind undo). A user changed since the run, or whose old group no
// longer exists, is skipped with the reason; a user already as before is
// skipped, so a second undo changes nothing. Like Run it never returns an
// error: the report carries the failure.
func (rn *Runner) Undo(ctx context.Context, p Policy, t UndoTarget) *Report {
	p.Command = CommandUndo
	r := &Report{Policy: p, Started: rn.Now(), UndoOf: t.Run.ID, StateOK: rn.MemoryOK}
	if err := rn.read(ctx, r); err != nil {
		r.Failure = err
		return r
	}
	rn.planUndo(r, t)
	rn.carryOut(ctx, r)
	rn.rememberReactivated(r)
	return r
}

// planUndo decides each user of the run, in the order the run changed them.
func (rn *Runner) planUndo(r *Report, t UndoTarget) {
	users := make(map[int]*lm.User, len(r.Users))
	for i := range r.Users {
		users[r.Users[i].ID] = &r.Users[i]
	}
	groups := make(map[int]string, len(r.Groups))
	for _, g := range r.Groups {
		groups[g.ID] = g.Name
	}
	named := func(s state.UserState) string { return describeState(s, groups) }

	// A run changes a user once; should a journal hold more, the user goes
	// back to before the first change, from what the last one left.
	var order []int
	changed := map[int]*UndoDecision{}
	for _, e := range t.Entries {
		d, seen := changed[e.UserID]
		if !seen {
			d = &UndoDecision{Before: e.Before}
			changed[e.UserID] = d
			order = append(order, e.UserID)
		}
		d.Left = leftBy(e)
		if u, ok := users[e.UserID]; ok {
			d.User = u
		} else {
			d.User = &lm.User{ID: e.UserID, Username: e.Username}
		}
	}
	for _, id := range order {
		d := changed[id]
		u, there := users[id]
		now := state.UserState{}
		if there {
			now = state.UserState{Status: u.Status, GroupIDs: u.GroupIDs}
		}
		switch {
		case !there:
			d.Outcome, d.Reason = UndoUserGone, "no longer in the portal"
		case u.Unreadable != "":
			d.Outcome, d.Reason = UndoUnreadable, "could not be read with confidence ("+u.Unreadable+"): left alone"
		case sameState(now, d.Before):
			d.Outcome, d.Reason = UndoAlreadyBefore, "already as before run "+t.Run.ID+" ("+named(now)+"): nothing to do"
		case t.ChangedLater[id] != "":
			d.Outcome = UndoChangedSince
			d.Reason = fmt.Sprintf("changed since by run %s (now %s), so it is left alone: undo that run first", t.ChangedLater[id], named(now))
		case !sameState(now, d.Left):
			d.Outcome = UndoChangedSince
			d.Reason = fmt.Sprintf("changed since run %s left it %s: now %s, so it is left alone", t.Run.ID, named(d.Left), named(now))
		case len(u.Roles) == 0:
			// A PATCH carries the user's roles; never send none.
			d.Outcome, d.Reason = UndoUnreadable, "has no readable roles to send with the change: left alone"
		default:
			if gone := missingGroupIDs(d.Before.GroupIDs, groups); len(gone) > 0 {
				d.Outcome = UndoGroupGone
				d.Reason = fmt.Sprintf("its group id %s before run %s no longer exists: left %s", joinInts(gone), t.Run.ID, named(now))
				break
			}
			d.Outcome = UndoRestore
			d.Reason = fmt.Sprintf("put back as before run %s: %s (the run made it %s)", t.Run.ID, named(d.Before), named(d.Left))
			r.Changes = append(r.Changes, &Change{Kind: KindRestore, User: u, Status: d.Before.Status,
				GroupIDs: slices.Clone(d.Before.GroupIDs), Reason: d.Reason})
		}
		r.Undo = append(r.Undo, *d)
		if d.Outcome != UndoRestore && d.Outcome != UndoAlreadyBefore {
			rn.Log.WithFields(logrus.Fields{"user": d.User.Username, "id": d.User.ID, "reason": d.Reason}).Warn("undo leaves user alone")
		}
	}
}

// leftBy is what a journaled change left the user as: the portal's answer
// when it gave one, else the desired state for a change made or one that may
// have been made (a run killed before its outcome), else the state before.
func leftBy(e state.Entry) state.UserState {
	switch {
	case e.After.Status != "":
		return e.After
	case e.Result == state.ResultApplied || e.Result == state.ResultStarted:
		return e.Desired
	}
	return e.Before
}

// sameState compares status (in any case) and groups (as sets).
func sameState(a, b state.UserState) bool {
	return lm.SameStatus(a.Status, b.Status) && slices.Equal(groupSet(a.GroupIDs), groupSet(b.GroupIDs))
}

func groupSet(ids []int) []int {
	s := slices.Clone(ids)
	slices.Sort(s)
	return slices.Compact(s)
}

func missingGroupIDs(ids []int, groups map[int]string) []int {
	var out []int
	for _, id := range groupSet(ids) {
		if _, ok := groups[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// describeState writes a user state for a person: status and groups by name.
func describeState(s state.UserState, groups map[int]string) string {
	names := make([]string, 0, len(s.GroupIDs))
	for _, id := range groupSet(s.GroupIDs) {
		if name, ok := groups[id]; ok {
			names = append(names, strconv.Quote(name))
		} else {
			names = append(names, fmt.Sprintf("(missing group %d)", id))
		}
	}
	status := s.Status
	if status == "" {
		status = "(unknown)"
	}
	return fmt.Sprintf("%s in [%s]", status, strings.Join(names, ", "))
}

func joinInts(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ", ")
}

// rememberReactivated records each user an undo made active again as
// reactivated now: its inactivity counts from the undo, so the next run does
// not suspend it again.
func (rn *Runner) rememberReactivated(r *Report) {
	if rn.Memory == nil {
		return
	}
	var back []*Change
	for _, c := range r.Changes {
		if c.Result == ResultApplied && lm.SameStatus(c.Status, lm.StatusActive) && !c.User.HasStatus(lm.StatusActive) {
			back = append(back, c)
		}
	}
	if len(back) == 0 {
		return
	}
	records, err := rn.Memory.Users()
	if err != nil {
		rn.stateFailed(r, "cannot read the state file to record the users undo reactivated (the next run may warn them again)", err)
		return
	}
	at := r.Started.UTC().Truncate(time.Second)
	for _, c := range back {
		rec := records[c.User.ID]
		if rec.FirstSeen.IsZero() {
			rec.FirstSeen = at
		}
		rec.Reactivated, rec.FirstWarned = at, time.Time{}
		records[c.User.ID] = rec
	}
	if err := rn.Memory.SaveUsers(records); err != nil {
		rn.stateFailed(r, "cannot record the users undo reactivated in the state file (the next run may warn them again)", err)
		return
	}
	rn.Log.WithField("users", len(back)).Info("users undo made active again count as reactivated now: their inactivity counts from this undo")
}

// IsUnknownRun reports whether err is an undo of a run the journal does not
// have (or last with none).
func IsUnknownRun(err error) bool { return errors.Is(err, state.ErrUnknownRun) }
