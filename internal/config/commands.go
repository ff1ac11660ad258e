package config

import (
	"slices"

	"lm-user-hygiene/hygiene"
)

// command is one command of the tool as the command line knows it: its
// usage, what it does, the outputs it takes (its default first) and the
// settings it reads (uses, see setting.uses).
type command struct {
	name    hygiene.Command
	usage   string
	summary string
	outputs []hygiene.Format
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

	// usePlan is every command that plans: the rules' settings.
	usePlan = useRun | useSuspend | useAssign | useCheck
	// usePortal is every command that reaches the portal.
	usePortal = usePlan | useUndo
	useAll    = usePortal | useHistory
)

var runOutputs = []hygiene.Format{hygiene.FormatDatasource, hygiene.FormatConfigsource, hygiene.FormatJSON, hygiene.FormatText}

// commands are the commands, in the order help lists them.
var commands = []command{
	{hygiene.CommandRun, "run", "suspend inactive users, then regroup ungrouped SSO users (the default command)", runOutputs, useRun},
	{hygiene.CommandSuspend, "suspend", "the suspend step alone", runOutputs, useSuspend},
	{hygiene.CommandAssign, "assign", "the assign step alone", runOutputs, useAssign},
	{hygiene.CommandCheck, "check", "report what needs attention in the portal and the settings; never writes",
		[]hygiene.Format{hygiene.FormatText, hygiene.FormatJSON, hygiene.FormatConfigsource}, useCheck},
	{hygiene.CommandHistory, "history", "list the runs the state file journaled",
		[]hygiene.Format{hygiene.FormatText, hygiene.FormatJSON}, useHistory},
	{hygiene.CommandUndo, "undo RUN", "put the users a run changed back as they were (RUN a run id from history, or last)",
		[]hygiene.Format{hygiene.FormatText, hygiene.FormatJSON}, useUndo},
}

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
func Outputs(cmd hygiene.Command) []hygiene.Format {
	c, _ := commandNamed(string(cmd))
	return c.outputs
}
