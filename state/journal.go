package state

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Kinds of run.
const (
	KindRun  = "run"  // a run of the policy
	KindUndo = "undo" // a run that puts an earlier run's users back
)

// Results of a journaled change.
const (
	// ResultStarted is an intent with no outcome: the run died after it
	// began that change, so the PATCH may or may not have been made.
	ResultStarted = "started"
	ResultApplied = "applied" // the portal has the desired status and groups
	ResultFailed  = "failed"  // refused, or answered with something else (see Error)
)

// Run is one run in the journal.
type Run struct {
	// ID sorts by start time; see NewRunID.
	ID           string
	Kind         string
	Started      time.Time
	PolicyDigest string
	UndoOf       string // the run an undo puts back; empty for KindRun
}

// UserState is what a change writes: a user's status and groups.
type UserState struct {
	Status   string
	GroupIDs []int
}

// Entry is one journaled change: the intent, committed before the PATCH,
// and its outcome, committed after. Result is ResultStarted until the
// outcome is recorded.
type Entry struct {
	Seq      uint64 // the order of intents within the run, from 1
	UserID   int
	Username string
	Before   UserState // as the run read the user
	Desired  UserState
	Started  time.Time // when the intent was journaled

	Result   string
	After    UserState // as the portal answered (empty when it did not)
	Error    string
	Finished time.Time // when the outcome was journaled
}

// Outcome is what came of one intent.
type Outcome struct {
	Result string // ResultApplied or ResultFailed
	After  UserState
	Error  string
}

// RunSummary is a run and the counts of its changes.
type RunSummary struct {
	Run
	Intents    int // changes begun
	Applied    int
	Failed     int
	Unfinished int // intents without an outcome (ResultStarted)
}

// NewRunID is an id for a run starting at t: its UTC time to the second and
// a random suffix, e.g. 20250102T150405Z-3f9a1c. Ids sort by start time.
func NewRunID(t time.Time) string {
	var r [3]byte
	rand.Read(r[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(r[:])
}

// BeginRun journals the start of a run; intents name it by its id. A zero
// Started is now. In the same transaction it forgets the runs that started
// longer than Options.KeepJournal before this one. Read-only, it does
// nothing; an empty memory standing in for an unusable file (see Usable)
// journals nothing and says so with ErrNoState.
func (s *Store) BeginRun(r Run) (err error) {
	if err := s.materialize(); err != nil {
		return err
	}
	if s != nil && s.unusable {
		return ErrNoState
	}
	if s == nil || s.db == nil || s.readOnly {
		return nil
	}
	switch {
	case r.ID == "":
		return errors.New("state: a run needs an id (NewRunID)")
	case r.Kind != KindRun && r.Kind != KindUndo:
		return fmt.Errorf("state: run kind %q is neither %q nor %q", r.Kind, KindRun, KindUndo)
	case (r.Kind == KindUndo) != (r.UndoOf != ""):
		return fmt.Errorf("state: an undo run, and only an undo run, names the run it undoes (run %s)", r.ID)
	}
	if r.Started.IsZero() {
		r.Started = s.now()
	}
	defer guard(s.path, &err)()
	err = s.db.Update(func(tx *bolt.Tx) error {
		runs := tx.Bucket(bucketRuns)
		if runs.Get([]byte(r.ID)) != nil {
			return fmt.Errorf("run %s is already in the journal", r.ID)
		}
		journal := tx.Bucket(bucketJournal)
		if s.keep > 0 {
			if err := forgetRuns(runs, journal, r.Started.Add(-s.keep)); err != nil {
				return err
			}
		}
		if _, err := journal.CreateBucket([]byte(r.ID)); err != nil {
			return err
		}
		return runs.Put([]byte(r.ID), encodeRun(r))
	})
	if err != nil {
		return fmt.Errorf("state: begin run in %s: %v", s.path, err)
	}
	return nil
}

// forgetRuns removes the runs that started before cutoff.
func forgetRuns(runs, journal *bolt.Bucket, cutoff time.Time) error {
	var old [][]byte
	err := runs.ForEach(func(k, v []byte) error {
		r, err := decodeRun(k, v)
		if err == nil && r.Started.Before(cutoff) {
			old = append(old, bytes.Clone(k))
		}
		return err
	})
	for _, k := range old {
		if err == nil {
			err = runs.Delete(k)
		}
		if err == nil && journal.Bucket(k) != nil {
			err = journal.DeleteBucket(k)
		}
	}
	return err
}

// Intent journals a change before it is made and returns its sequence
// number for Outcome. Only the user, Before and Desired are read from e.
// Read-only, it does nothing and returns 0.
func (s *Store) Intent(runID string, e Entry) (seq uint64, err error) {
	if err := s.materialize(); err != nil {
		return 0, err
	}
	if s == nil || s.db == nil || s.readOnly {
		return 0, nil
	}
	e.Started, e.Result = s.now(), ResultStarted
	e.After, e.Error, e.Finished = UserState{}, "", time.Time{}
	defer guard(s.path, &err)()
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJournal).Bucket([]byte(runID))
		if b == nil {
			return fmt.Errorf("run %s: %w", runID, ErrUnknownRun)
		}
		var err error
		if e.Seq, err = b.NextSequence(); err != nil {
			return err
		}
		return b.Put(seqKey(e.Seq), encodeEntry(e))
	})
	if err != nil {
		return 0, fmt.Errorf("state: journal intent in %s: %w", s.path, err)
	}
	return e.Seq, nil
}

// Outcome journals what came of the intent seq of run runID, after the
// PATCH. Read-only, it does nothing.
func (s *Store) Outcome(runID string, seq uint64, o Outcome) (err error) {
	if err := s.materialize(); err != nil {
		return err
	}
	if s == nil || s.db == nil || s.readOnly {
		return nil
	}
	if o.Result != ResultApplied && o.Result != ResultFailed {
		return fmt.Errorf("state: outcome %q is neither %q nor %q", o.Result, ResultApplied, ResultFailed)
	}
	defer guard(s.path, &err)()
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJournal).Bucket([]byte(runID))
		if b == nil {
			return fmt.Errorf("run %s: %w", runID, ErrUnknownRun)
		}
		v := b.Get(seqKey(seq))
		if v == nil {
			return fmt.Errorf("run %s has no intent %d", runID, seq)
		}
		e, err := decodeEntry(v)
		if err != nil {
			return err
		}
		if e.Result != ResultStarted {
			return fmt.Errorf("run %s intent %d already has its outcome (%s)", runID, seq, e.Result)
		}
		e.Result, e.After, e.Error, e.Finished = o.Result, o.After, o.Error, s.now()
		return b.Put(seqKey(seq), encodeEntry(e))
	})
	if err != nil {
		return fmt.Errorf("state: journal outcome in %s: %w", s.path, err)
	}
	return nil
}

// History lists the journaled runs, oldest first.
func (s *Store) History() (runs []RunSummary, err error) {
	if s == nil {
		return nil, ErrNoState
	}
	if s.db == nil {
		return nil, nil
	}
	defer guard(s.path, &err)()
	err = s.db.View(func(tx *bolt.Tx) error {
		rb, jb := tx.Bucket(bucketRuns), tx.Bucket(bucketJournal)
		if rb == nil || jb == nil {
			return nil
		}
		return rb.ForEach(func(k, v []byte) error {
			r, err := decodeRun(k, v)
			if err != nil {
				return err
			}
			sum := RunSummary{Run: r}
			if b := jb.Bucket(k); b != nil {
				err = b.ForEach(func(_, v []byte) error {
					e, err := decodeEntry(v)
					if err != nil {
						return err
					}
					sum.Intents++
					switch e.Result {
					case ResultApplied:
						sum.Applied++
					case ResultFailed:
						sum.Failed++
					default:
						sum.Unfinished++
					}
					return nil
				})
			}
			runs = append(runs, sum)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("state: read the journal in %s: %v", s.path, err)
	}
	// Ids sort by start time already, unless the clock was set back.
	slices.SortStableFunc(runs, func(a, b RunSummary) int { return a.Started.Compare(b.Started) })
	return runs, nil
}

// Entries lists the changes of run runID in the order they were begun.
// An unknown run is ErrUnknownRun.
func (s *Store) Entries(runID string) (entries []Entry, err error) {
	if s == nil {
		return nil, ErrNoState
	}
	if s.db == nil {
		return nil, fmt.Errorf("run %s: %w", runID, ErrUnknownRun)
	}
	defer guard(s.path, &err)()
	err = s.db.View(func(tx *bolt.Tx) error {
		var b *bolt.Bucket
		if jb := tx.Bucket(bucketJournal); jb != nil {
			b = jb.Bucket([]byte(runID))
		}
		if b == nil {
			return fmt.Errorf("run %s: %w", runID, ErrUnknownRun)
		}
		return b.ForEach(func(k, v []byte) error {
			e, err := decodeEntry(v)
			if len(k) == 8 {
				e.Seq = binary.BigEndian.Uint64(k)
			}
			entries = append(entries, e)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	return entries, nil
}

// LastRunWithChanges is the latest run of kind KindRun that applied at
// least one change (what `undo last` undoes); false when there is none.
func (s *Store) LastRunWithChanges() (RunSummary, bool, error) {
	runs, err := s.History()
	if err != nil {
		return RunSummary{}, false, err
	}
	for _, r := range slices.Backward(runs) {
		if r.Kind == KindRun && r.Applied > 0 {
			return r, true, nil
		}
	}
	return RunSummary{}, false, nil
}

func verifyJournal(tx *bolt.Tx) error {
	rb, jb := tx.Bucket(bucketRuns), tx.Bucket(bucketJournal)
	if rb == nil || jb == nil {
		return nil
	}
	if err := rb.ForEach(func(k, v []byte) error {
		if _, err := decodeRun(k, v); err != nil {
			return err
		}
		if jb.Bucket(k) == nil {
			return fmt.Errorf("run %s has no journal", k)
		}
		return nil
	}); err != nil {
		return err
	}
	return jb.ForEach(func(k, v []byte) error {
		b := jb.Bucket(k)
		if v != nil || b == nil {
			return fmt.Errorf("journal key %q is no run", k)
		}
		return b.ForEach(func(seq, v []byte) error {
			if len(seq) != 8 {
				return fmt.Errorf("run %s: entry key %x is no sequence number", k, seq)
			}
			if _, err := decodeEntry(v); err != nil {
				return fmt.Errorf("run %s entry %d: %v", k, binary.BigEndian.Uint64(seq), err)
			}
			return nil
		})
	})
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// Values start with their layout, 1; then uvarint lengths and varint
// numbers, times in Unix milliseconds (0 = zero time).

const valueLayout = 1

func encodeRun(r Run) []byte {
	b := []byte{valueLayout}
	b = appendString(b, r.Kind)
	b = appendTime(b, r.Started)
	b = appendString(b, r.PolicyDigest)
	return appendString(b, r.UndoOf)
}

func decodeRun(id, v []byte) (Run, error) {
	d := decoder{b: v}
	d.layout()
	r := Run{ID: string(id), Kind: d.string(), Started: d.time(), PolicyDigest: d.string(), UndoOf: d.string()}
	if d.err != nil {
		return Run{}, fmt.Errorf("run %s: %v", id, d.err)
	}
	return r, nil
}

func encodeEntry(e Entry) []byte {
	b := make([]byte, 0, 64+len(e.Username)+len(e.Error)+8*(len(e.Before.GroupIDs)+len(e.Desired.GroupIDs)+len(e.After.GroupIDs)))
	b = append(b, valueLayout)
	b = binary.AppendVarint(b, int64(e.UserID))
	b = appendString(b, e.Username)
	b = appendUserState(b, e.Before)
	b = appendUserState(b, e.Desired)
	b = appendTime(b, e.Started)
	b = appendString(b, e.Result)
	b = appendUserState(b, e.After)
	b = appendString(b, e.Error)
	return appendTime(b, e.Finished)
}

func decodeEntry(v []byte) (Entry, error) {
	d := decoder{b: v}
	d.layout()
	e := Entry{
		UserID:   int(d.varint()),
		Username: d.string(),
		Before:   d.userState(),
		Desired:  d.userState(),
		Started:  d.time(),
		Result:   d.string(),
		After:    d.userState(),
		Error:    d.string(),
		Finished: d.time(),
	}
	if d.err == nil && e.Result != ResultStarted && e.Result != ResultApplied && e.Result != ResultFailed {
		d.err = fmt.Errorf("unknown result %q", e.Result)
	}
	return e, d.err
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendTime(b []byte, t time.Time) []byte {
	var ms int64
	if !t.IsZero() {
		ms = t.UnixMilli()
	}
	return binary.AppendVarint(b, ms)
}

func appendUserState(b []byte, u UserState) []byte {
	b = appendString(b, u.Status)
	b = binary.AppendUvarint(b, uint64(len(u.GroupIDs)))
	for _, id := range u.GroupIDs {
		b = binary.AppendVarint(b, int64(id))
	}
	return b
}

// decoder reads a value; the first error sticks and later reads give zero.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("value cut short or malformed at its %s", what)
	}
	d.b = nil
}

func (d *decoder) layout() {
	if len(d.b) == 0 || d.b[0] != valueLayout {
		d.fail("layout")
		return
	}
	d.b = d.b[1:]
}

func (d *decoder) uvarint(what string) uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint("length")
	if n > uint64(len(d.b)) {
		d.fail("text")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) time() time.Time {
	if ms := d.varint(); ms != 0 {
		return time.UnixMilli(ms).UTC()
	}
	return time.Time{}
}

func (d *decoder) userState() UserState {
	u := UserState{Status: d.string()}
	n := d.uvarint("group count")
	if n > uint64(len(d.b)) { // each id takes at least a byte
		d.fail("group count")
		return u
	}
	if n > 0 {
		u.GroupIDs = make([]int, n)
		for i := range u.GroupIDs {
			u.GroupIDs[i] = int(d.varint())
		}
	}
	return u
}
