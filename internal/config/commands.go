package config

import (
	"slices"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/output"
)

// command is one command of the tool as the command line knows it: its
// usage, what it does, the outputs it takes (its default first) and the
// settings it reads (uses, see setting.uses).
type command struct {
	name    hygiene.Command
	usage   string
	summary string
	// about is what the command's own help says beyond the summary.
	about   string
	outputs []output.Format
	uses    use
}

// use is a set of commands that read a setting.
type use uint8

const (
	useRun use = 1 << iota
	useSuspend
	useAssign
	useCheck
	useHistory
	useUndo
	useUpcoming

	// usePlan is every command that plans: the rules' settings.
	usePlan = useRun | useSuspend | useAssign | useCheck | useUpcoming
	// usePortal is every command that reaches the portal.
	usePortal = usePlan | useUndo
	useAll    = usePortal | useHistory
)

var runOutputs = []output.Format{output.FormatDatasource, output.FormatConfigsource, output.FormatJSON, output.FormatText}

// commands are the commands, in the order help lists them.
var commands = []command{
	{hygiene.CommandRun, "run", "suspend inactive users, then regroup ungrouped SSO users (the default command)", "", runOutputs, useRun},
	{hygiene.CommandSuspend, "suspend", "the suspend step alone", "", runOutputs, useSuspend},
	{hygiene.CommandAssign, "assign", "the assign step alone", "", runOutputs, useAssign},
	{hygiene.CommandCheck, "check", "report what needs attention in the portal and the settings; never writes", "",
		[]output.Format{output.FormatText, output.FormatJSON, output.FormatConfigsource}, useCheck},
	{hygiene.CommandUpcoming, "upcoming", "list the users the plan suspends soon, each with the day; never writes", upcomingAbout,
		[]output.Format{output.FormatText, output.FormatJSON, output.FormatDiscovery, output.FormatBatch}, useUpcoming},
	{hygiene.CommandHistory, "history", "list the runs the state file journaled", "",
		[]output.Format{output.FormatText, output.FormatJSON}, useHistory},
	{hygiene.CommandUndo, "undo RUN", "put the users a run changed back as they were (RUN a run id from history, or last)", "",
		[]output.Format{output.FormatText, output.FormatJSON}, useUndo},
}

// upcomingAbout is what upcoming --help says of the list it prints.
const upcomingAbout = `Each user listed is suspended on the day shown unless it is active before (it logs in,
or an administrator puts lmuh:exempt in its note): the same users, days and reasons as
run's plan and its suspend_upcoming, grace included. It takes every setting run takes;
--apply is ignored. A state file is read, never written (a missing one is an empty
memory and is not created).

discovery and batch are what the LM_User_Hygiene_Upcoming DataSource reads: one
instance per user. When the portal cannot be read or its data is suspect (unreachable,
refused, a page not whole, over 5% of users unreadable, the breaker tripped) nothing is
printed and the exit status is 1, so a failed discovery never deletes the portal's
instances. Nobody upcoming prints nothing (json: []) and exits 0.`

// Words that are no command of their own: help [COMMAND] and version.
const (
	wordHelp    = "help"
	wordVersion = "version"
)

// commandNamed is the command called name; ok is false when there is none.
func commandNamed(name string) (command, bool) {
	i := slices.IndexFunc(commands, func(c command) bool { return string(c.name) == name })
	if i < 0 {
		return command{}, false
	}
	return commands[i], true
}

// commandWords are the words the command line takes as a command.
func commandWords() []string {
	words := make([]string, 0, len(commands)+2)
	for _, c := range commands {
		words = append(words, string(c.name))
	}
	return append(words, wordHelp, wordVersion)
}

// Outputs are the outputs a command takes, its default first.
func Outputs(cmd hygiene.Command) []output.Format {
	c, _ := commandNamed(string(cmd))
	return c.outputs
}
