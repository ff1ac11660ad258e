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
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/internal/config"
	"lm-user-hygiene/lm/lmfake"
	"lm-user-hygiene/output"
	"lm-user-hygiene/state"
)

// demoUsers is the size of the demo portal: enough users for every situation
// the rules handle, few enough to read the summary.
const demoUsers = 60

// demoPortal is the built-in simulated portal served on loopback, and the
// throwaway state file of the demo.
type demoPortal struct {
	server    *httptest.Server
	baseURL   string
	accessKey string
	stateDir  string
	log       io.Writer
}

// startDemo starts a simulated portal with sample users on a loopback port,
// with a fresh random key so nothing real is ever used.
func startDemo(now time.Time, log io.Writer) (*demoPortal, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("random token: %w", err)
	}
	key := hex.EncodeToString(b)
	// A state file of its own, never the user's: the demo's memory goes
	// when it ends.
	dir, err := os.MkdirTemp("", "lm-user-hygiene-demo-")
	if err != nil {
		return nil, fmt.Errorf("state file: %w", err)
	}
	portal := lmfake.NewSample(lmfake.Config{AccessID: config.DemoAccessID, AccessKey: key},
		lmfake.SampleOptions{Users: demoUsers, Now: now, Seed: 1, WithSuspendedGroup: true, WithLifecycle: true})
	srv := httptest.NewServer(portal)
	fmt.Fprintf(log, "demo: simulated portal with %d users at %s (nothing real is touched), state in a throwaway file\n",
		len(portal.Users()), srv.URL)
	return &demoPortal{server: srv, baseURL: srv.URL + "/santaba/rest", accessKey: key, stateDir: dir, log: log}, nil
}

// Close stops the simulated portal and removes the state file; nothing
// without a demo.
func (d *demoPortal) Close() {
	if d == nil {
		return
	}
	d.server.Close()
	os.RemoveAll(d.stateDir)
}

// openState opens the demo's throwaway state file and gives it the notice
// the tool on a daily schedule would have given: a quiet plan run
// --warn-days before now. So every command sees the same notice history:
// the demo's run suspends the users whose notice has run out, where a
// first run with state would only warn. check reads it, never writes.
func (d *demoPortal) openState(ctx context.Context, rn *hygiene.Runner, cfg *config.Config) (openedState, error) {
	path := filepath.Join(d.stateDir, "demo.db")
	store, health, err := state.Open(path, state.Options{})
	if err != nil || !health.OK {
		return openedState{Store: store, ok: health.OK}, err
	}
	if days := cfg.Policy.Suspend.WarnDays; days > 0 {
		notice := cfg.Policy
		notice.Command, notice.Apply = hygiene.CommandRun, false
		quiet := logrus.New()
		quiet.SetOutput(io.Discard)
		early := *rn
		at := rn.Now().AddDate(0, 0, -days)
		early.Now, early.Log, early.Memory, early.MemoryOK = func() time.Time { return at }, logrus.NewEntry(quiet), store, true
		if r := early.Run(ctx, notice); r.Failure == nil && r.SuspendPlan != nil {
			fmt.Fprintf(d.log, "demo: a plan run dated %s (--warn-days %d ago) gave %d idle users notice; the state file remembers it\n",
				at.UTC().Format("2006-01-02"), days, r.SuspendPlan.Upcoming)
		}
	}
	if cfg.Command.NeverWrites() {
		store.Close()
		store, health, err = state.Open(path, state.Options{ReadOnly: true, Snapshot: true})
	}
	return openedState{Store: store, ok: health.OK}, err
}

// summarise tells a person on stderr what the demo's run did and why, in
// the text report, unless stdout already carries it; then it undoes the
// run (undo last --apply), as an admin who changed their mind would, and
// reports that too.
func (d *demoPortal) summarise(ctx context.Context, s *session, rn *hygiene.Runner, r *hygiene.Report) {
	text := s.cfg.Output == output.FormatText
	if !text && r.Read {
		fmt.Fprintln(d.log, "\nThe demo's run (what --output text shows):")
		output.Write(d.log, output.FormatText, r, hygiene.Stats{})
	}
	journal, ok := rn.Memory.(hygiene.Journal)
	if !ok || r.Failure != nil {
		return
	}
	target, err := hygiene.FindUndoTarget(journal, hygiene.UndoLast)
	if err != nil {
		fmt.Fprintf(d.log, "demo: undo last: %v\n", err)
		return
	}
	fmt.Fprintf(d.log, "\ndemo: now undo last --apply, which puts back the users run %s changed:\n", target.Run.ID)
	u := *rn
	u.Log = rn.Log.WithField("command", string(hygiene.CommandUndo))
	undo := u.Undo(ctx, s.cfg.Policy, target)
	output.Write(d.log, output.FormatText, undo, hygiene.Stats{})
	if undo.Failure == nil {
		fmt.Fprintln(d.log, "Users undo made active again count as reactivated now: the next run does not suspend them again.")
	}
}
