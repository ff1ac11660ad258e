package output

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"lm-user-hygiene/hygiene"
)

// upcomingDay is how the upcoming outputs write a day.
const upcomingDay = "2006-01-02"

// upcomingAliasRunes is the longest instance name (the username) Active
// Discovery takes.
const upcomingAliasRunes = 255

// WriteUpcoming prints the upcoming users in the format. It is only ever
// given the list of a plan of the whole portal: a failure prints nothing,
// and an empty list prints nothing (json: []).
func WriteUpcoming(w io.Writer, f Format, users []hygiene.Upcoming) error {
	var err error
	switch f {
	case FormatJSON:
		err = writeFormatJSON(w, users)
	case FormatDiscovery:
		err = writeFormatDiscovery(w, users)
	case FormatBatch:
		err = writeFormatBatch(w, users)
	case FormatText:
		err = writeFormatText(w, users)
	default:
		return fmt.Errorf("upcoming has no output %q", f)
	}
	if err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}

// byUpcomingID is the order of every machine output: by id as a number.
func byUpcomingID(users []hygiene.Upcoming) []hygiene.Upcoming {
	out := slices.Clone(users)
	slices.SortStableFunc(out, func(a, b hygiene.Upcoming) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// upcomingLastActivity is the day of the latest activity, or never.
func upcomingLastActivity(u hygiene.Upcoming) string {
	if u.LastActivity.IsZero() {
		return "never"
	}
	return u.LastActivity.UTC().Format(upcomingDay)
}

type upcomingJSONUser struct {
	ID           int    `json:"id"`
	Username     string `json:"username"`
	Email        string `json:"email"`
	SuspendOn    string `json:"suspend_on"`
	LastActivity string `json:"last_activity"`
	DaysLeft     int    `json:"days_left"`
	IdleDays     int    `json:"idle_days"`
	Reason       string `json:"reason"`
}

func writeFormatJSON(w io.Writer, users []hygiene.Upcoming) error {
	out := make([]upcomingJSONUser, 0, len(users))
	for _, u := range byUpcomingID(users) {
		out = append(out, upcomingJSONUser{ID: u.ID, Username: u.Username, Email: u.Email,
			SuspendOn: u.SuspendOn.UTC().Format(upcomingDay), LastActivity: upcomingLastActivity(u),
			DaysLeft: u.DaysLeft, IdleDays: u.IdleDays, Reason: u.Reason})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // an e-mail's & is read by people and scripts, not by a browser
	return enc.Encode(out)
}

// writeFormatDiscovery prints one instance per user:
//
//	<id>##<username>##suspended on <day> unless active before####auto.lmuh.email=<email>&auto.lmuh.suspend_on=<day>&auto.lmuh.last_activity=<day or never>
//
// The id (digits) is the wildvalue: it has none of the characters a
// wildvalue may not hold, and it stays when a user is renamed.
func writeFormatDiscovery(w io.Writer, users []hygiene.Upcoming) error {
	var b strings.Builder
	for _, u := range byUpcomingID(users) {
		on := u.SuspendOn.UTC().Format(upcomingDay)
		fmt.Fprintf(&b, "%d##%s##%s####auto.lmuh.email=%s&auto.lmuh.suspend_on=%s&auto.lmuh.last_activity=%s\n",
			u.ID, upcomingCut(upcomingDiscoveryText(u.Username), upcomingAliasRunes),
			upcomingDiscoveryText("suspended on "+on+" unless active before"),
			upcomingDiscoveryText(u.Email), upcomingDiscoveryText(on), upcomingDiscoveryText(upcomingLastActivity(u)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// upcomingDiscoveryText keeps a name, description or property value inside
// its field of a discovery line: each character that separates fields (#),
// properties (&) or a property's name from its value (=), a backslash, a
// line break or another control character becomes one space (so \r\n gives
// two). Nothing is trimmed: the text keeps its length and its place.
func upcomingDiscoveryText(s string) string {
	if !strings.ContainsFunc(s, upcomingDiscoverySeparator) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if upcomingDiscoverySeparator(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func upcomingDiscoverySeparator(r rune) bool {
	switch r {
	case '#', '&', '=', '\\',
		'\u2028', '\u2029': // the line and paragraph separators break lines too
		return true
	}
	return unicode.IsControl(r)
}

// upcomingCut keeps the first n characters of s.
func upcomingCut(s string, n int) string {
	i := 0
	for at := range s {
		if i == n {
			return s[:at]
		}
		i++
	}
	return s
}

func writeFormatBatch(w io.Writer, users []hygiene.Upcoming) error {
	var b strings.Builder
	for _, u := range byUpcomingID(users) {
		fmt.Fprintf(&b, "%d.days_left=%d\n%d.idle_days=%d\n", u.ID, u.DaysLeft, u.ID, u.IdleDays)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFormatText prints a table a person reads, soonest suspension
// first; nothing when nobody is upcoming.
func writeFormatText(w io.Writer, users []hygiene.Upcoming) error {
	if len(users) == 0 {
		return nil
	}
	sorted := byUpcomingID(users)
	slices.SortStableFunc(sorted, func(a, b hygiene.Upcoming) int { return a.SuspendOn.Compare(b.SuspendOn) })
	var b strings.Builder
	fmt.Fprintf(&b, "Upcoming suspensions (%d): each user is suspended on the day shown unless active before\n", len(sorted))
	fmt.Fprintf(&b, "To stay: log in, or put lmuh:exempt (or lmuh:exempt-until=YYYY-MM-DD) in the user's note.\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tUSER\tEMAIL\tSUSPEND ON\tDAYS LEFT\tIDLE DAYS\tLAST ACTIVITY\tREASON")
	for _, u := range sorted {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", u.ID, upcomingCell(u.Username), upcomingCell(u.Email),
			u.SuspendOn.UTC().Format(upcomingDay), u.DaysLeft, u.IdleDays, upcomingLastActivity(u), upcomingCell(u.Reason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// upcomingCell keeps a value on its line and in its column: text with a
// control character (a tab, a line break) is shown Go-quoted, and no text
// as -.
func upcomingCell(s string) string {
	switch {
	case s == "":
		return "-"
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }):
		return strconv.Quote(s)
	}
	return s
}
