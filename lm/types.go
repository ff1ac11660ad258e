package lm

import (
	"cmp"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// User status values, as the API spells them.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Role is a LogicMonitor role, reduced to what the hygiene steps need.
type Role struct {
	ID   int
	Name string
	// Privileges are what the role may do, as the role list gives them; nil
	// when the portal did not say (and always in a user's own role
	// references, which are read for their id and name only).
	Privileges []Privilege
}

// Privilege is one right of a role (the swagger's Privilege): an operation
// ("read", "write") on an object of a type, e.g. objectType "setting" with
// objectId "*" (every setting) or "useraccess.*" (users, groups and roles).
type Privilege struct {
	ObjectType string
	ObjectID   string
	Operation  string
}

// Group is a LogicMonitor user group ("admin group" in the API).
type Group struct {
	ID   int
	Name string
}

// APIToken is one API token of a user.
type APIToken struct {
	// AccessID is empty for a bearer token (the portal answers null).
	AccessID string
	// Enabled is the API's status 2; 1 means disabled.
	Enabled bool
	// LastUsedOn is the raw epoch the API returned (0 = never); see Epoch.
	LastUsedOn int64
}

// NoID is the ID of a user whose id could not be read (it is unreadable):
// every whole number from 0 up is a usable id.
const NoID = -1

// User is a LogicMonitor user ("admin" in the API), reduced to the fields the
// hygiene steps read. Timestamps are the raw epochs the API returned, because
// their unit is not documented; Epoch turns them into times.
type User struct {
	ID           int
	Username     string
	Status       string
	APIOnly      bool
	CreatedBy    string
	Roles        []Role
	GroupIDs     []int
	LastLoginOn  int64
	LastActionOn int64
	LastAccessOn int64
	APITokens    []APIToken
	// Note is the user's free-text note, where admins put exemption tags.
	Note string
	// Email is where the portal mails the user; the notice of an upcoming
	// suspension carries it. Empty when the portal gave none (or not as
	// text): no rule decides on it.
	Email string
	// Unreadable says why the user could not be read with confidence (the
	// field and what it held); empty when it could. Every step leaves an
	// unreadable user alone and counts it.
	Unreadable string
}

// UserUpdate is the complete desired state of the fields a hygiene change
// writes. It is sent as one PATCH with the user's current roles.
type UserUpdate struct {
	ID       int
	Status   string
	GroupIDs []int
	// RoleIDs are the user's roles as read (User.RoleIDs); nil or empty
	// (roles unknown) refuses the update without sending it.
	RoleIDs []int
	// Before are the user's groups as read, so that an answer holding
	// both these and the desired groups is known as merged.
	Before []int
}

// UserFields are the fields the client asks for when it lists users.
var UserFields = []string{
	"id", "username", "status", "apionly", "createdBy", "roles", "adminGroupIds",
	"lastLoginOn", "lastActionOn", "lastAccessOn", "apiTokens", "note", "email",
}

// millisThreshold separates seconds from milliseconds: as seconds it is the
// year 5138, as milliseconds March 1973.
const millisThreshold = 100_000_000_000

// Epoch converts an API timestamp to a time. The API documents "epoch format"
// without a unit; values above 100,000,000,000 are taken as milliseconds and
// the rest as seconds. Zero (never) and negative values give the zero time.
func Epoch(v int64) time.Time {
	switch {
	case v <= 0:
		return time.Time{}
	case v > millisThreshold:
		return time.UnixMilli(v).UTC()
	default:
		return time.Unix(v, 0).UTC()
	}
}

// SameName reports whether two user, role or group names are the same: the
// portal treats them case-insensitively.
func SameName(a, b string) bool { return strings.EqualFold(a, b) }

// CompareNames orders names as people read them, case-insensitively: it is
// strings.Compare(strings.ToLower(a), strings.ToLower(b))
// without building either string: a sort of 50,000 users compares about
// 800,000 times. ToLower maps rune by rune and turns invalid bytes into
// U+FFFD, as ranging over a string does, and UTF-8 orders bytes as it
// orders code points, so comparing the lowered runes gives the same order.
func CompareNames(a, b string) int {
	for a != "" && b != "" {
		ra, na := lowerRune(a)
		rb, nb := lowerRune(b)
		if ra != rb {
			return cmp.Compare(ra, rb)
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// lowerRune is the first rune of s as strings.ToLower maps it, and its width.
func lowerRune(s string) (rune, int) {
	if c := s[0]; c < utf8.RuneSelf {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		return rune(c), 1
	}
	r, n := utf8.DecodeRuneInString(s)
	return unicode.ToLower(r), n
}

// HasRole reports whether u holds a role named name.
func (u User) HasRole(name string) bool { return RoleNamed(u.Roles, name) }

// HasToken reports whether one of u's API tokens has the access id; an
// empty id (a bearer token) is no one's.
func (u *User) HasToken(accessID string) bool {
	if accessID == "" {
		return false
	}
	for _, t := range u.APITokens {
		if t.AccessID == accessID {
			return true
		}
	}
	return false
}

// RoleNamed reports whether one of roles is named name.
func RoleNamed(roles []Role, name string) bool {
	for _, r := range roles {
		if SameName(r.Name, name) {
			return true
		}
	}
	return false
}

// RoleIDs returns the ids of u's roles, in the order the API gave them, or
// nil when its roles could not be read (UpdateUser then refuses to send).
func (u User) RoleIDs() []int {
	if u.Roles == nil {
		return nil
	}
	ids := make([]int, len(u.Roles))
	for i, r := range u.Roles {
		ids[i] = r.ID
	}
	return ids
}

// NameRoles names the role references that came without a name, from the
// portal's role list. A user holding a nameless reference whose id is not in
// roles is marked unreadable: which role it holds decides protection and
// grouping, and a guess could be wrong. Users already unreadable are left as
// they are.
func NameRoles(users []User, roles []Role) {
	var byID map[int]string
	for i := range users {
		u := &users[i]
		if u.Unreadable != "" {
			continue
		}
		for j := range u.Roles {
			r := &u.Roles[j]
			if r.Name != "" {
				continue
			}
			if byID == nil {
				byID = make(map[int]string, len(roles))
				for _, known := range roles {
					byID[known.ID] = known.Name
				}
			}
			name, ok := byID[r.ID]
			if !ok || name == "" {
				u.Unreadable = fmt.Sprintf("roles[%d].id %d names no role", j, r.ID)
				break
			}
			r.Name = name
		}
	}
}
