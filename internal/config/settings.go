package config

import (
	"reflect"
	"slices"
	"strings"
	"time"

	"lm-user-hygiene/hygiene"
)

// Setting describes one setting: its flag, its variable, its default, the
// device property that sets it on a collector ("" when none does), and its
// help. Every setting is a field of Config.
type Setting struct {
	Field, Flag, Env, Default, Help string
	// Property is the collector's device property that sets it: lmaccount,
	// lmaccess.id, lmaccess.key, or lmuh.<flag>; empty for the settings a
	// module never takes from a property.
	Property string
	IsBool   bool
	Secret   bool
	// Words: a value may hold spaces (names, lists of names, a path), so a
	// value the collector split at its spaces is joined again.
	Words bool
	uses  use
}

// noProperty are the settings no device property sets: the output is the
// module's own, --as-of only plans for a person, and a module has no place
// for a bearer token.
var noProperty = []string{"output", "as-of", "bearer-token"}

// properties are the device properties of the connection settings.
var properties = map[string]string{
	"account":    "lmaccount",
	"base-url":   "lmuh.base-url",
	"access-id":  "lmaccess.id",
	"access-key": "lmaccess.key",
}

// useSuspendStep is every command that takes the suspend step.
const useSuspendStep = useRun | useSuspend | useCheck | useUpcoming

// uses names the commands that read each setting; a setting not named is
// read by every command that plans (run, suspend, assign, check).
var uses = map[string]use{
	"account": useAll, "base-url": useAll, "access-id": usePortal, "access-key": usePortal, "bearer-token": usePortal,
	"apply": usePortal, "output": useAll, "max-changes": useRun | useSuspend | useAssign | useCheck | useUndo | useUpcoming, "time-budget": usePortal,
	"log-level": useAll, "log-format": useAll, "state": useAll,
	"suspended-group": usePlan,
	// assign reads --inactive-days and --activity too: a reactivated user
	// without state is regrouped once it is active again.
	"warn-days": useSuspendStep, "protect-users": useSuspendStep, "protect-roles": useSuspendStep,
	"min-admins": useSuspendStep, "admin-roles": useSuspendStep, "include-api-users": useSuspendStep,
	"never-logged-in": useSuspendStep, "max-suspend-percent": useSuspendStep,
	"role-groups": useRun | useAssign | useCheck | useUpcoming, "assign-scope": useRun | useAssign | useCheck | useUpcoming,
	"sso-created-by": useRun | useAssign | useCheck | useUpcoming, "ungrouped-group": useRun | useAssign | useCheck | useUpcoming,
	"create-groups": useRun | useAssign | useCheck | useUpcoming,
}

// settings lists Config's settings in declaration order.
var settings = func() []Setting {
	var out []Setting
	t := reflect.TypeOf(Config{})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		env := f.Tag.Get("env")
		if env == "" {
			continue
		}
		name, opts, _ := strings.Cut(env, ",")
		s := Setting{Field: f.Name, Flag: f.Tag.Get("flag"), Env: name, Help: f.Tag.Get("help"),
			IsBool: f.Type.Kind() == reflect.Bool, Secret: f.Tag.Get("secret") == "true", Words: f.Tag.Get("words") == "true"}
		s.Default, _ = strings.CutPrefix(opts, "default=")
		if s.Flag == "output" {
			// Each command has its own; the default command's is the
			// one a collector meets.
			s.Default = string(Outputs(hygiene.CommandRun)[0])
			s.Help = outputsHelp()
		}
		s.Property = "lmuh." + s.Flag
		if p, ok := properties[s.Flag]; ok {
			s.Property = p
		}
		for _, n := range noProperty {
			if n == s.Flag {
				s.Property = ""
			}
		}
		s.uses = usePlan
		if u, ok := uses[s.Flag]; ok {
			s.uses = u
		}
		out = append(out, s)
	}
	return out
}()

// Settings are every setting, in the order help lists them.
func Settings() []Setting { return append([]Setting(nil), settings...) }

// settingFor is the setting of a flag; nil when there is none.
func settingFor(flag string) *Setting {
	for i := range settings {
		if settings[i].Flag == flag {
			return &settings[i]
		}
	}
	return nil
}

// kindOf says what a setting's value must be, for an error message.
func kindOf(field string) string {
	f, _ := reflect.TypeOf(Config{}).FieldByName(field)
	switch {
	case f.Type == reflect.TypeOf(time.Duration(0)):
		return "a duration such as 90s or 2m"
	case f.Type.Kind() == reflect.Bool:
		return "true or false"
	case f.Type.Kind() == reflect.Int:
		return "a whole number"
	case f.Type.Kind() == reflect.Float64:
		return "a number"
	}
	return "valid"
}

// outputsHelp is --output's help: the outputs of each command, from the
// commands table, commands that take the same ones named together.
func outputsHelp() string {
	var parts []string
	for i := 0; i < len(commands); {
		names := []string{string(commands[i].name)}
		j := i + 1
		for ; j < len(commands) && slices.Equal(commands[j].outputs, commands[i].outputs); j++ {
			names = append(names, string(commands[j].name))
		}
		parts = append(parts, strings.Join(names, ", ")+": "+orList(commands[i].outputs))
		i = j
	}
	return strings.Join(parts, "; ") + " (the first is the command's default)"
}
