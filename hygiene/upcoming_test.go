package hygiene

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/state"
	"lm-user-hygiene/suspend"
)

// noticePortal is a portal of one group of staff and the suspended group,
// with the users given (active, readonly, in Staff unless they say).
func noticePortal(users ...lm.User) *fakePortal {
	p := &fakePortal{
		groups: []lm.Group{{ID: 1, Name: "Suspended"}, {ID: 2, Name: "Staff"}},
		roles:  []lm.Role{{ID: 7, Name: "readonly"}},
	}
	for i, u := range users {
		u.ID = 100 + i
		if u.Status == "" {
			u.Status = lm.StatusActive
		}
		if u.Roles == nil {
			u.Roles = []lm.Role{{ID: 7, Name: "readonly"}}
		}
		if u.GroupIDs == nil {
			u.GroupIDs = []int{2}
		}
		p.users = append(p.users, u)
	}
	return p
}

// ago is the epoch d before the tests' clock.
func ago(d time.Duration) int64 { return now.Add(-d).Unix() }

const dayLength = 24 * time.Hour

func noticePolicy() Policy {
	p := testPolicy()
	p.Apply = false
	p.Suspend.WarnDays = 14
	return p
}

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// The clock is 2026-11-28 12:00 UTC; --inactive-days 90, --warn-days 14.
func TestUpcomingRules(t *testing.T) {
	tests := []struct {
		name   string
		users  []lm.User
		policy func(*Policy)
		// memory, when set, is the state file's records by user index.
		memory map[int]suspend.Memory
		want   []Upcoming // Reason is checked to be the plan's, not here
	}{
		{
			name:  "suspend_on is the day of the signal plus --inactive-days; days are calendar days",
			users: []lm.User{{Username: "ann", Email: "ann@example.com", LastLoginOn: ago(80*dayLength - 11*time.Hour)}},
			// Last login 2026-09-09 23:00: 79.5 days ago, 80 calendar days.
			want: []Upcoming{{ID: 100, Username: "ann", Email: "ann@example.com", SuspendOn: date("2026-12-08"),
				LastActivity: time.Date(2026, 9, 9, 23, 0, 0, 0, time.UTC), DaysLeft: 10, IdleDays: 80}},
		},
		{
			name: "only the users the plan calls upcoming are listed",
			users: []lm.User{
				{Username: "recent", LastLoginOn: ago(dayLength)},
				{Username: "upcoming", LastLoginOn: ago(80 * dayLength)},
				{Username: "due", LastLoginOn: ago(100 * dayLength)},
				{Username: "breakglass", LastLoginOn: ago(80 * dayLength)},
				{Username: "robot", APIOnly: true, APITokens: []lm.APIToken{{AccessID: "X", Enabled: true, LastUsedOn: ago(80 * dayLength)}}},
				{Username: "exempt", Note: "on leave lmuh:exempt", LastLoginOn: ago(80 * dayLength)},
				{Username: "reactivated", GroupIDs: []int{1}, LastLoginOn: ago(80 * dayLength)},
				{Username: "future", LastLoginOn: now.Add(72 * time.Hour).Unix()},
				{Username: "owner", LastLoginOn: ago(80 * dayLength), APITokens: []lm.APIToken{{AccessID: "RUN", Enabled: true}}},
				{Username: "suspended", Status: lm.StatusSuspended, GroupIDs: []int{1}, LastLoginOn: ago(80 * dayLength)},
			},
			policy: func(p *Policy) { p.Suspend.ProtectUsers = []string{"breakglass"}; p.Suspend.TokenAccessID = "RUN" },
			want: []Upcoming{{ID: 101, Username: "upcoming", SuspendOn: date("2026-12-08"), LastActivity: now.Add(-80 * dayLength),
				DaysLeft: 10, IdleDays: 80}},
		},
		{
			name:   "an administrator kept by the admin guard once due is not listed, one in notice is",
			users:  []lm.User{{Username: "root", LastLoginOn: ago(100 * dayLength)}, {Username: "boss", LastLoginOn: ago(80 * dayLength)}},
			policy: func(p *Policy) { p.Suspend.MinAdmins, p.Suspend.AdminRoles = 2, []string{"readonly"} },
			want: []Upcoming{{ID: 101, Username: "boss", SuspendOn: date("2026-12-08"), LastActivity: now.Add(-80 * dayLength),
				DaysLeft: 10, IdleDays: 80}},
		},
		{
			name:   "with state, suspend_on is the later of that and first warned plus --warn-days (grace)",
			users:  []lm.User{{Username: "late", LastLoginOn: ago(100 * dayLength)}},
			memory: map[int]suspend.Memory{},
			want: []Upcoming{{ID: 100, Username: "late", SuspendOn: date("2026-12-12"), LastActivity: now.Add(-100 * dayLength),
				DaysLeft: 14, IdleDays: 100}},
		},
		{
			name:   "with state, notice given earlier counts: suspend_on is first warned plus --warn-days",
			users:  []lm.User{{Username: "late", LastLoginOn: ago(100 * dayLength)}},
			memory: map[int]suspend.Memory{0: {FirstSeen: now.Add(-200 * dayLength), FirstWarned: now.Add(-10 * dayLength)}},
			want: []Upcoming{{ID: 100, Username: "late", SuspendOn: date("2026-12-02"), LastActivity: now.Add(-100 * dayLength),
				DaysLeft: 4, IdleDays: 100}},
		},
		{
			name:  "days_left is 0 on the day of the suspension",
			users: []lm.User{{Username: "today", LastLoginOn: ago(90*dayLength - time.Hour)}},
			want: []Upcoming{{ID: 100, Username: "today", SuspendOn: date("2026-11-28"), LastActivity: now.Add(-90*dayLength + time.Hour),
				DaysLeft: 0, IdleDays: 90}},
		},
		{
			name: "last_activity is the latest activity --activity counts",
			users: []lm.User{{Username: "tokens", LastLoginOn: ago(80 * dayLength),
				APITokens: []lm.APIToken{{AccessID: "T", Enabled: true, LastUsedOn: ago(dayLength)}}}},
			policy: func(p *Policy) { p.Suspend.Activity = suspend.ActivityLogin },
			want: []Upcoming{{ID: 100, Username: "tokens", SuspendOn: date("2026-12-08"), LastActivity: now.Add(-80 * dayLength),
				DaysLeft: 10, IdleDays: 80}},
		},
		{
			name:   "a user who never logged in counts from first seen and has no last activity",
			users:  []lm.User{{Username: "newbie"}},
			policy: func(p *Policy) { p.Suspend.NeverLoggedIn = suspend.NeverLoggedInFirstSeen },
			memory: map[int]suspend.Memory{0: {FirstSeen: now.Add(-80 * dayLength)}},
			want:   []Upcoming{{ID: 100, Username: "newbie", SuspendOn: date("2026-12-12"), DaysLeft: 14, IdleDays: 80}},
		},
		{
			name:   "with --never-logged-in=suspend, a user in grace counts its idle days from first seen",
			users:  []lm.User{{Username: "ghost"}},
			policy: func(p *Policy) { p.Suspend.NeverLoggedIn = suspend.NeverLoggedInSuspend },
			memory: map[int]suspend.Memory{0: {FirstSeen: now.Add(-30 * dayLength)}},
			want:   []Upcoming{{ID: 100, Username: "ghost", SuspendOn: date("2026-12-12"), DaysLeft: 14, IdleDays: 30}},
		},
		{
			name:   "a reactivated user counts from the reactivation; last_activity stays its activity",
			users:  []lm.User{{Username: "back", LastLoginOn: ago(300 * dayLength)}},
			memory: map[int]suspend.Memory{0: {FirstSeen: now.Add(-400 * dayLength), Reactivated: now.Add(-80 * dayLength)}},
			want: []Upcoming{{ID: 100, Username: "back", SuspendOn: date("2026-12-12"), LastActivity: now.Add(-300 * dayLength),
				DaysLeft: 14, IdleDays: 80}},
		},
		{
			name:   "with --as-of, today is that day",
			users:  []lm.User{{Username: "ann", LastLoginOn: ago(80 * dayLength)}},
			policy: func(p *Policy) { p.AsOf = date("2026-12-05").Add(24*time.Hour - time.Nanosecond) },
			want: []Upcoming{{ID: 100, Username: "ann", SuspendOn: date("2026-12-08"), LastActivity: now.Add(-80 * dayLength),
				DaysLeft: 3, IdleDays: 87}},
		},
		{
			name:   "nobody upcoming is an empty list",
			users:  []lm.User{{Username: "recent", LastLoginOn: ago(dayLength)}},
			policy: nil,
			want:   []Upcoming{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := noticePortal(tc.users...)
			rn := testRunner(p)
			if tc.memory != nil {
				s := openStore(t)
				records := map[int]state.Record{}
				for i, m := range tc.memory {
					records[100+i] = m
				}
				if err := s.SaveUsers(records); err != nil {
					t.Fatal(err)
				}
				rn.Memory, rn.MemoryOK = s, true
			}
			pol := noticePolicy()
			if tc.policy != nil {
				tc.policy(&pol)
			}
			r := rn.Run(t.Context(), pol)
			got, err := r.UpcomingUsers()
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("nil list: nobody upcoming is an empty list, not nothing")
			}
			if len(got) != r.SuspendPlan.Upcoming {
				t.Errorf("%d listed, the plan's suspend_upcoming is %d", len(got), r.SuspendPlan.Upcoming)
			}
			plan := map[int]*suspend.Decision{}
			for i := range r.SuspendPlan.Decisions {
				plan[r.SuspendPlan.Decisions[i].User.ID] = &r.SuspendPlan.Decisions[i]
			}
			for i := range got {
				d := plan[got[i].ID]
				if d == nil || d.Outcome != suspend.OutcomeUpcoming || got[i].Reason != d.Reason {
					t.Errorf("%s: listed, but the plan decided %+v", got[i].Username, d)
				}
				if !strings.Contains(got[i].Reason, "suspended on "+got[i].SuspendOn.Format("2006-01-02")) {
					t.Errorf("%s: suspend_on %s is not the day the plan's reason gives: %s", got[i].Username, got[i].SuspendOn.Format("2006-01-02"), got[i].Reason)
				}
				got[i].Reason = ""
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("got  %+v\nwant %+v", got[i], tc.want[i])
				}
			}
		})
	}
}

// noticeUnreadable is a portal that cannot be read.
type noticeUnreadable struct{ *fakePortal }

func (noticeUnreadable) Users(context.Context) ([]lm.User, error) {
	return nil, errors.New("GET /setting/admins: connection refused")
}

func TestUpcomingNeverAnEmptyListByAccident(t *testing.T) {
	idle := func(n int) []lm.User {
		var us []lm.User
		for i := range n {
			us = append(us, lm.User{Username: "idle" + string(rune('a'+i)), LastLoginOn: ago(80 * dayLength)})
		}
		return us
	}
	tests := []struct {
		name   string
		portal Portal
		policy func(*Policy)
		want   error
	}{
		{"a portal that cannot be read gives its failure", noticeUnreadable{noticePortal(idle(3)...)}, nil, nil},
		{"a tripped breaker gives no list", noticePortal(append(idle(1), lm.User{Username: "due", LastLoginOn: ago(200 * dayLength)})...),
			func(p *Policy) { p.Suspend.MaxSuspendPercent = 10 }, errBreaker},
		{"too many unreadable users give no list", func() Portal {
			p := noticePortal(idle(3)...)
			p.users[0].Unreadable = `roles null`
			return p
		}(), nil, errUnreadable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pol := noticePolicy()
			if tc.policy != nil {
				tc.policy(&pol)
			}
			r := testRunner(tc.portal).Run(t.Context(), pol)
			got, err := r.UpcomingUsers()
			if err == nil || got != nil {
				t.Fatalf("got %v, %v: want no list and an error", got, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("a report with no suspend plan gives no list", func(t *testing.T) {
		if got, err := (&Report{Read: true}).UpcomingUsers(); err == nil || got != nil {
			t.Fatalf("got %v, %v", got, err)
		}
	})
}
