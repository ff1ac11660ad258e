package suspend

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"lm-user-hygiene/lm"
)

// now is the clock of every plan test; 90 days earlier is 2026-08-30 12:00 UTC.
var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

const (
	day1          = 24 * time.Hour
	suspendedID   = 1
	staffID       = 10
	opsID         = 11
	cutoffDate    = "2026-08-30"
	cutoffDefault = "cutoff 2026-08-30 (90 days)"
)

var defaultGroups = []lm.Group{{ID: suspendedID, Name: "Suspended"}, {ID: staffID, Name: "Staff"}, {ID: opsID, Name: "Ops"}}

func defaultOptions() Options {
	return Options{
		InactiveDays:      90,
		Activity:          ActivityAny,
		SuspendedGroup:    "Suspended",
		MinAdmins:         1,
		AdminRoles:        []string{"administrator"},
		NeverLoggedIn:     NeverLoggedInSkip,
		MaxSuspendPercent: 100, // rule tests must not trip the breaker; it has its own tests
	}
}

// secs and millis give the API's epoch for a time d before now (negative d:
// after now), in either unit the portal may use.
func secs(d time.Duration) int64   { return now.Add(-d).Unix() }
func millis(d time.Duration) int64 { return now.Add(-d).UnixMilli() }

type userOption func(*lm.User)

// user builds an active human in the Staff group with the readonly role and
// no activity; options add the rest.
func user(name string, opts ...userOption) lm.User {
	u := lm.User{
		Username: name,
		Status:   lm.StatusActive,
		Roles:    []lm.Role{{ID: 2, Name: "readonly"}},
		GroupIDs: []int{staffID},
	}
	for _, o := range opts {
		o(&u)
	}
	return u
}

func login(v int64) userOption  { return func(u *lm.User) { u.LastLoginOn = v } }
func action(v int64) userOption { return func(u *lm.User) { u.LastActionOn = v } }
func access(v int64) userOption { return func(u *lm.User) { u.LastAccessOn = v } }
func token(accessID string, lastUsed int64) userOption {
	return func(u *lm.User) {
		u.APITokens = append(u.APITokens, lm.APIToken{AccessID: accessID, Enabled: true, LastUsedOn: lastUsed})
	}
}
func apiOnly() userOption              { return func(u *lm.User) { u.APIOnly = true } }
func noRoles() userOption              { return func(u *lm.User) { u.Roles = []lm.Role{} } }
func suspended() userOption            { return func(u *lm.User) { u.Status = lm.StatusSuspended } }
func status(s string) userOption       { return func(u *lm.User) { u.Status = s } }
func groups(ids ...int) userOption     { return func(u *lm.User) { u.GroupIDs = ids } }
func unreadable(why string) userOption { return func(u *lm.User) { u.Unreadable = why } }
func roles(names ...string) userOption {
	return func(u *lm.User) {
		u.Roles = nil
		for i, n := range names {
			u.Roles = append(u.Roles, lm.Role{ID: 100 + i, Name: n})
		}
	}
}

// want is the expected decision for one user; every reason fragment must
// appear in the decision's reason.
type want struct {
	action  Action
	outcome Outcome
	signal  string
	reason  []string
}

func TestNewPlanRules(t *testing.T) {
	tests := []struct {
		name   string
		opts   func(*Options)
		groups []lm.Group // nil: defaultGroups
		users  []lm.User
		want   map[string]want
	}{
		{
			name:  "suspends a user idle for longer than 90 days",
			users: []lm.User{user("old", login(secs(100*day1)))},
			want: map[string]want{"old": {ActionSuspend, OutcomeInactive, SignalLogin,
				[]string{"last activity 2026-08-20 (login), before " + cutoffDefault, `"Suspended"`}}},
		},
		{
			name:  "keeps a user active within 90 days",
			users: []lm.User{user("fresh", login(secs(10*day1)))},
			want: map[string]want{"fresh": {ActionNone, OutcomeRecentlyActive, SignalLogin,
				[]string{"last activity 2026-11-18 (login), after " + cutoffDefault}}},
		},
		{
			name: "suspends one second past the cutoff and keeps exactly at it and one second inside",
			users: []lm.User{
				user("past", login(secs(90*day1+time.Second))),
				user("exact", login(secs(90*day1))),
				user("inside", login(secs(90*day1-time.Second))),
			},
			want: map[string]want{
				// On the cutoff's own day the reason gives both times to the second.
				"past":   {ActionSuspend, OutcomeInactive, SignalLogin, []string{"last activity 2026-08-30 11:59:59 UTC (login), before cutoff 2026-08-30 12:00:00 UTC (90 days)"}},
				"exact":  {ActionNone, OutcomeRecentlyActive, SignalLogin, []string{"last activity 2026-08-30 12:00:00 UTC (login), at cutoff 2026-08-30 12:00:00 UTC (90 days)"}},
				"inside": {ActionNone, OutcomeRecentlyActive, SignalLogin, []string{"last activity 2026-08-30 12:00:01 UTC (login), after cutoff 2026-08-30 12:00:00 UTC (90 days)"}},
			},
		},
		{
			name: "honours --inactive-days",
			opts: func(o *Options) { o.InactiveDays = 30 },
			users: []lm.User{
				user("idle31", login(secs(31*day1))),
				user("idle29", login(secs(29*day1))),
			},
			want: map[string]want{
				"idle31": {ActionSuspend, OutcomeInactive, SignalLogin, []string{"cutoff 2026-10-29 (30 days)"}},
				"idle29": {ActionNone, OutcomeRecentlyActive, SignalLogin, []string{"cutoff 2026-10-29 (30 days)"}},
			},
		},
		{
			name: "activity any takes the latest of login, action, access and api token",
			users: []lm.User{
				user("bylogin", login(secs(10*day1)), action(secs(200*day1)), access(secs(200*day1)), token("a1", secs(200*day1))),
				user("byaction", login(secs(200*day1)), action(secs(10*day1)), access(secs(200*day1)), token("a2", secs(200*day1))),
				user("byaccess", login(secs(200*day1)), action(secs(200*day1)), access(secs(10*day1)), token("a3", secs(200*day1))),
				user("bytoken", login(secs(200*day1)), action(secs(200*day1)), access(secs(200*day1)),
					token("a4", secs(300*day1)), token("a5", secs(10*day1))),
				user("allold", login(secs(200*day1)), action(secs(150*day1)), access(secs(250*day1)), token("a6", secs(300*day1))),
			},
			want: map[string]want{
				"bylogin":  {ActionNone, OutcomeRecentlyActive, SignalLogin, []string{"2026-11-18 (login)"}},
				"byaction": {ActionNone, OutcomeRecentlyActive, SignalAction, []string{"2026-11-18 (action)"}},
				"byaccess": {ActionNone, OutcomeRecentlyActive, SignalAccess, []string{"2026-11-18 (access)"}},
				"bytoken":  {ActionNone, OutcomeRecentlyActive, SignalAPIToken, []string{"2026-11-18 (api_token)"}},
				"allold":   {ActionSuspend, OutcomeInactive, SignalAction, []string{"2026-07-01 (action), before " + cutoffDefault}},
			},
		},
		{
			name: "activity login counts only the UI login",
			opts: func(o *Options) { o.Activity = ActivityLogin },
			users: []lm.User{
				user("oldlogin", login(secs(100*day1)), action(secs(1*day1)), access(secs(1*day1)), token("a1", secs(1*day1))),
				user("newlogin", login(secs(5*day1)), action(secs(200*day1))),
			},
			want: map[string]want{
				"oldlogin": {ActionSuspend, OutcomeInactive, SignalLogin, []string{"2026-08-20 (login), before " + cutoffDefault}},
				"newlogin": {ActionNone, OutcomeRecentlyActive, SignalLogin, []string{"2026-11-23 (login)"}},
			},
		},
		{
			name:  "activity login treats lastLoginOn 0 as never logged in despite a recent action",
			opts:  func(o *Options) { o.Activity = ActivityLogin },
			users: []lm.User{user("nologin", action(secs(1*day1)), access(secs(1*day1)))},
			want: map[string]want{"nologin": {ActionNone, OutcomeNeverLoggedIn, "",
				[]string{"never logged in", "--activity=login", "--never-logged-in=skip", cutoffDefault}}},
		},
		{
			name: "reads timestamps in seconds and in milliseconds alike",
			users: []lm.User{
				user("msold", login(millis(100*day1))),
				user("msfresh", action(millis(10*day1))),
				user("mixed", login(secs(200*day1)), access(millis(20*day1))),
			},
			want: map[string]want{
				"msold":   {ActionSuspend, OutcomeInactive, SignalLogin, []string{"last activity 2026-08-20 (login)"}},
				"msfresh": {ActionNone, OutcomeRecentlyActive, SignalAction, []string{"last activity 2026-11-18 (action)"}},
				"mixed":   {ActionNone, OutcomeRecentlyActive, SignalAccess, []string{"last activity 2026-11-08 (access)"}},
			},
		},
		{
			name: "never suspends a user with a timestamp more than a day in the future",
			opts: func(o *Options) { o.Activity = ActivityLogin },
			users: []lm.User{
				// Login mode would suspend both on their old login; the future
				// action must stop the first one but not the second.
				user("ahead", login(secs(200*day1)), action(secs(-(day1 + time.Second)))),
				user("skewed", login(secs(200*day1)), action(secs(-(day1 - time.Second)))),
				user("msahead", login(millis(-2*day1))),
			},
			want: map[string]want{
				"ahead": {ActionNone, OutcomeFutureActivity, SignalAction,
					[]string{"activity 2026-11-29 (action) is in the future; timestamp suspect", cutoffDefault}},
				"skewed":  {ActionSuspend, OutcomeInactive, SignalLogin, []string{"2026-05-12 (login)"}},
				"msahead": {ActionNone, OutcomeFutureActivity, SignalLogin, []string{"activity 2026-11-30 (login) is in the future"}},
			},
		},
		{
			name: "keeps a user whose latest activity is just under a day ahead as recently active",
			users: []lm.User{
				user("skewed", login(secs(200*day1)), access(secs(-(day1 - time.Second)))),
			},
			want: map[string]want{"skewed": {ActionNone, OutcomeRecentlyActive, SignalAccess, []string{"2026-11-29 (access)"}}},
		},
		{
			name:  "skips never-logged-in users by default",
			users: []lm.User{user("ghost")},
			want: map[string]want{"ghost": {ActionNone, OutcomeNeverLoggedIn, "",
				[]string{"never logged in; --never-logged-in=skip", cutoffDefault}}},
		},
		{
			name:  "suspends never-logged-in users with --never-logged-in=suspend",
			opts:  func(o *Options) { o.NeverLoggedIn = NeverLoggedInSuspend },
			users: []lm.User{user("ghost")},
			want: map[string]want{"ghost": {ActionSuspend, OutcomeInactive, "",
				[]string{"never logged in; --never-logged-in=suspend", cutoffDefault}}},
		},
		{
			name: "never suspends API-only users unless included",
			users: []lm.User{
				user("robot", apiOnly(), token("r1", secs(200*day1))),
			},
			want: map[string]want{"robot": {ActionNone, OutcomeAPIOnly, SignalAPIToken,
				[]string{"--include-api-users", "2026-05-12 (api_token), before " + cutoffDefault}}},
		},
		{
			name: "suspends included API-only users whose tokens are idle, also in login mode",
			opts: func(o *Options) { o.IncludeAPIUsers = true; o.Activity = ActivityLogin },
			users: []lm.User{
				user("idlebot", apiOnly(), token("r1", secs(200*day1))),
				user("busybot", apiOnly(), token("r2", secs(200*day1)), token("r3", millis(2*day1))),
				user("silentbot", apiOnly(), token("r4", 0)),
			},
			want: map[string]want{
				"idlebot":   {ActionSuspend, OutcomeInactive, SignalAPIToken, []string{"2026-05-12 (api_token), before"}},
				"busybot":   {ActionNone, OutcomeRecentlyActive, SignalAPIToken, []string{"2026-11-26 (api_token)"}},
				"silentbot": {ActionNone, OutcomeNeverLoggedIn, "", []string{"API token never used", "--never-logged-in=skip"}},
			},
		},
		{
			name: "never suspends the token owner, compared exactly",
			opts: func(o *Options) { o.TokenAccessID = "AbC123" },
			users: []lm.User{
				user("owner", login(secs(200*day1)), token("other", 0), token("AbC123", secs(200*day1))),
				user("lookalike", login(secs(200*day1)), token("abc123", secs(200*day1))),
			},
			want: map[string]want{
				"owner":     {ActionNone, OutcomeTokenOwner, SignalLogin, []string{"owns the API token this run uses", "before " + cutoffDefault}},
				"lookalike": {ActionSuspend, OutcomeInactive, SignalLogin, nil},
			},
		},
		{
			name: "a bearer-token run has no token owner",
			users: []lm.User{
				user("emptyid", login(secs(200*day1)), token("", secs(200*day1))),
			},
			want: map[string]want{"emptyid": {ActionSuspend, OutcomeInactive, SignalLogin, nil}},
		},
		{
			name: "never suspends protected users by name or glob, ignoring case",
			opts: func(o *Options) {
				o.ProtectUsers = []string{"root", "breakglass*", "SVC-?", "ops[0-9]", "[^a-z]admin"}
			},
			users: []lm.User{
				user("ROOT", login(secs(200*day1))),
				user("rooted", login(secs(200*day1))),
				user("BreakGlass-01", login(secs(200*day1))),
				user("svc-a", login(secs(200*day1))),
				user("svc-ab", login(secs(200*day1))),
				user("Ops7", login(secs(200*day1))),
				user("opsx", login(secs(200*day1))),
				user("9admin", login(secs(200*day1))),
				user("xadmin", login(secs(200*day1))),
			},
			want: map[string]want{
				"ROOT":          {ActionNone, OutcomeProtectedUser, SignalLogin, []string{`--protect-users pattern "root"`, "before " + cutoffDefault}},
				"rooted":        {ActionSuspend, OutcomeInactive, SignalLogin, nil},
				"BreakGlass-01": {ActionNone, OutcomeProtectedUser, SignalLogin, []string{`--protect-users pattern "breakglass*"`}},
				"svc-a":         {ActionNone, OutcomeProtectedUser, SignalLogin, []string{`pattern "SVC-?"`}},
				"svc-ab":        {ActionSuspend, OutcomeInactive, SignalLogin, nil},
				"Ops7":          {ActionNone, OutcomeProtectedUser, SignalLogin, []string{`pattern "ops[0-9]"`}},
				"opsx":          {ActionSuspend, OutcomeInactive, SignalLogin, nil},
				"9admin":        {ActionNone, OutcomeProtectedUser, SignalLogin, []string{`pattern "[^a-z]admin"`}},
				"xadmin":        {ActionSuspend, OutcomeInactive, SignalLogin, nil},
			},
		},
		{
			name: "never suspends a protected username as written, even one that looks like a glob",
			opts: func(o *Options) {
				o.ProtectUsers = []string{`CORP\breakglass`, "ops[1]@acme.com", "breakglass*"}
			},
			users: []lm.User{
				user(`corp\BreakGlass`, login(secs(200*day1))),
				user("ops[1]@acme.com", login(secs(200*day1))),
				user("ops2@acme.com", login(secs(200*day1))),
				user("breakglass/eu@acme.com", login(secs(200*day1))),
			},
			want: map[string]want{
				`corp\BreakGlass`:        {ActionNone, OutcomeProtectedUser, SignalLogin, []string{`--protect-users pattern "CORP\\breakglass"`}},
				"ops[1]@acme.com":        {ActionNone, OutcomeProtectedUser, SignalLogin, []string{`pattern "ops[1]@acme.com"`}},
				"ops2@acme.com":          {ActionSuspend, OutcomeInactive, SignalLogin, nil},
				"breakglass/eu@acme.com": {ActionNone, OutcomeProtectedUser, SignalLogin, []string{`pattern "breakglass*"`}},
			},
		},
		{
			name: "never suspends holders of a protected role, ignoring case",
			opts: func(o *Options) { o.ProtectRoles = []string{"Auditor", "breakglass"} },
			users: []lm.User{
				user("audit", login(secs(200*day1)), roles("readonly", "auditor")),
				user("reader", login(secs(200*day1)), roles("readonly")),
			},
			want: map[string]want{
				"audit":  {ActionNone, OutcomeProtectedRole, SignalLogin, []string{`--protect-roles role "Auditor"`, "before " + cutoffDefault}},
				"reader": {ActionSuspend, OutcomeInactive, SignalLogin, nil},
			},
		},
		{
			name: "admin guard keeps the most recently active admin",
			users: []lm.User{
				user("admin-a", login(secs(300*day1)), roles("administrator")),
				user("admin-b", login(secs(100*day1)), roles("Administrator")),
				user("admin-c", login(secs(200*day1)), roles("administrator")),
			},
			want: map[string]want{
				"admin-a": {ActionSuspend, OutcomeInactive, SignalLogin, nil},
				"admin-b": {ActionNone, OutcomeAdminGuard, SignalLogin,
					[]string{"kept to hold --min-admins=1 active administrator(s)", "2026-08-20 (login), before " + cutoffDefault}},
				"admin-c": {ActionSuspend, OutcomeInactive, SignalLogin, nil},
			},
		},
		{
			// admin-active and admin-never stay active, so two of the three
			// idle admins must stay too.
			name: "admin guard keeps as many admins as --min-admins needs, counting those who stay",
			opts: func(o *Options) { o.MinAdmins = 4 },
			users: []lm.User{
				user("admin-active", login(secs(1*day1)), roles("administrator")),
				user("admin-a", login(secs(300*day1)), roles("administrator")),
				user("admin-b", login(secs(100*day1)), roles("administrator")),
				user("admin-c", login(secs(200*day1)), roles("administrator")),
				user("admin-never", roles("administrator")),
			},
			want: map[string]want{
				"admin-active": {ActionNone, OutcomeRecentlyActive, SignalLogin, nil},
				"admin-a":      {ActionSuspend, OutcomeInactive, SignalLogin, nil},
				"admin-b":      {ActionNone, OutcomeAdminGuard, SignalLogin, []string{"--min-admins=4"}},
				"admin-c":      {ActionNone, OutcomeAdminGuard, SignalLogin, []string{"--min-admins=4"}},
				"admin-never":  {ActionNone, OutcomeNeverLoggedIn, "", nil},
			},
		},
		{
			name: "admin guard keeps never-active admins last",
			opts: func(o *Options) { o.MinAdmins = 2; o.NeverLoggedIn = NeverLoggedInSuspend },
			users: []lm.User{
				user("admin-never", roles("administrator")),
				user("admin-old", login(secs(300*day1)), roles("administrator")),
				user("admin-older", login(secs(400*day1)), roles("administrator")),
			},
			want: map[string]want{
				"admin-never": {ActionSuspend, OutcomeInactive, "", nil},
				"admin-old":   {ActionNone, OutcomeAdminGuard, SignalLogin, nil},
				"admin-older": {ActionNone, OutcomeAdminGuard, SignalLogin, nil},
			},
		},
		{
			name: "admin guard is off with --min-admins=0",
			opts: func(o *Options) { o.MinAdmins = 0 },
			users: []lm.User{
				user("admin-a", login(secs(300*day1)), roles("administrator")),
				user("admin-b", login(secs(100*day1)), roles("administrator")),
			},
			want: map[string]want{
				"admin-a": {ActionSuspend, OutcomeInactive, SignalLogin, nil},
				"admin-b": {ActionSuspend, OutcomeInactive, SignalLogin, nil},
			},
		},
		{
			name: "admin guard is satisfied by a protected admin who stays active",
			opts: func(o *Options) { o.ProtectUsers = []string{"breakglass"} },
			users: []lm.User{
				user("breakglass", roles("administrator")),
				user("admin-a", login(secs(300*day1)), roles("administrator")),
			},
			want: map[string]want{
				"breakglass": {ActionNone, OutcomeProtectedUser, "", nil},
				"admin-a":    {ActionSuspend, OutcomeInactive, SignalLogin, nil},
			},
		},
		{
			name: "admin guard counts the holders of every --admin-roles role together",
			opts: func(o *Options) { o.AdminRoles = []string{"administrator", "SuperUser"} },
			users: []lm.User{
				user("admin", login(secs(300*day1)), roles("administrator")),
				user("super", login(secs(100*day1)), roles("readonly", "superuser")),
				user("reader", login(secs(50*day1)), roles("readonly")),
			},
			want: map[string]want{
				"admin":  {ActionSuspend, OutcomeInactive, SignalLogin, nil},
				"super":  {ActionNone, OutcomeAdminGuard, SignalLogin, nil},
				"reader": {ActionNone, OutcomeRecentlyActive, SignalLogin, nil},
			},
		},
		{
			name: "admin guard does not count API-only admins as holding the minimum",
			opts: func(o *Options) { o.IncludeAPIUsers = true },
			users: []lm.User{
				user("adminbot", apiOnly(), token("b1", secs(1*day1)), roles("administrator")),
				user("admin", login(secs(300*day1)), roles("administrator")),
			},
			want: map[string]want{
				"adminbot": {ActionNone, OutcomeRecentlyActive, SignalAPIToken, nil},
				"admin":    {ActionNone, OutcomeAdminGuard, SignalLogin, nil},
			},
		},
		{
			name: "leaves a suspended user that is only in the suspended group",
			users: []lm.User{
				user("done", suspended(), groups(suspendedID), login(secs(200*day1))),
				user("donetwice", suspended(), groups(suspendedID, suspendedID)),
			},
			want: map[string]want{
				"done":      {ActionNone, OutcomeAlreadySuspended, SignalLogin, []string{`only in group "Suspended"`}},
				"donetwice": {ActionNone, OutcomeAlreadySuspended, "", nil},
			},
		},
		{
			name: "moves a suspended user that is in any other group, or in none",
			users: []lm.User{
				user("elsewhere", suspended(), groups(staffID)),
				user("both", suspended(), groups(suspendedID, opsID)),
				user("nowhere", suspended(), groups()),
			},
			want: map[string]want{
				"elsewhere": {ActionMove, OutcomeOutsideGroup, "", []string{`move it there`}},
				"both":      {ActionMove, OutcomeOutsideGroup, "", nil},
				"nowhere":   {ActionMove, OutcomeOutsideGroup, "", nil},
			},
		},
		{
			name:   "finds the suspended group ignoring case",
			groups: []lm.Group{{ID: 7, Name: "SUSPENDED"}, {ID: staffID, Name: "Staff"}},
			users: []lm.User{
				user("old", login(secs(200*day1))),
				user("done", suspended(), groups(7)),
			},
			want: map[string]want{
				"old":  {ActionSuspend, OutcomeInactive, SignalLogin, nil},
				"done": {ActionNone, OutcomeAlreadySuspended, "", nil},
			},
		},
		{
			name: "leaves a user with an undocumented status alone",
			users: []lm.User{
				user("odd", status("locked"), login(secs(200*day1))),
			},
			want: map[string]want{"odd": {ActionNone, OutcomeUnknownStatus, SignalLogin, []string{`"locked"`}}},
		},
		{
			name: "never suspends or moves an unreadable user, whatever it looks like",
			opts: func(o *Options) { o.NeverLoggedIn = NeverLoggedInSuspend },
			users: []lm.User{
				user("idle", unreadable(`adminGroupIds is null`), login(secs(200*day1))),
				user("parked", unreadable(`roles is absent`), suspended(), groups(staffID)),
				user("odd", unreadable(`status "locked"`), status("locked")),
				user("ghost", unreadable(`id "x1" is not a number`)),
			},
			want: map[string]want{
				"idle":   {ActionNone, OutcomeUnreadable, "", []string{"could not be read with confidence (adminGroupIds is null): left alone"}},
				"parked": {ActionNone, OutcomeUnreadable, "", []string{"(roles is absent)"}},
				"odd":    {ActionNone, OutcomeUnreadable, "", []string{`(status "locked")`}},
				"ghost":  {ActionNone, OutcomeUnreadable, "", []string{`(id "x1" is not a number)`}},
			},
		},
		{
			name: "admin guard does not count an unreadable admin as holding the minimum",
			users: []lm.User{
				user("admin-unreadable", unreadable("adminGroupIds is null"), login(secs(1*day1)), roles("administrator")),
				user("admin", login(secs(300*day1)), roles("administrator")),
			},
			want: map[string]want{
				"admin-unreadable": {ActionNone, OutcomeUnreadable, "", nil},
				"admin":            {ActionNone, OutcomeAdminGuard, SignalLogin, nil},
			},
		},
		{
			name: "never changes a user whose roles are an empty list: reported, not planned",
			opts: func(o *Options) { o.NeverLoggedIn = NeverLoggedInSuspend },
			users: []lm.User{
				user("idle", noRoles(), login(secs(200*day1))),
				user("ghost", noRoles()),
				user("outside", noRoles(), suspended(), groups(staffID)),
				user("back", noRoles(), groups(suspendedID), login(secs(200*day1))),
				user("idle-with-role", login(secs(200*day1))),
			},
			want: map[string]want{
				"idle":           {ActionNone, OutcomeNoRoles, SignalLogin, []string{"no roles", "never changed", "last activity 2026-05-12 (login)"}},
				"ghost":          {ActionNone, OutcomeNoRoles, "", []string{"no roles", "no activity"}},
				"outside":        {ActionNone, OutcomeNoRoles, "", []string{"no roles"}},
				"back":           {ActionNone, OutcomeNoRoles, SignalLogin, []string{"no roles"}},
				"idle-with-role": {ActionSuspend, OutcomeInactive, SignalLogin, nil},
			},
		},
		{
			name: "applies the exclusions before the never-logged-in rule",
			opts: func(o *Options) { o.NeverLoggedIn = NeverLoggedInSuspend; o.ProtectUsers = []string{"keep*"} },
			users: []lm.User{
				user("keepme"),
				user("bot", apiOnly()),
			},
			want: map[string]want{
				"keepme": {ActionNone, OutcomeProtectedUser, "", []string{"no activity; " + cutoffDefault}},
				"bot":    {ActionNone, OutcomeAPIOnly, "", nil},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			if err := opts.Validate(); err != nil {
				t.Fatalf("test options invalid: %v", err)
			}
			grps := tt.groups
			if grps == nil {
				grps = defaultGroups
			}
			users := withIDs(tt.users)
			plan := NewPlan(users, grps, opts, Clock{Now: now}, nil)
			got := byUsername(t, plan, len(users))
			suspendedGroup, _ := lm.FindGroup(grps, opts.SuspendedGroup)
			groupID := suspendedGroup.ID
			for name, w := range tt.want {
				d, ok := got[name]
				if !ok {
					t.Fatalf("no decision for %q", name)
				}
				if d.Action != w.action || d.Outcome != w.outcome {
					t.Errorf("%s: got %s/%s, want %s/%s (reason %q)", name, d.Action, d.Outcome, w.action, w.outcome, d.Reason)
				}
				if d.Signal != w.signal {
					t.Errorf("%s: signal %q, want %q", name, d.Signal, w.signal)
				}
				if d.Signal == "" && !d.LastActive().IsZero() {
					t.Errorf("%s: LastActive %v without a signal", name, d.LastActive())
				}
				for _, frag := range w.reason {
					if !strings.Contains(d.Reason, frag) {
						t.Errorf("%s: reason %q lacks %q", name, d.Reason, frag)
					}
				}
				if d.Reason == "" {
					t.Errorf("%s: empty reason", name)
				}
				wantGroups := []int(nil)
				if d.Action == ActionSuspend || d.Action == ActionMove {
					wantGroups = []int{groupID}
				}
				if !slices.Equal(d.GroupIDs, wantGroups) || d.NewGroup != "" {
					t.Errorf("%s: groups %v new %q, want %v", name, d.GroupIDs, d.NewGroup, wantGroups)
				}
			}
		})
	}
}

// withIDs gives every user a distinct id, as the portal would.
func withIDs(users []lm.User) []lm.User {
	out := slices.Clone(users)
	for i := range out {
		out[i].ID = 1000 + i
	}
	return out
}

// byUsername indexes a plan's decisions and checks that every user appears
// exactly once.
func byUsername(t *testing.T, plan Plan, users int) map[string]Decision {
	t.Helper()
	got := make(map[string]Decision, len(plan.Decisions))
	for _, d := range plan.Decisions {
		if _, dup := got[d.User.Username]; dup {
			t.Fatalf("user %q decided twice", d.User.Username)
		}
		got[d.User.Username] = d
	}
	if len(got) != users {
		t.Fatalf("plan has %d decisions, want %d", len(got), users)
	}
	return got
}

func TestNewPlanCreatesMissingSuspendedGroup(t *testing.T) {
	users := withIDs([]lm.User{
		user("old", login(secs(200*day1))),
		user("parked", suspended(), groups(staffID)),
		user("ghostgroup", suspended(), groups(99)),
		user("fresh", login(secs(1*day1))),
	})
	opts := defaultOptions()
	opts.SuspendedGroup = "Dormant"
	plan := NewPlan(users, defaultGroups, opts, Clock{Now: now}, nil)
	if plan.HasGroup {
		t.Fatalf("HasGroup with GroupID %d, want no group for a missing group", plan.GroupID)
	}
	got := byUsername(t, plan, len(users))
	for _, name := range []string{"old", "parked", "ghostgroup"} {
		d := got[name]
		if d.Action == ActionNone {
			t.Errorf("%s: no action", name)
		}
		if len(d.GroupIDs) != 0 || d.NewGroup != "Dormant" {
			t.Errorf("%s: groups %v new %q, want none and %q", name, d.GroupIDs, d.NewGroup, "Dormant")
		}
		if !strings.Contains(d.Reason, `"Dormant" (created first)`) {
			t.Errorf("%s: reason %q does not say the group is created", name, d.Reason)
		}
	}
	if d := got["fresh"]; d.NewGroup != "" || d.GroupIDs != nil {
		t.Errorf("fresh: groups %v new %q, want none", d.GroupIDs, d.NewGroup)
	}

	plan = NewPlan(users, defaultGroups, defaultOptions(), Clock{Now: now}, nil)
	if !plan.HasGroup || plan.GroupID != suspendedID {
		t.Errorf("GroupID = %d (found %v), want %d", plan.GroupID, plan.HasGroup, suspendedID)
	}
}

func TestNewPlanBreaker(t *testing.T) {
	// crowd returns n active humans, the first idle of them inactive.
	crowd := func(n, idle int) []lm.User {
		var users []lm.User
		for i := range n {
			last := secs(1 * day1)
			if i < idle {
				last = secs(200 * day1)
			}
			users = append(users, user("u"+string(rune('a'+i/26))+string(rune('a'+i%26)), login(last)))
		}
		return users
	}
	tests := []struct {
		name           string
		opts           func(*Options)
		users          []lm.User
		wantConsidered int
		wantFound      int
		wantTripped    bool
		// memory, when set, is the state's memory of the users (with ids).
		memory func([]lm.User) map[int]Memory
		state  bool // the run keeps lifecycle memory
		// wantSuspended, when set, is how many never-logged-in users the
		// plan suspends although the breaker does not count them.
		wantSuspended int
	}{
		{
			name:           "does not trip at exactly --max-suspend-percent",
			users:          crowd(10, 2),
			wantConsidered: 10, wantFound: 2, wantTripped: false,
		},
		{
			name:           "trips above --max-suspend-percent",
			users:          crowd(10, 3),
			wantConsidered: 10, wantFound: 3, wantTripped: true,
		},
		{
			name:           "trips on any inactive user with --max-suspend-percent=0",
			opts:           func(o *Options) { o.MaxSuspendPercent = 0 },
			users:          crowd(50, 1),
			wantConsidered: 50, wantFound: 1, wantTripped: true,
		},
		{
			name:           "never trips with --max-suspend-percent=100",
			opts:           func(o *Options) { o.MaxSuspendPercent = 100 },
			users:          crowd(3, 3),
			wantConsidered: 3, wantFound: 3, wantTripped: false,
		},
		{
			name:           "does not trip on an empty portal",
			users:          nil,
			wantConsidered: 0, wantFound: 0, wantTripped: false,
		},
		{
			name: "does not count excluded users as inactive but counts them as considered",
			opts: func(o *Options) {
				o.ProtectUsers = []string{"keep*"}
				o.ProtectRoles = []string{"auditor"}
				o.TokenAccessID = "run"
			},
			users: append(crowd(5, 1),
				user("keep1", login(secs(200*day1))),
				user("keep2", login(secs(200*day1))),
				user("audit", login(secs(200*day1)), roles("auditor")),
				user("owner", login(secs(200*day1)), token("run", 0)),
				user("ghost"),
				user("ahead", action(secs(-3*day1))),
				user("bot", apiOnly(), token("b", secs(200*day1))),
				user("gone", suspended(), groups(staffID), login(secs(200*day1))),
			),
			// 5 + keep1, keep2, audit, owner, ghost, ahead; not the API-only or suspended user.
			wantConsidered: 11, wantFound: 1, wantTripped: false,
		},
		{
			name: "counts unreadable users neither as inactive nor as considered",
			users: append(crowd(5, 1),
				user("unread1", unreadable("roles is null"), login(secs(200*day1))),
				user("unread2", unreadable("adminGroupIds is absent"), login(secs(200*day1))),
			),
			wantConsidered: 5, wantFound: 1, wantTripped: false,
		},
		{
			name: "counts never-logged-in users and included API-only users when they would be suspended",
			opts: func(o *Options) {
				o.NeverLoggedIn = NeverLoggedInSuspend
				o.IncludeAPIUsers = true
			},
			users: append(crowd(8, 0),
				user("ghost"),
				user("bot", apiOnly(), token("b", secs(200*day1))),
			),
			wantConsidered: 10, wantFound: 2, wantTripped: false,
		},
		{
			name: "counts users held by the grace as inactive: they look inactive all the same",
			opts: notice, state: true,
			users:          crowd(10, 3),
			wantConsidered: 10, wantFound: 3, wantTripped: true,
		},
		{
			name: "does not count exempt users as inactive but counts them as considered",
			users: append(crowd(10, 0),
				user("glass1", login(secs(200*day1)), note("lmuh:exempt")),
				user("glass2", login(secs(200*day1)), note("lmuh:exempt-until=2099-01-01")),
				user("glass3", login(secs(200*day1)), note("lmuh:exempt-for-now")),
			),
			wantConsidered: 13, wantFound: 0, wantTripped: false,
		},
		{
			name:           "does not count upcoming users not yet past the cutoff",
			opts:           notice,
			users:          append(crowd(10, 0), user("soon1", login(secs(80*day1))), user("soon2", login(secs(80*day1))), user("soon3", login(secs(80*day1)))),
			wantConsidered: 13, wantFound: 0, wantTripped: false,
		},
		{
			name: "does not count reactivated users as inactive but counts them as considered",
			users: append(crowd(10, 0),
				user("back1", groups(suspendedID), login(secs(200*day1))),
				user("back2", groups(suspendedID), login(secs(200*day1))),
				user("back3", groups(suspendedID, staffID), login(secs(200*day1))),
			),
			wantConsidered: 13, wantFound: 0, wantTripped: false,
		},
		{
			name: "counts users without roles neither as inactive nor as considered",
			users: append(crowd(5, 1),
				user("bare1", noRoles(), login(secs(200*day1))),
				user("bare2", noRoles(), login(secs(200*day1))),
			),
			wantConsidered: 5, wantFound: 1, wantTripped: false,
		},
		{
			name: "does not count never-logged-in users under first-seen, even when first seen past the cutoff",
			opts: func(o *Options) { notice(o); o.NeverLoggedIn = NeverLoggedInFirstSeen }, state: true,
			users: append(crowd(5, 1),
				user("ghost1"),
				user("ghost2"),
			),
			memory: func(users []lm.User) map[int]Memory {
				m := map[int]Memory{}
				for _, u := range users {
					m[u.ID] = Memory{FirstSeen: ago(300 * day1), FirstWarned: ago(30 * day1)}
				}
				return m
			},
			// ghost1 and ghost2 are suspended (first seen 300 days ago,
			// warned 30), yet say nothing about the activity data.
			wantConsidered: 7, wantFound: 1, wantTripped: false, wantSuspended: 2,
		},
		{
			name: "does not count never-logged-in users under skip",
			opts: func(o *Options) { o.NeverLoggedIn = NeverLoggedInSkip },
			users: append(crowd(5, 1),
				user("ghost1"),
				user("ghost2"),
			),
			wantConsidered: 7, wantFound: 1, wantTripped: false,
		},
		{
			name: "counts users the admin guard keeps, since it runs after the breaker count",
			opts: func(o *Options) { o.MinAdmins = 2 },
			users: append(crowd(8, 0),
				user("admin-a", login(secs(200*day1)), roles("administrator")),
				user("admin-b", login(secs(300*day1)), roles("administrator")),
				user("admin-c", login(secs(400*day1)), roles("administrator")),
			),
			wantConsidered: 11, wantFound: 3, wantTripped: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultOptions()
			opts.MaxSuspendPercent = 20
			if tt.opts != nil {
				tt.opts(&opts)
			}
			users := withIDs(tt.users)
			var memory map[int]Memory // nil: no lifecycle memory
			if tt.state {
				memory = map[int]Memory{}
			}
			if tt.memory != nil {
				memory = tt.memory(users)
			}
			plan := NewPlan(users, defaultGroups, opts, Clock{Now: now}, memory)
			got := byUsername(t, plan, len(users))
			if tt.wantSuspended > 0 {
				n := 0
				for _, d := range got {
					if d.Action == ActionSuspend && d.Signal == "" {
						n++
					}
				}
				if n != tt.wantSuspended {
					t.Errorf("%d never-logged-in users suspended, want %d", n, tt.wantSuspended)
				}
			}
			if plan.Considered != tt.wantConsidered || plan.InactiveFound != tt.wantFound || plan.Tripped != tt.wantTripped {
				t.Fatalf("considered %d found %d tripped %v, want %d %d %v (%s)",
					plan.Considered, plan.InactiveFound, plan.Tripped,
					tt.wantConsidered, tt.wantFound, tt.wantTripped, plan.TripReason)
			}
			if plan.Tripped != (plan.TripReason != "") {
				t.Errorf("TripReason %q does not match Tripped=%v", plan.TripReason, plan.Tripped)
			}
		})
	}
}

func TestNewPlanTrippedPlanStillListsDecisions(t *testing.T) {
	users := withIDs([]lm.User{
		user("a", login(secs(200*day1))),
		user("b", login(secs(200*day1))),
		user("c", login(secs(1*day1))),
	})
	opts := defaultOptions()
	opts.MaxSuspendPercent = 50
	plan := NewPlan(users, defaultGroups, opts, Clock{Now: now}, nil)
	if !plan.Tripped {
		t.Fatal("breaker did not trip at 2 of 3")
	}
	for _, frag := range []string{"2 of 3", "66.7%", "--max-suspend-percent=50"} {
		if !strings.Contains(plan.TripReason, frag) {
			t.Errorf("TripReason %q lacks %q", plan.TripReason, frag)
		}
	}
	suspends := 0
	for _, d := range plan.Decisions {
		if d.Action == ActionSuspend {
			suspends++
		}
	}
	if suspends != 2 {
		t.Errorf("tripped plan lists %d suspensions, want 2 for the report", suspends)
	}
}

func TestNewPlanOrder(t *testing.T) {
	users := withIDs([]lm.User{
		user("zed-fresh", login(secs(1*day1))),
		user("move-b", suspended(), groups(staffID)),
		user("old-200", login(secs(200*day1))),
		user("Alpha-fresh", login(secs(2*day1))),
		user("never-b"),
		user("old-300", login(secs(300*day1))),
		user("move-A", suspended(), groups()),
		user("never-a"),
		user("tie-b", login(secs(150*day1))),
		user("tie-a", login(secs(150*day1))),
		user("done", suspended(), groups(suspendedID)),
		user("old-ms-250", login(millis(250*day1))),
	})
	opts := defaultOptions()
	opts.NeverLoggedIn = NeverLoggedInSuspend
	want := []string{
		"never-a", "never-b", // never active first of all, by username
		"old-300", "old-ms-250", "old-200", "tie-a", "tie-b", // oldest activity first
		"move-A", "move-b", // moves by username, ignoring case
		"Alpha-fresh", "done", "zed-fresh", // the rest by username
	}
	// The order must not depend on the order the API listed users in.
	for _, in := range [][]lm.User{users, reversed(users)} {
		plan := NewPlan(in, defaultGroups, opts, Clock{Now: now}, nil)
		var got []string
		for _, d := range plan.Decisions {
			got = append(got, d.User.Username)
		}
		if !slices.Equal(got, want) {
			t.Errorf("order\n got %v\nwant %v", got, want)
		}
	}
}

func reversed(users []lm.User) []lm.User {
	out := slices.Clone(users)
	slices.Reverse(out)
	return out
}

func TestNewPlanCutoff(t *testing.T) {
	opts := defaultOptions()
	plan := NewPlan(nil, nil, opts, Clock{Now: now}, nil)
	if want := now.Add(-90 * day1); !plan.Cutoff.Equal(want) || !plan.Now.Equal(now) {
		t.Errorf("cutoff %v now %v, want %v %v", plan.Cutoff, plan.Now, want, now)
	}
	if plan.Cutoff.Format(time.DateOnly) != cutoffDate {
		t.Errorf("cutoff date %s, want %s", plan.Cutoff.Format(time.DateOnly), cutoffDate)
	}
}

func TestNewPlanPointsIntoTheUsersAndLeavesThemAlone(t *testing.T) {
	users := withIDs([]lm.User{
		user("idle", login(secs(200*day1)), groups(staffID, opsID)),
		user("moved", suspended(), groups(staffID)),
		user("fresh", login(secs(1*day1)), token("tok", secs(1*day1))),
		user("never"),
	})
	before := make([]lm.User, len(users))
	for i, u := range users {
		before[i] = u
		before[i].GroupIDs = slices.Clone(u.GroupIDs)
		before[i].Roles = slices.Clone(u.Roles)
		before[i].APITokens = slices.Clone(u.APITokens)
	}
	plan := NewPlan(users, defaultGroups, defaultOptions(), Clock{Now: now}, nil)
	for _, d := range plan.Decisions {
		i := slices.IndexFunc(users, func(u lm.User) bool { return u.ID == d.User.ID })
		if i < 0 || d.User != &users[i] {
			t.Errorf("decision for %q does not point at the user given", d.User.Username)
		}
	}
	for i := range users {
		if !reflect.DeepEqual(users[i], before[i]) {
			t.Errorf("user changed by planning:\n got %+v\nwant %+v", users[i], before[i])
		}
	}
}

// A plan holds a reason per user until the run ends; at 50,000 users most of
// them say the same, and one copy of each text is what keeps the plan small.
func TestNewPlanSharesEqualReasons(t *testing.T) {
	users := withIDs([]lm.User{
		user("fresh-a", login(secs(10*day1))),
		user("fresh-b", login(secs(10*day1+time.Hour))),
		user("idle-a", login(secs(200*day1))),
		user("idle-b", login(secs(200*day1+time.Minute))),
		user("api-a", apiOnly()),
		user("api-b", apiOnly()),
	})
	got := byUsername(t, NewPlan(users, defaultGroups, defaultOptions(), Clock{Now: now}, nil), len(users))
	for _, pair := range [][2]string{{"fresh-a", "fresh-b"}, {"idle-a", "idle-b"}, {"api-a", "api-b"}} {
		a, b := got[pair[0]].Reason, got[pair[1]].Reason
		if a != b {
			t.Fatalf("%s and %s: reasons %q and %q differ; the test needs equal ones", pair[0], pair[1], a, b)
		}
		if unsafe.StringData(a) != unsafe.StringData(b) {
			t.Errorf("%s and %s: equal reason %q held twice", pair[0], pair[1], a)
		}
	}
}
