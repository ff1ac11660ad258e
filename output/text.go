package output

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

// dayLayout is how the text report writes a date.
const dayLayout = "2006-01-02"

// writeText prints the report a person reads before turning on --apply:
// each change with its reason, the users the rules spare or cannot handle,
// the settings that name nothing, and the breaker. Columns are aligned,
// every list is sorted, there is no colour and nothing that varies between
// two runs over the same portal. A failed run says why in one line and still
// shows what was planned.
func writeText(w io.Writer, r *hygiene.Report) error {
	t := &textReport{r: r, at: r.Started}
	if !r.Policy.AsOf.IsZero() {
		t.at = r.Policy.AsOf
	}
	if sp := r.SuspendPlan; sp != nil {
		t.at = sp.Now
		t.suspend = make(map[int]*suspend.Decision, len(sp.Decisions))
		for i := range sp.Decisions {
			t.suspend[sp.Decisions[i].User.ID] = &sp.Decisions[i]
		}
	}
	t.header()
	if r.Read {
		t.undo()
		t.changes()
		t.upcoming()
		t.exempt()
		t.kept()
		t.unmapped()
		t.outOfScope()
		t.unreadable()
		t.noRoles()
		t.findings()
		t.groups()
		t.totals()
	}
	_, err := io.WriteString(w, t.b.String())
	return err
}

type textReport struct {
	r  *hygiene.Report
	b  strings.Builder
	at time.Time // when the rules were evaluated
	// suspend is the suspend step's decision of each user, by id.
	suspend map[int]*suspend.Decision
}

func (t *textReport) line(format string, a ...any) { fmt.Fprintf(&t.b, format+"\n", a...) }

// table writes a titled section: a header row and one row per entry, the
// columns aligned; nothing when there are no rows.
func (t *textReport) table(title, note string, header []string, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	t.line("\n%s (%d):%s", title, len(rows), strings.TrimRight(" "+note, " "))
	tw := tabwriter.NewWriter(&t.b, 0, 0, 2, ' ', 0)
	write := func(cells []string) {
		fmt.Fprintf(tw, "  %s\n", strings.Join(cells, "\t"))
	}
	write(header)
	for _, row := range rows {
		for i := range row {
			row[i] = cell(row[i])
		}
		write(row)
	}
	tw.Flush()
}

// cell keeps a value on its line and in its column: text with control
// characters (a tab, a line break) is shown Go-quoted.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}

func (t *textReport) header() {
	r := t.r
	p := r.Policy
	steps := map[hygiene.Command]string{hygiene.CommandRun: "suspend, then assign", hygiene.CommandSuspend: "suspend only", hygiene.CommandAssign: "assign only"}[p.Command]
	if steps != "" {
		steps = " (" + steps + ")"
	}
	if p.Apply {
		t.line("APPLY %s%s: --apply is on; RESULT says what was written", p.Command, steps)
	} else {
		t.line("PLAN %s%s: nothing is written; --apply makes the changes below", p.Command, steps)
	}
	if r.Read || r.Failure == nil {
		when := "evaluated " + t.at.UTC().Format(dayLayout)
		if !p.AsOf.IsZero() {
			when = "as of the end of " + p.AsOf.UTC().Format(dayLayout) + " (UTC)"
		}
		if sp := r.SuspendPlan; sp != nil {
			t.line("Cutoff %s: no activity for more than %d days (--activity %s); %s",
				sp.Cutoff.UTC().Format(dayLayout), p.Suspend.InactiveDays, activityName(p.Suspend.Activity), when)
		} else {
			t.line("No suspend step; %s", when)
		}
	}
	if r.Failure != nil {
		t.line("FAILED: %s", oneLine(r.Failure.Error()))
	}
	if !r.Read {
		return
	}
	c := r.Counts(hygiene.Stats{})
	t.line("Users: %d read: %d active, %d suspended, %d API-only, %d unreadable",
		c.UsersTotal, c.UsersActive, c.UsersSuspended, c.UsersAPIOnly, c.UsersUnreadable)
	if !r.StateOK {
		t.line("State file: could not be used, so this run read an empty memory (notice starts today, nobody is suspended without it) and recorded nothing")
	}
}

func activityName(a string) string {
	if a == "" {
		return suspend.ActivityAny
	}
	return a
}

// oneLine keeps an error message on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// signal is a user's latest activity as the report shows it: the signal, its
// date and the days idle at the rules' clock.
func (t *textReport) signal(u *lm.User) (name, date, idle string) {
	since := time.Time{}
	if d, ok := t.suspend[u.ID]; ok {
		name, since = d.Signal, d.LastActive()
		if !d.IdleSince().IsZero() {
			since = d.IdleSince()
		}
	} else if s, at, ok := suspend.LatestActivity(u, t.r.Policy.Suspend.Activity); ok {
		name, since = s, at
	}
	if since.IsZero() {
		return "-", "never", "-"
	}
	if d, ok := t.suspend[u.ID]; ok && !d.LastActive().IsZero() {
		date = d.LastActive().UTC().Format(dayLayout)
	} else {
		date = since.UTC().Format(dayLayout)
	}
	days := int(t.at.Sub(since) / (24 * time.Hour))
	if days < 0 {
		return name, date, "future"
	}
	return name, date, strconv.Itoa(days)
}

func (t *textReport) changes() {
	r := t.r
	if len(r.Changes) == 0 {
		t.line("\nChanges: none")
		return
	}
	var rows [][]string
	for _, c := range r.Changes {
		name, date, idle := t.signal(c.User)
		reason := c.Reason
		if c.Err != nil {
			reason += "; error: " + oneLine(c.Err.Error())
		}
		rows = append(rows, []string{c.User.Username, c.Kind.String(), c.Result.String(), name, date, idle, reason})
	}
	t.table("Changes", "in the order the run makes them", []string{"USER", "ACTION", "RESULT", "SIGNAL", "LAST ACTIVE", "DAYS IDLE", "REASON"}, rows)
}

// decisions returns the suspend decisions with one of the outcomes, sorted
// by username.
func (t *textReport) decisions(keep func(*suspend.Decision) bool) []*suspend.Decision {
	sp := t.r.SuspendPlan
	if sp == nil {
		return nil
	}
	var out []*suspend.Decision
	for i := range sp.Decisions {
		if keep(&sp.Decisions[i]) {
			out = append(out, &sp.Decisions[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return byUser(out[i].User, out[j].User) })
	return out
}

func byUser(a, b *lm.User) bool { return lm.CompareUsers(a, b) < 0 }

func (t *textReport) upcoming() {
	ds := t.decisions(func(d *suspend.Decision) bool { return d.Outcome == suspend.OutcomeUpcoming })
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].SuspendOn().Before(ds[j].SuspendOn()) })
	var rows [][]string
	for _, d := range ds {
		name, date, idle := t.signal(d.User)
		rows = append(rows, []string{d.User.Username, d.SuspendOn().UTC().Format(dayLayout), name, date, idle})
	}
	t.table("Upcoming suspensions", "suspended on the date unless active before",
		[]string{"USER", "SUSPEND ON", "SIGNAL", "LAST ACTIVE", "DAYS IDLE"}, rows)
}

func (t *textReport) exempt() {
	var rows [][]string
	for _, d := range t.decisions(func(d *suspend.Decision) bool { return d.Outcome == suspend.OutcomeExempt }) {
		rows = append(rows, []string{d.User.Username, d.Reason})
	}
	t.table("Exempt", "by a note tag", []string{"USER", "REASON"}, rows)
}

// kept lists the users the rules would suspend but a protection or a
// suspect timestamp spares, and those with no activity at all.
func (t *textReport) kept() {
	sp := t.r.SuspendPlan
	var rows [][]string
	for _, d := range t.decisions(func(d *suspend.Decision) bool { return sp.Spares(d) }) {
		rows = append(rows, []string{d.User.Username, string(d.Outcome), d.Reason})
	}
	t.table("Not suspended", "protected, a suspect timestamp, or no activity", []string{"USER", "WHY", "REASON"}, rows)
}

// assignDecisions returns the assign decisions with the outcome, sorted by
// username.
func (t *textReport) assignDecisions(o assign.Outcome) []*assign.Decision {
	ap := t.r.AssignPlan
	if ap == nil {
		return nil
	}
	var out []*assign.Decision
	for i := range ap.Decisions {
		if ap.Decisions[i].Outcome == o {
			out = append(out, &ap.Decisions[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return byUser(out[i].User, out[j].User) })
	return out
}

func (t *textReport) unmapped() {
	var rows [][]string
	for _, d := range t.assignDecisions(assign.OutcomeUnmapped) {
		rows = append(rows, []string{d.User.Username, strings.Join(d.UnmappedRoles, ","), d.Reason})
	}
	t.table("Unmapped", "no role maps to a group: left alone", []string{"USER", "ROLES", "REASON"}, rows)
}

func (t *textReport) outOfScope() {
	var rows [][]string
	for _, d := range t.assignDecisions(assign.OutcomeOutOfScope) {
		rows = append(rows, []string{d.User.Username, d.User.CreatedBy, d.Reason})
	}
	t.table("Out of scope", "ungrouped, but not created by SSO (--assign-scope sso)", []string{"USER", "CREATED BY", "REASON"}, rows)
}

func (t *textReport) unreadable() {
	var users []*lm.User
	for i := range t.r.Users {
		if t.r.Users[i].Unreadable != "" {
			users = append(users, &t.r.Users[i])
		}
	}
	sort.SliceStable(users, func(i, j int) bool { return users[i].ID < users[j].ID })
	var rows [][]string
	for _, u := range users {
		rows = append(rows, []string{strconv.Itoa(u.ID), u.Username, u.Unreadable})
	}
	t.table("Unreadable", "left alone", []string{"ID", "USER", "FIELD"}, rows)
}

// noRoles lists the users whose roles are an empty list: readable, but
// never changed.
func (t *textReport) noRoles() {
	var rows [][]string
	for _, d := range t.decisions(func(d *suspend.Decision) bool { return d.Outcome == suspend.OutcomeNoRoles }) {
		rows = append(rows, []string{strconv.Itoa(d.User.ID), d.User.Username, d.User.Status})
	}
	t.table("No roles", "never changed: a change must carry the user's roles; give each a role in the portal", []string{"ID", "USER", "STATUS"}, rows)
}

func (t *textReport) findings() {
	if len(t.r.Findings) == 0 {
		return
	}
	t.line("\nSettings that name nothing in the portal (%d):", len(t.r.Findings))
	for _, f := range t.r.Findings {
		t.line("  %s", f.Line())
	}
}

// undo lists, for an undo, what becomes of each user of the run it puts
// back: restored, or skipped and why.
func (t *textReport) undo() {
	if t.r.UndoOf == "" {
		return
	}
	ds := slices.Clone(t.r.Undo)
	slices.SortStableFunc(ds, func(a, b hygiene.UndoDecision) int { return lm.CompareUsers(a.User, b.User) })
	rows := make([][]string, 0, len(ds))
	for _, d := range ds {
		rows = append(rows, []string{cell(d.User.Username), string(d.Outcome), cell(oneLine(d.Reason))})
	}
	t.table(fmt.Sprintf("Undo of run %s", t.r.UndoOf), "each user of that run", []string{"USER", "UNDO", "REASON"}, rows)
}

func (t *textReport) groups() {
	r := t.r
	var created []string
	for _, g := range r.GroupsCreated {
		created = append(created, g.Name)
	}
	var blocked []*hygiene.Change
	for _, c := range r.Changes {
		if c.Result == hygiene.ResultBlocked {
			blocked = append(blocked, c)
		}
	}
	toCreate := append(append([]string(nil), r.GroupsPlanned...), hygiene.MissingGroups(blocked)...)
	for _, g := range []struct {
		title string
		names []string
	}{
		{"Groups to create", toCreate},
		{"Groups created", created},
		{"Groups that could not be created", r.GroupsFailed},
	} {
		if len(g.names) == 0 {
			continue
		}
		names := append([]string(nil), g.names...)
		sort.Strings(names)
		t.line("\n%s (%d):", g.title, len(names))
		for _, n := range names {
			t.line("  %s", cell(n))
		}
	}
}

func (t *textReport) totals() {
	r := t.r
	c := r.Counts(hygiene.Stats{})
	t.line("")
	t.line("Pending: %d changes wait for the next run (--max-changes %d, the time budget)", c.Pending, r.Policy.MaxChanges)
	if sp := r.SuspendPlan; sp != nil {
		state := "not tripped"
		if sp.Tripped {
			state = "TRIPPED: nothing is written"
		}
		t.line("Breaker: %s: %s", breakerRatio(sp.InactiveFound, sp.Considered, r.Policy.Suspend.MaxSuspendPercent), state)
	}
}

// breakerRatio says how many active users look inactive against the
// breaker's limit.
func breakerRatio(inactive, considered int, limit float64) string {
	ratio := 0.0
	if considered > 0 {
		ratio = float64(inactive) * 100 / float64(considered)
	}
	return fmt.Sprintf("%d of %d active users look inactive (%.1f%%), limit %g%%", inactive, considered, ratio, limit)
}
