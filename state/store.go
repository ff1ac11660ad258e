// Package state is the lifecycle memory: what the portal forgets (when the
// tool first saw a user, first warned it, saw it reactivated, and every
// change it made), kept in one crash-safe file. It stores; the rules that
// decide what to remember live in the planners.
//
// The file is a bbolt database. Every write is one committed transaction,
// and bbolt syncs the file on commit, so a run killed at any moment leaves a
// consistent file. One run at a time holds it: bbolt locks the file.
package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DefaultLockTimeout is how long Open waits for another run to release the
// file.
const DefaultLockTimeout = 10 * time.Second

// How the file grows; see boltOpen and open.
const (
	initialMmapSize = 16 << 20
	growStep        = 1 << 20
)

// schemaVersion is the layout of the buckets and values; a file from a
// newer version is left alone.
const schemaVersion = 1

var (
	bucketMeta    = []byte("meta")
	bucketUsers   = []byte("users")
	bucketRuns    = []byte("runs")
	bucketJournal = []byte("journal")
	keySchema     = []byte("schema")
)

// Errors a caller tells apart with errors.Is.
var (
	// ErrLocked: another run holds the file (see IsLocked).
	ErrLocked = errors.New("state file is in use by another run")
	// ErrUnknownRun: no run with that id in the journal.
	ErrUnknownRun = errors.New("no such run in the journal")
	// ErrNoState: the journal was asked for but the run has no state.
	ErrNoState = errors.New("no state file in use")
)

// IsLocked reports whether Open failed because another run holds the file
// for longer than the lock timeout. The run then exits 1 saying so.
func IsLocked(err error) bool { return errors.Is(err, ErrLocked) }

// Options says how to open the file.
type Options struct {
	// LockTimeout is how long to wait for another run to release the file:
	// 0 means DefaultLockTimeout, a negative value not to wait.
	LockTimeout time.Duration
	// ReadOnly opens the file without ever writing it (check, --as-of):
	// nothing is created, moved aside or changed, and the write methods do
	// nothing.
	ReadOnly bool
	// Snapshot, with ReadOnly, reads the users at Open and lets go of the
	// file at once: a command that never writes (check, upcoming) then
	// holds the lock for the moment of that read, not while it reads the
	// portal, so it never keeps the daily run waiting. Users returns what
	// was read; the journal is not read.
	Snapshot bool
	// Now is the clock for journal times and the name of a file moved
	// aside; nil means time.Now.
	Now func() time.Time
	// CreateAtFirstUse leaves a missing file uncreated until the store is
	// first used (Users, or a write), when it is created and locked: a run
	// reads the portal before it recalls, so a run that never read the
	// portal (a mistyped portal name) leaves no file behind. An existing
	// file is opened, and locked, at once either way.
	CreateAtFirstUse bool
	// KeepJournal is how long a run stays in the journal after it started:
	// 0 means DefaultKeepJournal, a negative value for ever. Without a limit
	// the journal is the one part of the file that only grows.
	KeepJournal time.Duration
}

// DefaultKeepJournal keeps a year of runs and a month to spare, for a
// yearly review.
const DefaultKeepJournal = 400 * 24 * time.Hour

// Health is what the run reports about its state: OK false means
// state_ok=0, with Warning the one line to log. With --state off Health is
// OK: no state is a choice, not a fault.
type Health struct {
	OK      bool
	Warning string
}

// Store is an open state file. A nil *Store is the run without state: its
// write methods do nothing, Users is empty and the journal reads return
// ErrNoState.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool
	now      func() time.Time
	keep     time.Duration
	// create, set while the file does not exist yet, is how to create it at
	// its first use (Users, or a write): a run reads the portal before it
	// recalls, so a run that never read the portal leaves no file behind.
	create *Options
	// unusable is a file that cannot be used and cannot be replaced by a
	// fresh one: the store reads as an empty memory (a first run's) and
	// records nothing. It is never the same as no state: grace still holds.
	unusable bool
	// snapshot is the users a Snapshot store read at Open.
	snapshot map[int]Record
}

// EmptyMemory is the store of a run whose state file cannot be used at all
// (not even named: auto with no user cache directory): it reads as a first
// run's empty memory, so grace starts today, and records nothing.
func EmptyMemory(path string) *Store {
	return &Store{path: path, readOnly: true, unusable: true, now: time.Now}
}

// Usable reports whether the store can record what a run learns: false
// without state and for an empty memory standing in for an unusable file.
func (s *Store) Usable() bool { return s != nil && !s.unusable }

// Enabled reports whether the run has state.
func (s *Store) Enabled() bool { return s != nil }

// Path is the file the store holds ("" without state).
func (s *Store) Path() string {
	if s == nil {
		return ""
	}
	return s.path
}

// ReadOnly reports whether the store never writes.
func (s *Store) ReadOnly() bool { return s != nil && s.readOnly }

// Close releases the file and its lock.
func (s *Store) Close() error {
	if s == nil || s.db == nil {
		return nil
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("state: close %s: %v", s.path, err)
	}
	return nil
}

// Open opens the state file at path; path "" (--state off) gives no store
// and a healthy Health.
//
// The only error is ErrLocked: another run held the file for longer than the
// lock timeout. Every other failure leaves the run going on, and Health says
// why it is not OK:
//   - a file that cannot be opened or read (corrupt, not a state file,
//     truncated) is moved aside to <path>.corrupt-<UTC time> and a fresh one
//     started (read-only: left where it is);
//   - a file that cannot be used and cannot be replaced by a fresh one (a
//     file or directory that cannot be written, or read-only, read): the
//     store is an empty memory that records nothing (see Usable), never no
//     state, so that losing the file only delays suspensions.
//
// A missing file is created (0600, its directory 0700), with
// CreateAtFirstUse only at the store's first use (Users or a write); should
// it then prove unusable, that call says why and the store is an empty
// memory. Read-only, a missing file is an empty state, and Health is OK.
func Open(path string, opts Options) (*Store, Health, error) {
	if path == "" {
		return nil, Health{OK: true}, nil
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.KeepJournal == 0 {
		opts.KeepJournal = DefaultKeepJournal
	}
	if opts.ReadOnly {
		return openReadOnly(path, opts)
	}
	if _, err := os.Stat(path); opts.CreateAtFirstUse && errors.Is(err, fs.ErrNotExist) {
		return &Store{path: path, now: opts.Now, keep: opts.KeepJournal, create: &opts}, Health{OK: true}, nil
	}
	return openWritable(path, opts)
}

// materialize creates the file Open found missing, now that the run has
// read the portal. Its error is ErrLocked (another run made the file and
// holds it), or the one line saying why the file cannot be used: the store
// is then an empty memory that records nothing.
func (s *Store) materialize() error {
	if s == nil || s.create == nil {
		return nil
	}
	opts := *s.create
	s.create = nil
	opened, h, err := openWritable(s.path, opts)
	switch {
	case err != nil:
		s.readOnly, s.unusable = true, true
		return err
	case opened.db == nil:
		s.readOnly, s.unusable = true, true
		return errors.New(h.Warning)
	}
	opened.now, opened.keep = s.now, s.keep
	*s = *opened
	if !h.OK {
		// Another run made a file meanwhile, which proved unreadable: this
		// one started afresh, and the warning says so.
		return errors.New(h.Warning)
	}
	return nil
}

// openWritable opens (or creates) the file for a run that records.
func openWritable(path string, opts Options) (*Store, Health, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return unusable(path, opts, "cannot be written", err)
	}
	s, err := open(path, opts)
	if err == nil {
		return s, Health{OK: true}, nil
	}
	var (
		bad   *damagedError
		newer *newerSchemaError
	)
	switch {
	case IsLocked(err):
		return nil, Health{}, err
	case errors.As(err, &newer):
		return unusable(path, opts, "is "+newer.Error(), nil)
	case !errors.As(err, &bad):
		return unusable(path, opts, "cannot be written", err)
	}
	aside, moveErr := moveAside(path, bad.file, opts.Now())
	if moveErr != nil {
		return unusable(path, opts, "cannot be read ("+bad.Error()+") nor moved aside", moveErr)
	}
	s, err = open(path, opts)
	switch {
	case IsLocked(err):
		return nil, Health{}, err
	case err != nil:
		return unusable(path, opts, "was moved aside to "+aside+" as unreadable, and a fresh one cannot be written", err)
	}
	return s, Health{Warning: fmt.Sprintf("state file %s could not be read (%v); moved it to %s and started afresh: first-seen dates and warnings start over", path, bad.err, aside)}, nil
}

func openReadOnly(path string, opts Options) (*Store, Health, error) {
	if fi, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) || err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
		// Nothing recorded yet: the first run that writes creates it.
		return &Store{path: path, readOnly: true, now: opts.Now}, Health{OK: true}, nil
	}
	s, err := open(path, opts)
	var (
		bad   *damagedError
		newer *newerSchemaError
	)
	if err == nil && opts.Snapshot {
		err = s.takeSnapshot()
	}
	switch {
	case err == nil:
		return s, Health{OK: true}, nil
	case IsLocked(err):
		return nil, Health{}, err
	case errors.As(err, &newer):
		return unusable(path, opts, "is "+newer.Error(), nil)
	case errors.As(err, &bad):
		return unusable(path, opts, "cannot be read ("+bad.err.Error()+"); the next run that writes moves it aside", nil)
	default:
		return unusable(path, opts, "cannot be read", err)
	}
}

// takeSnapshot reads the users and closes the file. A record that cannot be
// read is a damaged file, as at any other read.
func (s *Store) takeSnapshot() error {
	users, err := s.Users()
	info, _ := os.Stat(s.path)
	s.Close()
	s.db = nil
	if err != nil {
		return &damagedError{err: err, file: info}
	}
	s.snapshot = users
	return nil
}

// unusable is the store and Health of a run whose file cannot be used: an
// empty memory that records nothing, and the one warning.
func unusable(path string, opts Options, what string, err error) (*Store, Health, error) {
	msg := fmt.Sprintf("state file %s %s", path, what)
	if err != nil {
		msg += ": " + oneLine(err)
	}
	s := &Store{path: path, readOnly: true, unusable: true, now: opts.Now}
	return s, Health{Warning: msg + "; the run reads it as an empty memory (grace starts today, first-seen dates from today) and records nothing"}, nil
}

// damagedError is a file that opened but cannot be read as a state file.
type damagedError struct {
	err  error
	file os.FileInfo // what was opened, to move aside only that file
}

func (e *damagedError) Error() string { return e.err.Error() }
func (e *damagedError) Unwrap() error { return e.err }

// lockedError is another run holding the file.
type lockedError struct {
	path    string
	timeout time.Duration
}

func (e *lockedError) Error() string {
	return fmt.Sprintf("state file %s is in use by another run (waited %s); let that run finish, or give this one its own --state", e.path, e.timeout)
}
func (e *lockedError) Is(target error) bool { return target == ErrLocked }

// newerSchemaError is a file written by a newer version of the tool; it is
// never moved aside, only not used.
type newerSchemaError struct{ version byte }

func (e *newerSchemaError) Error() string {
	return fmt.Sprintf("written by a newer lm-user-hygiene (layout %d, this one reads %d); upgrade the binary", e.version, schemaVersion)
}

// open opens and verifies the file. Its errors are *lockedError, an error
// opening the file itself (cannot be written or read), *newerSchemaError, or
// *damagedError for anything found once the file was open.
//
// The file is first opened read-only and read in full: bbolt opened that way
// reads nothing but its header, so damage shows in verify, where a panic or
// a fault is caught and the file closed. Only a file that passed is then
// opened for writing (which loads the free page list at once).
func open(path string, opts Options) (*Store, error) {
	deadline := time.Now().Add(opts.LockTimeout)
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !opts.ReadOnly:
		// A fresh file.
	case err != nil:
		return nil, err
	case info.IsDir():
		return nil, fmt.Errorf("%s is a directory", path)
	case info.Size() == 0 && !opts.ReadOnly:
		// Created but never initialised (a run killed at once): fresh.
	case info.Size() < 2*int64(os.Getpagesize()):
		// bbolt would map its second header page past the end of the file.
		return nil, &damagedError{err: fmt.Errorf("%d bytes is too short for a state file", info.Size()), file: info}
	default:
		db, opened, err := boltOpen(path, true, opts.LockTimeout)
		if err != nil {
			return nil, err
		}
		if err := verify(db, opened); err != nil {
			db.Close()
			var newer *newerSchemaError
			if errors.As(err, &newer) {
				return nil, err
			}
			return nil, &damagedError{err: err, file: opened}
		}
		if opts.ReadOnly {
			return &Store{db: db, path: path, readOnly: true, now: opts.Now}, nil
		}
		db.Close()
	}
	db, _, err := boltOpen(path, false, max(time.Until(deadline), time.Nanosecond))
	if err != nil {
		return nil, err
	}
	// Grow the file by what is needed and a megabyte, not to the next power
	// of two, so a 50,000-user file stays a few megabytes.
	db.AllocSize = growStep
	if err := db.Update(initBuckets); err != nil {
		db.Close()
		return nil, err
	}
	return &Store{db: db, path: path, now: opts.Now, keep: opts.KeepJournal}, nil
}

// boltOpen opens the file with bbolt, waiting up to timeout for its lock
// (not at all when timeout is negative). Its errors are *lockedError, the
// error opening the file itself, or *damagedError.
func boltOpen(path string, readOnly bool, timeout time.Duration) (db *bolt.DB, opened os.FileInfo, err error) {
	var (
		file    *os.File
		openErr error
	)
	bopts := &bolt.Options{
		Timeout:  timeout,
		ReadOnly: readOnly,
		OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
			file, openErr = os.OpenFile(name, flag, mode)
			if openErr == nil {
				opened, openErr = file.Stat()
			}
			return file, openErr
		},
	}
	if timeout <= 0 {
		bopts.Timeout = time.Nanosecond // bbolt waits forever on 0
	}
	if !readOnly && runtime.GOOS != "windows" {
		// Address space, not memory: mapping room to grow spares bbolt
		// remapping while it commits, which copies every changed key and
		// value to the heap each time (a first 50,000-user save allocated
		// 48 MB that way). Windows would make the file this size.
		bopts.InitialMmapSize = initialMmapSize
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			if file != nil {
				file.Close()
			}
			db, err = nil, &damagedError{err: fmt.Errorf("%v", p), file: opened}
		}
	}()
	db, err = bolt.Open(path, 0o600, bopts)
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, nil, &lockedError{path: path, timeout: max(timeout, 0)}
	case openErr != nil:
		return nil, nil, openErr
	case err != nil:
		return nil, nil, &damagedError{err: err, file: opened}
	}
	return db, opened, nil
}

// initBuckets makes a fresh file a state file.
func initBuckets(tx *bolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	if meta.Get(keySchema) == nil {
		if err := meta.Put(keySchema, []byte{schemaVersion}); err != nil {
			return err
		}
	}
	for _, name := range [][]byte{bucketUsers, bucketRuns, bucketJournal} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// verify reads the whole file once, so that damage shows now, as an error,
// and not later as a panic in the middle of a run. It is cheap next to the
// run: a 50,000-user file is a few megabytes.
func verify(db *bolt.DB, info os.FileInfo) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	return db.View(func(tx *bolt.Tx) error {
		// bbolt trusts the size in its header; reading past the end of a
		// truncated file would fault.
		if info.Size() < tx.Size() {
			return fmt.Errorf("truncated: %d bytes, its header says %d", info.Size(), tx.Size())
		}
		if meta := tx.Bucket(bucketMeta); meta != nil {
			v := meta.Get(keySchema)
			if len(v) != 1 {
				return errors.New("no layout version")
			}
			if v[0] > schemaVersion {
				return &newerSchemaError{version: v[0]}
			}
		} else if tx.Bucket(bucketUsers) != nil || tx.Bucket(bucketRuns) != nil {
			return errors.New("no layout version")
		}
		if err := verifyUsers(tx); err != nil {
			return err
		}
		if err := verifyJournal(tx); err != nil {
			return err
		}
		// Every page is now known to be readable; the check (on its own
		// goroutine) adds the free page list and the page accounting.
		var first error
		for err := range tx.Check() { // drained: the checker reads the open transaction
			if first == nil {
				first = err
			}
		}
		return first
	})
}

// moveAside renames the damaged file out of the way, unless another run has
// already replaced it.
func moveAside(path string, opened os.FileInfo, now time.Time) (string, error) {
	if cur, err := os.Stat(path); err != nil {
		return "", err
	} else if opened != nil && !os.SameFile(cur, opened) {
		return "", errors.New("another run replaced it meanwhile")
	}
	base := path + ".corrupt-" + now.UTC().Format("20060102T150405Z")
	aside := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, fs.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s-%d", base, i)
	}
	return aside, os.Rename(path, aside)
}

// oneLine keeps a warning on one line whatever the error holds.
func oneLine(err error) string {
	b := []byte(err.Error())
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}

// guard turns a panic in bbolt, or a fault reading the mapped file (a file
// damaged while the run held it), into an error, so a damaged file never
// takes the run down. Use: defer guard(path, &err)().
func guard(path string, err *error) func() {
	old := debug.SetPanicOnFault(true)
	return func() {
		debug.SetPanicOnFault(old)
		if p := recover(); p != nil {
			*err = fmt.Errorf("state file %s is damaged (%v); move it aside", path, p)
		}
	}
}
