package lm

import "testing"

func TestFindGroupWithIDZeroAndClashes(t *testing.T) {
	tests := []struct {
		name   string
		groups []Group
		find   string
		want   Group
		found  bool
	}{
		{"finds a group by name in any case", []Group{{ID: 4, Name: "Suspended"}}, "SUSPENDED", Group{ID: 4, Name: "Suspended"}, true},
		{"a group with id 0 is found like any other", []Group{{ID: 0, Name: "Suspended"}}, "Suspended", Group{ID: 0, Name: "Suspended"}, true},
		{"no group of that name is not found", []Group{{ID: 0, Name: "Staff"}}, "Suspended", Group{}, false},
		{"the exact-case match wins over a lower id", []Group{{ID: 1, Name: "suspended"}, {ID: 9, Name: "Suspended"}}, "Suspended", Group{ID: 9, Name: "Suspended"}, true},
		{"without an exact match the lowest id wins", []Group{{ID: 7, Name: "SUSPENDED"}, {ID: 0, Name: "suspended"}}, "Suspended", Group{ID: 0, Name: "suspended"}, true},
		{"of two exact matches the lowest id wins", []Group{{ID: 7, Name: "Suspended"}, {ID: 3, Name: "Suspended"}}, "Suspended", Group{ID: 3, Name: "Suspended"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := FindGroup(tt.groups, tt.find)
			if got != tt.want || ok != tt.found {
				t.Fatalf("FindGroup = %+v, %v; want %+v, %v", got, ok, tt.want, tt.found)
			}
		})
	}
}
