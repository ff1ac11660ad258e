package main

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

// Kinds of user change, in the order a run makes them.
const (
	kindSuspend = "suspend"
	kindMove    = "move"
	kindRegroup = "regroup"
)

// Results of a change.
const (
	resultPlanned = "planned" // plan mode: would be made
	resultApplied = "applied"
	resultFailed  = "failed"
	resultPending = "pending" // over --max-changes or the time budget: next run
	resultBlocked = "blocked" // the breaker tripped: nothing is written
)

// applyWorkers bounds concurrent PATCHes; the client paces them further from
// the rate-limit headers.
const applyWorkers = 4

// inflightTimeout bounds a write that has started, which a cancellation does
// not interrupt. With the default 90s time budget a run ends within 110s,
// inside the collector's usual 120s script timeout.
const inflightTimeout = 20 * time.Second

// groupDescription marks groups the tool created, for the admin who finds them.
const groupDescription = "Created by lm-user-hygiene"

// change is one user PATCH the run plans or makes.
type change struct {
	kind      string
	user      *lm.User // points into report.users, as the plans do; never written
	status    string
	groupIDs  []int    // existing groups of the desired list
	newGroups []string // groups to create first, then add; shared between changes, never written
	reason    string

	result string
	err    error
	after  *lm.User // the user as the portal answered the PATCH; nil until applied
}

// policy is the validated configuration of a run.
type policy struct {
	command    string
	apply      bool
	maxChanges int
	timeBudget time.Duration
	suspend    suspend.Options
	assign     assign.Options
}

func (p policy) runsSuspend() bool { return p.command == cmdRun || p.command == cmdSuspend }
func (p policy) runsAssign() bool  { return p.command == cmdRun || p.command == cmdAssign }

// report is everything a run learned and did; the outputs are views of it.
type report struct {
	policy  policy
	started time.Time

	// read is set once the portal was read completely.
	read   bool
	users  []lm.User
	groups []lm.Group
	roles  []lm.Role

	suspendPlan *suspend.Plan
	assignPlan  *assign.Plan
	changes     []*change

	groupsCreated []lm.Group
	groupsFailed  []string // names
	groupsPlanned []string // plan mode: would be created

	// failure is why the run could not complete; nil when it did.
	failure error
}

// errBreaker is the run failing because the inactivity breaker tripped.
var errBreaker = errors.New("inactivity breaker tripped")

// job runs the hygiene steps against a portal.
type job struct {
	portal Portal
	log    *logrus.Entry
	now    func() time.Time
}

// run reads the portal, plans, and (with apply) writes. It never returns an
// error: the report carries the failure so the output is always printed.
func (j *job) run(ctx context.Context, p policy) *report {
	r := &report{policy: p, started: j.now()}
	if err := j.readPortal(ctx, r); err != nil {
		r.failure = err
		return r
	}
	j.plan(r)
	if r.suspendPlan != nil && r.suspendPlan.Tripped {
		for _, c := range r.changes {
			c.result = resultBlocked
		}
		r.failure = fmt.Errorf("%w: %s; nothing was written", errBreaker, r.suspendPlan.TripReason)
		return r
	}
	for i, c := range r.changes {
		if i >= p.maxChanges {
			c.result = resultPending
		}
	}
	if !p.apply {
		j.planOnly(r)
		return r
	}
	j.apply(ctx, r)
	return r
}

// readPortal reads users, groups and roles. Any error leaves r unread: no
// decision is made on partial data.
func (j *job) readPortal(ctx context.Context, r *report) error {
	users, err := j.portal.Users(ctx)
	if err != nil {
		return fmt.Errorf("reading users: %w", withAuthHint(err))
	}
	groups, err := j.portal.Groups(ctx)
	if err != nil {
		return fmt.Errorf("reading user groups: %w", withAuthHint(err))
	}
	var roles []lm.Role
	if r.policy.runsAssign() {
		if roles, err = j.portal.Roles(ctx); err != nil {
			return fmt.Errorf("reading roles: %w", withAuthHint(err))
		}
	}
	r.users, r.groups, r.roles, r.read = users, groups, roles, true
	j.log.WithFields(logrus.Fields{"users": len(users), "groups": len(groups), "roles": len(roles)}).Info("read the portal")
	return nil
}

// withAuthHint adds to a refused credential what the admin should check: the
// portal's own message only says that it refused.
func withAuthHint(err error) error {
	var apiErr *lm.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	switch apiErr.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("%w; authentication failed: check the access id and access key (or the bearer token), "+
			"that the token is enabled, and for an LMv1 token that this machine's clock is right (the portal allows 30 minutes of skew)", err)
	case http.StatusForbidden:
		return fmt.Errorf("%w; the token lacks a permission: check that its user's role may view and manage users and user groups", err)
	}
	return err
}

// plan runs the pure planners and lines up the changes in the order the run
// makes them: suspensions (oldest activity first), moves, regroups.
func (j *job) plan(r *report) {
	exclude := map[int]bool{}
	if r.policy.runsSuspend() {
		sp := suspend.NewPlan(r.users, r.groups, r.policy.suspend, r.started)
		r.suspendPlan = &sp
		var moves []*change
		var newGroups []string // one slice for all: every change creates the same group
		for i := range sp.Decisions {
			d := &sp.Decisions[i]
			if d.Action != suspend.ActionSuspend && d.Action != suspend.ActionMove {
				continue
			}
			c := &change{kind: kindSuspend, user: d.User, status: lm.StatusSuspended, groupIDs: d.GroupIDs, reason: d.Reason}
			if d.NewGroup != "" {
				if len(newGroups) == 0 || newGroups[0] != d.NewGroup {
					newGroups = []string{d.NewGroup}
				}
				c.newGroups = newGroups
			}
			if d.Action == suspend.ActionSuspend {
				exclude[d.User.ID] = true
				r.changes = append(r.changes, c)
			} else {
				c.kind = kindMove
				moves = append(moves, c)
			}
		}
		r.changes = append(r.changes, moves...)
		if sp.Tripped {
			j.log.WithField("reason", sp.TripReason).Error("inactivity breaker tripped: the data looks suspect, nothing will be written")
		}
	}
	if r.policy.runsAssign() {
		ap := assign.NewPlan(r.users, r.groups, r.roles, r.policy.assign, exclude)
		r.assignPlan = &ap
		for i := range ap.Decisions {
			d := &ap.Decisions[i]
			switch {
			case d.Action == assign.ActionRegroup:
				r.changes = append(r.changes, &change{kind: kindRegroup, user: d.User, status: d.User.Status,
					groupIDs: d.GroupIDs, newGroups: d.NewGroups, reason: d.Reason})
			case d.Outcome == assign.OutcomeUnmapped:
				j.log.WithFields(logrus.Fields{"user": d.User.Username, "reason": d.Reason}).Warn("cannot regroup user")
			}
		}
	}
}

// planOnly reports what an applied run would do.
func (j *job) planOnly(r *report) {
	var selected []*change
	for _, c := range r.changes {
		if c.result == "" {
			c.result = resultPlanned
			selected = append(selected, c)
			j.logChange(c)
		}
	}
	j.logPending(r)
	r.groupsPlanned = missingGroups(selected)
	for _, name := range r.groupsPlanned {
		j.log.WithField("group", name).Info("would create user group")
	}
}

// apply creates the missing groups the selected changes need, then makes the
// changes with bounded concurrency, starting none after the time budget, a
// cancellation, or an authorisation failure.
func (j *job) apply(ctx context.Context, r *report) {
	deadline := r.started.Add(r.policy.timeBudget)
	var selected []*change
	for _, c := range r.changes {
		if c.result == "" {
			selected = append(selected, c)
		}
	}

	created := map[string]int{} // lower-case name -> id
	failed := map[string]error{}
	for _, name := range missingGroups(selected) {
		if ctx.Err() != nil || !j.now().Before(deadline) {
			failed[strings.ToLower(name)] = errors.New("not created: the run stopped (time budget or signal)")
			continue
		}
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), inflightTimeout)
		g, err := j.portal.CreateGroup(gctx, name, groupDescription)
		cancel()
		if err != nil {
			failed[strings.ToLower(name)] = err
			r.groupsFailed = append(r.groupsFailed, name)
			j.log.WithFields(logrus.Fields{"group": name, "error": err.Error()}).Error("could not create user group")
			continue
		}
		created[strings.ToLower(name)] = g.ID
		r.groupsCreated = append(r.groupsCreated, g)
		j.log.WithFields(logrus.Fields{"group": g.Name, "id": g.ID}).Info("created user group")
	}

	var (
		mu      sync.Mutex
		next    int
		stopped error // why no further change starts
		wg      sync.WaitGroup
	)
	take := func() (*change, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(selected) {
			return nil, false
		}
		c := selected[next]
		next++
		if stopped == nil {
			if err := ctx.Err(); err != nil {
				stopped = fmt.Errorf("run cancelled: %w", err)
			} else if !j.now().Before(deadline) {
				stopped = fmt.Errorf("time budget of %s used up", r.policy.timeBudget)
			}
			if stopped != nil {
				j.log.WithField("reason", stopped.Error()).Warn("starting no further changes; the rest wait for the next run")
			}
		}
		if stopped != nil {
			c.result = resultPending
		}
		return c, true
	}
	for w := 0; w < applyWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, ok := take()
				if !ok {
					return
				}
				if c.result == resultPending {
					continue
				}
				j.applyChange(ctx, c, created, failed)
				if c.result == resultFailed && lm.IsAuth(c.err) {
					mu.Lock()
					if stopped == nil {
						stopped = fmt.Errorf("the portal refused a change: %w", c.err)
						j.log.WithField("reason", stopped.Error()).Error("starting no further changes")
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	pending := j.logPending(r)
	if err := ctx.Err(); err != nil {
		r.failure = fmt.Errorf("run cancelled (%v): %d changes not made, they wait for the next run", err, pending)
	}
}

// applyChange makes one user change as a single PATCH with the complete
// desired state.
func (j *job) applyChange(ctx context.Context, c *change, created map[string]int, failed map[string]error) {
	ids := append([]int(nil), c.groupIDs...)
	for _, name := range c.newGroups {
		key := strings.ToLower(name)
		if err, ok := failed[key]; ok {
			c.result, c.err = resultFailed, fmt.Errorf("group %q: %w", name, err)
			j.logChange(c)
			return
		}
		ids = append(ids, created[key])
	}
	sort.Ints(ids)
	// A change that has started is finished even when the run is cancelled,
	// so no user is left half changed; only new changes stop.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), inflightTimeout)
	defer cancel()
	after, err := j.portal.UpdateUser(wctx, lm.UserUpdate{ID: c.user.ID, Status: c.status, GroupIDs: ids, RoleIDs: c.user.RoleIDs()})
	if err != nil {
		c.result, c.err = resultFailed, err
	} else {
		c.result, c.after = resultApplied, &after
	}
	j.logChange(c)
}

// logPending logs how many changes wait for the next run, and each of them
// at debug level only: over the cap a large portal has thousands (14,000 at
// 50,000 users), a line each would bury the changes made.
func (j *job) logPending(r *report) int {
	pending := 0
	for _, c := range r.changes {
		if c.result == resultPending {
			pending++
			j.logChange(c)
		}
	}
	if pending > 0 {
		j.log.WithField("pending", pending).Info("changes deferred to the next run (--max-changes or the time budget); --log-level debug lists them")
	}
	return pending
}

// logChange writes one log line per change: the user, the action and why.
func (j *job) logChange(c *change) {
	if c.result == resultPending && !j.log.Logger.IsLevelEnabled(logrus.DebugLevel) {
		return
	}
	e := j.log.WithFields(logrus.Fields{"user": c.user.Username, "id": c.user.ID, "action": c.kind, "result": c.result, "reason": c.reason})
	switch c.result {
	case resultFailed:
		e.WithField("error", c.err.Error()).Error("change failed")
	case resultPending:
		e.Debug("change deferred to the next run")
	case resultPlanned:
		e.Info("would " + c.kind + " user")
	default:
		e.Info(c.kind + " user")
	}
}

// missingGroups lists, once each and sorted, the groups the changes need created.
func missingGroups(changes []*change) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range changes {
		for _, name := range c.newGroups {
			if k := strings.ToLower(name); !seen[k] {
				seen[k] = true
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// finalUsers is the portal's users as they stand after the run: the users read,
// with each applied change's answer in place.
func (r *report) finalUsers() []lm.User {
	out := append([]lm.User(nil), r.users...)
	index := make(map[int]int, len(out))
	for i, u := range out {
		index[u.ID] = i
	}
	for _, c := range r.changes {
		if c.result == resultApplied {
			if i, ok := index[c.user.ID]; ok {
				out[i] = *c.after
			}
		}
	}
	return out
}

// finalGroups is the portal's groups after the run.
func (r *report) finalGroups() []lm.Group {
	out := append([]lm.Group(nil), r.groups...)
	for _, g := range r.groupsCreated {
		exists := false
		for _, h := range out {
			if h.ID == g.ID {
				exists = true
			}
		}
		if !exists {
			out = append(out, g)
		}
	}
	return out
}
