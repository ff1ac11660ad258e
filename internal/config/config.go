// Package config reads every setting of the tool in one pass: the command
// line, the environment and the collector's ##property## tokens. It checks
// them together and turns them into the run's policy, which nothing changes
// afterwards. Each error is one line that names the flag and says what to
// fix.
package config

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/output"
	"lm-user-hygiene/state"
	"lm-user-hygiene/suspend"
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
	Output     output.Format `env:"LMUH_OUTPUT" flag:"output" help:"(written from the commands table: outputsHelp)"`
	MaxChanges int           `env:"LMUH_MAX_CHANGES,default=50" flag:"max-changes" help:"most user changes one run makes; the rest wait for the next run"`
	TimeBudget time.Duration `env:"LMUH_TIME_BUDGET,default=90s" flag:"time-budget" help:"stop starting changes after this long"`
	LogLevel   string        `env:"LMUH_LOG_LEVEL,default=info" flag:"log-level" help:"panic, fatal, error, warn, info, debug or trace (logs go to stderr); warn by default when the output is text or json"`
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
	Command hygiene.Command
	// UndoRun is the RUN of "undo RUN": a run id, or hygiene.UndoLast.
	UndoRun string
	Demo    bool
	Version bool
	// Help asks for help: of HelpCommand when it is set, else of the tool.
	Help        bool
	HelpCommand hygiene.Command

	// What the settings above make, once checked: the run's policy (never
	// changed afterwards) and its log level.
	Policy hygiene.Policy
	Level  logrus.Level

	unsetTokens []string // settings given only as unreplaced ##property## tokens
}

// UsageError is bad configuration: exit status 2.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

// Usagef is a usage error with a message formatted as fmt.Sprintf does.
func Usagef(format string, a ...any) error { return &UsageError{msg: fmt.Sprintf(format, a...)} }

func usage(err error) error { return &UsageError{msg: err.Error()} }

// Load reads the command line and the environment into a checked Config
// with its policy; now is the run's clock (an --as-of day already over is
// the past, not a plan).
//
// The Config is never nil. Whenever the output setting itself is valid for
// the command, Output holds it, also when another setting is bad, so that
// the caller can print the failure in the output that was asked for (json);
// else Output is the command's default.
func Load(ctx context.Context, args []string, env map[string]string, now time.Time) (*Config, error) {
	cfg := &Config{}
	given, err := cfg.read(ctx, args, env)
	if err == nil && !cfg.Help && !cfg.Version {
		err = cfg.check(given, now)
	}
	if err != nil && cfg.Command == "" {
		// The command line failed before its command was read (a bad flag
		// before it): its output is still the one that command prints.
		cfg.Command = commandIn(args)
	}
	if err != nil || cfg.Output == "" {
		cfg.Output = requestedOutput(args, env, cfg.Command)
	}
	return cfg, err
}

// commandIn is the first word of args that names a command, run when none
// does.
func commandIn(args []string) hygiene.Command {
	for _, a := range args {
		if c, ok := commandNamed(a); ok {
			return c.name
		}
	}
	return hygiene.CommandRun
}

// check checks every setting and builds the policy. given says which
// settings were set (by their variable), not left at their default. The
// policy is filled in as far as the settings were good, so that a failure
// in json shows it.
func (c *Config) check(given given, now time.Time) error {
	if c.Output == "" && !given.set("LMUH_OUTPUT") {
		c.Output = Outputs(c.Command)[0]
	}
	if !slices.Contains(Outputs(c.Command), c.Output) {
		return Usagef("--output must be %s for %s, not %q", orList(Outputs(c.Command)), c.Command, c.Output)
	}
	if c.Demo {
		if err := c.checkDemo(given); err != nil {
			return err
		}
	}
	if strings.TrimSpace(c.State) == "" || strings.ContainsFunc(c.State, unicode.IsControl) {
		return Usagef("--state must be auto, off or the path of the state file, not %q", c.State)
	}
	if c.InactiveDays >= 1 && c.WarnDays >= c.InactiveDays && !given.set("LMUH_WARN_DAYS") {
		// The default notice does not fit a short --inactive-days: the
		// longest that does is used rather than refusing a setting the
		// admin never made.
		c.WarnDays = c.InactiveDays - 1
	}
	asOf, err := c.asOf()
	if err != nil {
		return err
	}
	sso, err := c.ssoCreatedBy()
	if err != nil {
		return err
	}
	p := &c.Policy
	p.Command, p.Apply, p.MaxChanges, p.TimeBudget, p.AsOf = c.Command, c.Apply, c.MaxChanges, c.TimeBudget, asOf
	if c.MaxChanges < 0 {
		return Usagef("--max-changes must be 0 or more, not %d", c.MaxChanges)
	}
	if c.TimeBudget <= 0 {
		return Usagef("--time-budget must be more than 0, such as 90s")
	}
	if err := c.checkCommand(); err != nil {
		return err
	}
	if err := c.buildPolicy(sso); err != nil {
		return err
	}
	if err := c.checkLog(given.set("LMUH_LOG_LEVEL")); err != nil {
		return err
	}
	if !asOf.IsZero() && asOf.Before(now) {
		// The past is not planned, it happened: only the run's clock says
		// which days are past.
		return Usagef("--as-of %s is in the past (today is %s, UTC): give today or a later day", c.AsOf, now.UTC().Format(asOfLayout))
	}
	return nil
}

// checkLog checks the logging settings; levelGiven says --log-level was
// set. Beside a report for a person (text or json) the default is warn: the
// report already carries every change.
func (c *Config) checkLog(levelGiven bool) error {
	if !levelGiven && (c.Output == output.FormatText || c.Output == output.FormatJSON) {
		c.LogLevel = "warn"
	}
	level, err := logrus.ParseLevel(c.LogLevel)
	if err != nil {
		return Usagef("--log-level must be one of panic, fatal, error, warn, info, debug, trace, not %q", c.LogLevel)
	}
	c.Level = level
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return Usagef("--log-format must be text or json, not %q", c.LogFormat)
	}
	return nil
}

// asOf reads --as-of: the end of that day (UTC), zero when it is not set;
// never with --apply. Where --apply is ignored (check, upcoming) it is ignored beside
// --as-of too.
func (c *Config) asOf() (time.Time, error) {
	if c.AsOf == "" {
		return time.Time{}, nil
	}
	day, err := time.Parse(asOfLayout, c.AsOf)
	if err != nil {
		return time.Time{}, Usagef("--as-of must be a day written YYYY-MM-DD, such as 2030-12-31, not %q", c.AsOf)
	}
	if c.Apply && !c.Command.NeverWrites() {
		return time.Time{}, Usagef("--as-of only plans: leave out --apply (LMUH_APPLY) to see the plan as of %s", c.AsOf)
	}
	return day.Add(24*time.Hour - time.Nanosecond), nil
}

// checkCommand checks what the command needs: the portal and credentials,
// and for undo that --as-of is not given.
func (c *Config) checkCommand() error {
	switch {
	case c.Demo:
		return nil
	case c.Command == hygiene.CommandHistory:
		// history reads only the state file: the portal's address names
		// it (--state auto), no credential is needed.
		return c.checkPortal(historyNeedsPortal(c.State))
	case c.Command == hygiene.CommandUndo && c.AsOf != "":
		return Usagef("undo puts back what a run did: --as-of does not apply to it")
	}
	return c.checkConnection()
}

// buildPolicy turns the settings into the run's steps; sso is the compiled
// --sso-created-by.
func (c *Config) buildPolicy(sso *regexp.Regexp) error {
	p := &c.Policy
	switch {
	case c.Command == hygiene.CommandCheck:
		// check plans both steps; its configsource shows the policy as set.
		p.Command = hygiene.CommandRun
	case c.Command == hygiene.CommandUpcoming:
		// upcoming lists the suspend step's decisions, made as run makes
		// them; --apply is ignored.
		p.Command, p.Apply = hygiene.CommandSuspend, false
	case c.Demo:
		// The demo applies in its own portal, and undoes it.
		p.Apply = true
	}
	p.Suspend = suspend.Options{
		InactiveDays:      c.InactiveDays,
		Activity:          c.Activity,
		SuspendedGroup:    strings.TrimSpace(c.SuspendedGroup),
		ProtectUsers:      suspend.ParseList(c.ProtectUsers),
		ProtectRoles:      suspend.ParseList(c.ProtectRoles),
		MinAdmins:         c.MinAdmins,
		AdminRoles:        suspend.ParseList(c.AdminRoles),
		IncludeAPIUsers:   c.IncludeAPIUsers,
		NeverLoggedIn:     c.NeverLoggedInMode,
		WarnDays:          c.WarnDays,
		MaxSuspendPercent: c.MaxSuspendPercent,
		TokenAccessID:     c.AccessID,
	}
	if err := p.Suspend.Validate(); err != nil {
		return usage(err)
	}
	roleGroups, err := assign.ParseRoleGroups(c.RoleGroups)
	if err != nil {
		return usage(err)
	}
	p.Assign = assign.Options{
		RoleGroups:     roleGroups,
		Scope:          c.AssignScope,
		UngroupedGroup: strings.TrimSpace(c.UngroupedGroup),
		SuspendedGroup: p.Suspend.SuspendedGroup,
		CreateGroups:   c.CreateGroups,
		SSOCreatedBy:   sso,
		Activity:       c.Activity,
	}
	if c.Demo {
		demoPolicy(p)
	}
	if err := p.Assign.Validate(); err != nil {
		return usage(err)
	}
	return nil
}

// ssoCreatedBy compiles --sso-created-by; nil when the built-in test holds.
func (c *Config) ssoCreatedBy() (*regexp.Regexp, error) {
	if c.SSOCreatedBy == "" {
		return nil, nil
	}
	re, err := regexp.Compile(c.SSOCreatedBy)
	if err != nil {
		// The error's own text repeats the expression; say it once.
		msg := err.Error()
		var synErr *syntax.Error
		if errors.As(err, &synErr) {
			msg = string(synErr.Code)
		}
		return nil, Usagef("--sso-created-by is not a Go regular expression: %s in %s", msg, plain(c.SSOCreatedBy))
	}
	if re.MatchString("") {
		return nil, Usagef("--sso-created-by %s matches an empty createdBy, so every user would count as SSO: use --assign-scope all for that", plain(c.SSOCreatedBy))
	}
	return re, nil
}

// checkConnection checks the portal address and the credentials, and turns
// --account into the base URL.
func (c *Config) checkConnection() error {
	if err := c.checkPortal(true); err != nil {
		return err
	}
	lmv1 := c.AccessID != "" || c.AccessKey != ""
	switch {
	case lmv1 && c.BearerToken != "":
		return Usagef("set an LMv1 token (--access-id, --access-key) or --bearer-token, not both")
	case lmv1 && (c.AccessID == "" || c.AccessKey == ""):
		return Usagef("an LMv1 token needs both --access-id (LM_ACCESS_ID) and --access-key (LM_ACCESS_KEY)")
	case !lmv1 && c.BearerToken == "":
		return Usagef("no credentials: set --access-id and --access-key (LM_ACCESS_ID, LM_ACCESS_KEY), or --bearer-token (LM_BEARER_TOKEN)")
	}
	return nil
}

// historyNeedsPortal reports whether history needs the portal's address:
// only --state auto names the file after the portal.
func historyNeedsPortal(setting string) bool {
	s := strings.TrimSpace(setting)
	return s == "" || strings.EqualFold(s, state.SettingAuto)
}

// checkPortal checks the portal address and turns --account into the base
// URL; required says that one must be given.
func (c *Config) checkPortal(required bool) error {
	switch {
	case c.Account == "" && c.BaseURL == "" && !required:
		return nil
	case c.Account != "" && c.BaseURL != "":
		return Usagef("set --account (LM_ACCOUNT) or --base-url (LM_BASE_URL), not both")
	case c.Account == "" && c.BaseURL == "":
		return Usagef("no portal: set --account (LM_ACCOUNT) to the portal name, or --base-url (LM_BASE_URL)")
	case c.Account != "":
		u, err := lm.AccountBaseURL(c.Account)
		if err != nil {
			return usage(err)
		}
		c.BaseURL = u
	default:
		u, err := lm.ParseBaseURL(c.BaseURL)
		if err != nil {
			return usage(err)
		}
		c.BaseURL = u
	}
	return nil
}

// StatePath returns the state file of the run, or "" with --state off. auto
// is <user cache dir>/lm-user-hygiene/<portal host>.db for the portal at
// baseURL; a --state PATH needs no portal, as for history.
func (c *Config) StatePath(baseURL string) (string, error) {
	host := ""
	if u, err := url.Parse(baseURL); err == nil {
		host = u.Host
	}
	return state.ParsePath(c.State, host)
}

// UnsetByToken names (as flags) the settings that were given only as an
// unreplaced ##property## token and so count as unset.
func (c *Config) UnsetByToken() []string { return c.unsetTokens }

// orList writes "a, b, c or d".
func orList[T ~string](words []T) string {
	s := make([]string, len(words))
	for i, w := range words {
		s[i] = string(w)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
