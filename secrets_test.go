package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"lm-user-hygiene/lm/lmfake"
	"lm-user-hygiene/output"
)

// The secrets hold characters that every encoding changes (+ / = & < > { }),
// so an encoded leak differs from the raw one.
const (
	leakKey    = `S3cr3t+K3y/w1th{Odd}[Chars]=&<zz>~NeverPrintThisKey`
	leakBearer = `lmb_B3arer+T0ken/w1th=&<yy>{Odd}NeverPrintThisToken`
)

// leakForms are the ways a secret could show up: as it is, encoded (base64,
// URL, hex, JSON, Go-quoted) or in part.
func leakForms(secret string) []string {
	quoted, _ := json.Marshal(secret)
	forms := []string{
		secret,
		base64.StdEncoding.EncodeToString([]byte(secret)),
		base64.URLEncoding.EncodeToString([]byte(secret)),
		base64.RawStdEncoding.EncodeToString([]byte(secret)),
		base64.RawURLEncoding.EncodeToString([]byte(secret)),
		url.QueryEscape(secret),
		url.PathEscape(secret),
		hex.EncodeToString([]byte(secret)),
		strings.Trim(string(quoted), `"`),
		strings.Trim(fmt.Sprintf("%q", secret), `"`),
		output.PropertyValue(secret),
		secret[:16],
		secret[len(secret)-16:],
	}
	return forms
}

// assertNoLeak fails when stdout or stderr holds any form of a secret.
func assertNoLeak(t *testing.T, res result, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		for _, form := range leakForms(secret) {
			for name, text := range map[string]string{"stdout": res.stdout, "stderr": res.stderr} {
				if i := strings.Index(text, form); i >= 0 {
					t.Errorf("%s holds the secret as %q:\n%s", name, form, text[max(0, i-200):min(len(text), i+len(form)+200)])
				}
			}
		}
	}
}

// secretScenario is one way a run goes, with the exit status it must end in.
type secretScenario struct {
	name string
	// portal, when set, serves the run; secret is the run's own credential.
	portal func(secret string) http.Handler
	// args are added to the run's; {secret} stands for the run's secret.
	args []string
	// account, when set, names the portal instead of the served base URL.
	account string
	asArg   bool // the secret is also given where the command goes
	exit    func(command string) int
}

func exitAlways(code int) func(string) int { return func(string) int { return code } }

// secretPortal accepts the leak secrets.
func secretPortal(string) http.Handler { return newSecretPortal() }

func newSecretPortal() *lmfake.Portal {
	return faultPortalWith(lmfake.Config{AccessID: testAccessID, AccessKey: leakKey, BearerToken: leakBearer}, 20, 2)
}

var secretScenarios = []secretScenario{
	{name: "success", portal: secretPortal, exit: exitAlways(exitOK)},
	{name: "bad config", portal: secretPortal, args: []string{"--max-changes", "many"}, exit: exitAlways(exitConfig)},
	{name: "the secret where the command goes", portal: secretPortal, asArg: true, exit: exitAlways(exitConfig)},
	{name: "the secret given to another setting", portal: secretPortal, args: []string{"--log-level", "{secret}"}, exit: exitAlways(exitConfig)},
	{name: "the secret given to a number setting", portal: secretPortal, args: []string{"--inactive-days", "{secret}"}, exit: exitAlways(exitConfig)},
	{name: "refused credentials", portal: func(string) http.Handler {
		return faultPortalWith(lmfake.Config{AccessID: testAccessID, AccessKey: "another-key-altogether", BearerToken: "lmb_another-token"}, 20, 2)
	}, exit: exitAlways(exitFailed)},
	{name: "HTML page", portal: func(string) http.Handler {
		p := newSecretPortal()
		p.InjectFault(lmfake.Fault{Method: http.MethodGet, Path: "/setting/admins", HTML: true, Count: 100})
		return p
	}, exit: exitAlways(exitFailed)},
	{name: "truncated JSON", portal: func(string) http.Handler {
		p := newSecretPortal()
		p.InjectFault(lmfake.Fault{Method: http.MethodGet, Path: "/setting/admins", Truncate: true})
		return p
	}, exit: exitAlways(exitFailed)},
	{name: "PATCH refused with the credentials echoed", portal: func(secret string) http.Handler {
		p := newSecretPortal()
		// A proxy that repeats the request's Authorization header and the
		// run's own secret, also encoded, in its error message.
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPatch {
				p.ServeHTTP(w, r)
				return
			}
			msg, _ := json.Marshal(fmt.Sprintf("refused %s with Authorization: %s (secret %s, %s, %s)", r.URL, r.Header.Get("Authorization"),
				secret, url.QueryEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret))))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"errorMessage":%s,"errorCode":1400,"errorDetail":null}`, msg)
		})
	}, exit: exitAlways(exitOK)},
	{name: "breaker tripped", portal: secretPortal, args: []string{"--inactive-days", "2"}, exit: func(command string) int {
		if command == cmdAssign {
			return exitOK // the breaker guards suspensions only
		}
		return exitFailed
	}},
	{name: "unreplaced ##token##", account: "##lmuh.account##", exit: exitAlways(exitConfig)},
}

// TestSecretsNeverPrinted runs every command and output format at debug and
// trace level, in text and json logs, through success and every failure,
// with an LMv1 key and a bearer token given by environment and by flags, and
// finds neither secret, in any encoding, on stdout or stderr; then the same
// for --demo, --help and --version.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Run("demo, help and version", secretsOutsideRuns)
	commands := []string{cmdRun, cmdSuspend, cmdAssign}
	formats := []string{outDatasource, outJSON, outConfigsource}
	for _, sc := range secretScenarios {
		for _, auth := range []string{"LMv1", "bearer"} {
			secret := leakKey
			if auth == "bearer" {
				secret = leakBearer
			}
			for _, via := range []string{"env", "flags"} {
				t.Run(sc.name+"/"+auth+"/"+via, func(t *testing.T) {
					t.Parallel()
					i := 0
					for _, command := range commands {
						for _, format := range formats {
							// A fresh portal per run, so every run meets the scenario.
							var baseURL string
							if sc.portal != nil {
								baseURL = strings.TrimPrefix(serveEnv(t, sc.portal(secret))[0], "LM_BASE_URL=")
							}
							conn := map[string]string{"base-url": baseURL, "account": sc.account}
							if auth == "LMv1" {
								conn["access-id"], conn["access-key"] = testAccessID, leakKey
							} else {
								conn["bearer-token"] = leakBearer
							}
							var env, connArgs []string
							for _, s := range settings {
								if v := conn[s.flag]; v != "" {
									if via == "env" {
										env = append(env, s.env+"="+v)
									} else {
										connArgs = append(connArgs, "--"+s.flag, v)
									}
								}
							}
							level := []string{"debug", "trace"}[i%2]
							logFormat := []string{"text", "json"}[i/2%2]
							i++
							args := append([]string{command, "--apply", "--output", format, "--log-level", level, "--log-format", logFormat}, faultArgs...)
							args = append(args, connArgs...)
							for _, a := range sc.args {
								args = append(args, strings.ReplaceAll(a, "{secret}", secret))
							}
							if sc.asArg {
								// The command is given first, so the secret is an unexpected argument.
								args = append(args, secret)
							}
							res := runDeps(t, t.Context(), faultDeps(), env, args...)
							if want := sc.exit(command); res.code != want {
								t.Errorf("%s --output %s: exit %d, want %d; stderr:\n%s", command, format, res.code, want, res.stderr)
							}
							assertNoLeak(t, res, secret)
						}
					}
				})
			}
		}
	}
}

// demoKey is the shape of the demo portal's own random access key.
var demoKey = regexp.MustCompile(`[0-9a-f]{40}`)

// secretsOutsideRuns: --demo, --help and --version with credentials in the
// environment and on the command line print neither them nor the demo's own
// key.
func secretsOutsideRuns(t *testing.T) {
	creds := map[string]struct {
		env  []string
		args []string
	}{
		"LMv1 in env":     {env: []string{"LM_ACCOUNT=acme", "LM_ACCESS_ID=" + testAccessID, "LM_ACCESS_KEY=" + leakKey}},
		"bearer in env":   {env: []string{"LM_ACCOUNT=acme", "LM_BEARER_TOKEN=" + leakBearer}},
		"LMv1 as flags":   {args: []string{"--account", "acme", "--access-id", testAccessID, "--access-key", leakKey}},
		"bearer as flags": {args: []string{"--account", "acme", "--bearer-token=" + leakBearer}},
	}
	for name, c := range creds {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, format := range []string{outDatasource, outJSON, outConfigsource} {
				for _, level := range []string{"debug", "trace"} {
					res := runNow(t, c.env, append([]string{"--demo", "--output", format, "--log-level", level}, c.args...)...)
					// The demo leaves a real portal's environment unused,
					// and refuses its flags.
					want := exitOK
					if len(c.args) > 0 {
						want = exitConfig
					}
					if res.code != want {
						t.Errorf("--demo --output %s: exit %d, want %d: %s", format, res.code, want, res.stderr)
					}
					assertNoLeak(t, res, leakKey, leakBearer)
					if m := demoKey.FindString(res.stdout + res.stderr); m != "" {
						t.Errorf("--demo --output %s prints what looks like the demo's access key %s", format, m)
					}
				}
			}
			for _, flag := range []string{"--help", "--version"} {
				res := runNow(t, c.env, append(append([]string{}, c.args...), flag)...)
				if res.code != exitOK || res.stdout == "" {
					t.Errorf("%s: exit %d, stdout %q", flag, res.code, res.stdout)
				}
				assertNoLeak(t, res, leakKey, leakBearer)
			}
		})
	}
}
