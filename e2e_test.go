package main

import (
	"context"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// samplePortal is a deterministic portal of n users with every situation.
func samplePortal(t *testing.T, n int, withSuspendedGroup bool) *lmfake.Portal {
	t.Helper()
	p := lmfake.NewSample(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey},
		lmfake.SampleOptions{Users: n, Now: time.Now(), Seed: 42, WithSuspendedGroup: withSuspendedGroup})
	// Hundreds of changes in one run would wait minutes for the real PATCH
	// limit (250 a minute); the pacing has tests of its own.
	p.SetRateLimit("PATCH", 100000, time.Minute)
	return p
}

// sampleArgs maps the sample portal's roles to its groups and lets the
// breaker pass on the sample's share of idle users.
var sampleArgs = []string{"--role-groups", "netops=Network Operations;readonly=Viewers;manager=Managers",
	"--protect-users", "breakglass*", "--max-changes", "100000"}

func byID(users []lm.User) map[int]lm.User {
	m := make(map[int]lm.User, len(users))
	for _, u := range users {
		m[u.ID] = u
	}
	return m
}

func sortedInts(s []int) []int {
	out := append([]int{}, s...)
	sort.Ints(out)
	return out
}

// situation describes a user as the rules see it: what each step decided,
// the activity signal that counted, and the traits the rules branch on.
func situation(u lm.User, groupNames map[int]string, suspendOutcome, signal, assignOutcome string) string {
	traits := []string{suspendOutcome, signal, assignOutcome}
	if u.APIOnly {
		traits = append(traits, "api-only")
	}
	if u.LastLoginOn > 100_000_000_000 || u.LastActionOn > 100_000_000_000 {
		traits = append(traits, "milliseconds")
	}
	if len(u.Roles) > 1 {
		traits = append(traits, "several-roles")
	}
	groups := "no-groups"
	for _, id := range u.GroupIDs {
		name, ok := groupNames[id]
		switch {
		case !ok:
			groups = "deleted-group"
		case name == "Ungrouped" || name == "Suspended":
			groups = name
		default:
			groups = "real-group"
		}
	}
	return strings.Join(append(traits, groups), " ")
}

// TestEndToEnd is the whole program against a 2,500-user simulated portal over
// loopback HTTP: a plan writes nothing, an applied run leaves exactly the
// planned state, and a second applied run writes nothing.
func TestEndToEnd(t *testing.T) {
	for _, withGroup := range []bool{true, false} {
		name := "suspended group exists"
		if !withGroup {
			name = "suspended group is created"
		}
		t.Run(name, func(t *testing.T) {
			p := samplePortal(t, 2500, withGroup)
			env := serveEnv(t, p)
			before := byID(p.Users())

			groupNames := map[int]string{}
			for _, g := range p.Groups() {
				groupNames[g.ID] = g.Name
			}
			plan := runNow(t, env, append([]string{"--output", "json"}, sampleArgs...)...)
			if plan.code != exitOK {
				t.Fatalf("plan run exit %d: %s", plan.code, plan.stderr)
			}
			if w := p.Writes(); w != 0 {
				t.Fatalf("a plan run wrote %d times", w)
			}
			planned := parseJSON(t, plan.stdout)
			kinds := map[string]int{}
			situations := map[string]bool{}
			changes := map[int]string{}
			for _, u := range planned.Users {
				situations[situation(before[u.ID], groupNames, u.Suspend.Outcome, u.Suspend.Signal, u.Assign.Outcome)] = true
				if u.Change != nil {
					kinds[u.Change.Kind]++
					changes[u.ID] = u.Change.Kind
					if u.Change.Result != hygiene.ResultPlanned.String() {
						t.Errorf("%s: result %q in a plan run", u.Username, u.Change.Result)
					}
				}
			}
			for _, k := range []string{hygiene.KindSuspend.String(), hygiene.KindMove.String(), hygiene.KindRegroup.String()} {
				if kinds[k] == 0 {
					t.Errorf("the sample portal plans no %s", k)
				}
			}
			t.Logf("%d distinct user situations", len(situations))
			if len(situations) < 20 {
				t.Errorf("only %d distinct user situations: %v", len(situations), situations)
			}

			applied := runNow(t, env, append([]string{"--apply", "--output", "json"}, sampleArgs...)...)
			if applied.code != exitOK {
				t.Fatalf("applied run exit %d: %s", applied.code, applied.stderr)
			}
			res := parseJSON(t, applied.stdout)
			if res.Counts["errors"] != "0" || res.Counts["pending"] != "0" {
				t.Fatalf("applied run: errors=%s pending=%s", res.Counts["errors"], res.Counts["pending"])
			}
			after := byID(p.Users())
			var suspendedGroup int
			for _, g := range p.Groups() {
				if lm.SameName(g.Name, "Suspended") {
					suspendedGroup = g.ID
				}
			}
			wantWrites := len(changes)
			if !withGroup {
				wantWrites++ // the suspended group's creation
			}
			if w := p.Writes(); w != wantWrites {
				t.Errorf("applied run made %d writes, want %d (one per change plus group creations)", w, wantWrites)
			}
			for _, u := range res.Users {
				if u.Change == nil {
					continue
				}
				got := after[u.ID]
				want := u.Change.GroupIDs
				if u.Change.Kind != hygiene.KindRegroup.String() {
					want = []int{suspendedGroup}
				}
				if got.Status != u.Change.Status || !reflect.DeepEqual(sortedInts(got.GroupIDs), sortedInts(want)) {
					t.Errorf("%s after %s: status %s groups %v, want %s %v", u.Username, u.Change.Kind, got.Status, got.GroupIDs, u.Change.Status, want)
				}
				if !reflect.DeepEqual(got.Roles, before[u.ID].Roles) {
					t.Errorf("%s: roles changed from %v to %v", u.Username, before[u.ID].Roles, got.Roles)
				}
			}
			for id, u := range before {
				if _, changed := changes[id]; !changed && !reflect.DeepEqual(after[id], u) {
					t.Errorf("%s changed without a planned change:\n before %+v\n after  %+v", u.Username, u, after[id])
				}
			}

			writes := p.Writes()
			again := runNow(t, env, append([]string{"--apply"}, sampleArgs...)...)
			ds := datasource(t, again.stdout)
			if again.code != exitOK || ds["run_success"] != 1 {
				t.Fatalf("second run exit %d: %s", again.code, again.stderr)
			}
			if w := p.Writes() - writes; w != 0 {
				t.Errorf("a second applied run wrote %d times", w)
			}
			for _, k := range []string{"suspend_planned", "move_planned", "assign_planned", "suspend_applied", "move_applied", "assign_applied"} {
				if ds[k] != 0 {
					t.Errorf("second run %s=%d, want 0", k, ds[k])
				}
			}
		})
	}
}

// TestBreakerWritesNothing: when too many users look inactive the run
// suspends nobody, regroups nobody, creates no group, and fails.
func TestBreakerWritesNothing(t *testing.T) {
	p := goldenPortal(testNow)
	res := runAt(t, testNow, serveEnv(t, p), append([]string{"--apply", "--inactive-days", "2", "--create-groups"}, goldenArgs...)...)
	if res.code != exitFailed {
		t.Fatalf("exit %d, want %d", res.code, exitFailed)
	}
	ds := datasource(t, res.stdout)
	if ds["run_success"] != 0 || ds["breaker_tripped"] != 1 || ds["suspend_applied"] != 0 || ds["assign_applied"] != 0 {
		t.Errorf("breaker output: %v", ds)
	}
	if p.Writes() != 0 {
		t.Errorf("the tripped breaker let %d writes through", p.Writes())
	}
	if !strings.Contains(res.stderr, "breaker") {
		t.Errorf("stderr does not say why:\n%s", res.stderr)
	}
}

// TestCapOldestFirst: --max-changes caps all user PATCHes of the run, the
// oldest inactivity goes first, and the rest are pending.
func TestCapOldestFirst(t *testing.T) {
	p := goldenPortal(testNow)
	env := serveEnv(t, p)
	full := runAt(t, testNow, env, append([]string{"--output", "json"}, goldenArgs...)...)
	planned := parseJSON(t, full.stdout)
	total := 0
	for _, u := range planned.Users {
		if u.Change != nil {
			total++
		}
	}
	res := runAt(t, testNow, env, append([]string{"--apply", "--max-changes", "1", "--output", "json"}, goldenArgs...)...)
	if res.code != exitOK {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	out := parseJSON(t, res.stdout)
	var applied []string
	for _, u := range out.Users {
		if u.Change != nil && u.Change.Result == hygiene.ResultApplied.String() {
			applied = append(applied, u.Username)
		}
	}
	// dave never logged in (skipped); breakglass is protected; bob (120 days)
	// is the oldest activity that may be suspended.
	if !reflect.DeepEqual(applied, []string{"bob@example.com"}) {
		t.Errorf("applied %v, want the oldest inactive user only", applied)
	}
	if string(out.Counts["pending"]) != strconv.Itoa(total-1) {
		t.Errorf("pending=%s, want %d", out.Counts["pending"], total-1)
	}
	if p.Writes() != 1 {
		t.Errorf("%d writes, want 1", p.Writes())
	}
}

// TestTimeBudgetTooShortToRead: a portal slower than the whole time budget
// fails the run, saying so, and nothing is written.
func TestTimeBudgetTooShortToRead(t *testing.T) {
	p := goldenPortal(time.Now())
	p.SetLatency(20 * time.Millisecond)
	res := runNow(t, serveEnv(t, p), append([]string{"--apply", "--time-budget", "5ms"}, goldenArgs...)...)
	if res.code != exitFailed || !strings.Contains(res.stderr, "reading took longer than the whole --time-budget of 5ms") {
		t.Fatalf("exit %d, want 1 and the budget named: %s", res.code, res.stderr)
	}
	if ds := datasource(t, res.stdout); ds["run_success"] != 0 || p.Writes() != 0 {
		t.Errorf("run_success=%d, %d writes: want a failed run and no write", ds["run_success"], p.Writes())
	}
}

// TestConfigsourceIsStable: the same portal and options give the same bytes.
func TestConfigsourceIsStable(t *testing.T) {
	p := samplePortal(t, 1200, true)
	env := serveEnv(t, p)
	args := append([]string{"--output", "configsource"}, sampleArgs...)
	first := runNow(t, env, args...)
	second := runNow(t, env, args...)
	if first.code != exitOK || first.stdout == "" || first.stdout != second.stdout {
		t.Fatalf("configsource differs between two runs on the same portal (exit %d)", first.code)
	}
	applied := runNow(t, env, append([]string{"--apply"}, args...)...)
	after := runNow(t, env, append([]string{"--apply"}, args...)...)
	if applied.stdout != after.stdout {
		t.Error("configsource after an applied run differs from the next run's")
	}
	if applied.stdout == first.stdout {
		t.Error("an applied run with changes did not change the configsource")
	}
}

// TestCancelStartsNoNewChange: a cancelled context (SIGTERM) stops new
// changes; the output is still printed.
func TestCancelStartsNoNewChange(t *testing.T) {
	p := samplePortal(t, 2500, true)
	p.SetLatency(5 * time.Millisecond)
	env := serveEnv(t, p)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for p.Writes() < 3 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	res := runDeps(t, ctx, deps{now: time.Now}, env, append([]string{"--apply"}, sampleArgs...)...)
	ds := datasource(t, res.stdout)
	if res.code != exitFailed || ds["run_success"] != 0 {
		t.Errorf("exit %d run_success %d, want a run that did not complete", res.code, ds["run_success"])
	}
	if ds["pending"] == 0 {
		t.Error("no change is pending after cancellation")
	}
	applied := ds["suspend_applied"] + ds["move_applied"] + ds["assign_applied"]
	if applied+ds["errors"] != p.Writes() {
		t.Errorf("applied %d + errors %d != writes %d: a change was half done or lost", applied, ds["errors"], p.Writes())
	}
}
