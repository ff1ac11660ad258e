package lm

import (
	"slices"
	"testing"
)

func TestFindGroup(t *testing.T) {
	groups := []Group{{ID: 9, Name: "viewers"}, {ID: 4, Name: "VIEWERS"}, {ID: 7, Name: "Viewers"}, {ID: 12, Name: "Viewers"},
		{ID: 0, Name: "Zero"}, {ID: 3, Name: "ops"}, {ID: 2, Name: "OPS"}}
	for _, tc := range []struct {
		rule   string
		name   string
		wantID int
		found  bool
	}{
		{"the exact-case match wins over a lower id", "Viewers", 7, true},
		{"the exact-case match wins whatever the order listed", "viewers", 9, true},
		{"among exact-case matches the lowest id wins", "Viewers", 7, true},
		{"without an exact-case match the lowest id wins", "Ops", 2, true},
		{"names compare case-insensitively", "zero", 0, true},
		{"group id 0 is a group like any other", "Zero", 0, true},
		{"a name no group has is not found", "Managers", 0, false},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			g, ok := FindGroup(groups, tc.name)
			if ok != tc.found || g.ID != tc.wantID {
				t.Errorf("FindGroup(%q) = %+v, %v; want id %d, %v", tc.name, g, ok, tc.wantID, tc.found)
			}
		})
	}
	t.Run("every group of a name in any case is listed, as the portal gave them", func(t *testing.T) {
		var ids []int
		for _, g := range GroupsNamed(groups, "viewers") {
			ids = append(ids, g.ID)
		}
		if !slices.Equal(ids, []int{9, 4, 7, 12}) {
			t.Errorf("GroupsNamed = %v", ids)
		}
		if got := GroupsNamed(groups, "nobody"); got != nil {
			t.Errorf("GroupsNamed of no group = %v, want none", got)
		}
	})
}

func TestCompareUsers(t *testing.T) {
	for _, tc := range []struct {
		rule string
		a, b User
		want int
	}{
		{"by username as people read it", User{ID: 1, Username: "bob"}, User{ID: 2, Username: "Carol"}, -1},
		{"case does not come before the letter", User{ID: 1, Username: "Zed"}, User{ID: 2, Username: "alice"}, 1},
		{"names that differ only in case are ordered by exact spelling", User{ID: 1, Username: "alice"}, User{ID: 2, Username: "Alice"}, 1},
		{"the same name is ordered by id", User{ID: 5, Username: "alice"}, User{ID: 2, Username: "alice"}, 1},
		{"a user is equal to itself", User{ID: 5, Username: "alice"}, User{ID: 5, Username: "alice"}, 0},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if got := CompareUsers(&tc.a, &tc.b); got != tc.want {
				t.Errorf("CompareUsers(%+v, %+v) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if got := CompareUsers(&tc.b, &tc.a); got != -tc.want {
				t.Errorf("the order is not symmetric: %d", got)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		rule   string
		status string
		is     string
		want   bool
	}{
		{"a status compares case-insensitively", "Active", StatusActive, true},
		{"the same status is the same", StatusSuspended, StatusSuspended, true},
		{"active is not suspended", StatusActive, StatusSuspended, false},
		{"an unknown status is neither", "pending", StatusActive, false},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			u := User{Status: tc.status}
			if got := u.HasStatus(tc.is); got != tc.want {
				t.Errorf("HasStatus(%q) of %q = %v", tc.is, tc.status, got)
			}
			if got := SameStatus(tc.status, tc.is); got != tc.want {
				t.Errorf("SameStatus(%q, %q) = %v", tc.status, tc.is, got)
			}
		})
	}
}
