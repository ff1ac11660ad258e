package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sethvargo/go-envconfig"

	"lm-user-hygiene/state"
)

// Commands.
const (
	cmdRun     = "run"
	cmdSuspend = "suspend"
	cmdAssign  = "assign"
	cmdCheck   = "check"
	cmdHistory = "history"
	cmdUndo    = "undo"
)

// commands are the command words, in the order --help lists them.
var commands = []string{cmdRun, cmdSuspend, cmdAssign, cmdCheck, cmdUpcoming, cmdHistory, cmdUndo}

// Output formats.
const (
	outDatasource   = "datasource"
	outConfigsource = "configsource"
	outJSON         = "json"
	outText         = "text"
)

// outputs are the output formats --output takes.
var outputs = []string{outDatasource, outConfigsource, outJSON, outText}

// Values of --never-logged-in.
const (
	neverLoggedInFirstSeen = "first-seen"
	neverLoggedInSkip      = "skip"
	neverLoggedInSuspend   = "suspend"
)

// asOfLayout is the form of --as-of: a calendar day.
const asOfLayout = "2006-01-02"

// Config is every setting of a run. Each field is an environment variable
// (env tag) and a command-line flag (flag tag); flags win. The help tag is the
// usage text; defaults live in the env tag so there is one source of truth.
type Config struct {
	Account     string `env:"LM_ACCOUNT" flag:"account" help:"portal name: acme -> https://acme.logicmonitor.com/santaba/rest"`
	BaseURL     string `env:"LM_BASE_URL" flag:"base-url" help:"full API base instead of --account (GovCloud https://acme.lmgov.us/santaba/rest); https except on loopback"`
	AccessID    string `env:"LM_ACCESS_ID" flag:"access-id" help:"LMv1 API token access id"`
	AccessKey   string `env:"LM_ACCESS_KEY" flag:"access-key" help:"LMv1 API token access key" secret:"true"`
	BearerToken string `env:"LM_BEARER_TOKEN" flag:"bearer-token" help:"bearer token instead of LMv1" secret:"true"`

	Apply      bool          `env:"LMUH_APPLY,default=false" flag:"apply" help:"write changes; without it the run only plans and reports"`
	Output     string        `env:"LMUH_OUTPUT,default=datasource" flag:"output" help:"datasource, configsource, json or text (a report for a person)"`
	MaxChanges int           `env:"LMUH_MAX_CHANGES,default=50" flag:"max-changes" help:"most user changes one run makes; the rest wait for the next run"`
	TimeBudget time.Duration `env:"LMUH_TIME_BUDGET,default=90s" flag:"time-budget" help:"stop starting changes after this long"`
	LogLevel   string        `env:"LMUH_LOG_LEVEL,default=info" flag:"log-level" help:"panic, fatal, error, warn, info, debug or trace (logs go to stderr)"`
	LogFormat  string        `env:"LMUH_LOG_FORMAT,default=text" flag:"log-format" help:"text or json"`
	State      string        `env:"LMUH_STATE,default=auto" flag:"state" words:"true" help:"the lifecycle memory: auto = <user cache dir>/lm-user-hygiene/<portal host>.db, off = none, or a file path"`
	AsOf       string        `env:"LMUH_AS_OF" flag:"as-of" help:"YYYY-MM-DD: plan as of the end of that day (UTC), today or later; never with --apply"`

	InactiveDays      int     `env:"LMUH_INACTIVE_DAYS,default=90" flag:"inactive-days" help:"suspend active users with no activity for longer than this many days"`
	Activity          string  `env:"LMUH_ACTIVITY,default=any" flag:"activity" help:"any = latest of UI login, last action, last access and API-token use; login = UI login only"`
	WarnDays          int     `env:"LMUH_WARN_DAYS,default=14" flag:"warn-days" help:"list a user as upcoming this many days before it is suspended, and with state suspend only after that notice; 0 = off; less than --inactive-days (the default shrinks to fit)"`
	SuspendedGroup    string  `env:"LMUH_SUSPENDED_GROUP,default=Suspended" flag:"suspended-group" words:"true" help:"group every suspended user is moved to (created when missing, with --apply)"`
	ProtectUsers      string  `env:"LMUH_PROTECT_USERS" flag:"protect-users" words:"true" help:"comma list of usernames or globs never suspended"`
	ProtectRoles      string  `env:"LMUH_PROTECT_ROLES" flag:"protect-roles" words:"true" help:"comma list of roles whose holders are never suspended"`
	MinAdmins         int     `env:"LMUH_MIN_ADMINS,default=1" flag:"min-admins" help:"never leave fewer active holders of an admin role than this"`
	AdminRoles        string  `env:"LMUH_ADMIN_ROLES,default=administrator" flag:"admin-roles" words:"true" help:"comma list of roles that count as admin roles for --min-admins"`
	IncludeAPIUsers   bool    `env:"LMUH_INCLUDE_API_USERS,default=false" flag:"include-api-users" help:"also suspend API-only users whose tokens have been idle that long"`
	NeverLoggedInMode string  `env:"LMUH_NEVER_LOGGED_IN,default=first-seen" flag:"never-logged-in" help:"users with no activity at all: first-seen (suspended --inactive-days after first seen; needs state, else as skip), skip (reported) or suspend"`
	MaxSuspendPercent float64 `env:"LMUH_MAX_SUSPEND_PERCENT,default=20" flag:"max-suspend-percent" help:"suspend nobody and fail if more than this share of active users look inactive"`

	RoleGroups     string `env:"LMUH_ROLE_GROUPS" flag:"role-groups" words:"true" help:"role=Group pairs separated by ';'; an unlisted role goes to the group of its own name"`
	AssignScope    string `env:"LMUH_ASSIGN_SCOPE,default=sso" flag:"assign-scope" help:"sso = only users created by SSO/SAML; all = every ungrouped user"`
	SSOCreatedBy   string `env:"LMUH_SSO_CREATED_BY" flag:"sso-created-by" words:"true" help:"a Go regular expression: a user whose createdBy matches it counts as created by SSO (replaces the built-in test)"`
	UngroupedGroup string `env:"LMUH_UNGROUPED_GROUP,default=Ungrouped" flag:"ungrouped-group" words:"true" help:"placeholder group that counts as no group"`
	CreateGroups   bool   `env:"LMUH_CREATE_GROUPS,default=false" flag:"create-groups" help:"create a missing target group instead of reporting the user as unmapped"`

	// Set by the command line only (no env tag: go-envconfig skips them).
	Command string
	// UndoRun is the RUN of "undo RUN": a run id, or "last".
	UndoRun string
	Demo    bool
	Version bool
	Help    bool

	// Derived by loadConfig from the settings above; unexported, so
	// go-envconfig leaves them alone.
	asOfDay      time.Time      // --as-of, midnight UTC; zero when not set
	ssoCreatedBy *regexp.Regexp // --sso-created-by compiled; nil when not set
	unsetTokens  []string       // settings given only as unreplaced ##property## tokens
}

// setting describes one Config field for flags, help and error messages.
type setting struct {
	field, flag, env, def, help string
	isBool, secret              bool
	// words: a value may hold spaces (names, lists of names, a path), so a
	// value the collector split at its spaces is joined again.
	words bool
}

// settings lists Config's settings in declaration order.
var settings = func() []setting {
	var out []setting
	t := reflect.TypeOf(Config{})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		env := f.Tag.Get("env")
		if env == "" {
			continue
		}
		name, opts, _ := strings.Cut(env, ",")
		s := setting{field: f.Name, flag: f.Tag.Get("flag"), env: name, help: f.Tag.Get("help"),
			isBool: f.Type.Kind() == reflect.Bool, secret: f.Tag.Get("secret") == "true", words: f.Tag.Get("words") == "true"}
		if d, ok := strings.CutPrefix(opts, "default="); ok {
			s.def = d
		}
		out = append(out, s)
	}
	return out
}()

// usageError is bad configuration: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

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

// loadConfig reads the command line and the environment into a Config and
// checks the settings that main's policy does not: the output, the commands,
// state, --warn-days, --as-of and --sso-created-by.
//
// The Config is never nil. Whenever the output setting itself is valid,
// Output holds it, also when another setting is bad, so that the caller can
// print the failure in the output that was asked for (json).
func loadConfig(ctx context.Context, args []string, env map[string]string) (*Config, error) {
	cfg := &Config{}
	err := cfg.load(ctx, args, env)
	if err != nil && !slices.Contains(outputs, cfg.Output) {
		cfg.Output = requestedOutput(args, env)
	}
	return cfg, err
}

func (cfg *Config) load(ctx context.Context, args []string, env map[string]string) error {
	fromFlags := map[string]string{}
	fs := flag.NewFlagSet("lm-user-hygiene", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var misplaced string
	for _, s := range settings {
		fs.Var(&recordValue{into: fromFlags, key: s.env, isBool: s.isBool, flag: s.flag, fs: fs, misplaced: &misplaced}, s.flag, s.help)
	}
	fs.Var(boolFlag{&cfg.Demo}, "demo", "")
	fs.Var(boolFlag{&cfg.Version}, "version", "")
	fs.Var(boolFlag{&cfg.Help}, "help", "")
	fs.Var(boolFlag{&cfg.Help}, "h", "")

	// The command may stand before, between or after the flags.
	rest := args
	// continues is the setting whose --flag=value the next plain word
	// continues, because the collector split the value at its spaces.
	var continues *setting
	for {
		if err := fs.Parse(rest); err != nil {
			if misplaced != "" {
				return usagef("%s (see --help)", misplaced)
			}
			return usagef("%s (see --help)", flagError(err, len(args)-len(fs.Args())+1))
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
		case cfg.Command == "" && !cfg.Help && word == "help":
			// help COMMAND is COMMAND --help.
			cfg.Help, continues = true, nil
		case cfg.Command == "" && slices.Contains(commands, word):
			cfg.Command, continues = word, nil
		case continues != nil:
			// The collector hands an uploaded script its parameters with
			// every ##property## replaced; a value that holds spaces may
			// arrive as several arguments (see splitValueOf).
			fromFlags[continues.env] += " " + word
		case cfg.Command == cmdUndo && cfg.UndoRun == "":
			cfg.UndoRun = word
		case cfg.Command != "":
			return usagef("unexpected argument %s after command %q (see --help)", showArg(word, at), cfg.Command)
		default:
			return usagef("unknown command %s: use %s (see --help)", showArg(word, at), strings.Join(commands, ", "))
		}
	}
	if cfg.Command == "" {
		cfg.Command = cmdRun
	}
	if cfg.Help || cfg.Version {
		return nil
	}
	if cfg.Command == cmdUndo {
		if cfg.UndoRun == "" {
			return usagef("undo needs the run to undo: undo RUN, with RUN a run id from history, or last (see --help)")
		}
		if !runID.MatchString(cfg.UndoRun) {
			return usagef("undo %s: RUN is a run id from history (letters, digits and . _ : -) or last", showArg(cfg.UndoRun, len(args)))
		}
	}

	fromEnv := env
	cfg.unsetTokens, fromFlags, fromEnv = dropUnset(fromFlags, env)
	err := envconfig.ProcessWith(ctx, &envconfig.Config{
		Target:   cfg,
		Lookuper: envconfig.MultiLookuper(envconfig.MapLookuper(fromFlags), envconfig.MapLookuper(fromEnv)),
	})
	if err != nil {
		return decodeError(err, fromFlags, fromEnv)
	}
	given := func(env string) bool {
		_, inFlags := fromFlags[env]
		_, inEnv := fromEnv[env]
		return inFlags || inEnv
	}
	if cfg.Command == cmdUpcoming {
		if err := cfg.checkUpcoming(given); err != nil {
			return err
		}
	}
	return cfg.check(given("LMUH_WARN_DAYS"))
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
func splitValueOf(arg string) *setting {
	name, ok := strings.CutPrefix(arg, "-")
	if !ok {
		return nil
	}
	name = strings.TrimPrefix(name, "-")
	name, _, hasValue := strings.Cut(name, "=")
	if !hasValue {
		return nil
	}
	for i := range settings {
		if settings[i].flag == name && settings[i].words {
			return &settings[i]
		}
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
		f, inFlags := flags[s.env]
		if inFlags && (f == "" || isToken(f)) {
			delete(flags, s.env)
			if f != "" {
				unset = append(unset, s.flag)
			}
		}
		if e, ok := env[s.env]; ok && isToken(e) {
			if !copied {
				environ = maps.Clone(env)
				copied = true
			}
			delete(environ, s.env)
			if !slices.Contains(unset, s.flag) {
				unset = append(unset, s.flag)
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
// default when it names no output, or none there is.
func requestedOutput(args []string, env map[string]string) string {
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
	if !given || !slices.Contains(outputs, out) {
		return outDatasource
	}
	return out
}

// check checks the settings main's policy leaves alone. Each error is one
// line that names the flag and says what to fix. warnDaysGiven: --warn-days
// was set, not left at its default.
func (c *Config) check(warnDaysGiven bool) error {
	if c.Command != cmdUpcoming && !slices.Contains(outputs, c.Output) {
		return usagef("--output must be %s, not %q", orList(outputs), c.Output)
	}
	if strings.TrimSpace(c.State) == "" || strings.ContainsFunc(c.State, unicode.IsControl) {
		return usagef("--state must be auto, off or the path of the state file, not %q", c.State)
	}
	if c.WarnDays < 0 {
		return usagef("--warn-days must be 0 (no warning) or more, not %d", c.WarnDays)
	}
	if c.InactiveDays >= 1 && c.WarnDays >= c.InactiveDays && !warnDaysGiven {
		// The default notice does not fit a short --inactive-days: the
		// longest that does is used rather than refusing a setting the
		// admin never made.
		c.WarnDays = c.InactiveDays - 1
	}
	if c.InactiveDays >= 1 && c.WarnDays >= c.InactiveDays {
		return usagef("--warn-days (%d) must be less than --inactive-days (%d): lower it, or 0 for no warning", c.WarnDays, c.InactiveDays)
	}
	switch c.NeverLoggedInMode {
	case neverLoggedInFirstSeen, neverLoggedInSkip, neverLoggedInSuspend:
	default:
		return usagef("--never-logged-in must be first-seen, skip or suspend, not %q", c.NeverLoggedInMode)
	}
	if c.AsOf != "" {
		day, err := time.Parse(asOfLayout, c.AsOf)
		if err != nil {
			return usagef("--as-of must be a day written YYYY-MM-DD, such as 2030-12-31, not %q", c.AsOf)
		}
		if c.Apply && !ignoresApply(c.Command) {
			return usagef("--as-of only plans: leave out --apply (LMUH_APPLY) to see the plan as of %s", c.AsOf)
		}
		c.asOfDay = day
	}
	if c.SSOCreatedBy != "" {
		re, err := regexp.Compile(c.SSOCreatedBy)
		if err != nil {
			// The error's own text repeats the expression; say it once.
			msg := err.Error()
			var synErr *syntax.Error
			if errors.As(err, &synErr) {
				msg = string(synErr.Code)
			}
			return usagef("--sso-created-by is not a Go regular expression: %s in %s", msg, plain(c.SSOCreatedBy))
		}
		if re.MatchString("") {
			return usagef("--sso-created-by %s matches an empty createdBy, so every user would count as SSO: use --assign-scope all for that", plain(c.SSOCreatedBy))
		}
		c.ssoCreatedBy = re
	}
	return nil
}

// orList writes "a, b, c or d".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// asOf returns the instant the rules are evaluated at with --as-of: the end
// of that day, UTC; ok is false when --as-of is not set.
func (c *Config) asOf() (at time.Time, ok bool) {
	if c.asOfDay.IsZero() {
		return time.Time{}, false
	}
	return c.asOfDay.Add(24*time.Hour - time.Nanosecond), true
}

// checkAsOf refuses an --as-of day that is already over at now (UTC): the
// past is not planned, it happened. Today is fine.
func (c *Config) checkAsOf(now time.Time) error {
	at, ok := c.asOf()
	if ok && at.Before(now) {
		return usagef("--as-of %s is in the past (today is %s, UTC): give today or a later day", c.AsOf, now.UTC().Format(asOfLayout))
	}
	return nil
}

// ssoCreatedByRegexp returns the compiled --sso-created-by, or nil when the
// built-in SSO test holds.
func (c *Config) ssoCreatedByRegexp() *regexp.Regexp { return c.ssoCreatedBy }

// unsetByToken names (as flags) the settings that were given only as an
// unreplaced ##property## token and so count as unset; the run may warn.
func (c *Config) unsetByToken() []string { return c.unsetTokens }

// statePath returns the state file of the run, or "" with --state off. auto
// is <user cache dir>/lm-user-hygiene/<portal host>.db for the portal at
// baseURL (the base URL main's policy resolved); a --state PATH needs no
// portal, as for history.
func (c *Config) statePath(baseURL string) (string, error) {
	host := ""
	if u, err := url.Parse(baseURL); err == nil {
		host = u.Host
	}
	return state.ParsePath(c.State, host)
}

// secretValues returns the values given to secret flags on the command line,
// whatever the number of leading dashes ("---access-key=KEY" too, which the
// flag package refuses as bad syntax but a person may still type), so that
// main can keep them out of every message. main's secret collection must
// call it.
func secretValues(args []string) []string {
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
		for _, s := range settings {
			if !s.secret || s.flag != name {
				continue
			}
			switch {
			case hasValue && v != "":
				out = append(out, v)
			case !hasValue && i+1 < len(args):
				out = append(out, args[i+1])
			}
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
		return "unknown flag " + plain("--"+strings.TrimPrefix(name, "-"))
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
		if !strings.HasPrefix(msg, s.field+":") {
			continue
		}
		var given string
		for _, src := range sources {
			if v, ok := src[s.env]; ok {
				given = v
				break
			}
		}
		return usagef("--%s (%s): %q is not %s", s.flag, s.env, given, kindOf(s.field))
	}
	return usagef("configuration: %v", err)
}

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

// writeHelp prints the command-line contract.
func writeHelp(w io.Writer) {
	fmt.Fprint(w, `lm-user-hygiene: suspend inactive LogicMonitor users and regroup fresh SSO users.

Usage: lm-user-hygiene [run|suspend|assign|check|upcoming|history|undo RUN] [flags]

  run       suspend inactive users, then regroup ungrouped SSO users (default)
  suspend   the suspend step alone
  assign    the assign step alone
  check     report what needs attention in the portal and the settings; never writes
  upcoming  list the users the plan suspends soon, with the day (upcoming --help)
  history   list the runs the state file journaled
  undo RUN  put the users a run changed back as they were (RUN a run id, or last)

Without --apply nothing is written: the run plans and reports what it would do.
Every flag is also an environment variable; a flag wins.

`)
	for _, s := range settings {
		def := ""
		if s.def != "" {
			def = " (default " + s.def + ")"
		}
		fmt.Fprintf(w, "  --%-22s %-26s %s%s\n", s.flag, s.env, s.help, def)
	}
	fmt.Fprint(w, `  --demo                   run applied against a built-in simulated portal (no credentials, no network)
  --version                print the version
  --help                   print this help

Exit status: 0 run completed, 1 run could not complete, 2 bad configuration,
3 check found something that needs attention.
`)
}

// envMap turns KEY=VALUE pairs into a map.
func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
