package state

import (
	"maps"
	"path/filepath"
	"testing"
	"time"
)

// day is a calendar day in UTC, for readable records.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// openTest opens a fresh store in a temporary directory.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, h, err := Open(filepath.Join(t.TempDir(), "state.db"), Options{})
	if err != nil || !h.OK {
		t.Fatalf("Open: %v, %+v", err, h)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSaveUsers(t *testing.T) {
	a := Record{FirstSeen: day("2025-01-02")}
	b := Record{FirstSeen: day("2025-01-02"), FirstWarned: day("2025-03-01")}
	c := Record{FirstSeen: day("2024-12-31"), Reactivated: day("2025-02-14")}
	tests := []struct {
		name   string
		before map[int]Record
		save   map[int]Record
		want   map[int]Record
	}{
		{"a first run records every user", nil, map[int]Record{1: a, 2: b}, map[int]Record{1: a, 2: b}},
		{"a changed record replaces the old one", map[int]Record{1: a}, map[int]Record{1: b}, map[int]Record{1: b}},
		{"a user gone from the portal is forgotten", map[int]Record{1: a, 2: b, 3: c}, map[int]Record{2: b}, map[int]Record{2: b}},
		{"users before and after the kept ones are forgotten", map[int]Record{1: a, 5: b, 9: c}, map[int]Record{5: b, 7: a}, map[int]Record{5: b, 7: a}},
		{"no users forgets everyone", map[int]Record{1: a, 2: b}, map[int]Record{}, map[int]Record{}},
		{"a record with nothing recorded is not kept", map[int]Record{1: a}, map[int]Record{1: {}, 2: c}, map[int]Record{2: c}},
		{"large ids keep their order", map[int]Record{1 << 40: a, 255: b, 256: c}, map[int]Record{256: c, 1<<40 + 1: a}, map[int]Record{256: c, 1<<40 + 1: a}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			if tt.before != nil {
				if err := s.SaveUsers(tt.before); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.SaveUsers(tt.save); err != nil {
				t.Fatal(err)
			}
			got, err := s.Users()
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Fatalf("Users = %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestRecordsKeepTheSecondInUTC(t *testing.T) {
	s := openTest(t)
	local := time.FixedZone("CET", 3600)
	seen := time.Date(2025, 6, 1, 12, 30, 15, 987654321, local)
	if err := s.SaveUsers(map[int]Record{7: {FirstSeen: seen}}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Users()
	want := time.Date(2025, 6, 1, 11, 30, 15, 0, time.UTC)
	if r := got[7]; r.FirstSeen != want || !r.FirstWarned.IsZero() || !r.Reactivated.IsZero() {
		t.Fatalf("got %+v, want FirstSeen %v and the rest zero", r, want)
	}
}

func TestSaveUsersWritesOnlyWhatChanged(t *testing.T) {
	s := openTest(t)
	users := map[int]Record{}
	for id := range 1000 {
		users[id] = Record{FirstSeen: day("2025-01-01")}
	}
	if err := s.SaveUsers(users); err != nil {
		t.Fatal(err)
	}
	stats := s.db.Stats()
	before := stats.TxStats.GetWrite()
	if err := s.SaveUsers(users); err != nil {
		t.Fatal(err)
	}
	stats = s.db.Stats()
	if w := stats.TxStats.GetWrite() - before; w != 0 {
		t.Fatalf("saving the same users wrote %d pages, want 0", w)
	}
}

func TestSaveUsersRefusesNegativeIDs(t *testing.T) {
	s := openTest(t)
	if err := s.SaveUsers(map[int]Record{-1: {FirstSeen: day("2025-01-01")}}); err == nil {
		t.Fatal("a negative id was saved")
	}
}

func TestNoStateRemembersNothing(t *testing.T) {
	var s *Store // --state off, or a file that cannot be written
	if s.Enabled() {
		t.Fatal("a nil store is enabled")
	}
	if err := s.SaveUsers(map[int]Record{1: {FirstSeen: day("2025-01-01")}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Users(); err != nil || len(got) != 0 {
		t.Fatalf("Users = %v, %v; want none", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
