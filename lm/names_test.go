package lm

import (
	"strings"
	"testing"
)

// lowerCases are names whose case folding is easy to get wrong: ASCII and
// not, letters whose lower case is another width in UTF-8 (Kelvin sign,
// dotted capital I), invalid bytes (which strings.ToLower turns into
// U+FFFD) next to a real U+FFFD, and prefixes of each other.
var lowerCases = []string{
	"", "a", "A", "ab", "aB", "Ab", "b", "B", "Z", "[", "_", "`", "{", "~",
	"ann.smith@example.com", "Ann.Smith@Example.com", "ann.smith2@example.com", "ANN.SMITH@EXAMPLE.COM",
	"k", "K", "\u212a", "\u212aa", "ka", "i", "I", "\u0130", "\u0131", "\u0130x", "ix",
	"\u00e9", "\u00c9", "\u00e9a", "e", "E\u0301", "\u00df", "SS", "ss",
	"\u03a3", "\u03c3", "\u03c2", "\u0399", "\ufffd", "\xff", "\xffa", "a\xff", "\xc3", "\xc3\x28", "\xed\xa0\x80",
	"\U0001F600", "\U00010400", "\U00010428", "\u1e9e", "\u2c6f", "\u0250",
}

func TestCompareNamesOrdersAsTheLowerCasedNames(t *testing.T) {
	sign := func(c int) int { return min(max(c, -1), 1) }
	for _, a := range lowerCases {
		for _, b := range lowerCases {
			want := strings.Compare(strings.ToLower(a), strings.ToLower(b))
			if got := CompareNames(a, b); sign(got) != want {
				t.Errorf("CompareNames(%q, %q) = %d, want %d (lower-cased %q and %q)", a, b, got, want, strings.ToLower(a), strings.ToLower(b))
			}
		}
	}
}

func FuzzCompareNames(f *testing.F) {
	for i, a := range lowerCases {
		f.Add(a, lowerCases[(i+1)%len(lowerCases)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		want := strings.Compare(strings.ToLower(a), strings.ToLower(b))
		if got := min(max(CompareNames(a, b), -1), 1); got != want {
			t.Errorf("CompareNames(%q, %q) = %d, want %d", a, b, got, want)
		}
	})
}
