package main

import (
	"context"
	"fmt"

	"lm-user-hygiene/output"
)

// upcomingCommand lists the users the run's plan calls upcoming (in the
// notice window or in grace), each with the day it is suspended unless it
// is active before. Its discovery and batch outputs are what the
// LM_User_Hygiene_Upcoming DataSource turns into one instance per user, so
// the portal's own alerting gives the notice.
//
// The list is the plan's: upcoming makes the suspend step's plan as run
// makes it (never applied, the state file read-only) and prints the
// decisions that plan made, so it names the same users, days and reasons as
// run and its suspend_upcoming. A report that cannot be trusted prints
// nothing at all: an empty discovery would make the portal delete every
// instance.
func upcomingCommand(ctx context.Context, s *session) int {
	runner, done, code := s.open(ctx)
	defer done()
	if code != 0 {
		return code
	}
	r := runner.Run(ctx, s.cfg.Policy)
	users, err := r.UpcomingUsers()
	if err != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: upcoming: %v; nothing is listed, so the portal keeps the instances it has\n", err)
		return exitFailed
	}
	if err := output.WriteUpcoming(s.stdout, s.cfg.Output, users); err != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: %v\n", err)
		return exitFailed
	}
	s.log.WithField("upcoming", len(users)).Info("listed the upcoming users")
	return exitOK
}
