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
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/output"
	"lm-user-hygiene/state"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitConfig = 2
	// exitAttention is check finding something that needs the admin.
	exitAttention = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	usersRead = limitMemory
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// deps are what tests replace: the clock, the HTTP client, the first retry
// delay (0 means the client's default) and how long to wait for another
// run's lock on the state file (0 means state.DefaultLockTimeout).
type deps struct {
	now         func() time.Time
	httpClient  *http.Client
	retryDelay  time.Duration
	lockTimeout time.Duration
}

// run is the whole program; it returns the exit status.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, environ, stdout, stderr, deps{now: time.Now})
}

func runWith(ctx context.Context, args, environ []string, stdout, stderr io.Writer, d deps) (code int) {
	env := envMap(environ)
	// Secrets never reach stderr, whatever a log line or error carries.
	errOut := &redactor{w: stderr}
	errOut.add(env["LM_ACCESS_KEY"], env["LM_BEARER_TOKEN"])
	errOut.add(secretValues(args)...)
	defer errOut.Flush()
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(errOut, "lm-user-hygiene: internal error: %v\n", p)
			code = exitFailed
		}
	}()

	s := &session{start: d.now(), d: d, stdout: stdout, stderr: errOut, format: output.FormatDatasource}
	cfg, err := loadConfig(ctx, args, env)
	switch {
	case err == nil && cfg.Help && cfg.Command == cmdUpcoming:
		writeUpcomingHelp(stdout)
		return exitOK
	case err == nil && cfg.Help:
		writeHelp(stdout)
		return exitOK
	case err == nil && cfg.Version:
		fmt.Fprintf(stdout, "lm-user-hygiene %s\n", version)
		return exitOK
	case cfg != nil && cfg.Command == cmdUpcoming:
		// upcoming prints nothing but its list: a failure prints nothing.
		s.format = ""
	case cfg != nil && slices.Contains([]string{outConfigsource, outJSON, outText}, cfg.Output):
		s.format = output.Format(cfg.Output)
	}
	if err == nil {
		s.cfg = cfg
		s.pol, s.log, err = cfg.prepare(errOut)
	}
	if err == nil {
		// The past is not planned, it happened: only the run's clock says
		// which days are past.
		err = cfg.checkAsOf(d.now())
	}
	if err != nil {
		return s.fail(err, exitConfig)
	}
	if cfg.Command == cmdHistory {
		return runHistory(cfg, stdout, errOut, d)
	}
	return s.run(ctx)
}

// session is one invocation once its configuration is read: what every
// command needs to reach the portal and print its output.
type session struct {
	start  time.Time
	d      deps
	cfg    *Config
	pol    hygiene.Policy
	log    *logrus.Entry
	stdout io.Writer
	stderr *redactor
	format output.Format
	client *lm.Client
}

// fail says why the invocation could not go on, prints the output of a run
// that did not happen, and returns code.
func (s *session) fail(err error, code int) int {
	fmt.Fprintf(s.stderr, "lm-user-hygiene: %v\n", err)
	// A message may repeat a value given in the wrong place, a secret too;
	// stdout does not pass through the redactor.
	if s.format == "" {
		return code
	}
	r := hygiene.Failed(s.pol, errors.New(s.stderr.redact(err.Error())))
	printReport(s.stdout, s.stderr, s.format, r, hygiene.Stats{Duration: s.d.now().Sub(s.start)})
	return code
}

// stats are the run's figures so far.
func (s *session) stats() hygiene.Stats {
	st := hygiene.Stats{Duration: s.d.now().Sub(s.start)}
	if s.client != nil {
		c := s.client.Stats()
		st.Requests, st.Retries = c.Requests, c.Retries
	}
	return st
}

// run connects to the portal (or the demo's) and runs the command.
func (s *session) run(ctx context.Context) int {
	cfg := s.cfg
	var demo *demoPortal
	if cfg.Demo {
		var err error
		if demo, err = startDemo(s.d.now(), s.stderr); err != nil {
			fmt.Fprintf(s.stderr, "lm-user-hygiene: demo: %v\n", err)
			return exitFailed
		}
		defer demo.Close()
		demo.configure(cfg, &s.pol)
		s.stderr.add(demo.accessKey)
	}
	switch cfg.Command {
	case cmdCheck:
		// check plans both steps and never writes, whatever --apply says.
		s.pol.Command, s.pol.Apply = hygiene.CommandRun, false
	case cmdUpcoming:
		// upcoming lists the suspend step's decisions, made as run makes
		// them, and never writes, whatever --apply says.
		s.pol.Command, s.pol.Apply = hygiene.CommandSuspend, false
	}
	client, err := newClient(cfg, s.log, s.d)
	if err != nil {
		return s.fail(err, exitConfig)
	}
	s.client = client
	if cfg.BearerToken != "" && s.pol.RunsSuspend() {
		s.log.Warn("with a bearer token the token's owner cannot be identified: protect it with --protect-users")
	}
	runner := &hygiene.Runner{Portal: client, Log: s.log, Now: s.d.now}
	if cfg.Command == cmdUndo {
		return s.undo(ctx, runner)
	}
	store, err := openState(cfg, s.pol, s.log, s.d.lockTimeout)
	if err != nil {
		return s.fail(err, exitFailed)
	}
	defer store.Close()
	runner.MemoryOK = store.ok
	if store.Store != nil {
		runner.Memory = store.Store
	}
	if usersRead != nil {
		withState := store.Store != nil
		runner.UsersRead = func(n int) { usersRead(n, withState) }
	}
	if demo != nil {
		demo.giveNotice(ctx, runner, s.pol)
	}
	r := runner.Run(ctx, s.pol)
	if cfg.Command == cmdCheck {
		if cfg.Output == outConfigsource {
			return printCheckConfigsource(s.stdout, s.stderr, cfg, r)
		}
		return printCheck(s.stdout, s.stderr, cfg, r)
	}
	if cfg.Command == cmdUpcoming {
		return s.upcoming(r)
	}
	st := s.stats()
	if demo != nil {
		var undone *hygiene.Report
		if store.Store != nil && r.Failure == nil {
			undone = demo.undoLast(ctx, runner, s.pol, store.Store)
		}
		defer func() { printDemoSummary(s.stderr, r, undone) }()
	}
	printReport(s.stdout, s.stderr, s.format, r, st)
	if r.Failure != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: %v\n", r.Failure)
		return exitFailed
	}
	s.log.WithFields(logrus.Fields{"duration": st.Duration.Round(time.Millisecond).String(), "api_requests": st.Requests}).Info("run completed")
	return exitOK
}

// prepare turns the configuration into the run's policy and logger.
func (c *Config) prepare(stderr io.Writer) (hygiene.Policy, *logrus.Entry, error) {
	pol, err := c.policy()
	if err != nil {
		return pol, nil, err
	}
	log, err := newLogger(c, stderr)
	return pol, log, err
}

// newClient is the portal's API client, as the configuration and the test
// dependencies say.
func newClient(cfg *Config, log *logrus.Entry, d deps) (*lm.Client, error) {
	return lm.New(lm.Config{
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
}

// openedState is the run's state file, nil when it runs without one; ok is
// false when one was asked for but cannot be used.
type openedState struct {
	*state.Store
	ok bool
}

// openState opens the state file the settings name; an existing file is
// locked now, before the portal is read, and a missing one is made at its
// first use, once the portal has been read. Only a file locked by another
// run stops the run; one that cannot be used (or named) is a warning, and
// the run reads an empty memory: grace from today, nothing recorded. A run
// as of a later day, and check, read it, never write.
func openState(cfg *Config, pol hygiene.Policy, log *logrus.Entry, lockTimeout time.Duration) (openedState, error) {
	path, err := cfg.statePath(cfg.BaseURL)
	if err != nil {
		log.WithField("error", err.Error()).Warn("no state file: this run reads an empty memory (grace starts today) and records nothing")
		return openedState{Store: state.EmptyMemory("")}, nil
	}
	if path == "" {
		return openedState{ok: true}, nil
	}
	// upcoming --demo writes the demo's throwaway file: the notice the demo
	// gave before is its history.
	readOnly := !pol.AsOf.IsZero() || cfg.Command == cmdCheck || cfg.Command == cmdUpcoming && !cfg.Demo
	store, health, err := state.Open(path, state.Options{ReadOnly: readOnly, LockTimeout: lockTimeout, CreateAtFirstUse: true})
	if err != nil {
		return openedState{}, err
	}
	if !health.OK {
		log.Warn(health.Warning)
	}
	return openedState{Store: store, ok: health.OK}, nil
}

// printCheck prints what check found, as text or (--output json) JSON, and
// returns its exit status: 1 when the portal could not be read, 3 when
// something needs attention.
func printCheck(stdout, stderr io.Writer, cfg *Config, r *hygiene.Report) int {
	c := hygiene.Check(r, hygiene.CheckInput{BaseURL: cfg.BaseURL, Bearer: cfg.BearerToken != ""})
	write := output.WriteCheckText
	if cfg.Output == outJSON {
		write = output.WriteCheckJSON
	}
	if err := write(stdout, c); err != nil {
		fmt.Fprintf(stderr, "lm-user-hygiene: writing output: %v\n", err)
	}
	switch {
	case c.Error != "":
		fmt.Fprintf(stderr, "lm-user-hygiene: %s\n", c.Error)
		return exitFailed
	case c.Attention:
		return exitAttention
	}
	return exitOK
}

// printCheckConfigsource prints what run --output configsource prints in
// plan mode with the same settings (the policy's apply as --apply says; the
// check itself wrote nothing), and returns check's exit status.
func printCheckConfigsource(stdout, stderr io.Writer, cfg *Config, r *hygiene.Report) int {
	c := hygiene.Check(r, hygiene.CheckInput{BaseURL: cfg.BaseURL, Bearer: cfg.BearerToken != ""})
	r.Policy.Apply = cfg.Apply
	if err := output.Write(stdout, output.FormatConfigsource, r, hygiene.Stats{}); err != nil {
		fmt.Fprintf(stderr, "lm-user-hygiene: writing output: %v\n", err)
	}
	switch {
	case c.Error != "":
		fmt.Fprintf(stderr, "lm-user-hygiene: %s\n", c.Error)
		return exitFailed
	case c.Attention:
		return exitAttention
	}
	return exitOK
}

// printReport writes the report in the chosen format to stdout; a failure to
// write is said on stderr.
func printReport(stdout, stderr io.Writer, f output.Format, r *hygiene.Report, st hygiene.Stats) {
	if err := output.Write(stdout, f, r, st); err != nil {
		fmt.Fprintf(stderr, "lm-user-hygiene: %v\n", err)
	}
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
