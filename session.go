package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/internal/config"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/output"
)

// session is one invocation once its configuration is read: what every
// command needs to reach the portal and print its output.
type session struct {
	start  time.Time
	d      deps
	cfg    *config.Config
	log    *logrus.Entry
	stdout io.Writer
	stderr *redactor
	client *lm.Client
	// portal is the API base URL the session connected to.
	portal string
	// demo is the demo's portal with --demo; nil otherwise.
	demo *demoPortal
}

// fail says why the invocation could not go on, prints the output of a run
// that did not happen, and returns code. Bad configuration prints only what
// a machine reads (datasource, json); on a terminal the error comes last,
// under the datapoints, where a person sees it.
func (s *session) fail(err error, code int) int {
	line := fmt.Sprintf("lm-user-hygiene: %v\n", err)
	if s.d.isTerminal != nil && s.d.isTerminal() {
		defer io.WriteString(s.stderr, line)
	} else {
		io.WriteString(s.stderr, line)
	}
	if f := s.cfg.Output; code == exitConfig && f != output.FormatDatasource && f != output.FormatJSON {
		return code
	}
	if s.cfg.Command == hygiene.CommandUpcoming {
		// upcoming prints its list or nothing: whatever a failed discovery
		// printed, the portal would take for the list.
		return code
	}
	// A message may repeat a value given in the wrong place, a secret too;
	// stdout does not pass through the redactor.
	r := hygiene.Failed(s.cfg.Policy, errors.New(s.stderr.redact(err.Error())))
	s.print(r, hygiene.Stats{Duration: s.d.now().Sub(s.start)})
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

// print writes the report in the chosen output to stdout; a failure to
// write is said on stderr.
func (s *session) print(r *hygiene.Report, st hygiene.Stats) {
	if err := output.Write(s.stdout, s.cfg.Output, r, st); err != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: %v\n", err)
	}
}

// finish prints the report of a run or an undo and returns its exit status.
func (s *session) finish(r *hygiene.Report, what string) int {
	st := s.stats()
	s.print(r, st)
	if r.Failure != nil {
		fmt.Fprintf(s.stderr, "lm-user-hygiene: %v\n", r.Failure)
		return exitFailed
	}
	s.log.WithFields(logrus.Fields{"duration": st.Duration.Round(time.Millisecond).String(), "api_requests": st.Requests}).Info(what + " completed")
	return exitOK
}

// connect makes the runner of the session: the portal's client (or the
// demo's), without its memory.
func (s *session) connect() (*hygiene.Runner, error) {
	cfg := s.cfg
	conn := lm.Config{BaseURL: cfg.BaseURL, AccessID: cfg.AccessID, AccessKey: cfg.AccessKey, BearerToken: cfg.BearerToken}
	if cfg.Demo {
		demo, err := startDemo(s.d.now(), s.stderr)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		s.demo = demo
		s.stderr.add(demo.accessKey)
		conn = lm.Config{BaseURL: demo.baseURL, AccessID: config.DemoAccessID, AccessKey: demo.accessKey}
	}
	conn.HTTPClient, conn.RetryBaseDelay, conn.Logger, conn.Now = s.d.httpClient, s.d.retryDelay, s.log, s.d.now
	conn.UserAgent = "lm-user-hygiene/" + version
	client, err := lm.New(conn)
	if err != nil {
		return nil, config.Usagef("%v", err)
	}
	s.client, s.portal = client, conn.BaseURL
	if cfg.BearerToken != "" && cfg.Policy.RunsSuspend() {
		s.log.Warn("with a bearer token the token's owner cannot be identified: protect it with --protect-users")
	}
	return &hygiene.Runner{Portal: client, Log: s.log, Now: s.d.now}, nil
}

// open connects and gives the runner its memory, for a command that plans
// (run, check, upcoming); done ends both. code is the exit status of a
// failure, already reported, 0 when the runner is ready.
func (s *session) open(ctx context.Context) (runner *hygiene.Runner, done func(), code int) {
	runner, err := s.connect()
	if err != nil {
		return nil, s.demo.Close, s.fail(err, exitFor(err))
	}
	store, err := s.remember(ctx, runner)
	if err != nil {
		return nil, s.demo.Close, s.fail(err, exitFailed)
	}
	return runner, func() { store.Close(); s.demo.Close() }, 0
}

// remember gives the runner the state file the settings name (the demo's
// throwaway file with --demo), and returns what closes it.
func (s *session) remember(ctx context.Context, runner *hygiene.Runner) (io.Closer, error) {
	var store openedState
	var err error
	if s.demo != nil {
		store, err = s.demo.openState(ctx, runner, s.cfg)
	} else {
		store, err = openState(s.cfg, s.log, s.d.lockTimeout)
	}
	if err != nil {
		return nil, err
	}
	runner.MemoryOK = store.ok
	if store.Store != nil {
		runner.Memory = store.Store
	}
	if s.d.usersRead != nil {
		withState := store.Store != nil
		runner.UsersRead = func(n int) { s.d.usersRead(n, withState) }
	}
	return store, nil
}

// newLogger builds the run's logger: logrus to stderr, text or JSON.
func newLogger(c *config.Config, w io.Writer) *logrus.Entry {
	l := logrus.New()
	l.SetOutput(w)
	l.SetLevel(c.Level)
	if c.LogFormat == "json" {
		l.SetFormatter(&logrus.JSONFormatter{})
	} else {
		l.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true})
	}
	return logrus.NewEntry(l).WithField("command", string(c.Command))
}

// exitFor is the exit status of an error before a run: bad configuration
// (2) or a run that could not complete (1).
func exitFor(err error) int {
	var usage *config.UsageError
	if errors.As(err, &usage) || hygiene.IsUnknownRun(err) {
		return exitConfig
	}
	return exitFailed
}
