package hygiene_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
	"lm-user-hygiene/output"
	"lm-user-hygiene/state"
	"lm-user-hygiene/suspend"
)

// These tests run the rules DESIGN settled end to end: the real client
// against the simulated portal over loopback HTTP, and a real state file
// opened as the binary opens it.

const (
	e2eAccessID  = "E2E-ID-rules"
	e2eAccessKey = "E2E-KEY-rules-9f2c"
)

// today is the runs' clock: the day of the first run.
var today = time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)

// portal is the simulated portal on loopback with the token's owner, an
// active admin and the groups Suspended and Staff.
type portal struct {
	*lmfake.Portal
	url    string
	staff  int
	reader lm.Role
}

func newPortal(t *testing.T) *portal {
	t.Helper()
	p := &portal{Portal: lmfake.New(lmfake.Config{AccessID: e2eAccessID, AccessKey: e2eAccessKey})}
	admin := p.AddRole("administrator")
	p.reader = p.AddRole("readonly")
	p.AddGroup("Suspended")
	p.staff = p.AddGroup("Staff").ID
	p.AddUser(lm.User{Username: "lmuh-api", APIOnly: true, Roles: []lm.Role{admin}, GroupIDs: []int{p.staff},
		APITokens: []lm.APIToken{{AccessID: e2eAccessID, Enabled: true, LastUsedOn: today.Unix()}}})
	p.AddUser(lm.User{Username: "alice", Roles: []lm.Role{admin}, GroupIDs: []int{p.staff}, LastLoginOn: today.AddDate(0, 0, -1).Unix()})
	p.SetRateLimit(http.MethodPatch, 100000, time.Minute)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.url = srv.URL + lmfake.BasePath
	return p
}

// idle adds an active user whose last login was days before today.
func (p *portal) idle(name string, days int) lm.User {
	return p.AddUser(lm.User{Username: name, Roles: []lm.Role{p.reader}, GroupIDs: []int{p.staff}, LastLoginOn: today.AddDate(0, 0, -days).Unix()})
}

// policy is the defaults of an applying run: two weeks' notice, the breaker
// at 20%, never-logged-in users by first-seen.
func policy() hygiene.Policy {
	return hygiene.Policy{
		Command: hygiene.CommandRun, Apply: true, MaxChanges: 50, TimeBudget: time.Minute,
		Suspend: suspend.Options{InactiveDays: 90, Activity: suspend.ActivityAny, SuspendedGroup: "Suspended",
			MinAdmins: 1, AdminRoles: []string{"administrator"}, NeverLoggedIn: suspend.NeverLoggedInFirstSeen,
			MaxSuspendPercent: 20, WarnDays: 14, TokenAccessID: e2eAccessID},
		Assign: assign.Options{Scope: assign.ScopeSSO, UngroupedGroup: "Ungrouped", SuspendedGroup: "Suspended"},
	}
}

// run is one run as the binary makes it, on day n: the client, the state
// file opened (a missing one made once the portal is read), the runner.
func run(t *testing.T, baseURL, statePath string, n int, pol hygiene.Policy) (*hygiene.Report, hygiene.Counts, *strings.Builder) {
	t.Helper()
	return runWith(t, baseURL, statePath, state.Options{CreateAtFirstUse: true, LockTimeout: -1}, n, pol)
}

// runWith is run with the state file opened with opts.
func runWith(t *testing.T, baseURL, statePath string, opts state.Options, n int, pol hygiene.Policy) (*hygiene.Report, hygiene.Counts, *strings.Builder) {
	t.Helper()
	logs := &strings.Builder{}
	l := logrus.New()
	l.SetOutput(logs)
	l.SetLevel(logrus.WarnLevel)
	log := logrus.NewEntry(l)
	client, err := lm.New(lm.Config{BaseURL: baseURL, AccessID: e2eAccessID, AccessKey: e2eAccessKey,
		Logger: log, RetryBaseDelay: time.Millisecond, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	store, health, err := state.Open(statePath, opts)
	if err != nil {
		t.Fatalf("open state: %v", err)
	}
	defer store.Close()
	if !health.OK {
		log.Warn(health.Warning)
	}
	at := today.AddDate(0, 0, n)
	rn := &hygiene.Runner{Portal: client, Log: log, Now: func() time.Time { return at }, MemoryOK: health.OK}
	if store != nil { // as the binary hands it over: nil is no state
		rn.Memory = store
	}
	r := rn.Run(t.Context(), pol)
	return r, r.Counts(hygiene.Stats{}), logs
}

// decision is the suspend plan's decision on username.
func decision(t *testing.T, r *hygiene.Report, username string) suspend.Decision {
	t.Helper()
	for _, d := range r.SuspendPlan.Decisions {
		if d.User.Username == username {
			return d
		}
	}
	t.Fatalf("no decision on %s", username)
	return suspend.Decision{}
}

func TestE2EAnUnusableStatePathWithApplySuspendsNobodyWithoutNotice(t *testing.T) {
	p := newPortal(t)
	for _, name := range []string{"ann", "bob", "cy", "dee"} {
		p.idle(name, 200)
	}
	for i := range 20 {
		p.idle("busy"+string(rune('a'+i)), 3)
	}
	// Neither the file nor a fresh one can be made: a file is in the way.
	blocker := filepath.Join(t.TempDir(), "not-a-directory")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(blocker, "lm-user-hygiene", "acme.db")

	for n := range 3 { // every day while the file stays unusable
		r, c, logs := run(t, p.url, path, n, policy())
		if r.Failure != nil {
			t.Fatalf("day %d: %v", n, r.Failure)
		}
		if p.Writes() != 0 || c.Planned[hygiene.KindSuspend] != 0 {
			t.Fatalf("day %d: %d writes, suspend_planned=%d: idle users were suspended without notice", n, p.Writes(), c.Planned[hygiene.KindSuspend])
		}
		if c.SuspendUpcoming != 4 || c.InactiveFound != 4 || c.StateOK != 0 {
			t.Errorf("day %d: suspend_upcoming=%d inactive_found=%d state_ok=%d, want 4 4 0", n, c.SuspendUpcoming, c.InactiveFound, c.StateOK)
		}
		if d := decision(t, r, "ann"); !d.SuspendOn().Equal(today.AddDate(0, 0, n+14)) {
			t.Errorf("day %d: ann suspended on %s, want grace from today", n, d.SuspendOn().Format(time.DateOnly))
		}
		if warnings := strings.Count(logs.String(), "level=warning"); warnings != 1 || !strings.Contains(logs.String(), path) {
			t.Errorf("day %d: %d warnings, want one naming the file:\n%s", n, warnings, logs)
		}
	}
}

func TestE2ECommandsThatNeverWriteReadAnUnusableFileAsAnEmptyMemory(t *testing.T) {
	p := newPortal(t)
	p.idle("ann", 200)
	for i := range 10 {
		p.idle("busy"+string(rune('a'+i)), 3)
	}
	path := filepath.Join(t.TempDir(), "acme.db")
	damaged := []byte("not a state file, and too short to be one\n")
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	// check plans a run and never writes; --as-of plans a later day.
	check := policy()
	check.Apply = false
	asOf := check
	asOf.AsOf = today.AddDate(0, 0, 10)
	for name, pol := range map[string]hygiene.Policy{"check": check, "--as-of": asOf} {
		r, c, logs := runWith(t, p.url, path, state.Options{ReadOnly: true}, 0, pol)
		if r.Failure != nil || c.Planned[hygiene.KindSuspend] != 0 || c.SuspendUpcoming != 1 || c.StateOK != 0 {
			t.Errorf("%s: failure %v, suspend_planned=%d suspend_upcoming=%d state_ok=%d; want ann upcoming (grace from today), state_ok=0",
				name, r.Failure, c.Planned[hygiene.KindSuspend], c.SuspendUpcoming, c.StateOK)
		}
		if !strings.Contains(logs.String(), "empty memory") {
			t.Errorf("%s: no warning says the file is read as an empty memory:\n%s", name, logs)
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != string(damaged) {
			t.Fatalf("%s: the unusable file was changed or moved (%v)", name, err)
		}
		if aside, _ := filepath.Glob(path + ".corrupt-*"); len(aside) != 0 {
			t.Fatalf("%s: a command that never writes moved the file aside: %v", name, aside)
		}
	}
}

func TestE2EAMissingStateFileThatCannotBeMadeIsAnEmptyMemory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root, which may write there anyway")
	}
	p := newPortal(t)
	p.idle("ann", 200)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	r, c, _ := run(t, p.url, filepath.Join(dir, "acme.db"), 0, policy())
	if r.Failure != nil || p.Writes() != 0 || c.SuspendUpcoming != 1 || c.StateOK != 0 {
		t.Fatalf("failure %v, %d writes, suspend_upcoming=%d state_ok=%d; want no write, 1 upcoming, state_ok=0",
			r.Failure, p.Writes(), c.SuspendUpcoming, c.StateOK)
	}
}

func TestE2EAUserWithEmptyRolesIsReportedNeverChanged(t *testing.T) {
	p := newPortal(t)
	for i := range 10 {
		p.idle("busy"+string(rune('a'+i)), 3)
	}
	bare := p.idle("bare", 200)
	p.OverrideUserField(bare.ID, "roles", "[]")
	path := filepath.Join(t.TempDir(), "acme.db")
	// Were it a user like any other, notice would start on day 0 and the
	// suspension come on day 14.
	for _, day := range []int{0, 15, 16} {
		r, c, _ := run(t, p.url, path, day, policy())
		if r.Failure != nil {
			t.Fatalf("day %d: %v", day, r.Failure)
		}
		if c.Errors != 0 || c.InactiveFound != 0 || c.Planned[hygiene.KindSuspend] != 0 || p.Writes() != 0 {
			t.Fatalf("day %d: errors=%d inactive_found=%d suspend_planned=%d, %d writes; want the user without roles left alone",
				day, c.Errors, c.InactiveFound, c.Planned[hygiene.KindSuspend], p.Writes())
		}
		if d := decision(t, r, "bare"); d.Outcome != suspend.OutcomeNoRoles || !strings.Contains(d.Reason, "no roles") {
			t.Errorf("day %d: bare is %s (%s), want reported with no roles", day, d.Outcome, d.Reason)
		}
		var text strings.Builder
		if err := output.Write(&text, output.FormatText, r, hygiene.Stats{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text.String(), "No roles (1):") {
			t.Errorf("day %d: the text report does not list the user without roles:\n%s", day, text.String())
		}
	}
}

func TestE2EABreakerRefusedRunStartsNoGrace(t *testing.T) {
	p := newPortal(t)
	for _, name := range []string{"ann", "bob", "cy"} {
		p.idle(name, 200)
	}
	p.idle("busy", 3)
	path := filepath.Join(t.TempDir(), "acme.db")

	// Day 0: 3 of 5 active users look inactive, over 20%: refused.
	r, c, _ := run(t, p.url, path, 0, policy())
	if r.Failure == nil || c.BreakerTripped != 1 || p.Writes() != 0 {
		t.Fatalf("day 0: failure %v breaker_tripped=%d writes=%d; want the breaker to refuse", r.Failure, c.BreakerTripped, p.Writes())
	}
	if c.Pending != 0 || c.SuspendUpcoming != 3 {
		t.Errorf("day 0: pending=%d suspend_upcoming=%d, want 0 (a refused run's changes are not pending) and 3", c.Pending, c.SuspendUpcoming)
	}

	// Day 3: the admin looked into it and raised the limit.
	pol := policy()
	pol.Suspend.MaxSuspendPercent = 100
	r, c, _ = run(t, p.url, path, 3, pol)
	if r.Failure != nil || p.Writes() != 0 || c.SuspendUpcoming != 3 {
		t.Fatalf("day 3: failure %v, %d writes, suspend_upcoming=%d; want notice for 3 and nothing written", r.Failure, p.Writes(), c.SuspendUpcoming)
	}
	noticeDay := today.AddDate(0, 0, 3)
	for _, name := range []string{"ann", "bob", "cy"} {
		d := decision(t, r, name)
		if !d.Remember().FirstWarned.Equal(noticeDay) || !d.SuspendOn().Equal(noticeDay.AddDate(0, 0, 14)) {
			t.Errorf("%s: warned %v, suspended on %v; want notice from day 3, not the refused day 0", name, d.Remember().FirstWarned, d.SuspendOn())
		}
	}
	// What the state holds says the same.
	store, _, err := state.Open(path, state.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	records, err := store.Users()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range p.Users() {
		if rec := records[u.ID]; !rec.FirstWarned.IsZero() && !rec.FirstWarned.Equal(noticeDay) {
			t.Errorf("%s: first warned %v in the state file, want %v", u.Username, rec.FirstWarned, noticeDay)
		}
		if rec := records[u.ID]; !rec.FirstSeen.Equal(noticeDay) {
			t.Errorf("%s: first seen %v in the state file, want %v: the refused run recorded it", u.Username, rec.FirstSeen, noticeDay)
		}
	}
}

func TestE2EARunThatNeverReadThePortalLeavesNoStateFile(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + lmfake.BasePath
	srv.Close() // nothing answers there now
	dir := filepath.Join(t.TempDir(), "lm-user-hygiene")
	path := filepath.Join(dir, "127.0.0.1.db")
	r, c, _ := run(t, url, path, 0, policy())
	if r.Failure == nil || c.RunSuccess != 0 {
		t.Fatalf("failure %v, run_success=%d; want the run to fail", r.Failure, c.RunSuccess)
	}
	if c.StateOK != 1 {
		t.Errorf("state_ok=%d, want 1: an unreadable portal is not the state's fault", c.StateOK)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a run that never read the portal left %s behind (%v)", dir, err)
	}

	// Once the portal is read, the file is made.
	p := newPortal(t)
	if r, _, _ := run(t, p.url, path, 0, policy()); r.Failure != nil {
		t.Fatal(r.Failure)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("a run that read the portal made no state file: %v", err)
	}
}
