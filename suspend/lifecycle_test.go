package suspend

import (
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm"
)

// ago is a time d before now, for memories.
func ago(d time.Duration) time.Time { return now.Add(-d) }

func note(text string) userOption { return func(u *lm.User) { u.Note = text } }

// notice is the default policy with two weeks' notice; a case with state:
// true plans with lifecycle memory, the others as with --state off.
func notice(o *Options) { o.WarnDays = 14 }

type lifeWant struct {
	action    Action
	outcome   Outcome
	reason    []string
	suspendOn time.Time // zero: none
	remember  Memory
	warning   string // a fragment; empty: no warning
}

func TestNewPlanLifecycle(t *testing.T) {
	endOf := func(d time.Time) time.Time { return d.Truncate(24 * time.Hour).Add(24*time.Hour - time.Nanosecond) }
	tests := []struct {
		name   string
		opts   func(*Options)
		state  bool  // the run keeps lifecycle memory
		clock  Clock // zero: Clock{Now: now}
		users  []lm.User
		memory map[string]Memory // by username
		want   map[string]lifeWant
	}{
		{
			name:  "warns a user idle past inactive-days minus warn-days, with the day it will be suspended",
			opts:  notice,
			users: []lm.User{user("soon", login(secs(80*day1))), user("fine", login(secs(75*day1)))},
			want: map[string]lifeWant{
				"soon": {ActionNone, OutcomeUpcoming,
					[]string{"last activity 2026-09-09 (login), after " + cutoffDefault, "; upcoming: suspended on 2026-12-08 unless active before (--warn-days=14)"},
					now.Add(10 * day1), Memory{FirstSeen: now, FirstWarned: now}, ""},
				"fine": {ActionNone, OutcomeRecentlyActive, nil, time.Time{}, Memory{FirstSeen: now}, ""},
			},
		},
		{
			name:  "without state there is no grace: suspends past the cutoff at once",
			opts:  notice,
			users: []lm.User{user("old", login(secs(100*day1)))},
			want: map[string]lifeWant{"old": {ActionSuspend, OutcomeInactive,
				[]string{"last activity 2026-08-20 (login), before " + cutoffDefault + `; suspend into group "Suspended"`},
				time.Time{}, Memory{FirstSeen: now, FirstWarned: now}, ""}},
		},
		{
			name: "with state a first run never suspends anyone without notice",
			opts: notice, state: true,
			users: []lm.User{user("old", login(secs(200*day1)))},
			want: map[string]lifeWant{"old": {ActionNone, OutcomeUpcoming,
				[]string{"before " + cutoffDefault, "upcoming: suspended on 2026-12-12 unless active before; notice since 2026-11-28 (--warn-days=14)"},
				now.Add(14 * day1), Memory{FirstSeen: now, FirstWarned: now}, ""}},
		},
		{
			name: "with state suspends once the user has been upcoming for warn-days",
			opts: notice, state: true,
			users:  []lm.User{user("old", login(secs(200*day1)))},
			memory: map[string]Memory{"old": {FirstSeen: ago(300 * day1), FirstWarned: ago(14 * day1)}},
			want: map[string]lifeWant{"old": {ActionSuspend, OutcomeInactive,
				[]string{"before " + cutoffDefault + "; notice since 2026-11-14 (--warn-days=14); suspend into group"},
				time.Time{}, Memory{FirstSeen: ago(300 * day1), FirstWarned: ago(14 * day1)}, ""}},
		},
		{
			name: "with state holds a user one day short of its notice",
			opts: notice, state: true,
			users:  []lm.User{user("old", login(secs(200*day1)))},
			memory: map[string]Memory{"old": {FirstSeen: ago(300 * day1), FirstWarned: ago(13 * day1)}},
			want: map[string]lifeWant{"old": {ActionNone, OutcomeUpcoming, []string{"suspended on 2026-11-29"},
				now.Add(day1), Memory{FirstSeen: ago(300 * day1), FirstWarned: ago(13 * day1)}, ""}},
		},
		{
			name: "with state, notice does not shorten the wait for the cutoff itself",
			opts: notice, state: true,
			users:  []lm.User{user("soon", login(secs(80*day1)))},
			memory: map[string]Memory{"soon": {FirstSeen: ago(300 * day1), FirstWarned: ago(4 * day1)}},
			want: map[string]lifeWant{"soon": {ActionNone, OutcomeUpcoming, []string{"suspended on 2026-12-08", "notice since 2026-11-24"},
				now.Add(10 * day1), Memory{FirstSeen: ago(300 * day1), FirstWarned: ago(4 * day1)}, ""}},
		},
		{
			name: "activity clears the warning",
			opts: notice, state: true,
			users:  []lm.User{user("back", login(secs(5*day1)))},
			memory: map[string]Memory{"back": {FirstSeen: ago(300 * day1), FirstWarned: ago(20 * day1)}},
			want: map[string]lifeWant{"back": {ActionNone, OutcomeRecentlyActive, nil,
				time.Time{}, Memory{FirstSeen: ago(300 * day1)}, ""}},
		},
		{
			name: "a warning older than the latest activity does not count: notice starts again",
			opts: notice, state: true,
			users:  []lm.User{user("again", login(secs(100*day1)))},
			memory: map[string]Memory{"again": {FirstSeen: ago(400 * day1), FirstWarned: ago(200 * day1)}},
			want: map[string]lifeWant{"again": {ActionNone, OutcomeUpcoming, []string{"notice since 2026-11-28"},
				now.Add(14 * day1), Memory{FirstSeen: ago(400 * day1), FirstWarned: now}, ""}},
		},
		{
			name: "a lowered threshold never suspends anyone without notice",
			opts: func(o *Options) { notice(o); o.InactiveDays = 30 }, state: true,
			users: []lm.User{user("idle", login(secs(60*day1)))},
			want: map[string]lifeWant{"idle": {ActionNone, OutcomeUpcoming, []string{"cutoff 2026-10-29 (30 days)", "suspended on 2026-12-12"},
				now.Add(14 * day1), Memory{FirstSeen: now, FirstWarned: now}, ""}},
		},
		{
			name:  "warn-days 0 turns warnings and grace off",
			state: true,
			users: []lm.User{user("old", login(secs(200*day1))), user("soon", login(secs(85*day1)))},
			want: map[string]lifeWant{
				"old":  {ActionSuspend, OutcomeInactive, nil, time.Time{}, Memory{FirstSeen: now}, ""},
				"soon": {ActionNone, OutcomeRecentlyActive, nil, time.Time{}, Memory{FirstSeen: now}, ""},
			},
		},
		{
			name:  "first-seen without state acts as skip",
			opts:  func(o *Options) { notice(o); o.NeverLoggedIn = NeverLoggedInFirstSeen },
			users: []lm.User{user("ghost")},
			want: map[string]lifeWant{"ghost": {ActionNone, OutcomeNeverLoggedIn,
				[]string{"never logged in; --never-logged-in=first-seen needs state (--state), so it acts as skip; " + cutoffDefault},
				time.Time{}, Memory{FirstSeen: now}, ""}},
		},
		{
			name: "first-seen records a user seen for the first time and keeps it",
			opts: func(o *Options) { notice(o); o.NeverLoggedIn = NeverLoggedInFirstSeen }, state: true,
			users: []lm.User{user("ghost")},
			want: map[string]lifeWant{"ghost": {ActionNone, OutcomeRecentlyActive,
				[]string{"never logged in, first seen 2026-11-28, after " + cutoffDefault + "; --never-logged-in=first-seen"},
				time.Time{}, Memory{FirstSeen: now}, ""}},
		},
		{
			name: "first-seen warns a user first seen 80 days ago and suspends one first seen 100 days ago after notice",
			opts: func(o *Options) { notice(o); o.NeverLoggedIn = NeverLoggedInFirstSeen }, state: true,
			users: []lm.User{user("ghost80"), user("ghost100")},
			memory: map[string]Memory{
				"ghost80":  {FirstSeen: ago(80 * day1)},
				"ghost100": {FirstSeen: ago(100 * day1), FirstWarned: ago(24 * day1)},
			},
			want: map[string]lifeWant{
				// Idle 90 days on 2026-12-08, but first warned today.
				"ghost80": {ActionNone, OutcomeUpcoming, []string{"first seen 2026-09-09", "suspended on 2026-12-12"},
					now.Add(14 * day1), Memory{FirstSeen: ago(80 * day1), FirstWarned: now}, ""},
				"ghost100": {ActionSuspend, OutcomeInactive, []string{"never logged in, first seen 2026-08-20, before " + cutoffDefault},
					time.Time{}, Memory{FirstSeen: ago(100 * day1), FirstWarned: ago(24 * day1)}, ""},
			},
		},
		{
			name:  "never suspends a user whose note says lmuh:exempt, in any case",
			opts:  notice,
			users: []lm.User{user("glass", login(secs(200*day1)), note("break glass; LMUH:Exempt per CISO")), user("soon", login(secs(80*day1)), note("lmuh:exempt"))},
			want: map[string]lifeWant{
				"glass": {ActionNone, OutcomeExempt, []string{`exempt by note tag "LMUH:Exempt"; last activity 2026-05-12 (login), before ` + cutoffDefault},
					time.Time{}, Memory{FirstSeen: now}, ""},
				"soon": {ActionNone, OutcomeExempt, []string{`exempt by note tag "lmuh:exempt"`}, time.Time{}, Memory{FirstSeen: now}, ""},
			},
		},
		{
			name:  "an exempt user who is recently active is just recently active",
			opts:  notice,
			users: []lm.User{user("busy", login(secs(1*day1)), note("lmuh:exempt"))},
			want:  map[string]lifeWant{"busy": {ActionNone, OutcomeRecentlyActive, nil, time.Time{}, Memory{FirstSeen: now}, ""}},
		},
		{
			name: "lmuh:exempt-until holds until that day ends (UTC), then no longer",
			opts: notice,
			users: []lm.User{
				user("today", login(secs(200*day1)), note("lmuh:exempt-until=2026-11-28")),
				user("yesterday", login(secs(200*day1)), note("lmuh:exempt-until=2026-11-27.")),
				user("later", login(secs(200*day1)), note("lmuh:exempt-until=2026-12-01 lmuh:exempt-until=2027-01-31")),
			},
			want: map[string]lifeWant{
				"today":     {ActionNone, OutcomeExempt, []string{`exempt until the end of 2026-11-28 (UTC) by note tag "lmuh:exempt-until=2026-11-28"`}, time.Time{}, Memory{FirstSeen: now}, ""},
				"yesterday": {ActionSuspend, OutcomeInactive, nil, time.Time{}, Memory{FirstSeen: now, FirstWarned: now}, ""},
				"later":     {ActionNone, OutcomeExempt, []string{`2027-01-31 (UTC) by note tag "lmuh:exempt-until=2027-01-31"`}, time.Time{}, Memory{FirstSeen: now}, ""},
			},
		},
		{
			name: "a malformed tag exempts and warns",
			opts: notice,
			users: []lm.User{
				user("typo", login(secs(200*day1)), note("lmuh:exempt-until=2026-13-01")),
				user("word", login(secs(200*day1)), note("lmuh:exemption")),
				user("fresh", login(secs(1*day1)), note("see lmuh:exempt-untill=2027-01-01, ok")),
			},
			want: map[string]lifeWant{
				"typo": {ActionNone, OutcomeExempt, []string{`exempt by malformed note tag "lmuh:exempt-until=2026-13-01" (write lmuh:exempt or lmuh:exempt-until=YYYY-MM-DD)`},
					time.Time{}, Memory{FirstSeen: now}, `note tag "lmuh:exempt-until=2026-13-01" is malformed, so it exempts the user`},
				"word":  {ActionNone, OutcomeExempt, []string{`"lmuh:exemption"`}, time.Time{}, Memory{FirstSeen: now}, `"lmuh:exemption" is malformed`},
				"fresh": {ActionNone, OutcomeRecentlyActive, nil, time.Time{}, Memory{FirstSeen: now}, `"lmuh:exempt-untill=2027-01-01" is malformed`},
			},
		},
		{
			name: "no warning runs while a user is exempt",
			opts: notice, state: true,
			users:  []lm.User{user("glass", login(secs(200*day1)), note("lmuh:exempt-until=2026-12-31"))},
			memory: map[string]Memory{"glass": {FirstSeen: ago(300 * day1), FirstWarned: ago(30 * day1)}},
			want: map[string]lifeWant{"glass": {ActionNone, OutcomeExempt, nil,
				time.Time{}, Memory{FirstSeen: ago(300 * day1)}, ""}},
		},
		{
			name: "with state, notice starts the day after an exemption ends, whatever was recorded before",
			opts: notice, state: true,
			users:  []lm.User{user("glass", login(secs(200*day1)), note("lmuh:exempt-until=2026-11-20"))},
			memory: map[string]Memory{"glass": {FirstSeen: ago(300 * day1), FirstWarned: ago(30 * day1)}},
			want: map[string]lifeWant{"glass": {ActionNone, OutcomeUpcoming, []string{"suspended on 2026-12-05", "notice since 2026-11-21"},
				time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC),
				Memory{FirstSeen: ago(300 * day1), FirstWarned: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}, ""}},
		},
		{
			name: "never suspends an active user in the suspended group, and remembers when it was first seen so",
			opts: notice, state: true,
			users: []lm.User{
				user("back", groups(suspendedID), login(secs(200*day1))),
				user("backagain", groups(suspendedID, staffID), login(secs(200*day1))),
			},
			memory: map[string]Memory{"backagain": {FirstSeen: ago(300 * day1), FirstWarned: ago(3 * day1), Reactivated: ago(2 * day1)}},
			want: map[string]lifeWant{
				"back": {ActionNone, OutcomeReactivated,
					[]string{`active but in group "Suspended": reactivated by a person, so this run does not suspend it; last activity 2026-05-12 (login), before`},
					time.Time{}, Memory{FirstSeen: now, Reactivated: now}, ""},
				"backagain": {ActionNone, OutcomeReactivated, nil, time.Time{}, Memory{FirstSeen: ago(300 * day1), Reactivated: ago(2 * day1)}, ""},
			},
		},
		{
			name:  "without state, never suspends an active user in the suspended group either",
			opts:  notice,
			users: []lm.User{user("back", groups(suspendedID), login(secs(200*day1)))},
			want:  map[string]lifeWant{"back": {ActionNone, OutcomeReactivated, nil, time.Time{}, Memory{FirstSeen: now, Reactivated: now}, ""}},
		},
		{
			name: "with state, inactivity counts from the day the user was first seen reactivated",
			opts: notice, state: true,
			users: []lm.User{
				user("recent", login(secs(200*day1))),
				user("longago", login(secs(200*day1))),
				user("ghost"),
			},
			memory: map[string]Memory{
				"recent":  {FirstSeen: ago(300 * day1), Reactivated: ago(10 * day1)},
				"longago": {FirstSeen: ago(300 * day1), FirstWarned: ago(20 * day1), Reactivated: ago(100 * day1)},
				"ghost":   {FirstSeen: ago(300 * day1), Reactivated: ago(10 * day1)},
			},
			want: map[string]lifeWant{
				"recent": {ActionNone, OutcomeRecentlyActive,
					[]string{"last activity 2026-05-12 (login), but reactivated 2026-11-18, after " + cutoffDefault},
					time.Time{}, Memory{FirstSeen: ago(300 * day1), Reactivated: ago(10 * day1)}, ""},
				"longago": {ActionSuspend, OutcomeInactive, []string{"but reactivated 2026-08-20, before " + cutoffDefault},
					time.Time{}, Memory{FirstSeen: ago(300 * day1), FirstWarned: ago(20 * day1), Reactivated: ago(100 * day1)}, ""},
				// Skipped as never logged in whatever its memory.
				"ghost": {ActionNone, OutcomeNeverLoggedIn, nil, time.Time{}, Memory{FirstSeen: ago(300 * day1), Reactivated: ago(10 * day1)}, ""},
			},
		},
		{
			name: "with --never-logged-in=suspend, a reactivated user with no activity counts from its reactivation",
			opts: func(o *Options) { notice(o); o.NeverLoggedIn = NeverLoggedInSuspend }, state: true,
			users:  []lm.User{user("ghost")},
			memory: map[string]Memory{"ghost": {FirstSeen: ago(300 * day1), Reactivated: ago(10 * day1)}},
			want: map[string]lifeWant{"ghost": {ActionNone, OutcomeRecentlyActive, []string{"never logged in, but reactivated 2026-11-18, after"},
				time.Time{}, Memory{FirstSeen: ago(300 * day1), Reactivated: ago(10 * day1)}, ""}},
		},
		{
			name:   "without state the memory is ignored",
			opts:   notice,
			users:  []lm.User{user("old", login(secs(200*day1)))},
			memory: map[string]Memory{"old": {FirstSeen: ago(300 * day1), Reactivated: ago(1 * day1)}},
			want:   map[string]lifeWant{"old": {ActionSuspend, OutcomeInactive, nil, time.Time{}, Memory{FirstSeen: now, FirstWarned: now}, ""}},
		},
		{
			name: "a user seen suspended again forgets its reactivation and its warning",
			opts: notice, state: true,
			users:  []lm.User{user("gone", suspended(), groups(suspendedID), login(secs(200*day1)))},
			memory: map[string]Memory{"gone": {FirstSeen: ago(300 * day1), FirstWarned: ago(20 * day1), Reactivated: ago(150 * day1)}},
			want: map[string]lifeWant{"gone": {ActionNone, OutcomeAlreadySuspended, nil,
				time.Time{}, Memory{FirstSeen: ago(300 * day1)}, ""}},
		},
		{
			name: "an unreadable user's memory is left as recorded",
			opts: notice, state: true,
			users:  []lm.User{user("odd", unreadable("roles is null"), login(secs(200*day1)))},
			memory: map[string]Memory{"odd": {FirstWarned: ago(20 * day1)}},
			want:   map[string]lifeWant{"odd": {ActionNone, OutcomeUnreadable, nil, time.Time{}, Memory{FirstWarned: ago(20 * day1)}, ""}},
		},
		{
			name: "a protection clears the warning, so that notice starts again should it end",
			opts: func(o *Options) { notice(o); o.ProtectUsers = []string{"keep"} }, state: true,
			users:  []lm.User{user("keep", login(secs(200*day1)))},
			memory: map[string]Memory{"keep": {FirstSeen: ago(300 * day1), FirstWarned: ago(20 * day1)}},
			want:   map[string]lifeWant{"keep": {ActionNone, OutcomeProtectedUser, nil, time.Time{}, Memory{FirstSeen: ago(300 * day1)}, ""}},
		},
		{
			name: "as of a later day, an unrecorded warning counts from the day it would have become due",
			opts: notice, state: true,
			// Today is now; the rules run at the end of the 30th day after.
			clock: Clock{Now: endOf(now.Add(30 * day1)), Today: now},
			users: []lm.User{
				user("due-later", login(secs(70*day1))),   // due on today+6: suspended on today+20
				user("due-before", login(secs(200*day1))), // due already: notice from today, suspended on today+14
				user("late", login(secs(55*day1))),        // due on today+21: suspended on today+35
			},
			want: map[string]lifeWant{
				"due-later": {ActionSuspend, OutcomeInactive, []string{"notice since 2026-12-04"}, time.Time{},
					Memory{FirstSeen: now, FirstWarned: now.Add(6 * day1)}, ""},
				"due-before": {ActionSuspend, OutcomeInactive, []string{"notice since 2026-11-28"}, time.Time{},
					Memory{FirstSeen: now, FirstWarned: now}, ""},
				"late": {ActionNone, OutcomeUpcoming, []string{"suspended on 2027-01-02"}, now.Add(35 * day1),
					Memory{FirstSeen: now, FirstWarned: now.Add(21 * day1)}, ""},
			},
		},
		{
			name: "as of a later day, a user not seen before is first seen today",
			opts: func(o *Options) { notice(o); o.NeverLoggedIn = NeverLoggedInFirstSeen }, state: true,
			clock: Clock{Now: endOf(now.Add(100 * day1)), Today: now},
			users: []lm.User{user("ghost")},
			want: map[string]lifeWant{"ghost": {ActionSuspend, OutcomeInactive, []string{"first seen 2026-11-28"}, time.Time{},
				Memory{FirstSeen: now, FirstWarned: now.Add(76 * day1)}, ""}},
		},
		{
			name:  "as of a later day, future timestamps are judged by the real clock",
			opts:  notice,
			clock: Clock{Now: endOf(now.Add(30 * day1)), Today: now},
			users: []lm.User{user("ahead", login(secs(-3*day1)))},
			want:  map[string]lifeWant{"ahead": {ActionNone, OutcomeFutureActivity, nil, time.Time{}, Memory{FirstSeen: now}, ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			if err := opts.Validate(); err != nil {
				t.Fatalf("test options invalid: %v", err)
			}
			clock := tt.clock
			if clock.Now.IsZero() {
				clock = Clock{Now: now}
			}
			users := withIDs(tt.users)
			var memory map[int]Memory // nil: no lifecycle memory
			if tt.state {
				memory = map[int]Memory{}
			}
			for _, u := range users {
				if m, ok := tt.memory[u.Username]; ok && tt.state {
					memory[u.ID] = m
				}
			}
			plan := NewPlan(users, defaultGroups, opts, clock, memory)
			got := byUsername(t, plan, len(users))
			for name, w := range tt.want {
				d, ok := got[name]
				if !ok {
					t.Fatalf("no decision for %q", name)
				}
				if d.Action != w.action || d.Outcome != w.outcome {
					t.Errorf("%s: got %s/%s, want %s/%s (reason %q)", name, d.Action, d.Outcome, w.action, w.outcome, d.Reason)
				}
				for _, frag := range w.reason {
					if !strings.Contains(d.Reason, frag) {
						t.Errorf("%s: reason %q lacks %q", name, d.Reason, frag)
					}
				}
				if !d.SuspendOn().Equal(w.suspendOn) {
					t.Errorf("%s: SuspendOn %v, want %v", name, d.SuspendOn(), w.suspendOn)
				}
				if !sameMemory(d.Remember(), w.remember) {
					t.Errorf("%s: Remember %+v, want %+v", name, d.Remember(), w.remember)
				}
				if w.warning == "" && d.Warning != "" || !strings.Contains(d.Warning, w.warning) {
					t.Errorf("%s: Warning %q, want one containing %q", name, d.Warning, w.warning)
				}
			}
		})
	}
}

func sameMemory(a, b Memory) bool {
	return a.FirstSeen.Equal(b.FirstSeen) && a.FirstWarned.Equal(b.FirstWarned) && a.Reactivated.Equal(b.Reactivated)
}

func TestNewPlanCounts(t *testing.T) {
	opts := defaultOptions()
	notice(&opts)
	opts.NeverLoggedIn = NeverLoggedInFirstSeen
	users := withIDs([]lm.User{
		user("soon", login(secs(80*day1))),                        // upcoming
		user("held", login(secs(200*day1))),                       // upcoming, past the cutoff
		user("due", login(secs(200*day1))),                        // suspended after notice
		user("ghost", login(0)),                                   // first seen long ago, suspended after notice
		user("glass", login(secs(200*day1)), note("lmuh:exempt")), // exempt
		user("busy", login(secs(1*day1)), note("lmuh:exempt")),    // recently active, not exempt_skipped
		user("back", groups(suspendedID), login(secs(200*day1))),  // reactivated
		user("botback", apiOnly(), groups(suspendedID)),           // reactivated too: every active user in the group
		user("gone", suspended(), groups(suspendedID)),            // not reactivated
		user("odd", unreadable("roles is null"), groups(suspendedID)),
		user("bare", noRoles(), groups(suspendedID), login(secs(200*day1))), // reactivated, no roles: kept, counted as reactivated only
	})
	memory := map[int]Memory{
		users[2].ID: {FirstSeen: ago(300 * day1), FirstWarned: ago(15 * day1)},
		users[3].ID: {FirstSeen: ago(300 * day1), FirstWarned: ago(15 * day1)},
	}
	plan := NewPlan(users, defaultGroups, opts, Clock{Now: now}, memory)
	got := [][2]int{
		{plan.Upcoming, 2}, {plan.ExemptSkipped, 1}, {plan.Reactivated, 3}, {plan.Unreadable, 1}, {plan.NoRoles, 1},
		// held and due are past the cutoff; ghost never logged in (only
		// --never-logged-in=suspend counts it); glass is exempt.
		{plan.InactiveFound, 2},
		// Every active human but the API-only one; not the suspended or unreadable user.
		{plan.Considered, 7},
	}
	for i, g := range got {
		if g[0] != g[1] {
			t.Errorf("count %d (Upcoming, ExemptSkipped, Reactivated, Unreadable, NoRoles, InactiveFound, Considered) = %d, want %d", i, g[0], g[1])
		}
	}
	if !plan.Today.Equal(now) || !plan.Now.Equal(now) {
		t.Errorf("Today %v Now %v, want both %v when Today is not given", plan.Today, plan.Now, now)
	}
}

func TestParseExemption(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d.Add(24 * time.Hour) }
	tests := []struct {
		name string
		note string
		want exemption
		ok   bool
	}{
		{"no tag is no exemption", "on leave until March", exemption{}, false},
		{"a plain tag exempts forever", "lmuh:exempt", exemption{tag: "lmuh:exempt", forever: true}, true},
		{"the tag is found in any case", "x LmUh:ExEmPt y", exemption{tag: "LmUh:ExEmPt", forever: true}, true},
		{"punctuation ends a tag", "(lmuh:exempt).", exemption{tag: "lmuh:exempt", forever: true}, true},
		{"a tag in a sentence is named without the punctuation", "until review, lmuh:exempt-until=2027-01-31.", exemption{tag: "lmuh:exempt-until=2027-01-31", until: day("2027-01-31")}, true},
		{"a date exempts until that day ends", "lmuh:exempt-until=2027-01-31", exemption{tag: "lmuh:exempt-until=2027-01-31", until: day("2027-01-31")}, true},
		{"the latest of several dates wins", "lmuh:exempt-until=2027-03-01 lmuh:exempt-until=2027-01-31",
			exemption{tag: "lmuh:exempt-until=2027-03-01", until: day("2027-03-01")}, true},
		{"a plain tag outweighs a date", "lmuh:exempt-until=2027-01-31 lmuh:exempt", exemption{tag: "lmuh:exempt", forever: true}, true},
		{"an impossible date is malformed and exempts", "lmuh:exempt-until=2027-02-30",
			exemption{tag: "lmuh:exempt-until=2027-02-30", forever: true, malformed: "lmuh:exempt-until=2027-02-30"}, true},
		{"a date with more after it is malformed", "lmuh:exempt-until=2027-01-31T00:00",
			exemption{tag: "lmuh:exempt-until=2027-01-31T00:00", forever: true, malformed: "lmuh:exempt-until=2027-01-31T00:00"}, true},
		{"a word run on is malformed", "lmuh:exemptions", exemption{tag: "lmuh:exemptions", forever: true, malformed: "lmuh:exemptions"}, true},
		{"a plain tag beside a malformed one decides, and the malformed one still warns", "lmuh:exempt-until=soon; lmuh:exempt",
			exemption{tag: "lmuh:exempt", forever: true, malformed: "lmuh:exempt-until=soon"}, true},
		{"a cut-off date is malformed", "lmuh:exempt-until=2027", exemption{tag: "lmuh:exempt-until=2027", forever: true, malformed: "lmuh:exempt-until=2027"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseExemption(tt.note)
			if ok != tt.ok || got.tag != tt.want.tag || got.forever != tt.want.forever || !got.until.Equal(tt.want.until) || got.malformed != tt.want.malformed {
				t.Errorf("parseExemption(%q) = %+v, %v; want %+v, %v", tt.note, got, ok, tt.want, tt.ok)
			}
		})
	}
}
