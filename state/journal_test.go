package state

import (
	"errors"
	"reflect"
	"regexp"
	"testing"
	"time"
)

// clock is a test clock that moves a second on every reading.
func clock(start time.Time) func() time.Time {
	t := start
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

func openJournal(t *testing.T) *Store {
	t.Helper()
	s := openTest(t)
	s.now = clock(time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC))
	return s
}

func suspension(userID int, name string) Entry {
	return Entry{
		UserID: userID, Username: name,
		Before:  UserState{Status: "active", GroupIDs: []int{3, 4}},
		Desired: UserState{Status: "suspended", GroupIDs: []int{9}},
	}
}

func TestJournalKeepsIntentAndOutcome(t *testing.T) {
	s := openJournal(t)
	run := Run{ID: "r1", Kind: KindRun, PolicyDigest: "sha256:ab"}
	if err := s.BeginRun(run); err != nil {
		t.Fatal(err)
	}
	seq1, err := s.Intent("r1", suspension(11, "ann"))
	if err != nil {
		t.Fatal(err)
	}
	seq2, err := s.Intent("r1", suspension(12, "bob"))
	if err != nil {
		t.Fatal(err)
	}
	if seq1 != 1 || seq2 != 2 {
		t.Fatalf("sequence numbers %d, %d; want 1, 2", seq1, seq2)
	}
	if err := s.Outcome("r1", seq1, Outcome{Result: ResultApplied, After: UserState{Status: "suspended", GroupIDs: []int{9}}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Entries("r1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{
			Seq: 1, UserID: 11, Username: "ann",
			Before:  UserState{Status: "active", GroupIDs: []int{3, 4}},
			Desired: UserState{Status: "suspended", GroupIDs: []int{9}},
			Started: time.Date(2025, 3, 1, 6, 0, 2, 0, time.UTC),
			Result:  ResultApplied, After: UserState{Status: "suspended", GroupIDs: []int{9}},
			Finished: time.Date(2025, 3, 1, 6, 0, 4, 0, time.UTC),
		},
		{
			Seq: 2, UserID: 12, Username: "bob",
			Before:  UserState{Status: "active", GroupIDs: []int{3, 4}},
			Desired: UserState{Status: "suspended", GroupIDs: []int{9}},
			Started: time.Date(2025, 3, 1, 6, 0, 3, 0, time.UTC),
			// The run died before the PATCH answered: the change may or may
			// not have been made.
			Result: ResultStarted,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Entries =\n%+v\nwant\n%+v", got, want)
	}
}

func TestJournalRefuses(t *testing.T) {
	s := openJournal(t)
	if err := s.BeginRun(Run{ID: "r1", Kind: KindRun}); err != nil {
		t.Fatal(err)
	}
	seq, _ := s.Intent("r1", suspension(1, "ann"))
	if err := s.Outcome("r1", seq, Outcome{Result: ResultFailed, Error: "403"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
	}{
		{"a run without an id", func() error { return s.BeginRun(Run{Kind: KindRun}) }},
		{"a run of no known kind", func() error { return s.BeginRun(Run{ID: "r2", Kind: "plan"}) }},
		{"an undo that names no run", func() error { return s.BeginRun(Run{ID: "r2", Kind: KindUndo}) }},
		{"a run that names a run to undo", func() error { return s.BeginRun(Run{ID: "r2", Kind: KindRun, UndoOf: "r1"}) }},
		{"the same run twice", func() error { return s.BeginRun(Run{ID: "r1", Kind: KindRun}) }},
		{"an intent of a run never begun", func() error { _, err := s.Intent("nope", suspension(1, "ann")); return err }},
		{"an outcome without its intent", func() error { return s.Outcome("r1", 99, Outcome{Result: ResultApplied}) }},
		{"a second outcome", func() error { return s.Outcome("r1", seq, Outcome{Result: ResultApplied}) }},
		{"an outcome that is no result", func() error { return s.Outcome("r1", seq, Outcome{Result: ResultStarted}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := s.Entries("nope"); !errors.Is(err, ErrUnknownRun) {
		t.Fatalf("Entries of an unknown run: %v, want ErrUnknownRun", err)
	}
}

func TestHistory(t *testing.T) {
	s := openJournal(t)
	at := func(h int) time.Time { return time.Date(2025, 3, 1, h, 0, 0, 0, time.UTC) }
	steps := []struct {
		run      Run
		outcomes []string // one change per result; "" leaves the intent without outcome
	}{
		{Run{ID: "a", Kind: KindRun, Started: at(1)}, []string{ResultApplied, ResultApplied, ResultFailed}},
		{Run{ID: "b", Kind: KindRun, Started: at(2)}, []string{ResultFailed, ""}},
		{Run{ID: "c", Kind: KindUndo, Started: at(3), UndoOf: "a"}, []string{ResultApplied}},
		{Run{ID: "d", Kind: KindRun, Started: at(4)}, nil},
		// The clock was set back: history stays in start order.
		{Run{ID: "e", Kind: KindRun, Started: at(0)}, nil},
	}
	for _, st := range steps {
		if err := s.BeginRun(st.run); err != nil {
			t.Fatal(err)
		}
		for i, res := range st.outcomes {
			seq, err := s.Intent(st.run.ID, suspension(i+1, "u"))
			if err != nil {
				t.Fatal(err)
			}
			if res != "" {
				if err := s.Outcome(st.run.ID, seq, Outcome{Result: res}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	got, err := s.History()
	if err != nil {
		t.Fatal(err)
	}
	want := []RunSummary{
		{Run: Run{ID: "e", Kind: KindRun, Started: at(0)}},
		{Run: Run{ID: "a", Kind: KindRun, Started: at(1)}, Intents: 3, Applied: 2, Failed: 1},
		{Run: Run{ID: "b", Kind: KindRun, Started: at(2)}, Intents: 2, Failed: 1, Unfinished: 1},
		{Run: Run{ID: "c", Kind: KindUndo, Started: at(3), UndoOf: "a"}, Intents: 1, Applied: 1},
		{Run: Run{ID: "d", Kind: KindRun, Started: at(4)}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("History =\n%+v\nwant\n%+v", got, want)
	}

	t.Run("undo last is the latest run that applied changes, never an undo", func(t *testing.T) {
		last, ok, err := s.LastRunWithChanges()
		if err != nil || !ok || last.ID != "a" {
			t.Fatalf("LastRunWithChanges = %+v, %v, %v; want run a", last, ok, err)
		}
	})
}

func TestNoRunWithChanges(t *testing.T) {
	s := openJournal(t)
	if _, ok, err := s.LastRunWithChanges(); ok || err != nil {
		t.Fatalf("an empty journal has a last run (%v, %v)", ok, err)
	}
}

func TestNewRunIDSortsByTime(t *testing.T) {
	a := NewRunID(time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC))
	b := NewRunID(time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600)).Add(time.Hour))
	if !regexp.MustCompile(`^20251231T235959Z-[0-9a-f]{6}$`).MatchString(a) {
		t.Fatalf("id %q", a)
	}
	if !(a < b) {
		t.Fatalf("%q sorts after %q", a, b)
	}
	if first, second := NewRunID(time.Unix(0, 0)), NewRunID(time.Unix(0, 0)); first == second {
		t.Fatal("two runs in the same second have the same id")
	}
}

func TestJournalWithoutState(t *testing.T) {
	var s *Store
	if err := s.BeginRun(Run{ID: "r", Kind: KindRun}); err != nil {
		t.Fatal(err)
	}
	if seq, err := s.Intent("r", suspension(1, "ann")); seq != 0 || err != nil {
		t.Fatal(seq, err)
	}
	if _, err := s.History(); !errors.Is(err, ErrNoState) {
		t.Fatalf("History without state: %v", err)
	}
	if _, err := s.Entries("r"); !errors.Is(err, ErrNoState) {
		t.Fatalf("Entries without state: %v", err)
	}
}

func TestDecodeEntryRejectsDamage(t *testing.T) {
	e := suspension(5, "zoë")
	e.Result = ResultStarted
	full := encodeEntry(e)
	if _, err := decodeEntry(full); err != nil {
		t.Fatal(err)
	}
	// Every cut of a value is an error, never a panic or a wrong entry.
	for n := range len(full) {
		if _, err := decodeEntry(full[:n]); err == nil {
			t.Fatalf("a value cut to %d of %d bytes decoded", n, len(full))
		}
	}
}

func TestJournalForgetsOldRuns(t *testing.T) {
	s := openJournal(t)
	s.keep = 30 * 24 * time.Hour
	for _, r := range []Run{
		{ID: "jan", Kind: KindRun, Started: day("2025-01-01")},
		{ID: "feb", Kind: KindRun, Started: day("2025-02-01")},
		{ID: "mar", Kind: KindRun, Started: day("2025-03-01")},
	} {
		if err := s.BeginRun(r); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Intent(r.ID, suspension(1, "ann")); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.History()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	if !reflect.DeepEqual(ids, []string{"feb", "mar"}) {
		t.Fatalf("runs kept %v, want the last 30 days' [feb mar]", ids)
	}
	if _, err := s.Entries("jan"); !errors.Is(err, ErrUnknownRun) {
		t.Fatalf("a forgotten run's entries: %v", err)
	}
}
