package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lm-user-hygiene/hygiene"
)

func upcomingDate(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// upcomingSample is three upcoming users out of id order: one who never
// logged in, one without an e-mail, one whose name holds every character a
// discovery line must not carry.
func upcomingSample() []hygiene.Upcoming {
	return []hygiene.Upcoming{
		{ID: 1042, Username: "zoe@example.com", Email: "zoe@example.com", SuspendOn: upcomingDate("2026-11-05"),
			LastActivity: time.Date(2026, 8, 7, 9, 30, 0, 0, time.UTC), DaysLeft: 4, IdleDays: 86,
			Reason: "last activity 2026-08-07 (login), before cutoff 2026-08-03 (90 days); upcoming: suspended on 2026-11-05 unless active before; notice since 2026-10-22 (--warn-days=14)"},
		{ID: 7, Username: "new.hire", Email: "", SuspendOn: upcomingDate("2026-11-14"), DaysLeft: 13, IdleDays: 77,
			Reason: "never logged in, first seen 2026-08-16, after cutoff 2026-08-03 (90 days); --never-logged-in=first-seen; upcoming: suspended on 2026-11-14 unless active before; notice since 2026-11-01 (--warn-days=14)"},
		{ID: 300, Username: "a#b&c=d\\e\r\nf\tg", Email: "odd=mail&x@example.com", SuspendOn: upcomingDate("2026-11-01"),
			LastActivity: time.Date(2026, 8, 3, 13, 0, 0, 0, time.UTC), DaysLeft: 0, IdleDays: 90,
			Reason: "last activity 2026-08-03 (action), after cutoff; upcoming: suspended on 2026-11-01 unless active before"},
	}
}

func writeUpcoming(t *testing.T, f Format, users []hygiene.Upcoming) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteUpcoming(&b, f, users); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestUpcomingGolden compares each output of three upcoming users with
// testdata/upcoming-*.golden.
func TestUpcomingGolden(t *testing.T) {
	for _, f := range []Format{FormatText, FormatJSON, FormatDiscovery, FormatBatch} {
		t.Run(string(f), func(t *testing.T) {
			checkGolden(t, "upcoming-"+string(f), writeUpcoming(t, f, upcomingSample()))
		})
	}
}

func TestUpcomingNobody(t *testing.T) {
	for _, f := range []Format{FormatText, FormatJSON, FormatDiscovery, FormatBatch} {
		want := ""
		if f == FormatJSON {
			want = "[]\n"
		}
		for _, users := range [][]hygiene.Upcoming{nil, {}} {
			if got := writeUpcoming(t, f, users); got != want {
				t.Errorf("%s with nobody upcoming printed %q, want %q", f, got, want)
			}
		}
	}
}

func TestUpcomingOutputsAreSortedByIDAsANumber(t *testing.T) {
	users := []hygiene.Upcoming{{ID: 100, Username: "c"}, {ID: 9, Username: "a"}, {ID: 20, Username: "b"}}
	for _, f := range []Format{FormatDiscovery, FormatBatch} {
		var ids []string
		for _, line := range strings.Split(strings.TrimSuffix(writeUpcoming(t, f, users), "\n"), "\n") {
			id, _, _ := strings.Cut(strings.Split(line, "##")[0], ".")
			if len(ids) == 0 || ids[len(ids)-1] != id {
				ids = append(ids, id)
			}
		}
		if got := strings.Join(ids, ","); got != "9,20,100" {
			t.Errorf("%s order %s, want 9,20,100", f, got)
		}
	}
	var got []struct{ ID int }
	if err := json.Unmarshal([]byte(writeUpcoming(t, FormatJSON, users)), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != 9 || got[1].ID != 20 || got[2].ID != 100 {
		t.Errorf("json order %v, want 9, 20, 100", got)
	}
}

// discoveryFields splits a discovery line into its id, name, description
// and properties, failing when it does not have exactly that shape.
func discoveryFields(t *testing.T, line string) (id, name, description string, props map[string]string) {
	t.Helper()
	head, tail, ok := strings.Cut(line, "####")
	if !ok || strings.Contains(tail, "#") {
		t.Fatalf("line %q has no single #### before its properties", line)
	}
	parts := strings.Split(head, "##")
	if len(parts) != 3 {
		t.Fatalf("line %q has %d fields before ####, want 3", line, len(parts))
	}
	props = map[string]string{}
	var keys []string
	for _, pair := range strings.Split(tail, "&") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || strings.Contains(v, "=") {
			t.Fatalf("property %q of line %q is not one name=value", pair, line)
		}
		props[k] = v
		keys = append(keys, k)
	}
	if got := strings.Join(keys, ","); got != "auto.lmuh.email,auto.lmuh.suspend_on,auto.lmuh.last_activity" {
		t.Fatalf("properties %s", got)
	}
	return parts[0], parts[1], parts[2], props
}

func TestUpcomingDiscoveryCharacterRules(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct {
		name, username, email string
		wantName, wantEmail   string
	}{
		{"a plain name is kept as it is", "ann@example.com", "ann@example.com", "ann@example.com", "ann@example.com"},
		{"# & = and backslash each become one space", `a#b&c=d\e`, `x=y&z#w\v`, "a b c d e", "x y z w v"},
		{"a line break becomes one space, \\r\\n two", "a\nb\rc\r\nd", "e\r\nf", "a b c  d", "e  f"},
		{"a tab and other control characters become one space", "a\tb\x00c\x1bd\x7fe\u0085f", "g\x01h", "a b c d e f", "g h"},
		{"the Unicode line and paragraph separators become one space", "a\u2028b\u2029c", "", "a b c", ""},
		{"nothing is trimmed", "  ann  ", " e ", "  ann  ", " e "},
		{"an empty e-mail is kept empty", "bob", "", "bob", ""},
		{"other text passes untouched", "Zoë 日本 ü:;,/|", "ü@exämple.com", "Zoë 日本 ü:;,/|", "ü@exämple.com"},
		{"the username is cut to 255 characters", long, "", strings.Repeat("é", 255), ""},
		{"the cut counts characters after the rules", strings.Repeat("#", 260), "", strings.Repeat(" ", 255), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := writeUpcoming(t, FormatDiscovery, []hygiene.Upcoming{{ID: 5, Username: tc.username, Email: tc.email,
				SuspendOn: upcomingDate("2026-11-05")}})
			if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
				t.Fatalf("not one line: %q", out)
			}
			id, name, description, props := discoveryFields(t, strings.TrimSuffix(out, "\n"))
			if id != "5" || name != tc.wantName || props["auto.lmuh.email"] != tc.wantEmail {
				t.Errorf("id %q name %q email %q\nwant id 5 name %q email %q", id, name, props["auto.lmuh.email"], tc.wantName, tc.wantEmail)
			}
			if utf8.RuneCountInString(name) > 255 {
				t.Errorf("name of %d characters", utf8.RuneCountInString(name))
			}
			if description != "suspended on 2026-11-05 unless active before" || props["auto.lmuh.suspend_on"] != "2026-11-05" ||
				props["auto.lmuh.last_activity"] != "never" {
				t.Errorf("description %q, properties %v", description, props)
			}
		})
	}
}

func TestUpcomingBatchLines(t *testing.T) {
	got := writeUpcoming(t, FormatBatch, []hygiene.Upcoming{{ID: 12, DaysLeft: 0, IdleDays: 90}, {ID: 3, DaysLeft: 7, IdleDays: 83}})
	want := "3.days_left=7\n3.idle_days=83\n12.days_left=0\n12.idle_days=90\n"
	if got != want {
		t.Errorf("batch\n%s\nwant\n%s", got, want)
	}
}

func TestUpcomingTextKeepsEachUserOnItsLine(t *testing.T) {
	out := writeUpcoming(t, FormatText, upcomingSample())
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3+len(upcomingSample()) {
		t.Fatalf("%d lines, want a title, a hint, a header and one per user:\n%s", len(lines), out)
	}
	if !strings.Contains(out, `"a#b&c=d\\e\r\nf\tg"`) {
		t.Errorf("a name with control characters is not shown quoted:\n%s", out)
	}
	// Soonest first.
	if !strings.Contains(lines[3], "2026-11-01") || !strings.Contains(lines[5], "2026-11-14") {
		t.Errorf("not soonest first:\n%s", out)
	}
}

func TestUpcomingUnknownFormat(t *testing.T) {
	if err := WriteUpcoming(&bytes.Buffer{}, "datasource", upcomingSample()); err == nil {
		t.Error("upcoming has no datasource output")
	}
}
