package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// Names an admin or an identity provider can give that break naive
// key=value, properties or JSON writers: separators, comment starts, white
// space (leading and trailing), non-ASCII beyond the basic plane,
// backslashes (also a trailing one, which would continue a properties line),
// line breaks, and a line break followed by a forged property.
const (
	hostileRole       = "role = #1: !x"
	hostileRoleSpaced = " lead role ü日本🙂"
	hostileGroupNet   = "Net = Ops, EU: #1 !"
	hostileSuspended  = `#Susp=ended: ü\ 日本!`
	hostileOther      = "other\r\ngroup\\"
)

var hostileUsernames = []string{
	"eq=ual:co#lon!@example.com",
	" leading space user",
	"trailing space user ",
	"ü日本🙂 user",
	`back\slash\`,
	"new\nline\r\ncr\rend",
	"evil\n#injected=1\nuser.alice@example.com.status=suspended",
	"tab\tform\fuser",
	`\u0041 literal`,
	"!bang",
	"#hash",
	":colon",
	"=equals",
}

// hostilePortal holds users and groups and roles with hostile names in every
// situation: idle (suspended by an applied run), fresh SSO users regrouped
// into hostile groups, and users already in hostile groups.
func hostilePortal() *lmfake.Portal {
	p := lmfake.New(lmfake.Config{AccessID: testAccessID, AccessKey: testAccessKey, Now: func() time.Time { return testNow }})
	admin, readonly, netops := p.AddRole("administrator"), p.AddRole("readonly"), p.AddRole("netops")
	weird, spaced, other := p.AddRole(hostileRole), p.AddRole(hostileRoleSpaced), p.AddRole(hostileOther)
	ungrouped, viewers, admins := p.AddGroup("Ungrouped"), p.AddGroup("Viewers"), p.AddGroup("administrator")
	p.AddGroup(hostileSuspended)
	p.AddGroup(hostileGroupNet)
	p.AddGroup(hostileRole) // the group of the role's own name
	p.AddGroup(hostileRoleSpaced)
	otherGroup := p.AddGroup(hostileOther)
	p.AddUser(lm.User{Username: "lmuh-api@example.com", APIOnly: true, Roles: []lm.Role{admin}, GroupIDs: []int{admins.ID},
		APITokens: []lm.APIToken{{AccessID: testAccessID, Enabled: true, LastUsedOn: faultDays(1)}}})
	p.AddUser(lm.User{Username: "alice@example.com", Roles: []lm.Role{admin}, GroupIDs: []int{admins.ID}, LastLoginOn: faultDays(1)})
	for i := range 40 {
		p.AddUser(lm.User{Username: fmt.Sprintf("staff%02d@example.com", i), Roles: []lm.Role{readonly}, GroupIDs: []int{viewers.ID}, LastLoginOn: faultDays(i)})
	}
	for i, name := range hostileUsernames {
		u := lm.User{Username: name, CreatedBy: "Chief Admin", Roles: []lm.Role{readonly}, GroupIDs: []int{viewers.ID, otherGroup.ID}, LastLoginOn: faultDays(3)}
		switch i % 4 {
		case 0: // idle: suspended and moved to the hostile suspended group
			u.LastLoginOn = faultDays(120 + i)
		case 1: // fresh SSO user with a hostile role that maps to its own name
			u.CreatedBy, u.Roles, u.GroupIDs = "SAML", []lm.Role{weird, spaced}, []int{ungrouped.ID}
		case 2: // fresh SSO user mapped by --role-groups to a hostile group
			u.CreatedBy, u.Roles, u.GroupIDs = "sso", []lm.Role{netops, other}, nil
		}
		p.AddUser(u)
	}
	return p
}

var hostileArgs = []string{
	"--role-groups", "netops=" + hostileGroupNet,
	"--suspended-group", hostileSuspended,
	"--protect-users", "break:glass#*",
}

// hostilePolicy is the configsource policy of a run with hostileArgs.
func hostilePolicy(apply bool) map[string]string {
	return map[string]string{
		"policy.apply":                       strconv.FormatBool(apply),
		"policy.command":                     "run",
		"policy.max_changes":                 "50",
		"policy.suspend.inactive_days":       "90",
		"policy.suspend.activity":            "any",
		"policy.suspend.suspended_group":     hostileSuspended,
		"policy.suspend.protect_users":       "break:glass#*",
		"policy.suspend.protect_roles":       "",
		"policy.suspend.min_admins":          "1",
		"policy.suspend.admin_roles":         "administrator",
		"policy.suspend.include_api_users":   "false",
		"policy.suspend.never_logged_in":     "first-seen",
		"policy.suspend.warn_days":           "14",
		"policy.suspend.max_suspend_percent": "20",
		"policy.assign.role_groups":          "netops=" + hostileGroupNet,
		"policy.assign.scope":                "sso",
		"policy.assign.ungrouped_group":      "Ungrouped",
		"policy.assign.create_groups":        "false",
	}
}

// listValue is a list of names as README.md documents it for configsource:
// comma-separated, a comma or backslash in a name preceded by a backslash.
func listValue(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		for _, r := range n {
			if r == ',' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// splitList reads a listValue back into its names.
func splitList(v string) []string {
	if v == "" {
		return nil
	}
	var names []string
	var cur strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && i+1 < len(v):
			i++
			cur.WriteByte(v[i])
		case v[i] == ',':
			names = append(names, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(v[i])
		}
	}
	return append(names, cur.String())
}

func TestListValueSplitsBack(t *testing.T) {
	for _, names := range [][]string{{"a"}, {"Ops, EU", "Viewers"}, {`back\`, `,`, `\,`, ""}, {hostileGroupNet, hostileSuspended, hostileOther}} {
		if got := splitList(listValue(names)); !reflect.DeepEqual(got, names) {
			t.Errorf("%q -> %q -> %q", names, listValue(names), got)
		}
	}
}

// expectedSnapshot is the configsource the portal's state must give: every
// user's status, groups and roles by name, sorted.
func expectedSnapshot(p *lmfake.Portal, apply bool) map[string]string {
	want := hostilePolicy(apply)
	names := map[int]string{}
	for _, g := range p.Groups() {
		names[g.ID] = g.Name
	}
	for _, u := range p.Users() {
		var groups, roles []string
		for _, id := range u.GroupIDs {
			groups = append(groups, names[id])
		}
		for _, r := range u.Roles {
			roles = append(roles, r.Name)
		}
		sort.Strings(groups)
		sort.Strings(roles)
		key := "user." + u.Username
		want[key+".status"] = u.Status
		want[key+".groups"] = listValue(groups)
		want[key+".roles"] = listValue(roles)
		if u.APIOnly {
			want[key+".api_only"] = "true"
		}
	}
	return want
}

// TestHostileNamesInEveryOutput: hostile user, group and role names come out
// of every format unambiguous, planned and applied: datasource only counts,
// json parses back to the same names, configsource parses back (by the rules
// of java.util.Properties.load) to exactly the portal's state.
func TestHostileNamesInEveryOutput(t *testing.T) {
	for _, apply := range []bool{false, true} {
		t.Run(map[bool]string{false: "plan", true: "apply"}[apply], func(t *testing.T) {
			p := hostilePortal()
			env := serveEnv(t, p)
			args := append([]string{}, hostileArgs...)
			if apply {
				args = append(args, "--apply")
			}
			wantPlanned := expectedSnapshot(p, apply) // the state before; in plan mode also after

			ds := runAt(t, testNow, env, append(args, "--output", "datasource")...)
			if ds.code != exitOK {
				t.Fatalf("datasource run: exit %d: %s", ds.code, ds.stderr)
			}
			counts := datasource(t, ds.stdout)
			if counts["users_total"] != len(p.Users()) || counts["errors"] != 0 {
				t.Errorf("users_total=%d errors=%d, want %d and 0", counts["users_total"], counts["errors"], len(p.Users()))
			}
			if apply {
				// 4 idle users suspended, 3 regrouped by their own role names,
				// 3 by --role-groups; the rest of the hostile users already
				// have groups.
				if counts["suspend_applied"] != 4 || counts["assign_applied"] != 6 {
					t.Errorf("suspend_applied=%d assign_applied=%d, want 4 and 6", counts["suspend_applied"], counts["assign_applied"])
				}
			}

			// Each later run sees the state the applied run left: nothing
			// more to do, so its snapshot is the portal as it stands.
			want := expectedSnapshot(p, apply)
			if !apply && !reflect.DeepEqual(want, wantPlanned) {
				t.Fatal("a plan run changed the portal")
			}
			cs := runAt(t, testNow, env, append(args, "--output", "configsource")...)
			if cs.code != exitOK {
				t.Fatalf("configsource run: exit %d: %s", cs.code, cs.stderr)
			}
			for i := 0; i < len(cs.stdout); i++ {
				if cs.stdout[i] >= 0x80 {
					t.Fatalf("configsource byte %d is not ASCII: Properties.load(InputStream) reads ISO-8859-1", i)
				}
			}
			got, err := parseJavaProperties(cs.stdout)
			if err != nil {
				t.Fatalf("configsource is not valid java properties: %v\n%s", err, cs.stdout)
			}
			for k, v := range want {
				if g, ok := got[k]; !ok {
					t.Errorf("configsource lacks %q", k)
				} else if g != v {
					t.Errorf("configsource %q = %q, want %q", k, g, v)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("configsource has the extra key %q", k)
				}
			}

			js := runAt(t, testNow, env, append(args, "--output", "json")...)
			if js.code != exitOK {
				t.Fatalf("json run: exit %d: %s", js.code, js.stderr)
			}
			var out struct {
				Users []struct {
					Username string `json:"username"`
				} `json:"users"`
				Policy struct {
					Suspend struct {
						SuspendedGroup string   `json:"suspended_group"`
						ProtectUsers   []string `json:"protect_users"`
					} `json:"suspend"`
					Assign struct {
						RoleGroups map[string]string `json:"role_groups"`
					} `json:"assign"`
				} `json:"policy"`
			}
			if err := json.Unmarshal([]byte(js.stdout), &out); err != nil {
				t.Fatalf("json output does not parse: %v", err)
			}
			var gotNames, wantNames []string
			for _, u := range out.Users {
				gotNames = append(gotNames, u.Username)
			}
			for _, u := range p.Users() {
				wantNames = append(wantNames, u.Username)
			}
			sort.Strings(gotNames)
			sort.Strings(wantNames)
			if !reflect.DeepEqual(gotNames, wantNames) {
				t.Errorf("json usernames differ from the portal's:\n got %q\nwant %q", gotNames, wantNames)
			}
			if out.Policy.Suspend.SuspendedGroup != hostileSuspended || out.Policy.Assign.RoleGroups["netops"] != hostileGroupNet ||
				!reflect.DeepEqual(out.Policy.Suspend.ProtectUsers, []string{"break:glass#*"}) {
				t.Errorf("json policy names differ: %+v", out.Policy)
			}
		})
	}
}

// parseJavaProperties reads s as java.util.Properties.load(Reader) does:
// logical lines joined at an odd number of trailing backslashes (the next
// line's leading white space dropped), comment lines (# or ! first) and blank
// lines skipped, the key ending at the first unescaped '=', ':' or white
// space, and escapes \t \n \r \f \uXXXX and \x (x itself) undone. A key given
// twice is an error: it would make the snapshot ambiguous.
func parseJavaProperties(s string) (map[string]string, error) {
	out := map[string]string{}
	in := utf16.Encode([]rune(s))
	isWhite := func(c uint16) bool { return c == ' ' || c == '\t' || c == '\f' }
	pos := 0
	readLine := func() ([]uint16, bool) {
		var line []uint16
		skipWhite, comment, newLine, appended, backslash, skipLF := true, false, true, false, false, false
		for pos < len(in) {
			c := in[pos]
			pos++
			if skipLF {
				skipLF = false
				if c == '\n' {
					continue
				}
			}
			if skipWhite {
				if isWhite(c) || !appended && (c == '\r' || c == '\n') {
					continue
				}
				skipWhite, appended = false, false
			}
			if newLine {
				newLine = false
				if c == '#' || c == '!' {
					comment = true
					continue
				}
			}
			if c != '\n' && c != '\r' {
				line = append(line, c)
				backslash = c == '\\' && !backslash
				continue
			}
			if comment || len(line) == 0 {
				comment, newLine, skipWhite, line = false, true, true, line[:0]
				if c == '\r' {
					skipLF = true
				}
				continue
			}
			if backslash {
				line = line[:len(line)-1]
				skipWhite, appended, backslash = true, true, false
				if c == '\r' {
					skipLF = true
				}
				continue
			}
			if c == '\r' && pos < len(in) && in[pos] == '\n' {
				pos++
			}
			return line, true
		}
		if comment || len(line) == 0 {
			return nil, false
		}
		if backslash {
			line = line[:len(line)-1]
		}
		return line, true
	}
	unescape := func(b []uint16) (string, error) {
		var u []uint16
		for i := 0; i < len(b); i++ {
			c := b[i]
			if c != '\\' {
				u = append(u, c)
				continue
			}
			i++
			if i >= len(b) {
				return "", fmt.Errorf("lone backslash at the end of %q", string(utf16.Decode(b)))
			}
			switch c = b[i]; c {
			case 't':
				u = append(u, '\t')
			case 'n':
				u = append(u, '\n')
			case 'r':
				u = append(u, '\r')
			case 'f':
				u = append(u, '\f')
			case 'u':
				if i+4 >= len(b) {
					return "", fmt.Errorf("malformed \\uxxxx in %q", string(utf16.Decode(b)))
				}
				n, err := strconv.ParseUint(string(utf16.Decode(b[i+1:i+5])), 16, 16)
				if err != nil {
					return "", fmt.Errorf("malformed \\uxxxx in %q", string(utf16.Decode(b)))
				}
				u = append(u, uint16(n))
				i += 4
			default:
				u = append(u, c)
			}
		}
		return string(utf16.Decode(u)), nil
	}
	for {
		line, ok := readLine()
		if !ok {
			return out, nil
		}
		keyLen, valueStart, hasSep, backslash := 0, len(line), false, false
		for ; keyLen < len(line); keyLen++ {
			c := line[keyLen]
			if (c == '=' || c == ':') && !backslash {
				valueStart, hasSep = keyLen+1, true
				break
			}
			if isWhite(c) && !backslash {
				valueStart = keyLen + 1
				break
			}
			backslash = c == '\\' && !backslash
		}
		for ; valueStart < len(line); valueStart++ {
			c := line[valueStart]
			if !isWhite(c) {
				if !hasSep && (c == '=' || c == ':') {
					hasSep = true
				} else {
					break
				}
			}
		}
		key, err := unescape(line[:keyLen])
		if err != nil {
			return nil, err
		}
		value, err := unescape(line[valueStart:])
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		out[key] = value
	}
}

// TestJavaPropertiesParser holds the test's parser to what
// java.util.Properties.load gives for the same text.
func TestJavaPropertiesParser(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]string
	}{
		{"separators and the white space around them", "a=1\nb : 2\nc 3\n  d\t=\t4 \ne\n", map[string]string{"a": "1", "b": "2", "c": "3", "d": "4 ", "e": ""}},
		{"comments and blank lines", "# x=1\n  ! y=2\n\n \t\nz=3\n", map[string]string{"z": "3"}},
		{"a comment line does not continue", "# c \\\nk=v\n", map[string]string{"k": "v"}},
		{"escaped separators in the key", `a\=b\:c\ d=e=f:g` + "\n", map[string]string{"a=b:c d": "e=f:g"}},
		{"escapes", `k=\t\n\r\f\\\#\!\u00fc\ud83d\ude42\q` + "\n", map[string]string{"k": "\t\n\r\f\\#!ü🙂q"}},
		{"continuation lines", "k=a\\\n   b\\\r\n\tc\\\rd\nn=1", map[string]string{"k": "abcd", "n": "1"}},
		{"an even number of backslashes ends the line", "k=a\\\\\nb=2\n", map[string]string{"k": `a\`, "b": "2"}},
		{"a backslash at the end of input is dropped", "k=v\\", map[string]string{"k": "v"}},
		{"a value's leading escaped space is kept", `k=\  v` + "\n", map[string]string{"k": "  v"}},
		{"CR and CRLF end lines", "a=1\rb=2\r\nc=3", map[string]string{"a": "1", "b": "2", "c": "3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseJavaProperties(tc.in)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parse(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"k=\\u12\n", "k=\\uZZZZ\n", "k=1\nk=2\n"} {
		if _, err := parseJavaProperties(bad); err == nil {
			t.Errorf("parse(%q) accepted malformed or ambiguous input", bad)
		}
	}
}

// TestBaseURLRefused: a base URL that would send credentials in clear text,
// to another scheme, or that carries credentials itself is bad configuration:
// exit 2 and one line that never repeats the password.
func TestBaseURLRefused(t *testing.T) {
	const password = "Pa55w0rd-S3cret"
	for _, tc := range []struct{ name, url, want string }{
		{"http to a portal", "http://acme.logicmonitor.com/santaba/rest", "https"},
		{"http to a name that only starts like localhost", "http://localhost.example.com/santaba/rest", "https"},
		{"http to a private address", "http://10.0.0.1/santaba/rest", "https"},
		{"http to the unspecified address", "http://0.0.0.0:8080/santaba/rest", "https"},
		{"ftp", "ftp://acme.logicmonitor.com/santaba/rest", "scheme"},
		{"file", "file:///etc/passwd", "host"},
		{"file with a host", "file://acme.logicmonitor.com/santaba/rest", "scheme"},
		{"no scheme", "//acme.logicmonitor.com/santaba/rest", "scheme"},
		{"user and password", "https://user:" + password + "@acme.logicmonitor.com/santaba/rest", "user name or password"},
		{"user and an escaped password", "https://user:" + strings.Replace(password, "-", "%2D", 1) + "@acme.logicmonitor.com/santaba/rest", "user name or password"},
		{"user and password on loopback", "http://user:" + password + "@127.0.0.1:1/santaba/rest", "user name or password"},
		{"a user alone", "https://" + password + "@acme.logicmonitor.com/santaba/rest", "user name or password"},
		{"a password that breaks the URL", "https://user:" + password + " x@acme.logicmonitor.com/santaba/rest", "not a valid URL"},
	} {
		for _, via := range []string{"flag", "env"} {
			t.Run(tc.name+" via "+via, func(t *testing.T) {
				env := []string{"LM_ACCESS_ID=" + testAccessID, "LM_ACCESS_KEY=" + testAccessKey}
				args := []string{"--apply"}
				if via == "flag" {
					args = append(args, "--base-url", tc.url)
				} else {
					env = append(env, "LM_BASE_URL="+tc.url)
				}
				for _, format := range []string{"datasource", "json"} {
					res := runNow(t, env, append(args, "--output", format)...)
					if res.code != exitConfig {
						t.Fatalf("exit %d, want %d: %s", res.code, exitConfig, res.stderr)
					}
					lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
					if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
						t.Errorf("stderr is not one line saying %q:\n%s", tc.want, res.stderr)
					}
					for _, leak := range []string{password, "Pa55w0rd%2DS3cret", "Pa55w0rd"} {
						if strings.Contains(res.stderr, leak) || strings.Contains(res.stdout, leak) {
							t.Errorf("the %s output repeats the password:\nstdout:\n%s\nstderr:\n%s", format, res.stdout, res.stderr)
						}
					}
					if format == "datasource" && datasource(t, res.stdout)["run_success"] != 0 {
						t.Error("run_success is not 0")
					}
				}
			})
		}
	}
}

// TestTLSVerificationIsNeverOff: a portal whose certificate does not verify
// gets no request, and no setting or client can switch verification off.
func TestTLSVerificationIsNeverOff(t *testing.T) {
	var reached atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"total":0,"searchId":null,"items":[]}`)
	}))
	defer srv.Close()
	env := []string{"LM_BASE_URL=" + srv.URL + "/santaba/rest", "LM_ACCESS_ID=" + testAccessID, "LM_ACCESS_KEY=" + testAccessKey}

	t.Run("a certificate that does not verify fails the run", func(t *testing.T) {
		res := runDeps(t, t.Context(), deps{now: time.Now, retryDelay: time.Millisecond}, env, "--apply")
		if res.code != exitFailed || !strings.Contains(failureLine(t, res.stderr), "certificate") {
			t.Errorf("exit %d, want %d and a line about the certificate:\n%s", res.code, exitFailed, res.stderr)
		}
		// The same certificate comes back on every attempt: no retry.
		if ds := datasource(t, res.stdout); ds["api_retries"] != 0 || ds["api_requests"] != 1 {
			t.Errorf("api_requests=%d api_retries=%d, want one attempt and no retry", ds["api_requests"], ds["api_retries"])
		}
	})
	t.Run("a client that skips verification is refused", func(t *testing.T) {
		insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		res := runDeps(t, t.Context(), deps{now: time.Now, httpClient: insecure}, env, "--apply")
		if res.code != exitConfig || !strings.Contains(res.stderr, "TLS") {
			t.Errorf("exit %d, want %d and a line about TLS verification:\n%s", res.code, exitConfig, res.stderr)
		}
	})
	t.Run("no setting switches verification off", func(t *testing.T) {
		for _, s := range settings {
			for _, word := range []string{"insecure", "verify", "tls", "skip", "cert"} {
				if strings.Contains(strings.ToLower(s.flag+s.env), word) {
					t.Errorf("setting --%s (%s) looks like a TLS switch", s.flag, s.env)
				}
			}
		}
		for _, flag := range []string{"--insecure", "--insecure-skip-verify", "--tls-skip-verify", "-k"} {
			if res := runNow(t, env, flag); res.code != exitConfig {
				t.Errorf("%s: exit %d, want %d (unknown flag)", flag, res.code, exitConfig)
			}
		}
	})
	if n := reached.Load(); n != 0 {
		t.Errorf("the portal with the unverified certificate received %d requests", n)
	}
}

// TestRedirectKeepsCredentials: a portal address that redirects elsewhere
// gets no credentials forwarded: the second host never sees an Authorization
// header and the run fails.
func TestRedirectKeepsCredentials(t *testing.T) {
	var sawAuth, reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		if r.Header.Get("Authorization") != "" {
			sawAuth.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"total":0,"searchId":null,"items":[]}`)
	}))
	defer other.Close()
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.RequestURI(), code)
		}))
		for _, auth := range []struct {
			name  string
			creds []string
		}{
			{"LMv1", []string{"LM_ACCESS_ID=" + testAccessID, "LM_ACCESS_KEY=" + testAccessKey}},
			{"bearer", []string{"LM_BEARER_TOKEN=" + faultBearer}},
		} {
			t.Run(strconv.Itoa(code)+" "+auth.name, func(t *testing.T) {
				env := append([]string{"LM_BASE_URL=" + redirector.URL + "/santaba/rest"}, auth.creds...)
				res := runDeps(t, t.Context(), faultDeps(), env, "--apply")
				if res.code != exitFailed || !strings.Contains(failureLine(t, res.stderr), "redirect") {
					t.Errorf("exit %d, want %d and a line about the redirect:\n%s", res.code, exitFailed, res.stderr)
				}
				if ds := datasource(t, res.stdout); ds["run_success"] != 0 || ds["users_total"] != 0 {
					t.Errorf("run_success=%d users_total=%d after a redirect", ds["run_success"], ds["users_total"])
				}
			})
		}
		redirector.Close()
	}
	if sawAuth.Load() != 0 || reached.Load() != 0 {
		t.Errorf("the other host got %d requests, %d of them with credentials", reached.Load(), sawAuth.Load())
	}
}
