package main

// The harness of the end-to-end tests: one way to run the program
// (runDeps, in-process through runWith), one way to serve a portal
// (serveEnv, lm/lmfake over loopback), and one build of the binary for the
// tests that need a process of its own (testBinary; skipped with -short).

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/internal/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	testAccessID  = "T3stAcc3ssId0000"
	testAccessKey = "s3cr3t-K3y-that-must-never-be-printed=="
)

// testNow is the fixed clock of the golden tests.
var testNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// result is one run of the program.
type result struct {
	code           int
	stdout, stderr string
	// both is stdout and stderr in the order they were written, as one
	// terminal shows them.
	both string
}

// runDeps runs the program in-process with the dependencies d.
func runDeps(t testing.TB, ctx context.Context, d deps, env []string, args ...string) result {
	t.Helper()
	var out, errb, both bytes.Buffer
	code := runWith(ctx, args, env, io.MultiWriter(&out, &both), io.MultiWriter(&errb, &both), d)
	return result{code: code, stdout: out.String(), stderr: errb.String(), both: both.String()}
}

// runAt runs the program with its clock stopped at now.
func runAt(t testing.TB, now time.Time, env []string, args ...string) result {
	t.Helper()
	return runDeps(t, context.Background(), deps{now: func() time.Time { return now }}, env, args...)
}

// runNow runs the program as main does, but in-process.
func runNow(t testing.TB, env []string, args ...string) result {
	t.Helper()
	return runDeps(t, context.Background(), deps{now: time.Now}, env, args...)
}

// servePortal serves h on loopback until the test ends and returns the
// API base URL a run is pointed at.
func servePortal(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/santaba/rest"
}

// serveEnv serves h on loopback and returns the environment of a run
// against it. Runs are stateless unless a test gives --state: the rules of
// a single run are checked without the memory of earlier ones.
func serveEnv(t testing.TB, h http.Handler) []string {
	t.Helper()
	return []string{"LM_BASE_URL=" + servePortal(t, h), "LM_ACCESS_ID=" + testAccessID, "LM_ACCESS_KEY=" + testAccessKey, "LMUH_STATE=off"}
}

// binary is the program built once for every test that runs it as a process.
var binary struct {
	once sync.Once
	path string
	err  error
}

// testBinary is the program built as the release is (static, -trimpath,
// -s -w), once for the whole test binary. A test that needs it is slow: it
// is skipped with -short.
func testBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	binary.once.Do(func() {
		binary.path, binary.err = goBuild(".", filepath.Join(testDir, "lm-user-hygiene"))
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// goBuild builds the program in pkgDir into the file out, as the release is
// built.
func goBuild(pkgDir, out string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(goTool, "build", "-trimpath", "-ldflags", "-s -w", "-o", out, ".")
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{err: err, out: string(msg)}
	}
	return out, nil
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// datasourceKeys are the datasource output's keys in their order.
var datasourceKeys = func() []string {
	keys := make([]string, len(hygiene.Datapoints))
	for i, d := range hygiene.Datapoints {
		keys[i] = d.Name
	}
	return keys
}()

// datasource parses key=value lines, failing the test on anything else.
func datasource(t testing.TB, out string) map[string]int {
	t.Helper()
	m := map[string]int{}
	var keys []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("datasource line %q is not key=value", line)
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("datasource value %s=%q is not numeric", k, v)
		}
		m[k] = int(f)
		keys = append(keys, k)
	}
	if strings.Join(keys, ",") != strings.Join(datasourceKeys, ",") {
		t.Fatalf("datasource keys or their order changed:\n got %v\nwant %v", keys, datasourceKeys)
	}
	return m
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (go test -run TestGolden -update rewrites it):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// jsonOut is the part of the json output the end-to-end tests read.
type jsonOut struct {
	Success bool                   `json:"success"`
	Error   string                 `json:"error"`
	Counts  map[string]json.Number `json:"counts"`
	Users   []struct {
		ID       int    `json:"id"`
		Username string `json:"username"`
		Suspend  *struct {
			Action, Outcome, Signal string
		} `json:"suspend"`
		Assign *struct {
			Action, Outcome string
		} `json:"assign"`
		Change *struct {
			Kind     string `json:"kind"`
			Result   string `json:"result"`
			Status   string `json:"status"`
			GroupIDs []int  `json:"group_ids"`
		} `json:"change"`
	} `json:"users"`
}

func parseJSON(t testing.TB, s string) jsonOut {
	t.Helper()
	var j jsonOut
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		t.Fatalf("json output: %v\n%s", err, s)
	}
	return j
}

// The settings as the module tests read them.
type setting struct{ flag, env, def string }

var settings = func() []setting {
	var out []setting
	for _, s := range config.Settings() {
		out = append(out, setting{flag: s.Flag, env: s.Env, def: s.Default})
	}
	return out
}()

// The commands and outputs by name, untyped so that they compare with a
// hygiene.Command or an output.Format as with a string.
const (
	cmdRun          = "run"
	cmdSuspend      = "suspend"
	cmdAssign       = "assign"
	cmdCheck        = "check"
	outDatasource   = "datasource"
	outConfigsource = "configsource"
	outJSON         = "json"
	outText         = "text"
)

// Config is the settings of a run.
type Config = config.Config

// loadPolicy reads a command line and environment as the program does.
func loadPolicy(args []string, env map[string]string) (*config.Config, hygiene.Policy, error) {
	cfg, err := config.Load(context.Background(), args, env, time.Now())
	return cfg, cfg.Policy, err
}

// testDir holds what the tests share: the state files of runs with --state
// auto (the user's cache directory) and the built binary.
var testDir string

// TestMain keeps the state files of the runs under test (--state auto) out
// of the user's cache directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lmuh-test-")
	if err != nil {
		panic(err)
	}
	testDir = dir
	os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
