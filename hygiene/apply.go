package hygiene

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/state"
)

// ApplyWorkers bounds concurrent PATCHes; the client paces them further from
// the rate-limit headers.
const ApplyWorkers = 4

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
// changes with bounded concurrency, starting none after the time budget, a
// cancellation, or an authorisation failure.
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
	g := &gate{ctx: ctx, deadline: deadline, budget: r.Policy.TimeBudget, now: rn.Now, log: rn.Log, queue: selected}
	var wg sync.WaitGroup
	for range ApplyWorkers {
		wg.Go(func() {
			for c := g.next(); c != nil; c = g.next() {
				rn.applyChange(ctx, c, created, j)
				g.after(c)
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
	case g.merged != nil:
		r.Failure = fmt.Errorf("the portal merges adminGroupIds into a user's groups instead of replacing them (%w): "+
			"no further change was made; the users changed keep groups they should have left, see the json output", g.merged)
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
// stop appears (time budget, cancellation, a refused credential) marks every
// further change pending instead.
type gate struct {
	ctx      context.Context
	deadline time.Time
	budget   time.Duration
	now      func() time.Time
	log      *logrus.Entry

	mu      sync.Mutex
	queue   []*Change
	stopped error // why no further change starts
	// outOfTime is set when the time budget stopped the changes; refused
	// when the portal withdrew the right to make them; merged when it showed
	// that it merges groups instead of replacing them.
	outOfTime bool
	refused   error
	merged    error
	// forbiddenInARow counts the 403 answers since the last other outcome.
	forbiddenInARow int
}

// forbiddenLimit is how many 403 answers in a row mean the token has lost the
// right to manage users, not that one user may not be changed.
const forbiddenLimit = 3

// next returns the next change to make, nil when there is none.
func (g *gate) next() *Change {
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.queue) > 0 {
		c := g.queue[0]
		g.queue = g.queue[1:]
		if g.stopped == nil {
			if err := g.ctx.Err(); err != nil {
				g.stop(fmt.Errorf("run cancelled: %w", err), logrus.WarnLevel)
			} else if !g.now().Before(g.deadline) {
				g.outOfTime = true
				g.stop(fmt.Errorf("time budget of %s used up", g.budget), logrus.WarnLevel)
			}
		}
		if g.stopped == nil {
			return c
		}
		c.Result = ResultPending
	}
	return nil
}

// after stops further changes when the portal refuses the credential (401),
// or refuses forbiddenLimit changes in a row (403): one 403 is that user's
// error, several in a row mean the token may no longer manage users.
func (g *gate) after(c *Change) {
	status := statusOf(c.Err)
	g.mu.Lock()
	defer g.mu.Unlock()
	if lm.IsMergedGroups(c.Err) && g.merged == nil {
		g.merged = c.Err
		if g.stopped == nil {
			g.stop(fmt.Errorf("the portal merged the groups of a PATCH instead of replacing them: %w", c.Err), logrus.ErrorLevel)
		}
		return
	}
	if status == http.StatusForbidden {
		g.forbiddenInARow++
	} else {
		g.forbiddenInARow = 0
	}
	if g.stopped != nil {
		return
	}
	var why error
	switch {
	case status == http.StatusUnauthorized:
		why = fmt.Errorf("the portal refused the credential: %w", c.Err)
	case g.forbiddenInARow >= forbiddenLimit:
		why = fmt.Errorf("the portal refused %d changes in a row (the token may no longer manage users): %w", g.forbiddenInARow, c.Err)
	default:
		return
	}
	g.refused = why
	g.stop(why, logrus.ErrorLevel)
}

// statusOf is the HTTP status of a portal's error answer, 0 for other errors.
func statusOf(err error) int {
	var apiErr *lm.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
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
// desired state.
func (rn *Runner) applyChange(ctx context.Context, c *Change, created newGroups, j *journal) {
	ids := append([]int(nil), c.GroupIDs...)
	for _, name := range c.NewGroups {
		key := strings.ToLower(name)
		if err, ok := created.failed[key]; ok {
			c.Result, c.Err = ResultFailed, fmt.Errorf("group %q: %w", name, err)
			rn.logChange(c)
			return
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
		return
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
