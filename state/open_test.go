package state

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// checkWarning holds a Health that is not OK to the contract: state_ok=0
// and one line saying why.
func checkWarning(t *testing.T, h Health, mentions ...string) {
	t.Helper()
	if h.OK {
		t.Fatalf("Health OK, want a warning")
	}
	if h.Warning == "" || strings.ContainsAny(h.Warning, "\r\n") {
		t.Fatalf("warning %q is not one line", h.Warning)
	}
	for _, m := range mentions {
		if !strings.Contains(h.Warning, m) {
			t.Fatalf("warning %q does not say %q", h.Warning, m)
		}
	}
}

// populated writes a state file with users and a journaled run, and
// returns its path.
func populated(t *testing.T, users int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, h, err := Open(path, Options{})
	if err != nil || !h.OK {
		t.Fatalf("Open: %v, %+v", err, h)
	}
	recs := make(map[int]Record, users)
	for id := range users {
		recs[id+1] = Record{FirstSeen: day("2025-01-01").Add(time.Duration(id) * time.Hour)}
	}
	if err := s.SaveUsers(recs); err != nil {
		t.Fatal(err)
	}
	if err := s.BeginRun(Run{ID: "r1", Kind: KindRun}); err != nil {
		t.Fatal(err)
	}
	seq, err := s.Intent("r1", suspension(1, "ann"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Outcome("r1", seq, Outcome{Result: ResultApplied}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOffIsAChoiceNotAFault(t *testing.T) {
	s, h, err := Open("", Options{})
	if s != nil || err != nil || !h.OK || h.Warning != "" {
		t.Fatalf("Open(off) = %v, %+v, %v; want no store, OK, no warning", s, h, err)
	}
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache", "lm-user-hygiene", "acme.db")
	s, h, err := Open(path, Options{})
	if err != nil || !h.OK {
		t.Fatalf("Open: %v, %+v", err, h)
	}
	defer s.Close()
	if _, err := s.Users(); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got&^want != 0 {
			t.Errorf("%s has mode %v, want at most %v", p, got, want)
		}
	}
}

func TestSecondRunWaitsThenFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	first, _, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Users(); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		start := time.Now()
		s, h, err := Open(path, Options{LockTimeout: 300 * time.Millisecond, ReadOnly: ro})
		waited := time.Since(start)
		if !IsLocked(err) || s != nil {
			t.Fatalf("read-only %v: Open while another run holds the file = %v, %+v, %v; want a locked error", ro, s, h, err)
		}
		if waited < 200*time.Millisecond {
			t.Errorf("read-only %v: gave up after %v, want about the lock timeout", ro, waited)
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, path) || !strings.Contains(msg, "another run") {
			t.Errorf("locked error %q: want one line naming the file and the other run", msg)
		}
	}
	first.Close()
	s, h, err := Open(path, Options{LockTimeout: 300 * time.Millisecond})
	if err != nil || !h.OK {
		t.Fatalf("Open after the first run ended: %v, %+v", err, h)
	}
	s.Close()
}

func TestSecondProcessWaitsThenFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	child := startChild(t, "hold", path)
	child.waitReady(t)
	_, _, err := Open(path, Options{LockTimeout: 200 * time.Millisecond})
	if !IsLocked(err) {
		t.Fatalf("Open while another process holds the file: %v; want a locked error", err)
	}
	child.kill(t)
	// The lock goes with the process, however it ends.
	s, h, err := Open(path, Options{LockTimeout: 2 * time.Second})
	if err != nil || !h.OK {
		t.Fatalf("Open after the other process died: %v, %+v", err, h)
	}
	s.Close()
}

func TestUnreadableFileIsMovedAside(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"a file that is not a state file", func(t *testing.T, path string) {
			write(t, path, []byte("lmuh state? no, a shopping list\n"))
		}},
		{"a file of random bytes", func(t *testing.T, path string) {
			b := make([]byte, 64<<10)
			for i := range b {
				b[i] = byte(i*7919 + i>>3)
			}
			write(t, path, b)
		}},
		{"a file cut short", func(t *testing.T, path string) {
			populatedAt(t, path, 20000)
			fi, _ := os.Stat(path)
			if err := os.Truncate(path, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
		}},
		{"a file cut inside its header", func(t *testing.T, path string) {
			populatedAt(t, path, 10)
			if err := os.Truncate(path, 5000); err != nil {
				t.Fatal(err)
			}
		}},
		{"both headers overwritten", func(t *testing.T, path string) {
			populatedAt(t, path, 10)
			b := read(t, path)
			for i := range 2 * 4096 {
				b[i] = 0
			}
			write(t, path, b)
		}},
		{"data pages overwritten", func(t *testing.T, path string) {
			populatedAt(t, path, 5000)
			b := read(t, path)
			for i := 2 * 4096; i < len(b); i++ {
				b[i] = byte(i)
			}
			write(t, path, b)
		}},
		{"a user record of the wrong size", func(t *testing.T, path string) {
			populatedAt(t, path, 10)
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketUsers).Put(userKey(3), []byte{1, 2, 3}) })
			db.Close()
		}},
		{"a journal entry that does not decode", func(t *testing.T, path string) {
			populatedAt(t, path, 10)
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			db.Update(func(tx *bolt.Tx) error {
				return tx.Bucket(bucketJournal).Bucket([]byte("r1")).Put(seqKey(1), []byte{valueLayout, 0xff})
			})
			db.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			tt.damage(t, path)
			damaged := read(t, path)
			now := time.Date(2025, 7, 4, 3, 2, 1, 0, time.UTC)

			t.Run("read-only leaves it where it is and reads an empty memory", func(t *testing.T) {
				s, h, err := Open(path, Options{ReadOnly: true, Now: func() time.Time { return now }})
				if err != nil {
					t.Fatalf("Open = %v, %v; want an empty memory and no error", s, err)
				}
				checkWarning(t, h, path, "next run that writes")
				checkEmptyMemory(t, s)
				if !bytes.Equal(read(t, path), damaged) {
					t.Fatal("read-only Open changed the file")
				}
			})

			s, h, err := Open(path, Options{Now: func() time.Time { return now }})
			if err != nil || s == nil {
				t.Fatalf("Open = %v, %v; want a fresh store", s, err)
			}
			defer s.Close()
			aside := path + ".corrupt-20250704T030201Z"
			checkWarning(t, h, path, aside)
			if !bytes.Equal(read(t, aside), damaged) {
				t.Fatal("the file moved aside is not the damaged file")
			}
			if users, err := s.Users(); err != nil || len(users) != 0 {
				t.Fatalf("fresh store has users %v, %v", len(users), err)
			}
			if err := s.SaveUsers(map[int]Record{1: {FirstSeen: now}}); err != nil {
				t.Fatalf("the fresh store cannot be written: %v", err)
			}
		})
	}
}

func TestSecondDamagedFileInTheSameSecondIsKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	now := func() time.Time { return time.Date(2025, 7, 4, 3, 2, 1, 0, time.UTC) }
	for i := range 2 {
		write(t, path, []byte("garbage"))
		s, h, err := Open(path, Options{Now: now})
		if err != nil || s == nil || h.OK {
			t.Fatalf("Open %d: %v, %+v, %v", i, s, h, err)
		}
		s.Close()
	}
	for _, name := range []string{"state.db.corrupt-20250704T030201Z", "state.db.corrupt-20250704T030201Z-2"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestNewerFileIsLeftAlone(t *testing.T) {
	path := populated(t, 3)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, []byte{schemaVersion + 1}) })
	db.Close()
	before := read(t, path)
	for _, ro := range []bool{false, true} {
		s, h, err := Open(path, Options{ReadOnly: ro})
		if err != nil {
			t.Fatalf("read-only %v: Open = %v, %v; want an empty memory, no error", ro, s, err)
		}
		checkWarning(t, h, "newer", "upgrade")
		checkEmptyMemory(t, s)
	}
	if !bytes.Equal(read(t, path), before) {
		t.Fatal("a newer version's file was changed or moved")
	}
}

// checkEmptyMemory holds the store of an unusable file to the rule that
// losing state never makes the tool suspend sooner: it reads as a first
// run's empty memory (a store, never no state) and records nothing.
func checkEmptyMemory(t *testing.T, s *Store) {
	t.Helper()
	if s == nil || !s.Enabled() {
		t.Fatal("an unusable file gave no store: the run would have no grace")
	}
	if s.Usable() {
		t.Fatal("an unusable file's store says it can record")
	}
	if users, err := s.Users(); err != nil || len(users) != 0 {
		t.Fatalf("Users = %v, %v; want an empty memory", users, err)
	}
	if err := s.SaveUsers(map[int]Record{1: {FirstSeen: time.Now()}}); err != nil {
		t.Fatalf("SaveUsers on an empty memory: %v", err)
	}
	if users, _ := s.Users(); len(users) != 0 {
		t.Fatalf("the empty memory recorded %v", users)
	}
	if err := s.BeginRun(Run{ID: "r9", Kind: KindRun}); !errors.Is(err, ErrNoState) {
		t.Fatalf("BeginRun on an empty memory = %v; want ErrNoState (nothing journaled)", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestUnusableFileIsAnEmptyMemory(t *testing.T) {
	root := os.Geteuid() == 0
	tests := []struct {
		name     string
		asRoot   bool // root can write there anyway
		setup    func(t *testing.T) string
		readOnly bool
	}{
		{"a directory that cannot exist (a file is in its way)", true, func(t *testing.T) string {
			file := filepath.Join(t.TempDir(), "file")
			write(t, file, []byte("x"))
			return filepath.Join(file, "lm-user-hygiene", "acme.db")
		}, false},
		{"read-only, a directory that cannot exist", true, func(t *testing.T) string {
			file := filepath.Join(t.TempDir(), "file")
			write(t, file, []byte("x"))
			return filepath.Join(file, "acme.db")
		}, true},
		{"a state path that is a directory", true, func(t *testing.T) string {
			return t.TempDir()
		}, false},
		{"read-only, a state path that is a directory", true, func(t *testing.T) string {
			return t.TempDir()
		}, true},
		{"a missing file in a directory without write permission", false, func(t *testing.T) string {
			dir := t.TempDir()
			os.Chmod(dir, 0o500)
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			return filepath.Join(dir, "acme.db")
		}, false},
		{"a file without write permission", false, func(t *testing.T) string {
			path := populated(t, 1)
			os.Chmod(path, 0o400)
			return path
		}, false},
		{"read-only, a file without read permission", false, func(t *testing.T) string {
			path := populated(t, 1)
			os.Chmod(path, 0o200)
			return path
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if root && !tt.asRoot {
				t.Skip("running as root, which may write there anyway")
			}
			path := tt.setup(t)
			s, h, err := Open(path, Options{ReadOnly: tt.readOnly, CreateAtFirstUse: true})
			if err != nil || s == nil {
				t.Fatalf("Open = %v, %v; want a store and no error", s, err)
			}
			if h.OK {
				// A missing file is made at its first use: only then does
				// it prove unusable, and Users says why.
				_, err := s.Users()
				if err == nil {
					t.Fatal("neither Open nor Users said the file cannot be used")
				}
				h = Health{Warning: err.Error()}
			}
			checkWarning(t, h, path, "empty memory")
			checkEmptyMemory(t, s)
			if matches, _ := filepath.Glob(path + ".corrupt-*"); len(matches) != 0 {
				t.Fatalf("a file that cannot be written was moved aside: %v", matches)
			}
		})
	}
}

func TestMissingFileIsCreatedOnlyAtFirstUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lm-user-hygiene")
	path := filepath.Join(dir, "acme.db")
	s, h, err := Open(path, Options{CreateAtFirstUse: true})
	if err != nil || !h.OK || !s.Usable() {
		t.Fatalf("Open = %v, %+v, %v; want a store that creates its file later", s, h, err)
	}
	// A run that never read the portal (a mistyped portal name) ends here.
	if runs, err := s.History(); err != nil || len(runs) != 0 {
		t.Fatalf("History = %v, %v", runs, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a store never used made %s (%v)", dir, err)
	}

	s, _, _ = Open(path, Options{CreateAtFirstUse: true})
	defer s.Close()
	if users, err := s.Users(); err != nil || len(users) != 0 {
		t.Fatalf("Users = %v, %v", users, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the first use did not create the file: %v", err)
	}
	// Created means locked: another run waits for it.
	if _, _, err := Open(path, Options{LockTimeout: -1}); !IsLocked(err) {
		t.Fatalf("Open of the file a run created = %v; want it locked", err)
	}
}

func TestMissingFileThatCannotBeMadeAtFirstUseIsAnEmptyMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.db")
	s, h, err := Open(path, Options{CreateAtFirstUse: true})
	if err != nil || !h.OK {
		t.Fatalf("Open = %v, %+v, %v", s, h, err)
	}
	// What stands at the path by the first use cannot be a state file.
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	users, err := s.Users()
	if err == nil || len(users) != 0 {
		t.Fatalf("Users = %v, %v; want an empty memory and why", users, err)
	}
	checkWarning(t, Health{Warning: err.Error()}, path, "empty memory")
	checkEmptyMemory(t, s)
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Fatalf("what stood at the path was moved or changed (%v)", err)
	}
}

func TestMissingFileMadeMeanwhileByAnotherRunWaitsForIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.db")
	late, _, err := Open(path, Options{LockTimeout: -1, CreateAtFirstUse: true})
	if err != nil {
		t.Fatal(err)
	}
	first, _, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if err := first.SaveUsers(map[int]Record{1: {FirstSeen: day("2025-01-01")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := late.Users(); !IsLocked(err) {
		t.Fatalf("Users while another run holds the file it made = %v; want a locked error", err)
	}
	if late.Usable() {
		t.Fatal("a store that lost the lock still records")
	}
}

func TestReadOnlyNeverWritesTheFile(t *testing.T) {
	path := populated(t, 100)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	before := read(t, path)

	s, h, err := Open(path, Options{ReadOnly: true})
	if err != nil || !h.OK || !s.ReadOnly() {
		t.Fatalf("Open: %v, %+v", err, h)
	}
	users, err := s.Users()
	if err != nil || len(users) != 100 {
		t.Fatalf("Users: %d, %v", len(users), err)
	}
	if runs, err := s.History(); err != nil || len(runs) != 1 || runs[0].Applied != 1 {
		t.Fatalf("History: %+v, %v", runs, err)
	}
	if _, err := s.Entries("r1"); err != nil {
		t.Fatal(err)
	}
	// What a plan run would write is dropped.
	if err := s.SaveUsers(map[int]Record{1: {FirstSeen: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if err := s.BeginRun(Run{ID: "r2", Kind: KindRun}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Intent("r2", suspension(1, "ann")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(old) {
		t.Errorf("mtime moved from %v to %v", old, fi.ModTime())
	}
	if !bytes.Equal(read(t, path), before) {
		t.Error("the file's bytes changed")
	}
}

func TestReadOnlyWithoutAFileCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lm-user-hygiene")
	path := filepath.Join(dir, "acme.db")
	s, h, err := Open(path, Options{ReadOnly: true})
	if err != nil || !h.OK || s == nil {
		t.Fatalf("Open = %v, %+v, %v; want an empty read-only store", s, h, err)
	}
	if users, err := s.Users(); err != nil || len(users) != 0 {
		t.Fatalf("Users = %v, %v", users, err)
	}
	if runs, err := s.History(); err != nil || len(runs) != 0 {
		t.Fatalf("History = %v, %v", runs, err)
	}
	s.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("read-only Open made %s (%v)", dir, err)
	}
}

func populatedAt(t *testing.T, path string, users int) {
	t.Helper()
	write(t, path, read(t, populated(t, users)))
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAStateFileThatCannotBeNamedIsAnEmptyMemory(t *testing.T) {
	// auto with no user cache directory: there is no file to open.
	checkEmptyMemory(t, EmptyMemory(""))
}

// A command that never writes reads the users and lets go of the file at
// once: the daily run that starts while it reads the portal is not kept
// waiting, and a damaged file is still said to be one.
func TestSnapshotLetsGoOfTheFileAtOnce(t *testing.T) {
	path := populated(t, 3)
	snap, h, err := Open(path, Options{ReadOnly: true, Snapshot: true})
	if err != nil || !h.OK {
		t.Fatalf("Open snapshot: %v, %+v", err, h)
	}
	defer snap.Close()
	run, h, err := Open(path, Options{LockTimeout: -1})
	if err != nil || !h.OK {
		t.Fatalf("a run opening the file while the snapshot is open: %v, %+v; want it free", err, h)
	}
	if err := run.SaveUsers(map[int]Record{9: {FirstSeen: day("2026-01-01")}}); err != nil {
		t.Fatal(err)
	}
	run.Close()
	users, err := snap.Users()
	if err != nil || len(users) != 3 || users[1].FirstSeen != day("2025-01-01") {
		t.Errorf("snapshot Users = %v, %v; want the 3 users read at Open, not the run's later save", users, err)
	}

	damaged := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(damaged, bytes.Repeat([]byte{0xff}, 3*os.Getpagesize()), 0o600); err != nil {
		t.Fatal(err)
	}
	s, h, err := Open(damaged, Options{ReadOnly: true, Snapshot: true})
	if err != nil || h.OK || s.Usable() {
		t.Errorf("snapshot of a damaged file: %v, %+v, usable %v; want an unusable empty memory and a warning", err, h, s.Usable())
	}
}
