package assign

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

// ParseRoleGroups reads the --role-groups value: role=Group pairs separated
// by ';', e.g. "netops=Network Operations;readonly=Viewers". Each pair is split
// at its first '=', so a group name may itself contain '='. Keys come back
// lower-cased because roles compare case-insensitively. One trailing ';' is
// allowed so that a value assembled from a template may end with it.
func ParseRoleGroups(s string) (map[string]string, error) {
	out := map[string]string{}
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ";")
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	// The spelling each role was first given in, for a readable duplicate error.
	first := map[string]string{}
	for _, pair := range strings.Split(s, ";") {
		trimmed := strings.TrimSpace(pair)
		if trimmed == "" {
			return nil, fmt.Errorf("--role-groups: empty pair in %q: remove the extra ';'", s)
		}
		role, group, ok := strings.Cut(trimmed, "=")
		if !ok {
			return nil, fmt.Errorf("--role-groups: pair %q has no '=': write role=Group, pairs separated by ';'", trimmed)
		}
		role, group = strings.TrimSpace(role), strings.TrimSpace(group)
		if role == "" {
			return nil, fmt.Errorf("--role-groups: pair %q has no role before '=': write role=Group", trimmed)
		}
		if group == "" {
			return nil, fmt.Errorf("--role-groups: pair %q has no group after '=': write role=Group", trimmed)
		}
		key := strings.ToLower(role)
		if prev, seen := out[key]; seen {
			if !lm.SameName(prev, group) {
				return nil, fmt.Errorf("--role-groups: role %q is mapped twice, to %q and to %q: keep one pair per role", first[key], prev, group)
			}
			continue
		}
		out[key] = group
		first[key] = role
	}
	return out, nil
}

// Validate checks the options a person can get wrong. The error is one line
// that names the flag, so it can go to stderr as it is.
func (o Options) Validate() error {
	if o.Scope != ScopeSSO && o.Scope != ScopeAll {
		return fmt.Errorf("--assign-scope must be %q or %q, got %q", ScopeSSO, ScopeAll, o.Scope)
	}
	ungrouped, suspended := strings.TrimSpace(o.UngroupedGroup), strings.TrimSpace(o.SuspendedGroup)
	if ungrouped == "" {
		return errors.New("--ungrouped-group must not be empty: name the placeholder group, e.g. Ungrouped")
	}
	if suspended == "" {
		return errors.New("--suspended-group must not be empty: name the group of suspended users, e.g. Suspended")
	}
	// One group cannot mean both "no group yet" and "suspended": assign would
	// regroup the users suspend has just parked there.
	if lm.SameName(ungrouped, suspended) {
		return fmt.Errorf("--ungrouped-group and --suspended-group both name %q: they must be different groups", ungrouped)
	}
	if o.Activity != "" && o.Activity != suspend.ActivityAny && o.Activity != suspend.ActivityLogin {
		return fmt.Errorf("--activity must be %q or %q, not %q", suspend.ActivityAny, suspend.ActivityLogin, o.Activity)
	}
	return validateRoleGroups(o.RoleGroups)
}

// validateRoleGroups catches maps built without ParseRoleGroups.
func validateRoleGroups(m map[string]string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	byLower := map[string]string{}
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			return fmt.Errorf("--role-groups: a pair has no role (group %q): write role=Group", m[k])
		}
		if strings.TrimSpace(m[k]) == "" {
			return fmt.Errorf("--role-groups: role %q has no group: write role=Group", k)
		}
		low := strings.ToLower(strings.TrimSpace(k))
		if prev, seen := byLower[low]; seen && !lm.SameName(m[prev], m[k]) {
			return fmt.Errorf("--role-groups: role %q is mapped twice, to %q and to %q: keep one pair per role", k, m[prev], m[k])
		}
		byLower[low] = k
	}
	return nil
}

// MarshalJSON is the options' one wire form, as the json output, the
// configsource output and the journal's policy digest show them: the fields
// a person sets, the role map empty rather than null.
func (o Options) MarshalJSON() ([]byte, error) {
	type plain Options
	p := plain(o)
	if p.RoleGroups == nil {
		p.RoleGroups = map[string]string{}
	}
	return json.Marshal(p)
}
