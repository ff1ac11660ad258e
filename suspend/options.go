package suspend

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// maxInactiveDays keeps the cutoff arithmetic far from time.Duration's
// overflow (about 292 years).
const maxInactiveDays = 36500

// Validate reports the first setting that cannot be used, as a one-line
// message naming its flag.
func (o Options) Validate() error {
	switch {
	case o.InactiveDays < 1:
		return errors.New("--inactive-days must be at least 1")
	case o.InactiveDays > maxInactiveDays:
		return fmt.Errorf("--inactive-days must be at most %d", maxInactiveDays)
	case o.Activity != ActivityAny && o.Activity != ActivityLogin:
		return fmt.Errorf("--activity must be %q or %q, not %q", ActivityAny, ActivityLogin, o.Activity)
	case o.NeverLoggedIn != NeverLoggedInFirstSeen && o.NeverLoggedIn != NeverLoggedInSkip && o.NeverLoggedIn != NeverLoggedInSuspend:
		return fmt.Errorf("--never-logged-in must be %q, %q or %q, not %q",
			NeverLoggedInFirstSeen, NeverLoggedInSkip, NeverLoggedInSuspend, o.NeverLoggedIn)
	case o.WarnDays < 0:
		return errors.New("--warn-days must be 0 (off) or more")
	case o.WarnDays >= o.InactiveDays:
		// The notice would start before the user was idle at all.
		return fmt.Errorf("--warn-days (%d) must be less than --inactive-days (%d): lower it, or 0 to turn warnings off",
			o.WarnDays, o.InactiveDays)
	// Written as a negated range so that NaN is refused too.
	case !(o.MaxSuspendPercent >= 0 && o.MaxSuspendPercent <= 100):
		return fmt.Errorf("--max-suspend-percent must be between 0 and 100, not %g", o.MaxSuspendPercent)
	case o.MinAdmins < 0:
		return errors.New("--min-admins must be 0 or more")
	case o.MinAdmins > 0 && len(o.AdminRoles) == 0:
		// Otherwise the guard would silently count no administrators at all.
		return errors.New("--admin-roles must name at least one role when --min-admins is above 0")
	case strings.TrimSpace(o.SuspendedGroup) == "":
		return errors.New("--suspended-group must not be empty")
	}
	for _, p := range o.ProtectUsers {
		if !validGlob(p) {
			return fmt.Errorf("--protect-users pattern %q is not a valid glob (use *, ? and [...])", p)
		}
	}
	return nil
}

// ParseList splits a comma-separated flag value into its non-empty,
// space-trimmed items.
func ParseList(s string) []string {
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// MarshalJSON is the options' one wire form, as the json output, the
// configsource output and the journal's policy digest show them: the fields
// a person sets, lists empty rather than null.
func (o Options) MarshalJSON() ([]byte, error) {
	type plain Options
	p := plain(o)
	p.ProtectUsers, p.ProtectRoles, p.AdminRoles = nonNil(o.ProtectUsers), nonNil(o.ProtectRoles), nonNil(o.AdminRoles)
	return json.Marshal(p)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
