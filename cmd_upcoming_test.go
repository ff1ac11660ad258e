package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
	"lm-user-hygiene/state"
)

// The upcoming command end to end: the real client against the simulated
// portal over loopback, in-process.

// upcomingPortal is a sample portal of n users with every situation the
// rules handle, made at testNow. Its clock is the clock of the run that
// reads it (runUpcoming sets it), so that a run dated another day signs
// its requests on the portal's time.
func upcomingPortal(n int) *lmfake.Portal {
	return lmfake.NewSample(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey, Now: func() time.Time { return time.Unix(0, upcomingClock.Load()) }},
		lmfake.SampleOptions{Users: n, Now: testNow, Seed: 11, WithSuspendedGroup: true, WithLifecycle: true})
}

// upcomingClock is the portals' clock of these tests, Unix nanoseconds.
var upcomingClock atomic.Int64

func init() { upcomingClock.Store(testNow.UnixNano()) }

// upcomingArgs protect the sample's break-glass account and let the breaker
// pass on the sample's share of idle users, as an admin of it would.
var upcomingArgs = []string{"--protect-users", "breakglass*", "--max-suspend-percent", "100",
	"--role-groups", "netops=Network Operations;readonly=Viewers;manager=Managers"}

// runUpcoming runs the program at at with quick retries.
func runUpcoming(t *testing.T, at time.Time, env []string, args ...string) result {
	t.Helper()
	upcomingClock.Store(at.UnixNano())
	defer upcomingClock.Store(testNow.UnixNano())
	return runDeps(t, context.Background(), deps{now: func() time.Time { return at }, retryDelay: time.Millisecond}, env, args...)
}

// upcomingEntry is one user of upcoming --output json.
type upcomingEntry struct {
	ID           int    `json:"id"`
	Username     string `json:"username"`
	Email        string `json:"email"`
	SuspendOn    string `json:"suspend_on"`
	LastActivity string `json:"last_activity"`
	DaysLeft     int    `json:"days_left"`
	IdleDays     int    `json:"idle_days"`
	Reason       string `json:"reason"`
}

func parseUpcoming(t *testing.T, res result) []upcomingEntry {
	t.Helper()
	if res.code != exitOK {
		t.Fatalf("upcoming exit %d, want 0:\n%s", res.code, res.stderr)
	}
	var out []upcomingEntry
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatalf("upcoming json: %v\n%s", err, res.stdout)
	}
	return out
}

// planUpcoming is what run's json plan calls upcoming: reason by user id,
// and its suspend_upcoming.
func planUpcoming(t *testing.T, res result) (map[int]string, int) {
	t.Helper()
	if res.code != exitOK {
		t.Fatalf("run exit %d, want 0:\n%s", res.code, res.stderr)
	}
	var plan struct {
		Counts map[string]json.Number `json:"counts"`
		Users  []struct {
			ID      int `json:"id"`
			Suspend *struct {
				Outcome, Reason string
			} `json:"suspend"`
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &plan); err != nil {
		t.Fatalf("run json: %v", err)
	}
	out := map[int]string{}
	for _, u := range plan.Users {
		if u.Suspend != nil && u.Suspend.Outcome == "upcoming" {
			out[u.ID] = u.Suspend.Reason
		}
	}
	n, _ := plan.Counts["suspend_upcoming"].Int64()
	return out, int(n)
}

// sameAsPlan fails unless the upcoming list is the plan's upcoming users,
// with the plan's reasons and the day the reason gives.
func sameAsPlan(t *testing.T, list []upcomingEntry, plan map[int]string, suspendUpcoming int) {
	t.Helper()
	if len(list) != len(plan) || len(list) != suspendUpcoming {
		t.Errorf("upcoming lists %d users; the plan has %d upcoming and suspend_upcoming=%d", len(list), len(plan), suspendUpcoming)
	}
	for _, u := range list {
		reason, ok := plan[u.ID]
		switch {
		case !ok:
			t.Errorf("%s (%d) is listed but the plan does not call it upcoming", u.Username, u.ID)
		case reason != u.Reason:
			t.Errorf("%s: reason %q, the plan's %q", u.Username, u.Reason, reason)
		case !strings.Contains(reason, "suspended on "+u.SuspendOn+" unless active before"):
			t.Errorf("%s: suspend_on %s is not the plan's day: %s", u.Username, u.SuspendOn, reason)
		}
	}
	if !slices.IsSortedFunc(list, func(a, b upcomingEntry) int { return a.ID - b.ID }) {
		t.Error("the json list is not sorted by id")
	}
}

// TestUpcomingIsThePlans: upcoming lists exactly the users run's plan calls
// upcoming, with its reasons and days, with and without a state file, and
// never changes the state file.
func TestUpcomingIsThePlans(t *testing.T) {
	t.Run("without state", func(t *testing.T) {
		env := serveEnv(t, upcomingPortal(400))
		list := parseUpcoming(t, runUpcoming(t, testNow, env, append([]string{"upcoming", "--output", "json"}, upcomingArgs...)...))
		plan, n := planUpcoming(t, runUpcoming(t, testNow, env, append([]string{"run", "--output", "json"}, upcomingArgs...)...))
		if len(list) == 0 {
			t.Fatal("nobody upcoming: the test shows nothing")
		}
		sameAsPlan(t, list, plan, n)
	})

	t.Run("with a state file that gave notice before", func(t *testing.T) {
		p := upcomingPortal(400)
		env := withoutEnv(serveEnv(t, p), "LMUH_STATE")
		stateFile := filepath.Join(t.TempDir(), "state.db")
		args := append([]string{"--state", stateFile}, upcomingArgs...)
		// A plan ten days ago gave notice; the state remembers it.
		if res := runUpcoming(t, testNow.AddDate(0, 0, -10), env, append([]string{"run"}, args...)...); res.code != exitOK {
			t.Fatalf("earlier plan: exit %d\n%s", res.code, res.stderr)
		}
		before, err := os.ReadFile(stateFile)
		if err != nil {
			t.Fatal(err)
		}
		list := parseUpcoming(t, runUpcoming(t, testNow, env, append([]string{"upcoming", "--output", "json", "--apply"}, args...)...))
		if after, _ := os.ReadFile(stateFile); !bytes.Equal(before, after) {
			t.Error("upcoming changed the state file")
		}
		if p.Writes() != 0 {
			t.Errorf("upcoming --apply wrote to the portal %d times", p.Writes())
		}
		plan, n := planUpcoming(t, runUpcoming(t, testNow, env, append([]string{"run", "--output", "json"}, args...)...))
		sameAsPlan(t, list, plan, n)
		graced := 0
		for _, u := range list {
			if strings.Contains(u.Reason, "notice since "+testNow.AddDate(0, 0, -10).Format("2006-01-02")) {
				graced++
			}
		}
		if graced == 0 {
			t.Error("no listed user carries the notice the earlier plan gave: the state was not read")
		}
	})

	t.Run("with a state file that does not exist yet: grace, and no file", func(t *testing.T) {
		env := withoutEnv(serveEnv(t, upcomingPortal(400)), "LMUH_STATE")
		dir := t.TempDir()
		missing := filepath.Join(dir, "not-yet.db")
		list := parseUpcoming(t, runUpcoming(t, testNow, env, append([]string{"upcoming", "--output", "json", "--state", missing}, upcomingArgs...)...))
		if _, err := os.Stat(missing); err == nil {
			t.Error("upcoming created the state file")
		}
		fresh := filepath.Join(dir, "fresh.db")
		plan, n := planUpcoming(t, runUpcoming(t, testNow, env, append([]string{"run", "--output", "json", "--state", fresh}, upcomingArgs...)...))
		sameAsPlan(t, list, plan, n)
		// A first run with state never suspends: users past the cutoff are
		// upcoming, for --warn-days.
		past := 0
		for _, u := range list {
			if u.DaysLeft == 14 && u.IdleDays > 90 {
				past++
			}
		}
		if past == 0 {
			t.Error("no user past the cutoff is in grace: the missing file was not an empty memory")
		}
	})
}

// TestUpcomingOutputsAgree: discovery, batch, text and json name the same
// users with the same days, through the real client.
func TestUpcomingOutputsAgree(t *testing.T) {
	p := upcomingPortal(200)
	env := serveEnv(t, p)
	run := func(out string) result {
		res := runUpcoming(t, testNow, env, append([]string{"upcoming", "--output", out}, upcomingArgs...)...)
		if res.code != exitOK {
			t.Fatalf("--output %s: exit %d\n%s", out, res.code, res.stderr)
		}
		return res
	}
	list := parseUpcoming(t, run("json"))
	if len(list) == 0 {
		t.Fatal("nobody upcoming")
	}
	var wantDiscovery, wantBatch strings.Builder
	for _, u := range list {
		wantDiscovery.WriteString(strconv.Itoa(u.ID) + "##" + u.Username + "##suspended on " + u.SuspendOn + " unless active before####auto.lmuh.email=" +
			u.Email + "&auto.lmuh.suspend_on=" + u.SuspendOn + "&auto.lmuh.last_activity=" + u.LastActivity + "\n")
		wantBatch.WriteString(strconv.Itoa(u.ID) + ".days_left=" + strconv.Itoa(u.DaysLeft) + "\n" + strconv.Itoa(u.ID) + ".idle_days=" + strconv.Itoa(u.IdleDays) + "\n")
		if u.Email == "" {
			t.Errorf("%s: the portal's e-mail did not reach the list", u.Username)
		}
	}
	if got := run("discovery").stdout; got != wantDiscovery.String() {
		t.Errorf("discovery:\n%s\nwant\n%s", got, wantDiscovery.String())
	}
	if got := run("batch").stdout; got != wantBatch.String() {
		t.Errorf("batch:\n%s\nwant\n%s", got, wantBatch.String())
	}
	text := run("text")
	if text.stdout == "" || text.stderr != "" {
		t.Errorf("text: stdout %q\nstderr (want none: warn beside a report, and nothing is wrong) %q", text.stdout, text.stderr)
	}
	for _, u := range list {
		if !strings.Contains(text.stdout, u.Username) {
			t.Errorf("text does not list %s", u.Username)
		}
	}
	if dflt := runUpcoming(t, testNow, env, append([]string{"upcoming"}, upcomingArgs...)...); dflt.stdout != text.stdout {
		t.Error("the default output is not text")
	}
}

// TestUpcomingUserWithoutEmail: a user whose e-mail the portal leaves empty,
// null or out still gets its instance, with auto.lmuh.email empty.
func TestUpcomingUserWithoutEmail(t *testing.T) {
	for _, raw := range []string{`""`, `null`, ``} {
		p := lmfake.New(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey, Now: func() time.Time { return testNow }})
		readonly := p.AddRole("readonly")
		p.AddUser(lm.User{Username: "lmuh-api@example.com", APIOnly: true, Roles: []lm.Role{readonly},
			APITokens: []lm.APIToken{{AccessID: testAccessID, Enabled: true, LastUsedOn: testNow.Unix()}}})
		u := p.AddUser(lm.User{Username: "no.mail", Roles: []lm.Role{readonly}, LastLoginOn: testNow.AddDate(0, 0, -80).Unix()})
		for i := range 6 {
			p.AddUser(lm.User{Username: "busy" + strconv.Itoa(i), Roles: []lm.Role{readonly}, LastLoginOn: testNow.Unix()})
		}
		p.OverrideUserField(u.ID, "email", raw)
		res := runUpcoming(t, testNow, serveEnv(t, p), "upcoming", "--output", "discovery")
		want := strconv.Itoa(u.ID) + "##no.mail##suspended on 2026-11-11 unless active before####auto.lmuh.email=&auto.lmuh.suspend_on=2026-11-11&auto.lmuh.last_activity=2026-08-13\n"
		if res.code != exitOK || res.stdout != want {
			t.Errorf("email %s: exit %d\n%s\nwant\n%s\nstderr %s", raw, res.code, res.stdout, want, res.stderr)
		}
	}
}

// TestUpcomingNobody: nobody upcoming prints nothing (json: []), exit 0.
func TestUpcomingNobody(t *testing.T) {
	env := serveEnv(t, cleanPortal(testNow))
	for _, out := range []string{"text", "json", "discovery", "batch"} {
		res := runUpcoming(t, testNow, env, "upcoming", "--output", out)
		want := ""
		if out == "json" {
			want = "[]\n"
		}
		if res.code != exitOK || res.stdout != want {
			t.Errorf("--output %s: exit %d, stdout %q; want 0 and %q\n%s", out, res.code, res.stdout, want, res.stderr)
		}
	}
}

// TestUpcomingNeverAnEmptyListByAccident: whatever the output, a portal that
// cannot be read or whose data is suspect prints nothing and exits 1, so a
// failed discovery never makes the portal delete its instances.
func TestUpcomingNeverAnEmptyListByAccident(t *testing.T) {
	failures := []struct {
		name  string
		setup func(t *testing.T) []string // the environment
	}{
		{"unreachable", func(t *testing.T) []string {
			// Nothing listens on port 1 of the loopback address.
			return []string{"LM_BASE_URL=http://127.0.0.1:1/santaba/rest", "LM_ACCESS_ID=" + testAccessID, "LM_ACCESS_KEY=" + testAccessKey, "LMUH_STATE=off"}
		}},
		{"refused", func(t *testing.T) []string {
			env := withoutEnv(serveEnv(t, upcomingPortal(50)), "LM_ACCESS_KEY")
			return append(env, "LM_ACCESS_KEY=not-the-key")
		}},
		{"a page that is not whole", func(t *testing.T) []string {
			p := upcomingPortal(50)
			p.InjectFault(lmfake.Fault{Method: http.MethodGet, Path: "/setting/admins", Truncate: true, Count: 100})
			return serveEnv(t, p)
		}},
		{"a maintenance page", func(t *testing.T) []string {
			p := upcomingPortal(50)
			p.InjectFault(lmfake.Fault{Method: http.MethodGet, Path: "/setting/admins", HTML: true, Count: 100})
			return serveEnv(t, p)
		}},
		{"over 5% unreadable", func(t *testing.T) []string {
			p := upcomingPortal(50)
			for _, u := range p.Users()[:5] {
				p.OverrideUserField(u.ID, "roles", "null")
			}
			return serveEnv(t, p)
		}},
		{"the breaker tripped", func(t *testing.T) []string {
			return append(serveEnv(t, upcomingPortal(50)), "LMUH_MAX_SUSPEND_PERCENT=1")
		}},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			env := f.setup(t)
			for _, out := range []string{"text", "json", "discovery", "batch"} {
				res := runUpcoming(t, testNow, env, "upcoming", "--protect-users", "breakglass*", "--output", out)
				if res.code != exitFailed || res.stdout != "" {
					t.Errorf("--output %s: exit %d, stdout %q; want 1 and nothing\nstderr %s", out, res.code, res.stdout, res.stderr)
				}
				if !strings.Contains(res.stderr, "nothing is listed") {
					t.Errorf("--output %s: stderr does not say why nothing is listed:\n%s", out, res.stderr)
				}
				if strings.Contains(res.stdout+res.stderr, testAccessKey) {
					t.Error("the access key was printed")
				}
			}
		})
	}
}

// TestUpcomingBadConfiguration: exit 2, nothing on stdout, one line saying
// what to fix.
func TestUpcomingBadConfiguration(t *testing.T) {
	env := serveEnv(t, upcomingPortal(20))
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"datasource is not an output of upcoming", nil, []string{"--output", "datasource"}, "--output must be text, json, discovery or batch for upcoming"},
		{"configsource is not an output of upcoming", nil, []string{"--output=configsource"}, "--output must be text, json, discovery or batch for upcoming"},
		{"nor in the environment", []string{"LMUH_OUTPUT=datasource"}, nil, "--output must be text, json, discovery or batch for upcoming"},
		{"a setting run refuses", nil, []string{"--inactive-days", "soon"}, "--inactive-days"},
		{"no credentials", []string{"LM_ACCESS_ID=", "LM_ACCESS_KEY="}, nil, "no credentials"},
		{"a past --as-of", nil, []string{"--as-of", "2026-10-01"}, "--as-of 2026-10-01 is in the past"},
		{"an unknown flag before the command", nil, []string{"--bogus"}, "unknown flag --bogus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := slices.Clone(env)
			for _, kv := range tc.env {
				k, _, _ := strings.Cut(kv, "=")
				e = append(withoutEnv(e, k), kv)
			}
			// The flags go before the command word: a flag the parser stops
			// at must not hide that the command is upcoming.
			res := runUpcoming(t, testNow, e, append(slices.Clone(tc.args), "upcoming")...)
			if res.code != exitConfig || res.stdout != "" {
				t.Errorf("exit %d, stdout %q; want 2 and nothing", res.code, res.stdout)
			}
			if !strings.Contains(res.stderr, tc.want) || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 {
				t.Errorf("stderr %q, want one line with %q", res.stderr, tc.want)
			}
		})
	}
	t.Run("discovery and batch belong to upcoming alone", func(t *testing.T) {
		for _, out := range []string{"discovery", "batch"} {
			if res := runUpcoming(t, testNow, env, "run", "--output", out); res.code != exitConfig {
				t.Errorf("run --output %s: exit %d, want 2", out, res.code)
			}
		}
	})
}

// TestUpcomingIgnoresApply: --apply is accepted and ignored, beside --as-of
// too; nothing is written.
func TestUpcomingIgnoresApply(t *testing.T) {
	p := upcomingPortal(100)
	env := serveEnv(t, p)
	plain := runUpcoming(t, testNow, env, append([]string{"upcoming", "--output", "json"}, upcomingArgs...)...)
	applied := runUpcoming(t, testNow, env, append([]string{"upcoming", "--output", "json", "--apply"}, upcomingArgs...)...)
	if plain.code != exitOK || applied.code != exitOK || plain.stdout != applied.stdout {
		t.Errorf("--apply changed the list: exit %d and %d\n%s\n%s", plain.code, applied.code, plain.stdout, applied.stderr)
	}
	asOf := runUpcoming(t, testNow, env, append([]string{"upcoming", "--output", "json", "--apply", "--as-of", "2026-11-20"}, upcomingArgs...)...)
	later := parseUpcoming(t, asOf)
	for _, u := range later {
		if u.IdleDays < 19 {
			t.Errorf("%s: idle %d days as of 2026-11-20: today is not the --as-of day", u.Username, u.IdleDays)
		}
	}
	if p.Writes() != 0 {
		t.Errorf("upcoming wrote to the portal %d times", p.Writes())
	}
}

// TestUpcomingDemo: upcoming --demo lists the demo's upcoming users, as
// many as --demo's suspend_upcoming.
func TestUpcomingDemo(t *testing.T) {
	demo := runNow(t, nil, "--demo")
	if demo.code != exitOK {
		t.Fatalf("--demo: exit %d\n%s", demo.code, demo.stderr)
	}
	want := datasource(t, demo.stdout)["suspend_upcoming"]
	list := parseUpcoming(t, runNow(t, nil, "upcoming", "--demo", "--output", "json"))
	if want == 0 || len(list) != want {
		t.Errorf("upcoming --demo lists %d users, --demo's suspend_upcoming is %d", len(list), want)
	}
	names := map[string]bool{}
	for _, u := range list {
		names[u.Username] = true
	}
	if !names[lmfake.SampleUpcomingUser] {
		t.Errorf("the demo's upcoming user %s is not listed: %v", lmfake.SampleUpcomingUser, names)
	}
}

// TestUpcomingHelp: upcoming --help and help upcoming show the command's
// usage.
func TestUpcomingHelp(t *testing.T) {
	for _, args := range [][]string{{"upcoming", "--help"}, {"help", "upcoming"}, {"--help", "upcoming"}} {
		res := runNow(t, nil, args...)
		if res.code != exitOK || !strings.HasPrefix(res.stdout, "Usage: lm-user-hygiene upcoming") ||
			!strings.Contains(res.stdout, "text, json, discovery or batch") || !strings.Contains(res.stdout, "LMUH_WARN_DAYS") {
			t.Errorf("%v: exit %d:\n%s", args, res.code, res.stdout)
		}
	}
	if top := runNow(t, nil, "--help"); !strings.Contains(top.stdout, "  upcoming ") {
		t.Error("--help does not list upcoming")
	}
}

// TestUpcomingStateLockedPrintsNothing: a state file another run holds past
// the lock timeout is a list that cannot be made: nothing, exit 1.
func TestUpcomingStateLockedPrintsNothing(t *testing.T) {
	env := withoutEnv(serveEnv(t, upcomingPortal(50)), "LMUH_STATE")
	path := filepath.Join(t.TempDir(), "state.db")
	held, health, err := state.Open(path, state.Options{})
	if err != nil || !health.OK {
		t.Fatalf("open: %v %s", err, health.Warning)
	}
	defer held.Close()
	res := runDeps(t, context.Background(), deps{now: func() time.Time { return testNow }, lockTimeout: 50 * time.Millisecond},
		env, append([]string{"upcoming", "--state", path, "--output", "discovery"}, upcomingArgs...)...)
	if res.code != exitFailed || res.stdout != "" || !strings.Contains(res.stderr, "in use by another run") {
		t.Errorf("exit %d, stdout %q; want 1 and nothing, saying the file is in use\n%s", res.code, res.stdout, res.stderr)
	}
}

// TestUpcomingNeverKeepsTheDailyRunWaiting: upcoming reads the state file
// and lets go of it before it reads the portal, so the daily run that
// starts while an hourly discovery waits on a slow portal gets its lock.
func TestUpcomingNeverKeepsTheDailyRunWaiting(t *testing.T) {
	p := upcomingPortal(50)
	// Once armed, the next users page waits for release: the discovery's.
	var armed atomic.Bool
	entered, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/setting/admins") && armed.CompareAndSwap(true, false) {
			close(entered)
			<-release
		}
		p.ServeHTTP(w, r)
	})
	env := append(withoutEnv(serveEnv(t, slow), "LMUH_STATE"), "LMUH_STATE="+filepath.Join(t.TempDir(), "state.db"))
	at := func() time.Time { return testNow }
	if seed := runDeps(t, context.Background(), deps{now: at}, env, upcomingArgs...); seed.code != exitOK {
		t.Fatalf("the first run: exit %d\n%s", seed.code, seed.stderr)
	}

	armed.Store(true)
	done := make(chan result)
	go func() {
		done <- runDeps(t, context.Background(), deps{now: at}, env, append([]string{"upcoming", "--output", "discovery"}, upcomingArgs...)...)
	}()
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		close(release)
		t.Fatal("the discovery never read the portal")
	}
	daily := runDeps(t, context.Background(), deps{now: at, lockTimeout: 100 * time.Millisecond}, env, upcomingArgs...)
	close(release)
	listed := <-done
	if ds := datasource(t, daily.stdout); daily.code != exitOK || ds["state_ok"] != 1 {
		t.Errorf("the daily run beside a discovery waiting on the portal: exit %d, state_ok=%d; want 0 and 1\n%s", daily.code, ds["state_ok"], daily.stderr)
	}
	if listed.code != exitOK || listed.stdout == "" {
		t.Errorf("the discovery: exit %d, %d bytes; want 0 and its list\n%s", listed.code, len(listed.stdout), listed.stderr)
	}
}
