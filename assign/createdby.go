package assign

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"lm-user-hygiene/lm"
)

// IsSSOCreated reports whether the text of a user's createdBy says single
// sign-on made it: it contains "saml" (any case, anywhere: "SAMLUser",
// "samlsso"), the word "sso" or "jit" (bounded by non-letters, so "Grosso" is
// a surname; digits bound a word: "SSO2"), or "single sign-on" / "single sign
// on" — and it holds no '@', which names a person ("sso-admin@acme.com").
// Case is compared on ASCII letters only: Unicode folding would let
// look-alikes such as "ſso" (long s) through. The portal-wide rule, which also
// refuses a createdBy that is some user's username, is SSOCreators.
func IsSSOCreated(createdBy string) bool {
	if strings.Contains(createdBy, "@") {
		return false
	}
	if containsASCIIFold(createdBy, "saml") ||
		containsASCIIFold(createdBy, "single sign-on") ||
		containsASCIIFold(createdBy, "single sign on") {
		return true
	}
	words := strings.FieldsFunc(createdBy, func(r rune) bool { return !unicode.IsLetter(r) })
	for _, w := range words {
		if isASCIIWord(w, "sso") || isASCIIWord(w, "jit") {
			return true
		}
	}
	return false
}

// SSOCreators tells, for every distinct createdBy value among users, whether
// it counts as single sign-on in this portal: by IsSSOCreated, except a value
// that equals some user's username (case-insensitively) is a person who
// created users by hand. A non-nil custom (--sso-created-by) replaces the
// whole test. Users are many but createdBy values few, so each value is
// judged once.
func SSOCreators(users []lm.User, custom *regexp.Regexp) map[string]bool {
	sso := map[string]bool{}
	candidates := 0
	for i := range users {
		c := users[i].CreatedBy
		if _, seen := sso[c]; seen {
			continue
		}
		if custom != nil {
			sso[c] = custom.MatchString(c)
		} else if sso[c] = IsSSOCreated(c); sso[c] {
			candidates++
		}
	}
	if custom != nil || candidates == 0 {
		return sso
	}
	byKey := make(map[string][]string, candidates) // fold key -> createdBy values
	var buf []byte
	for c, ok := range sso {
		if ok {
			buf = foldKey(buf[:0], c)
			byKey[string(buf)] = append(byKey[string(buf)], c)
		}
	}
	for i := range users {
		buf = foldKey(buf[:0], users[i].Username)
		for _, c := range byKey[string(buf)] {
			sso[c] = false
		}
	}
	return sso
}

// foldKey appends to buf a key that two strings share exactly when
// strings.EqualFold (lm.SameName) holds for them: each rune becomes the
// smallest rune of its case-folding orbit.
func foldKey(buf []byte, s string) []byte {
	for _, r := range s {
		if r < utf8.RuneSelf { // an upper-case ASCII letter is the least of its orbit
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			buf = append(buf, byte(r))
			continue
		}
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		buf = utf8.AppendRune(buf, least)
	}
	return buf
}

// containsASCIIFold reports whether s contains sub (lower-case ASCII),
// comparing ASCII letters without case.
func containsASCIIFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if isASCIIWord(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// isASCIIWord compares case-insensitively but only with ASCII letters: Unicode
// folding would let look-alikes such as "ſso" (long s) through, and the
// byte-length check rules them out because they encode in more bytes.
func isASCIIWord(w, word string) bool {
	return len(w) == len(word) && strings.EqualFold(w, word)
}
