package hygiene

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/state"
	"lm-user-hygiene/suspend"
)

// fakeMemory is a Memory of function fields; it records what the run wrote.
type fakeMemory struct {
	users    func() (map[int]state.Record, error)
	save     func(map[int]state.Record) error
	begin    func(state.Run) error
	saved    []map[int]state.Record
	begun    []state.Run
	intents  int
	outcomes int
}

var _ Memory = (*fakeMemory)(nil)

func (m *fakeMemory) Users() (map[int]state.Record, error) {
	if m.users != nil {
		return m.users()
	}
	return map[int]state.Record{}, nil
}

func (m *fakeMemory) SaveUsers(u map[int]state.Record) error {
	m.saved = append(m.saved, u)
	if m.save != nil {
		return m.save(u)
	}
	return nil
}

func (m *fakeMemory) BeginRun(r state.Run) error {
	m.begun = append(m.begun, r)
	if m.begin != nil {
		return m.begin(r)
	}
	return nil
}

func (m *fakeMemory) Intent(string, state.Entry) (uint64, error) {
	m.intents++
	return uint64(m.intents), nil
}

func (m *fakeMemory) Outcome(string, uint64, state.Outcome) error { m.outcomes++; return nil }

// graceful is testPolicy with two weeks' notice, as the defaults have.
func graceful() Policy {
	p := testPolicy()
	p.Suspend.WarnDays = 14
	return p
}

func TestAStateFileThatCannotBeUsedNeverSuspendsSooner(t *testing.T) {
	tests := []struct {
		name   string
		memory func() *fakeMemory
		// memoryOK is Runner.MemoryOK: false when the file failed as it
		// was opened (the memory then reads empty).
		memoryOK bool
	}{
		{"a file that failed when it was opened reads as an empty memory", func() *fakeMemory { return &fakeMemory{} }, false},
		{"a file that cannot be read (or made) at recall reads as an empty memory", func() *fakeMemory {
			return &fakeMemory{users: func() (map[int]state.Record, error) {
				return nil, errors.New("state file /x/acme.db cannot be written: not a directory")
			}}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := idlePortal(3)
			mem := tt.memory()
			rn := testRunner(p)
			rn.Memory, rn.MemoryOK = mem, tt.memoryOK
			r := rn.Run(t.Context(), graceful())
			if r.Failure != nil {
				t.Fatalf("failure %v: a state file that cannot be used is a warning, not a failed run", r.Failure)
			}
			if len(p.patches) != 0 || len(r.Changes) != 0 {
				t.Fatalf("%d PATCHes, %d changes: users idle for a year were suspended without notice", len(p.patches), len(r.Changes))
			}
			c := r.Counts(Stats{})
			if c.SuspendUpcoming != 3 || c.InactiveFound != 3 || c.StateOK != 0 {
				t.Errorf("suspend_upcoming=%d inactive_found=%d state_ok=%d, want 3 3 0", c.SuspendUpcoming, c.InactiveFound, c.StateOK)
			}
			for _, d := range r.SuspendPlan.Decisions {
				if d.Outcome == suspend.OutcomeUpcoming && !d.SuspendOn().Equal(now.AddDate(0, 0, 14)) {
					t.Errorf("%s: suspended on %v, want 14 days from today (grace from today)", d.User.Username, d.SuspendOn())
				}
			}
			if tt.memoryOK && (len(mem.saved) != 0 || len(mem.begun) != 0) {
				t.Errorf("a memory that could not be read was written: %d saves, %d runs journaled", len(mem.saved), len(mem.begun))
			}
		})
	}
}

func TestAStateFileLockedAtRecallFailsTheRunButIsNoStateFault(t *testing.T) {
	p := idlePortal(3)
	locked := &fakeMemory{users: func() (map[int]state.Record, error) {
		return map[int]state.Record{}, state.ErrLocked
	}}
	rn := testRunner(p)
	rn.Memory, rn.MemoryOK = locked, true
	r := rn.Run(t.Context(), graceful())
	if !errors.Is(r.Failure, state.ErrLocked) || len(p.patches) != 0 || len(locked.saved) != 0 {
		t.Fatalf("failure %v, %d PATCHes, %d saves; want the run stopped, nothing written", r.Failure, len(p.patches), len(locked.saved))
	}
	if c := r.Counts(Stats{}); c.StateOK != 1 || c.RunSuccess != 0 {
		t.Errorf("state_ok=%d run_success=%d, want 1 0: a lock not obtained is not a state file that cannot be used", c.StateOK, c.RunSuccess)
	}
}

func TestARefusedRunRecordsNothingInTheStateFile(t *testing.T) {
	tests := []struct {
		name   string
		portal func() *fakePortal
		policy func(*Policy)
		want   error
	}{
		{"the breaker tripped", func() *fakePortal { return idlePortal(5) }, func(p *Policy) { p.Suspend.MaxSuspendPercent = 20 }, errBreaker},
		{"too many users could not be read", func() *fakePortal {
			p := idlePortal(5)
			for i := range 2 {
				p.users[i].Unreadable = "adminGroupIds null"
			}
			return p
		}, nil, errUnreadable},
	}
	for _, tt := range tests {
		for _, apply := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, apply=%v", tt.name, apply), func(t *testing.T) {
				p := tt.portal()
				mem := &fakeMemory{}
				rn := testRunner(p)
				rn.Memory, rn.MemoryOK = mem, true
				pol := graceful()
				pol.Apply = apply
				if tt.policy != nil {
					tt.policy(&pol)
				}
				r := rn.Run(t.Context(), pol)
				if !errors.Is(r.Failure, tt.want) {
					t.Fatalf("failure %v, want %v", r.Failure, tt.want)
				}
				if len(mem.saved) != 0 || len(mem.begun) != 0 || mem.intents != 0 {
					t.Errorf("apply=%v: the refused run recorded %d saves, %d runs, %d intents", apply, len(mem.saved), len(mem.begun), mem.intents)
				}
				if c := r.Counts(Stats{}); c.Pending != 0 || c.StateOK != 1 {
					t.Errorf("apply=%v: pending=%d state_ok=%d, want 0 1: a refused run's changes are not pending", apply, c.Pending, c.StateOK)
				}
			})
		}
	}
	// The same portal and memory, not refused, record: the test can fail.
	mem := &fakeMemory{}
	rn := testRunner(idlePortal(5))
	rn.Memory, rn.MemoryOK = mem, true
	if r := rn.Run(t.Context(), graceful()); r.Failure != nil || len(mem.saved) != 1 {
		t.Fatalf("a run that was not refused: failure %v, %d saves; want 1", r.Failure, len(mem.saved))
	}
}

func TestStateOKIsZeroOnlyWhenTheStateFileFailed(t *testing.T) {
	failing := errors.New("disk full")
	tests := []struct {
		name string
		run  func(t *testing.T) *Report
		want int
	}{
		{"--state off is a choice", func(t *testing.T) *Report {
			rn := testRunner(idlePortal(1))
			rn.MemoryOK = true
			return rn.Run(t.Context(), testPolicy())
		}, 1},
		{"bad configuration never reached the state", func(t *testing.T) *Report {
			return Failed(testPolicy(), errors.New("--inactive-days must be a number"))
		}, 1},
		{"an unreadable portal never reached the state", func(t *testing.T) *Report {
			rn := testRunner(unreachable{&fakePortal{}})
			rn.Memory, rn.MemoryOK = &fakeMemory{}, true
			return rn.Run(t.Context(), testPolicy())
		}, 1},
		{"a file that could not be opened", func(t *testing.T) *Report {
			rn := testRunner(idlePortal(1))
			rn.Memory = &fakeMemory{}
			return rn.Run(t.Context(), testPolicy())
		}, 0},
		{"a file that could not be read", func(t *testing.T) *Report {
			rn := testRunner(idlePortal(1))
			rn.Memory, rn.MemoryOK = &fakeMemory{users: func() (map[int]state.Record, error) { return nil, failing }}, true
			return rn.Run(t.Context(), testPolicy())
		}, 0},
		{"a file that could not be written", func(t *testing.T) *Report {
			rn := testRunner(idlePortal(1))
			rn.Memory, rn.MemoryOK = &fakeMemory{save: func(map[int]state.Record) error { return failing }}, true
			return rn.Run(t.Context(), testPolicy())
		}, 0},
		{"a journal that could not be begun", func(t *testing.T) *Report {
			rn := testRunner(idlePortal(1))
			rn.Memory, rn.MemoryOK = &fakeMemory{begin: func(state.Run) error { return failing }}, true
			return rn.Run(t.Context(), testPolicy())
		}, 0},
		{"an empty memory standing in for an unusable file journals nothing, silently", func(t *testing.T) *Report {
			rn := testRunner(idlePortal(1))
			rn.Memory, rn.MemoryOK = &fakeMemory{begin: func(state.Run) error { return state.ErrNoState }}, true
			return rn.Run(t.Context(), testPolicy())
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.run(t)
			if c := r.Counts(Stats{}); c.StateOK != tt.want {
				t.Errorf("state_ok=%d, want %d (failure %v)", c.StateOK, tt.want, r.Failure)
			}
		})
	}
}

func TestAUserWithoutRolesIsNeverChanged(t *testing.T) {
	tests := []struct {
		name string
		user lm.User
	}{
		{"an idle active user", lm.User{ID: 200, Username: "bare", Status: lm.StatusActive, Roles: []lm.Role{}, GroupIDs: []int{2},
			LastLoginOn: now.AddDate(-1, 0, 0).Unix()}},
		{"a suspended user outside the suspended group", lm.User{ID: 200, Username: "bare", Status: lm.StatusSuspended, Roles: []lm.Role{},
			GroupIDs: []int{2}}},
		{"an ungrouped SSO user", lm.User{ID: 200, Username: "bare", Status: lm.StatusActive, Roles: []lm.Role{}, CreatedBy: "SAML",
			GroupIDs: []int{}, LastLoginOn: now.Add(-time.Hour).Unix()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := idlePortal(0)
			p.users = append(p.users, tt.user)
			rn := testRunner(p)
			logger, hook := test.NewNullLogger()
			rn.Log = logrus.NewEntry(logger)
			r := rn.Run(t.Context(), testPolicy())
			if r.Failure != nil || len(r.Changes) != 0 || len(p.patches) != 0 {
				t.Fatalf("failure %v, %d changes, %d PATCHes: a user without roles was planned", r.Failure, len(r.Changes), len(p.patches))
			}
			// The log is what a collector's run shows: the user at info,
			// and one warning however many there are.
			named, warned := 0, 0
			for _, e := range hook.AllEntries() {
				switch {
				case e.Level == logrus.InfoLevel && e.Data["user"] == "bare" && strings.Contains(e.Message, "no roles"):
					named++
				case e.Level == logrus.WarnLevel && e.Data["no_roles"] == 1:
					warned++
				}
			}
			if named != 1 || warned != 1 {
				t.Errorf("%d info lines name the user without roles and %d warnings count them, want 1 and 1", named, warned)
			}
			c := r.Counts(Stats{})
			if c.Errors != 0 || c.InactiveFound != 0 || c.Pending != 0 {
				t.Errorf("errors=%d inactive_found=%d pending=%d, want 0 0 0", c.Errors, c.InactiveFound, c.Pending)
			}
			if sp := r.SuspendPlan; sp.NoRoles != 1 || sp.Considered != 1 {
				t.Errorf("no roles %d, considered %d; want 1 reported and only the user with roles considered", sp.NoRoles, sp.Considered)
			}
		})
	}
}

// unreachable is a portal that cannot be read.
type unreachable struct{ *fakePortal }

func (unreachable) Users(context.Context) ([]lm.User, error) {
	return nil, errors.New("GET /setting/admins: dial tcp: connection refused")
}
