package assign

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
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
		{"a letter after saml is not SSO", "samlx", false},
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

func FuzzIsSSOCreated(f *testing.F) {
	for _, s := range []string{"SAML", "sso", "SSO (Okta)", "saml-jit", "Grosso", "LogicMonitor", "Chief Admin", "", "jsso", "SSO2", "ſso", "\xff sso"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := IsSSOCreated(s)
		// Wrapping in non-letters never changes the answer; appending a
		// standalone SSO word always makes it true.
		if IsSSOCreated(" "+s+" ") != got {
			t.Errorf("IsSSOCreated(%q) = %v but differs once padded with spaces", s, got)
		}
		if !IsSSOCreated(s + " SSO") {
			t.Errorf("IsSSOCreated(%q + \" SSO\") = false", s)
		}
		if got && !strings.Contains(strings.ToLower(s), "sso") && !strings.Contains(strings.ToLower(s), "saml") {
			t.Errorf("IsSSOCreated(%q) = true without sso or saml in it", s)
		}
	})
}

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
