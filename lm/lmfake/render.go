package lmfake

import (
	"strconv"
	"unicode/utf8"
)

// kind is the JSON type of a field, which decides how filter values compare.
type kind int

const (
	kindInt kind = iota
	kindString
	kindBool
	kindIntList
	kindStringList
	kindObject // not filterable (apiTokens, privileges)
)

// field describes one JSON property of a resource: how to write it and, for
// filter and sort, its value. One table per resource serves full objects,
// `fields` projections and filters alike, and writes JSON straight into a
// buffer so that 1000-user pages stay cheap.
type field[T any] struct {
	name  string
	kind  kind
	write func(b []byte, x T) []byte
	value func(x T) any // int64, string, bool, []int64 or []string by kind
}

var userFields = []field[*user]{
	{"id", kindInt, func(b []byte, u *user) []byte { return strconv.AppendInt(b, int64(u.id), 10) }, func(u *user) any { return int64(u.id) }},
	{"username", kindString, func(b []byte, u *user) []byte { return appendString(b, u.username) }, func(u *user) any { return u.username }},
	{"email", kindString, func(b []byte, u *user) []byte { return appendString(b, u.email) }, func(u *user) any { return u.email }},
	{"firstName", kindString, func(b []byte, u *user) []byte { return appendString(b, u.firstName) }, func(u *user) any { return u.firstName }},
	{"lastName", kindString, func(b []byte, u *user) []byte { return appendString(b, u.lastName) }, func(u *user) any { return u.lastName }},
	{"status", kindString, func(b []byte, u *user) []byte { return appendString(b, u.status) }, func(u *user) any { return u.status }},
	{"apionly", kindBool, func(b []byte, u *user) []byte { return strconv.AppendBool(b, u.apiOnly) }, func(u *user) any { return u.apiOnly }},
	{"createdBy", kindString, func(b []byte, u *user) []byte { return appendString(b, u.createdBy) }, func(u *user) any { return u.createdBy }},
	{"roles", kindStringList, appendUserRoles, func(u *user) any {
		names := make([]string, len(u.roles))
		for i, r := range u.roles {
			names[i] = r.Name
		}
		return names
	}},
	{"adminGroupIds", kindIntList, func(b []byte, u *user) []byte { return appendInts(b, u.groupIDs) }, func(u *user) any {
		ids := make([]int64, len(u.groupIDs))
		for i, id := range u.groupIDs {
			ids[i] = int64(id)
		}
		return ids
	}},
	{"lastLoginOn", kindInt, func(b []byte, u *user) []byte { return strconv.AppendInt(b, u.lastLoginOn, 10) }, func(u *user) any { return u.lastLoginOn }},
	{"lastActionOn", kindInt, func(b []byte, u *user) []byte { return strconv.AppendInt(b, u.lastActionOn, 10) }, func(u *user) any { return u.lastActionOn }},
	{"lastAccessOn", kindInt, func(b []byte, u *user) []byte { return strconv.AppendInt(b, u.lastAccessOn, 10) }, func(u *user) any { return u.lastAccessOn }},
	{"apiTokens", kindObject, appendTokens, nil},
	{"note", kindString, func(b []byte, u *user) []byte { return appendString(b, u.note) }, func(u *user) any { return u.note }},
}

// topLevelUserFields are the user fields a thin projection keeps: those that
// are not lists (Config.ThinProjection).
var topLevelUserFields = func() []field[*user] {
	var out []field[*user]
	for _, f := range userFields {
		if f.kind != kindIntList && f.kind != kindStringList && f.kind != kindObject {
			out = append(out, f)
		}
	}
	return out
}()

// appendUserRoles writes a user's roles. The swagger's Role requires name and
// privileges, so the embedded roles carry an empty privilege list.
func appendUserRoles(b []byte, u *user) []byte {
	b = append(b, '[')
	for i, r := range u.roles {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, int64(r.ID), 10)
		b = append(b, `,"name":`...)
		b = appendString(b, r.Name)
		b = append(b, `,"privileges":[]}`...)
	}
	return append(b, ']')
}

func appendTokens(b []byte, u *user) []byte {
	b = append(b, '[')
	for i, t := range u.tokens {
		if i > 0 {
			b = append(b, ',')
		}
		status := int64(1)
		if t.enabled {
			status = 2
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, int64(t.id), 10)
		b = append(b, `,"accessId":`...)
		b = appendString(b, t.accessID)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, status, 10)
		b = append(b, `,"lastUsedOn":`...)
		b = strconv.AppendInt(b, t.lastUsedOn, 10)
		b = append(b, `,"createdOn":`...)
		b = strconv.AppendInt(b, t.createdOn, 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

var groupFields = []field[*group]{
	{"id", kindInt, func(b []byte, g *group) []byte { return strconv.AppendInt(b, int64(g.id), 10) }, func(g *group) any { return int64(g.id) }},
	{"name", kindString, func(b []byte, g *group) []byte { return appendString(b, g.name) }, func(g *group) any { return g.name }},
	{"description", kindString, func(b []byte, g *group) []byte { return appendString(b, g.description) }, func(g *group) any { return g.description }},
	{"parentId", kindInt, func(b []byte, g *group) []byte { return strconv.AppendInt(b, int64(g.parentID), 10) }, func(g *group) any { return int64(g.parentID) }},
	{"createdOn", kindInt, func(b []byte, g *group) []byte { return strconv.AppendInt(b, g.createdOn, 10) }, func(g *group) any { return g.createdOn }},
	{"updatedOn", kindInt, func(b []byte, g *group) []byte { return strconv.AppendInt(b, g.updatedOn, 10) }, func(g *group) any { return g.updatedOn }},
}

// roleView is a role with its user count, which is computed per request.
type roleView struct {
	*role
	users int
}

var roleFields = []field[roleView]{
	{"id", kindInt, func(b []byte, r roleView) []byte { return strconv.AppendInt(b, int64(r.id), 10) }, func(r roleView) any { return int64(r.id) }},
	{"name", kindString, func(b []byte, r roleView) []byte { return appendString(b, r.name) }, func(r roleView) any { return r.name }},
	{"description", kindString, func(b []byte, r roleView) []byte { return appendString(b, r.description) }, func(r roleView) any { return r.description }},
	{"associatedUserCount", kindInt, func(b []byte, r roleView) []byte { return strconv.AppendInt(b, int64(r.users), 10) }, func(r roleView) any { return int64(r.users) }},
	{"privileges", kindObject, appendPrivileges, nil},
}

// appendPrivileges writes a role's privileges as the swagger's Privilege
// (objectName is read-only: the portal names the object).
func appendPrivileges(b []byte, r roleView) []byte {
	b = append(b, '[')
	for i, pv := range r.privileges {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"objectType":`...)
		b = appendString(b, pv.ObjectType)
		b = append(b, `,"objectId":`...)
		b = appendString(b, pv.ObjectID)
		b = append(b, `,"objectName":`...)
		b = appendString(b, pv.ObjectID)
		b = append(b, `,"operation":`...)
		b = appendString(b, pv.Operation)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendObject writes x as a JSON object with the selected fields; a user
// whose fields were overridden (OverrideUserField) is written as set there.
func appendObject[T any](b []byte, x T, sel []field[T]) []byte {
	o, _ := any(x).(*user)
	b = append(b, '{')
	first := true
	for _, f := range sel {
		raw, set := o.override(f.name)
		if set && raw == "" {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, f.name)
		b = append(b, ':')
		if set {
			b = append(b, raw...)
		} else {
			b = f.write(b, x)
		}
	}
	if o != nil {
		// Every user answer carries the masked password, asked for or not.
		if !first {
			b = append(b, ',')
		}
		b = append(b, `"password":`...)
		b = appendString(b, MaskedPassword)
	}
	return append(b, '}')
}

func appendInts(b []byte, ids []int) []byte {
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	return append(b, ']')
}

// appendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
