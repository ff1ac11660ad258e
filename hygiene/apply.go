package hygiene

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/state"
)

// ApplyWorkers bounds concurrent PATCHes; the client paces them further from
// the rate-limit headers. It is the refusals that stop a run: were every
// PATCH in flight refused, no more than lm.RefusalsInARow refused PATCHes
// are sent, also when the refusals start after a PATCH was made.
const ApplyWorkers = lm.RefusalsInARow

// inflightTimeout bounds a write that has started, which a cancellation does
// not interrupt. With the default 90s time budget a run ends within 110s,
// inside the collector's usual 120s script timeout.
const inflightTimeout = 20 * time.Second

// groupDescription marks groups the tool created, for the admin who finds them.
const groupDescription = "Created by lm-user-hygiene"

// newGroups are the groups a run created for its changes, by lower-case name,
// and why the others could not be created.
type newGroups struct {
	ids    map[string]int
	failed map[string]error
}

// apply creates the missing groups the selected changes need, then makes the
// changes, up to ApplyWorkers at a time (see gate), starting none after the
// time budget, a cancellation, a refusal that stops the run, or an answer
// that shows the portal does not set adminGroupIds as sent.
func (rn *Runner) apply(ctx context.Context, r *Report) {
	deadline := r.Started.Add(r.Policy.TimeBudget)
	var selected []*Change
	for _, c := range r.Changes {
		if c.Result == resultNone {
			selected = append(selected, c)
		}
	}
	// The rate-limit pacing works on the wall clock: a write whose window
	// stays closed past the budget is not sent, and waits for the next run.
	ctx = lm.WithSendBy(ctx, time.Now().Add(deadline.Sub(rn.Now())))
	created := rn.createGroups(ctx, r, deadline, MissingGroups(selected))
	kind := state.KindRun
	if r.UndoOf != "" {
		kind = state.KindUndo
	}
	j := rn.beginJournal(r, kind, r.UndoOf)
	g := newGate(ctx, deadline, r.Policy.TimeBudget, rn.Now, rn.Log, selected)
	var wg sync.WaitGroup
	for range ApplyWorkers {
		wg.Go(func() {
			for c := g.next(); c != nil; c = g.next() {
				answered := rn.applyChange(ctx, c, created, j)
				g.after(c, answered)
			}
		})
	}
	wg.Wait()
	pending := rn.logPending(r)
	switch {
	case ctx.Err() != nil:
		r.Failure = fmt.Errorf("run cancelled (%v): %d changes not made, they wait for the next run", ctx.Err(), pending)
	case g.refused != nil:
		r.Failure = fmt.Errorf("%w; %d changes not made, they wait for the next run", g.refused, pending)
	case lm.IsMergedGroups(g.systemic):
		r.Failure = fmt.Errorf("the portal merges adminGroupIds into a user's groups instead of replacing them (%w): "+
			"no further change was made, %d changes wait; the users changed keep groups they should have left, see the json output", g.systemic, pending)
	case g.systemic != nil:
		r.Failure = fmt.Errorf("the portal ignores adminGroupIds: it left a user's groups as they were although others were asked (%w): "+
			"no further change was made, %d changes wait; the next run plans what is left, and the user changed keeps its old groups until the portal takes adminGroupIds as sent",
			g.systemic, pending)
	case g.outOfTime && pending > 0:
		r.BudgetExhausted = true
	}
}

// createGroups creates the named groups, one by one, before any user change.
func (rn *Runner) createGroups(ctx context.Context, r *Report, deadline time.Time, names []string) newGroups {
	created := newGroups{ids: map[string]int{}, failed: map[string]error{}}
	for _, name := range names {
		if ctx.Err() != nil || !rn.Now().Before(deadline) {
			created.failed[strings.ToLower(name)] = errors.New("not created: the run stopped (time budget or signal)")
			continue
		}
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), inflightTimeout)
		g, err := rn.Portal.CreateGroup(gctx, name, groupDescription)
		cancel()
		if err != nil {
			created.failed[strings.ToLower(name)] = err
			r.GroupsFailed = append(r.GroupsFailed, name)
			rn.Log.WithFields(logrus.Fields{"group": name, "error": err.Error()}).Error("could not create user group")
			continue
		}
		created.ids[strings.ToLower(name)] = g.ID
		r.GroupsCreated = append(r.GroupsCreated, g)
		rn.Log.WithFields(logrus.Fields{"group": g.Name, "id": g.ID}).Info("created user group")
	}
	return created
}

// gate hands the apply workers their changes in order, and once a reason to
// stop appears (time budget, cancellation, a refusal that stops the run,
// adminGroupIds not set as sent) marks every further change pending
// instead.
//
// It also decides how many PATCHes are in flight. The run's first PATCH,
// and each PATCH after one answered 400, 403 or not as asked, goes alone and
// is judged before the next starts: a portal that refuses or mishandles
// every PATCH then costs at most three refused PATCHes, or one user left
// half-changed. Otherwise up to ApplyWorkers are in flight, and an answer
// is judged before its freed slot starts the next change.
type gate struct {
	ctx      context.Context
	deadline time.Time
	budget   time.Duration
	now      func() time.Time
	log      *logrus.Entry

	mu      sync.Mutex
	changed *sync.Cond // signalled when a change is judged
	queue   []*Change
	stopped error // why no further change starts
	// outOfTime is set when the time budget stopped the changes; refused
	// when a refusal did (401, or RefusalsInARow 400/403 in a row);
	// systemic when an answer showed the portal merges or ignores
	// adminGroupIds.
	outOfTime bool
	refused   error
	systemic  error
	// refusedInARow counts the PATCHes answered 400 or 403 since the last
	// other answer.
	refusedInARow int
	inFlight      int
	// alone is set when the next change must go alone; solo while one that
	// went alone is in flight.
	alone, solo bool
}

func newGate(ctx context.Context, deadline time.Time, budget time.Duration, now func() time.Time, log *logrus.Entry, queue []*Change) *gate {
	g := &gate{ctx: ctx, deadline: deadline, budget: budget, now: now, log: log, queue: queue, alone: true}
	g.changed = sync.NewCond(&g.mu)
	return g
}

// next returns the next change to make, nil when there is none. It waits
// while the change must go alone and others are in flight, or while one
// that went alone is.
func (g *gate) next() *Change {
	g.mu.Lock()
	defer g.mu.Unlock()
	for {
		if len(g.queue) == 0 {
			return nil
		}
		if g.stopped == nil && (g.solo || g.alone && g.inFlight > 0) {
			g.changed.Wait()
			continue
		}
		// The clock is read once per change about to start.
		if g.stopped == nil {
			if err := g.ctx.Err(); err != nil {
				g.stop(fmt.Errorf("run cancelled: %w", err), logrus.WarnLevel)
			} else if !g.now().Before(g.deadline) {
				g.outOfTime = true
				g.stop(fmt.Errorf("time budget of %s used up", g.budget), logrus.WarnLevel)
			}
		}
		if g.stopped != nil {
			for _, c := range g.queue {
				c.Result = ResultPending
			}
			g.queue = nil
			return nil
		}
		c := g.queue[0]
		g.queue = g.queue[1:]
		g.inFlight++
		g.solo, g.alone = g.alone, false
		return c
	}
}

// after judges a change made; answered reports that its PATCH got an answer
// from the portal. A 401 stops further changes; so do RefusalsInARow
// answers of 400 or 403 in a row (one 400 or 403 is that user's error,
// several in a row mean the token may no longer manage users, or the
// portal refuses what the tool sends), and an answer that shows the portal
// merges or ignores adminGroupIds.
func (g *gate) after(c *Change, answered bool) {
	refusal := lm.RefusalOf(c.Err)
	var mismatch *lm.MismatchError
	notAsAsked := errors.As(c.Err, &mismatch)
	g.mu.Lock()
	defer g.mu.Unlock()
	defer g.changed.Broadcast()
	g.inFlight--
	wasSolo := g.solo
	g.solo = false
	if !answered {
		// Nothing was judged: no answer neither counts nor resets, and a
		// change that was to go alone hands that to the next.
		g.alone = g.alone || wasSolo
		return
	}
	if refusal.CountsInARow() {
		g.refusedInARow++
	} else {
		g.refusedInARow = 0
	}
	if refusal.CountsInARow() || notAsAsked {
		g.alone = true
	}
	if (lm.IsMergedGroups(c.Err) || lm.IsIgnoredGroups(c.Err)) && g.systemic == nil {
		g.systemic = c.Err
		if g.stopped == nil {
			g.stop(fmt.Errorf("the portal does not set adminGroupIds as sent: %w", c.Err), logrus.ErrorLevel)
		}
		return
	}
	if g.stopped != nil {
		return
	}
	var why error
	switch {
	case refusal == lm.RefusedCredential:
		why = fmt.Errorf("the portal refused the credential: %w; %s", c.Err, refusal.Hint())
	case g.refusedInARow >= lm.RefusalsInARow:
		why = fmt.Errorf("the portal refused %d changes in a row (%s): %w", g.refusedInARow, inARowMeaning(refusal), c.Err)
	default:
		return
	}
	g.refused = why
	g.stop(why, logrus.ErrorLevel)
}

// inARowMeaning says what refusals in a row mean, by the last one.
func inARowMeaning(r lm.Refusal) string {
	if r == lm.RefusedPermission {
		return "the token may no longer manage users; " + r.Hint()
	}
	return "the portal refuses the PATCH body the tool sends; its message says what it wants"
}

// answeredErr reports whether err (of a PATCH that was sent) carries the
// portal's answer, rather than no answer at all (a network failure).
func answeredErr(err error) bool {
	var (
		apiErr   *lm.APIError
		mismatch *lm.MismatchError
		respErr  *lm.ResponseError
	)
	return err == nil || errors.As(err, &apiErr) || errors.As(err, &mismatch) || errors.As(err, &respErr)
}

func (g *gate) stop(why error, level logrus.Level) {
	g.stopped = why
	if level == logrus.ErrorLevel {
		g.log.WithField("reason", why.Error()).Error("starting no further changes")
	} else {
		g.log.WithField("reason", why.Error()).Warn("starting no further changes; the rest wait for the next run")
	}
}

// applyChange makes one user change as a single PATCH with the complete
// desired state, and reports whether the portal answered it.
func (rn *Runner) applyChange(ctx context.Context, c *Change, created newGroups, j *journal) (answered bool) {
	ids := append([]int(nil), c.GroupIDs...)
	for _, name := range c.NewGroups {
		key := strings.ToLower(name)
		if err, ok := created.failed[key]; ok {
			c.Result, c.Err = ResultFailed, fmt.Errorf("group %q: %w", name, err)
			rn.logChange(c)
			return false
		}
		ids = append(ids, created.ids[key])
	}
	sort.Ints(ids)
	// A change that has started is finished even when the run is cancelled,
	// so no user is left half changed; only new changes stop.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), inflightTimeout)
	defer cancel()
	seq := j.intent(c, ids)
	after, err := rn.Portal.UpdateUser(wctx, lm.UserUpdate{ID: c.User.ID, Status: c.Status, GroupIDs: ids,
		RoleIDs: c.User.RoleIDs(), Before: c.User.GroupIDs})
	var mismatch *lm.MismatchError
	switch {
	case lm.IsNotSent(err):
		// Nothing was sent: the next run makes it.
		c.Result, c.Err = ResultPending, err
		j.outcome(seq, c)
		rn.logChange(c)
		return false
	case errors.As(err, &mismatch):
		// The output shows the user as the portal has it.
		c.Result, c.Err, c.After = ResultFailed, err, &mismatch.User
	case err != nil:
		c.Result, c.Err = ResultFailed, err
	default:
		c.Result, c.After = ResultApplied, &after
	}
	j.outcome(seq, c)
	rn.logChange(c)
	return answeredErr(err)
}

// logPending logs how many changes wait for the next run, and each of them
// at debug level only: over the cap a large portal has thousands (14,000 at
// 50,000 users), a line each would bury the changes made.
func (rn *Runner) logPending(r *Report) int {
	pending := 0
	for _, c := range r.Changes {
		if c.Result == ResultPending {
			pending++
			rn.logChange(c)
		}
	}
	if pending > 0 {
		rn.Log.WithField("pending", pending).Info("changes deferred to the next run (--max-changes or the time budget); --log-level debug lists them")
	}
	return pending
}

// logChange writes one log line per change: the user, the action and why.
func (rn *Runner) logChange(c *Change) {
	if c.Result == ResultPending && !rn.Log.Logger.IsLevelEnabled(logrus.DebugLevel) {
		return
	}
	e := rn.Log.WithFields(logrus.Fields{"user": c.User.Username, "id": c.User.ID, "action": c.Kind.String(), "result": c.Result.String(), "reason": c.Reason})
	switch c.Result {
	case ResultFailed:
		e.WithField("error", c.Err.Error()).Error("change failed")
	case ResultPending:
		e.Debug("change deferred to the next run")
	case ResultPlanned:
		e.Info("would " + c.Kind.String() + " user")
	default:
		e.Info(c.Kind.String() + " user")
	}
}

// MissingGroups lists, once each and sorted, the groups the changes need created.
func MissingGroups(changes []*Change) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range changes {
		for _, name := range c.NewGroups {
			if k := strings.ToLower(name); !seen[k] {
				seen[k] = true
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}
