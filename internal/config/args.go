package config

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/sethvargo/go-envconfig"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/output"
)

// recordValue is a flag.Value that records what was given into a map keyed by
// environment variable name, so go-envconfig decodes flags and environment the
// same way and a flag wins over its variable.
type recordValue struct {
	into   map[string]string
	key    string
	isBool bool
	flag   string
	fs     *flag.FlagSet
	// misplaced receives the one-line error for a value that is one of the
	// flags: the flag package's own error would echo that flag's value.
	misplaced *string
}

func (v *recordValue) String() string   { return "" }
func (v *recordValue) IsBoolFlag() bool { return v.isBool }
func (v *recordValue) Set(s string) error {
	// "--output --access-key=KEY" is a forgotten value, not an output named
	// after the key; saying so keeps KEY out of every later message.
	if name, ok := flagIn(v.fs, s); ok && !v.isBool {
		*v.misplaced = fmt.Sprintf("flag --%s needs a value, but is followed by the flag --%s", v.flag, name)
		return errors.New("the value is a flag")
	}
	v.into[v.key] = s
	return nil
}

// flagIn returns the name of the flag of fs that arg sets, if it sets one,
// with any number of leading dashes: "---access-key=KEY" is a misspelt flag,
// not a value.
func flagIn(fs *flag.FlagSet, arg string) (string, bool) {
	name := strings.TrimLeft(arg, "-")
	if name == arg {
		return "", false
	}
	name, _, _ = strings.Cut(name, "=")
	return name, name != "" && fs.Lookup(name) != nil
}

// boolFlag is a plain boolean command-line switch.
type boolFlag struct{ p *bool }

func (b boolFlag) String() string   { return "" }
func (b boolFlag) IsBoolFlag() bool { return true }
func (b boolFlag) Set(s string) error {
	if s != "true" && s != "false" {
		return errors.New("takes no value")
	}
	*b.p = s == "true"
	return nil
}

// given is where the settings were given: the flags' and the environment's
// values by variable name, without those that count as unset.
type given struct{ flags, env map[string]string }

// set reports whether the setting of the variable key was given.
func (g given) set(key string) bool {
	_, inFlags := g.flags[key]
	_, inEnv := g.env[key]
	return inFlags || inEnv
}

// byFlag reports whether the setting of the variable key was given on the
// command line.
func (g given) byFlag(key string) bool {
	_, ok := g.flags[key]
	return ok
}

// read reads the command line and the environment into c, and returns where
// each setting was given.
func (c *Config) read(ctx context.Context, args []string, env map[string]string) (given, error) {
	fromFlags := map[string]string{}
	fs := flag.NewFlagSet("lm-user-hygiene", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var misplaced string
	for _, s := range settings {
		fs.Var(&recordValue{into: fromFlags, key: s.Env, isBool: s.IsBool, flag: s.Flag, fs: fs, misplaced: &misplaced}, s.Flag, s.Help)
	}
	fs.Var(boolFlag{&c.Demo}, "demo", "")
	fs.Var(boolFlag{&c.Version}, "version", "")
	fs.Var(boolFlag{&c.Help}, "help", "")
	fs.Var(boolFlag{&c.Help}, "h", "")
	if err := c.parse(fs, args, fromFlags, &misplaced); err != nil {
		return given{}, err
	}
	if c.Help || c.Version {
		return given{}, nil
	}
	if c.Command == hygiene.CommandUndo && !c.Demo {
		// With --demo the demo's own refusal says more (checkDemo).
		if c.UndoRun == "" {
			return given{}, Usagef("undo needs the run to undo: undo RUN, with RUN a run id from history, or last (see undo --help)")
		}
		if !runID.MatchString(c.UndoRun) {
			return given{}, Usagef("undo %s: RUN is a run id from history (letters, digits and . _ : -) or last", showArg(c.UndoRun, len(args)))
		}
	}
	fromEnv := env
	c.unsetTokens, fromFlags, fromEnv = dropUnset(fromFlags, env)
	err := envconfig.ProcessWith(ctx, &envconfig.Config{
		Target:   c,
		Lookuper: envconfig.MultiLookuper(envconfig.MapLookuper(fromFlags), envconfig.MapLookuper(fromEnv)),
	})
	// go-envconfig walks into every struct and allocates its nil pointers
	// (an empty --sso-created-by expression among them): the policy is
	// built from the settings by check, never decoded.
	c.Policy = hygiene.Policy{}
	if err != nil {
		return given{}, decodeError(err, fromFlags, fromEnv)
	}
	return given{flags: fromFlags, env: fromEnv}, nil
}

// parse reads the flags and the words between them: the command (before,
// between or after the flags), undo's RUN, help's COMMAND, and the loose
// words of a value the collector split at its spaces.
func (c *Config) parse(fs *flag.FlagSet, args []string, fromFlags map[string]string, misplaced *string) error {
	rest := args
	// continues is the setting whose --flag=value the next plain word
	// continues, because the collector split the value at its spaces.
	var continues *Setting
	helpWord := false
	for {
		if err := fs.Parse(rest); err != nil {
			if *misplaced != "" {
				return Usagef("%s (see --help)", *misplaced)
			}
			return Usagef("%s (see --help)", flagError(err, len(args)-len(fs.Args())+1))
		}
		if parsed := len(rest) - len(fs.Args()); parsed > 0 {
			continues = splitValueOf(rest[parsed-1])
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		word, at := rest[0], len(args)-len(rest)+1
		rest = rest[1:]
		switch {
		case c.Command == "" && !helpWord && !c.Version && slices.Contains(commandWords(), word):
			switch word {
			case wordHelp:
				c.Help, helpWord = true, true
			case wordVersion:
				c.Version = true
			default:
				c.Command = hygiene.Command(word)
			}
			continues = nil
		case helpWord && c.HelpCommand == "":
			if _, ok := commandNamed(word); !ok {
				return Usagef("help %s: no such command%s (see --help)", showArg(word, at), didYouMean(word, commandWords(), ""))
			}
			c.HelpCommand = hygiene.Command(word)
		case continues != nil:
			// The collector hands an uploaded script its parameters with
			// every ##property## replaced; a value that holds spaces may
			// arrive as several arguments (see splitValueOf).
			fromFlags[continues.Env] += " " + word
		case c.Command == hygiene.CommandUndo && c.UndoRun == "":
			c.UndoRun = word
		case c.Command != "" || c.Version || helpWord:
			return Usagef("unexpected argument %s after command %q (see --help)", showArg(word, at), c.commandWord())
		default:
			return Usagef("unknown command %s%s (the commands: %s; see --help)", showArg(word, at), didYouMean(word, commandWords(), ""), strings.Join(commandWords(), ", "))
		}
	}
	if c.Help && c.HelpCommand == "" && c.Command != "" && !helpWord {
		// COMMAND --help is help COMMAND.
		c.HelpCommand = c.Command
	}
	if c.Command == "" {
		c.Command = hygiene.CommandRun
	}
	return nil
}

// commandWord is the command word the command line gave.
func (c *Config) commandWord() string {
	switch {
	case c.Command != "":
		return string(c.Command)
	case c.Version:
		return wordVersion
	}
	return wordHelp
}

// runID is what a RUN of "undo RUN" may look like: an id the journal gave,
// or "last". Anything else is a mistake, never a run.
var runID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// splitValueOf returns the setting whose value the plain words after arg
// continue: arg is --flag=value (any number of leading dashes the flag
// package takes) for a setting whose values may hold spaces.
//
// How the collector turns an uploaded script's parameters into arguments is
// not documented. If it splits the string the way Java's Runtime.exec(String)
// does (a java.util.StringTokenizer at white space, with no quoting: "Runtime
// (Java SE) exec(String)", https://docs.oracle.com/javase/8/docs/api/java/lang/Runtime.html#exec-java.lang.String-),
// "--protect-users=##lmuh.protect-users##" with the value "a b" arrives as
// "--protect-users=a" and "b"; if it does not split substituted values, it
// arrives whole. Joining the words again with one space makes both the same
// (runs of spaces become one; a word that starts with - is a flag).
func splitValueOf(arg string) *Setting {
	name, ok := strings.CutPrefix(arg, "-")
	if !ok {
		return nil
	}
	name = strings.TrimPrefix(name, "-")
	name, _, hasValue := strings.Cut(name, "=")
	if s := settingFor(name); hasValue && s != nil && s.Words {
		return s
	}
	return nil
}

// dropUnset takes out of the flags and the environment every value that
// counts as unset, and names the settings that were given only as an
// unreplaced ##property## token, so the run can say so.
//
// The collector replaces a ##property## token in a module's parameters with
// the device's property value (lm-api/README.md, "Collector scripts"); what
// it does for a property the device lacks is not documented: it may leave
// the token in place or put nothing there. Both mean "not set" (DESIGN, "On
// the collector"), so that one property per policy setting can stay unset and
// the default holds:
//   - a value that is a whole ##…## token is unset, as a flag and in the
//     environment (a person may have copied it there);
//   - an empty flag value (--protect-users=) is unset. An empty variable is
//     still a value (LMUH_OUTPUT= is a mistake): the environment is set by a
//     person or by the Groovy modules, which leave an unset property out.
//
// LogicMonitor's own community scripts test a property token for both forms
// (IsNullOrEmpty, or a value matching ^##.*##$) before they use it.
func dropUnset(fromFlags, env map[string]string) (unset []string, flags, environ map[string]string) {
	flags, environ = fromFlags, env
	copied := false
	for _, s := range settings {
		f, inFlags := flags[s.Env]
		if inFlags && (f == "" || isToken(f)) {
			delete(flags, s.Env)
			if f != "" {
				unset = append(unset, s.Flag)
			}
		}
		if e, ok := env[s.Env]; ok && isToken(e) {
			if !copied {
				environ = maps.Clone(env)
				copied = true
			}
			delete(environ, s.Env)
			if !slices.Contains(unset, s.Flag) {
				unset = append(unset, s.Flag)
			}
		}
	}
	return unset, flags, environ
}

// isToken reports whether v is a whole ##property## token the collector did
// not replace.
func isToken(v string) bool {
	return len(v) > 4 && strings.HasPrefix(v, "##") && strings.HasSuffix(v, "##")
}

// requestedOutput is the output the command line or the environment asks
// for, read without the rest of the configuration (which may be bad); the
// command's default when it names no output, or none the command takes.
func requestedOutput(args []string, env map[string]string, cmd hygiene.Command) output.Format {
	out, given := env["LMUH_OUTPUT"], true
	if out == "" || isToken(out) {
		given = false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, ok := strings.CutPrefix(a, "-")
		if !ok {
			continue
		}
		name = strings.TrimPrefix(name, "-")
		name, v, hasValue := strings.Cut(name, "=")
		if name != "output" {
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				break
			}
			i++
			v = args[i]
		}
		if v != "" && !isToken(v) {
			out, given = v, true
		}
	}
	if cmd == "" {
		cmd = hygiene.CommandRun
	}
	outputs := Outputs(cmd)
	if !given || !slices.Contains(outputs, output.Format(out)) {
		return outputs[0]
	}
	return output.Format(out)
}

// SecretValues returns the values given to secret flags on the command line,
// whatever the number of leading dashes ("---access-key=KEY" too, which the
// flag package refuses as bad syntax but a person may still type), so that
// the caller can keep them out of every message.
func SecretValues(args []string) []string {
	var out []string
	for i, a := range args {
		if a == "--" {
			break
		}
		name := strings.TrimLeft(a, "-")
		if len(name) == len(a) {
			continue
		}
		name, v, hasValue := strings.Cut(name, "=")
		if s := settingFor(name); s == nil || !s.Secret {
			continue
		}
		switch {
		case hasValue && v != "":
			out = append(out, v)
		case !hasValue && i+1 < len(args):
			out = append(out, args[i+1])
		}
	}
	return out
}

// showArg names a stray argument in an error. A misspelt command is shown; an
// argument that does not look like one is only counted, because it may be a
// secret that lost its flag: in "--log-level --access-key KEY", --log-level
// takes "--access-key" as its value and leaves KEY standing alone.
func showArg(a string, at int) string {
	if len(a) <= 16 && strings.Trim(a, "abcdefghijklmnopqrstuvwxyz0123456789-_") == "" {
		return strconv.Quote(a)
	}
	return fmt.Sprintf("(argument %d, not shown as it may be a secret)", at)
}

// flagError rewrites the flag package's errors into one line. The flag
// package prints what it did not understand as it was typed, so anything that
// is not plain text is quoted to keep the message on its line.
func flagError(err error, at int) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimPrefix(name, "-")
		return "unknown flag " + plain("--"+name) + didYouMean(name, flagNames(), "--")
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Sprintf("flag --%s needs a value", strings.TrimPrefix(name, "-"))
	}
	if strings.HasPrefix(msg, "bad flag syntax: ") {
		// "---access-key=KEY": the flag package would print the argument
		// whole, and a secret with it.
		return fmt.Sprintf("bad flag syntax in argument %d (not shown, as it may hold a secret): a flag starts with - or -- and a name", at)
	}
	if strings.HasPrefix(msg, "invalid boolean value ") {
		// --help=VALUE and the like: name the flag, not the value.
		if _, name, ok := strings.Cut(msg, " for -"); ok {
			name, _, _ = strings.Cut(name, ":")
			return fmt.Sprintf("flag --%s takes no value", name)
		}
	}
	if strings.ContainsFunc(msg, unicode.IsControl) {
		return strconv.Quote(msg)
	}
	return msg
}

// flagNames are every flag's name but -h, which is never the one meant.
func flagNames() []string {
	names := make([]string, 0, len(settings)+3)
	for _, s := range settings {
		names = append(names, s.Flag)
	}
	return append(names, "demo", "version", "help")
}

// plain returns s as it is when it is printable text, else Go-quoted.
func plain(s string) string {
	if q := strconv.Quote(s); q[1:len(q)-1] != s {
		return q
	}
	return s
}

// decodeError names the setting go-envconfig could not decode and what it
// wants, without echoing go-envconfig's internals.
func decodeError(err error, sources ...map[string]string) error {
	msg := err.Error()
	for _, s := range settings {
		if !strings.HasPrefix(msg, s.Field+":") {
			continue
		}
		var given string
		for _, src := range sources {
			if v, ok := src[s.Env]; ok {
				given = v
				break
			}
		}
		return Usagef("--%s (%s): %q is not %s", s.Flag, s.Env, given, kindOf(s.Field))
	}
	return Usagef("configuration: %v", err)
}
