package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm/lmfake"
)

// The Groovy modules' scripts run here under real Groovy (Debian's groovy,
// 2.4 like older collectors) with a stand-in hostProps, against the real
// binary and a simulated portal on loopback.

// groovyRunner evaluates a module's script the way a collector does: with
// the device's properties as the binding variable hostProps, and the
// script's return value as the exit status.
const groovyRunner = `
import groovy.json.JsonSlurper
def props = new JsonSlurper().parse(new File(args[0]))
def hostProps = new HashMap(props)
def result = new GroovyShell(new Binding([hostProps: hostProps])).evaluate(new File(args[1]))
System.out.flush()
System.exit(result as int)
`

// groovyEnv finds groovy and a JDK for it, or skips the test saying what is
// missing: a test that cannot run must not pass in silence.
func groovyEnv(t *testing.T) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the modules under real Groovy; skipped with -short")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the Groovy module tests use POSIX shell stand-ins; skipped on Windows")
	}
	if _, err := exec.LookPath("groovy"); err != nil {
		t.Skip("groovy is not installed (apt-get install groovy): the Groovy modules were not run")
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java is not installed: the Groovy modules were not run")
	}
	env := os.Environ()
	if os.Getenv("JAVA_HOME") == "" {
		// Debian's groovy looks for /usr/lib/jvm/default-java, which a
		// machine with only a JDK may lack: the JDK is two levels above java.
		real, err := filepath.EvalSymlinks(java)
		if err != nil {
			t.Skipf("cannot resolve %s: %v", java, err)
		}
		env = append(env, "JAVA_HOME="+filepath.Dir(filepath.Dir(real)))
	}
	return env
}

// groovyFixture is what every Groovy run shares: the built binary, the
// simulated portal, and the runner.
type groovyFixture struct {
	dir, binary, runner, baseURL string
	env                          []string
}

func newGroovyFixture(t *testing.T, users int) *groovyFixture {
	t.Helper()
	env := groovyEnv(t)
	dir := t.TempDir()
	f := &groovyFixture{dir: dir, binary: testBinary(t), runner: filepath.Join(dir, "runner.groovy"), env: env}
	if err := os.WriteFile(f.runner, []byte(groovyRunner), 0o600); err != nil {
		t.Fatal(err)
	}
	portal := lmfake.NewSample(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey},
		lmfake.SampleOptions{Users: users, Now: time.Now(), Seed: 7, WithSuspendedGroup: true})
	f.baseURL = servePortal(t, portal)
	return f
}

// recorder writes a stand-in for the binary that records its arguments and
// environment, then runs the real binary in its place.
func (f *groovyFixture) recorder(t *testing.T, name string) (path, argvFile, envFile string) {
	t.Helper()
	path = filepath.Join(f.dir, name)
	argvFile, envFile = writeRecorder(t, path, f.binary)
	return path, argvFile, envFile
}

// writeRecorder writes, at path, a stand-in for binary that records its
// arguments and environment in path.argv and path.env, then runs binary in
// its place.
func writeRecorder(t *testing.T, path, binary string) (argvFile, envFile string) {
	t.Helper()
	argvFile, envFile = path+".argv", path+".env"
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$@\" > '%s'\nenv > '%s'\nexec '%s' \"$@\"\n", argvFile, envFile, binary)
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return argvFile, envFile
}

type groovyResult struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// run evaluates the embedded Groovy of module, as its XML file carries it,
// with props as hostProps. extraEnv is added to the collector's own
// environment.
func (f *groovyFixture) run(t *testing.T, module string, props map[string]any, extraEnv ...string) groovyResult {
	t.Helper()
	return runGroovy(t, f.dir, f.runner, module, groovyScript(t, module), props, append(slices.Clone(f.env), extraEnv...))
}

// runGroovy runs a module's script under groovy through runner, the device
// having the properties props, with env as the process environment; name
// names the files it writes in dir.
func runGroovy(t *testing.T, dir, runner, name, script string, props map[string]any, env []string) groovyResult {
	t.Helper()
	file := filepath.Join(dir, name+".groovy")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(props)
	if err != nil {
		t.Fatal(err)
	}
	propsFile := filepath.Join(dir, name+".props.json")
	if err := os.WriteFile(propsFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "groovy", runner, propsFile, file)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err = cmd.Run()
	res := groovyResult{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	if exitErr, ok := err.(*exec.ExitError); ok {
		res.code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("groovy: %v\n%s", err, errb.String())
	}
	if ctx.Err() != nil {
		t.Fatalf("groovy did not finish in 3 minutes: a pipe may be stuck\nstderr: %s", res.stderr)
	}
	return res
}

// readLines reads a file the recorder wrote, one entry a line.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the binary was not run: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
}

// envOf reads the environment the recorder saw into a map.
func envOf(t *testing.T, path string) map[string]string {
	t.Helper()
	return envMap(readLines(t, path))
}

// deviceProps are a device's properties as a collector would hand them:
// the connection, policy values with spaces, one left as its unreplaced
// token, one empty; every other property is absent (null).
func (f *groovyFixture) deviceProps(binary string) map[string]any {
	return map[string]any{
		"lmuh.binary":              binary,
		"lmuh.base-url":            f.baseURL,
		"lmaccess.id":              testAccessID,
		"lmaccess.key":             testAccessKey,
		"lmuh.protect-users":       "breakglass*, ops admin",
		"lmuh.role-groups":         "netops=Network Operations;readonly=Viewers;manager=Managers",
		"lmuh.max-changes":         "100000",
		"lmuh.state":               "off",
		"lmuh.suspended-group":     "##lmuh.suspended-group##",
		"lmuh.warn-days":           "",
		"lmuh.max-suspend-percent": "100",
	}
}

func TestGroovyModules(t *testing.T) {
	f := newGroovyFixture(t, 200)
	recorder, argvFile, envFile := f.recorder(t, "recorder")

	for _, gm := range groovyModules {
		name := gm.module
		t.Run(name+" passes the token and the policy in the environment, never in argv", func(t *testing.T) {
			props := f.deviceProps(recorder)
			props["lmuh.apply"] = "true"
			// The collector's own environment chooses nothing.
			res := f.run(t, gm.module, props, "LMUH_APPLY=true", "LMUH_MAX_CHANGES=1", "LM_BEARER_TOKEN=lmb_stray")
			if res.code != 0 {
				t.Fatalf("exit %d\nstdout %s\nstderr %s", res.code, res.stdout, res.stderr)
			}
			argv := readLines(t, argvFile)
			if want := []string{gm.command, "--output=" + gm.output}; !slices.Equal(argv, want) {
				t.Errorf("argv %q, want %q", argv, want)
			}
			if strings.Contains(strings.Join(argv, " "), testAccessKey) {
				t.Error("the access key is in argv")
			}
			env := envOf(t, envFile)
			// The ConfigSource records the policy the DataSource runs,
			// lmuh.apply included; check never writes.
			wantApply := "true"
			for k, want := range map[string]string{
				"LM_BASE_URL": f.baseURL, "LM_ACCESS_ID": testAccessID, "LM_ACCESS_KEY": testAccessKey,
				"LMUH_PROTECT_USERS": "breakglass*, ops admin", "LMUH_ROLE_GROUPS": "netops=Network Operations;readonly=Viewers;manager=Managers",
				"LMUH_MAX_CHANGES": "100000", "LMUH_STATE": "off", "LMUH_APPLY": wantApply,
			} {
				if env[k] != want {
					t.Errorf("%s=%q, want %q", k, env[k], want)
				}
			}
			for _, k := range []string{"LMUH_SUSPENDED_GROUP", "LMUH_WARN_DAYS", "LM_ACCOUNT", "LM_BEARER_TOKEN", "LMUH_INACTIVE_DAYS"} {
				if v, ok := env[k]; ok {
					t.Errorf("%s=%q reached the binary; an unset, empty or unreplaced property must be left out", k, v)
				}
			}
			if strings.Contains(res.stdout+res.stderr, testAccessKey) {
				t.Error("the access key is in the script's output")
			}
			switch gm.output {
			case outDatasource:
				ds := datasource(t, res.stdout)
				if ds["run_success"] != 1 || ds["dry_run"] != 0 || ds["users_total"] != 200 {
					t.Errorf("run_success=%d dry_run=%d users_total=%d", ds["run_success"], ds["dry_run"], ds["users_total"])
				}
			case outConfigsource:
				if !strings.HasPrefix(res.stdout, "# lm-user-hygiene") || !strings.Contains(res.stdout, "policy.apply=true\n") ||
					!strings.Contains(res.stdout, "policy.suspend.protect_users=breakglass*,ops admin\n") {
					t.Errorf("not the snapshot of the policy in force:\n%.600s", res.stdout)
				}
			}
		})

		t.Run(name+" reports a run that could not complete", func(t *testing.T) {
			props := f.deviceProps(recorder)
			props["lmaccess.key"] = "wrong-key-" + testAccessKey[:4]
			res := f.run(t, gm.module, props)
			if res.code != 1 {
				t.Errorf("exit %d, want 1 (the binary's)", res.code)
			}
			if !strings.Contains(res.stderr, "lm-user-hygiene exited 1:") || !strings.Contains(res.stderr, "authentication failed") {
				t.Errorf("stderr does not say why:\n%s", res.stderr)
			}
			switch gm.output {
			case outDatasource:
				if ds := datasource(t, res.stdout); ds["run_success"] != 0 {
					t.Errorf("run_success=%d", ds["run_success"])
				}
			case outConfigsource:
				if res.stdout != "" {
					t.Errorf("a failed snapshot printed %q: the portal would record a false diff", res.stdout)
				}
			}
		})

		t.Run(name+" reports a binary that is missing", func(t *testing.T) {
			res := f.run(t, gm.module, f.deviceProps(filepath.Join(f.dir, "no-such-binary")))
			if res.code != 127 || !strings.Contains(res.stderr, "set the lmuh.binary property") {
				t.Errorf("exit %d, stderr %s", res.code, res.stderr)
			}
		})

		t.Run(name+" stops a run that hangs and says so", func(t *testing.T) {
			sleeper := filepath.Join(f.dir, "sleeper")
			if err := os.WriteFile(sleeper, []byte("#!/bin/sh\nexec sleep 60\n"), 0o700); err != nil {
				t.Fatal(err)
			}
			props := f.deviceProps(sleeper)
			props["lmuh.timeout"] = "2"
			res := f.run(t, gm.module, props)
			if res.code != 124 || !strings.Contains(res.stderr, "did not finish within 2 s and was stopped") {
				t.Errorf("exit %d, stderr %s", res.code, res.stderr)
			}
			if res.took > 40*time.Second {
				t.Errorf("took %v: the hung program was not stopped at the timeout", res.took)
			}
			if gm.output == outDatasource && strings.TrimSpace(res.stdout) != "run_success=0" {
				t.Errorf("stdout %q, want run_success=0", res.stdout)
			}
		})
	}
}

// TestGroovyConfigSourceTakesCheckFindingsAsAConfig: check exits 3 when
// something needs attention, and the snapshot it printed is the config all
// the same; any other failure prints nothing, so the portal records no false
// diff.
func TestGroovyConfigSourceTakesCheckFindingsAsAConfig(t *testing.T) {
	f := newGroovyFixture(t, 10)
	for _, tc := range []struct {
		exit       int
		wantCode   int
		wantStdout string
	}{
		{0, 0, "policy.apply=false\n"},
		{3, 0, "policy.apply=false\n"},
		{1, 1, ""},
		{2, 1, ""},
	} {
		t.Run(fmt.Sprintf("exit %d", tc.exit), func(t *testing.T) {
			stub := filepath.Join(f.dir, fmt.Sprintf("check-exits-%d", tc.exit))
			script := fmt.Sprintf("#!/bin/sh\nprintf 'policy.apply=false\\n'\nexit %d\n", tc.exit)
			if err := os.WriteFile(stub, []byte(script), 0o700); err != nil {
				t.Fatal(err)
			}
			res := f.run(t, configSourceModule, f.deviceProps(stub))
			if res.code != tc.wantCode || res.stdout != tc.wantStdout {
				t.Errorf("exit %d, stdout %q; want exit %d, stdout %q\nstderr %s", res.code, res.stdout, tc.wantCode, tc.wantStdout, res.stderr)
			}
		})
	}
}

// TestGroovyReadsALongLogWithoutStalling: a program that writes more to
// stderr than a pipe holds (64 KiB on Linux) stops until someone reads it;
// the scripts read both pipes while it runs.
func TestGroovyReadsALongLogWithoutStalling(t *testing.T) {
	f := newGroovyFixture(t, 3000)
	props := f.deviceProps(f.binary)
	props["lmuh.log-level"] = "debug"
	props["lmuh.max-changes"] = "5"

	// The same run straight from Go proves the log is long enough to matter.
	direct := exec.Command(f.binary, "run", "--output=datasource")
	direct.Env = []string{"LM_BASE_URL=" + f.baseURL, "LM_ACCESS_ID=" + testAccessID, "LM_ACCESS_KEY=" + testAccessKey,
		"LMUH_LOG_LEVEL=debug", "LMUH_MAX_CHANGES=5", "LMUH_STATE=off", "LMUH_MAX_SUSPEND_PERCENT=100",
		"LMUH_PROTECT_USERS=breakglass*, ops admin", "LMUH_ROLE_GROUPS=netops=Network Operations;readonly=Viewers;manager=Managers"}
	var stderr bytes.Buffer
	direct.Stderr = &stderr
	if err := direct.Run(); err != nil {
		t.Fatalf("direct run: %v\n%.2000s", err, stderr.String())
	}
	if stderr.Len() <= 64<<10 {
		t.Fatalf("the binary logged only %d bytes: the test needs more than a pipe's 64 KiB", stderr.Len())
	}

	for _, gm := range groovyModules {
		res := f.run(t, gm.module, props)
		if res.code != 0 {
			t.Errorf("%s: exit %d\nstderr %.2000s", gm.module, res.code, res.stderr)
			continue
		}
		if gm.output == outDatasource {
			if ds := datasource(t, res.stdout); ds["run_success"] != 1 || ds["pending"] == 0 {
				t.Errorf("%s: run_success=%d pending=%d", gm.module, ds["run_success"], ds["pending"])
			}
		}
	}
}
