package main

import "context"

// runCommand is run, suspend and assign: read the portal, plan the
// policy's steps, make the changes with --apply, and report. With --demo it
// applies in the demo's portal and then undoes its own run.
func runCommand(ctx context.Context, s *session) int {
	runner, done, code := s.open(ctx)
	defer done()
	if code != 0 {
		return code
	}
	r := runner.Run(ctx, s.cfg.Policy)
	if s.demo != nil {
		defer s.demo.summarise(ctx, s, runner, r)
	}
	return s.finish(r, "run")
}
