package suspend

import (
	"math"
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchGlob(tt.pattern, tt.user); got != tt.want {
				t.Errorf("MatchGlob(%q, %q) = %v, want %v", tt.pattern, tt.user, got, tt.want)
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
		{"a/b", "a/b"}, {"*", "x/y"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		got := MatchGlob(pattern, name)
		if strings.ContainsAny(pattern, `*?[\`) {
			return
		}
		// Without metacharacters a pattern is a plain name. ToLower, not
		// EqualFold: MatchGlob lower-cases both sides, and the two fold a few
		// runes (the Kelvin sign, for one) differently.
		if want := strings.ToLower(pattern) == strings.ToLower(name); got != want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", pattern, name, got, want)
		}
	})
}
