package main

import (
	"strings"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/state"
	"lm-user-hygiene/suspend"
)

// policy validates the configuration and turns it into the run's policy.
// Every error is one line that names the flag and says what to fix.
func (c *Config) policy() (hygiene.Policy, error) {
	p := hygiene.Policy{Command: hygiene.Command(c.Command), Apply: c.Apply, MaxChanges: c.MaxChanges, TimeBudget: c.TimeBudget}
	if at, ok := c.asOf(); ok {
		p.AsOf = at
	}
	if c.MaxChanges < 0 {
		return p, usagef("--max-changes must be 0 or more, not %d", c.MaxChanges)
	}
	if c.TimeBudget <= 0 {
		return p, usagef("--time-budget must be more than 0, such as 90s")
	}
	switch {
	case c.Demo:
	case c.Command == cmdHistory:
		// history reads only the state file: the portal's address names
		// it (--state auto), no credential is needed.
		if err := c.checkPortal(historyNeedsPortal(c.State)); err != nil {
			return p, err
		}
	default:
		if err := c.checkConnection(); err != nil {
			return p, err
		}
	}
	p.Suspend = suspend.Options{
		InactiveDays:      c.InactiveDays,
		Activity:          c.Activity,
		SuspendedGroup:    strings.TrimSpace(c.SuspendedGroup),
		ProtectUsers:      suspend.ParseList(c.ProtectUsers),
		ProtectRoles:      suspend.ParseList(c.ProtectRoles),
		MinAdmins:         c.MinAdmins,
		AdminRoles:        suspend.ParseList(c.AdminRoles),
		IncludeAPIUsers:   c.IncludeAPIUsers,
		NeverLoggedIn:     c.NeverLoggedInMode,
		WarnDays:          c.WarnDays,
		MaxSuspendPercent: c.MaxSuspendPercent,
		TokenAccessID:     c.AccessID,
	}
	if err := p.Suspend.Validate(); err != nil {
		return p, &usageError{msg: err.Error()}
	}
	roleGroups, err := assign.ParseRoleGroups(c.RoleGroups)
	if err != nil {
		return p, &usageError{msg: err.Error()}
	}
	p.Assign = assign.Options{
		RoleGroups:     roleGroups,
		Scope:          c.AssignScope,
		UngroupedGroup: strings.TrimSpace(c.UngroupedGroup),
		SuspendedGroup: p.Suspend.SuspendedGroup,
		CreateGroups:   c.CreateGroups,
		SSOCreatedBy:   c.ssoCreatedByRegexp(),
	}
	if err := p.Assign.Validate(); err != nil {
		return p, &usageError{msg: err.Error()}
	}
	return p, nil
}

// checkConnection checks the portal address and the credentials, and turns
// --account into the base URL.
func (c *Config) checkConnection() error {
	if err := c.checkPortal(true); err != nil {
		return err
	}
	lmv1 := c.AccessID != "" || c.AccessKey != ""
	switch {
	case lmv1 && c.BearerToken != "":
		return usagef("set an LMv1 token (--access-id, --access-key) or --bearer-token, not both")
	case lmv1 && (c.AccessID == "" || c.AccessKey == ""):
		return usagef("an LMv1 token needs both --access-id (LM_ACCESS_ID) and --access-key (LM_ACCESS_KEY)")
	case !lmv1 && c.BearerToken == "":
		return usagef("no credentials: set --access-id and --access-key (LM_ACCESS_ID, LM_ACCESS_KEY), or --bearer-token (LM_BEARER_TOKEN)")
	}
	return nil
}

// historyNeedsPortal reports whether history needs the portal's address:
// only --state auto names the file after the portal.
func historyNeedsPortal(setting string) bool {
	s := strings.TrimSpace(setting)
	return s == "" || strings.EqualFold(s, state.SettingAuto)
}

// checkPortal checks the portal address and turns --account into the base
// URL; required says that one must be given.
func (c *Config) checkPortal(required bool) error {
	switch {
	case c.Account == "" && c.BaseURL == "" && !required:
		return nil
	case c.Account != "" && c.BaseURL != "":
		return usagef("set --account (LM_ACCOUNT) or --base-url (LM_BASE_URL), not both")
	case c.Account == "" && c.BaseURL == "":
		return usagef("no portal: set --account (LM_ACCOUNT) to the portal name, or --base-url (LM_BASE_URL)")
	case c.Account != "":
		u, err := lm.AccountBaseURL(c.Account)
		if err != nil {
			return &usageError{msg: err.Error()}
		}
		c.BaseURL = u
	default:
		u, err := lm.ParseBaseURL(c.BaseURL)
		if err != nil {
			return &usageError{msg: err.Error()}
		}
		c.BaseURL = u
	}
	return nil
}
