package state

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The budget: the state adds at most 10% wall time and 10 MB RSS to a
// 50,000-user plan run, and the file for 50,000 users stays under 20 MB.

const benchUsers = 50_000

var benchStart = time.Date(2025, 1, 1, 6, 0, 0, 0, time.UTC)

// portalUsers is the records a first run of a 50,000-user portal saves:
// ids as a portal hands them out, every user first seen today.
func portalUsers(n int) map[int]Record {
	users := make(map[int]Record, n)
	for i := range n {
		users[100+i*3] = Record{FirstSeen: benchStart}
	}
	return users
}

// nextDay changes the users as a day on a large portal might: 0.3% leave,
// 0.3% join (new ids), 2% start or clear a warning, 0.1% reactivated.
func nextDay(users map[int]Record, day int, nextID *int, rng *rand.Rand) {
	now := benchStart.AddDate(0, 0, day)
	n := len(users)
	i := 0
	for id, r := range users {
		switch x := rng.IntN(1000); {
		case x < 3:
			delete(users, id)
		case x < 23:
			if r.FirstWarned.IsZero() {
				r.FirstWarned = now
			} else {
				r.FirstWarned = time.Time{}
			}
			users[id] = r
		case x < 24:
			r.Reactivated = now
			users[id] = r
		}
		i++
	}
	for range n * 3 / 1000 {
		users[*nextID] = Record{FirstSeen: now}
		*nextID += 3
	}
}

func fileSize(b *testing.B, path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return float64(fi.Size())
}

// usedSize is the pages in use up to the highest, what the file needs.
func usedSize(b *testing.B, s *Store) float64 {
	var n int64
	s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return float64(n)
}

func openBench(b *testing.B, path string) *Store {
	b.Helper()
	s, h, err := Open(path, Options{})
	if err != nil || !h.OK {
		b.Fatalf("Open: %v %+v", err, h)
	}
	return s
}

func BenchmarkSaveUsers(b *testing.B) {
	b.Run("first run 50k", func(b *testing.B) {
		users := portalUsers(benchUsers)
		b.ReportAllocs()
		var size float64
		for b.Loop() {
			b.StopTimer()
			path := filepath.Join(b.TempDir(), "state.db")
			s := openBench(b, path)
			b.StartTimer()
			if err := s.SaveUsers(users); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			s.Close()
			size = fileSize(b, path)
			b.StartTimer()
		}
		b.ReportMetric(size, "file-bytes")
	})
	b.Run("daily 50k with 2.7% changed", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "state.db")
		s := openBench(b, path)
		defer s.Close()
		users := portalUsers(benchUsers)
		if err := s.SaveUsers(users); err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		nextID := 100 + benchUsers*3
		b.ReportAllocs()
		day := 0
		for b.Loop() {
			b.StopTimer()
			day++
			nextDay(users, day, &nextID, rng)
			b.StartTimer()
			if err := s.SaveUsers(users); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unchanged 50k", func(b *testing.B) {
		s := openBench(b, filepath.Join(b.TempDir(), "state.db"))
		defer s.Close()
		users := portalUsers(benchUsers)
		if err := s.SaveUsers(users); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := s.SaveUsers(users); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUsers(b *testing.B) {
	s := openBench(b, filepath.Join(b.TempDir(), "state.db"))
	defer s.Close()
	if err := s.SaveUsers(portalUsers(benchUsers)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		users, err := s.Users()
		if err != nil || len(users) != benchUsers {
			b.Fatal(len(users), err)
		}
	}
}

// BenchmarkOpen is the cost of opening a 50,000-user file with a year of
// journal: it is read in full before it is trusted.
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "state.db")
	s := openBench(b, path)
	if err := s.SaveUsers(portalUsers(benchUsers)); err != nil {
		b.Fatal(err)
	}
	journalYear(b, s)
	s.Close()
	for _, ro := range []bool{false, true} {
		b.Run(fmt.Sprintf("read-only=%v", ro), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, h, err := Open(path, Options{ReadOnly: ro})
				if err != nil || !h.OK {
					b.Fatal(err, h)
				}
				s.Close()
			}
			b.ReportMetric(fileSize(b, path), "file-bytes")
		})
	}
}

// journalYear journals a year of daily runs of 50 changes each, in one
// transaction per run so that it is quick to set up.
func journalYear(b *testing.B, s *Store) {
	b.Helper()
	for d := range 365 {
		id := NewRunID(benchStart.AddDate(0, 0, d))
		if err := s.BeginRun(Run{ID: id, Kind: KindRun, PolicyDigest: "sha256:0123456789abcdef"}); err != nil {
			b.Fatal(err)
		}
		for i := range 50 {
			seq, err := s.Intent(id, suspension(1000+d*50+i, fmt.Sprintf("user.%d@example.com", i)))
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Outcome(id, seq, Outcome{Result: ResultApplied, After: UserState{Status: "suspended", GroupIDs: []int{9}}}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFileSize reports the file of a 50,000-user portal after its
// first run and after 30 daily runs with churn, each journaling 50 changes.
func BenchmarkFileSize(b *testing.B) {
	var first, month, used float64
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "state.db")
		s := openBench(b, path)
		users := portalUsers(benchUsers)
		if err := s.SaveUsers(users); err != nil {
			b.Fatal(err)
		}
		first = fileSize(b, path)
		rng := rand.New(rand.NewPCG(3, 4))
		nextID := 100 + benchUsers*3
		for d := 1; d <= 30; d++ {
			nextDay(users, d, &nextID, rng)
			if err := s.SaveUsers(users); err != nil {
				b.Fatal(err)
			}
			id := NewRunID(benchStart.AddDate(0, 0, d))
			if err := s.BeginRun(Run{ID: id, Kind: KindRun}); err != nil {
				b.Fatal(err)
			}
			for i := range 50 {
				seq, _ := s.Intent(id, suspension(i+1, "someone@example.com"))
				s.Outcome(id, seq, Outcome{Result: ResultApplied, After: UserState{Status: "suspended", GroupIDs: []int{9}}})
			}
		}
		month = fileSize(b, path)
		used = usedSize(b, s)
		s.Close()
	}
	b.ReportMetric(first, "first-run-bytes")
	b.ReportMetric(month, "after-30-days-bytes")
	b.ReportMetric(used, "after-30-days-used-bytes")
}

// BenchmarkJournal is one run's worth of journal: the run, and 50 intents
// each with its outcome, every one its own synced transaction.
func BenchmarkJournal(b *testing.B) {
	s := openBench(b, filepath.Join(b.TempDir(), "state.db"))
	defer s.Close()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		id := fmt.Sprintf("run-%08d", n)
		n++
		if err := s.BeginRun(Run{ID: id, Kind: KindRun}); err != nil {
			b.Fatal(err)
		}
		for i := range 50 {
			seq, err := s.Intent(id, suspension(i+1, "someone@example.com"))
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Outcome(id, seq, Outcome{Result: ResultApplied}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*101), "ns/commit")
}

// BenchmarkPeakRSS is what a run's use of the state adds to the peak RSS of
// a process, measured in a child process that does only that: open a
// 50,000-user file, load the users, save a day's changes, close.
func BenchmarkPeakRSS(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc/self/status")
	}
	path := filepath.Join(b.TempDir(), "state.db")
	s := openBench(b, path)
	if err := s.SaveUsers(portalUsers(benchUsers)); err != nil {
		b.Fatal(err)
	}
	s.Close()
	var added float64
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "LMUH_STATE_CHILD=rss", "LMUH_STATE_PATH="+path)
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("child: %v", err)
		}
		if _, err := fmt.Sscan(string(out), &added); err != nil {
			b.Fatalf("child said %q", out)
		}
	}
	b.ReportMetric(added, "peak-rss-added-bytes")
}

func rssChild(path string) int {
	before := peakRSS()
	s, h, err := Open(path, Options{})
	if err != nil || !h.OK {
		fmt.Fprintln(os.Stderr, err, h)
		return 1
	}
	users, err := s.Users()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	next := 100 + benchUsers*3
	nextDay(users, 1, &next, rand.New(rand.NewPCG(5, 6)))
	if err := s.SaveUsers(users); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s.Close()
	runtime.KeepAlive(users)
	fmt.Println(peakRSS() - before)
	return 0
}

// peakRSS is the process's peak resident set (VmHWM) in bytes.
func peakRSS() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var n int64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), &n)
			return n << 10
		}
	}
	return 0
}
