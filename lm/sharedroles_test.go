package lm

import "testing"

func TestSharedRoles(t *testing.T) {
	a := sharedRoles([]Role{{ID: 1, Name: "admin"}, {ID: 2, Name: "ro"}})
	b := sharedRoles([]Role{{ID: 1, Name: "admin"}, {ID: 2, Name: "ro"}})
	if &a[0] != &b[0] {
		t.Error("the same role list is stored twice")
	}
	if cap(a) != len(a) {
		t.Errorf("a shared list has capacity %d for %d roles: an append would write into it", cap(a), len(a))
	}
	if c := sharedRoles([]Role{{ID: 2, Name: "ro"}, {ID: 1, Name: "admin"}}); &c[0] == &a[0] {
		t.Error("a list in another order is shared")
	}
	n1 := sharedRoles([]Role{{ID: 1}})
	n2 := sharedRoles([]Role{{ID: 1}})
	if &n1[0] == &n2[0] {
		t.Error("a list with a nameless role is shared: NameRoles names it in place")
	}
}
