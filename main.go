// Command lm-user-hygiene keeps a LogicMonitor portal's users clean: it
// suspends users who have been inactive too long and moves them to the
// suspended group, and moves fresh single-sign-on users out of the placeholder
// group into the groups of their roles. It plans by default and writes only
// with --apply, and prints key=value lines a collector DataSource reads.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitConfig = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// deps are what tests replace: the clock, the HTTP client and the first
// retry delay (0 means the client's default).
type deps struct {
	now        func() time.Time
	httpClient *http.Client
	retryDelay time.Duration
}

// run is the whole program; it returns the exit status.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, environ, stdout, stderr, deps{now: time.Now})
}

func runWith(ctx context.Context, args, environ []string, stdout, stderr io.Writer, d deps) (code int) {
	start := d.now()
	env := envMap(environ)
	// Secrets never reach stderr, whatever a log line or error carries.
	errOut := &redactor{w: stderr}
	errOut.add(env["LM_ACCESS_KEY"], env["LM_BEARER_TOKEN"])
	errOut.add(secretArgs(args)...)
	defer errOut.Flush()

	cfg, err := loadConfig(ctx, args, env)
	if err == nil && cfg.Help {
		writeHelp(stdout)
		return exitOK
	}
	if err == nil && cfg.Version {
		fmt.Fprintf(stdout, "lm-user-hygiene %s\n", version)
		return exitOK
	}
	var pol policy
	if err == nil {
		pol, err = cfg.policy()
	}
	var log *logrus.Entry
	if err == nil {
		log, err = newLogger(cfg, errOut)
	}
	output := outDatasource
	if cfg != nil && (cfg.Output == outConfigsource || cfg.Output == outJSON) {
		output = cfg.Output
	}
	if err != nil {
		fmt.Fprintf(errOut, "lm-user-hygiene: %v\n", err)
		// A message may repeat a value given in the wrong place, a secret
		// too; stdout does not pass through the redactor.
		r := &report{policy: pol, failure: errors.New(errOut.redact(err.Error()))}
		printOutput(stdout, errOut, output, r, runStats{duration: d.now().Sub(start)})
		return exitConfig
	}

	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(errOut, "lm-user-hygiene: internal error: %v\n", p)
			code = exitFailed
		}
	}()

	var (
		portal Portal
		stats  func() lm.Stats
	)
	if cfg.Demo {
		demo, err := startDemo(d.now(), errOut)
		if err != nil {
			fmt.Fprintf(errOut, "lm-user-hygiene: demo: %v\n", err)
			return exitFailed
		}
		defer demo.Close()
		// The demo signs with its own token; credentials of a real portal
		// in the environment are not used (nor may they clash with it).
		cfg.BaseURL, cfg.AccessID, cfg.AccessKey, cfg.BearerToken = demo.baseURL, demo.accessID, demo.accessKey, ""
		errOut.add(demo.accessKey)
		pol.apply = true
		pol.suspend.TokenAccessID = demo.accessID
		if len(pol.assign.RoleGroups) == 0 {
			pol.assign.RoleGroups = demoRoleGroups
		}
		if len(pol.suspend.ProtectUsers) == 0 {
			pol.suspend.ProtectUsers = demoProtectUsers
		}
	}
	client, err := lm.New(lm.Config{
		BaseURL:        cfg.BaseURL,
		AccessID:       cfg.AccessID,
		AccessKey:      cfg.AccessKey,
		BearerToken:    cfg.BearerToken,
		HTTPClient:     d.httpClient,
		RetryBaseDelay: d.retryDelay,
		Logger:         log,
		UserAgent:      "lm-user-hygiene/" + version,
		Now:            d.now,
	})
	if err != nil {
		fmt.Fprintf(errOut, "lm-user-hygiene: %v\n", err)
		printOutput(stdout, errOut, output, &report{policy: pol, failure: errors.New(errOut.redact(err.Error()))}, runStats{duration: d.now().Sub(start)})
		return exitConfig
	}
	portal, stats = client, client.Stats
	if cfg.BearerToken != "" && pol.runsSuspend() {
		log.Warn("with a bearer token the token's owner cannot be identified: protect it with --protect-users")
	}

	j := &job{portal: portal, log: log, now: d.now}
	r := j.run(ctx, pol)
	s := stats()
	st := runStats{requests: s.Requests, retries: s.Retries, duration: d.now().Sub(start)}
	if cfg.Demo {
		defer func() { printDemoSummary(errOut, r) }()
	}
	printOutput(stdout, errOut, output, r, st)
	if r.failure != nil {
		fmt.Fprintf(errOut, "lm-user-hygiene: %v\n", r.failure)
		return exitFailed
	}
	log.WithFields(logrus.Fields{"duration": st.duration.Round(time.Millisecond).String(), "api_requests": st.requests}).Info("run completed")
	return exitOK
}

// printOutput writes the chosen output format to stdout.
func printOutput(stdout, stderr io.Writer, format string, r *report, st runStats) {
	var err error
	switch format {
	case outConfigsource:
		err = writeConfigsource(stdout, r)
	case outJSON:
		err = writeJSON(stdout, r, st)
	default:
		err = writeDatasource(stdout, r, st)
	}
	if err != nil {
		fmt.Fprintf(stderr, "lm-user-hygiene: writing output: %v\n", err)
	}
}

// policy validates the configuration and turns it into the run's policy.
// Every error is one line that names the flag and says what to fix.
func (c *Config) policy() (policy, error) {
	p := policy{command: c.Command, apply: c.Apply, maxChanges: c.MaxChanges, timeBudget: c.TimeBudget}
	switch c.Output {
	case outDatasource, outConfigsource, outJSON:
	default:
		return p, usagef("--output must be datasource, configsource or json, not %q", c.Output)
	}
	if c.MaxChanges < 0 {
		return p, usagef("--max-changes must be 0 or more, not %d", c.MaxChanges)
	}
	if c.TimeBudget <= 0 {
		return p, usagef("--time-budget must be more than 0, such as 90s")
	}
	if !c.Demo {
		if err := c.checkConnection(); err != nil {
			return p, err
		}
	}
	p.suspend = suspend.Options{
		InactiveDays:      c.InactiveDays,
		Activity:          c.Activity,
		SuspendedGroup:    strings.TrimSpace(c.SuspendedGroup),
		ProtectUsers:      suspend.ParseList(c.ProtectUsers),
		ProtectRoles:      suspend.ParseList(c.ProtectRoles),
		MinAdmins:         c.MinAdmins,
		AdminRoles:        suspend.ParseList(c.AdminRoles),
		IncludeAPIUsers:   c.IncludeAPIUsers,
		NeverLoggedIn:     c.NeverLoggedIn,
		MaxSuspendPercent: c.MaxSuspendPercent,
		TokenAccessID:     c.AccessID,
	}
	if err := p.suspend.Validate(); err != nil {
		return p, &usageError{msg: err.Error()}
	}
	roleGroups, err := assign.ParseRoleGroups(c.RoleGroups)
	if err != nil {
		return p, &usageError{msg: err.Error()}
	}
	p.assign = assign.Options{
		RoleGroups:     roleGroups,
		Scope:          c.AssignScope,
		UngroupedGroup: strings.TrimSpace(c.UngroupedGroup),
		SuspendedGroup: p.suspend.SuspendedGroup,
		CreateGroups:   c.CreateGroups,
	}
	if err := p.assign.Validate(); err != nil {
		return p, &usageError{msg: err.Error()}
	}
	return p, nil
}

// checkConnection checks the portal address and the credentials, and turns
// --account into the base URL.
func (c *Config) checkConnection() error {
	switch {
	case c.Account != "" && c.BaseURL != "":
		return usagef("set --account (LM_ACCOUNT) or --base-url (LM_BASE_URL), not both")
	case c.Account == "" && c.BaseURL == "":
		return usagef("no portal: set --account (LM_ACCOUNT) to the portal name, or --base-url (LM_BASE_URL)")
	case c.Account != "":
		u, err := lm.AccountBaseURL(c.Account)
		if err != nil {
			return &usageError{msg: err.Error()}
		}
		c.BaseURL = u
	default:
		u, err := lm.ParseBaseURL(c.BaseURL)
		if err != nil {
			return &usageError{msg: err.Error()}
		}
		c.BaseURL = u
	}
	lmv1 := c.AccessID != "" || c.AccessKey != ""
	switch {
	case lmv1 && c.BearerToken != "":
		return usagef("set an LMv1 token (--access-id, --access-key) or --bearer-token, not both")
	case lmv1 && (c.AccessID == "" || c.AccessKey == ""):
		return usagef("an LMv1 token needs both --access-id (LM_ACCESS_ID) and --access-key (LM_ACCESS_KEY)")
	case !lmv1 && c.BearerToken == "":
		return usagef("no credentials: set --access-id and --access-key (LM_ACCESS_ID, LM_ACCESS_KEY), or --bearer-token (LM_BEARER_TOKEN)")
	}
	return nil
}

// newLogger builds the run's logger: logrus to stderr, text or JSON.
func newLogger(c *Config, w io.Writer) (*logrus.Entry, error) {
	level, err := logrus.ParseLevel(c.LogLevel)
	if err != nil {
		return nil, usagef("--log-level must be one of panic, fatal, error, warn, info, debug, trace, not %q", c.LogLevel)
	}
	l := logrus.New()
	l.SetOutput(w)
	l.SetLevel(level)
	switch c.LogFormat {
	case "text":
		l.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true})
	case "json":
		l.SetFormatter(&logrus.JSONFormatter{})
	default:
		return nil, usagef("--log-format must be text or json, not %q", c.LogFormat)
	}
	return logrus.NewEntry(l).WithField("command", c.Command), nil
}

// secretArgs returns the values given to secret flags on the command line.
func secretArgs(args []string) []string {
	var out []string
	for i, a := range args {
		for _, s := range settings {
			if !s.secret {
				continue
			}
			for _, prefix := range []string{"-" + s.flag, "--" + s.flag} {
				if a == prefix && i+1 < len(args) {
					out = append(out, args[i+1])
				} else if v, ok := strings.CutPrefix(a, prefix+"="); ok {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// redactor is stderr with every known secret replaced. It buffers by line so
// a secret split across writes is still caught.
type redactor struct {
	mu      sync.Mutex
	w       io.Writer
	secrets [][]byte
	buf     []byte
}

func (r *redactor) add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		for _, form := range lm.SecretForms(s) {
			r.secrets = append(r.secrets, []byte(form))
		}
	}
	// Longest first, so that no shorter form is replaced inside a longer one.
	slices.SortStableFunc(r.secrets, func(a, b []byte) int { return len(b) - len(a) })
}

func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	i := bytes.LastIndexByte(r.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	err := r.emit(r.buf[:i+1])
	r.buf = append(r.buf[:0], r.buf[i+1:]...)
	return len(p), err
}

// redact returns s with every known secret replaced, for text that reaches
// stdout, which does not pass through the redactor.
func (r *redactor) redact(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := []byte(s)
	for _, secret := range r.secrets {
		b = bytes.ReplaceAll(b, secret, []byte("[REDACTED]"))
	}
	return string(b)
}

// Flush writes what is left without a trailing newline.
func (r *redactor) Flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) > 0 {
		_ = r.emit(r.buf)
		r.buf = r.buf[:0]
	}
}

func (r *redactor) emit(b []byte) error {
	for _, s := range r.secrets {
		b = bytes.ReplaceAll(b, s, []byte("[REDACTED]"))
	}
	_, err := r.w.Write(b)
	return err
}
