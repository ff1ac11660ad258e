package suspend

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// exemptTag starts every exemption an admin writes in a user's note:
// "lmuh:exempt" (never suspended) or "lmuh:exempt-until=YYYY-MM-DD" (not
// suspended until that day ends, UTC). The tag is found in any case.
const (
	exemptTag   = "lmuh:exempt"
	untilSuffix = "-until="
)

// exemption is what a user's note says about suspending it.
type exemption struct {
	tag     string    // the tag that decides, as written
	forever bool      // lmuh:exempt, or a malformed tag
	until   time.Time // with !forever: the end of the until day (exclusive)
	// malformed is a tag that could not be read, as written; it exempts
	// (forever) and the plan warns about it.
	malformed string
}

// parseExemption reads every exemption tag in note. A plain tag outweighs
// a malformed one, and either outweighs any date; of several dates the
// latest wins.
func parseExemption(note string) (exemption, bool) {
	var plain, untilTag, malformed string
	var until time.Time
	for rest := note; ; {
		i := indexASCIIFold(rest, exemptTag)
		if i < 0 {
			break
		}
		tag := rest[i:]
		rest = rest[i+len(exemptTag):]
		switch {
		case endsTag(rest):
			if plain == "" {
				plain = tag[:len(exemptTag)]
			}
			continue
		case hasPrefixASCIIFold(rest, untilSuffix):
			date := rest[len(untilSuffix):]
			if len(date) >= len(dateLayout) && endsTag(date[len(dateLayout):]) {
				if d, err := time.Parse(dateLayout, date[:len(dateLayout)]); err == nil {
					if end := d.Add(24 * time.Hour); end.After(until) {
						untilTag, until = tag[:len(exemptTag)+len(untilSuffix)+len(dateLayout)], end
					}
					continue
				}
			}
		}
		if malformed == "" {
			malformed = tagAt(tag)
		}
	}
	switch {
	case plain != "":
		return exemption{tag: plain, forever: true, malformed: malformed}, true
	case malformed != "":
		return exemption{tag: malformed, forever: true, malformed: malformed}, true
	case untilTag != "":
		return exemption{tag: untilTag, until: until}, true
	}
	return exemption{}, false
}

// endsTag reports whether a tag may end where s begins: at the end of the
// note or before anything that cannot continue a tag.
func endsTag(s string) bool {
	if s == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-=_:", r))
}

// tagAt is the tag that opens s, up to white space, ',' or ';'.
func tagAt(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == ';' })
	if end < 0 {
		return s
	}
	return s[:end]
}

// indexASCIIFold finds sub (lower-case ASCII) in s, ignoring the case of
// ASCII letters only, without building a lower-cased copy of every note.
func indexASCIIFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if hasPrefixASCIIFold(s[i:], sub) {
			return i
		}
	}
	return -1
}

func hasPrefixASCIIFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
