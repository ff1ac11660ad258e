package main

// Scale and speed benchmarks against the simulated portal, served in-process
// on loopback. They run only with -bench (./bench.sh runs them all); the
// ordinary `go test ./...` compiles them and runs none.
//
//	BenchmarkRun            the release binary, applied runs at 1k/10k/50k users
//	                        (50 ms a request), against a bare fetch of the same
//	                        requests
//	BenchmarkSlowPortal     1 s a page, 0.5 s a write: reading 50k users, and a
//	                        whole applied run
//	BenchmarkMemory         peak RSS and CPU of plan and applied runs, 50k/100k
//	BenchmarkState          --state off against a state file, 50k users
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
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/internal/config"
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
	bin, err := goBuild(pkgDir, out)
	if err != nil {
		b.Fatal(err)
	}
	return bin
}

// benchPortal is a fresh sample portal of n users on a loopback port. Each
// run gets its own: an applied run changes the portal, and a fresh one also
// starts with full rate-limit buckets. The published default limits (GET
// 500, POST 200, PATCH 250 a minute) are kept: a run of 50,000 users makes
// about 100 requests, so the limits are never reached and not what is
// measured.
func benchPortal(b *testing.B, n int) (*lmfake.Portal, *httptest.Server) {
	b.Helper()
	p := benchSample(n)
	p.SetLatency(benchLatency)
	return p, httptest.NewServer(p)
}

// benchSample is the sample portal of n users the benchmarks run against.
func benchSample(n int) *lmfake.Portal {
	p := lmfake.NewSample(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey},
		lmfake.SampleOptions{Users: n, Now: time.Now(), Seed: 42})
	// Benchmarks run the binary against one portal many times a minute;
	// the portal's GET limit would make them measure its window.
	p.SetRateLimit(http.MethodGet, 1_000_000, time.Minute)
	return p
}

// rssProbeSource runs a command and reports its peak RSS, wall time and CPU
// time (user + system) on file descriptor 3. The benchmark cannot take the peak RSS from its own
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
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	fmt.Fprintf(os.NewFile(3, "report"), "%d %d %d\n", rss, wall.Nanoseconds(), cpu.Nanoseconds())
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
	cpu     time.Duration // user + system
	maxRSS  int64         // bytes
	counts  map[string]int
	portal  []lmfake.Request
	floor   int
	changes int
}

// runOpts say how the binary is run: the portal's latencies, plan or apply,
// and the state file.
type runOpts struct {
	// read is added to every GET, write to every POST and PATCH.
	read, write time.Duration
	plan        bool   // without --apply
	state       string // --state; "" is off
	// portal, when set, is the portal to run against instead of a fresh one.
	portal *lmfake.Portal
}

// benchOpts are the runs of BenchmarkRun: 50 ms on every request.
var benchOpts = runOpts{read: benchLatency, write: benchLatency}

// runBinary runs the binary against a fresh portal of n users (or
// o.portal) and checks that the run did what it should: exit 0, no errors,
// and with --apply the first 50 changes applied and the rest pending.
func runBinary(b *testing.B, probe, bin string, n int, o runOpts) binaryRun {
	b.Helper()
	b.StopTimer()
	p := o.portal
	if p == nil {
		p = benchSample(n)
	}
	p.SetMethodLatency(http.MethodGet, o.read)
	p.SetMethodLatency(http.MethodPost, o.write)
	p.SetMethodLatency(http.MethodPatch, o.write)
	srv := httptest.NewServer(p)
	defer srv.Close()
	before := len(p.Requests())
	args := benchArgs
	if o.plan {
		args = slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "--apply" })
	}
	cmd := exec.Command(probe, append([]string{bin}, args...)...)
	report, reportW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer report.Close()
	cmd.ExtraFiles = []*os.File{reportW}
	state := o.state
	if state == "" {
		state = "off"
	}
	cmd.Env = []string{
		"LM_BASE_URL=" + srv.URL + lmfake.BasePath,
		"LM_ACCESS_ID=" + testAccessID,
		"LM_ACCESS_KEY=" + testAccessKey,
		"LMUH_STATE=" + state,
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
	var rss, wallNS, cpuNS int64
	if got, err := io.ReadAll(report); err != nil {
		b.Fatal(err)
	} else if _, err := fmt.Sscan(string(got), &rss, &wallNS, &cpuNS); err != nil {
		b.Fatalf("rss-probe report %q: %v", got, err)
	}
	run := binaryRun{wall: time.Duration(wallNS), cpu: time.Duration(cpuNS), maxRSS: rss, counts: map[string]int{},
		portal: p.Requests()[before:]}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		k, v, _ := strings.Cut(line, "=")
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			run.counts[k] = int(f)
		}
	}
	c := run.counts
	planned := c["suspend_planned"] + c["move_planned"] + c["assign_planned"]
	applied := c["suspend_applied"] + c["move_applied"] + c["assign_applied"]
	if !o.plan {
		run.changes = min(planned, 50)
	}
	if c["run_success"] != 1 || c["errors"] != 0 || applied != run.changes || !o.plan && c["pending"] != planned-run.changes {
		b.Fatalf("users=%d: the run did not do what it should: %v", n, c)
	}
	if c["users_total"] != n {
		b.Fatalf("users=%d: the run read %d users", n, c["users_total"])
	}
	if o.state != "" && c["state_ok"] != 1 {
		b.Fatalf("users=%d: state_ok=%d with --state %s\n%s", n, c["state_ok"], o.state, stderr.String())
	}
	// The floor: every page of users, one page of groups and one of roles,
	// one PATCH per change and one POST per group created.
	run.floor = userPagesFloor(n) + 2 + run.changes + c["groups_created"]
	if got := c["api_requests"]; got != len(run.portal) {
		b.Fatalf("users=%d: the run counts %d requests, the portal received %d", n, got, len(run.portal))
	}
	return run
}

// userPagesFloor is the least number of requests that read n users with
// pages of 1,000 that overlap by one item (each page after the first starts
// at the previous page's last item, so brings 999 new ones): one page up to
// 1,000 users, then one more per 999 users or part of 999. That is
// ceil((n-1)/999), at least 1: 1 page for 1,000 users, 11 for 10,000, 51
// for 50,000, 101 for 100,000 (plain pages of 1,000 would take n/1000).
func userPagesFloor(n int) int {
	return max((n-1+998)/999, 1)
}

// bareFetch sends the requests a run made, with none of the run's work and
// the run's concurrency: the first users page, with the groups and roles
// pages beside it; then the other users pages, 4 in flight; then the POSTs
// one after another; then the PATCHes on the run's worker count. Answers
// are read and dropped. It is the time the same traffic takes at the least.
func bareFetch(b *testing.B, n int, reqs []lmfake.Request) time.Duration {
	b.Helper()
	p, srv := benchPortal(b, n)
	defer srv.Close()
	return bareFetchOn(b, p, srv, reqs, benchOpts)
}

func bareFetchOn(b *testing.B, p *lmfake.Portal, srv *httptest.Server, reqs []lmfake.Request, o runOpts) time.Duration {
	b.Helper()
	p.SetMethodLatency(http.MethodGet, o.read)
	p.SetMethodLatency(http.MethodPost, o.write)
	p.SetMethodLatency(http.MethodPatch, o.write)
	base := srv.URL + lmfake.BasePath
	var transport *http.Transport
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		transport = t.Clone() // as the client does
	}
	hc := &http.Client{Transport: transport, Timeout: time.Minute}
	defer transport.CloseIdleConnections()

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
	var (
		mu   sync.Mutex
		fail error
	)
	note := func(err error) {
		if err != nil {
			mu.Lock()
			fail = err
			mu.Unlock()
		}
	}
	// parallel sends rs on workers goroutines.
	parallel := func(rs []lmfake.Request, workers int) {
		next := make(chan lmfake.Request)
		var wg sync.WaitGroup
		for range min(workers, len(rs)) {
			wg.Go(func() {
				for r := range next {
					note(send(r))
				}
			})
		}
		for _, r := range rs {
			next <- r
		}
		close(next)
		wg.Wait()
	}

	var firstPage, userPages, otherGets, posts, patches []lmfake.Request
	for _, r := range reqs {
		switch {
		case r.Method == http.MethodGet && r.Path == "/setting/admins" && firstPage == nil:
			firstPage = append(firstPage, r)
		case r.Method == http.MethodGet && r.Path == "/setting/admins":
			userPages = append(userPages, r)
		case r.Method == http.MethodGet:
			otherGets = append(otherGets, r)
		case r.Method == http.MethodPatch:
			patches = append(patches, r)
		default:
			posts = append(posts, r)
		}
	}
	start := time.Now()
	var gets sync.WaitGroup
	gets.Go(func() { parallel(otherGets, len(otherGets)) })
	parallel(firstPage, 1)
	parallel(userPages, 4)
	gets.Wait()
	parallel(posts, 1)
	parallel(patches, hygiene.ApplyWorkers)
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
	bin := testBinary(b)
	probe := buildRSSProbe(b, dir)
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			var wall, bare time.Duration
			var rss int64
			var last binaryRun
			for range b.N {
				last = runBinary(b, probe, bin, n, benchOpts)
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

// Against a slow portal: a second for every page read and half a second for
// every write, at 50,000 users only (a run takes tens of seconds).
const (
	slowRead  = time.Second
	slowWrite = 500 * time.Millisecond
	slowUsers = 50000
)

// BenchmarkSlowPortal measures, with a second added to every GET, how long
// reading 50,000 users (and the groups and roles) takes in-process (read-s),
// and how long a whole applied run of the binary with 50 PATCHes at half a
// second each takes (wall-s), against the bare fetch of its requests.
func BenchmarkSlowPortal(b *testing.B) {
	b.Run(fmt.Sprintf("read/users=%d", slowUsers), func(b *testing.B) {
		p := benchSample(slowUsers)
		p.SetMethodLatency(http.MethodGet, slowRead)
		srv := httptest.NewServer(p)
		defer srv.Close()
		runner, pol := benchRunner(b, srv)
		var read time.Duration
		for range b.N {
			before := len(p.Requests())
			r := runner.Run(context.Background(), pol)
			if r.Failure != nil || len(r.Users) != slowUsers {
				b.Fatalf("read %d users: %v", len(r.Users), r.Failure)
			}
			read += r.ReadTook
			reqs, floor := len(p.Requests())-before, userPagesFloor(slowUsers)+2
			b.ReportMetric(float64(reqs), "requests")
			b.ReportMetric(float64(floor), "floor")
			if reqs != floor {
				b.Errorf("%d requests, the floor is %d", reqs, floor)
			}
		}
		b.ReportMetric(read.Seconds()/float64(b.N), "read-s")
	})
	b.Run(fmt.Sprintf("apply/users=%d", slowUsers), func(b *testing.B) {
		dir := b.TempDir()
		bin := testBinary(b)
		probe := buildRSSProbe(b, dir)
		b.ResetTimer()
		o := runOpts{read: slowRead, write: slowWrite}
		var wall, bare time.Duration
		var last binaryRun
		for range b.N {
			last = runBinary(b, probe, bin, slowUsers, o)
			wall += last.wall
			p, srv := benchPortal(b, slowUsers)
			bare += bareFetchOn(b, p, srv, last.portal, o)
			srv.Close()
		}
		b.ReportMetric(float64(len(last.portal)), "requests")
		b.ReportMetric(float64(last.floor), "floor")
		b.ReportMetric(float64(last.changes), "patches")
		b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s")
		b.ReportMetric(bare.Seconds()/float64(b.N), "bare-s")
		b.ReportMetric(wall.Seconds()/bare.Seconds(), "wall/bare")
		if len(last.portal) != last.floor {
			b.Errorf("%d requests, the floor is %d", len(last.portal), last.floor)
		}
	})
}

// BenchmarkMemory runs the binary, plan and applied, with --output
// datasource against portals of 50,000 and 100,000 users without added
// latency, for its peak RSS and the CPU it uses.
func BenchmarkMemory(b *testing.B) {
	dir := b.TempDir()
	bin := testBinary(b)
	probe := buildRSSProbe(b, dir)
	for _, n := range []int{50000, 100000} {
		for _, plan := range []bool{true, false} {
			mode := map[bool]string{true: "plan", false: "apply"}[plan]
			b.Run(fmt.Sprintf("%s/users=%d", mode, n), func(b *testing.B) {
				var rss int64
				var cpu, wall time.Duration
				for range b.N {
					run := runBinary(b, probe, bin, n, runOpts{plan: plan})
					rss = max(rss, run.maxRSS)
					cpu += run.cpu
					wall += run.wall
				}
				b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
				b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms")
				b.ReportMetric(wall.Seconds()*1000/float64(b.N), "wall-ms")
			})
		}
	}
}

// BenchmarkState measures what the state file costs a plan run of 50,000
// users: the binary with --state off, with a new state file (the first run)
// and on the file the first run left (the second run), and the file's size.
func BenchmarkState(b *testing.B) {
	dir := b.TempDir()
	bin := testBinary(b)
	probe := buildRSSProbe(b, dir)
	const n = 50000
	p := benchSample(n)
	for _, c := range []struct {
		name   string
		state  func(i int) string // the --state of run i; "" off
		before func(path string)  // prepares the file
	}{
		{"off", func(int) string { return "" }, nil},
		{"first", func(i int) string { return filepath.Join(dir, fmt.Sprintf("first-%d.db", i)) }, nil},
		{"second", func(i int) string { return filepath.Join(dir, fmt.Sprintf("second-%d.db", i)) }, func(path string) {
			runBinary(b, probe, bin, n, runOpts{plan: true, state: path, portal: p})
		}},
	} {
		b.Run(fmt.Sprintf("%s/users=%d", c.name, n), func(b *testing.B) {
			var rss, size int64
			var cpu, wall time.Duration
			for i := range b.N {
				path := c.state(i)
				if c.before != nil {
					c.before(path)
				}
				run := runBinary(b, probe, bin, n, runOpts{plan: true, state: path, portal: p})
				rss = max(rss, run.maxRSS)
				cpu += run.cpu
				wall += run.wall
				if path != "" {
					st, err := os.Stat(path)
					if err != nil {
						b.Fatal(err)
					}
					size = max(size, st.Size())
				}
			}
			b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
			b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms")
			b.ReportMetric(wall.Seconds()*1000/float64(b.N), "wall-ms")
			b.ReportMetric(float64(size)/1e6, "file-MB")
		})
	}
}

// benchRunner is an in-process plan run against srv.
func benchRunner(b *testing.B, srv *httptest.Server) (*hygiene.Runner, hygiene.Policy) {
	b.Helper()
	ctx := context.Background()
	env := envMap([]string{
		"LM_BASE_URL=" + srv.URL + lmfake.BasePath,
		"LM_ACCESS_ID=" + testAccessID,
		"LM_ACCESS_KEY=" + testAccessKey,
	})
	cfg, err := config.Load(ctx, benchArgs, env, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	pol, log := cfg.Policy, newLogger(cfg, io.Discard)
	client, err := lm.New(lm.Config{BaseURL: cfg.BaseURL, AccessID: cfg.AccessID, AccessKey: cfg.AccessKey, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	pol.Apply = false
	return &hygiene.Runner{Portal: client, Log: log, Now: time.Now}, pol
}

// BenchmarkJob reads and plans (a plan run) in-process against a portal without added
// latency, for the allocations of the read and plan path.
func BenchmarkJob(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			p, srv := benchPortal(b, n)
			defer srv.Close()
			p.SetLatency(0)
			runner, pol := benchRunner(b, srv)
			ctx := context.Background()
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
	bin := testBinary(b)
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
