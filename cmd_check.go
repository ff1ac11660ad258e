package main

import (
	"context"
	"fmt"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/output"
)

// checkCommand plans both steps and reports what needs attention: 1 when
// the portal could not be read, 3 when something needs the admin. It never
// writes, whatever --apply says. --output configsource prints what run
// --output configsource prints in plan mode with the same settings.
func checkCommand(ctx context.Context, s *session) int {
	runner, done, code := s.open(ctx)
	defer done()
	if code != 0 {
		return code
	}
	plan := s.cfg.Policy
	plan.Apply = false
	r := runner.Run(ctx, plan)
	c := hygiene.Check(r, hygiene.CheckInput{BaseURL: s.portal, Bearer: s.cfg.BearerToken != ""})
	var err error
	switch s.cfg.Output {
	case output.FormatConfigsource:
		// The portal as it stands, and the policy as set (--apply too).
		r.Policy = s.cfg.Policy
		s.print(r, s.stats())
	case output.FormatJSON:
		err = output.WriteCheckJSON(s.stdout, c)
	default:
		err = output.WriteCheckText(s.stdout, c)
	}
	if err != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: writing output: %v\n", err)
	}
	switch {
	case c.Error != "":
		fmt.Fprintf(s.stderr, "lm-user-hygiene: %s\n", c.Error)
		return exitFailed
	case c.Attention:
		return exitAttention
	}
	return exitOK
}
