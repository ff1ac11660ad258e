package assign

import (
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"lm-user-hygiene/lm"
)

func TestIsSSOCreated(t *testing.T) {
	tests := []struct {
		name      string
		createdBy string
		want      bool
	}{
		{"SAML alone is SSO", "SAML", true},
		{"sso in lower case is SSO", "sso", true},
		{"SSO followed by the provider is SSO", "SSO (Okta)", true},
		{"saml joined by a hyphen is SSO", "saml-jit", true},
		{"SAML as a word in a phrase is SSO", "created via SAML", true},
		{"mixed case is SSO", "SaMl", true},
		{"a digit bounds the word", "SSO2", true},
		{"a digit before bounds the word", "2sso", true},
		{"an underscore bounds the word", "okta_saml_jit", true},
		{"a surname containing sso is not SSO", "Grosso", false},
		{"a letter before sso is not SSO", "jsso", false},
		{"saml counts anywhere, even inside a word", "SAMLUser", true},
		{"saml inside a word before sso counts", "samlsso", true},
		{"saml after letters counts", "oktasaml", true},
		{"jit as a word is SSO", "JIT provisioning", true},
		{"jit joined by a hyphen is SSO", "okta-jit", true},
		{"jit inside a word is not SSO", "jitter", false},
		{"single sign-on in title case is SSO", "Single Sign-On", true},
		{"single sign on without the hyphen is SSO", "created by single sign on", true},
		{"single sign-on in capitals is SSO", "SINGLE SIGN-ON (Azure)", true},
		{"sign-on alone is not SSO", "sign-on page", false},
		{"an at sign makes it a person even with sso", "sso-admin@acme.com", false},
		{"an at sign makes it a person even with saml", "saml@acme.com", false},
		{"an at sign alone is a person", "ann@acme.com", false},
		{"a long-s look-alike of saml is not SSO", "ſaml", false},
		{"the product name is not SSO", "LogicMonitor", false},
		{"a person is not SSO", "Chief Admin", false},
		{"empty is not SSO", "", false},
		{"a non-ASCII letter bounds nothing: it is a letter", "éssoé", false},
		{"a long-s look-alike is not SSO", "ſso", false},
		{"a non-ASCII letter inside the word is not SAML", "samł", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsSSOCreated(tc.createdBy); got != tc.want {
				t.Errorf("IsSSOCreated(%q) = %v, want %v", tc.createdBy, got, tc.want)
			}
		})
	}
}

func TestSSOCreators(t *testing.T) {
	users := []lm.User{
		{ID: 1, Username: "ann", CreatedBy: "SAML"},
		{ID: 2, Username: "bob", CreatedBy: "SAML"},
		{ID: 3, Username: "SSO", CreatedBy: "admin"},          // a person called "SSO"...
		{ID: 4, Username: "carl", CreatedBy: "sso"},           // ...who created carl by hand
		{ID: 5, Username: "dee", CreatedBy: "Single Sign-On"}, //
		{ID: 6, Username: "samlbot", CreatedBy: "SamlBot"},    // created by itself: a person
		{ID: 7, Username: "eve", CreatedBy: "sso-admin@acme.com"},
		{ID: 8, Username: "ſaml-jit", CreatedBy: "SAML-JIT"}, // long s folds to s: same name
		{ID: 9, Username: "fay", CreatedBy: "Grosso"},
	}
	tests := []struct {
		name   string
		custom *regexp.Regexp
		want   map[string]bool
	}{
		{
			name: "counts the SSO words, never a value that is some user's username",
			want: map[string]bool{
				"SAML": true, "admin": false, "sso": false, "Single Sign-On": true, "SamlBot": false,
				"sso-admin@acme.com": false, "SAML-JIT": false, "Grosso": false,
			},
		},
		{
			name:   "--sso-created-by replaces the whole test",
			custom: regexp.MustCompile(`^(sso|Grosso)$`),
			want: map[string]bool{
				"SAML": false, "admin": false, "sso": true, "Single Sign-On": false, "SamlBot": false,
				"sso-admin@acme.com": false, "SAML-JIT": false, "Grosso": true,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SSOCreators(users, tc.custom); !maps.Equal(got, tc.want) {
				t.Errorf("SSOCreators = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFoldKeyAgreesWithSameName(t *testing.T) {
	names := []string{"", "ann", "ANN", "Ann", "ſ", "s", "S", "K", "k", "\u212a", "ǅ", "ǆ", "Ǆ", "İ", "i", "ß", "ss", "\xff", "\xfe", "\ufffd"}
	for _, a := range names {
		for _, b := range names {
			same := string(foldKey(nil, a)) == string(foldKey(nil, b))
			if same != lm.SameName(a, b) {
				t.Errorf("foldKey(%q) == foldKey(%q) is %v, SameName %v", a, b, same, lm.SameName(a, b))
			}
		}
	}
}

func FuzzIsSSOCreated(f *testing.F) {
	for _, s := range []string{
		"SAML", "sso", "SSO (Okta)", "saml-jit", "Grosso", "LogicMonitor", "Chief Admin", "", "jsso", "SSO2", "ſso", "\xff sso",
		"SAMLUser", "samlsso", "Single Sign-On", "single sign on", "sso-admin@acme.com", "JIT", "jitter", "ſaml", "sIngle sign-on",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := IsSSOCreated(s)
		if want := referenceSSO(s); got != want {
			t.Errorf("IsSSOCreated(%q) = %v, reference %v", s, got, want)
		}
		// Wrapping in non-letters never changes the answer; appending a
		// standalone SSO word makes it true unless an '@' names a person.
		if IsSSOCreated(" "+s+" ") != got {
			t.Errorf("IsSSOCreated(%q) = %v but differs once padded with spaces", s, got)
		}
		if IsSSOCreated(s+" SSO") == strings.Contains(s, "@") {
			t.Errorf("IsSSOCreated(%q + \" SSO\") = %v", s, !strings.Contains(s, "@"))
		}
		if got && strings.Contains(s, "@") {
			t.Errorf("IsSSOCreated(%q) = true with an '@' in it", s)
		}
		// A username equal to the value, in any case, makes it a person.
		users := []lm.User{{ID: 1, Username: "x", CreatedBy: s}, {ID: 2, Username: strings.ToUpper(s)}}
		if SSOCreators(users, nil)[s] && lm.SameName(s, strings.ToUpper(s)) {
			t.Errorf("SSOCreators: %q counts as SSO though user %q exists", s, strings.ToUpper(s))
		}
	})
}

// referenceSSO is the DESIGN rule written another way: ASCII-only lower
// casing, then substring and regular-expression tests.
func referenceSSO(s string) bool {
	low := []byte(s)
	for i, c := range low {
		if 'A' <= c && c <= 'Z' {
			low[i] = c + 'a' - 'A'
		}
	}
	l := string(low)
	switch {
	case strings.Contains(l, "@"):
		return false
	case strings.Contains(l, "saml"), strings.Contains(l, "single sign-on"), strings.Contains(l, "single sign on"):
		return true
	}
	return ssoWord.MatchString(l)
}

var ssoWord = regexp.MustCompile(`(^|\PL)(sso|jit)(\PL|$)`)

func FuzzParseRoleGroups(f *testing.F) {
	for _, s := range []string{
		"", ";", "netops=Network Operations;readonly=Viewers", "readonly=Viewers;", "a=b=c",
		"NetOps=Ops;netops=OPS", "=x", "x=", "x", "a=b;;c=d", " a = b ; ", "K=k", "İ=i", "\xff=\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseRoleGroups(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("ParseRoleGroups(%q): error has a newline: %q", s, err)
			}
			return
		}
		if m == nil {
			t.Fatalf("ParseRoleGroups(%q) = nil map without error", s)
		}
		for k, v := range m {
			if k == "" || k != strings.ToLower(k) || k != strings.TrimSpace(k) {
				t.Errorf("ParseRoleGroups(%q): key %q is empty, not lower-case or not trimmed", s, k)
			}
			if v == "" || v != strings.TrimSpace(v) {
				t.Errorf("ParseRoleGroups(%q): value %q for %q is empty or not trimmed", s, v, k)
			}
		}
		keys := slices.Collect(maps.Keys(m))
		sort.Strings(keys)
		pairs := make([]string, len(keys))
		for i, k := range keys {
			pairs[i] = k + "=" + m[k]
		}
		again, err := ParseRoleGroups(strings.Join(pairs, ";"))
		if err != nil {
			t.Fatalf("ParseRoleGroups(%q) = %v, but its re-serialisation fails: %v", s, m, err)
		}
		if !maps.Equal(again, m) {
			t.Errorf("ParseRoleGroups(%q) = %v, re-parsed as %v", s, m, again)
		}
	})
}
