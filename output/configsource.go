package output

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
)

// writeConfigsource prints a java-properties snapshot of the user directory and
// the policy in force: the portal's state after the run, with nothing that
// changes without a real change. It prints nothing when the portal could not
// be read, so the portal reports a failed collection rather than a false diff.
func writeConfigsource(w io.Writer, r *hygiene.Report) error {
	if !r.Read {
		return nil
	}
	var b strings.Builder
	b.WriteString("# lm-user-hygiene: users, their status, groups and roles, and the policy in force\n")
	prop := func(k, v string) {
		b.WriteString(propertyKey(k))
		b.WriteByte('=')
		b.WriteString(PropertyValue(v))
		b.WriteByte('\n')
	}
	if err := policyProperties(r.Policy, prop); err != nil {
		return err
	}

	groupName := map[int]string{}
	for _, g := range finalGroups(r) {
		groupName[g.ID] = g.Name
	}
	users := finalUsers(r)
	// By username as bytes, not lm.CompareUsers: the properties are sorted
	// text, so the portal's line diff of two snapshots is the audit.
	sort.Slice(users, func(i, j int) bool {
		if users[i].Username != users[j].Username {
			return users[i].Username < users[j].Username
		}
		return users[i].ID < users[j].ID
	})
	for _, u := range users {
		key := "user." + u.Username
		prop(key+".status", u.Status)
		groups := make([]string, 0, len(u.GroupIDs))
		for _, id := range u.GroupIDs {
			if name, ok := groupName[id]; ok {
				groups = append(groups, name)
			} else {
				groups = append(groups, fmt.Sprintf("(missing group %d)", id))
			}
		}
		sort.Strings(groups)
		prop(key+".groups", joinNames(groups))
		roles := make([]string, 0, len(u.Roles))
		for _, ro := range u.Roles {
			roles = append(roles, ro.Name)
		}
		sort.Strings(roles)
		prop(key+".roles", joinNames(roles))
		if u.APIOnly {
			prop(key+".api_only", "true")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// nameEscaper keeps a comma-separated list of names unambiguous: a comma or
// a backslash inside a name is preceded by a backslash ("Ops, EU" and
// "Viewers" give "Ops\, EU,Viewers").
var nameEscaper = strings.NewReplacer(`\`, `\\`, `,`, `\,`)

// joinNames joins names with commas, escaping commas and backslashes in them.
func joinNames(names []string) string {
	escaped := make([]string, len(names))
	for i, n := range names {
		escaped[i] = nameEscaper.Replace(n)
	}
	return strings.Join(escaped, ",")
}

// propertyKey escapes a java-properties key: separators, comment starts,
// white space and line breaks are backslash-escaped so any username is one
// unambiguous key.
func propertyKey(s string) string { return escapeProperty(s, true) }

// PropertyValue escapes a java-properties value.
func PropertyValue(s string) string { return escapeProperty(s, false) }

func escapeProperty(s string, key bool) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == ' ' && (key || i == 0):
			b.WriteString(`\ `)
		case key && (r == '=' || r == ':'):
			b.WriteByte('\\')
			b.WriteRune(r)
		case (r == '#' || r == '!') && (key || i == 0):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff {
				for _, u := range utf16Units(r) {
					fmt.Fprintf(&b, `\u%04x`, u)
				}
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// utf16Units splits a rune beyond the basic plane into its surrogate pair.
func utf16Units(r rune) [2]rune {
	r -= 0x10000
	return [2]rune{0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff}
}

// finalUsers is the portal's users as they stand after the run: the users
// read, with each applied change's answer in place.
func finalUsers(r *hygiene.Report) []lm.User {
	out := append([]lm.User(nil), r.Users...)
	index := make(map[int]int, len(out))
	for i, u := range out {
		index[u.ID] = i
	}
	for _, c := range r.Changes {
		// After is the portal's answer: the change applied, or a mismatch.
		if c.After != nil {
			if i, ok := index[c.User.ID]; ok {
				out[i] = *c.After
			}
		}
	}
	return out
}

// finalGroups is the portal's groups after the run.
func finalGroups(r *hygiene.Report) []lm.Group {
	out := append([]lm.Group(nil), r.Groups...)
	for _, g := range r.GroupsCreated {
		exists := false
		for _, h := range out {
			if h.ID == g.ID {
				exists = true
			}
		}
		if !exists {
			out = append(out, g)
		}
	}
	return out
}
