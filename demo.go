package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm/lmfake"
	"lm-user-hygiene/suspend"
)

// demoUsers is the size of the demo portal: enough users for every situation
// the rules handle, few enough to read the summary.
const demoUsers = 60

// demoRoleGroups maps the demo portal's roles to its groups when the user gave
// no --role-groups.
var demoRoleGroups = map[string]string{
	"netops":   "Network Operations",
	"readonly": "Viewers",
	"manager":  "Managers",
}

// demoProtectUsers protects the demo portal's break-glass account when the
// user gave no --protect-users, as an admin would.
var demoProtectUsers = []string{"breakglass*"}

// demoPortal is the built-in simulated portal served on loopback, and the
// throwaway state file of the demo.
type demoPortal struct {
	server              *httptest.Server
	baseURL             string
	accessID, accessKey string
	stateDir            string
	log                 io.Writer
}

// startDemo starts a simulated portal with sample users on a loopback port,
// with a fresh random token so nothing real is ever used.
func startDemo(now time.Time, log io.Writer) (*demoPortal, error) {
	id, err := randomHex(10)
	if err != nil {
		return nil, err
	}
	key, err := randomHex(20)
	if err != nil {
		return nil, err
	}
	// A state file of its own, never the user's: the demo's memory goes
	// when it ends.
	dir, err := os.MkdirTemp("", "lm-user-hygiene-demo-")
	if err != nil {
		return nil, fmt.Errorf("state file: %w", err)
	}
	portal := lmfake.NewSample(lmfake.Config{AccessID: id, AccessKey: key},
		lmfake.SampleOptions{Users: demoUsers, Now: now, Seed: 1, WithSuspendedGroup: true, WithLifecycle: true})
	srv := httptest.NewServer(portal)
	fmt.Fprintf(log, "demo: simulated portal with %d users at %s (nothing real is touched), state in a throwaway file\n",
		len(portal.Users()), srv.URL)
	return &demoPortal{server: srv, baseURL: srv.URL + "/santaba/rest", accessID: id, accessKey: key, stateDir: dir, log: log}, nil
}

// configure points the run at the demo portal and fills in the policy an
// admin of the demo portal would have set. Credentials of a real portal in
// the environment are not used (nor may they clash with the demo's token).
func (d *demoPortal) configure(cfg *Config, pol *hygiene.Policy) {
	cfg.BaseURL, cfg.AccessID, cfg.AccessKey, cfg.BearerToken = d.baseURL, d.accessID, d.accessKey, ""
	cfg.State = filepath.Join(d.stateDir, "demo.db")
	pol.Apply = true
	pol.Suspend.TokenAccessID = d.accessID
	if len(pol.Assign.RoleGroups) == 0 {
		pol.Assign.RoleGroups = demoRoleGroups
	}
	if len(pol.Suspend.ProtectUsers) == 0 {
		pol.Suspend.ProtectUsers = demoProtectUsers
	}
}

// Close stops the simulated portal and removes the state file.
func (d *demoPortal) Close() {
	d.server.Close()
	os.RemoveAll(d.stateDir)
}

// giveNotice runs a quiet plan --warn-days before now, as the tool on a
// schedule would have: the state file remembers the notice it gave, so the
// demo's run suspends the users whose notice has run out, where a first run
// with state would only warn.
func (d *demoPortal) giveNotice(ctx context.Context, rn *hygiene.Runner, pol hygiene.Policy) {
	days := pol.Suspend.WarnDays
	if rn.Memory == nil || days == 0 {
		return
	}
	quiet := logrus.New()
	quiet.SetOutput(io.Discard)
	early := *rn
	at := rn.Now().AddDate(0, 0, -days)
	early.Now, early.Log = func() time.Time { return at }, logrus.NewEntry(quiet)
	pol.Apply = false
	if r := early.Run(ctx, pol); r.Failure == nil {
		fmt.Fprintf(d.log, "demo: a plan run dated %s (--warn-days %d ago) gave %d idle users notice; the state file remembers it\n",
			at.UTC().Format("2006-01-02"), days, r.SuspendPlan.Upcoming)
	}
}

// undoLast undoes the demo's own run (undo last --apply), as an admin who
// changed their mind would; nil when there is nothing to undo.
func (d *demoPortal) undoLast(ctx context.Context, rn *hygiene.Runner, pol hygiene.Policy, journal hygiene.Journal) *hygiene.Report {
	if journal == nil {
		return nil
	}
	target, err := hygiene.FindUndoTarget(journal, hygiene.UndoLast)
	if err != nil {
		fmt.Fprintf(d.log, "demo: undo last: %v\n", err)
		return nil
	}
	fmt.Fprintf(d.log, "demo: now undo last --apply, which puts back the users run %s changed\n", target.Run.ID)
	u := *rn
	u.Log = rn.Log.WithField("command", "undo")
	return u.Undo(ctx, pol, target)
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// printDemoSummary tells a person, in a few lines, what the demo run did and
// why, and what the undo of it did.
func printDemoSummary(w io.Writer, r *hygiene.Report, undo *hygiene.Report) {
	if !r.Read {
		return
	}
	groups := map[string][]*hygiene.Change{}
	for _, c := range r.Changes {
		k := c.Kind.String() + " " + c.Result.String()
		groups[k] = append(groups[k], c)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "\nSummary of the demo run (%d users read):\n", len(r.Users))
	for _, g := range r.GroupsCreated {
		fmt.Fprintf(&b, "  created user group %q\n", g.Name)
	}
	for _, k := range keys {
		cs := groups[k]
		fmt.Fprintf(&b, "  %s: %d\n", k, len(cs))
		for _, c := range cs {
			fmt.Fprintf(&b, "    %-34s %s\n", c.User.Username, c.Reason)
		}
	}
	if r.SuspendPlan != nil {
		var kept []string
		for i := range r.SuspendPlan.Decisions {
			if d := &r.SuspendPlan.Decisions[i]; r.SuspendPlan.Spares(d) {
				kept = append(kept, fmt.Sprintf("    %-34s %s", d.User.Username, d.Reason))
			}
		}
		if len(kept) > 0 {
			fmt.Fprintf(&b, "  not suspended, and why: %d\n%s\n", len(kept), strings.Join(kept, "\n"))
		}
		for _, o := range []struct {
			outcome suspend.Outcome
			title   string
		}{
			{suspend.OutcomeUpcoming, "upcoming: suspended on the day shown unless active before"},
			{suspend.OutcomeExempt, "exempt by a note tag (lmuh:exempt, lmuh:exempt-until=)"},
			{suspend.OutcomeReactivated, "reactivated by a person: kept, and regrouped"},
		} {
			var lines []string
			for _, d := range r.SuspendPlan.Decisions {
				if d.Outcome == o.outcome {
					lines = append(lines, fmt.Sprintf("    %-34s %s", d.User.Username, d.Reason))
				}
			}
			if len(lines) > 0 {
				fmt.Fprintf(&b, "  %s: %d\n%s\n", o.title, len(lines), strings.Join(lines, "\n"))
			}
		}
	}
	if r.AssignPlan != nil {
		for _, d := range r.AssignPlan.Decisions {
			if d.Outcome == assign.OutcomeUnmapped {
				fmt.Fprintf(&b, "  unmapped %-25s %s\n", d.User.Username, d.Reason)
			}
		}
	}
	if undo != nil {
		summariseUndo(&b, undo)
	}
	io.WriteString(w, b.String())
}

// summariseUndo adds what the undo of the demo's run did.
func summariseUndo(b *strings.Builder, u *hygiene.Report) {
	if u.Failure != nil {
		fmt.Fprintf(b, "\nundo last: %v\n", u.Failure)
		return
	}
	results := map[string]int{}
	for _, c := range u.Changes {
		results[c.Result.String()]++
	}
	fmt.Fprintf(b, "\nSummary of undo last (run %s, journaled as run %s of kind undo):\n", u.UndoOf, u.RunID)
	fmt.Fprintf(b, "  restore applied: %d, pending: %d, failed: %d\n", results["applied"], results["pending"], results["failed"])
	skipped := map[hygiene.UndoOutcome][]string{}
	var outcomes []string
	for _, d := range u.Undo {
		if d.Outcome == hygiene.UndoRestore {
			continue
		}
		if len(skipped[d.Outcome]) == 0 {
			outcomes = append(outcomes, string(d.Outcome))
		}
		skipped[d.Outcome] = append(skipped[d.Outcome], fmt.Sprintf("    %-34s %s", d.User.Username, d.Reason))
	}
	sort.Strings(outcomes)
	for _, o := range outcomes {
		lines := skipped[hygiene.UndoOutcome(o)]
		fmt.Fprintf(b, "  left alone, %s: %d\n%s\n", o, len(lines), strings.Join(lines, "\n"))
	}
	if results["applied"] > 0 {
		b.WriteString("  users undo made active again count as reactivated now: the next run does not suspend them again\n")
	}
}
