package hygiene

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/state"
)

// freshPortal has n SSO users in no group whose role's group does not exist.
func freshPortal(n int) *fakePortal {
	p := &fakePortal{
		groups: []lm.Group{{ID: 1, Name: "Suspended"}, {ID: 2, Name: "Ungrouped"}},
		roles:  []lm.Role{{ID: 7, Name: "netops"}},
	}
	for i := range n {
		p.users = append(p.users, lm.User{ID: 100 + i, Username: "fresh" + string(rune('a'+i)), Status: lm.StatusActive,
			CreatedBy: "SAML", Roles: []lm.Role{{ID: 7, Name: "netops"}}, GroupIDs: []int{2}, LastLoginOn: now.Unix()})
	}
	return p
}

// failingCreate is a portal that cannot create groups.
type failingCreate struct{ *fakePortal }

func (failingCreate) CreateGroup(context.Context, string, string) (lm.Group, error) {
	return lm.Group{}, &lm.APIError{Method: "POST", Path: "/setting/admin/groups", StatusCode: 403}
}

func TestApplyRules(t *testing.T) {
	applied := func(u lm.UserUpdate) (lm.User, error) {
		return lm.User{ID: u.ID, Status: u.Status, GroupIDs: u.GroupIDs}, nil
	}
	for _, tc := range []struct {
		rule        string
		portal      func() Portal
		patch       func(lm.UserUpdate) (lm.User, error)
		want        map[Result]int
		wantFailure string
		wantCreated int
		wantErrors  int
	}{
		{rule: "a missing group is created once, before the changes that need it", portal: func() Portal { return freshPortal(3) },
			want: map[Result]int{ResultApplied: 3}, wantCreated: 1},
		{rule: "a group that cannot be created fails each change that needs it",
			portal: func() Portal { return failingCreate{freshPortal(2)} },
			want:   map[Result]int{ResultFailed: 2}, wantErrors: 3},
		{rule: "a change the rate-limit window keeps from being sent waits for the next run",
			portal: func() Portal { return freshPortal(2) },
			patch: func(u lm.UserUpdate) (lm.User, error) {
				if u.ID == 101 {
					return lm.User{}, &lm.NotSentError{Method: "PATCH", Path: "/setting/admins/101", Wait: time.Minute}
				}
				return applied(u)
			},
			want: map[Result]int{ResultApplied: 1, ResultPending: 1}, wantCreated: 1},
		{rule: "an answer that is not as asked is that user's error",
			portal: func() Portal { return freshPortal(2) },
			patch: func(u lm.UserUpdate) (lm.User, error) {
				if u.ID == 100 {
					return lm.User{}, &lm.MismatchError{UserID: u.ID, Reason: "asked groups [901], the portal has [2]",
						User: lm.User{ID: u.ID, Status: u.Status, GroupIDs: []int{2}}}
				}
				return applied(u)
			},
			want: map[Result]int{ResultApplied: 1, ResultFailed: 1}, wantCreated: 1, wantErrors: 1},
		{rule: "a portal that merges groups stops every further change",
			portal: func() Portal { return freshPortal(6) },
			patch: func(u lm.UserUpdate) (lm.User, error) {
				return lm.User{}, &lm.MismatchError{UserID: u.ID, Merged: true, Reason: "merged",
					User: lm.User{ID: u.ID, Status: u.Status, GroupIDs: append([]int{2}, u.GroupIDs...)}}
			},
			wantFailure: "the portal merges adminGroupIds", wantCreated: 1},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			p := tc.portal()
			var fake *fakePortal
			switch p := p.(type) {
			case *fakePortal:
				fake = p
			case failingCreate:
				fake = p.fakePortal
			}
			fake.patch = tc.patch
			pol := testPolicy()
			pol.Command = CommandAssign
			pol.Assign.CreateGroups = true
			r := testRunner(p).Run(t.Context(), pol)
			if tc.wantFailure == "" && r.Failure != nil || tc.wantFailure != "" && (r.Failure == nil || !strings.Contains(r.Failure.Error(), tc.wantFailure)) {
				t.Fatalf("failure %v, want %q", r.Failure, tc.wantFailure)
			}
			got := results(r)
			for res, n := range tc.want {
				if got[res] != n {
					t.Errorf("%d changes %s, want %d (all: %v)", got[res], res, n, got)
				}
			}
			c := r.Counts(Stats{})
			if c.GroupsCreated != tc.wantCreated || tc.want != nil && c.Errors != tc.wantErrors {
				t.Errorf("groups created %d, errors %d; want %d, %d", c.GroupsCreated, c.Errors, tc.wantCreated, tc.wantErrors)
			}
			if tc.wantFailure != "" && (len(fake.patches) != 1 || got[ResultPending] != 5) {
				t.Errorf("%d PATCHes, results %v: want the first alone, the rest pending", len(fake.patches), got)
			}
		})
	}
}

func TestAPlanRunListsTheGroupsItWouldCreate(t *testing.T) {
	p := freshPortal(2)
	pol := testPolicy()
	pol.Apply = false
	pol.Assign.CreateGroups = true
	r := testRunner(p).Run(t.Context(), pol)
	if strings.Join(r.GroupsPlanned, ",") != "netops" || len(p.created) != 0 {
		t.Errorf("groups planned %v, created %v", r.GroupsPlanned, p.created)
	}
}

func TestNoGroupIsCreatedOnceTheRunStopped(t *testing.T) {
	p := freshPortal(1)
	pol := testPolicy()
	pol.Assign.CreateGroups = true
	ctx, cancel := context.WithCancel(t.Context())
	rn := testRunner(p)
	rn.UsersRead = func(int) { cancel() }
	r := rn.Run(ctx, pol)
	if len(p.created) != 0 || results(r)[ResultPending] != 1 || r.Failure == nil || len(p.patches) != 0 {
		t.Errorf("created %v, results %v, failure %v: want nothing created or sent, the change pending, the run cancelled", p.created, results(r), r.Failure)
	}
}

// brokenMemory is a state file every write to which fails.
type brokenMemory struct {
	users        map[int]state.Record
	readErr      error
	saves, begun int
}

var _ Memory = (*brokenMemory)(nil)

func (m *brokenMemory) Users() (map[int]state.Record, error) { return m.users, m.readErr }
func (m *brokenMemory) SaveUsers(map[int]state.Record) error {
	m.saves++
	return errors.New("disk full")
}
func (m *brokenMemory) BeginRun(state.Run) error { m.begun++; return errors.New("disk full") }
func (m *brokenMemory) Intent(string, state.Entry) (uint64, error) {
	return 0, errors.New("disk full")
}
func (m *brokenMemory) Outcome(string, uint64, state.Outcome) error { return errors.New("disk full") }

func TestAStateFileThatFailsNeverStopsTheRun(t *testing.T) {
	for _, tc := range []struct {
		rule    string
		memory  *brokenMemory
		applied int
	}{
		{"a state file that cannot be written: the run goes on, state_ok=0", &brokenMemory{}, 2},
		{"a state file that cannot be read: the run goes on without state, state_ok=0", &brokenMemory{readErr: errors.New("corrupt")}, 2},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			rn := testRunner(idlePortal(2))
			rn.Memory, rn.MemoryOK = tc.memory, true
			pol := testPolicy()
			pol.Suspend.WarnDays = 0
			r := rn.Run(t.Context(), pol)
			if r.Failure != nil || r.StateOK || results(r)[ResultApplied] != tc.applied || r.RunID != "" {
				t.Errorf("failure %v, state ok %v, results %v, run id %q", r.Failure, r.StateOK, results(r), r.RunID)
			}
			if c := r.Counts(Stats{}); c.StateOK != 0 {
				t.Errorf("state_ok=%d", c.StateOK)
			}
		})
	}
}

func TestJournalIntentAndOutcome(t *testing.T) {
	s := openStore(t)
	rn := runnerAt(idlePortal(1), s, now)
	r := &Report{Policy: testPolicy(), Started: now}
	j := rn.beginJournal(r, state.KindRun, "")
	u := &lm.User{ID: 100, Username: "usera", Status: lm.StatusActive, GroupIDs: []int{2}}
	for _, c := range []*Change{
		{Kind: KindSuspend, User: u, Status: lm.StatusSuspended, Result: ResultApplied, After: &lm.User{ID: 100, Status: lm.StatusSuspended, GroupIDs: []int{1}}},
		{Kind: KindSuspend, User: u, Status: lm.StatusSuspended, Result: ResultFailed, Err: errors.New("refused")},
	} {
		j.outcome(j.intent(c, []int{1}), c)
	}
	entries, err := s.Entries(r.RunID)
	if err != nil || len(entries) != 2 {
		t.Fatalf("entries %v %v", entries, err)
	}
	if e := entries[0]; e.Result != state.ResultApplied || e.After.Status != lm.StatusSuspended {
		t.Errorf("applied entry %+v", e)
	}
	if e := entries[1]; e.Result != state.ResultFailed || e.Error != "refused" {
		t.Errorf("failed entry %+v", e)
	}
	var none *journal
	none.outcome(none.intent(&Change{User: u}, nil), &Change{User: u}) // without state: nothing, no panic
}
