package suspend

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
// it, moves it to the suspended group, or leaves it alone, and why. The
// options are expected to have passed Validate; now is the run's clock.
func NewPlan(users []lm.User, groups []lm.Group, opts Options, now time.Time) Plan {
	cutoff := now.Add(-time.Duration(opts.InactiveDays) * 24 * time.Hour)
	p := &policy{
		opts:       opts,
		now:        now,
		cutoff:     cutoff,
		groupID:    findGroup(groups, opts.SuspendedGroup),
		groupText:  strconv.Quote(opts.SuspendedGroup),
		cutoffText: fmt.Sprintf("%s (%d days)", day(cutoff), opts.InactiveDays),
		activities: map[activityKey]string{},
	}
	plan := Plan{Now: now, Cutoff: p.cutoff, GroupID: p.groupID}

	plan.Decisions = make([]Decision, 0, len(users))
	for i := range users {
		u := &users[i]
		d := p.decide(u)
		switch {
		case d.Outcome == OutcomeUnreadable:
			// Neither inactive nor considered: the breaker judges the data
			// that could be read, and the unreadable-users rule the rest.
			plan.Unreadable++
		case isStatus(u, lm.StatusActive) && (!u.APIOnly || opts.IncludeAPIUsers):
			plan.Considered++
		}
		if d.Action == ActionSuspend {
			plan.InactiveFound++
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
	opts    Options
	now     time.Time
	cutoff  time.Time
	groupID int // 0 when the suspended group does not exist yet

	// The texts every reason repeats, made once per plan.
	groupText  string // the suspended group's name, quoted
	cutoffText string
	// activities and reasons hand every decision with the same text the same
	// string: 50,000 users have about 1,600 different reasons.
	activities map[activityKey]string
	reasons    intern.Strings
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

func (p *policy) decide(u *lm.User) Decision {
	d := Decision{User: u, Action: ActionNone}
	if u.Unreadable != "" {
		d.Outcome = OutcomeUnreadable
		d.Reason = p.reasons.Join("could not be read with confidence (", u.Unreadable, "): left alone")
		return d
	}
	if last, ok := latestSignal(u, p.loginOnly(u)); ok {
		d.Signal, d.LastActive = last.name, last.at
	}

	switch {
	case isStatus(u, lm.StatusSuspended):
		if onlyIn(u.GroupIDs, p.groupID) {
			return p.keep(d, OutcomeAlreadySuspended, "suspended and only in group "+p.groupText)
		}
		d.Action, d.Outcome = ActionMove, OutcomeOutsideGroup
		d.GroupIDs, d.NewGroup = p.target()
		d.Reason = p.reasons.Join("suspended but not only in group ", p.groupText, p.creation(), ": move it there; ", p.activity(d))
		return d
	case !isStatus(u, lm.StatusActive):
		return p.keep(d, OutcomeUnknownStatus, fmt.Sprintf("status %q is neither active nor suspended", u.Status))
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
	// the portal's data cannot be trusted for this user.
	if ahead, ok := latestSignal(u, false); ok && ahead.at.After(p.now.Add(futureSkew)) {
		d.Signal, d.LastActive = ahead.name, ahead.at
		d.Action, d.Outcome = ActionNone, OutcomeFutureActivity
		d.Reason = fmt.Sprintf("activity %s (%s) is in the future; timestamp suspect; cutoff %s",
			day(ahead.at), ahead.name, p.cutoffText)
		return d
	}

	if d.Signal == "" {
		never := "never logged in"
		switch {
		case u.APIOnly:
			never = "never logged in and API token never used"
		case p.opts.Activity == ActivityLogin:
			never = "never logged in (--activity=login counts UI logins only)"
		}
		if p.opts.NeverLoggedIn != NeverLoggedInSuspend {
			d.Outcome = OutcomeNeverLoggedIn
			d.Reason = p.reasons.Join(never, "; --never-logged-in=", NeverLoggedInSkip, "; cutoff ", p.cutoffText)
			return d
		}
		return p.suspend(d, p.reasons.Join(never, "; --never-logged-in=", NeverLoggedInSuspend, "; cutoff ", p.cutoffText))
	}
	if d.LastActive.Before(p.cutoff) {
		return p.suspend(d, p.activity(d))
	}
	return p.keep(d, OutcomeRecentlyActive, "")
}

// keep leaves the user alone; the reason always ends with its activity so a
// reader can tell what the rule would have said.
func (p *policy) keep(d Decision, o Outcome, why string) Decision {
	d.Action, d.Outcome = ActionNone, o
	if why == "" {
		d.Reason = p.activity(d)
	} else {
		d.Reason = p.reasons.Join(why, "; ", p.activity(d))
	}
	return d
}

func (p *policy) suspend(d Decision, why string) Decision {
	d.Action, d.Outcome = ActionSuspend, OutcomeInactive
	d.GroupIDs, d.NewGroup = p.target()
	d.Reason = p.reasons.Join(why, "; suspend into group ", p.groupText, p.creation())
	return d
}

// target is the complete group list of a suspended user: the suspended
// group, or nothing yet and the name of the group to create first.
func (p *policy) target() ([]int, string) {
	if p.groupID != 0 {
		return []int{p.groupID}, ""
	}
	return nil, p.opts.SuspendedGroup
}

func (p *policy) creation() string {
	if p.groupID == 0 {
		return " (created first)"
	}
	return ""
}

// activity describes the latest counted signal against the cutoff.
func (p *policy) activity(d Decision) string {
	if d.Signal == "" {
		return p.reasons.Join("no activity; cutoff ", p.cutoffText)
	}
	where := "after"
	switch {
	case d.LastActive.Before(p.cutoff):
		where = "before"
	case d.LastActive.Equal(p.cutoff):
		where = "at"
	}
	y, m, dd := d.LastActive.UTC().Date()
	if day(d.LastActive) == day(p.cutoff) {
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

func (p *policy) ownsRunToken(u *lm.User) bool {
	if p.opts.TokenAccessID == "" {
		return false
	}
	for _, t := range u.APITokens {
		if t.AccessID == p.opts.TokenAccessID {
			return true
		}
	}
	return false
}

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
		if u := &users[i]; u.Unreadable == "" && isStatus(u, lm.StatusActive) && !u.APIOnly && p.isAdmin(u) {
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
		if c := decisions[b].LastActive.Compare(decisions[a].LastActive); c != 0 {
			return c
		}
		return compareUsers(decisions[a].User, decisions[b].User)
	})
	for _, i := range leaving[:min(need, len(leaving))] {
		d := decisions[i]
		d.GroupIDs, d.NewGroup = nil, ""
		decisions[i] = p.keep(d, OutcomeAdminGuard,
			fmt.Sprintf("kept to hold --min-admins=%d active administrator(s)", p.opts.MinAdmins))
	}
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

// findGroup returns the id of the group named name, 0 when there is none.
// Should the portal hold the name twice in different case, the lowest id
// wins so that every run picks the same one.
func findGroup(groups []lm.Group, name string) int {
	id := 0
	for _, g := range groups {
		if lm.SameName(g.Name, name) && (id == 0 || g.ID < id) {
			id = g.ID
		}
	}
	return id
}

// onlyIn reports whether ids is not empty and holds nothing but id.
func onlyIn(ids []int, id int) bool {
	if id == 0 || len(ids) == 0 {
		return false
	}
	for _, x := range ids {
		if x != id {
			return false
		}
	}
	return true
}

func isStatus(u *lm.User, status string) bool { return lm.SameName(u.Status, status) }

func day(t time.Time) string { return t.UTC().Format(dateLayout) }

// compareDecisions orders a plan: suspensions (oldest activity first, so
// never-active users, whose time is zero, lead), then moves, then the rest.
func compareDecisions(a, b Decision) int {
	if c := cmp.Compare(actionRank(a.Action), actionRank(b.Action)); c != 0 {
		return c
	}
	if a.Action == ActionSuspend {
		if c := a.LastActive.Compare(b.LastActive); c != 0 {
			return c
		}
	}
	return compareUsers(a.User, b.User)
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

// compareUsers orders by username ignoring case, then exactly, then by id,
// so that the order never depends on the order the API listed users in.
func compareUsers(a, b *lm.User) int {
	if c := lm.CompareNames(a.Username, b.Username); c != 0 {
		return c
	}
	if c := strings.Compare(a.Username, b.Username); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
