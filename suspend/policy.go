package suspend

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"lm-user-hygiene/internal/intern"
	"lm-user-hygiene/lm"
)

// futureSkew is how far ahead of the clock a timestamp may lie before it is
// taken as suspect rather than as clock drift between portal and collector.
const futureSkew = 24 * time.Hour

// dateLayout is how reasons print dates: a day is the rule's granularity.
const dateLayout = "2006-01-02"

// minuteLayout (to the second) tells apart an activity and the cutoff on the same day.
const minuteLayout = "2006-01-02 15:04:05 UTC"

// NewPlan decides, for every user, whether the inactivity policy suspends
// it, moves it to the suspended group, warns of its suspension, or leaves it
// alone, and why. The options are expected to have passed Validate. memory
// is what earlier runs remembered, by user id (a missing id: not recorded);
// nil is a run without lifecycle memory (--state off): no grace, and
// --never-logged-in=first-seen acts as skip. An empty map is a memory, a
// first run's.
func NewPlan(users []lm.User, groups []lm.Group, opts Options, clock Clock, memory map[int]Memory) Plan {
	now, today := clock.Now, clock.Today
	if today.IsZero() {
		today = now
	}
	cutoff := now.Add(-days(opts.InactiveDays))
	p := &policy{
		opts:       opts,
		now:        now,
		today:      today,
		cutoff:     cutoff,
		warnAt:     now.Add(-days(opts.InactiveDays - opts.WarnDays)),
		memory:     memory,
		haveState:  memory != nil,
		groupText:  strconv.Quote(opts.SuspendedGroup),
		cutoffText: fmt.Sprintf("%s (%d days)", day(cutoff), opts.InactiveDays),
		warnText:   fmt.Sprintf(" (--warn-days=%d)", opts.WarnDays),
		activities: map[activityKey]string{},
		days:       map[dateKey]string{},
	}
	if g, ok := lm.FindGroup(groups, opts.SuspendedGroup); ok {
		p.groupID, p.hasGroup = g.ID, true
	}
	plan := Plan{Now: now, Today: today, Cutoff: p.cutoff, GroupID: p.groupID, HasGroup: p.hasGroup}

	plan.Decisions = make([]Decision, 0, len(users))
	for i := range users {
		u := &users[i]
		d := p.decide(u).done()
		switch {
		case d.Outcome == OutcomeUnreadable:
			// Neither inactive nor considered: the breaker judges the data
			// that could be read, and the unreadable-users rule the rest.
			plan.Unreadable++
		case d.Outcome == OutcomeNoRoles:
			// Never changed, so not the breaker's concern either.
			plan.NoRoles++
		case u.HasStatus(lm.StatusActive) && (!u.APIOnly || opts.IncludeAPIUsers):
			plan.Considered++
		}
		// A user with no activity at all says nothing about the activity
		// data unless the policy suspends such users for it.
		judged := d.Signal != "" || opts.NeverLoggedIn == NeverLoggedInSuspend
		switch d.Outcome {
		case OutcomeInactive:
			if judged {
				plan.InactiveFound++
			}
		case OutcomeUpcoming:
			plan.Upcoming++
			if judged && d.IdleSince().Before(cutoff) { // held by the grace: looks inactive all the same
				plan.InactiveFound++
			}
		case OutcomeExempt:
			plan.ExemptSkipped++
		case OutcomeReactivated:
			plan.Reactivated++
		case OutcomeNoRoles:
			// Left alone, yet still an active user found in the suspended
			// group (reactivated_kept counts every one, as assign does).
			if u.HasStatus(lm.StatusActive) && p.inSuspendedGroup(u) {
				plan.Reactivated++
			}
		}
		plan.Decisions = append(plan.Decisions, d)
	}

	p.guardAdmins(users, plan.Decisions)

	if plan.Considered > 0 {
		share := float64(100*plan.InactiveFound) / float64(plan.Considered)
		if share > opts.MaxSuspendPercent {
			plan.Tripped = true
			plan.TripReason = fmt.Sprintf(
				"%d of %d active users (%.1f%%) look inactive, more than --max-suspend-percent=%g: the activity data is suspect, so nothing is suspended",
				plan.InactiveFound, plan.Considered, share, opts.MaxSuspendPercent)
		}
	}

	slices.SortFunc(plan.Decisions, compareDecisions)
	return plan
}

// policy holds what every per-user decision needs.
type policy struct {
	opts   Options
	now    time.Time // the rules' clock
	today  time.Time // the real time of the run
	cutoff time.Time
	warnAt time.Time // idle since before this: upcoming (the cutoff when warnings are off)
	memory map[int]Memory
	// haveState: the run keeps lifecycle memory (memory is not nil).
	haveState bool
	// groupID is the suspended group's id when hasGroup; 0 is an id like
	// any other, so the group's absence is said by hasGroup alone.
	groupID  int
	hasGroup bool

	// The texts every reason repeats, made once per plan.
	groupText  string // the suspended group's name, quoted
	cutoffText string
	warnText   string
	// activities and reasons hand every decision with the same text the same
	// string: 50,000 users have about 1,600 different reasons.
	activities map[activityKey]string
	days       map[dateKey]string
	reasons    intern.Strings
}

// dateKey is a day, as reasons print it.
type dateKey struct {
	year  int
	month time.Month
	day   int
}

// day prints t's date once per plan: upcoming users' reasons repeat a few
// dozen dates.
func (p *policy) day(t time.Time) string {
	y, m, d := t.UTC().Date()
	k := dateKey{y, m, d}
	if s, ok := p.days[k]; ok {
		return s
	}
	s := day(t)
	p.days[k] = s
	return s
}

// activityKey is what the activity text says: the day, not the time.
type activityKey struct {
	year   int
	month  time.Month
	day    int
	signal string
	where  string
}

// signal is one activity timestamp of a user.
type signal struct {
	name string
	at   time.Time
}

// idleBasis is what a user's inactivity counts from, for its reason.
type idleBasis int

const (
	basisActivity    idleBasis = iota // its latest signal
	basisReactivated                  // the day it was first seen reactivated
	basisFirstSeen                    // the day the tool first saw it (no activity)
	basisNever                        // no activity and --never-logged-in=suspend
)

// draft is a Decision being made, its times in full.
type draft struct {
	Decision
	LastActive, IdleSince, SuspendOn time.Time
	Remember                         Memory
}

// draftOf is a made decision to be made again.
func draftOf(d *Decision) draft {
	return draft{Decision: *d, LastActive: d.LastActive(), IdleSince: d.IdleSince(), SuspendOn: d.SuspendOn(), Remember: d.Remember()}
}

// done is the decision made, its times stored.
func (d draft) done() Decision {
	t := &d.Decision.times
	t.set(timeLastActive, d.LastActive)
	t.set(timeIdleSince, d.IdleSince)
	t.set(timeSuspendOn, d.SuspendOn)
	t.set(timeFirstSeen, d.Remember.FirstSeen)
	t.set(timeFirstWarned, d.Remember.FirstWarned)
	t.set(timeReactivated, d.Remember.Reactivated)
	return d.Decision
}

func (p *policy) decide(u *lm.User) draft {
	d := draft{Decision: Decision{User: u, Action: ActionNone}}
	mem := p.memory[u.ID]
	if u.Unreadable != "" {
		d.Outcome, d.Remember = OutcomeUnreadable, mem
		d.Reason = p.reasons.Join("could not be read with confidence (", u.Unreadable, "): left alone")
		return d
	}
	// A warning stands only while the user stays upcoming: every other
	// outcome clears it, so that the next time notice starts afresh.
	d.Remember = Memory{FirstSeen: mem.FirstSeen, Reactivated: mem.Reactivated}
	if d.Remember.FirstSeen.IsZero() {
		d.Remember.FirstSeen = p.today
	}
	if last, ok := latestSignal(u, p.loginOnly(u)); ok {
		d.Signal, d.LastActive = last.name, last.at
	}
	if len(u.Roles) == 0 { // roles null is unreadable, above
		return p.keep(d, OutcomeNoRoles, "no roles: the portal lists none, and a change must carry the user's roles, "+
			"so it is never changed; give it a role in the portal")
	}

	switch {
	case u.HasStatus(lm.StatusSuspended):
		d.Remember.Reactivated = time.Time{}
		if p.hasGroup && onlyIn(u.GroupIDs, p.groupID) {
			return p.keep(d, OutcomeAlreadySuspended, "suspended and only in group "+p.groupText)
		}
		d.Action, d.Outcome = ActionMove, OutcomeOutsideGroup
		d.GroupIDs, d.NewGroup = p.target()
		d.Reason = p.reasons.Join("suspended but not only in group ", p.groupText, p.creation(), ": move it there; ", p.activity(d))
		return d
	case !u.HasStatus(lm.StatusActive):
		return p.keep(d, OutcomeUnknownStatus, fmt.Sprintf("status %q is neither active nor suspended", u.Status))
	case p.inSuspendedGroup(u):
		// Without state the group is the only memory of that decision, so
		// this run must not undo it; assign regroups the user.
		if d.Remember.Reactivated.IsZero() {
			d.Remember.Reactivated = p.today
		}
		return p.keep(d, OutcomeReactivated, p.reasons.Join("active but in group ", p.groupText,
			": reactivated by a person, so this run does not suspend it"))
	}

	ex, tagged := parseExemption(u.Note)
	if tagged && ex.malformed != "" {
		d.Warning = p.reasons.Join("note tag ", strconv.Quote(ex.malformed),
			" is malformed, so it exempts the user: write lmuh:exempt, or lmuh:exempt-until=YYYY-MM-DD")
	}

	if p.ownsRunToken(u) {
		return p.keep(d, OutcomeTokenOwner, "owns the API token this run uses")
	}
	if pattern, ok := p.protectedUser(u); ok {
		return p.keep(d, OutcomeProtectedUser, fmt.Sprintf("protected by --protect-users pattern %q", pattern))
	}
	if role, ok := p.protectedRole(u); ok {
		return p.keep(d, OutcomeProtectedRole, fmt.Sprintf("protected by --protect-roles role %q", role))
	}
	if u.APIOnly && !p.opts.IncludeAPIUsers {
		return p.keep(d, OutcomeAPIOnly, "API-only user and --include-api-users is not set")
	}
	// Every timestamp is checked, counted or not: one from the future means
	// the portal's data cannot be trusted for this user. The real clock
	// judges it, not --as-of.
	if ahead, ok := latestSignal(u, false); ok && ahead.at.After(p.today.Add(futureSkew)) {
		d.Signal, d.LastActive = ahead.name, ahead.at
		d.Action, d.Outcome = ActionNone, OutcomeFutureActivity
		d.Reason = fmt.Sprintf("activity %s (%s) is in the future; timestamp suspect; cutoff %s",
			day(ahead.at), ahead.name, p.cutoffText)
		return d
	}

	basis := basisActivity
	d.IdleSince = d.LastActive
	if d.Signal == "" {
		switch {
		case p.opts.NeverLoggedIn == NeverLoggedInSuspend:
			basis = basisNever
		case p.opts.NeverLoggedIn == NeverLoggedInFirstSeen && p.haveState:
			basis, d.IdleSince = basisFirstSeen, d.Remember.FirstSeen
		default:
			d.Outcome = OutcomeNeverLoggedIn
			d.Reason = p.reasons.Join(p.never(u), "; --never-logged-in=", p.skipText(), "; cutoff ", p.cutoffText)
			return d
		}
	}
	if r := mem.Reactivated; r.After(d.IdleSince) { // memory is nil without state

		basis, d.IdleSince = basisReactivated, r
	}
	idle := p.idleText(d, basis)

	if !d.IdleSince.Before(p.warnAt) {
		return p.keepIdle(d, OutcomeRecentlyActive, idle)
	}
	if tagged && (ex.forever || p.now.Before(ex.until)) {
		return p.keepIdle(d, OutcomeExempt, p.reasons.Join(p.exemptText(ex), "; ", idle))
	}
	return p.warnOrSuspend(d, ex, idle)
}

// warnOrSuspend decides a user idle past the warning threshold and not
// exempt: upcoming, or suspended once past the cutoff and, with state, after
// WarnDays of notice.
func (p *policy) warnOrSuspend(d draft, ex exemption, idle string) draft {
	past := d.IdleSince.Before(p.cutoff)
	suspendOn := d.IdleSince.Add(days(p.opts.InactiveDays))
	notice := ""
	if p.opts.WarnDays > 0 {
		// When the user became upcoming, or would have on a daily run: an
		// exemption that has ended starts the notice the day after.
		due := d.IdleSince.Add(days(p.opts.InactiveDays - p.opts.WarnDays))
		if ex.until.After(due) {
			due = ex.until
		}
		warned := p.memory[d.User.ID].FirstWarned
		switch {
		case warned.IsZero() || warned.Before(d.IdleSince):
			// Not warned, or warned before activity that cleared it.
			warned = later(p.today, due)
		case warned.Before(ex.until):
			warned = ex.until
		}
		d.Remember.FirstWarned = warned
		if p.haveState {
			suspendOn = later(suspendOn, warned.Add(days(p.opts.WarnDays)))
			notice = p.reasons.Join("; notice since ", p.day(warned), p.warnText)
		}
	}
	if past && !p.now.Before(suspendOn) {
		return p.suspend(d, p.reasons.Join(idle, notice))
	}
	d.Outcome, d.SuspendOn = OutcomeUpcoming, suspendOn
	if notice == "" {
		notice = p.warnText
	}
	d.Reason = p.reasons.Join(idle, "; upcoming: suspended on ", p.day(suspendOn), " unless active before", notice)
	return d
}

// never describes a user with no activity at all.
func (p *policy) never(u *lm.User) string {
	switch {
	case u.APIOnly:
		return "never logged in and API token never used"
	case p.opts.Activity == ActivityLogin:
		return "never logged in (--activity=login counts UI logins only)"
	}
	return "never logged in"
}

// skipText names the never-logged-in policy that left the user alone.
func (p *policy) skipText() string {
	if p.opts.NeverLoggedIn == NeverLoggedInFirstSeen {
		return NeverLoggedInFirstSeen + " needs state (--state), so it acts as " + NeverLoggedInSkip
	}
	return NeverLoggedInSkip
}

// idleText says what the user's inactivity counts from, against the cutoff.
func (p *policy) idleText(d draft, basis idleBasis) string {
	switch basis {
	case basisNever:
		return p.reasons.Join(p.never(d.User), "; --never-logged-in=", NeverLoggedInSuspend, "; cutoff ", p.cutoffText)
	case basisFirstSeen:
		return p.reasons.Join(p.never(d.User), ", first seen ", p.day(d.IdleSince), ", ", p.where(d.IdleSince),
			" cutoff ", p.cutoffText, "; --never-logged-in=", NeverLoggedInFirstSeen)
	case basisReactivated:
		before := p.never(d.User)
		if d.Signal != "" {
			before = p.reasons.Join("last activity ", p.day(d.LastActive), " (", d.Signal, ")")
		}
		return p.reasons.Join(before, ", but reactivated ", p.day(d.IdleSince), ", ", p.where(d.IdleSince), " cutoff ", p.cutoffText)
	}
	return p.activity(d)
}

func (p *policy) where(t time.Time) string {
	switch {
	case t.Before(p.cutoff):
		return "before"
	case t.Equal(p.cutoff):
		return "at"
	}
	return "after"
}

// exemptText names the tag that exempts the user.
func (p *policy) exemptText(ex exemption) string {
	switch {
	case ex.malformed != "" && ex.tag == ex.malformed:
		return p.reasons.Join("exempt by malformed note tag ", strconv.Quote(ex.tag),
			" (write lmuh:exempt or lmuh:exempt-until=YYYY-MM-DD)")
	case ex.forever:
		return p.reasons.Join("exempt by note tag ", strconv.Quote(ex.tag))
	}
	return p.reasons.Join("exempt until the end of ", p.day(ex.until.Add(-time.Nanosecond)), " (UTC) by note tag ", strconv.Quote(ex.tag))
}

// keepIdle leaves the user alone with a reason that already describes its
// idle time.
func (p *policy) keepIdle(d draft, o Outcome, why string) draft {
	d.Action, d.Outcome, d.Reason = ActionNone, o, why
	return d
}

// keep leaves the user alone; the reason always ends with its activity so a
// reader can tell what the rule would have said.
func (p *policy) keep(d draft, o Outcome, why string) draft {
	d.Action, d.Outcome = ActionNone, o
	if why == "" {
		d.Reason = p.activity(d)
	} else {
		d.Reason = p.reasons.Join(why, "; ", p.activity(d))
	}
	return d
}

func (p *policy) suspend(d draft, why string) draft {
	d.Action, d.Outcome = ActionSuspend, OutcomeInactive
	d.GroupIDs, d.NewGroup = p.target()
	d.Reason = p.reasons.Join(why, "; suspend into group ", p.groupText, p.creation())
	return d
}

// target is the complete group list of a suspended user: the suspended
// group, or nothing yet and the name of the group to create first.
func (p *policy) target() ([]int, string) {
	if p.hasGroup {
		return []int{p.groupID}, ""
	}
	return nil, p.opts.SuspendedGroup
}

func (p *policy) creation() string {
	if !p.hasGroup {
		return " (created first)"
	}
	return ""
}

// activity describes the latest counted signal against the cutoff.
func (p *policy) activity(d draft) string {
	if d.Signal == "" {
		return p.reasons.Join("no activity; cutoff ", p.cutoffText)
	}
	where := p.where(d.LastActive)
	y, m, dd := d.LastActive.UTC().Date()
	if cy, cm, cd := p.cutoff.UTC().Date(); y == cy && m == cm && dd == cd {
		// On the cutoff's own day the date alone would read "2026-08-30,
		// before cutoff 2026-08-30": give both times.
		return p.reasons.Join("last activity ", d.LastActive.UTC().Format(minuteLayout), " (", d.Signal, "), ", where,
			" cutoff ", p.cutoff.UTC().Format(minuteLayout), " (", strconv.Itoa(p.opts.InactiveDays), " days)")
	}
	k := activityKey{year: y, month: m, day: dd, signal: d.Signal, where: where}
	if s, ok := p.activities[k]; ok {
		return s
	}
	s := fmt.Sprintf("last activity %s (%s), %s cutoff %s", day(d.LastActive), d.Signal, where, p.cutoffText)
	p.activities[k] = s
	return s
}

// loginOnly tells whether only UI logins count for u. API-only users cannot
// log in to the UI, so login mode would make every one of them
// never-logged-in: they are always judged on all their signals.
func (p *policy) loginOnly(u *lm.User) bool {
	return p.opts.Activity == ActivityLogin && !u.APIOnly
}

func (p *policy) ownsRunToken(u *lm.User) bool { return u.HasToken(p.opts.TokenAccessID) }

func (p *policy) protectedUser(u *lm.User) (string, bool) {
	for _, pattern := range p.opts.ProtectUsers {
		if MatchEntry(pattern, u.Username) {
			return pattern, true
		}
	}
	return "", false
}

func (p *policy) protectedRole(u *lm.User) (string, bool) {
	for _, role := range p.opts.ProtectRoles {
		if u.HasRole(role) {
			return role, true
		}
	}
	return "", false
}

func (p *policy) isAdmin(u *lm.User) bool {
	for _, role := range p.opts.AdminRoles {
		if u.HasRole(role) {
			return true
		}
	}
	return false
}

// guardAdmins turns back the planned suspensions that would leave fewer than
// MinAdmins active administrators, keeping the most recently active. Only
// human users count: an API-only holder cannot sign in to the UI to repair
// the portal.
func (p *policy) guardAdmins(users []lm.User, decisions []Decision) {
	active := 0
	for i := range users {
		if u := &users[i]; u.Unreadable == "" && u.HasStatus(lm.StatusActive) && !u.APIOnly && p.isAdmin(u) {
			active++
		}
	}
	var leaving []int // indexes into decisions
	for i, d := range decisions {
		if d.Action == ActionSuspend && !d.User.APIOnly && p.isAdmin(d.User) {
			leaving = append(leaving, i)
		}
	}
	need := p.opts.MinAdmins - (active - len(leaving))
	if need <= 0 {
		return
	}
	slices.SortStableFunc(leaving, func(a, b int) int {
		if c := decisions[b].times.compare(&decisions[a].times, timeIdleSince); c != 0 {
			return c
		}
		return lm.CompareUsers(decisions[a].User, decisions[b].User)
	})
	for _, i := range leaving[:min(need, len(leaving))] {
		d := draftOf(&decisions[i])
		d.GroupIDs, d.NewGroup = nil, ""
		decisions[i] = p.keep(d, OutcomeAdminGuard,
			fmt.Sprintf("kept to hold --min-admins=%d active administrator(s)", p.opts.MinAdmins)).done()
	}
}

// LatestActivity returns a user's latest activity signal and its time under
// --activity (ActivityAny or ActivityLogin; empty counts as any), as the
// inactivity rule reads it; ok is false when the user has none.
func LatestActivity(u *lm.User, activity string) (signalName string, at time.Time, ok bool) {
	s, ok := latestSignal(u, activity == ActivityLogin && !u.APIOnly)
	return s.name, s.at, ok
}

// latestSignal returns the most recent activity timestamp of u that is set,
// of UI logins only with loginOnly. The signals are taken in a fixed order
// (login, action, access, API tokens) and on a tie the earlier wins, so that
// ties resolve the same way on every run.
func latestSignal(u *lm.User, loginOnly bool) (signal, bool) {
	var best signal
	consider := func(name string, epoch int64) {
		if at := lm.Epoch(epoch); !at.IsZero() && (best.name == "" || at.After(best.at)) {
			best = signal{name, at}
		}
	}
	consider(SignalLogin, u.LastLoginOn)
	if !loginOnly {
		consider(SignalAction, u.LastActionOn)
		consider(SignalAccess, u.LastAccessOn)
		for _, t := range u.APITokens {
			consider(SignalAPIToken, t.LastUsedOn)
		}
	}
	return best, best.name != ""
}

// inSuspendedGroup reports whether one of u's groups is the suspended group.
func (p *policy) inSuspendedGroup(u *lm.User) bool {
	return p.hasGroup && slices.Contains(u.GroupIDs, p.groupID)
}

// onlyIn reports whether ids is not empty and holds nothing but id.
func onlyIn(ids []int, id int) bool {
	if len(ids) == 0 {
		return false
	}
	for _, x := range ids {
		if x != id {
			return false
		}
	}
	return true
}

func day(t time.Time) string { return t.UTC().Format(dateLayout) }

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// compareDecisions orders a plan: suspensions (oldest IdleSince first, so
// never-active users under --never-logged-in=suspend, whose time is zero, lead), then moves, then the rest.
func compareDecisions(a, b Decision) int {
	if c := cmp.Compare(actionRank(a.Action), actionRank(b.Action)); c != 0 {
		return c
	}
	if a.Action == ActionSuspend {
		if c := a.times.compare(&b.times, timeIdleSince); c != 0 {
			return c
		}
	}
	return lm.CompareUsers(a.User, b.User)
}

func actionRank(a Action) int {
	switch a {
	case ActionSuspend:
		return 0
	case ActionMove:
		return 1
	default:
		return 2
	}
}
