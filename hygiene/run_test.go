package hygiene

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// fakePortal is a Portal of function fields over an in-memory directory; it
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

var _ Portal = (*fakePortal)(nil)

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

func testPolicy() Policy {
	return Policy{
		Command: CommandRun, Apply: true, MaxChanges: 50, TimeBudget: time.Minute,
		Suspend: suspend.Options{InactiveDays: 90, Activity: suspend.ActivityAny, SuspendedGroup: "Suspended",
			MinAdmins: 0, NeverLoggedIn: suspend.NeverLoggedInSkip, MaxSuspendPercent: 100},
		Assign: assign.Options{Scope: assign.ScopeSSO, UngroupedGroup: "Ungrouped", SuspendedGroup: "Suspended"},
	}
}

func testRunner(p Portal) *Runner {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return &Runner{Portal: p, Log: logrus.NewEntry(l), Now: func() time.Time { return now }}
}

func results(r *Report) map[Result]int {
	n := map[Result]int{}
	for _, c := range r.Changes {
		n[c.Result]++
	}
	return n
}

func TestRunRules(t *testing.T) {
	tests := []struct {
		name        string
		idle        int
		policy      func(*Policy)
		patch       func(lm.UserUpdate) (lm.User, error)
		wantPatches int
		want        map[Result]int
		wantFailure string
	}{
		{"a plan run writes nothing", 3, func(p *Policy) { p.Apply = false }, nil, 0, map[Result]int{ResultPlanned: 3}, ""},
		{"an applied run makes every planned change", 3, nil, nil, 3, map[Result]int{ResultApplied: 3}, ""},
		{"changes over --max-changes wait for the next run", 5, func(p *Policy) { p.MaxChanges = 2 }, nil, 2,
			map[Result]int{ResultApplied: 2, ResultPending: 3}, ""},
		{"changes over --max-changes are pending in a plan run too", 5, func(p *Policy) { p.MaxChanges = 2; p.Apply = false }, nil, 0,
			map[Result]int{ResultPlanned: 2, ResultPending: 3}, ""},
		{"a tripped breaker blocks every change", 5, func(p *Policy) { p.Suspend.MaxSuspendPercent = 10 }, nil, 0,
			map[Result]int{ResultBlocked: 5}, "inactivity breaker tripped"},
		{"one failed change is that user's error", 3, nil, func(u lm.UserUpdate) (lm.User, error) {
			if u.ID == 101 {
				return lm.User{}, errors.New("refused")
			}
			return lm.User{ID: u.ID, Status: u.Status, GroupIDs: u.GroupIDs}, nil
		}, 3, map[Result]int{ResultApplied: 2, ResultFailed: 1}, ""},
		{"a refused credential stops further changes", 8, nil, func(u lm.UserUpdate) (lm.User, error) {
			return lm.User{}, &lm.APIError{Method: http.MethodPatch, StatusCode: http.StatusUnauthorized}
		}, -1, nil, "refused the credential"},
		{"a 403 on one user is that user's error", 6, func(p *Policy) {}, func(u lm.UserUpdate) (lm.User, error) {
			if u.ID == 102 {
				return lm.User{}, &lm.APIError{Method: http.MethodPatch, StatusCode: http.StatusForbidden}
			}
			return lm.User{ID: u.ID, Status: u.Status, GroupIDs: u.GroupIDs}, nil
		}, 6, map[Result]int{ResultApplied: 5, ResultFailed: 1}, ""},
		{"403s on every user stop the changes", 12, nil, func(u lm.UserUpdate) (lm.User, error) {
			return lm.User{}, &lm.APIError{Method: http.MethodPatch, StatusCode: http.StatusForbidden}
		}, -1, nil, "refused 3 changes in a row"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := idlePortal(tc.idle)
			p.patch = tc.patch
			pol := testPolicy()
			if tc.policy != nil {
				tc.policy(&pol)
			}
			r := testRunner(p).Run(t.Context(), pol)
			if tc.wantFailure == "" && r.Failure != nil || tc.wantFailure != "" && (r.Failure == nil || !strings.Contains(r.Failure.Error(), tc.wantFailure)) {
				t.Fatalf("failure %v, want %q", r.Failure, tc.wantFailure)
			}
			got := results(r)
			if tc.want == nil { // a refused credential: the workers' PATCHes in flight at most, the rest pending
				if len(p.patches) > lm.RefusalsInARow+ApplyWorkers || got[ResultPending] < tc.idle-lm.RefusalsInARow-ApplyWorkers || got[ResultApplied] != 0 {
					t.Fatalf("%d PATCHes, results %v: the run went on after the portal refused the credential", len(p.patches), got)
				}
				return
			}
			if len(p.patches) != tc.wantPatches {
				t.Errorf("%d PATCHes, want %d", len(p.patches), tc.wantPatches)
			}
			for res, n := range tc.want {
				if got[res] != n {
					t.Errorf("%d changes %s, want %d (all: %v)", got[res], res, n, got)
				}
			}
		})
	}
}

func TestSuspensionsComeBeforeMovesAndRegroups(t *testing.T) {
	p := idlePortal(2)
	// A suspended user outside the suspended group is moved; an SSO user in
	// no group is regrouped.
	p.users = append(p.users,
		lm.User{ID: 300, Username: "moved", Status: lm.StatusSuspended, Roles: []lm.Role{{ID: 7, Name: "readonly"}}, GroupIDs: []int{2}},
		lm.User{ID: 301, Username: "fresh", Status: lm.StatusActive, CreatedBy: "SAML", Roles: []lm.Role{{ID: 7, Name: "readonly"}},
			GroupIDs: []int{}, LastLoginOn: now.Add(-time.Hour).Unix()})
	p.groups = append(p.groups, lm.Group{ID: 3, Name: "readonly"})
	r := testRunner(p).Run(t.Context(), testPolicy())
	var kinds []string
	for _, c := range r.Changes {
		kinds = append(kinds, c.Kind.String())
	}
	if got := strings.Join(kinds, ","); got != "suspend,suspend,move,regroup" {
		t.Errorf("changes in the order %s", got)
	}
}

func TestDatapointsAreNamedOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Datapoints {
		if seen[d.Name] {
			t.Errorf("datapoint %s is listed twice", d.Name)
		}
		seen[d.Name] = true
		if d.Help == "" || d.Name != strings.ToLower(d.Name) || strings.ContainsAny(d.Name, " =") {
			t.Errorf("datapoint %q needs a lower-case name without spaces and a meaning", d.Name)
		}
	}
}

func TestCountsOfAnUnreadPortalAreZero(t *testing.T) {
	r := Failed(testPolicy(), errors.New("portal unreachable"))
	c := r.Counts(Stats{})
	for _, d := range Datapoints {
		v := d.Value(&c)
		if d.Name == "state_ok" {
			// A flag, not a count: the state was not the fault.
			if v != "1" {
				t.Errorf("state_ok=%s in a run that failed before it reached the state", v)
			}
			continue
		}
		if v != "0" && v != "0.000" {
			t.Errorf("%s=%s in a run that read nothing", d.Name, v)
		}
	}
}

// tickingClock advances by step at each reading.
func tickingClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	t := now
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		cur := t
		t = t.Add(step)
		return cur
	}
}

func TestTimeBudget(t *testing.T) {
	t.Run("no change starts after the time budget", func(t *testing.T) {
		p := idlePortal(6)
		rn := testRunner(p)
		// Started at 0s, read by 10s, writing from 20s; each change starts
		// 10s later: those at 30s, 40s and 50s fit the minute, the rest wait.
		rn.Now = tickingClock(10 * time.Second)
		r := rn.Run(t.Context(), testPolicy())
		got := results(r)
		if r.Failure != nil || len(p.patches) != 3 || got[ResultApplied] != 3 || got[ResultPending] != 3 || !r.BudgetExhausted {
			t.Errorf("failure %v, %d PATCHes, results %v, budget exhausted %v: want 3 applied, 3 pending, the budget reported",
				r.Failure, len(p.patches), got, r.BudgetExhausted)
		}
	})
	t.Run("a run whose reading leaves too little time to write fails and writes nothing", func(t *testing.T) {
		p := idlePortal(3)
		rn := testRunner(p)
		rn.Now = tickingClock(50 * time.Second) // read in 50s of a 60s budget
		r := rn.Run(t.Context(), testPolicy())
		got := results(r)
		if r.Failure == nil || !strings.Contains(r.Failure.Error(), "reading took 50s of the 1m0s budget") ||
			len(p.patches) != 0 || got[ResultPending] != 3 || !r.BudgetExhausted {
			t.Errorf("failure %v, %d PATCHes, results %v, budget exhausted %v", r.Failure, len(p.patches), got, r.BudgetExhausted)
		}
	})
	t.Run("a plan run that read slowly still completes", func(t *testing.T) {
		p := idlePortal(3)
		rn := testRunner(p)
		rn.Now = tickingClock(50 * time.Second)
		pol := testPolicy()
		pol.Apply = false
		if r := rn.Run(t.Context(), pol); r.Failure != nil {
			t.Errorf("failure %v in a plan run", r.Failure)
		}
	})
}
