package main

import "context"

// runCommand is run, suspend and assign: read the portal, plan the
// policy's steps, make the changes with --apply, and report. With --demo it
// applies in the demo's portal and then undoes its own run.
func runCommand(ctx context.Context, s *session) int {
	runner, err := s.connect()
	defer s.demo.Close()
	if err != nil {
		return s.fail(err, exitFor(err))
	}
	store, err := s.remember(ctx, runner)
	if err != nil {
		return s.fail(err, exitFailed)
	}
	defer store.Close()
	r := runner.Run(ctx, s.cfg.Policy)
	if s.demo != nil {
		defer s.demo.summarise(ctx, s, runner, r)
	}
	return s.finish(r, "run")
}
