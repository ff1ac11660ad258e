package main

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/state"
)

// undoCommand plans (or with --apply makes) putting back the users a run
// changed, and prints its report like a run's.
func undoCommand(ctx context.Context, s *session) int {
	journal, err := openJournal(s.cfg, s.d)
	if err != nil {
		return s.fail(err, exitFor(err))
	}
	// The run is found in the journal opened read-only, so that a damaged
	// file is reported and left where it is.
	target, err := hygiene.FindUndoTarget(journal, s.cfg.UndoRun)
	path := journal.Path()
	journal.Close()
	if err != nil {
		return s.fail(err, exitFor(err))
	}
	runner, err := s.connect()
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
	s.log.WithFields(logrus.Fields{"run": target.Run.ID, "changes": len(target.Entries), "apply": s.cfg.Policy.Apply}).Info("undoing run")
	return s.finish(runner.Undo(ctx, s.cfg.Policy, target), "undo")
}
