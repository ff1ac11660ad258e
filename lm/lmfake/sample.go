package lmfake

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"lm-user-hygiene/lm"
)

// SampleOptions shape the sample portal. The same options give the same data.
type SampleOptions struct {
	Users int       // number of users, 0 or more
	Now   time.Time // activity is relative to it; zero = DefaultSampleNow
	Seed  int64
	// WithSuspendedGroup creates the "Suspended" group and puts the already
	// suspended and the reactivated-but-still-suspended users in it. Without
	// it those users sit in ordinary groups.
	WithSuspendedGroup bool
	// WithLifecycle adds, after the others, one user for each lifecycle
	// rule: exempt by note (SampleExemptUser), exempt until a day 30 days
	// ahead (SampleExemptUntilUser), upcoming (SampleUpcomingUser, idle 80
	// days), and reactivated by a person (SampleReactivatedUser, active,
	// idle 200 days, in the Suspended group WithSuspendedGroup). The other
	// users are the same with it or without.
	WithLifecycle bool
}

// DefaultSampleNow is the sample clock when SampleOptions.Now is zero, fixed
// so that zero options are deterministic too.
var DefaultSampleNow = time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)

// Sample names: roles, groups and the accounts tests refer to.
const (
	SampleTokenUser      = "lmuh-api@example.com"
	SampleBreakGlassUser = "breakglass@example.com"
	SampleFutureUser     = "clock.skew@example.com"
	// SampleDefaultAccessID is the token owner's access id when the portal's
	// Config.AccessID is empty.
	SampleDefaultAccessID = "lmuhSampleAccessId01"
	// SampleUnmappedRole has no group of the same name.
	SampleUnmappedRole = "auditor"
	// SampleSuspendedGroup exists only WithSuspendedGroup.
	SampleSuspendedGroup = "Suspended"
	SampleUngroupedGroup = "Ungrouped"
	// The WithLifecycle users.
	SampleExemptUser      = "contractor@example.com"
	SampleExemptUntilUser = "sabbatical@example.com"
	SampleUpcomingUser    = "leaving.soon@example.com"
	SampleReactivatedUser = "back.again@example.com"
)

// kinds of sample users. After the three special users, each block of 57
// users holds every kind at least once, in a shuffled order, so any sample of
// 60 users or more has them all.
type sampleKind int

const (
	kindRecent           sampleKind = iota // active, logged in within 30 days
	kindRecentActionOnly                   // old UI login, recent action (differs by --activity)
	kindIdle                               // no activity for 91-720 days
	kindBorderline                         // latest activity 90 days ago, give or take 36 hours
	kindNeverLoggedIn                      // all timestamps 0
	kindAPIActive                          // API-only, token used recently
	kindAPIIdle                            // API-only, tokens idle > 90 days or never used
	kindSuspendedInGroup                   // suspended, in the Suspended group
	kindSuspendedOutside                   // suspended, in an ordinary group
	kindSSOEmpty                           // SSO-created, no groups
	kindSSOUngrouped                       // SSO-created, only in "Ungrouped"
	kindLocalUngrouped                     // created by a person, only in "Ungrouped"
	kindDeletedGroup                       // in a group id that no longer exists
	kindReactivated                        // active again but still in the Suspended group
	kindAdmin                              // administrator role
	kindMultiRole                          // several roles, grouped
	kindSSOMultiRole                       // SSO-created, several roles, no groups
	kindMillisRecent                       // timestamps in milliseconds, recent
	kindMillisIdle                         // timestamps in milliseconds, idle
	numKinds
)

// sampleDeck is one block of 57 users. Inactive humans stay near 13% so that
// the default 20% breaker does not trip on the sample.
var sampleDeck = func() []sampleKind {
	counts := map[sampleKind]int{
		kindRecent: 21, kindRecentActionOnly: 1, kindIdle: 3, kindBorderline: 4, kindNeverLoggedIn: 3,
		kindAPIActive: 2, kindAPIIdle: 2, kindSuspendedInGroup: 3, kindSuspendedOutside: 2,
		kindSSOEmpty: 3, kindSSOUngrouped: 3, kindLocalUngrouped: 1, kindDeletedGroup: 2,
		kindReactivated: 1, kindAdmin: 2, kindMultiRole: 1, kindSSOMultiRole: 1,
		kindMillisRecent: 1, kindMillisIdle: 1,
	}
	var deck []sampleKind
	for k := range numKinds {
		for range counts[k] {
			deck = append(deck, k)
		}
	}
	return deck
}()

var (
	firstNames = []string{"ann", "ben", "carla", "dev", "elena", "farid", "grace", "hiro", "ines", "jon",
		"kemal", "lena", "mateo", "nadia", "omar", "priya", "quinn", "rosa", "sven", "tara",
		"uma", "victor", "wei", "ximena", "yusuf", "zoe", "liam", "mia", "noah", "olga"}
	lastNames = []string{"smith", "garcia", "chen", "kowalski", "okafor", "rossi", "nguyen", "schmidt", "haddad", "silva",
		"tanaka", "dubois", "novak", "ivanova", "murphy", "larsen", "patel", "moreau", "costa", "berg",
		"weber", "santos", "kim", "fischer", "ali", "jensen", "romero", "horvat", "bauer", "lopez"}
	// people and systems that create users by hand; "Marco Grosso" contains
	// "sso" inside a word, which is not SSO.
	humanCreators = []string{"admin@example.com", "LogicMonitor", "Chief Admin", "Marco Grosso", "jane.roe@example.com"}
	ssoCreators   = []string{"SAML", "SSO (Okta)", "saml-jit", "SAML (Azure AD)"}
)

// sample is the generator's state: the ids of the roles and groups it made.
type sample struct {
	rng                                      *rand.Rand
	now                                      time.Time
	suspended                                bool
	roleAdmin, roleRead, roleNetops          lm.Role
	roleManager, roleNoAccess, roleUnmapped  lm.Role
	gUngrouped, gNetOps, gViewers, gManagers int
	gAdmin, gNetopsOwn, gSuspended           int
	gDeleted                                 []int
	seen                                     map[string]int // name pairs used so far
}

// NewSample is New followed by Populate.
func NewSample(cfg Config, o SampleOptions) *Portal {
	p := New(cfg)
	Populate(p, o)
	return p
}

// Populate fills p with roles, groups and o.Users users, the same for the
// same options. On a fresh portal the ids are stable:
//   - roles 1 administrator, 2 readonly, 3 netops, 4 manager, 5 no_access,
//     6 auditor (no group of that name);
//   - groups 1 Ungrouped, 2 Network Operations, 3 Viewers, 4 Managers,
//     5 administrator, 6 netops, 8 Suspended (WithSuspendedGroup only);
//     ids 7 and 9 are deleted groups some users still point at;
//   - user 1 is the API-only token owner lmuh-api@example.com: its enabled
//     token's accessId is p's Config.AccessID (SampleDefaultAccessID when
//     that is empty), so a run with the portal's credentials finds its own
//     token owner; user 2 is the idle administrator breakglass@example.com;
//     user 3 has a login time 30 days in the future; the rest follow the
//     sample mix (see sampleKind), in blocks of 57.
//
// Timestamps are epoch seconds, except the millisecond kinds.
func Populate(p *Portal, o SampleOptions) {
	now := o.Now
	if now.IsZero() {
		now = DefaultSampleNow
	}
	p.mu.Lock()
	defer p.mu.Unlock()

	s := &sample{
		rng:       rand.New(rand.NewPCG(uint64(o.Seed), 0x6c6d7568)),
		now:       now,
		suspended: o.WithSuspendedGroup,
		seen:      map[string]int{},
	}
	s.makeRolesAndGroups(p)

	accessID := p.cfg.AccessID
	if accessID == "" {
		accessID = SampleDefaultAccessID
	}
	deck := make([]sampleKind, len(sampleDeck))
	for i := range o.Users {
		id := p.nextUserID
		var u *user
		switch i {
		case 0:
			u = s.tokenOwner(accessID)
		case 1:
			u = s.breakGlass()
		case 2:
			u = s.futureUser()
		default:
			j := (i - 3) % len(deck)
			if j == 0 {
				copy(deck, sampleDeck)
				s.rng.Shuffle(len(deck), func(a, b int) { deck[a], deck[b] = deck[b], deck[a] })
			}
			u = s.user(deck[j], id)
		}
		u.id = id
		if u.email == "" {
			u.email = u.username
		}
		p.addUserLocked(u)
	}
	if o.WithLifecycle {
		for _, u := range s.lifecycleUsers() {
			u.id = p.nextUserID
			u.email = u.username
			p.addUserLocked(u)
		}
	}
}

// lifecycleUsers are the WithLifecycle users; they draw nothing from the
// random source, so the other users stay the same.
func (s *sample) lifecycleUsers() []*user {
	mk := func(username, first, last, note string, idle time.Duration) *user {
		u := &user{username: username, firstName: first, lastName: last, status: lm.StatusActive,
			createdBy: "admin@example.com", note: note, roles: []lm.Role{s.roleRead}, groupIDs: []int{s.gViewers}}
		active(u, s.now.Add(-idle))
		return u
	}
	until := s.now.Add(30 * day).Format("2006-01-02")
	back := mk(SampleReactivatedUser, "Back", "Again", "reactivated by hand after a long leave", 200*day)
	if s.suspended {
		back.groupIDs = []int{s.gSuspended}
	}
	return []*user{
		mk(SampleExemptUser, "Con", "Tractor", "signs in once a year; lmuh:exempt", 200*day),
		mk(SampleExemptUntilUser, "Sab", "Batical", "on sabbatical; lmuh:exempt-until="+until, 150*day),
		mk(SampleUpcomingUser, "Leaving", "Soon", "", 80*day),
		back,
	}
}

func (s *sample) makeRolesAndGroups(p *Portal) {
	role := func(name, description string) lm.Role {
		r := p.roleByNameLocked(name)
		if r == nil {
			r = p.addRoleLocked(0, name)
		}
		r.description = description
		return lm.Role{ID: r.id, Name: r.name}
	}
	s.roleAdmin = role("administrator", "Administrator can do everything, including security-sensitive actions")
	s.roleRead = role("readonly", "Can view everything, change nothing")
	s.roleNetops = role("netops", "Network operations")
	s.roleManager = role("manager", "Managers: dashboards and reports")
	s.roleNoAccess = role("no_access", "No access to any area")
	s.roleUnmapped = role(SampleUnmappedRole, "External auditors; no group of this name")

	created := s.now.Add(-400 * day).Unix() // not the portal clock: same options, same bytes
	group := func(name, description string) int {
		g := p.groupByNameLocked(name)
		if g == nil {
			g = p.addGroupLocked(name, description)
			g.createdOn, g.updatedOn = created, created
		}
		return g.id
	}
	deleted := func() int { // an id that was used by a group since deleted
		id := p.nextGroupID
		p.nextGroupID++
		return id
	}
	s.gUngrouped = group(SampleUngroupedGroup, "Users created by single sign-on land here")
	s.gNetOps = group("Network Operations", "")
	s.gViewers = group("Viewers", "Read-only users")
	s.gManagers = group("Managers", "")
	s.gAdmin = group("administrator", "Portal administrators")
	s.gNetopsOwn = group("netops", "")
	s.gDeleted = append(s.gDeleted, deleted())
	if s.suspended {
		s.gSuspended = group(SampleSuspendedGroup, "Users suspended for inactivity")
	} else {
		deleted() // keep the later ids the same with or without the group
	}
	s.gDeleted = append(s.gDeleted, deleted())
}

// ago is now minus a random duration in [from, to).
func (s *sample) ago(from, to time.Duration) time.Time {
	return s.now.Add(-(from + time.Duration(s.rng.Int64N(int64(to-from)))))
}

func (s *sample) pick(list []string) string { return list[s.rng.IntN(len(list))] }

const day = 24 * time.Hour

// person makes a unique e-mail style username: the second ann.smith is
// ann.smith2 (no last name ends in a digit, so these never collide).
func (s *sample) person() (username, first, last string) {
	first, last = s.pick(firstNames), s.pick(lastNames)
	key := first + "." + last
	s.seen[key]++
	if n := s.seen[key]; n > 1 {
		key += strconv.Itoa(n)
	}
	return key + "@example.com", capitalize(first), capitalize(last)
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// humanRole picks a role for an ordinary user and the group that fits it.
func (s *sample) humanRole() (lm.Role, int) {
	switch n := s.rng.IntN(100); {
	case n < 40:
		return s.roleRead, s.gViewers
	case n < 65:
		return s.roleNetops, s.gNetOps
	case n < 80:
		return s.roleManager, s.gManagers
	case n < 90:
		return s.roleUnmapped, s.gViewers
	default:
		return s.roleNoAccess, s.gViewers
	}
}

// ssoRole picks a role an identity provider would grant.
func (s *sample) ssoRole() lm.Role {
	return []lm.Role{s.roleRead, s.roleRead, s.roleNetops, s.roleManager, s.roleUnmapped}[s.rng.IntN(5)]
}

// active sets the timestamps of a user whose latest activity is at t.
func active(u *user, t time.Time) {
	u.lastLoginOn = t.Unix()
	u.lastActionOn = t.Unix()
	u.lastAccessOn = t.Unix()
}

func (s *sample) human(createdBy string) *user {
	username, first, last := s.person()
	r, g := s.humanRole()
	return &user{
		username: username, firstName: first, lastName: last,
		status: lm.StatusActive, createdBy: createdBy,
		roles: []lm.Role{r}, groupIDs: []int{g},
	}
}

func (s *sample) user(k sampleKind, id int) *user {
	u := s.human(s.pick(humanCreators))
	recent := func() { active(u, s.ago(0, 30*day)) }
	idle := func() {
		login := s.ago(91*day, 720*day)
		u.lastLoginOn = login.Unix()
		u.lastActionOn = login.Add(time.Duration(s.rng.Int64N(int64(time.Hour)))).Unix()
		if s.rng.IntN(2) == 0 {
			u.lastAccessOn = u.lastActionOn
		} // else 0: older portals do not report lastAccessOn
	}
	sso := func(groups ...int) {
		u.createdBy = s.pick(ssoCreators)
		u.roles = []lm.Role{s.ssoRole()}
		u.groupIDs = groups
		active(u, s.ago(0, 14*day))
	}
	switch k {
	case kindRecent:
		recent()
	case kindRecentActionOnly:
		u.lastLoginOn = s.ago(120*day, 300*day).Unix()
		u.lastActionOn = s.ago(day, 20*day).Unix()
		u.lastAccessOn = u.lastActionOn
	case kindIdle:
		idle()
	case kindBorderline:
		active(u, s.ago(90*day-36*time.Hour, 90*day+36*time.Hour))
	case kindNeverLoggedIn:
		u.note = "invited, never logged in"
	case kindAPIActive, kindAPIIdle:
		u.apiOnly = true
		u.createdBy = "admin@example.com"
		u.username = strings.Replace(u.username, "@", ".api@", 1)
		u.note = "integration account"
		used := s.ago(0, 10*day)
		if k == kindAPIIdle {
			used = s.ago(100*day, 400*day)
		}
		u.tokens = []token{{accessID: s.accessID(), enabled: true, lastUsedOn: used.Unix(), createdOn: s.ago(400*day, 800*day).Unix()}}
		if s.rng.IntN(2) == 0 {
			u.tokens = append(u.tokens, token{accessID: s.accessID(), enabled: k == kindAPIActive, createdOn: s.ago(400*day, 800*day).Unix()})
		}
		if k == kindAPIActive {
			u.lastActionOn = used.Unix()
		}
	case kindSuspendedInGroup, kindSuspendedOutside:
		idle()
		u.status = lm.StatusSuspended
		if k == kindSuspendedInGroup && s.suspended {
			u.groupIDs = []int{s.gSuspended}
		}
	case kindSSOEmpty:
		sso()
	case kindSSOUngrouped:
		sso(s.gUngrouped)
	case kindLocalUngrouped:
		recent()
		u.groupIDs = []int{s.gUngrouped}
	case kindDeletedGroup:
		recent()
		u.groupIDs = []int{s.gDeleted[s.rng.IntN(len(s.gDeleted))]}
		if id%2 == 0 { // a kept group next to the dead one
			u.groupIDs = append([]int{s.gViewers}, u.groupIDs...)
		}
	case kindReactivated:
		active(u, s.ago(0, 7*day))
		if s.suspended {
			u.groupIDs = []int{s.gSuspended}
			u.note = "reactivated by hand"
		}
	case kindAdmin:
		recent()
		u.roles, u.groupIDs = []lm.Role{s.roleAdmin}, []int{s.gAdmin}
	case kindMultiRole:
		recent()
		u.roles = []lm.Role{s.roleNetops, s.roleManager}
		u.groupIDs = []int{s.gNetOps, s.gManagers}
	case kindSSOMultiRole:
		sso()
		u.roles = []lm.Role{s.roleNetops, s.roleRead}
	case kindMillisRecent:
		recent()
		toMillis(u)
	case kindMillisIdle:
		idle()
		toMillis(u)
	}
	return u
}

func toMillis(u *user) {
	u.lastLoginOn *= 1000
	u.lastActionOn *= 1000
	u.lastAccessOn *= 1000
}

const accessIDChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (s *sample) accessID() string {
	b := make([]byte, 20)
	for i := range b {
		b[i] = accessIDChars[s.rng.IntN(len(accessIDChars))]
	}
	return string(b)
}

func (s *sample) tokenOwner(accessID string) *user {
	used := s.now.Add(-time.Hour).Unix()
	return &user{
		username: SampleTokenUser, firstName: "Hygiene", lastName: "Robot",
		status: lm.StatusActive, apiOnly: true, createdBy: "admin@example.com",
		note:  "API token for lm-user-hygiene",
		roles: []lm.Role{s.roleAdmin}, groupIDs: []int{s.gAdmin},
		lastActionOn: used,
		tokens: []token{{
			accessID: accessID, enabled: true, lastUsedOn: used,
			createdOn: s.now.Add(-200 * day).Unix(),
		}},
	}
}

func (s *sample) breakGlass() *user {
	u := &user{
		username: SampleBreakGlassUser, firstName: "Break", lastName: "Glass",
		status: lm.StatusActive, createdBy: "LogicMonitor",
		note:  "emergency access; keep active",
		roles: []lm.Role{s.roleAdmin}, groupIDs: []int{s.gAdmin},
	}
	active(u, s.now.Add(-200*day))
	return u
}

func (s *sample) futureUser() *user {
	u := &user{
		username: SampleFutureUser, firstName: "Clock", lastName: "Skew",
		status: lm.StatusActive, createdBy: "admin@example.com",
		roles: []lm.Role{s.roleRead}, groupIDs: []int{s.gViewers},
	}
	active(u, s.now.Add(30*day))
	return u
}
