package hygiene_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
	"lm-user-hygiene/suspend"
)

// These tests run hygiene.Runner with the real client against the simulated
// portal over HTTP on loopback, once for each way a real portal may answer:
// plan, apply, plan again, counting the requests and PATCHes each run sends
// against the floor (the fewest a run can send).

const (
	accessID  = "E2E-ID-5u8"
	accessKey = "SECRET-e2e-key-7f20"
	idleUsers = 6
)

// The floor of one run: a page each of users, groups and roles.
const readFloor = 3

// e2e is one portal and what a run against it leaves behind.
type e2e struct {
	t      *testing.T
	portal *lmfake.Portal
	watch  *patchWatch
	client *lm.Client
	logs   *bytes.Buffer
	logMu  *sync.Mutex
	// seen is how many requests the portal had received before the run.
	seen int
}

// newE2E starts a portal with idleUsers active users idle for a year (role
// readonly, group Staff), one recently active user, and the groups Staff
// and Suspended (with suspendedID as its id, 0 included).
func newE2E(t *testing.T, suspendedID int, mode func(*lmfake.Config)) *e2e {
	t.Helper()
	cfg := lmfake.Config{AccessID: accessID, AccessKey: accessKey, RequirePatchRoles: true}
	if mode != nil {
		mode(&cfg)
	}
	p := lmfake.New(cfg)
	staff := p.AddGroupWithID(suspendedID+1, "Staff")
	p.AddGroupWithID(suspendedID, "Suspended")
	readonly := p.AddRole("readonly")
	idle := time.Now().Add(-365 * 24 * time.Hour).Unix()
	for i := range idleUsers + 1 {
		last := idle
		if i == idleUsers {
			last = time.Now().Add(-time.Hour).Unix()
		}
		p.AddUser(lm.User{Username: fmt.Sprintf("user%d@example.com", i), Roles: []lm.Role{readonly},
			GroupIDs: []int{staff.ID}, LastLoginOn: last, CreatedBy: "admin@example.com"})
	}
	w := &patchWatch{h: p}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)

	e := &e2e{t: t, portal: p, watch: w, logs: &bytes.Buffer{}, logMu: &sync.Mutex{}}
	logger := logrus.New()
	logger.SetOutput(lockedWriter{e.logMu, e.logs})
	logger.SetLevel(logrus.DebugLevel)
	c, err := lm.New(lm.Config{BaseURL: srv.URL + lmfake.BasePath, AccessID: accessID, AccessKey: accessKey,
		RetryBaseDelay: time.Millisecond, Logger: logrus.NewEntry(logger)})
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// run makes one run (apply or plan) and returns its report, the requests
// and PATCHes it sent, and the warnings it logged.
func (e *e2e) run(apply bool) (r *hygiene.Report, requests, patches int, warnings []string) {
	e.t.Helper()
	e.logMu.Lock()
	e.logs.Reset()
	e.logMu.Unlock()
	logger := logrus.New()
	logger.SetOutput(lockedWriter{e.logMu, e.logs})
	logger.SetLevel(logrus.DebugLevel)
	rn := &hygiene.Runner{Portal: e.client, Log: logrus.NewEntry(logger), Now: time.Now, MemoryOK: true}
	pol := hygiene.Policy{
		Command: hygiene.CommandRun, Apply: apply, MaxChanges: 50, TimeBudget: time.Minute,
		Suspend: suspend.Options{InactiveDays: 90, Activity: suspend.ActivityAny, SuspendedGroup: "Suspended",
			NeverLoggedIn: suspend.NeverLoggedInSkip, MaxSuspendPercent: 100},
		Assign: assign.Options{Scope: assign.ScopeSSO, UngroupedGroup: "Ungrouped", SuspendedGroup: "Suspended"},
	}
	r = rn.Run(context.Background(), pol)
	all := e.portal.Requests()
	for _, req := range all[e.seen:] {
		if req.Method == http.MethodPatch {
			patches++
		}
		if strings.Contains(string(req.Body), "password") {
			e.t.Errorf("a request sent a password: %s %s %s", req.Method, req.Path, req.Body)
		}
	}
	requests = len(all) - e.seen
	e.seen = len(all)
	e.logMu.Lock()
	defer e.logMu.Unlock()
	logs := e.logs.String()
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "level=warning") && !strings.Contains(line, "token's owner") && !strings.Contains(line, "owner") {
			warnings = append(warnings, line)
		}
	}
	// The masked password the portal sends on every user is never kept,
	// shown or logged.
	shown := logs + fmt.Sprintf("%+v", r.Users)
	for _, c := range r.Changes {
		shown += fmt.Sprintf("%+v %v", *c.User, c.Err)
		if c.After != nil {
			shown += fmt.Sprintf("%+v", *c.After)
		}
	}
	if r.Failure != nil {
		shown += r.Failure.Error()
	}
	if strings.Contains(shown, lmfake.MaskedPassword) || strings.Contains(shown, "password") {
		e.t.Errorf("the password reaches the report or the logs")
	}
	return r, requests, patches, warnings
}

func tally(r *hygiene.Report) map[hygiene.Result]int {
	n := map[hygiene.Result]int{}
	for _, c := range r.Changes {
		n[c.Result]++
	}
	return n
}

// halfChanged counts users suspended but still outside the suspended group.
func (e *e2e) halfChanged(suspendedID int) int {
	n := 0
	for _, u := range e.portal.Users() {
		if u.Status == lm.StatusSuspended && (len(u.GroupIDs) != 1 || u.GroupIDs[0] != suspendedID) {
			n++
		}
	}
	return n
}

// patchWatch records, for PATCHes, when each arrives and when its answer is
// decided (before it is written, so that no later PATCH can be recorded
// ahead of it), and how many were in flight at most.
type patchWatch struct {
	h           http.Handler
	mu          sync.Mutex
	events      []string
	inFlight    int
	maxInFlight int
}

func (w *patchWatch) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPatch {
		w.h.ServeHTTP(rw, r)
		return
	}
	w.mu.Lock()
	w.inFlight++
	w.maxInFlight = max(w.maxInFlight, w.inFlight)
	w.events = append(w.events, "start")
	w.mu.Unlock()
	w.h.ServeHTTP(&answered{ResponseWriter: rw, done: func() {
		w.mu.Lock()
		w.inFlight--
		w.events = append(w.events, "end")
		w.mu.Unlock()
	}}, r)
}

// alone reports whether the first n PATCHes each went alone: every start
// was followed by its end before the next start.
func (w *patchWatch) alone(n int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := 0; i < 2*n && i < len(w.events); i++ {
		if want := []string{"start", "end"}[i%2]; w.events[i] != want {
			return false
		}
	}
	return len(w.events) >= 2*n
}

type answered struct {
	http.ResponseWriter
	done func()
	once sync.Once
}

func (a *answered) WriteHeader(status int) {
	a.once.Do(a.done)
	a.ResponseWriter.WriteHeader(status)
}

func (a *answered) Write(b []byte) (int, error) {
	a.once.Do(a.done)
	return a.ResponseWriter.Write(b)
}

// A portal that answers as documented: the control every mode is held to.
func TestRealPortalAsDocumented(t *testing.T) {
	e := newE2E(t, 7, nil)
	// Slow writes, so that PATCHes that may overlap do.
	e.portal.SetMethodLatency(http.MethodPatch, 2*time.Millisecond)
	r, req, patches, warn := e.run(false)
	if r.Failure != nil || tally(r)[hygiene.ResultPlanned] != idleUsers || req != readFloor || patches != 0 || len(warn) != 0 {
		t.Fatalf("plan: failure %v, %v, %d requests, %d PATCHes, warnings %q", r.Failure, tally(r), req, patches, warn)
	}
	r, req, patches, _ = e.run(true)
	if r.Failure != nil || tally(r)[hygiene.ResultApplied] != idleUsers || req != readFloor+idleUsers || patches != idleUsers {
		t.Fatalf("apply: failure %v, %v, %d requests, %d PATCHes", r.Failure, tally(r), req, patches)
	}
	if !e.watch.alone(1) {
		t.Errorf("the run's first PATCH did not go alone: %v", e.watch.events)
	}
	r, req, patches, _ = e.run(false)
	if r.Failure != nil || len(r.Changes) != 0 || req != readFloor || patches != 0 {
		t.Fatalf("plan after apply: failure %v, %d changes, %d requests", r.Failure, len(r.Changes), req)
	}
}

// A portal that applies status but ignores adminGroupIds: the first PATCH
// (alone) shows it, no further change starts, the run fails naming
// adminGroupIds, one user is left half-changed, and the next run plans
// what is left: the move of that user and the other suspensions.
func TestRealPortalIgnoresAdminGroupIDs(t *testing.T) {
	e := newE2E(t, 7, func(c *lmfake.Config) { c.IgnoreGroupIDs = true })
	if r, req, _, _ := e.run(false); r.Failure != nil || req != readFloor {
		t.Fatalf("plan: %v, %d requests", r.Failure, req)
	}
	r, req, patches, _ := e.run(true)
	got := tally(r)
	if r.Failure == nil || !strings.Contains(r.Failure.Error(), "ignores adminGroupIds") {
		t.Fatalf("failure %v, want the run failed naming adminGroupIds", r.Failure)
	}
	if patches != 1 || req != readFloor+1 || got[hygiene.ResultFailed] != 1 || got[hygiene.ResultPending] != idleUsers-1 {
		t.Errorf("%d PATCHes, %d requests, results %v: want one PATCH, the rest pending", patches, req, got)
	}
	if n := e.halfChanged(7); n != 1 {
		t.Errorf("%d users half-changed, want at most one", n)
	}
	t.Logf("what the admin reads: %v", r.Failure)
	r, req, patches, _ = e.run(false)
	moves, suspensions := 0, 0
	for _, c := range r.Changes {
		switch c.Kind {
		case hygiene.KindMove:
			moves++
		case hygiene.KindSuspend:
			suspensions++
		}
	}
	if r.Failure != nil || moves != 1 || suspensions != idleUsers-1 || req != readFloor || patches != 0 {
		t.Errorf("next plan: failure %v, %d moves, %d suspensions, %d requests: want what is left planned", r.Failure, moves, suspensions, req)
	}
}

// A portal that answers every PATCH 400: three PATCHes, each alone, then the
// run stops with the portal's errorMessage; nothing changed, so the next
// run plans the same.
func TestRealPortalRefusesEveryPatch(t *testing.T) {
	e := newE2E(t, 7, func(c *lmfake.Config) { c.RefusePatches = true })
	e.portal.SetMethodLatency(http.MethodPatch, 2*time.Millisecond)
	e.run(false)
	r, req, patches, _ := e.run(true)
	got := tally(r)
	if r.Failure == nil || !strings.Contains(r.Failure.Error(), lmfake.PatchRefusedMessage) || !strings.Contains(r.Failure.Error(), "3 changes in a row") {
		t.Fatalf("failure %v, want the stop with the portal's errorMessage", r.Failure)
	}
	if patches != lm.RefusalsInARow || req != readFloor+lm.RefusalsInARow || got[hygiene.ResultFailed] != 3 || got[hygiene.ResultPending] != idleUsers-3 {
		t.Errorf("%d PATCHes, %d requests, results %v: want 3 refused, the rest pending", patches, req, got)
	}
	if !e.watch.alone(3) || e.watch.maxInFlight != 1 {
		t.Errorf("refused PATCHes did not go alone: %v", e.watch.events)
	}
	t.Logf("what the admin reads: %v", r.Failure)
	r, _, _, _ = e.run(false)
	if r.Failure != nil || tally(r)[hygiene.ResultPlanned] != idleUsers {
		t.Errorf("next plan: %v, %v", r.Failure, tally(r))
	}
}

// 400 and 403 are one count, and any other answer resets it.
func TestRealPortalRefusalsInARow(t *testing.T) {
	t.Run("400, 400, 403 stop the run", func(t *testing.T) {
		e := newE2E(t, 7, nil)
		e.portal.InjectFault(lmfake.Fault{Method: http.MethodPatch, Status: http.StatusBadRequest, Count: 2})
		e.portal.InjectFault(lmfake.Fault{Method: http.MethodPatch, Status: http.StatusForbidden})
		r, _, patches, _ := e.run(true)
		if r.Failure == nil || !strings.Contains(r.Failure.Error(), "3 changes in a row") || patches != 3 || tally(r)[hygiene.ResultPending] != idleUsers-3 {
			t.Errorf("failure %v, %d PATCHes, %v", r.Failure, patches, tally(r))
		}
	})
	t.Run("an answer as asked between refusals resets the count", func(t *testing.T) {
		e := newE2E(t, 7, nil)
		e.portal.InjectFault(lmfake.Fault{Method: http.MethodPatch, Status: http.StatusBadRequest, Count: 2})
		e.portal.InjectFault(lmfake.Fault{Method: http.MethodPatch, Stall: time.Nanosecond}) // served as asked
		e.portal.InjectFault(lmfake.Fault{Method: http.MethodPatch, Status: http.StatusForbidden, Count: 2})
		r, _, patches, _ := e.run(true)
		got := tally(r)
		if r.Failure != nil || patches != idleUsers || got[hygiene.ResultFailed] != 4 || got[hygiene.ResultApplied] != 2 {
			t.Errorf("failure %v, %d PATCHes, %v: want every change tried, 4 errors", r.Failure, patches, got)
		}
	})
	t.Run("refusals that start after a change was made still stop at three", func(t *testing.T) {
		e := newE2E(t, 7, nil)
		// Slow answers, so that every PATCH the run lets go at once is in
		// flight before the first refusal is judged.
		e.portal.InjectFault(lmfake.Fault{Method: http.MethodPatch, Stall: 20 * time.Millisecond}) // served as asked
		e.portal.InjectFault(lmfake.Fault{Method: http.MethodPatch, Status: http.StatusForbidden, Stall: 20 * time.Millisecond, Count: idleUsers})
		r, _, patches, _ := e.run(true)
		got := tally(r)
		if r.Failure == nil || patches != 1+lm.RefusalsInARow || got[hygiene.ResultFailed] != lm.RefusalsInARow || got[hygiene.ResultApplied] != 1 {
			t.Errorf("failure %v, %d PATCHes, %v: want 1 made, then no more than %d refused and the run stopped", r.Failure, patches, got, lm.RefusalsInARow)
		}
	})
}

// A portal that answers 400 naming sort: each list costs its one refused
// request and is read without sort=, with one warning each; the runs are
// otherwise as documented.
func TestRealPortalRefusesSort(t *testing.T) {
	e := newE2E(t, 7, func(c *lmfake.Config) { c.RefuseSort = true })
	const refused = 3 // users, groups, roles: one refused request each
	r, req, _, warn := e.run(false)
	if r.Failure != nil || tally(r)[hygiene.ResultPlanned] != idleUsers || req != readFloor+refused || len(warn) != refused {
		t.Fatalf("plan: failure %v, %v, %d requests, warnings %q", r.Failure, tally(r), req, warn)
	}
	for _, w := range warn {
		if !strings.Contains(w, "sort") {
			t.Errorf("warning %q does not name sort", w)
		}
	}
	r, req, patches, _ := e.run(true)
	if r.Failure != nil || tally(r)[hygiene.ResultApplied] != idleUsers || req != readFloor+refused+idleUsers || patches != idleUsers {
		t.Fatalf("apply: failure %v, %v, %d requests", r.Failure, tally(r), req)
	}
	r, req, _, _ = e.run(false)
	if r.Failure != nil || len(r.Changes) != 0 || req != readFloor+refused {
		t.Fatalf("plan after apply: failure %v, %d changes, %d requests", r.Failure, len(r.Changes), req)
	}
}

// A portal whose fields= projection drops nested data: the users list is
// read again once without fields=, with one warning naming fields; no user
// is unreadable and the runs are otherwise as documented.
func TestRealPortalThinProjection(t *testing.T) {
	e := newE2E(t, 7, func(c *lmfake.Config) { c.ThinProjection = true })
	r, req, _, warn := e.run(false)
	if r.Failure != nil || tally(r)[hygiene.ResultPlanned] != idleUsers || req != readFloor+1 || len(warn) != 1 || !strings.Contains(warn[0], "fields") {
		t.Fatalf("plan: failure %v, %v, %d requests, warnings %q", r.Failure, tally(r), req, warn)
	}
	for _, u := range r.Users {
		if u.Unreadable != "" {
			t.Errorf("user %d unreadable: %s", u.ID, u.Unreadable)
		}
	}
	r, req, patches, _ := e.run(true)
	if r.Failure != nil || tally(r)[hygiene.ResultApplied] != idleUsers || req != readFloor+1+idleUsers || patches != idleUsers {
		t.Fatalf("apply: failure %v, %v, %d requests", r.Failure, tally(r), req)
	}
	r, req, _, _ = e.run(false)
	if r.Failure != nil || len(r.Changes) != 0 || req != readFloor+1 {
		t.Fatalf("plan after apply: failure %v, %d changes, %d requests", r.Failure, len(r.Changes), req)
	}
}

// A suspended group whose id is 0 is a group: the run suspends into it
// without creating one, and the next plan plans nothing.
func TestRealPortalSuspendedGroupWithIDZero(t *testing.T) {
	e := newE2E(t, 0, nil)
	r, req, _, _ := e.run(false)
	if r.Failure != nil || tally(r)[hygiene.ResultPlanned] != idleUsers || len(r.GroupsPlanned) != 0 || req != readFloor {
		t.Fatalf("plan: failure %v, %v, groups to create %v, %d requests", r.Failure, tally(r), r.GroupsPlanned, req)
	}
	r, req, patches, _ := e.run(true)
	if r.Failure != nil || tally(r)[hygiene.ResultApplied] != idleUsers || len(r.GroupsCreated) != 0 || req != readFloor+idleUsers || patches != idleUsers {
		t.Fatalf("apply: failure %v, %v, created %v, %d requests", r.Failure, tally(r), r.GroupsCreated, req)
	}
	if n := e.halfChanged(0); n != 0 {
		t.Errorf("%d suspended users outside group 0", n)
	}
	r, req, patches, _ = e.run(false)
	if r.Failure != nil || len(r.Changes) != 0 || req != readFloor || patches != 0 {
		t.Fatalf("plan after apply: failure %v, %d changes (%v), %d requests: not idempotent", r.Failure, len(r.Changes), tally(r), req)
	}
}

// A user whose id is 0 is a user like any other: read, suspended, and not
// planned again.
func TestRealPortalUserWithIDZero(t *testing.T) {
	e := newE2E(t, 7, nil)
	readonly := e.portal.AddRole("readonly")
	e.portal.AddUserWithID(0, lm.User{Username: "zero@example.com", Roles: []lm.Role{readonly}, GroupIDs: []int{8},
		LastLoginOn: time.Now().Add(-365 * 24 * time.Hour).Unix(), CreatedBy: "admin@example.com"})
	r, _, _, _ := e.run(false)
	if r.Failure != nil || tally(r)[hygiene.ResultPlanned] != idleUsers+1 || r.Users[0].ID != 0 || r.Users[0].Unreadable != "" {
		t.Fatalf("plan: failure %v, %v, first user %+v", r.Failure, tally(r), r.Users[0])
	}
	r, _, patches, _ := e.run(true)
	if r.Failure != nil || tally(r)[hygiene.ResultApplied] != idleUsers+1 || patches != idleUsers+1 {
		t.Fatalf("apply: failure %v, %v, %d PATCHes", r.Failure, tally(r), patches)
	}
	if u, _ := e.portal.User(0); u.Status != lm.StatusSuspended {
		t.Errorf("user 0 is %s", u.Status)
	}
	if r, _, _, _ = e.run(false); r.Failure != nil || len(r.Changes) != 0 {
		t.Fatalf("plan after apply: failure %v, %d changes", r.Failure, len(r.Changes))
	}
}
