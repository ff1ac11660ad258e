package main

// Scale and speed benchmarks against the simulated portal, served in-process
// on loopback. They run only with -bench (./bench.sh runs them all); the
// ordinary `go test ./...` compiles them and runs none.
//
//	BenchmarkRun            the release binary, applied runs at 1k/10k/50k users,
//	                        against a bare fetch of the same requests
//	BenchmarkJob            read + plan in-process: allocations
//	BenchmarkVersionStartup `--version`, next to a minimal Go program

import (
	"context"
	"fmt"
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
	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// benchLatency is added by the portal to every request: a portal across the
// internet, so that the measure is how well the run uses its round trips.
const benchLatency = 50 * time.Millisecond

var benchSizes = []int{1000, 10000, 50000}

// benchArgs apply with the default --max-changes (50), mapping the sample's
// roles so that there are regroups as well as suspensions.
var benchArgs = []string{"--apply",
	"--role-groups", "netops=Network Operations;readonly=Viewers;manager=Managers",
	"--protect-users", "breakglass*"}

// buildBench builds the program in pkgDir as the release is built (static,
// -trimpath, -s -w) into the file out.
func buildBench(b *testing.B, pkgDir, out string) string {
	b.Helper()
	if testing.Short() {
		b.Skip("builds and runs the binary; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		b.Skip("no go tool on PATH to build the binary")
	}
	cmd := exec.Command(goTool, "build", "-trimpath", "-ldflags", "-s -w", "-o", out, ".")
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, msg)
	}
	return out
}

// benchPortal is a fresh sample portal of n users on a loopback port. Each
// run gets its own: an applied run changes the portal, and a fresh one also
// starts with full rate-limit buckets. The published default limits (GET
// 500, POST 200, PATCH 250 a minute) are kept: a run of 50,000 users makes
// about 100 requests, so the limits are never reached and not what is
// measured.
func benchPortal(b *testing.B, n int) (*lmfake.Portal, *httptest.Server) {
	b.Helper()
	p := lmfake.NewSample(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey},
		lmfake.SampleOptions{Users: n, Now: time.Now(), Seed: 42})
	p.SetLatency(benchLatency)
	return p, httptest.NewServer(p)
}

// rssProbeSource runs a command and reports its peak RSS and wall time on
// file descriptor 3. The benchmark cannot take the peak RSS from its own
// child: Go starts children with vfork (CLONE_VM), so until the exec the
// child shares the test process's memory, and Linux keeps that memory's
// high-water mark as the child's Maxrss. The test process holds a 50,000-user
// portal and is larger than the binary, so its size is what would be
// measured. The probe is a small program: its own mark is far below the
// binary's.
const rssProbeSource = `package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "rss-probe:", err)
		os.Exit(125)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024 // KiB on Linux
	}
	fmt.Fprintf(os.NewFile(3, "report"), "%d %d\n", rss, wall.Nanoseconds())
	os.Exit(cmd.ProcessState.ExitCode())
}
`

// buildRSSProbe builds the probe into dir.
func buildRSSProbe(b *testing.B, dir string) string {
	b.Helper()
	src := filepath.Join(dir, "rss-probe-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		b.Fatal(err)
	}
	for name, text := range map[string]string{
		"go.mod":  "module rssprobe\n\ngo 1.26\n",
		"main.go": rssProbeSource,
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return buildBench(b, src, filepath.Join(dir, "rss-probe"))
}

// binaryRun is one run of the binary.
type binaryRun struct {
	wall    time.Duration
	maxRSS  int64 // bytes
	counts  map[string]int
	portal  []lmfake.Request
	floor   int
	changes int
}

// runBinary runs the binary with --apply against a fresh portal of n users
// and checks that the run did what it should: exit 0, no errors, the first
// 50 changes applied and the rest pending.
func runBinary(b *testing.B, probe, bin string, n int) binaryRun {
	b.Helper()
	b.StopTimer()
	p, srv := benchPortal(b, n)
	defer srv.Close()
	cmd := exec.Command(probe, append([]string{bin}, benchArgs...)...)
	report, reportW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer report.Close()
	cmd.ExtraFiles = []*os.File{reportW}
	cmd.Env = []string{
		"LM_BASE_URL=" + srv.URL + lmfake.BasePath,
		"LM_ACCESS_ID=" + testAccessID,
		"LM_ACCESS_KEY=" + testAccessKey,
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	b.StartTimer()
	err = cmd.Run()
	b.StopTimer()
	reportW.Close()
	if err != nil {
		b.Fatalf("users=%d: %v\n%s", n, err, stderr.String())
	}
	// The wall time is the probe's, from the binary's start to its exit.
	var rss, wallNS int64
	if got, err := io.ReadAll(report); err != nil {
		b.Fatal(err)
	} else if _, err := fmt.Sscan(string(got), &rss, &wallNS); err != nil {
		b.Fatalf("rss-probe report %q: %v", got, err)
	}
	run := binaryRun{wall: time.Duration(wallNS), maxRSS: rss, counts: map[string]int{}, portal: p.Requests()}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		k, v, _ := strings.Cut(line, "=")
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			run.counts[k] = int(f)
		}
	}
	c := run.counts
	planned := c["suspend_planned"] + c["move_planned"] + c["assign_planned"]
	run.changes = min(planned, 50)
	applied := c["suspend_applied"] + c["move_applied"] + c["assign_applied"]
	if c["run_success"] != 1 || c["errors"] != 0 || applied != run.changes || c["pending"] != planned-run.changes {
		b.Fatalf("users=%d: the run did not do what it should: %v", n, c)
	}
	if c["users_total"] != n {
		b.Fatalf("users=%d: the run read %d users", n, c["users_total"])
	}
	// The floor: every page of users, one page of groups and one of roles,
	// one PATCH per change and one POST per group created.
	userPages := max((n+999)/1000, 1)
	run.floor = userPages + 2 + run.changes + c["groups_created"]
	if got := c["api_requests"]; got != len(run.portal) {
		b.Fatalf("users=%d: the run counts %d requests, the portal received %d", n, got, len(run.portal))
	}
	return run
}

// bareFetch sends the requests a run made, with none of the run's work: the
// GETs and POSTs one after another in the run's order, then the PATCHes with
// the run's worker count. Answers are read and dropped. It is the time the
// same traffic takes at the least.
func bareFetch(b *testing.B, n int, reqs []lmfake.Request) time.Duration {
	b.Helper()
	_, srv := benchPortal(b, n)
	defer srv.Close()
	base := srv.URL + lmfake.BasePath
	var transport *http.Transport
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		transport = t.Clone() // as the client does
	}
	hc := &http.Client{Transport: transport, Timeout: time.Minute}
	defer transport.CloseIdleConnections()

	var patches []lmfake.Request
	send := func(r lmfake.Request) error {
		target := base + r.Path
		if len(r.Query) > 0 {
			target += "?" + r.Query.Encode()
		}
		var body io.Reader
		if r.Method != http.MethodGet {
			body = strings.NewReader(string(r.Body))
		}
		req, err := http.NewRequest(r.Method, target, body)
		if err != nil {
			return err
		}
		epoch := time.Now().UnixMilli()
		req.Header.Set("Authorization", "LMv1 "+testAccessID+":"+lm.Sign(testAccessKey, r.Method, epoch, r.Body, r.Path)+":"+strconv.FormatInt(epoch, 10))
		req.Header.Set("X-Version", "3")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("%s %s: HTTP %d", r.Method, r.Path, resp.StatusCode)
		}
		return nil
	}

	start := time.Now()
	for _, r := range reqs {
		if r.Method == http.MethodPatch {
			patches = append(patches, r)
			continue
		}
		if err := send(r); err != nil {
			b.Fatalf("bare fetch: %v", err)
		}
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next int
		fail error
	)
	for range hygiene.ApplyWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= len(patches) {
					mu.Unlock()
					return
				}
				r := patches[next]
				next++
				mu.Unlock()
				if err := send(r); err != nil {
					mu.Lock()
					fail = err
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if fail != nil {
		b.Fatalf("bare fetch: %v", fail)
	}
	return elapsed
}

// BenchmarkRun runs the binary with --apply against portals of 1,000, 10,000
// and 50,000 users with 50 ms latency, and a bare fetch of the same requests.
// ns/op is the binary's wall time.
func BenchmarkRun(b *testing.B) {
	dir := b.TempDir()
	bin := buildBench(b, ".", filepath.Join(dir, "lm-user-hygiene"))
	probe := buildRSSProbe(b, dir)
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			var wall, bare time.Duration
			var rss int64
			var last binaryRun
			for range b.N {
				last = runBinary(b, probe, bin, n)
				wall += last.wall
				rss = max(rss, last.maxRSS)
				bare += bareFetch(b, n, last.portal)
			}
			b.ReportMetric(float64(len(last.portal)), "requests")
			b.ReportMetric(float64(last.floor), "floor")
			b.ReportMetric(float64(last.changes), "patches")
			b.ReportMetric(wall.Seconds()*1000/float64(b.N), "wall-ms")
			b.ReportMetric(bare.Seconds()*1000/float64(b.N), "bare-ms")
			b.ReportMetric(wall.Seconds()/bare.Seconds(), "wall/bare")
			b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
			if len(last.portal) != last.floor {
				b.Errorf("users=%d: %d requests, the floor is %d", n, len(last.portal), last.floor)
			}
		})
	}
}

// BenchmarkJob reads and plans (a plan run) in-process against a portal without added
// latency, for the allocations of the read and plan path.
func BenchmarkJob(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			p, srv := benchPortal(b, n)
			defer srv.Close()
			p.SetLatency(0)
			ctx := context.Background()
			env := envMap([]string{
				"LM_BASE_URL=" + srv.URL + lmfake.BasePath,
				"LM_ACCESS_ID=" + testAccessID,
				"LM_ACCESS_KEY=" + testAccessKey,
			})
			cfg, err := loadConfig(ctx, benchArgs, env)
			if err != nil {
				b.Fatal(err)
			}
			pol, err := cfg.policy()
			if err != nil {
				b.Fatal(err)
			}
			log, err := newLogger(cfg, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			client, err := lm.New(lm.Config{BaseURL: cfg.BaseURL, AccessID: cfg.AccessID, AccessKey: cfg.AccessKey, Logger: log})
			if err != nil {
				b.Fatal(err)
			}
			pol.Apply = false
			runner := &hygiene.Runner{Portal: client, Log: log, Now: time.Now}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				r := runner.Run(ctx, pol)
				if r.Failure != nil || len(r.Users) != n || len(r.Changes) == 0 {
					b.Fatalf("read %d users and planned %d changes: %v", len(r.Users), len(r.Changes), r.Failure)
				}
			}
		})
	}
}

// BenchmarkVersionStartup runs `--version`, and a Go program that only
// prints, to tell the binary's start-up from the machine's.
func BenchmarkVersionStartup(b *testing.B) {
	dir := b.TempDir()
	bin := buildBench(b, ".", filepath.Join(dir, "lm-user-hygiene"))
	helloDir := filepath.Join(dir, "hello")
	if err := os.MkdirAll(helloDir, 0o755); err != nil {
		b.Fatal(err)
	}
	for name, text := range map[string]string{
		"go.mod":  "module hello\n\ngo 1.26\n",
		"main.go": "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"hello\\n\") }\n",
	} {
		if err := os.WriteFile(filepath.Join(helloDir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	hello := buildBench(b, helloDir, filepath.Join(dir, "go-hello"))
	if st, err := os.Stat(bin); err == nil {
		b.Logf("binary size: %d bytes (%.2f MB)", st.Size(), float64(st.Size())/1e6)
	}
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"lm-user-hygiene", []string{bin, "--version"}},
		{"go-hello", []string{hello}},
	} {
		b.Run(c.name, func(b *testing.B) {
			// The fastest start is the one least disturbed by the machine's load.
			fastest := time.Duration(1<<63 - 1)
			for range b.N {
				start := time.Now()
				out, err := exec.Command(c.argv[0], c.argv[1:]...).Output()
				fastest = min(fastest, time.Since(start))
				if err != nil || len(out) == 0 {
					b.Fatalf("%v: %v", c.argv, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/start")
			b.ReportMetric(float64(fastest.Microseconds())/1000, "min-ms")
		})
	}
}
