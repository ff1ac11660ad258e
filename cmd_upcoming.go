package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/output"
)

// The upcoming command lists the users the run's plan calls upcoming (in the
// notice window or in grace), each with the day it is suspended unless it
// is active before. Its discovery and batch outputs are what the
// LM_User_Hygiene_Upcoming DataSource turns into one instance per user, so
// the portal's own alerting gives the notice.
//
// The list is the plan's: upcoming makes the suspend step's plan as run
// makes it (never applied, the state file read-only) and prints the
// decisions that plan made, so it names the same users, days and reasons as
// run and its suspend_upcoming. The assign step decides nothing about a
// suspension, so it is left out, and its warnings with it.

const cmdUpcoming = "upcoming"

// upcomingUsage is what upcoming --help prints above the settings it takes.
const upcomingUsage = `Usage: lm-user-hygiene upcoming [flags]

List the users the run's plan calls upcoming: each is suspended on the day
shown unless it is active before (log in, or lmuh:exempt in its note). The
same users, days and reasons as run's plan and its suspend_upcoming, grace
included. It takes every setting run takes, never writes the portal or the
state file (a missing state file is an empty memory and is not created),
and --apply is ignored.

Outputs (--output): text (default), json, discovery (Active Discovery lines
for the LM_User_Hygiene_Upcoming DataSource), batch (<id>.days_left and
<id>.idle_days for its collection).

When the portal cannot be read or its data is suspect (unreachable, refused,
a page not whole, over 5% of users unreadable, the breaker tripped) nothing
is printed and the exit status is 1, so a failed discovery never deletes the
portal's instances. Nobody upcoming prints nothing (json: []), exit 0. Bad
configuration: exit 2, nothing printed.

`

// upcomingOutputs are the --output values upcoming takes, the default first.
func upcomingOutputs() []string {
	out := make([]string, 0, len(output.UpcomingFormats))
	for _, f := range output.UpcomingFormats {
		out = append(out, string(f))
	}
	return out
}

// checkUpcoming checks the settings whose meaning upcoming changes: its own
// outputs (text by default), and the default log level, warn beside a
// report (text or json) that already carries everything. given tells
// whether a setting's variable was set, as a flag or in the environment.
func (c *Config) checkUpcoming(given func(env string) bool) error {
	outputs := upcomingOutputs()
	switch {
	case !given("LMUH_OUTPUT"):
		c.Output = outputs[0]
	case !slices.Contains(outputs, c.Output):
		return usagef("upcoming prints %s, not %q (--output, LMUH_OUTPUT)", orList(outputs), c.Output)
	}
	if !given("LMUH_LOG_LEVEL") && (c.Output == string(output.UpcomingText) || c.Output == string(output.UpcomingJSON)) {
		c.LogLevel = "warn"
	}
	return nil
}

// ignoresApply tells the commands that never write, whatever --apply says:
// --apply is ignored there, beside --as-of too.
func ignoresApply(command string) bool { return command == cmdCheck || command == cmdUpcoming }

// writeUpcomingHelp prints upcoming's usage and the settings it takes:
// every setting run takes, for its plan is run's.
func writeUpcomingHelp(w io.Writer) {
	var b strings.Builder
	b.WriteString(upcomingUsage)
	for _, s := range settings {
		def := ""
		switch {
		case s.flag == "output":
			def = " (default text)"
		case s.def != "":
			def = " (default " + s.def + ")"
		}
		help := s.help
		switch s.flag {
		case "output":
			help = "text, json, discovery or batch"
		case "apply":
			help = "accepted and ignored: upcoming never writes"
		}
		fmt.Fprintf(&b, "  --%-22s %-26s %s%s\n", s.flag, s.env, help, def)
	}
	b.WriteString("  --demo                   list the upcoming users of the built-in simulated portal\n")
	b.WriteString("  --help                   print this help\n")
	io.WriteString(w, b.String())
}

// upcoming prints the report's upcoming users in the chosen output and
// returns the exit status. A report that cannot be trusted prints nothing.
func (s *session) upcoming(r *hygiene.Report) int {
	users, err := r.UpcomingUsers()
	if err != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: upcoming: %v; nothing is listed, so the portal keeps the instances it has\n", err)
		return exitFailed
	}
	if err := output.WriteUpcoming(s.stdout, output.UpcomingFormat(s.cfg.Output), users); err != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: %v\n", err)
		return exitFailed
	}
	s.log.WithField("upcoming", len(users)).Info("listed the upcoming users")
	return exitOK
}
