package suspend

import "lm-user-hygiene/lm"

// Finding is a setting that names something the portal does not have. The
// run goes on (a name that matches nothing never makes the tool act on a user
// it would otherwise leave alone); the run warns once per finding, check
// lists it, and config_warnings counts it.
type Finding struct {
	Setting string // the flag, e.g. "--protect-users"
	Entry   string // the entry as the setting gives it
	Problem string // what is wrong
	Fix     string // what to do
}

// SettingFindings checks the suspend settings that name users and roles
// against what the run read: a --protect-users entry that matches no user
// (neither exactly nor as a glob), a --protect-roles or --admin-roles name
// that is no role. roles is the portal's role list; nil means it was not
// read, and then role names are not checked. An entry repeated in a setting
// is reported once. The findings follow the order of the settings.
func SettingFindings(users []lm.User, roles []lm.Role, opts Options) []Finding {
	var out []Finding
	entries := distinct(opts.ProtectUsers)
	matched := make([]bool, len(entries))
	left := len(entries)
	for i := 0; i < len(users) && left > 0; i++ {
		for j, e := range entries {
			if !matched[j] && MatchEntry(e, users[i].Username) {
				matched[j] = true
				left--
			}
		}
	}
	for j, e := range entries {
		if !matched[j] {
			out = append(out, Finding{
				Setting: "--protect-users",
				Entry:   e,
				Problem: "matches no user, neither as a username nor as a glob, so it protects no one",
				Fix:     "correct it to the account's username as the portal spells it, or remove it",
			})
		}
	}
	if roles == nil {
		return out
	}
	for _, s := range []struct {
		flag  string
		names []string
		fix   string
	}{
		{"--protect-roles", opts.ProtectRoles, "correct it to a role name from the portal's roles, or remove it"},
		{"--admin-roles", opts.AdminRoles, "correct it to a role name from the portal's roles, so that --min-admins counts its holders"},
	} {
		for _, name := range distinct(s.names) {
			if !lm.RoleNamed(roles, name) {
				out = append(out, Finding{Setting: s.flag, Entry: name, Problem: "is no role in the portal", Fix: s.fix})
			}
		}
	}
	return out
}

// distinct drops entries that repeat an earlier one (case-insensitively).
func distinct(entries []string) []string {
	var out []string
	for _, e := range entries {
		seen := false
		for _, o := range out {
			seen = seen || lm.SameName(o, e)
		}
		if !seen {
			out = append(out, e)
		}
	}
	return out
}
