package intern

import (
	"testing"
	"unsafe"
)

func TestJoinSharesEqualTexts(t *testing.T) {
	var s Strings
	a := s.Join("last activity ", "2026-01-02", " (login)")
	b := s.Join("last activity 2026-01-02", " (login)")
	c := s.Join("last activity 2026-01-03 (login)")
	if a != "last activity 2026-01-02 (login)" || c != "last activity 2026-01-03 (login)" {
		t.Fatalf("Join concatenated wrongly: %q, %q", a, c)
	}
	if unsafe.StringData(a) != unsafe.StringData(b) {
		t.Error("equal texts are two strings, not one")
	}
	if unsafe.StringData(a) == unsafe.StringData(c) {
		t.Error("different texts share a string")
	}
	// The buffer is reused: an earlier result must not change.
	s.Join("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	if a != "last activity 2026-01-02 (login)" {
		t.Errorf("an earlier result changed to %q", a)
	}
}
