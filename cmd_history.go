package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"lm-user-hygiene/internal/config"
	"lm-user-hygiene/output"
	"lm-user-hygiene/state"
)

// The history and undo commands read the journal in the state file. Without
// one there is nothing to list or undo: that is a setting to fix (exit 2).
// A file that exists but cannot be used now (another run holds it past the
// lock timeout, or it cannot be read) is a run that could not complete
// (exit 1), and the file is left where it is.

// historyCommand prints the runs the state file journaled: a table, or
// json. It needs no credentials and never reaches the portal.
func historyCommand(_ context.Context, s *session) int {
	store, err := openJournal(s.cfg, s.d)
	if err != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: %v\n", err)
		return exitFor(err)
	}
	defer store.Close()
	runs, err := store.History()
	if err != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: history: %v\n", err)
		return exitFailed
	}
	if err := output.WriteHistory(s.stdout, runs, s.cfg.Output == output.FormatJSON); err != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: writing output: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// journalPath is the state file history and undo read. With --state PATH the
// portal does not matter; auto needs the portal's address.
func journalPath(cfg *config.Config) (string, error) {
	path, err := cfg.StatePath(cfg.BaseURL)
	switch {
	case err != nil:
		return "", config.Usagef("%s: %v", cfg.Command, err)
	case path == "":
		return "", config.Usagef("%s reads the journal in the state file, and --state off has none: give --state PATH (or auto)", cfg.Command)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return "", config.Usagef("%s: no state file at %s: no run with --apply has used it yet (give --state PATH if the runs use another file)", cfg.Command, path)
	}
	return path, nil
}

// openJournal opens the journal read-only: nothing is created, moved aside
// or changed.
func openJournal(cfg *config.Config, d deps) (*state.Store, error) {
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
