package suspend

import (
	"unicode"
	"unicode/utf8"

	"lm-user-hygiene/lm"
)

// MatchEntry reports whether a --protect-users entry names the user: first
// as the exact username (case-insensitively), so that a literal name holding
// `\`, `[` or `*` is protected as written, and only otherwise as a glob.
func MatchEntry(entry, username string) bool {
	return lm.SameName(entry, username) || MatchGlob(entry, username)
}

// MatchGlob reports whether name matches the glob pattern, ignoring case as
// the portal does (lm.SameName: rune by rune, simple case folding). The
// syntax is path.Match's: `*` any run of runes, `?` one rune, `[…]` a class
// (`^` negates, `lo-hi` ranges, `\` escapes), `\` escapes one rune. Unlike
// path.Match, `*` and `?` also match `/`: a username is no path, and
// "breakglass*" must cover "breakglass/eu@acme.com". A malformed pattern
// matches nothing.
func MatchGlob(pattern, name string) bool {
	return validGlob(pattern) && matchGlob(pattern, name)
}

// validGlob reports whether pattern is well formed: every class closed and
// non-empty, no range end missing, no trailing `\`, no invalid UTF-8 inside
// a class. These are exactly the patterns path.Match accepts.
func validGlob(pattern string) bool {
	for i := 0; i < len(pattern); {
		switch pattern[i] {
		case '\\':
			if i+1 == len(pattern) {
				return false
			}
			_, n := utf8.DecodeRuneInString(pattern[i+1:])
			i += 1 + n
		case '[':
			_, next, ok := matchClass(pattern, i, 0)
			if !ok {
				return false
			}
			i = next
		default:
			_, n := utf8.DecodeRuneInString(pattern[i:])
			i += n
		}
	}
	return true
}

// matchGlob matches a well-formed pattern. Every token but `*` takes exactly
// one rune, so going back to the last star and letting it take one more rune
// is enough: no deeper backtracking can succeed where that fails.
func matchGlob(pattern, name string) bool {
	p, n := 0, 0
	starP, starN := -1, 0 // after the last star; where in name it started
	for n < len(name) {
		r, width := utf8.DecodeRuneInString(name[n:])
		if p < len(pattern) {
			switch c := pattern[p]; c {
			case '*':
				p++
				starP, starN = p, n
				continue
			case '?':
				p++
				n += width
				continue
			case '[':
				if ok, next, _ := matchClass(pattern, p, r); ok {
					p, n = next, n+width
					continue
				}
			default:
				if c == '\\' {
					p++
				}
				pr, pw := utf8.DecodeRuneInString(pattern[p:])
				if sameRune(pr, r) {
					p, n = p+pw, n+width
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, w := utf8.DecodeRuneInString(name[starN:])
		starN += w
		p, n = starP, starN
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchClass reads the class that opens at pattern[open] and reports whether
// r (in any case) is in it, where the pattern goes on, and whether the class
// is well formed.
func matchClass(pattern string, open int, r rune) (matched bool, next int, ok bool) {
	i := open + 1
	negated := false
	if i < len(pattern) && pattern[i] == '^' {
		negated = true
		i++
	}
	in := false
	for ranges := 0; ; ranges++ {
		if i < len(pattern) && pattern[i] == ']' && ranges > 0 {
			return in != negated, i + 1, true
		}
		lo, after, good := classRune(pattern, i)
		if !good {
			return false, 0, false
		}
		hi := lo
		i = after
		if pattern[i] == '-' {
			if hi, i, good = classRune(pattern, i+1); !good {
				return false, 0, false
			}
		}
		in = in || inRangeFolded(r, lo, hi)
	}
}

// classRune reads one end of a class range at pattern[i], as path.Match's
// getEsc: not an unescaped `-` or `]`, valid UTF-8, and something must follow.
func classRune(pattern string, i int) (r rune, next int, ok bool) {
	if i >= len(pattern) || pattern[i] == '-' || pattern[i] == ']' {
		return 0, 0, false
	}
	if pattern[i] == '\\' {
		i++
		if i >= len(pattern) {
			return 0, 0, false
		}
	}
	r, n := utf8.DecodeRuneInString(pattern[i:])
	if r == utf8.RuneError && n == 1 {
		return 0, 0, false
	}
	if i+n >= len(pattern) {
		return 0, 0, false
	}
	return r, i + n, true
}

// sameRune compares two runes as strings.EqualFold does.
func sameRune(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		return 'A' <= a && a <= 'Z' && a+'a'-'A' == b || 'A' <= b && b <= 'Z' && b+'a'-'A' == a
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

// inRangeFolded reports whether r or any other case of it lies in [lo, hi].
func inRangeFolded(r, lo, hi rune) bool {
	if lo <= r && r <= hi {
		return true
	}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if lo <= f && f <= hi {
			return true
		}
	}
	return false
}
