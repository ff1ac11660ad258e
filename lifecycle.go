package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/output"
	"lm-user-hygiene/state"
)

// The history and undo commands read the journal in the state file. Without
// one there is nothing to list or undo: that is a setting to fix (exit 2).
// A file that exists but cannot be used now (another run holds it past the
// lock timeout, or it cannot be read) is a run that could not complete
// (exit 1), and the file is left where it is.

// journalPath is the state file history and undo read. With --state PATH the
// portal does not matter; auto needs the portal's address.
func journalPath(cfg *Config) (string, error) {
	path, err := cfg.statePath(cfg.BaseURL)
	switch {
	case err != nil:
		return "", usagef("%s: %v", cfg.Command, err)
	case path == "":
		return "", usagef("%s reads the journal in the state file, and --state off has none: give --state PATH (or auto)", cfg.Command)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return "", usagef("%s: no state file at %s: no run with --apply has used it yet (give --state PATH if the runs use another file)", cfg.Command, path)
	}
	return path, nil
}

// openJournal opens the journal read-only: nothing is created, moved aside
// or changed.
func openJournal(cfg *Config, d deps) (*state.Store, error) {
	path, err := journalPath(cfg)
	if err != nil {
		return nil, err
	}
	store, health, err := state.Open(path, state.Options{ReadOnly: true, LockTimeout: d.lockTimeout})
	if err != nil {
		return nil, err
	}
	if !health.OK || store == nil {
		return nil, fmt.Errorf("%s: %s", cfg.Command, health.Warning)
	}
	return store, nil
}

// exitFor is the exit status of an error of history or undo before the run.
func exitFor(err error) int {
	var usage *usageError
	if errors.As(err, &usage) || hygiene.IsUnknownRun(err) {
		return exitConfig
	}
	return exitFailed
}

// runHistory prints the runs the state file journaled: json with --output
// json, else a table. It needs no credentials and never reaches the portal.
func runHistory(cfg *Config, stdout, stderr io.Writer, d deps) int {
	store, err := openJournal(cfg, d)
	if err != nil {
		fmt.Fprintf(stderr, "lm-user-hygiene: %v\n", err)
		return exitFor(err)
	}
	defer store.Close()
	runs, err := store.History()
	if err != nil {
		fmt.Fprintf(stderr, "lm-user-hygiene: history: %v\n", err)
		return exitFailed
	}
	if err := output.WriteHistory(stdout, runs, cfg.Output == outJSON); err != nil {
		fmt.Fprintf(stderr, "lm-user-hygiene: writing output: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// undoTarget finds the run "undo RUN" names, in the journal opened
// read-only, so that a damaged file is reported and left where it is.
func undoTarget(cfg *Config, d deps) (string, hygiene.UndoTarget, error) {
	if cfg.AsOf != "" {
		return "", hygiene.UndoTarget{}, usagef("undo puts back what a run did: --as-of does not apply to it")
	}
	journal, err := openJournal(cfg, d)
	if err != nil {
		return "", hygiene.UndoTarget{}, err
	}
	defer journal.Close()
	target, err := hygiene.FindUndoTarget(journal, cfg.UndoRun)
	return journal.Path(), target, err
}

// undo plans (or with --apply makes) the undo of a run and prints its report
// like a run's.
func (s *session) undo(ctx context.Context, runner *hygiene.Runner) int {
	path, target, err := undoTarget(s.cfg, s.d)
	if err != nil {
		return s.fail(err, exitFor(err))
	}
	store, health, err := state.Open(path, state.Options{LockTimeout: s.d.lockTimeout})
	if err != nil {
		return s.fail(err, exitFailed)
	}
	defer store.Close()
	if !health.OK || store == nil {
		return s.fail(fmt.Errorf("undo: %s", health.Warning), exitFailed)
	}
	runner.Memory, runner.MemoryOK = store, true
	s.log.WithFields(logrus.Fields{"run": target.Run.ID, "changes": len(target.Entries), "apply": s.pol.Apply}).Info("undoing run")
	r := runner.Undo(ctx, s.pol, target)
	printReport(s.stdout, s.stderr, s.format, r, s.stats())
	if r.Failure != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: %v\n", r.Failure)
		return exitFailed
	}
	s.log.WithField("duration", s.stats().Duration.Round(time.Millisecond).String()).Info("undo completed")
	return exitOK
}
