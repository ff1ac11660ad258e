package hygiene

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/state"
)

// livePortal is a portal whose PATCHes change its users, as a real portal's
// do, so that an undo reads what the run left.
type livePortal struct {
	mu      sync.Mutex
	users   []lm.User
	groups  []lm.Group
	roles   []lm.Role
	patches []lm.UserUpdate
}

var _ Portal = (*livePortal)(nil)

func (p *livePortal) Users(context.Context) ([]lm.User, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := slices.Clone(p.users)
	for i := range out {
		out[i].GroupIDs = slices.Clone(out[i].GroupIDs)
	}
	return out, nil
}
func (p *livePortal) Groups(context.Context) ([]lm.Group, error) { return slices.Clone(p.groups), nil }
func (p *livePortal) Roles(context.Context) ([]lm.Role, error)   { return p.roles, nil }
func (p *livePortal) CreateGroup(context.Context, string, string) (lm.Group, error) {
	panic("no group is created in these tests")
}

func (p *livePortal) UpdateUser(_ context.Context, u lm.UserUpdate) (lm.User, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.patches = append(p.patches, u)
	for i := range p.users {
		if p.users[i].ID == u.ID {
			p.users[i].Status, p.users[i].GroupIDs = u.Status, slices.Clone(u.GroupIDs)
			return p.users[i], nil
		}
	}
	return lm.User{}, &lm.APIError{StatusCode: 404}
}

// set changes a user as a person would in the portal.
func (p *livePortal) set(id int, status string, groups ...int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.users {
		if p.users[i].ID == id {
			p.users[i].Status, p.users[i].GroupIDs = status, groups
		}
	}
}

func (p *livePortal) user(id int) lm.User {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.users {
		if u.ID == id {
			return u
		}
	}
	return lm.User{}
}

// liveIdlePortal is idlePortal whose PATCHes take effect: users 100..100+n-1
// idle (group 2, Staff), one recent user.
func liveIdlePortal(n int) *livePortal {
	f := idlePortal(n)
	return &livePortal{users: f.users, groups: f.groups, roles: f.roles}
}

func openStore(t *testing.T) *state.Store {
	t.Helper()
	s, h, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil || !h.OK {
		t.Fatalf("open state: %v %v", err, h.Warning)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func runnerAt(p Portal, s *state.Store, at time.Time) *Runner {
	rn := testRunner(p)
	rn.Now = func() time.Time { return at }
	rn.Memory, rn.MemoryOK = s, true
	return rn
}

// suspendAll applies a run that suspends users 100..100+n-1.
func suspendAll(t *testing.T, p *livePortal, s *state.Store, n int) *Report {
	t.Helper()
	r := runnerAt(p, s, now).Run(t.Context(), testPolicy())
	if r.Failure != nil || results(r)[ResultApplied] != n {
		t.Fatalf("run: failure %v, results %v; want %d applied", r.Failure, results(r), n)
	}
	return r
}

func undo(t *testing.T, p *livePortal, s *state.Store, at time.Time, run string, policy func(*Policy)) *Report {
	t.Helper()
	target, err := FindUndoTarget(s, run)
	if err != nil {
		t.Fatalf("undo %s: %v", run, err)
	}
	pol := testPolicy()
	if policy != nil {
		policy(&pol)
	}
	return runnerAt(p, s, at).Undo(t.Context(), pol, target)
}

func outcomes(r *Report) map[UndoOutcome]int {
	n := map[UndoOutcome]int{}
	for _, d := range r.Undo {
		n[d.Outcome]++
	}
	return n
}

func TestUndoRules(t *testing.T) {
	later := now.Add(time.Hour)
	tests := []struct {
		name string
		// meanwhile changes the portal between the run and the undo.
		meanwhile func(p *livePortal)
		policy    func(*Policy)
		want      map[UndoOutcome]int
		results   map[Result]int
		patches   int
	}{
		{"plans putting every user back, writing nothing", nil, func(p *Policy) { p.Apply = false },
			map[UndoOutcome]int{UndoRestore: 3}, map[Result]int{ResultPlanned: 3}, 0},
		{"with --apply puts every user back", nil, nil,
			map[UndoOutcome]int{UndoRestore: 3}, map[Result]int{ResultApplied: 3}, 3},
		{"skips a user a person changed since", func(p *livePortal) { p.set(101, lm.StatusActive, 1) }, nil,
			map[UndoOutcome]int{UndoRestore: 2, UndoChangedSince: 1}, map[Result]int{ResultApplied: 2}, 2},
		{"skips a user already as before", func(p *livePortal) { p.set(102, lm.StatusActive, 2) }, nil,
			map[UndoOutcome]int{UndoRestore: 2, UndoAlreadyBefore: 1}, map[Result]int{ResultApplied: 2}, 2},
		{"skips every user whose old group no longer exists", func(p *livePortal) { p.groups = p.groups[:1] }, nil,
			map[UndoOutcome]int{UndoGroupGone: 3}, map[Result]int{}, 0},
		{"skips a user no longer in the portal", func(p *livePortal) { p.users = slices.Delete(p.users, 0, 1) }, nil,
			map[UndoOutcome]int{UndoRestore: 2, UndoUserGone: 1}, map[Result]int{ResultApplied: 2}, 2},
		{"holds --max-changes", nil, func(p *Policy) { p.MaxChanges = 1 },
			map[UndoOutcome]int{UndoRestore: 3}, map[Result]int{ResultApplied: 1, ResultPending: 2}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := liveIdlePortal(3)
			s := openStore(t)
			run := suspendAll(t, p, s, 3)
			if tc.meanwhile != nil {
				tc.meanwhile(p)
			}
			written := len(p.patches)
			r := undo(t, p, s, later, UndoLast, tc.policy)
			if r.Failure != nil {
				t.Fatalf("undo failed: %v", r.Failure)
			}
			if r.UndoOf != run.RunID || r.Policy.Command != CommandUndo {
				t.Errorf("undo of %q (command %q), want of %q", r.UndoOf, r.Policy.Command, run.RunID)
			}
			if got := outcomes(r); !mapsEqual(got, tc.want) {
				t.Errorf("outcomes %v, want %v", got, tc.want)
			}
			if got := results(r); !mapsEqual(got, tc.results) {
				t.Errorf("results %v, want %v", got, tc.results)
			}
			if got := len(p.patches) - written; got != tc.patches {
				t.Errorf("%d PATCHes, want %d", got, tc.patches)
			}
			for _, c := range r.Changes {
				if c.Kind != KindRestore {
					t.Errorf("%s: kind %s, want restore", c.User.Username, c.Kind)
				}
				if c.Result == ResultApplied {
					if u := p.user(c.User.ID); u.Status != lm.StatusActive || !slices.Equal(u.GroupIDs, []int{2}) {
						t.Errorf("%s after undo: %s %v, want active [2]", u.Username, u.Status, u.GroupIDs)
					}
				}
			}
			for _, d := range r.Undo {
				if d.Reason == "" {
					t.Errorf("%s: no reason", d.User.Username)
				}
			}
			c := r.Counts(Stats{})
			if c.Planned[KindSuspend]+c.Planned[KindMove]+c.Planned[KindRegroup] != 0 || c.Pending != tc.results[ResultPending] {
				t.Errorf("counts %+v: an undo plans no suspension, move or regroup; pending as usual", c)
			}
		})
	}
}

func TestUndoTwiceChangesNothing(t *testing.T) {
	p := liveIdlePortal(3)
	s := openStore(t)
	run := suspendAll(t, p, s, 3)
	first := undo(t, p, s, now.Add(time.Hour), run.RunID, nil)
	if results(first)[ResultApplied] != 3 {
		t.Fatalf("first undo: %v", results(first))
	}
	written := len(p.patches)
	second := undo(t, p, s, now.Add(2*time.Hour), run.RunID, nil)
	if len(p.patches) != written || len(second.Changes) != 0 || outcomes(second)[UndoAlreadyBefore] != 3 {
		t.Errorf("second undo: %d PATCHes, changes %d, outcomes %v; want nothing, every user already as before",
			len(p.patches)-written, len(second.Changes), outcomes(second))
	}
	// undo last still names the run, not an undo.
	target, err := FindUndoTarget(s, UndoLast)
	if err != nil || target.Run.ID != run.RunID {
		t.Errorf("undo last names %q (%v), want the run %s", target.Run.ID, err, run.RunID)
	}
	runs, _ := s.History()
	if len(runs) != 3 || runs[1].Kind != state.KindUndo || runs[1].UndoOf != run.RunID || runs[1].Applied != 3 || runs[2].Applied != 0 {
		t.Errorf("history %+v: want the run, an undo of it that applied 3, and one that applied none", runs)
	}
}

func TestUndoReactivatesForTheNextRun(t *testing.T) {
	p := liveIdlePortal(3)
	s := openStore(t)
	run := suspendAll(t, p, s, 3)
	at := now.Add(time.Hour + 500*time.Millisecond)
	undo(t, p, s, at, run.RunID, nil)
	records, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	for id := 100; id < 103; id++ {
		if got := records[id].Reactivated; !got.Equal(at.Truncate(time.Second)) {
			t.Errorf("user %d reactivated %v, want the undo's time %v", id, got, at)
		}
	}
	// The next day's run finds them idle for a year, but reactivated by
	// the undo a day ago: nobody is suspended.
	next := runnerAt(p, s, now.Add(24*time.Hour)).Run(t.Context(), testPolicy())
	if next.Failure != nil || len(next.Changes) != 0 {
		t.Errorf("the run after the undo: failure %v, changes %d; want none", next.Failure, len(next.Changes))
	}
}

func TestUndoTargets(t *testing.T) {
	s := openStore(t)
	if _, err := FindUndoTarget(s, UndoLast); !IsUnknownRun(err) {
		t.Errorf("undo last on an empty journal: %v, want an unknown run", err)
	}
	p := liveIdlePortal(2)
	r := runnerAt(p, s, now).Run(t.Context(), func() Policy { pol := testPolicy(); pol.MaxChanges = 0; return pol }())
	if r.RunID == "" {
		t.Fatal("an applying run with state has no run id")
	}
	if _, err := FindUndoTarget(s, UndoLast); !IsUnknownRun(err) {
		t.Errorf("undo last when no run applied a change: %v, want an unknown run", err)
	}
	if _, err := FindUndoTarget(s, "20990101T000000Z-abcdef"); !IsUnknownRun(err) || !strings.Contains(err.Error(), "20990101T000000Z-abcdef") {
		t.Errorf("undo of an unknown id: %v, want an unknown run naming it", err)
	}
	target, err := FindUndoTarget(s, r.RunID)
	if err != nil || target.Run.ID != r.RunID || len(target.Entries) != 0 {
		t.Errorf("undo of a run by its id: %+v %v", target, err)
	}
}

func mapsEqual[K comparable](a, b map[K]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

func TestUndoLeavesALaterRunsChange(t *testing.T) {
	p := liveIdlePortal(1)
	s := openStore(t)
	first := suspendAll(t, p, s, 1)
	undo(t, p, s, now.Add(time.Hour), first.RunID, nil)
	// A person suspends the user again, the tool's way; the next run of the
	// journal that changes it is a later decision.
	second := runnerAt(p, s, now.Add(2*time.Hour)).Run(t.Context(), testPolicy())
	if results(second)[ResultApplied] != 0 {
		t.Fatalf("the user undo reactivated was suspended again: %v", results(second))
	}
	p.set(100, lm.StatusActive, 2)
	r := undo(t, p, s, now.Add(3*time.Hour), first.RunID, nil)
	if outcomes(r)[UndoAlreadyBefore] != 1 {
		t.Errorf("outcomes %v, want already as before", outcomes(r))
	}
	// Journal a later change of the user by hand: a run killed before its
	// answer, whose change a later run made, looks like the first run's.
	later := state.NewRunID(now.Add(4 * time.Hour))
	if err := s.BeginRun(state.Run{ID: later, Kind: state.KindRun, Started: now.Add(4 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	suspended := state.UserState{Status: lm.StatusSuspended, GroupIDs: []int{1}}
	if _, err := s.Intent(later, state.Entry{UserID: 100, Before: state.UserState{Status: lm.StatusActive, GroupIDs: []int{2}}, Desired: suspended}); err != nil {
		t.Fatal(err)
	}
	p.set(100, lm.StatusSuspended, 1)
	r = undo(t, p, s, now.Add(5*time.Hour), first.RunID, nil)
	if outcomes(r)[UndoChangedSince] != 1 || !strings.Contains(r.Undo[0].Reason, later) {
		t.Errorf("undo of the first run after a later one changed the user: %v %q, want changed since by %s", outcomes(r), r.Undo[0].Reason, later)
	}
}
