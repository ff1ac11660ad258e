package lm

import (
	"cmp"
	"strings"
)

// The rules every package shares about names and status: one home each.

// CompareUsers is the order users are listed and regrouped in: by username
// as people read it (case-insensitively), then by the exact spelling, then
// by id, so the order never depends on the order the API listed them in.
func CompareUsers(a, b *User) int {
	if c := CompareNames(a.Username, b.Username); c != 0 {
		return c
	}
	if c := strings.Compare(a.Username, b.Username); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// FindGroup is the group named name. Names compare case-insensitively;
// should the portal hold groups whose names differ only in case, the one
// spelled exactly as name wins, else the lowest id, so every run picks the
// same one (GroupsNamed lists them all, for check to report the clash).
func FindGroup(groups []Group, name string) (Group, bool) {
	var found Group
	ok, exact := false, false
	for _, g := range groups {
		if !SameName(g.Name, name) {
			continue
		}
		isExact := g.Name == name
		switch {
		case !ok, isExact && !exact, isExact == exact && g.ID < found.ID:
			found, ok, exact = g, true, isExact
		}
	}
	return found, ok
}

// GroupsNamed lists every group whose name is name in some case, in the
// order the portal gave them: more than one is a clash FindGroup resolves.
func GroupsNamed(groups []Group, name string) []Group {
	var out []Group
	for _, g := range groups {
		if SameName(g.Name, name) {
			out = append(out, g)
		}
	}
	return out
}

// SameStatus reports whether two statuses are the same; the portal's status
// compares case-insensitively ("Active" is active).
func SameStatus(a, b string) bool { return strings.EqualFold(a, b) }

// HasStatus reports whether u's status is status (SameStatus).
func (u *User) HasStatus(status string) bool { return SameStatus(u.Status, status) }
