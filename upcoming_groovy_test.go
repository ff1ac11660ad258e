package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm/lmfake"
)

// LM_User_Hygiene_Upcoming's two scripts, discovery and collection, run here
// under real Groovy (Debian's groovy, 2.4 like older collectors) with a
// stand-in hostProps, against the built binary and a simulated portal on
// loopback. Slow (a build and a JVM per run): skipped under go test -short.

type upcomingGroovy struct {
	dir, binary, runner, baseURL string
	env                          []string
	portal                       *lmfake.Portal
}

func newUpcomingGroovy(t *testing.T) *upcomingGroovy {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the module's Groovy under real Groovy: not with -short")
	}
	env := groovyEnv(t)
	dir := t.TempDir()
	g := &upcomingGroovy{dir: dir, binary: testBinary(t), runner: filepath.Join(dir, "runner.groovy"), env: env}
	if err := os.WriteFile(g.runner, []byte(groovyRunner), 0o600); err != nil {
		t.Fatal(err)
	}
	g.portal = lmfake.NewSample(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey},
		lmfake.SampleOptions{Users: 120, Now: time.Now(), Seed: 5, WithSuspendedGroup: true, WithLifecycle: true})
	g.baseURL = servePortal(t, g.portal)
	return g
}

// props are the collector device's properties: the connection and the
// policy, one left as its unreplaced token, one empty.
func (g *upcomingGroovy) props(binary string) map[string]any {
	return map[string]any{
		"lmuh.binary":              binary,
		"lmuh.base-url":            g.baseURL,
		"lmaccess.id":              testAccessID,
		"lmaccess.key":             testAccessKey,
		"lmuh.protect-users":       "breakglass*",
		"lmuh.role-groups":         "netops=Network Operations;readonly=Viewers;manager=Managers",
		"lmuh.state":               "off",
		"lmuh.max-suspend-percent": "100",
		"lmuh.suspended-group":     "##lmuh.suspended-group##",
		"lmuh.warn-days":           "",
	}
}

// direct is the binary run by hand with what the props put in its
// environment: what the script must print.
func (g *upcomingGroovy) direct(t *testing.T, output string) string {
	t.Helper()
	cmd := exec.Command(g.binary, "upcoming", "--output="+output)
	cmd.Env = []string{"LM_BASE_URL=" + g.baseURL, "LM_ACCESS_ID=" + testAccessID, "LM_ACCESS_KEY=" + testAccessKey,
		"LMUH_PROTECT_USERS=breakglass*", "LMUH_ROLE_GROUPS=netops=Network Operations;readonly=Viewers;manager=Managers",
		"LMUH_STATE=off", "LMUH_MAX_SUSPEND_PERCENT=100"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("upcoming --output=%s: %v\n%s", output, err, errb.String())
	}
	return out.String()
}

// run evaluates script with props as hostProps, as a collector does.
func (g *upcomingGroovy) run(t *testing.T, name, script string, props map[string]any) groovyResult {
	t.Helper()
	// The collector's own environment chooses nothing.
	return runGroovy(t, g.dir, g.runner, name, script, props,
		append(slices.Clone(g.env), "LMUH_OUTPUT=datasource", "LMUH_APPLY=true", "LM_BEARER_TOKEN=lmb_stray"))
}

// recorder is a stand-in for the binary that records its arguments and
// environment, then runs the real binary in its place.
func (g *upcomingGroovy) recorder(t *testing.T) (path, argvFile, envFile string) {
	t.Helper()
	path = filepath.Join(g.dir, "recorder")
	argvFile, envFile = writeRecorder(t, path, g.binary)
	return path, argvFile, envFile
}

func TestUpcomingModuleGroovy(t *testing.T) {
	g := newUpcomingGroovy(t)
	scripts := upcomingScripts(readUpcomingModule(t))
	recorder, argvFile, envFile := g.recorder(t)

	for _, output := range []string{"discovery", "batch"} {
		script := scripts[output]

		t.Run(output+" prints the binary's list, the token and policy in the environment", func(t *testing.T) {
			res := g.run(t, output, script, g.props(recorder))
			if res.code != 0 {
				t.Fatalf("exit %d\nstderr %s", res.code, res.stderr)
			}
			want := g.direct(t, output)
			if want == "" || res.stdout != want {
				t.Errorf("stdout\n%s\nwant the binary's\n%s", res.stdout, want)
			}
			if !strings.Contains(res.stdout, lmfake.SampleUpcomingUser) && output == "discovery" {
				t.Errorf("the sample's upcoming user %s is not an instance:\n%s", lmfake.SampleUpcomingUser, res.stdout)
			}
			if argv := readLines(t, argvFile); !slices.Equal(argv, []string{"upcoming", "--output=" + output}) {
				t.Errorf("argv %q", argv)
			}
			env := envOf(t, envFile)
			for k, want := range map[string]string{"LM_BASE_URL": g.baseURL, "LM_ACCESS_ID": testAccessID, "LM_ACCESS_KEY": testAccessKey,
				"LMUH_PROTECT_USERS": "breakglass*", "LMUH_STATE": "off", "LMUH_MAX_SUSPEND_PERCENT": "100"} {
				if env[k] != want {
					t.Errorf("%s=%q, want %q", k, env[k], want)
				}
			}
			for _, k := range []string{"LMUH_OUTPUT", "LMUH_APPLY", "LM_BEARER_TOKEN", "LMUH_SUSPENDED_GROUP", "LMUH_WARN_DAYS"} {
				if v, ok := env[k]; ok {
					t.Errorf("%s=%q reached the binary", k, v)
				}
			}
			if strings.Contains(res.stdout+res.stderr, testAccessKey) {
				t.Error("the access key is in the script's output")
			}
		})

		t.Run(output+" prints nothing and fails when the portal refuses", func(t *testing.T) {
			props := g.props(g.binary)
			props["lmaccess.key"] = "wrong-key"
			res := g.run(t, output, script, props)
			if res.code != 1 || res.stdout != "" {
				t.Errorf("exit %d, stdout %q; want 1 and nothing (the portal keeps its instances)", res.code, res.stdout)
			}
			if !strings.Contains(res.stderr, "lm-user-hygiene exited 1:") || !strings.Contains(res.stderr, "authentication failed") {
				t.Errorf("stderr does not say why:\n%s", res.stderr)
			}
		})

		t.Run(output+" prints nothing and fails on bad configuration", func(t *testing.T) {
			props := g.props(g.binary)
			props["lmuh.inactive-days"] = "ninety"
			res := g.run(t, output, script, props)
			if res.code != 2 || res.stdout != "" {
				t.Errorf("exit %d, stdout %q; want 2 and nothing", res.code, res.stdout)
			}
		})

		t.Run(output+" prints nothing and fails when the binary is missing", func(t *testing.T) {
			res := g.run(t, output, script, g.props(filepath.Join(g.dir, "no-such-binary")))
			if res.code != 127 || res.stdout != "" || !strings.Contains(res.stderr, "set the lmuh.binary property") {
				t.Errorf("exit %d, stdout %q, stderr %s", res.code, res.stdout, res.stderr)
			}
		})

		t.Run(output+" stops a binary that hangs and prints nothing", func(t *testing.T) {
			sleeper := filepath.Join(g.dir, "sleeper")
			if err := os.WriteFile(sleeper, []byte("#!/bin/sh\necho 1##partial\nexec sleep 60\n"), 0o700); err != nil {
				t.Fatal(err)
			}
			props := g.props(sleeper)
			props["lmuh.timeout"] = "2"
			res := g.run(t, output, script, props)
			if res.code != 124 || res.stdout != "" || !strings.Contains(res.stderr, "did not finish within 2 s and was stopped") {
				t.Errorf("exit %d, stdout %q, stderr %s", res.code, res.stdout, res.stderr)
			}
			if res.took > 40*time.Second {
				t.Errorf("took %v: the hung program was not stopped at the timeout", res.took)
			}
		})
	}
}
