package state

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// The test binary is also the other process: with LMUH_STATE_CHILD set it
// does that job on LMUH_STATE_PATH instead of running the tests.
func TestMain(m *testing.M) {
	if job := os.Getenv("LMUH_STATE_CHILD"); job != "" {
		os.Exit(runChild(job, os.Getenv("LMUH_STATE_PATH")))
	}
	os.Exit(m.Run())
}

func runChild(job, path string) int {
	if job == "rss" {
		return rssChild(path)
	}
	s, h, err := Open(path, Options{LockTimeout: 5 * time.Second})
	if err != nil || !h.OK {
		fmt.Fprintf(os.Stderr, "child: open: %v %+v\n", err, h)
		return 1
	}
	// A missing file is created, and locked, at its first use.
	if _, err := s.Users(); err != nil {
		fmt.Fprintf(os.Stderr, "child: users: %v\n", err)
		return 1
	}
	fmt.Println("ready")
	switch job {
	case "hold":
		time.Sleep(time.Hour)
	case "journal":
		// A run after a run, as fast as the disk allows, until killed.
		for n := 0; ; n++ {
			id := fmt.Sprintf("%s-%d-%06d", NewRunID(time.Now()), os.Getpid(), n)
			if err := s.BeginRun(Run{ID: id, Kind: KindRun, PolicyDigest: "sha256:0"}); err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				return 1
			}
			for i := range 50 {
				seq, err := s.Intent(id, suspension(i+1, fmt.Sprintf("user%d", i)))
				if err != nil {
					fmt.Fprintln(os.Stderr, "child:", err)
					return 1
				}
				res := ResultApplied
				if i%7 == 0 {
					res = ResultFailed
				}
				if err := s.Outcome(id, seq, Outcome{Result: res, After: UserState{Status: "suspended", GroupIDs: []int{9}}}); err != nil {
					fmt.Fprintln(os.Stderr, "child:", err)
					return 1
				}
			}
			users := make(map[int]Record, 2000)
			for id := range 2000 {
				users[id+n] = Record{FirstSeen: time.Unix(int64(1_700_000_000+n*86400), 0)}
			}
			if err := s.SaveUsers(users); err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				return 1
			}
		}
	}
	return 2
}

type child struct {
	cmd   *exec.Cmd
	ready *bufio.Reader
}

func startChild(t *testing.T, job, path string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LMUH_STATE_CHILD="+job, "LMUH_STATE_PATH="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, ready: bufio.NewReader(out)}
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			c.kill(t)
		}
	})
	return c
}

func (c *child) waitReady(t *testing.T) {
	t.Helper()
	if line, err := c.ready.ReadString('\n'); line != "ready\n" {
		t.Fatalf("child did not start: %q, %v", line, err)
	}
}

// kill ends the child as a crash or an OOM killer would: no cleanup.
func (c *child) kill(t *testing.T) {
	t.Helper()
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

func TestKilledRunLeavesAConsistentFile(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process several times")
	}
	path := t.TempDir() + "/state.db"
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	prevIntents := -1
	for round := range 6 {
		c := startChild(t, "journal", path)
		c.waitReady(t)
		time.Sleep(time.Duration(20+rng.IntN(300)) * time.Millisecond)
		c.kill(t)

		s, h, err := Open(path, Options{LockTimeout: 2 * time.Second})
		if err != nil || !h.OK {
			t.Fatalf("round %d: reopening after SIGKILL: %v, %+v", round, err, h)
		}
		runs, err := s.History()
		if err != nil {
			t.Fatalf("round %d: history: %v", round, err)
		}
		intents, unfinished := 0, 0
		for _, r := range runs {
			entries, err := s.Entries(r.ID)
			if err != nil {
				t.Fatalf("round %d: run %s: %v", round, r.ID, err)
			}
			for i, e := range entries {
				// An outcome is stored with its intent: every outcome has one,
				// and the intents of a run are numbered without a gap.
				if e.Seq != uint64(i+1) || e.UserID != i+1 || e.Desired.Status != "suspended" || e.Started.IsZero() {
					t.Fatalf("round %d: run %s entry %d: %+v", round, r.ID, i, e)
				}
				switch e.Result {
				case ResultStarted:
					unfinished++
				case ResultApplied, ResultFailed:
					if e.Finished.IsZero() || len(e.After.GroupIDs) != 1 {
						t.Fatalf("round %d: run %s entry %d has an outcome without its data: %+v", round, r.ID, i, e)
					}
				default:
					t.Fatalf("round %d: run %s entry %d: result %q", round, r.ID, i, e.Result)
				}
			}
			if len(entries) != r.Intents {
				t.Fatalf("round %d: run %s has %d entries, history says %d", round, r.ID, len(entries), r.Intents)
			}
			intents += len(entries)
		}
		// Each kill can leave at most the one change it interrupted.
		if unfinished > round+1 {
			t.Fatalf("round %d: %d intents without outcome after %d kills", round, unfinished, round+1)
		}
		if users, err := s.Users(); err != nil || (len(users) != 0 && len(users) != 2000) {
			t.Fatalf("round %d: %d users, %v; want all of one save or none", round, len(users), err)
		}
		if intents < prevIntents {
			t.Fatalf("round %d: the journal lost entries: %d after %d", round, intents, prevIntents)
		}
		prevIntents = intents
		t.Logf("round %d: killed after %d runs, %d intents, %d unfinished", round, len(runs), intents, unfinished)
		s.Close()
	}
}
