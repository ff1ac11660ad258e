package main

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// The fault tests run the whole program in-process against the simulated
// portal over loopback and hold it to one rule above all: no decision is made
// on partial data and nothing is half applied.

// faultArgs map the fault portal's roles to its groups and lift the per-run
// cap, so every planned change is made.
var faultArgs = []string{"--role-groups", "netops=Network Operations;readonly=Viewers", "--max-changes", "1000"}

// faultPortal is a portal of recently active staff plus idle users to
// suspend, one suspended user to move and one SSO user to regroup: idle+2
// changes in an applied run. Ids start at 101 so that a user inserted below
// all others while paging still has a positive id.
func faultPortal(staff, idle int) *lmfake.Portal {
	return faultPortalWith(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey, BearerToken: faultBearer}, staff, idle)
}

// faultPortalWith is faultPortal accepting cfg's credentials, at testNow.
func faultPortalWith(cfg lmfake.Config, staff, idle int) *lmfake.Portal {
	cfg.Now = func() time.Time { return testNow }
	p := lmfake.New(cfg)
	admin, readonly, netops := p.AddRole("administrator"), p.AddRole("readonly"), p.AddRole("netops")
	ungrouped, viewers, admins := p.AddGroup("Ungrouped"), p.AddGroup("Viewers"), p.AddGroup("administrator")
	p.AddGroup("Suspended")
	p.AddGroup("Network Operations")
	p.AddUser(lm.User{ID: 101, Username: "lmuh-api@example.com", Status: lm.StatusActive, APIOnly: true, Roles: []lm.Role{admin},
		GroupIDs: []int{admins.ID}, APITokens: []lm.APIToken{{AccessID: testAccessID, Enabled: true, LastUsedOn: faultDays(1)}}})
	p.AddUser(lm.User{Username: "alice@example.com", Status: lm.StatusActive, Roles: []lm.Role{admin}, GroupIDs: []int{admins.ID}, LastLoginOn: faultDays(2)})
	for i := range staff {
		p.AddUser(lm.User{Username: fmt.Sprintf("staff%05d@example.com", i), Status: lm.StatusActive, CreatedBy: "Chief Admin",
			Roles: []lm.Role{readonly}, GroupIDs: []int{viewers.ID}, LastLoginOn: faultDays(i % 60)})
	}
	for i := range idle {
		p.AddUser(lm.User{Username: fmt.Sprintf("idle%03d@example.com", i), Status: lm.StatusActive, CreatedBy: "Chief Admin",
			Roles: []lm.Role{readonly}, GroupIDs: []int{viewers.ID}, LastLoginOn: faultDays(100 + i)})
	}
	p.AddUser(lm.User{Username: "moved@example.com", Status: lm.StatusSuspended, Roles: []lm.Role{readonly}, GroupIDs: []int{viewers.ID}, LastLoginOn: faultDays(300)})
	p.AddUser(lm.User{Username: "sso@example.com", Status: lm.StatusActive, CreatedBy: "SAML", Roles: []lm.Role{netops}, GroupIDs: []int{ungrouped.ID}, LastLoginOn: faultDays(1)})
	// A run with many changes must not wait for the real PATCH limit.
	p.SetRateLimit(http.MethodPatch, 100000, time.Minute)
	return p
}

const faultBearer = "lmb_fault-bearer-t0ken-for-tests-only"

func faultDays(n int) int64 { return testNow.Add(-time.Duration(n) * 24 * time.Hour).Unix() }

// faultDeps runs at the portal's clock with quick retries, so a retried
// fault costs milliseconds instead of the production backoff.
func faultDeps() deps {
	return deps{now: func() time.Time { return testNow }, retryDelay: 2 * time.Millisecond}
}

// faultOn serves p and injects f the first time a request matches, so a
// fault can hit one page of a list: lmfake's faults match paths, not offsets.
func faultOn(p *lmfake.Portal, match func(*http.Request) bool, f lmfake.Fault) http.Handler {
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if match(r) {
			once.Do(func() { p.InjectFault(f) })
		}
		p.ServeHTTP(w, r)
	})
}

func usersPage(offset int) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodGet && r.URL.Path == lmfake.BasePath+"/setting/admins" && r.URL.Query().Get("offset") == strconv.Itoa(offset)
	}
}

// assertUntouched checks that the portal took no write and every user is as before.
func assertUntouched(t *testing.T, p *lmfake.Portal, before []lm.User) {
	t.Helper()
	if w := p.Writes(); w != 0 {
		t.Errorf("%d writes, want none", w)
	}
	if !reflect.DeepEqual(p.Users(), before) {
		t.Error("users changed although nothing may be written")
	}
}

// assertFailedRun checks a run that could not complete: exit 1, the full
// datasource with run_success=0 and no count it did not reach, and one
// "lm-user-hygiene:" line on stderr that contains want.
func assertFailedRun(t *testing.T, res result, want string) map[string]int {
	t.Helper()
	if res.code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, exitFailed, res.stderr)
	}
	ds := datasource(t, res.stdout)
	for _, k := range []string{"run_success", "users_total", "suspend_planned", "suspend_applied", "move_applied", "assign_applied", "errors", "pending"} {
		if ds[k] != 0 {
			t.Errorf("%s=%d, want 0 in a run that could not read the portal", k, ds[k])
		}
	}
	line := failureLine(t, res.stderr)
	if !strings.Contains(strings.ToLower(line), strings.ToLower(want)) {
		t.Errorf("the failure line does not say %q:\n%s", want, line)
	}
	return ds
}

// failureLine is the one stderr line that says why the run failed.
func failureLine(t *testing.T, stderr string) string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "lm-user-hygiene: ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d failure lines on stderr, want 1:\n%s", len(lines), stderr)
	}
	return lines[0]
}

func changesMade(ds map[string]int) int {
	return ds["suspend_applied"] + ds["move_applied"] + ds["assign_applied"]
}

// TestFault429StormIsWaitedOut: several 429s in a row on the users list are
// waited out (the window is one second) and the run completes.
func TestFault429StormIsWaitedOut(t *testing.T) {
	t.Parallel()
	p := faultPortal(20, 2)
	p.SetRateLimit(http.MethodGet, 500, time.Second)
	p.InjectFault(lmfake.Fault{Method: http.MethodGet, Path: "/setting/admins", Status: http.StatusTooManyRequests, Count: 3})
	res := runDeps(t, context.Background(), faultDeps(), serveEnv(t, p), append([]string{"--apply"}, faultArgs...)...)
	if res.code != exitOK {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	ds := datasource(t, res.stdout)
	if ds["run_success"] != 1 || ds["errors"] != 0 || ds["pending"] != 0 || ds["api_retries"] < 3 {
		t.Errorf("run_success=%d errors=%d pending=%d api_retries=%d; want a completed run that retried 3 times",
			ds["run_success"], ds["errors"], ds["pending"], ds["api_retries"])
	}
	if changesMade(ds) != 4 || p.Writes() != 4 {
		t.Errorf("applied %d changes in %d writes, want 4", changesMade(ds), p.Writes())
	}
}

// TestFault429EndlessStormFailsTheRun: a portal that never stops answering
// 429 fails the run after the retries, before any decision.
func TestFault429EndlessStormFailsTheRun(t *testing.T) {
	t.Parallel()
	p := faultPortal(20, 2)
	p.SetRateLimit(http.MethodGet, 500, time.Second)
	p.InjectFault(lmfake.Fault{Method: http.MethodGet, Path: "/setting/admins", Status: http.StatusTooManyRequests, Count: 1000})
	before := p.Users()
	res := runDeps(t, context.Background(), faultDeps(), serveEnv(t, p), append([]string{"--apply"}, faultArgs...)...)
	ds := assertFailedRun(t, res, "rate limited")
	if ds["api_retries"] == 0 {
		t.Error("api_retries=0: the 429s were not retried")
	}
	assertUntouched(t, p, before)
}

// TestFaultServerErrors: 502, 503 and 504 and the HTML maintenance page are
// retried; 500 is not; what outlasts the retries fails the run unwritten.
func TestFaultServerErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fault    lmfake.Fault
		ok       bool
		attempts int // requests for the first users page; 0 = not checked
		want     string
	}{
		{"one 502 is retried", lmfake.Fault{Status: http.StatusBadGateway}, true, 2, ""},
		{"one 503 is retried", lmfake.Fault{Status: http.StatusServiceUnavailable}, true, 2, ""},
		{"one 504 is retried", lmfake.Fault{Status: http.StatusGatewayTimeout}, true, 2, ""},
		{"a 503 HTML maintenance page is retried", lmfake.Fault{HTML: true}, true, 2, ""},
		{"500 is not retried", lmfake.Fault{Status: http.StatusInternalServerError}, false, 1, "HTTP 500"},
		{"persistent 502 fails the run", lmfake.Fault{Status: http.StatusBadGateway, Count: 100}, false, 5, "HTTP 502"},
		{"persistent 503 fails the run", lmfake.Fault{Status: http.StatusServiceUnavailable, Count: 100}, false, 5, "HTTP 503"},
		{"persistent 504 fails the run", lmfake.Fault{Status: http.StatusGatewayTimeout, Count: 100}, false, 5, "HTTP 504"},
		{"a persistent HTML maintenance page fails the run", lmfake.Fault{HTML: true, Count: 100}, false, 5, "HTML"},
		{"an HTML page with status 200 is not data", lmfake.Fault{HTML: true, Status: http.StatusOK}, false, 1, "HTML page instead of JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := faultPortal(20, 2)
			f := tc.fault
			f.Method, f.Path = http.MethodGet, "/setting/admins"
			p.InjectFault(f)
			before := p.Users()
			res := runDeps(t, context.Background(), faultDeps(), serveEnv(t, p), append([]string{"--apply"}, faultArgs...)...)
			attempts := 0
			for _, r := range p.Requests() {
				if r.Method == http.MethodGet && r.Path == "/setting/admins" && r.Query.Get("offset") == "0" {
					attempts++
				}
			}
			if tc.attempts != 0 && attempts != tc.attempts {
				t.Errorf("%d requests for the users list, want %d", attempts, tc.attempts)
			}
			if !tc.ok {
				assertFailedRun(t, res, tc.want)
				assertUntouched(t, p, before)
				return
			}
			if res.code != exitOK {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			ds := datasource(t, res.stdout)
			if ds["run_success"] != 1 || ds["api_retries"] != 1 || changesMade(ds) != 4 || ds["errors"] != 0 {
				t.Errorf("run_success=%d api_retries=%d applied=%d errors=%d; want the run completed after one retry",
					ds["run_success"], ds["api_retries"], changesMade(ds), ds["errors"])
			}
		})
	}
}

// TestFaultStallPastClientTimeout: a portal that stops answering fails the
// run at the client timeout (after the retries), unwritten.
func TestFaultStallPastClientTimeout(t *testing.T) {
	for _, path := range []string{"/setting/admins", "/setting/admin/groups", "/setting/roles"} {
		t.Run(path, func(t *testing.T) {
			p := faultPortal(20, 2)
			p.InjectFault(lmfake.Fault{Method: http.MethodGet, Path: path, Stall: time.Minute, Count: 100})
			before := p.Users()
			d := faultDeps()
			d.httpClient = &http.Client{Timeout: 150 * time.Millisecond}
			start := time.Now()
			res := runDeps(t, context.Background(), d, serveEnv(t, p), append([]string{"--apply"}, faultArgs...)...)
			assertFailedRun(t, res, "timeout")
			// Without the timeout each of the five attempts would stall a minute.
			if el := time.Since(start); el > 30*time.Second {
				t.Errorf("the run took %s: the client timeout did not end the stalled requests", el)
			}
			assertUntouched(t, p, before)
		})
	}
}

// TestFaultTruncatedJSON: a page cut off in the middle stops the run before
// any decision, whichever page it is, and configsource prints nothing.
func TestFaultTruncatedJSON(t *testing.T) {
	big, small := faultPortal(2500, 3), faultPortal(20, 3) // three pages of users, or one
	truncate := lmfake.Fault{Method: http.MethodGet, Truncate: true}
	for _, tc := range []struct {
		name  string
		p     *lmfake.Portal
		match func(*http.Request) bool
		path  string
	}{
		{"the first users page", big, usersPage(0), "/setting/admins"},
		{"a middle users page", big, usersPage(999), "/setting/admins"},
		{"the last users page", big, usersPage(1998), "/setting/admins"},
		{"the user groups", small, func(r *http.Request) bool { return r.URL.Path == lmfake.BasePath+"/setting/admin/groups" }, "/setting/admin/groups"},
		{"the roles", small, func(r *http.Request) bool { return r.URL.Path == lmfake.BasePath+"/setting/roles" }, "/setting/roles"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			before := p.Users()
			f := truncate
			f.Path = tc.path
			res := runDeps(t, context.Background(), faultDeps(), serveEnv(t, faultOn(p, tc.match, f)), append([]string{"--apply"}, faultArgs...)...)
			assertFailedRun(t, res, "not valid JSON")
			assertUntouched(t, p, before)

			cs := runDeps(t, context.Background(), faultDeps(), serveEnv(t, faultOn(p, tc.match, f)),
				append([]string{"--apply", "--output", "configsource"}, faultArgs...)...)
			if cs.code != exitFailed || cs.stdout != "" {
				t.Errorf("configsource: exit %d and %d bytes on stdout, want exit 1 and nothing (no false diff)", cs.code, len(cs.stdout))
			}
			js := runDeps(t, context.Background(), faultDeps(), serveEnv(t, faultOn(p, tc.match, f)),
				append([]string{"--apply", "--output", "json"}, faultArgs...)...)
			out := parseJSON(t, js.stdout)
			if js.code != exitFailed || out.Success || !strings.Contains(out.Error, "not valid JSON") || len(out.Users) != 0 {
				t.Errorf("json: exit %d success=%v error=%q users=%d, want a failure object and no user", js.code, out.Success, out.Error, len(out.Users))
			}
			assertUntouched(t, p, before)
		})
	}
}

// volatileJSON masks what varies between two runs of the same plan.
var volatileJSON = regexp.MustCompile(`"(api_requests|api_retries|duration_seconds)": "?[0-9.e-]+"?`)

// TestFaultNegativeTotal: lists whose total is -1 are paged to the end and
// the run decides exactly as with the real totals.
func TestFaultNegativeTotal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		staff int
	}{
		{"users not a multiple of the page size", 2500},
		{"users an exact multiple of the page size", 2000 - 2 - 3 - 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := faultPortal(tc.staff, 3)
			env := serveEnv(t, p)
			args := append([]string{"--output", "json"}, faultArgs...)
			want := runDeps(t, context.Background(), faultDeps(), env, args...)
			p.SetNegativeTotal(true)
			got := runDeps(t, context.Background(), faultDeps(), env, args...)
			if got.code != exitOK {
				t.Fatalf("exit %d: %s", got.code, got.stderr)
			}
			if volatileJSON.ReplaceAllString(got.stdout, "") != volatileJSON.ReplaceAllString(want.stdout, "") {
				t.Error("the plan with total -1 differs from the plan with the real totals")
			}
			if n := string(parseJSON(t, got.stdout).Counts["users_total"]); n != strconv.Itoa(len(p.Users())) {
				t.Errorf("users_total=%s, want %d", n, len(p.Users()))
			}
			applied := runDeps(t, context.Background(), faultDeps(), env, append([]string{"--apply"}, faultArgs...)...)
			ds := datasource(t, applied.stdout)
			if applied.code != exitOK || changesMade(ds) != 5 || ds["errors"] != 0 || p.Writes() != 5 {
				t.Errorf("applied run: exit %d, %d changes, %d errors, %d writes; want 5 changes", applied.code, changesMade(ds), ds["errors"], p.Writes())
			}
		})
	}
}

// TestFaultListChangesWhilePaging: a user added or removed while the users
// are paged shifts the later pages. No live user goes unread and none is
// doubled: the run acts on every user, or fails unwritten.
func TestFaultListChangesWhilePaging(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(p *lmfake.Portal, users []lm.User) (gone int)
	}{
		{"a user added while paging", func(p *lmfake.Portal, users []lm.User) int {
			// The portal gives a new user a higher id than any: it joins
			// the end of the list, which must still be read.
			p.AddUserWhilePaging(lm.User{ID: 1_000_000, Username: "late@example.com", Status: lm.StatusActive, Roles: users[2].Roles,
				GroupIDs: users[2].GroupIDs, LastLoginOn: faultDays(500)})
			return 0
		}},
		{"a user removed while paging", func(p *lmfake.Portal, users []lm.User) int {
			// Everyone after the removed user moves up one, so the user at
			// offset 1000 would be on neither page.
			p.RemoveUserWhilePaging(users[5].ID)
			return users[5].ID
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := faultPortal(2500, 0)
			users := p.Users()
			// Idle users where a shifted page would miss or double them.
			for _, i := range []int{5, 999, 1000, 1001} {
				u := users[i]
				u.LastLoginOn = faultDays(200 + i)
				p.AddUser(u)
			}
			gone := tc.change(p, p.Users())
			before := byID(p.Users())
			env := serveEnv(t, p)
			res := runDeps(t, context.Background(), faultDeps(), env, append([]string{"--apply", "--output", "json"}, faultArgs...)...)
			if res.code != exitOK {
				if res.code != exitFailed || p.Writes() != 0 {
					t.Fatalf("exit %d with %d writes, want exit 0, or exit 1 and no write", res.code, p.Writes())
				}
				for _, u := range p.Users() {
					if b, ok := before[u.ID]; ok && !reflect.DeepEqual(u, b) {
						t.Errorf("%s changed in a failed run", u.Username)
					}
				}
				return
			}
			out := parseJSON(t, res.stdout)
			// A user deleted after its page was read is read all the same:
			// its change then fails as that user's error, nothing else.
			staleRead, staleErrors := 0, "0"
			suspended := map[string]bool{}
			for _, u := range out.Users {
				if u.Change != nil && u.Change.Kind == hygiene.KindSuspend.String() && u.Change.Result == hygiene.ResultApplied.String() {
					suspended[u.Username] = true
				}
				if u.ID == gone {
					staleRead, staleErrors = 1, "1"
					if u.Change == nil || u.Change.Result != hygiene.ResultFailed.String() {
						t.Errorf("the removed user %s was read and its change did not fail", u.Username)
					}
				}
			}
			if string(out.Counts["users_total"]) != strconv.Itoa(len(p.Users())+staleRead) || string(out.Counts["errors"]) != staleErrors {
				t.Errorf("users_total=%s errors=%s, want the %d users of the settled list (+%d read before it went) and %s errors",
					out.Counts["users_total"], out.Counts["errors"], len(p.Users()), staleRead, staleErrors)
			}
			for _, u := range p.Users() {
				if u.LastLoginOn < faultDays(150) && u.Status == lm.StatusActive && !u.APIOnly {
					t.Errorf("%s is idle but was not suspended: the run missed it", u.Username)
				}
			}
			wantSuspended := 5 // the four idle users and the late one
			if gone != 0 {
				wantSuspended = 3 // the idle users but the removed one
			}
			if len(suspended) != wantSuspended {
				t.Errorf("suspended %v, want %d users", suspended, wantSuspended)
			}

		})
	}
}

// TestFaultPatchAnswerMismatch: a PATCH whose answer does not match the
// request is that user's error; the other changes are made and the run
// completes.
func TestFaultPatchAnswerMismatch(t *testing.T) {
	p := faultPortal(60, 8)
	p.InjectFault(lmfake.Fault{Method: http.MethodPatch, Mismatch: true})
	res := runDeps(t, context.Background(), faultDeps(), serveEnv(t, p), append([]string{"--apply", "--output", "json"}, faultArgs...)...)
	if res.code != exitOK {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	out := parseJSON(t, res.stdout)
	if !out.Success || out.Counts["run_success"] != "1" || out.Counts["errors"] != "1" || out.Counts["pending"] != "0" {
		t.Errorf("success=%v run_success=%s errors=%s pending=%s, want a completed run with one error",
			out.Success, out.Counts["run_success"], out.Counts["errors"], out.Counts["pending"])
	}
	failed, applied := 0, 0
	for _, u := range out.Users {
		if u.Change == nil {
			continue
		}
		switch u.Change.Result {
		case hygiene.ResultFailed.String():
			failed++
		case hygiene.ResultApplied.String():
			applied++
			if got, _ := p.User(u.ID); got.Status != u.Change.Status {
				t.Errorf("%s: status %s after an applied %s", u.Username, got.Status, u.Change.Kind)
			}
		}
	}
	if failed != 1 || applied != 9 || p.Writes() != 10 {
		t.Errorf("%d failed, %d applied, %d writes; want 1, 9 and 10", failed, applied, p.Writes())
	}
	if !strings.Contains(res.stderr, "did not apply the update as asked") {
		t.Errorf("stderr does not report the mismatch:\n%s", res.stderr)
	}
}

// TestFaultPatchRefusedForOneUser: a PATCH refused for one user in the
// middle of the run is that user's error; nothing else is held back.
func TestFaultPatchRefusedForOneUser(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusInternalServerError, http.StatusNotFound} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			p := faultPortal(60, 8)
			var victim lm.User
			for _, u := range p.Users() {
				if u.Username == "idle004@example.com" {
					victim = u
				}
			}
			// Ids are below 1000, so the path prefix matches this user only.
			victimPath := "/setting/admins/" + strconv.Itoa(victim.ID)
			p.InjectFault(lmfake.Fault{Method: http.MethodPatch, Path: victimPath, Status: status})
			before := byID(p.Users())
			res := runDeps(t, context.Background(), faultDeps(), serveEnv(t, p), append([]string{"--apply"}, faultArgs...)...)
			if res.code != exitOK {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			ds := datasource(t, res.stdout)
			if ds["run_success"] != 1 || ds["errors"] != 1 || ds["pending"] != 0 || changesMade(ds) != 9 {
				t.Errorf("run_success=%d errors=%d pending=%d applied=%d; want 1, 1, 0 and 9",
					ds["run_success"], ds["errors"], ds["pending"], changesMade(ds))
			}
			if got, _ := p.User(victim.ID); !reflect.DeepEqual(got, before[victim.ID]) {
				t.Errorf("the refused user changed: %+v", got)
			}
			if p.Writes() != 9 {
				t.Errorf("%d writes, want 9", p.Writes())
			}
			tries := 0
			for _, r := range p.Requests() {
				if r.Method == http.MethodPatch && r.Path == victimPath {
					tries++
				}
			}
			if tries != 1 {
				t.Errorf("the refused PATCH was sent %d times, want once (HTTP %d is final)", tries, status)
			}
			if !strings.Contains(res.stderr, victim.Username) || !strings.Contains(res.stderr, "HTTP "+strconv.Itoa(status)) {
				t.Errorf("stderr does not name the user and the status:\n%s", res.stderr)
			}
		})
	}
}

// TestFaultCredentialsRefused: refused credentials fail the run before any
// decision, with a line that says authentication failed and what to check.
func TestFaultCredentialsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"wrong access key", []string{"LM_ACCESS_ID=" + testAccessID, "LM_ACCESS_KEY=not-the-right-key-0000000000"}},
		{"unknown access id", []string{"LM_ACCESS_ID=UnknownId0000000", "LM_ACCESS_KEY=" + testAccessKey}},
		{"wrong bearer token", []string{"LM_BEARER_TOKEN=lmb_not-the-right-token"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := faultPortal(20, 2)
			before := p.Users()
			env := append(serveEnv(t, p)[:1:1], tc.env...)
			res := runDeps(t, context.Background(), faultDeps(), env, append([]string{"--apply"}, faultArgs...)...)
			ds := assertFailedRun(t, res, "authentication failed")
			line := failureLine(t, res.stderr)
			for _, hint := range []string{"check", "clock"} {
				if !strings.Contains(line, hint) {
					t.Errorf("the failure line does not say what to check (%q):\n%s", hint, line)
				}
			}
			if ds["api_retries"] != 0 {
				t.Errorf("api_retries=%d: a refused credential was retried", ds["api_retries"])
			}
			assertUntouched(t, p, before)
		})
	}
}

// TestFaultClockSkewRefused: a collector clock 40 minutes off makes the
// portal refuse every LMv1 signature; the run fails unwritten and the line
// points at the clock.
func TestFaultClockSkewRefused(t *testing.T) {
	for _, off := range []time.Duration{40 * time.Minute, -40 * time.Minute} {
		t.Run(off.String(), func(t *testing.T) {
			p := faultPortal(20, 2)
			before := p.Users()
			d := faultDeps()
			d.now = func() time.Time { return testNow.Add(off) }
			res := runDeps(t, context.Background(), d, serveEnv(t, p), append([]string{"--apply"}, faultArgs...)...)
			line := failureLine(t, res.stderr)
			assertFailedRun(t, res, "HTTP 401")
			if !strings.Contains(line, "clock") {
				t.Errorf("the failure line does not point at the clock:\n%s", line)
			}
			assertUntouched(t, p, before)
		})
	}
}

// TestFaultSIGTERMWhileApplying: a cancellation (SIGTERM) in the middle of
// applying starts no new change, lets the ones in flight finish, fails the
// run with the rest pending, and the next run applies the rest.
func TestFaultSIGTERMWhileApplying(t *testing.T) {
	p := faultPortal(200, 38) // 40 changes
	p.SetLatency(3 * time.Millisecond)
	const cancelAfter = 6
	var (
		cancelled    atomic.Bool
		startedAfter atomic.Int32
		ctx, cancel  = context.WithCancel(context.Background())
	)
	defer cancel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch && cancelled.Load() {
			startedAfter.Add(1)
		}
		p.ServeHTTP(w, r)
		if r.Method == http.MethodPatch && p.Writes() >= cancelAfter && !cancelled.Swap(true) {
			cancel()
		}
	})
	env := serveEnv(t, h)
	res := runDeps(t, ctx, faultDeps(), env, append([]string{"--apply"}, faultArgs...)...)
	if res.code != exitFailed {
		t.Fatalf("exit %d, want %d: %s", res.code, exitFailed, res.stderr)
	}
	ds := datasource(t, res.stdout)
	applied := changesMade(ds)
	if ds["run_success"] != 0 || ds["pending"] == 0 || applied+ds["errors"] != p.Writes() || applied+ds["pending"]+ds["errors"] != 40 {
		t.Errorf("run_success=%d applied=%d errors=%d pending=%d writes=%d: want a failed run whose changes add up to 40, each made or pending",
			ds["run_success"], applied, ds["errors"], ds["pending"], p.Writes())
	}
	// A worker that took its change before the cancellation may still send
	// it; no other change may start.
	if n := startedAfter.Load(); n > hygiene.ApplyWorkers {
		t.Errorf("%d PATCHes arrived after the cancellation, more than the %d workers had in flight", n, hygiene.ApplyWorkers)
	}
	for _, r := range p.Requests() {
		if r.Method == http.MethodPatch && r.Status != http.StatusOK {
			t.Errorf("PATCH %s ended with status %d: a change in flight was cut off", r.Path, r.Status)
		}
	}
	if !strings.Contains(failureLine(t, res.stderr), "cancel") {
		t.Errorf("stderr does not say the run was cancelled:\n%s", res.stderr)
	}

	writes := p.Writes()
	next := runDeps(t, context.Background(), faultDeps(), env, append([]string{"--apply"}, faultArgs...)...)
	nds := datasource(t, next.stdout)
	if next.code != exitOK || changesMade(nds) != ds["pending"] || nds["pending"] != 0 || nds["errors"] != 0 {
		t.Errorf("next run: exit %d applied %d pending %d errors %d; want the %d pending changes applied",
			next.code, changesMade(nds), nds["pending"], nds["errors"], ds["pending"])
	}
	if p.Writes()-writes != ds["pending"] {
		t.Errorf("the next run wrote %d times, want %d", p.Writes()-writes, ds["pending"])
	}
	again := runDeps(t, context.Background(), faultDeps(), env, faultArgs...)
	ads := datasource(t, again.stdout)
	if ads["suspend_planned"]+ads["move_planned"]+ads["assign_planned"] != 0 {
		t.Errorf("after both runs changes are still planned: %v", ads)
	}
}
