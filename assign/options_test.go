package assign

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRoleGroupsAcceptsWellFormedPairs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"an empty value maps nothing", "", map[string]string{}},
		{"a blank value maps nothing", "  \t ", map[string]string{}},
		{"a lone trailing ';' maps nothing", ";", map[string]string{}},
		{"one pair", "netops=Network Operations", map[string]string{"netops": "Network Operations"}},
		{
			"pairs are separated by ';' and trimmed",
			" netops = Network Operations ; readonly=Viewers",
			map[string]string{"netops": "Network Operations", "readonly": "Viewers"},
		},
		{"an empty trailing ';' is allowed", "readonly=Viewers;", map[string]string{"readonly": "Viewers"}},
		{"an empty trailing ';' with spaces is allowed", "readonly=Viewers ; ", map[string]string{"readonly": "Viewers"}},
		{"roles are stored lower-cased, groups as written", "NetOps=Network OPS", map[string]string{"netops": "Network OPS"}},
		{"a pair splits at the first '='", "a=b=c", map[string]string{"a": "b=c"}},
		{
			"the same role twice with the same group (any case) is allowed",
			"netops=Ops;NETOPS=ops",
			map[string]string{"netops": "Ops"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRoleGroups(tc.in)
			if err != nil {
				t.Fatalf("ParseRoleGroups(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseRoleGroups(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseRoleGroupsRejectsBadPairs(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		mention []string // the error names --role-groups, the bad pair and the fix
	}{
		{"a pair without '=' is rejected", "netops=Ops;readonly", []string{`"readonly"`, "role=Group"}},
		{"a pair with an empty role is rejected", "=Viewers", []string{`"=Viewers"`, "no role"}},
		{"a pair with a blank role is rejected", "  =Viewers", []string{`"=Viewers"`, "no role"}},
		{"a pair with an empty group is rejected", "readonly=", []string{`"readonly="`, "no group"}},
		{"a pair with a blank group is rejected", "readonly=  ;", []string{`"readonly="`, "no group"}},
		{
			"the same role twice with different groups is rejected, case-insensitively",
			"netops=Ops;NetOps=Network",
			[]string{`"netops"`, `"Ops"`, `"Network"`, "one pair per role"},
		},
		{"an empty pair in the middle is rejected", "a=b;;c=d", []string{"empty pair", "';'"}},
		{"two trailing ';' are rejected", "a=b;;", []string{"empty pair"}},
		{"a leading ';' is rejected", ";a=b", []string{"empty pair"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRoleGroups(tc.in)
			if err == nil {
				t.Fatalf("ParseRoleGroups(%q) = %v, want an error", tc.in, got)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "--role-groups") {
				t.Errorf("error %q does not start with the flag", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is more than one line", msg)
			}
			for _, s := range tc.mention {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not mention %s", msg, s)
				}
			}
		})
	}
}

func TestParseRoleGroupsKeepsErrorsOnOneLine(t *testing.T) {
	_, err := ParseRoleGroups("net\nops")
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v, want a one-line error", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Options)
		mention string // empty: valid
	}{
		{"the defaults are valid", func(*Options) {}, ""},
		{"scope all is valid", func(o *Options) { o.Scope = ScopeAll }, ""},
		{"no role groups is valid", func(o *Options) { o.RoleGroups = nil }, ""},
		{"activity login is valid", func(o *Options) { o.Activity = "login" }, ""},
		{"an unknown activity is rejected", func(o *Options) { o.Activity = "ui" }, "--activity"},
		{"an unknown scope is rejected", func(o *Options) { o.Scope = "everyone" }, "--assign-scope"},
		{"an empty scope is rejected", func(o *Options) { o.Scope = "" }, "--assign-scope"},
		{"scope is spelled in lower case", func(o *Options) { o.Scope = "SSO" }, "--assign-scope"},
		{"an empty ungrouped group is rejected", func(o *Options) { o.UngroupedGroup = "" }, "--ungrouped-group"},
		{"a blank ungrouped group is rejected", func(o *Options) { o.UngroupedGroup = "  " }, "--ungrouped-group"},
		{"an empty suspended group is rejected", func(o *Options) { o.SuspendedGroup = "" }, "--suspended-group"},
		{"a blank suspended group is rejected", func(o *Options) { o.SuspendedGroup = "\t" }, "--suspended-group"},
		{
			"the placeholder and suspended groups must differ, case-insensitively",
			func(o *Options) { o.UngroupedGroup, o.SuspendedGroup = "Parked", "parked" },
			"must be different",
		},
		{
			"a role group map with an empty role is rejected",
			func(o *Options) { o.RoleGroups = map[string]string{"": "Viewers"} },
			"--role-groups",
		},
		{
			"a role group map with an empty group is rejected",
			func(o *Options) { o.RoleGroups = map[string]string{"readonly": " "} },
			"--role-groups",
		},
		{
			"a role group map with one role twice, in two cases, to different groups is rejected",
			func(o *Options) { o.RoleGroups = map[string]string{"readonly": "Viewers", "ReadOnly": "Guests"} },
			"mapped twice",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions()
			tc.mutate(&o)
			err := o.Validate()
			if tc.mention == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error mentioning %q", tc.mention)
			}
			if !strings.Contains(err.Error(), tc.mention) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Validate() = %q, want one line mentioning %q", err, tc.mention)
			}
		})
	}
}
