package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
	"lm-user-hygiene/state"
)

// The lifecycle tests run the whole program in-process, through the real
// client against the simulated portal over loopback, several times on one
// state file, with the clock moved between runs: the rules that need memory
// are rules across runs.

// lifecycle is one portal and one state file, and a clock both share.
type lifecycle struct {
	t     *testing.T
	p     *lmfake.Portal
	clock atomic.Int64 // the portal's clock, Unix nanoseconds
	env   []string
	state string
	// lockTimeout is deps.lockTimeout of every run.
	lockTimeout time.Duration
	groups      map[string]int
}

// day is testNow plus n days.
func day(n int) time.Time { return testNow.AddDate(0, 0, n) }

// daysAgo is an epoch n days before testNow.
func daysAgo(n int) int64 { return day(-n).Unix() }

// newLifecycle is a portal with the token owner, a protected admin, the
// groups Ungrouped, Suspended, Viewers and administrator, and users.
func newLifecycle(t *testing.T, users ...lm.User) *lifecycle {
	t.Helper()
	lc := &lifecycle{t: t, state: filepath.Join(t.TempDir(), "state.db"), groups: map[string]int{}}
	lc.clock.Store(testNow.UnixNano())
	lc.p = lmfake.New(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey,
		Now: func() time.Time { return time.Unix(0, lc.clock.Load()) }})
	admin, readonly := lc.p.AddRole("administrator"), lc.p.AddRole("readonly")
	for _, name := range []string{"Ungrouped", "Suspended", "Viewers", "administrator"} {
		lc.groups[name] = lc.p.AddGroup(name).ID
	}
	lc.p.AddUser(lm.User{Username: "lmuh-api@example.com", APIOnly: true, Roles: []lm.Role{admin}, GroupIDs: []int{lc.groups["administrator"]},
		APITokens: []lm.APIToken{{AccessID: testAccessID, Enabled: true, LastUsedOn: daysAgo(1)}}})
	lc.p.AddUser(lm.User{Username: "alice@example.com", Roles: []lm.Role{admin}, GroupIDs: []int{lc.groups["administrator"]}, LastLoginOn: daysAgo(1)})
	for _, u := range users {
		if u.Roles == nil {
			u.Roles = []lm.Role{readonly}
		}
		if u.GroupIDs == nil {
			u.GroupIDs = []int{lc.groups["Viewers"]}
		}
		if u.CreatedBy == "" {
			u.CreatedBy = "Chief Admin"
		}
		lc.p.AddUser(u)
	}
	lc.p.SetRateLimit(http.MethodPatch, 100000, time.Minute)
	// Each run names the state file (--state), which wins over the
	// environment's.
	lc.env = serveEnv(t, lc.p)
	return lc
}

// lifecycleArgs apply, print json, keep the admin, map readonly to Viewers
// and let the breaker pass on these small portals.
var lifecycleArgs = []string{"--apply", "--output", "json", "--protect-users", "alice@example.com",
	"--role-groups", "readonly=Viewers", "--max-suspend-percent", "100"}

// run runs the program at at, on the state file.
func (lc *lifecycle) run(at time.Time, args ...string) result {
	lc.t.Helper()
	lc.clock.Store(at.UnixNano())
	args = append([]string{"--state", lc.state}, args...)
	return runDeps(lc.t, context.Background(), deps{now: func() time.Time { return at }, retryDelay: 2 * time.Millisecond, lockTimeout: lc.lockTimeout},
		lc.env, args...)
}

// userByName finds a user of the portal.
func (lc *lifecycle) user(name string) lm.User {
	lc.t.Helper()
	for _, u := range lc.p.Users() {
		if u.Username == name {
			return u
		}
	}
	lc.t.Fatalf("no user %s", name)
	return lm.User{}
}

// lifecycleJSON is the part of the json output these tests read.
type lifecycleJSON struct {
	Success bool                   `json:"success"`
	Error   string                 `json:"error"`
	UndoOf  string                 `json:"undo_of"`
	Counts  map[string]json.Number `json:"counts"`
	Users   []struct {
		ID       int    `json:"id"`
		Username string `json:"username"`
		Suspend  *struct {
			Outcome, Reason string
		} `json:"suspend"`
		Undo *struct {
			Action, Outcome, Reason string
		} `json:"undo"`
		Change *struct {
			Kind, Result string
		} `json:"change"`
	} `json:"users"`
}

func parseLifecycle(t *testing.T, res result) lifecycleJSON {
	t.Helper()
	if res.code != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", res.code, res.stderr)
	}
	var j lifecycleJSON
	if err := json.Unmarshal([]byte(res.stdout), &j); err != nil {
		t.Fatalf("json output: %v\n%s", err, res.stdout)
	}
	return j
}

// seen is what a run decided on one user: its suspend outcome and, when
// it planned a change, "kind result" (e.g. "suspend applied").
func (j lifecycleJSON) seen(username string) (outcome, change, reason string) {
	for _, u := range j.Users {
		if u.Username != username {
			continue
		}
		if u.Suspend != nil {
			outcome, reason = u.Suspend.Outcome, u.Suspend.Reason
		}
		if u.Change != nil {
			change = u.Change.Kind + " " + u.Change.Result
		}
	}
	return outcome, change, reason
}

func (j lifecycleJSON) count(key string) int {
	n, _ := j.Counts[key].Int64()
	return int(n)
}

// step is one run of a lifecycle rule: on day Day, after Before changed the
// portal, the user's suspend outcome and change.
type step struct {
	Day     int
	Before  func(lc *lifecycle)
	Outcome string
	Change  string
	Reason  string // a part of the reason, when the rule says what it shows
}

func TestLifecycleRules(t *testing.T) {
	const who = "pat@example.com"
	loginOn := func(d int) func(lc *lifecycle) {
		return func(lc *lifecycle) {
			u := lc.user(who)
			u.LastLoginOn = day(d).Unix()
			lc.p.AddUser(u)
		}
	}
	tests := []struct {
		name  string
		user  lm.User
		steps []step
	}{
		{"a first run with state warns and suspends nobody; a run after warn-days suspends",
			lm.User{LastLoginOn: daysAgo(100)}, []step{
				{Day: 0, Outcome: "upcoming", Reason: "suspended on 2026-11-15"},
				{Day: 13, Outcome: "upcoming"},
				{Day: 14, Outcome: "inactive", Change: "suspend applied"},
				{Day: 15, Outcome: "already_suspended"},
			}},
		{"activity clears the warning: notice starts afresh",
			lm.User{LastLoginOn: daysAgo(100)}, []step{
				{Day: 0, Outcome: "upcoming"},
				{Day: 5, Before: loginOn(5), Outcome: "recently_active"},
				// Idle past the cutoff again: an old warning would suspend now.
				{Day: 96, Outcome: "upcoming"},
				{Day: 109, Outcome: "upcoming"},
				{Day: 110, Outcome: "inactive", Change: "suspend applied"},
			}},
		{"never logged in: suspended inactive-days after first seen, warned before",
			lm.User{}, []step{
				{Day: 0, Outcome: "recently_active", Reason: "first seen 2026-11-01"},
				{Day: 76, Outcome: "recently_active"},
				{Day: 77, Outcome: "upcoming"},
				{Day: 90, Outcome: "upcoming"},
				{Day: 91, Outcome: "inactive", Change: "suspend applied"},
			}},
		{"lmuh:exempt is never suspended",
			lm.User{LastLoginOn: daysAgo(200), Note: "contractor; lmuh:exempt"}, []step{
				{Day: 0, Outcome: "exempt", Reason: "lmuh:exempt"},
				{Day: 30, Outcome: "exempt"},
				{Day: 400, Outcome: "exempt"},
			}},
		{"lmuh:exempt-until: notice starts when the day ends",
			lm.User{LastLoginOn: daysAgo(200), Note: "lmuh:exempt-until=2026-11-10"}, []step{
				{Day: 0, Outcome: "exempt", Reason: "2026-11-10"},
				{Day: 9, Outcome: "exempt"},
				{Day: 10, Outcome: "upcoming"},
				{Day: 23, Outcome: "upcoming"},
				{Day: 25, Outcome: "inactive", Change: "suspend applied"},
			}},
		{"a reactivated user is regrouped and not suspended again until idle from then",
			lm.User{LastLoginOn: daysAgo(200), GroupIDs: []int{2}}, []step{
				{Day: 0, Outcome: "reactivated", Change: "regroup applied"},
				{Day: 1, Outcome: "recently_active", Reason: "reactivated 2026-11-01"},
				{Day: 76, Outcome: "recently_active"},
				{Day: 77, Outcome: "upcoming"},
				{Day: 91, Outcome: "inactive", Change: "suspend applied"},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.user.Username = who
			lc := newLifecycle(t, tc.user)
			if lc.groups["Suspended"] != 2 {
				t.Fatalf("the Suspended group has id %d; the reactivated case assumes 2", lc.groups["Suspended"])
			}
			for _, s := range tc.steps {
				if s.Before != nil {
					s.Before(lc)
				}
				j := parseLifecycle(t, lc.run(day(s.Day), lifecycleArgs...))
				outcome, change, reason := j.seen(who)
				if outcome != s.Outcome || change != s.Change || !strings.Contains(reason, s.Reason) {
					t.Fatalf("day %d: %s, %q (%s); want %s, %q, a reason with %q", s.Day, outcome, change, reason, s.Outcome, s.Change, s.Reason)
				}
				if outcome == "upcoming" && j.count("suspend_upcoming") != 1 {
					t.Errorf("day %d: suspend_upcoming=%d, want 1", s.Day, j.count("suspend_upcoming"))
				}
				if outcome == "exempt" && j.count("exempt_skipped") != 1 {
					t.Errorf("day %d: exempt_skipped=%d, want 1", s.Day, j.count("exempt_skipped"))
				}
				if j.count("state_ok") != 1 {
					t.Errorf("day %d: state_ok=0", s.Day)
				}
			}
		})
	}
}

// TestLifecycleWithoutStateNoGrace: the same idle user without state is
// suspended by the first run (no memory, no grace), as before state existed.
func TestLifecycleWithoutStateNoGrace(t *testing.T) {
	lc := newLifecycle(t, lm.User{Username: "pat@example.com", LastLoginOn: daysAgo(100)})
	lc.state = "off"
	j := parseLifecycle(t, lc.run(day(0), lifecycleArgs...))
	if outcome, change, _ := j.seen("pat@example.com"); outcome != "inactive" || change != "suspend applied" {
		t.Errorf("without state: %s %q, want suspended at once", outcome, change)
	}
}

// TestLifecycleUnusableStateNeverSuspendsSooner: a --state path that can be
// neither used nor made (under a regular file) is an empty memory, never
// --state off: with --apply the idle user is given notice, not suspended,
// and state_ok says the file failed.
func TestLifecycleUnusableStateNeverSuspendsSooner(t *testing.T) {
	lc := newLifecycle(t, lm.User{Username: "pat@example.com", LastLoginOn: daysAgo(100)})
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	lc.state = filepath.Join(file, "acme.db")
	for _, d := range []int{0, 1, 15} {
		res := lc.run(day(d), append(slices.Clone(lifecycleArgs), "--output", "datasource")...)
		ds := datasource(t, res.stdout)
		if res.code != exitOK || ds["suspend_applied"] != 0 || ds["suspend_upcoming"] != 1 || ds["state_ok"] != 0 {
			t.Errorf("day %d: exit %d, suspend_applied=%d suspend_upcoming=%d state_ok=%d; want 0 0 1 0\n%s",
				d, res.code, ds["suspend_applied"], ds["suspend_upcoming"], ds["state_ok"], res.stderr)
		}
	}
	if lc.p.Writes() != 0 {
		t.Errorf("%d writes to the portal, want none: nobody is suspended without notice", lc.p.Writes())
	}
}

// TestLifecycleAsOfWritesNoState: --as-of plans on the state without writing
// a byte of it, and sees the user suspended by then.
func TestLifecycleAsOfWritesNoState(t *testing.T) {
	lc := newLifecycle(t, lm.User{Username: "pat@example.com", LastLoginOn: daysAgo(100)})
	parseLifecycle(t, lc.run(day(0), lifecycleArgs...))
	before, err := os.ReadFile(lc.state)
	if err != nil {
		t.Fatal(err)
	}
	writes := lc.p.Writes()
	j := parseLifecycle(t, lc.run(day(1), "--output", "json", "--as-of", "2026-12-31", "--protect-users", "alice@example.com", "--max-suspend-percent", "100"))
	if outcome, change, _ := j.seen("pat@example.com"); outcome != "inactive" || change != "suspend planned" {
		t.Errorf("as of 2026-12-31: %s %q, want a planned suspension", outcome, change)
	}
	after, err := os.ReadFile(lc.state)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("an --as-of run changed the state file")
	}
	if lc.p.Writes() != writes {
		t.Error("an --as-of run wrote to the portal")
	}
	for _, args := range [][]string{{"--as-of", "2026-11-01"}, {"--as-of", "2026-12-31", "--apply"}} {
		if res := lc.run(day(1), args...); res.code != exitConfig {
			t.Errorf("%v on 2026-11-02: exit %d, want 2 (a past day, or --apply):\n%s", args, res.code, res.stderr)
		}
	}
	if after, _ := os.ReadFile(lc.state); !bytes.Equal(before, after) {
		t.Error("a refused --as-of run changed the state file")
	}
}

// TestLifecycleStateLocked: a second run on a file another run holds waits
// for it, and exits 1 saying so when it is not released in time.
func TestLifecycleStateLocked(t *testing.T) {
	lc := newLifecycle(t, lm.User{Username: "pat@example.com", LastLoginOn: daysAgo(100)})
	holder, h, err := state.Open(lc.state, state.Options{})
	if err != nil || !h.OK {
		t.Fatalf("open: %v %s", err, h.Warning)
	}
	lc.lockTimeout = 200 * time.Millisecond
	res := lc.run(day(0), "--apply")
	if res.code != exitFailed || !strings.Contains(failureLine(t, res.stderr), "in use by another run") {
		t.Errorf("exit %d, want 1 saying the file is in use:\n%s", res.code, res.stderr)
	}
	if ds := datasource(t, res.stdout); ds["run_success"] != 0 || lc.p.Writes() != 0 {
		t.Errorf("a run that could not have its state wrote %d times, run_success=%d", lc.p.Writes(), ds["run_success"])
	}
	// Released while the next run waits: it goes on.
	lc.lockTimeout = 10 * time.Second
	go func() {
		time.Sleep(300 * time.Millisecond)
		holder.Close()
	}()
	start := time.Now()
	if res := lc.run(day(0), "--apply", "--max-suspend-percent", "100"); res.code != exitOK {
		t.Errorf("exit %d after the other run released the file:\n%s", res.code, res.stderr)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("the run did not wait for the lock (%s)", waited)
	}
}

// idleTrio is a portal with three users idle for a hundred days; with
// --warn-days 0 a run with state suspends them at once.
func idleTrio(t *testing.T) *lifecycle {
	return newLifecycle(t,
		lm.User{Username: "ann@example.com", LastLoginOn: daysAgo(100)},
		lm.User{Username: "ben@example.com", LastLoginOn: daysAgo(110)},
		lm.User{Username: "cy@example.com", LastLoginOn: daysAgo(120)})
}

func TestUndoEndToEnd(t *testing.T) {
	lc := idleTrio(t)
	args := append([]string{"--warn-days", "0"}, lifecycleArgs...)
	run := parseLifecycle(t, lc.run(day(0), args...))
	if run.count("suspend_applied") != 3 {
		t.Fatalf("suspend_applied=%d, want 3", run.count("suspend_applied"))
	}
	// A person reactivates ben by hand (he stays in Suspended).
	ben := lc.user("ben@example.com")
	ben.Status = lm.StatusActive
	lc.p.AddUser(ben)

	writes := lc.p.Writes()
	plan := parseLifecycle(t, lc.run(day(0).Add(time.Hour), "undo", "last", "--output", "json"))
	if lc.p.Writes() != writes {
		t.Fatal("undo without --apply wrote to the portal")
	}
	for name, want := range map[string]string{"ann@example.com": "restore", "ben@example.com": "changed_since", "cy@example.com": "restore"} {
		found := false
		for _, u := range plan.Users {
			if u.Username == name && u.Undo != nil {
				found = true
				if u.Undo.Outcome != want {
					t.Errorf("%s: undo %s (%s), want %s", name, u.Undo.Outcome, u.Undo.Reason, want)
				}
			}
		}
		if !found {
			t.Errorf("%s is not in the undo plan", name)
		}
	}

	applied := parseLifecycle(t, lc.run(day(0).Add(2*time.Hour), "undo", "last", "--apply", "--output", "json"))
	if !applied.Success || lc.p.Writes()-writes != 2 || applied.count("pending") != 0 || applied.count("errors") != 0 {
		t.Fatalf("undo --apply: success %v, %d writes, counts %v; want 2 restores", applied.Success, lc.p.Writes()-writes, applied.Counts)
	}
	for _, name := range []string{"ann@example.com", "cy@example.com"} {
		if u := lc.user(name); u.Status != lm.StatusActive || !slices.Equal(u.GroupIDs, []int{lc.groups["Viewers"]}) {
			t.Errorf("%s after undo: %s %v, want active in Viewers", name, u.Status, u.GroupIDs)
		}
	}

	// A second undo changes nothing.
	writes = lc.p.Writes()
	again := parseLifecycle(t, lc.run(day(0).Add(3*time.Hour), "undo", "last", "--apply", "--output", "json"))
	if lc.p.Writes() != writes || !again.Success {
		t.Errorf("a second undo wrote %d times", lc.p.Writes()-writes)
	}

	// An undo counts like a run: the run's keys, pending and errors.
	counted := parseLifecycle(t, lc.run(day(0).Add(4*time.Hour), "undo", "last", "--output", "json"))
	if !counted.Success || counted.count("dry_run") != 1 || counted.count("suspend_planned") != 0 || counted.count("pending") != 0 {
		t.Errorf("undo counts: %v", counted.Counts)
	}

	// The undone users count as reactivated at the undo: the next day's run
	// does not suspend them again (and regroups ben, reactivated by hand).
	next := parseLifecycle(t, lc.run(day(1), args...))
	if n := next.count("suspend_planned"); n != 0 || next.count("assign_applied") != 1 {
		t.Errorf("the run after the undo plans %d suspensions and %d regroups, want none and ben's", n, next.count("assign_applied"))
	}

	// history: the run and the undos, oldest first.
	var hist []struct {
		ID, Started, Kind string
		Applied           int
		UndoOf            string `json:"undo_of"`
	}
	res := lc.run(day(1), "history", "--output", "json")
	if res.code != exitOK {
		t.Fatalf("history exit %d: %s", res.code, res.stderr)
	}
	if err := json.Unmarshal([]byte(res.stdout), &hist); err != nil {
		t.Fatalf("history json: %v\n%s", err, res.stdout)
	}
	kinds := []string{}
	for _, h := range hist {
		kinds = append(kinds, fmt.Sprintf("%s:%d", h.Kind, h.Applied))
		if _, err := time.Parse(time.RFC3339, h.Started); err != nil || h.ID == "" {
			t.Errorf("history entry %+v: want an id and an RFC 3339 start", h)
		}
	}
	if got := strings.Join(kinds, " "); got != "run:3 undo:2 undo:0 run:1" || hist[1].UndoOf != hist[0].ID {
		t.Errorf("history %s (undo of %q), want run:3 undo:2 undo:0 run:1, the undo naming the run", got, hist[1].UndoOf)
	}
}

func TestUndoRefused(t *testing.T) {
	lc := idleTrio(t)
	for _, tc := range []struct {
		name  string
		setup func(lc *lifecycle)
		args  []string
		code  int
		want  string
	}{
		{"no state file", nil, []string{"undo", "last"}, exitConfig, "no state file"},
		{"--state off", func(lc *lifecycle) { lc.state = "off" }, []string{"undo", "last"}, exitConfig, "--state off has none"},
		{"last with no run that changed anything", func(lc *lifecycle) { lc.run(day(0), "--apply") }, []string{"undo", "last"}, exitConfig, "no run in the journal applied a change"},
		{"an unknown run", func(lc *lifecycle) { lc.run(day(0), "--apply") }, []string{"undo", "20260101T000000Z-abcdef"}, exitConfig, "no run with that id"},
		{"no RUN", nil, []string{"undo"}, exitConfig, "undo needs the run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lc := idleTrio(t)
			if tc.setup != nil {
				tc.setup(lc)
			}
			writes := lc.p.Writes()
			res := lc.run(day(0), append(tc.args, "--apply")...)
			if res.code != tc.code || !strings.Contains(failureLine(t, res.stderr), tc.want) {
				t.Errorf("exit %d, want %d saying %q:\n%s", res.code, tc.code, tc.want, res.stderr)
			}
			if lc.p.Writes() != writes {
				t.Error("a refused undo wrote to the portal")
			}
		})
	}
	_ = lc
}

func TestHistoryCommand(t *testing.T) {
	lc := idleTrio(t)
	parseLifecycle(t, lc.run(day(0), append([]string{"--warn-days", "0"}, lifecycleArgs...)...))
	// No credentials, no portal: --state PATH is all history needs.
	res := runNow(t, nil, "history", "--state", lc.state)
	if res.code != exitOK || !strings.Contains(res.stdout, "APPLIED") || !strings.Contains(res.stdout, " run ") {
		t.Errorf("history without credentials: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, testAccessKey) {
		t.Error("history printed the access key")
	}

	for _, tc := range []struct {
		name string
		args []string
		env  []string
		code int
		want string
	}{
		{"no state file", []string{"history", "--state", filepath.Join(t.TempDir(), "none.db")}, nil, exitConfig, "no state file at"},
		{"--state off", []string{"history", "--state", "off"}, nil, exitConfig, "--state off has none"},
		{"auto without a portal", []string{"history"}, nil, exitConfig, "no portal"},
		{"auto for a portal never run against", []string{"history", "--account", "acme"}, nil, exitConfig, "acme.logicmonitor.com.db"},
		{"a file that is no state file", []string{"history", "--state", os.Args[0]}, nil, exitFailed, "cannot be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runNow(t, tc.env, tc.args...)
			if res.code != tc.code || !strings.Contains(res.stderr, tc.want) || strings.Count(res.stderr, "\n") != 1 {
				t.Errorf("exit %d, want %d with one line saying %q:\n%s", res.code, tc.code, tc.want, res.stderr)
			}
		})
	}

	t.Run("a file another run holds", func(t *testing.T) {
		holder, _, err := state.Open(lc.state, state.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Close()
		res := runDeps(t, context.Background(), deps{now: time.Now, lockTimeout: 100 * time.Millisecond}, nil, "history", "--state", lc.state)
		if res.code != exitFailed || !strings.Contains(res.stderr, "in use by another run") {
			t.Errorf("exit %d, want 1 saying the file is in use:\n%s", res.code, res.stderr)
		}
	})
}

// TestLifecycleKilledWhileApplying runs the built binary against a portal
// served by the test, and kills it (SIGKILL) in the middle of applying: the
// portal has taken a change the run never heard back about. The state file
// stays consistent, history shows the change begun, no user is half changed,
// the next run completes the rest, and undo puts back what the killed run did.
func TestLifecycleKilledWhileApplying(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()

	// The binary runs on the real clock.
	now := time.Now()
	p := lmfake.New(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey})
	admin, readonly := p.AddRole("administrator"), p.AddRole("readonly")
	p.AddGroup("Ungrouped")
	suspended, viewers, admins := p.AddGroup("Suspended").ID, p.AddGroup("Viewers").ID, p.AddGroup("administrator").ID
	p.AddUser(lm.User{Username: "lmuh-api@example.com", APIOnly: true, Roles: []lm.Role{admin}, GroupIDs: []int{admins},
		APITokens: []lm.APIToken{{AccessID: testAccessID, Enabled: true, LastUsedOn: now.Unix()}}})
	p.AddUser(lm.User{Username: "alice@example.com", Roles: []lm.Role{admin}, GroupIDs: []int{admins}, LastLoginOn: now.Unix()})
	const idle = 30
	for i := range idle {
		p.AddUser(lm.User{Username: fmt.Sprintf("idle%02d@example.com", i), CreatedBy: "Chief Admin", Roles: []lm.Role{readonly},
			GroupIDs: []int{viewers}, LastLoginOn: now.AddDate(0, 0, -100-i).Unix()})
	}
	p.SetRateLimit(http.MethodPatch, 100000, time.Minute)
	p.SetLatency(15 * time.Millisecond)

	const killAt = 6
	var (
		patches atomic.Int32
		exited  = make(chan struct{})
		once    sync.Once
		// started hands the handler the child's process: the child's
		// requests come after its start, which the race detector cannot see.
		started = make(chan *os.Process, 1)
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch && patches.Add(1) == killAt {
			// The portal makes the change; the run dies before the answer.
			p.ServeHTTP(httptest.NewRecorder(), r)
			once.Do(func() { (<-started).Kill() })
			<-exited
			return
		}
		p.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(h)
	stateFile := filepath.Join(dir, "state.db")
	env := []string{"LM_BASE_URL=" + srv.URL + "/santaba/rest", "LM_ACCESS_ID=" + testAccessID, "LM_ACCESS_KEY=" + testAccessKey}
	args := []string{"--apply", "--state", stateFile, "--warn-days", "0", "--protect-users", "alice@example.com",
		"--max-suspend-percent", "100", "--max-changes", "1000", "--role-groups", "readonly=Viewers"}

	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started <- cmd.Process
	err := cmd.Wait()
	close(exited)
	if patches.Load() < killAt || err == nil || cmd.ProcessState.Success() {
		t.Fatalf("the run was not killed while applying (%d PATCHes, %v):\n%s", patches.Load(), err, stderr.String())
	}
	// Let the PATCHes the portal still holds end (taken or dropped) before
	// looking at it; later runs use a server of their own.
	srv.Close()
	srv = httptest.NewServer(p)
	defer srv.Close()
	env[0] = "LM_BASE_URL=" + srv.URL + "/santaba/rest"

	// The file is consistent: it opens healthy and reads in full.
	store, h2, err := state.Open(stateFile, state.Options{ReadOnly: true})
	if err != nil || !h2.OK {
		t.Fatalf("state after the kill: %v %s", err, h2.Warning)
	}
	runs, err := store.History()
	store.Close()
	if err != nil || len(runs) != 1 || runs[0].Unfinished == 0 || runs[0].Intents < killAt {
		t.Fatalf("history after the kill: %+v %v; want one run with the changes it began, some unfinished", runs, err)
	}
	killed := runs[0]

	// No user is half changed: each is as before or as desired.
	done := 0
	for _, u := range p.Users() {
		if !strings.HasPrefix(u.Username, "idle") {
			continue
		}
		switch {
		case u.Status == lm.StatusActive && slices.Equal(u.GroupIDs, []int{viewers}):
		case u.Status == lm.StatusSuspended && slices.Equal(u.GroupIDs, []int{suspended}):
			done++
		default:
			t.Errorf("%s is half changed: %s %v", u.Username, u.Status, u.GroupIDs)
		}
	}
	if done < killAt-1 || done >= idle {
		t.Errorf("%d users suspended by the killed run, want at least %d and not all", done, killAt-1)
	}

	// history (in-process, no credentials) shows the killed run's begun changes.
	if res := runNow(t, nil, "history", "--state", stateFile); res.code != exitOK ||
		!strings.Contains(res.stdout, killed.ID) || !strings.Contains(res.stdout, "stopped with") {
		t.Errorf("history exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}

	// The next run completes the rest.
	p.SetLatency(0)
	next := runDeps(t, context.Background(), deps{now: time.Now, retryDelay: 2 * time.Millisecond}, env, args...)
	ds := datasource(t, next.stdout)
	if next.code != exitOK || ds["suspend_applied"] != idle-done || ds["errors"] != 0 {
		t.Fatalf("next run: exit %d, suspend_applied=%d errors=%d; want the %d left:\n%s", next.code, ds["suspend_applied"], ds["errors"], idle-done, next.stderr)
	}

	// Undo of the killed run puts back its users, the one whose answer it
	// never had too, and leaves the next run's alone.
	undo := runDeps(t, context.Background(), deps{now: time.Now}, env, "undo", killed.ID, "--apply", "--state", stateFile, "--output", "json")
	j := parseLifecycle(t, undo)
	restored := 0
	for _, u := range j.Users {
		if u.Change != nil && u.Change.Result == "applied" {
			restored++
		}
	}
	if restored != done {
		t.Errorf("undo of the killed run restored %d users, want the %d it changed", restored, done)
	}
	active := 0
	for _, u := range p.Users() {
		if strings.HasPrefix(u.Username, "idle") && u.Status == lm.StatusActive {
			active++
		}
	}
	if active != done {
		t.Errorf("%d idle users active after the undo, want %d", active, done)
	}
}
