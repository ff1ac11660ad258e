package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sethvargo/go-envconfig"
)

// Commands.
const (
	cmdRun     = "run"
	cmdSuspend = "suspend"
	cmdAssign  = "assign"
)

// Output formats.
const (
	outDatasource   = "datasource"
	outConfigsource = "configsource"
	outJSON         = "json"
)

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
	Output     string        `env:"LMUH_OUTPUT,default=datasource" flag:"output" help:"datasource, configsource or json"`
	MaxChanges int           `env:"LMUH_MAX_CHANGES,default=50" flag:"max-changes" help:"most user changes one run makes; the rest wait for the next run"`
	TimeBudget time.Duration `env:"LMUH_TIME_BUDGET,default=90s" flag:"time-budget" help:"stop starting changes after this long"`
	LogLevel   string        `env:"LMUH_LOG_LEVEL,default=info" flag:"log-level" help:"panic, fatal, error, warn, info, debug or trace (logs go to stderr)"`
	LogFormat  string        `env:"LMUH_LOG_FORMAT,default=text" flag:"log-format" help:"text or json"`

	InactiveDays      int     `env:"LMUH_INACTIVE_DAYS,default=90" flag:"inactive-days" help:"suspend active users with no activity for longer than this many days"`
	Activity          string  `env:"LMUH_ACTIVITY,default=any" flag:"activity" help:"any = latest of UI login, last action, last access and API-token use; login = UI login only"`
	SuspendedGroup    string  `env:"LMUH_SUSPENDED_GROUP,default=Suspended" flag:"suspended-group" help:"group every suspended user is moved to (created when missing, with --apply)"`
	ProtectUsers      string  `env:"LMUH_PROTECT_USERS" flag:"protect-users" help:"comma list of usernames or globs never suspended"`
	ProtectRoles      string  `env:"LMUH_PROTECT_ROLES" flag:"protect-roles" help:"comma list of roles whose holders are never suspended"`
	MinAdmins         int     `env:"LMUH_MIN_ADMINS,default=1" flag:"min-admins" help:"never leave fewer active holders of an admin role than this"`
	AdminRoles        string  `env:"LMUH_ADMIN_ROLES,default=administrator" flag:"admin-roles" help:"comma list of roles that count as admin roles for --min-admins"`
	IncludeAPIUsers   bool    `env:"LMUH_INCLUDE_API_USERS,default=false" flag:"include-api-users" help:"also suspend API-only users whose tokens have been idle that long"`
	NeverLoggedIn     string  `env:"LMUH_NEVER_LOGGED_IN,default=skip" flag:"never-logged-in" help:"users with no activity at all: skip (reported) or suspend"`
	MaxSuspendPercent float64 `env:"LMUH_MAX_SUSPEND_PERCENT,default=20" flag:"max-suspend-percent" help:"suspend nobody and fail if more than this share of active users look inactive"`

	RoleGroups     string `env:"LMUH_ROLE_GROUPS" flag:"role-groups" help:"role=Group pairs separated by ';'; an unlisted role goes to the group of its own name"`
	AssignScope    string `env:"LMUH_ASSIGN_SCOPE,default=sso" flag:"assign-scope" help:"sso = only users created by SSO/SAML; all = every ungrouped user"`
	UngroupedGroup string `env:"LMUH_UNGROUPED_GROUP,default=Ungrouped" flag:"ungrouped-group" help:"placeholder group that counts as no group"`
	CreateGroups   bool   `env:"LMUH_CREATE_GROUPS,default=false" flag:"create-groups" help:"create a missing target group instead of reporting the user as unmapped"`

	// Set by the command line only (no env tag: go-envconfig skips them).
	Command string
	Demo    bool
	Version bool
	Help    bool
}

// setting describes one Config field for flags, help and error messages.
type setting struct {
	field, flag, env, def, help string
	isBool, secret              bool
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
			isBool: f.Type.Kind() == reflect.Bool, secret: f.Tag.Get("secret") == "true"}
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

// flagIn returns the name of the flag of fs that arg sets, if it sets one.
func flagIn(fs *flag.FlagSet, arg string) (string, bool) {
	name, ok := strings.CutPrefix(arg, "-")
	if !ok {
		return "", false
	}
	name = strings.TrimPrefix(name, "-")
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

// loadConfig reads the command line and the environment into a Config.
// It checks syntax only; validate checks meaning.
func loadConfig(ctx context.Context, args []string, env map[string]string) (*Config, error) {
	cfg := &Config{}
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
	for {
		if err := fs.Parse(rest); err != nil {
			if misplaced != "" {
				return cfg, usagef("%s (see --help)", misplaced)
			}
			return cfg, usagef("%s (see --help)", flagError(err))
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		at := len(args) - len(rest) + 1
		if cfg.Command != "" {
			return cfg, usagef("unexpected argument %s after command %q (see --help)", showArg(rest[0], at), cfg.Command)
		}
		switch rest[0] {
		case cmdRun, cmdSuspend, cmdAssign:
			cfg.Command = rest[0]
		default:
			return cfg, usagef("unknown command %s: use run, suspend or assign (see --help)", showArg(rest[0], at))
		}
		rest = rest[1:]
	}
	if cfg.Command == "" {
		cfg.Command = cmdRun
	}
	if cfg.Help || cfg.Version {
		return cfg, nil
	}

	if err := unreplacedToken(fromFlags, env); err != nil {
		return cfg, err
	}
	err := envconfig.ProcessWith(ctx, &envconfig.Config{
		Target:   cfg,
		Lookuper: envconfig.MultiLookuper(envconfig.MapLookuper(fromFlags), envconfig.MapLookuper(env)),
	})
	if err != nil {
		return cfg, decodeError(err, fromFlags, env)
	}
	return cfg, nil
}

// unreplacedToken catches a ##property## token the collector left in place
// because the device lacks that property: the fix is the property, not the flag.
func unreplacedToken(sources ...map[string]string) error {
	for _, s := range settings {
		for _, src := range sources {
			v, ok := src[s.env]
			if !ok {
				continue
			}
			if len(v) > 4 && strings.HasPrefix(v, "##") && strings.HasSuffix(v, "##") {
				// Quoted when it is not plain text, so the message stays one line.
				shown := plain(strings.ToValidUTF8(v[:min(len(v), 64)], ""))
				if len(v) > 64 {
					shown += "…"
				}
				return usagef("--%s is the unreplaced token %s: set that property on the collector's device", s.flag, shown)
			}
			break
		}
	}
	return nil
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
func flagError(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag " + plain("--"+strings.TrimPrefix(name, "-"))
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Sprintf("flag --%s needs a value", strings.TrimPrefix(name, "-"))
	}
	if arg, ok := strings.CutPrefix(msg, "bad flag syntax: "); ok {
		return "bad flag syntax: " + plain(arg)
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

Usage: lm-user-hygiene [run|suspend|assign] [flags]

  run       suspend inactive users, then regroup ungrouped SSO users (default)
  suspend   the suspend step alone
  assign    the assign step alone

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

Exit status: 0 run completed, 1 run could not complete, 2 bad configuration.
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
