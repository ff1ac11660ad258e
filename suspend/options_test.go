package suspend

import (
	"fmt"
	"math"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Options)
		wantErr string // empty: valid
	}{
		{"accepts the defaults", func(*Options) {}, ""},
		{"accepts login activity, suspend never-logged-in and the range ends", func(o *Options) {
			o.Activity = ActivityLogin
			o.NeverLoggedIn = NeverLoggedInSuspend
			o.InactiveDays = 1
			o.MaxSuspendPercent = 0
			o.MinAdmins = 0
			o.AdminRoles = nil
		}, ""},
		{"accepts first-seen never-logged-in and the default notice", func(o *Options) {
			o.NeverLoggedIn = NeverLoggedInFirstSeen
			o.WarnDays = DefaultWarnDays
		}, ""},
		{"accepts a notice one day shorter than inactive-days", func(o *Options) { o.InactiveDays = 15; o.WarnDays = 14 }, ""},
		{"rejects negative warn days", func(o *Options) { o.WarnDays = -1 }, "--warn-days must be 0 (off) or more"},
		{"rejects a notice as long as inactive-days", func(o *Options) { o.InactiveDays = 14; o.WarnDays = 14 },
			"--warn-days (14) must be less than --inactive-days (14)"},
		{"accepts 100 percent", func(o *Options) { o.MaxSuspendPercent = 100 }, ""},
		{"accepts valid globs", func(o *Options) { o.ProtectUsers = []string{"root", "break*", "svc-?", "[a-c]x", `a\*b`} }, ""},
		{"rejects zero inactive days", func(o *Options) { o.InactiveDays = 0 }, "--inactive-days must be at least 1"},
		{"rejects negative inactive days", func(o *Options) { o.InactiveDays = -5 }, "--inactive-days must be at least 1"},
		{"rejects inactive days that overflow the clock", func(o *Options) { o.InactiveDays = 200000 }, "--inactive-days must be at most"},
		{"rejects an unknown activity", func(o *Options) { o.Activity = "ui" }, `--activity must be "any" or "login", not "ui"`},
		{"rejects an empty activity", func(o *Options) { o.Activity = "" }, "--activity"},
		{"rejects an unknown never-logged-in policy", func(o *Options) { o.NeverLoggedIn = "keep" }, "--never-logged-in"},
		{"rejects a negative percent", func(o *Options) { o.MaxSuspendPercent = -1 }, "--max-suspend-percent must be between 0 and 100"},
		{"rejects a percent above 100", func(o *Options) { o.MaxSuspendPercent = 100.5 }, "--max-suspend-percent"},
		{"rejects a NaN percent", func(o *Options) { o.MaxSuspendPercent = math.NaN() }, "--max-suspend-percent"},
		{"rejects negative min admins", func(o *Options) { o.MinAdmins = -1 }, "--min-admins must be 0 or more"},
		{"rejects min admins without admin roles", func(o *Options) { o.AdminRoles = nil }, "--admin-roles"},
		{"rejects an empty suspended group", func(o *Options) { o.SuspendedGroup = "" }, "--suspended-group must not be empty"},
		{"rejects a blank suspended group", func(o *Options) { o.SuspendedGroup = "  " }, "--suspended-group"},
		{"rejects an unclosed class in --protect-users", func(o *Options) { o.ProtectUsers = []string{"ok", "bad[a-"} }, `--protect-users pattern "bad[a-"`},
		{"rejects a trailing backslash in --protect-users", func(o *Options) { o.ProtectUsers = []string{`x\`} }, "--protect-users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := defaultOptions()
			tt.change(&o)
			err := o.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("no error, want %q", tt.wantErr)
			case err != nil && (!strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n")):
				t.Fatalf("error %q, want one line containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		name          string
		pattern, user string
		want          bool
	}{
		{"matches an exact name", "root", "root", true},
		{"matches an exact name ignoring case", "Root", "rOOT", true},
		{"does not match a longer name", "root", "rooted", false},
		{"star matches any suffix", "breakglass*", "BreakGlass-Emergency", true},
		{"star matches nothing", "breakglass*", "breakglass", true},
		{"question mark matches one character", "svc-?", "svc-1", true},
		{"question mark needs exactly one character", "svc-?", "svc-12", false},
		{"class matches a range ignoring case", "[A-C]dmin", "bdmin", true},
		{"class rejects outside the range", "[a-c]dmin", "ddmin", false},
		{"negated class", "[^0-9]x", "ax", true},
		{"negated class rejects inside the range", "[^0-9]x", "7x", false},
		{"escaped star is literal", `a\*b`, "a*b", true},
		{"escaped star does not glob", `a\*b`, "axb", false},
		{"email-style names", "*@example.com", "Jane.Doe@Example.com", true},
		{"malformed pattern matches nothing", "bad[", "bad[", false},
		{"malformed pattern matches nothing even with a star", "[*", "anything", false},
		{"star also matches a slash: a username is no path", "breakglass*", "breakglass/eu@acme.com", true},
		{"star matches several slashes", "*/*", "a/b/c", true},
		{"question mark also matches a slash", "a?b", "a/b", true},
		{"a slash in the pattern matches a slash", "corp/*", "CORP/ann", true},
		{"a slash in the pattern does not match another character", "corp/*", "corpxann", false},
		{"a backslash escapes a letter", `CORP\breakglass`, "corpbreakglass", true},
		{"an escaped backslash matches a backslash", `CORP\\*`, `corp\bob`, true},
		{"an escaped bracket is literal", `ops\[1\]`, "ops[1]", true},
		{"an escaped bracket is not a class", `ops\[1\]`, "ops1", false},
		{"a class holding an escaped closing bracket", `a[\]]`, "a]", true},
		{"a closing bracket alone is literal", "a]", "A]", true},
		{"a class matches any case of a letter", "[K]elvin", "kelvin", true},
		{"a negated class rejects every case of a letter", "[^k]x", "Kx", false},
		{"a reversed range matches nothing", "[z-a]", "m", false},
		{"star backtracks to later occurrences", "*a*b", "xaxxab", true},
		{"star after the last literal must reach the end", "a*c", "abcd", false},
		{"several stars in a row are one", "a**b", "ab", true},
		{"a class takes a whole multibyte rune", "[é]x", "Éx", true},
		{"question mark takes a whole multibyte rune", "?x", "éx", true},
		{"an empty class is malformed", "[]", "]", false},
		{"a missing range end is malformed", "[a-]", "-", false},
		{"a class cannot be left open at the end", "[^", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchGlob(tt.pattern, tt.user); got != tt.want {
				t.Errorf("MatchGlob(%q, %q) = %v, want %v", tt.pattern, tt.user, got, tt.want)
			}
		})
	}
}

func TestMatchEntry(t *testing.T) {
	tests := []struct {
		name        string
		entry, user string
		want        bool
	}{
		{"a backslash name is protected as written", `CORP\breakglass`, `corp\BreakGlass`, true},
		{"a backslash name is also a glob escaping its letter", `CORP\breakglass`, "corpbreakglass", true},
		{"brackets in a name are protected as written", "ops[1]@acme.com", "OPS[1]@acme.com", true},
		{"brackets in a name still work as a class otherwise", "ops[1]@acme.com", "ops1@acme.com", true},
		{"a malformed glob is still a literal name", "ops[1@acme.com", "ops[1@acme.com", true},
		{"a malformed glob matches nothing else", "ops[1@acme.com", "ops1@acme.com", false},
		{"a star in a name is protected as written", "svc*", "SVC*", true},
		{"a question mark in a name is protected as written", "who?", "who?", true},
		{"a slash in a name is protected as written", "team/ann", "Team/Ann", true},
		{"a glob covers names holding a slash", "breakglass*", "breakglass/eu@acme.com", true},
		{"a trailing backslash is a literal name", `admin\`, `ADMIN\`, true},
		{"exact match folds case as the portal does", "ǅ", "ǆ", true},
		{"a different name is not matched", "root", "rooted", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchEntry(tt.entry, tt.user); got != tt.want {
				t.Errorf("MatchEntry(%q, %q) = %v, want %v", tt.entry, tt.user, got, tt.want)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty gives nothing", "", nil},
		{"only separators and spaces give nothing", " , ,, ", nil},
		{"one item", "root", []string{"root"}},
		{"trims spaces around items", " root , breakglass* ,svc", []string{"root", "breakglass*", "svc"}},
		{"drops empty items", "a,,b,", []string{"a", "b"}},
		{"keeps inner spaces", "Network Operations, read only", []string{"Network Operations", "read only"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseList(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("ParseList(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzMatchGlob(f *testing.F) {
	for _, seed := range [][2]string{
		{"root", "root"}, {"Root", "ROOT"}, {"breakglass*", "breakglass-1"}, {"svc-?", "svc-a"},
		{"[a-z]x", "bx"}, {"[^a]", "b"}, {"bad[", "bad["}, {`x\`, `x\`}, {"", ""}, {"ÄDMIN", "ädmin"},
		{"a/b", "a/b"}, {"*", "x/y"}, {`CORP\\*`, `corp\x`}, {"[Z-a]", "z"}, {"[z-a]", "b"},
		{"*a*a*a", "aaaaab"}, {"?", "\xff"}, {"[\xff]", "x"}, {"[\\]]*", "]]"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		got := MatchGlob(pattern, name)
		// path.Match checks the whole pattern when the name does not
		// match: against "" it finds every malformed pattern.
		_, err := path.Match(pattern, "")
		if err != nil {
			if got {
				t.Errorf("MatchGlob(%q, %q) = true for a malformed pattern", pattern, name)
			}
			return
		}
		if want := referenceGlob(t, pattern).MatchString(name); got != want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", pattern, name, got, want)
		}
		if !strings.ContainsAny(pattern, `*?[\`) && got != strings.EqualFold(pattern, name) {
			t.Errorf("MatchGlob(%q, %q) = %v for a plain name, unlike EqualFold", pattern, name, got)
		}
	})
}

// referenceGlob translates a well-formed glob into a regular expression with
// the same meaning: (?i) folds case as EqualFold does, (?s) lets . match
// any rune, and `*` and `?` cross `/` as they do for a username.
func referenceGlob(t *testing.T, pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?is)^`)
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '\\':
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case '[':
			i++
			negated := i < len(rs) && rs[i] == '^'
			if negated {
				i++
			}
			var ranges []string
			for first := true; first || rs[i] != ']'; first = false {
				lo := rs[i]
				if lo == '\\' {
					i++
					lo = rs[i]
				}
				i++
				hi := lo
				if rs[i] == '-' {
					i++
					if rs[i] == '\\' {
						i++
					}
					hi = rs[i]
					i++
				}
				if lo <= hi { // path.Match takes a reversed range as empty
					ranges = append(ranges, fmt.Sprintf(`\x{%x}-\x{%x}`, lo, hi))
				}
			}
			switch {
			case len(ranges) == 0 && negated:
				b.WriteString(`.`)
			case len(ranges) == 0:
				b.WriteString(`[^\x{0}-\x{10FFFF}]`)
			case negated:
				b.WriteString(`[^` + strings.Join(ranges, "") + `]`)
			default:
				b.WriteString(`[` + strings.Join(ranges, "") + `]`)
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		}
	}
	b.WriteString(`$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		t.Fatalf("reference for %q: %v", pattern, err)
	}
	return re
}
