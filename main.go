// Command lm-user-hygiene keeps a LogicMonitor portal's users clean: it
// suspends users who have been inactive too long and moves them to the
// suspended group, and moves fresh single-sign-on users out of the placeholder
// group into the groups of their roles. It plans by default and writes only
// with --apply, and prints key=value lines a collector DataSource reads.
package main

import (
	"bytes"
	"context"
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

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/internal/config"
	"lm-user-hygiene/lm"
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
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// deps are what tests replace: the clock, the HTTP client, the first retry
// delay (0 means the client's default), how long to wait for another run's
// lock on the state file (0 means state.DefaultLockTimeout), what is told
// how many users a run read (the binary sizes its memory limit from it;
// nil in tests, which run in-process), and whether stdout is a terminal
// (nil: it is not).
type deps struct {
	now         func() time.Time
	httpClient  *http.Client
	retryDelay  time.Duration
	lockTimeout time.Duration
	usersRead   func(n int, withState bool)
	isTerminal  func() bool
}

// run is the whole program as the binary runs it; it returns the exit
// status. The tests run it in-process through runWith, with their own deps.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	terminal := func() bool {
		f, ok := stdout.(*os.File)
		return ok && isTerminal(f)
	}
	return runWith(ctx, args, environ, stdout, stderr, deps{now: time.Now, usersRead: limitMemory, isTerminal: terminal})
}

// commands are the commands and the function that runs each.
var commands = map[hygiene.Command]func(context.Context, *session) int{
	hygiene.CommandRun:      runCommand,
	hygiene.CommandSuspend:  runCommand,
	hygiene.CommandAssign:   runCommand,
	hygiene.CommandCheck:    checkCommand,
	hygiene.CommandHistory:  historyCommand,
	hygiene.CommandUndo:     undoCommand,
	hygiene.CommandUpcoming: upcomingCommand,
}

func runWith(ctx context.Context, args, environ []string, stdout, stderr io.Writer, d deps) (code int) {
	env := envMap(environ)
	// Secrets never reach stderr, whatever a log line or error carries.
	errOut := &redactor{w: stderr}
	errOut.add(env["LM_ACCESS_KEY"], env["LM_BEARER_TOKEN"])
	errOut.add(config.SecretValues(args)...)
	defer errOut.Flush()
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(errOut, "lm-user-hygiene: internal error: %v\n", p)
			code = exitFailed
		}
	}()

	start := d.now()
	cfg, err := config.Load(ctx, args, env, start)
	s := &session{start: start, d: d, cfg: cfg, stdout: stdout, stderr: errOut}
	switch {
	case err != nil:
		return s.fail(err, exitConfig)
	case cfg.Help:
		config.WriteHelp(stdout, cfg.HelpCommand)
		return exitOK
	case cfg.Version:
		fmt.Fprintf(stdout, "lm-user-hygiene %s\n", version)
		return exitOK
	}
	s.log = newLogger(cfg, errOut)
	return commands[cfg.Command](ctx, s)
}

// openedState is the run's state file, nil when it runs without one; ok is
// false when one was asked for but cannot be used.
type openedState struct {
	*state.Store
	ok bool
}

// openState opens the state file the settings name. Only a file locked by
// another run stops the run; one that cannot be used is a warning, and the
// run reads an empty memory (grace starts today) and records nothing. A
// missing file is made only once the portal was read. The commands that
// never write (check, upcoming) and a run as of a later day read it, never
// write it.
func openState(cfg *config.Config, log *logrus.Entry, lockTimeout time.Duration) (openedState, error) {
	path, err := cfg.StatePath(cfg.BaseURL)
	if err != nil {
		log.WithField("error", err.Error()).Warn("no state file: this run reads an empty memory (grace starts today) and records nothing")
		return openedState{Store: state.EmptyMemory("")}, nil
	}
	if path == "" {
		return openedState{ok: true}, nil
	}
	readOnly := !cfg.Policy.AsOf.IsZero() || cfg.Command.NeverWrites()
	store, health, err := state.Open(path, state.Options{ReadOnly: readOnly, Snapshot: readOnly, LockTimeout: lockTimeout, CreateAtFirstUse: true})
	if err != nil {
		return openedState{}, err
	}
	if !health.OK {
		log.Warn(health.Warning)
	}
	return openedState{Store: store, ok: health.OK}, nil
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

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
