// Package hygiene is one run of the user hygiene over a portal: read the
// users, groups and roles, plan both steps, cap the changes, apply them (or
// only plan), and report. The Report it returns is what every view in package
// output shows.
package hygiene

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

// Portal is what a run needs from LogicMonitor; *lm.Client satisfies it.
type Portal interface {
	Users(ctx context.Context) ([]lm.User, error)
	Groups(ctx context.Context) ([]lm.Group, error)
	Roles(ctx context.Context) ([]lm.Role, error)
	CreateGroup(ctx context.Context, name, description string) (lm.Group, error)
	UpdateUser(ctx context.Context, u lm.UserUpdate) (lm.User, error)
}

var _ Portal = (*lm.Client)(nil)

// Command is a command of the tool; for a run's policy, which steps it takes.
type Command string

const (
	CommandRun     Command = "run" // suspend, then assign
	CommandSuspend Command = "suspend"
	CommandAssign  Command = "assign"
	// CommandUndo puts the users an earlier run changed back (Runner.Undo).
	CommandUndo Command = "undo"
	// CommandCheck plans both steps and judges what needs attention
	// (Check); it never writes. Its policy is CommandRun's.
	CommandCheck Command = "check"
	// CommandHistory lists the runs the journal holds; it reads no portal.
	CommandHistory Command = "history"
	// CommandUpcoming lists the users the suspend step's plan calls
	// upcoming (Report.UpcomingUsers); it never writes. Its policy is
	// CommandSuspend's.
	CommandUpcoming Command = "upcoming"
)

// NeverWrites reports whether the command writes neither the portal nor
// the state file, whatever --apply says.
func (c Command) NeverWrites() bool { return c == CommandCheck || c == CommandUpcoming }

// Policy is the validated configuration of a run.
type Policy struct {
	Command    Command       `json:"-"`
	Apply      bool          `json:"apply"`
	MaxChanges int           `json:"max_changes"`
	TimeBudget time.Duration `json:"time_budget"`
	// AsOf, when set, is the end of the --as-of day: the rules are evaluated
	// then, as if the tool had run every day until then; plan only.
	AsOf    time.Time       `json:"-"`
	Suspend suspend.Options `json:"suspend"`
	Assign  assign.Options  `json:"assign"`
}

// RunsSuspend reports whether the run takes the suspend step.
func (p Policy) RunsSuspend() bool { return p.Command == CommandRun || p.Command == CommandSuspend }

// runsAssign reports whether the run takes the assign step.
func (p Policy) runsAssign() bool { return p.Command == CommandRun || p.Command == CommandAssign }

// errBreaker is the run failing because the inactivity breaker tripped.
var errBreaker = errors.New("inactivity breaker tripped")

// Runner runs the hygiene steps against a portal.
type Runner struct {
	Portal Portal
	Log    *logrus.Entry
	Now    func() time.Time
	// Memory is the lifecycle memory; nil runs without state (--state off:
	// no grace, never-logged-in users are skipped). A state file that cannot
	// be used is an empty memory, never nil.
	Memory Memory
	// MemoryOK is false when a state file was asked for but could not be
	// used (the state_ok datapoint); true with --state off, a choice.
	MemoryOK bool
	// UsersRead, when set, is told how many users the run read, before it
	// plans: the binary sizes its memory limit from it.
	UsersRead func(n int)
}

// Run reads the portal, plans, and (with Apply) writes. It never returns an
// error: the report carries the failure so that the output is always printed.
func (rn *Runner) Run(ctx context.Context, p Policy) *Report {
	r := &Report{Policy: p, Started: rn.Now(), StateOK: rn.MemoryOK}
	if err := rn.read(ctx, r); err != nil {
		r.Failure = err
		return r
	}
	if rn.UsersRead != nil {
		rn.UsersRead(len(r.Users))
	}
	rn.warnTokenOwner(r)
	if rn.recall(r); r.Failure != nil {
		return r
	}
	rn.plan(r)
	// A refused run records nothing: a warning recorded now would start a
	// grace period on notice that reached no one.
	if rn.refuse(r) {
		return r
	}
	rn.remember(r)
	rn.carryOut(ctx, r)
	return r
}

// carryOut holds back the changes over --max-changes and makes the rest, or
// in a plan run reports what it would make.
func (rn *Runner) carryOut(ctx context.Context, r *Report) {
	rn.limit(r)
	if !r.Policy.Apply {
		rn.planOnly(r)
		return
	}
	if rn.outOfTime(r) {
		return
	}
	rn.apply(ctx, r)
}

// readShare is the part of --time-budget that reading may take and still
// leave time to write: with the default 90s, 60s to read, 30s for at most
// --max-changes PATCHes (4 at a time).
const readShare = 2.0 / 3

// outOfTime fails a run whose reading left too little of the time budget to
// write: its changes wait, and the run says so instead of reporting success
// with everything pending, night after night.
func (rn *Runner) outOfTime(r *Report) bool {
	budget := r.Policy.TimeBudget
	if r.ReadTook <= time.Duration(float64(budget)*readShare) {
		return false
	}
	waiting := 0
	for _, c := range r.Changes {
		if c.Result == resultNone {
			c.Result = ResultPending
			waiting++
		}
	}
	if waiting == 0 {
		return false
	}
	r.BudgetExhausted = true
	r.Failure = fmt.Errorf("reading took %s of the %s budget, too little is left to write: %d changes wait for the next run; "+
		"raise --time-budget (and the collector's script timeout) or ask why the portal answers slowly",
		r.ReadTook.Round(time.Second), budget, waiting)
	rn.logPending(r)
	return true
}

// read reads users, groups and roles. Any error leaves r unread: no decision
// is made on partial data.
//
// Groups and roles, a page each, are read beside the users pages, once the
// first users page has come (lm.WithFirstPage): against a slow portal they
// would otherwise add two round trips to the read, and a portal that refuses
// the first request gets no other. A failure of one read ends the others;
// the error reported is the first, in the order users, groups, roles, that
// is not the cancellation another failure caused.
func (rn *Runner) read(ctx context.Context, r *Report) error {
	// Reading past the whole budget would leave the collector to kill the run.
	ctx, cancel := context.WithTimeout(ctx, r.Policy.TimeBudget)
	defer cancel()
	defer func() { r.ReadTook = rn.Now().Sub(r.Started) }()
	readCtx, failed := context.WithCancelCause(ctx)
	defer failed(nil)
	var (
		groups             []lm.Group
		roles              []lm.Role
		groupsErr, roleErr error
		wg                 sync.WaitGroup
		once               sync.Once
	)
	answered := make(chan struct{})
	start := func() { once.Do(func() { close(answered) }) }
	// after runs read once the portal has answered, unless reading failed.
	after := func(read func() error) {
		wg.Go(func() {
			select {
			case <-answered:
			case <-readCtx.Done():
			}
			if readCtx.Err() != nil {
				return
			}
			if read() != nil {
				failed(errOtherRead)
			}
		})
	}
	after(func() error { groups, groupsErr = rn.Portal.Groups(readCtx); return groupsErr })
	// Roles are read whatever the command: they name the roles of users
	// whose role references come without a name, and settings that name a
	// role are checked against them.
	after(func() error { roles, roleErr = rn.Portal.Roles(readCtx); return roleErr })
	users, usersErr := rn.Portal.Users(lm.WithFirstPage(readCtx, start))
	if usersErr != nil {
		failed(errOtherRead)
	} else {
		// A portal that does not say when its first page came reads the
		// rest after the users.
		start()
	}
	wg.Wait()
	for _, read := range []struct {
		what string
		err  error
	}{{"users", usersErr}, {"user groups", groupsErr}, {"roles", roleErr}} {
		if read.err == nil || ctx.Err() == nil && errors.Is(read.err, context.Canceled) && context.Cause(readCtx) == errOtherRead {
			continue
		}
		return fmt.Errorf("reading %s: %w", read.what, rn.readHint(ctx, r, read.err))
	}
	if usersErr != nil || groupsErr != nil || roleErr != nil {
		// Only cancellations: cannot happen unless a read failed with one.
		return fmt.Errorf("reading the portal: %w", errors.Join(usersErr, groupsErr, roleErr))
	}
	lm.NameRoles(users, roles)
	r.Users, r.Groups, r.Roles, r.Read = users, groups, roles, true
	for i := range users {
		if u := &users[i]; u.Unreadable != "" {
			rn.Log.WithFields(logrus.Fields{"id": u.ID, "user": u.Username, "field": u.Unreadable}).
				Warn("user could not be read with confidence: left alone")
		}
	}
	rn.Log.WithFields(logrus.Fields{"users": len(users), "groups": len(groups), "roles": len(roles)}).Info("read the portal")
	return nil
}

// errOtherRead ends the reads still running when one of them failed.
var errOtherRead = errors.New("another read of the portal failed")

// readHint says what the admin should know of a failed read: that it ran
// out of the time budget, or what to check of the credentials.
func (rn *Runner) readHint(ctx context.Context, r *Report, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		r.BudgetExhausted = true
		return fmt.Errorf("%w; reading took longer than the whole --time-budget of %s: raise it (and the collector's script timeout) "+
			"or ask why the portal answers slowly", err, r.Policy.TimeBudget)
	}
	return lm.WithHint(err)
}

// plan runs the pure planners and lines up the changes in the order the run
// makes them: suspensions (oldest activity first), moves, regroups. It also
// checks the settings that name something in the portal.
func (rn *Runner) plan(r *Report) {
	// The run's own facts (the clock, the memory, whether state is kept, the
	// cutoff) are the planners' arguments: the policy is as it was given.
	p := r.Policy
	clock := suspend.Clock{Now: r.Started, Today: r.Started}
	if !p.AsOf.IsZero() {
		clock.Now = p.AsOf
	}
	facts := assign.Facts{HaveState: rn.Memory != nil, InactiveCutoff: clock.Now.AddDate(0, 0, -p.Suspend.InactiveDays)}
	r.findSettingMisses()
	for _, f := range r.Findings {
		rn.Log.WithFields(logrus.Fields{"setting": f.Setting, "entry": f.Entry}).Warn(f.Line())
	}
	exclude := map[int]bool{}
	if p.RunsSuspend() {
		sp := suspend.NewPlan(r.Users, r.Groups, p.Suspend, clock, r.memory)
		r.SuspendPlan = &sp
		facts.InactiveCutoff = sp.Cutoff
		var moves []*Change
		var newGroups []string // one slice for all: every change creates the same group
		for i := range sp.Decisions {
			d := &sp.Decisions[i]
			if d.Action != suspend.ActionSuspend && d.Action != suspend.ActionMove {
				continue
			}
			c := &Change{Kind: KindSuspend, User: d.User, Status: lm.StatusSuspended, GroupIDs: d.GroupIDs, Reason: d.Reason}
			if d.NewGroup != "" {
				if len(newGroups) == 0 || newGroups[0] != d.NewGroup {
					newGroups = []string{d.NewGroup}
				}
				c.NewGroups = newGroups
			}
			if d.Action == suspend.ActionSuspend {
				exclude[d.User.ID] = true
				r.Changes = append(r.Changes, c)
			} else {
				c.Kind = KindMove
				moves = append(moves, c)
			}
		}
		r.Changes = append(r.Changes, moves...)
		if sp.Tripped {
			rn.Log.WithField("reason", sp.TripReason).Error("inactivity breaker tripped: the data looks suspect, nothing will be written")
		}
		for i := range sp.Decisions {
			switch d := &sp.Decisions[i]; {
			case d.Warning != "":
				rn.Log.WithFields(logrus.Fields{"user": d.User.Username, "id": d.User.ID}).Warn(d.Warning)
			case d.Outcome == suspend.OutcomeNoRoles:
				rn.Log.WithFields(logrus.Fields{"user": d.User.Username, "id": d.User.ID}).Info(d.Reason)
			}
		}
		if sp.NoRoles > 0 {
			rn.Log.WithField("no_roles", sp.NoRoles).Warn("users whose roles are an empty list are never changed: give each a role in the portal " +
				"(the log at info, --output text and check name each)")
		}
	}
	if p.runsAssign() {
		ap := assign.NewPlan(r.Users, r.Groups, r.Roles, p.Assign, facts, exclude)
		r.AssignPlan = &ap
		for i := range ap.Decisions {
			d := &ap.Decisions[i]
			switch {
			case d.Action == assign.ActionRegroup:
				r.Changes = append(r.Changes, &Change{Kind: KindRegroup, User: d.User, Status: d.User.Status,
					GroupIDs: d.GroupIDs, NewGroups: d.NewGroups, Reason: d.Reason})
			case d.Outcome == assign.OutcomeUnmapped:
				rn.Log.WithFields(logrus.Fields{"user": d.User.Username, "reason": d.Reason}).Info("cannot regroup user")
			}
		}
		if ap.Unmapped > 0 {
			rn.Log.WithField("unmapped", ap.Unmapped).Warn("users to regroup that no role maps to a group are left alone: " +
				"create the groups, map the roles with --role-groups, or use --create-groups (the log at info, --output text and check name each)")
		}
	}
}

// errUnreadable is the run failing because too many users could not be read.
var errUnreadable = errors.New("too many users could not be read")

// maxUnreadablePercent is the share of unreadable users above which the
// data is suspect: the portal answers in a shape the tool does not know.
const maxUnreadablePercent = 5.0

// refuse blocks every change of a run whose data is suspect (the breaker
// tripped, or too many users could not be read): the plan is reported in
// full and nothing is written.
func (rn *Runner) refuse(r *Report) bool {
	var why error
	switch unreadable := r.unreadable(); {
	case len(r.Users) > 0 && float64(unreadable)*100 > maxUnreadablePercent*float64(len(r.Users)):
		why = fmt.Errorf("%w: %d of %d users (more than %g%%) could not be read with confidence, so the data is suspect; "+
			"nothing was written (--log-level warn lists each user and the field)", errUnreadable, unreadable, len(r.Users), maxUnreadablePercent)
	case r.SuspendPlan != nil && r.SuspendPlan.Tripped:
		why = fmt.Errorf("%w: %s; nothing was written", errBreaker, r.SuspendPlan.TripReason)
	default:
		return false
	}
	for _, c := range r.Changes {
		c.Result = ResultBlocked
	}
	r.Failure = why
	rn.Log.WithField("reason", why.Error()).Error("refusing to write")
	return true
}

// limit holds back the changes over --max-changes for the next run.
func (rn *Runner) limit(r *Report) {
	for i, c := range r.Changes {
		if i >= r.Policy.MaxChanges {
			c.Result = ResultPending
		}
	}
}

// planOnly reports what an applied run would do.
func (rn *Runner) planOnly(r *Report) {
	var selected []*Change
	for _, c := range r.Changes {
		if c.Result == resultNone {
			c.Result = ResultPlanned
			selected = append(selected, c)
			rn.logChange(c)
		}
	}
	rn.logPending(r)
	r.GroupsPlanned = MissingGroups(selected)
	for _, name := range r.GroupsPlanned {
		rn.Log.WithField("group", name).Info("would create user group")
	}
}
