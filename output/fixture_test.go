package output

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/state"
	"lm-user-hygiene/suspend"
)

// The runs whose reports these tests print: a portal of function fields
// over an in-memory directory, and one whose PATCHes take effect.

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// fakePortal is a hygiene.Portal of function fields over an in-memory directory; it
// records every write.
type fakePortal struct {
	users  []lm.User
	groups []lm.Group
	roles  []lm.Role

	mu      sync.Mutex
	patches []lm.UserUpdate
	created []string
	// patch answers a PATCH; nil applies it.
	patch func(u lm.UserUpdate) (lm.User, error)
}

var _ hygiene.Portal = (*fakePortal)(nil)

func (p *fakePortal) Users(context.Context) ([]lm.User, error)   { return p.users, nil }
func (p *fakePortal) Groups(context.Context) ([]lm.Group, error) { return p.groups, nil }
func (p *fakePortal) Roles(context.Context) ([]lm.Role, error)   { return p.roles, nil }

func (p *fakePortal) CreateGroup(_ context.Context, name, _ string) (lm.Group, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.created = append(p.created, name)
	return lm.Group{ID: 900 + len(p.created), Name: name}, nil
}

func (p *fakePortal) UpdateUser(_ context.Context, u lm.UserUpdate) (lm.User, error) {
	p.mu.Lock()
	p.patches = append(p.patches, u)
	p.mu.Unlock()
	if p.patch != nil {
		return p.patch(u)
	}
	// The portal answers with the whole user, as it has it now.
	for _, known := range p.users {
		if known.ID == u.ID {
			known.Status, known.GroupIDs = u.Status, u.GroupIDs
			return known, nil
		}
	}
	return lm.User{ID: u.ID, Status: u.Status, GroupIDs: u.GroupIDs}, nil
}

// idlePortal has n active users idle for a year and one active user.
func idlePortal(n int) *fakePortal {
	p := &fakePortal{
		groups: []lm.Group{{ID: 1, Name: "Suspended"}, {ID: 2, Name: "Staff"}},
		roles:  []lm.Role{{ID: 7, Name: "readonly"}},
	}
	for i := range n + 1 {
		last := now.Add(-365 * 24 * time.Hour)
		if i == n {
			last = now.Add(-time.Hour)
		}
		p.users = append(p.users, lm.User{ID: 100 + i, Username: "user" + string(rune('a'+i)), Status: lm.StatusActive,
			Roles: []lm.Role{{ID: 7, Name: "readonly"}}, GroupIDs: []int{2}, LastLoginOn: last.Unix()})
	}
	return p
}

func testPolicy() hygiene.Policy {
	return hygiene.Policy{
		Command: hygiene.CommandRun, Apply: true, MaxChanges: 50, TimeBudget: time.Minute,
		Suspend: suspend.Options{InactiveDays: 90, Activity: suspend.ActivityAny, SuspendedGroup: "Suspended",
			MinAdmins: 0, NeverLoggedIn: suspend.NeverLoggedInSkip, MaxSuspendPercent: 100},
		Assign: assign.Options{Scope: assign.ScopeSSO, UngroupedGroup: "Ungrouped", SuspendedGroup: "Suspended"},
	}
}

func testRunner(p hygiene.Portal) *hygiene.Runner {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return &hygiene.Runner{Portal: p, Log: logrus.NewEntry(l), Now: func() time.Time { return now }}
}

func results(r *hygiene.Report) map[hygiene.Result]int {
	n := map[hygiene.Result]int{}
	for _, c := range r.Changes {
		n[c.Result]++
	}
	return n
}

// livePortal is a portal whose PATCHes change its users, as a real portal's
// do, so that an undo reads what the run left.
type livePortal struct {
	mu      sync.Mutex
	users   []lm.User
	groups  []lm.Group
	roles   []lm.Role
	patches []lm.UserUpdate
}

var _ hygiene.Portal = (*livePortal)(nil)

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

func runnerAt(p hygiene.Portal, s *state.Store, at time.Time) *hygiene.Runner {
	rn := testRunner(p)
	rn.Now = func() time.Time { return at }
	rn.Memory, rn.MemoryOK = s, true
	return rn
}

// suspendAll applies a run that suspends users 100..100+n-1.
func suspendAll(t *testing.T, p *livePortal, s *state.Store, n int) *hygiene.Report {
	t.Helper()
	r := runnerAt(p, s, now).Run(t.Context(), testPolicy())
	if r.Failure != nil || results(r)[hygiene.ResultApplied] != n {
		t.Fatalf("run: failure %v, results %v; want %d applied", r.Failure, results(r), n)
	}
	return r
}

func undo(t *testing.T, p *livePortal, s *state.Store, at time.Time, run string, policy func(*hygiene.Policy)) *hygiene.Report {
	t.Helper()
	target, err := hygiene.FindUndoTarget(s, run)
	if err != nil {
		t.Fatalf("undo %s: %v", run, err)
	}
	pol := testPolicy()
	if policy != nil {
		policy(&pol)
	}
	return runnerAt(p, s, at).Undo(t.Context(), pol, target)
}
