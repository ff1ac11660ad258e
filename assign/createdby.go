package assign

import (
	"strings"
	"unicode"
)

// IsSSOCreated reports whether a user's createdBy says single sign-on made it:
// the word SAML or SSO in any case, bounded by non-letters. The portal writes
// free text here ("SAML", "SSO (Okta)", "saml-jit"), so a substring test would
// be wrong: "Grosso" is a surname, not SSO. Digits bound a word ("SSO2").
func IsSSOCreated(createdBy string) bool {
	words := strings.FieldsFunc(createdBy, func(r rune) bool { return !unicode.IsLetter(r) })
	for _, w := range words {
		if isASCIIWord(w, "sso") || isASCIIWord(w, "saml") {
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
