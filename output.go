package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/suspend"
)

// runStats are the figures of a run that vary from run to run.
type runStats struct {
	requests, retries int64
	duration          time.Duration
}

// datasourceKeys are the datasource output's keys, in their fixed order. The
// DataSource definition in dist/logicmodules has one datapoint per key.
var datasourceKeys = []string{
	"run_success",
	"dry_run",
	"breaker_tripped",
	"users_total",
	"users_active",
	"users_suspended",
	"users_api_only",
	"inactive_found",
	"suspend_planned",
	"suspend_applied",
	"move_planned",
	"move_applied",
	"assign_planned",
	"assign_applied",
	"groups_created",
	"unmapped",
	"protected_skipped",
	"never_logged_in",
	"future_activity",
	"pending",
	"errors",
	"api_requests",
	"api_retries",
	"duration_seconds",
}

// counts computes every datasource value. Counts a run did not reach are 0.
func (r *report) counts(st runStats) map[string]string {
	n := map[string]int{}
	if r.read {
		n["users_total"] = len(r.users)
		for _, u := range r.users {
			switch {
			case u.Status == lm.StatusActive:
				n["users_active"]++
			case u.Status == lm.StatusSuspended:
				n["users_suspended"]++
			}
			if u.APIOnly {
				n["users_api_only"]++
			}
		}
	}
	if sp := r.suspendPlan; sp != nil {
		n["inactive_found"] = sp.InactiveFound
		for _, d := range sp.Decisions {
			switch d.Outcome {
			case suspend.OutcomeProtectedUser, suspend.OutcomeProtectedRole, suspend.OutcomeTokenOwner, suspend.OutcomeAdminGuard:
				if inactiveAt(d, sp.Cutoff) {
					n["protected_skipped"]++
				}
			case suspend.OutcomeFutureActivity:
				n["future_activity"]++
			case suspend.OutcomeNeverLoggedIn:
				n["never_logged_in"]++
			case suspend.OutcomeInactive:
				if d.LastActive.IsZero() {
					n["never_logged_in"]++
				}
			}
		}
		if sp.Tripped {
			n["breaker_tripped"] = 1
		}
	}
	if ap := r.assignPlan; ap != nil {
		n["unmapped"] = ap.Unmapped
	}
	for _, c := range r.changes {
		n[c.kind+"_planned"]++
		switch c.result {
		case resultApplied:
			n[c.kind+"_applied"]++
		case resultFailed:
			n["errors"]++
		case resultPending:
			n["pending"]++
		}
	}
	// A regroup is reported as assign_*.
	n["assign_planned"], n["assign_applied"] = n["regroup_planned"], n["regroup_applied"]
	n["groups_created"] = len(r.groupsCreated)
	n["errors"] += len(r.groupsFailed)
	if r.failure == nil {
		n["run_success"] = 1
	}
	if !r.policy.apply {
		n["dry_run"] = 1
	}

	out := make(map[string]string, len(datasourceKeys))
	for _, k := range datasourceKeys {
		out[k] = strconv.Itoa(n[k])
	}
	out["api_requests"] = strconv.FormatInt(st.requests, 10)
	out["api_retries"] = strconv.FormatInt(st.retries, 10)
	out["duration_seconds"] = strconv.FormatFloat(st.duration.Seconds(), 'f', 3, 64)
	return out
}

// inactiveAt reports whether a protected user would have been suspended for
// inactivity had it not been protected.
func inactiveAt(d suspend.Decision, cutoff time.Time) bool {
	return d.LastActive.IsZero() || d.LastActive.Before(cutoff)
}

// writeDatasource prints the key=value lines, always all of them, in order.
func writeDatasource(w io.Writer, r *report, st runStats) error {
	values := r.counts(st)
	var b strings.Builder
	for _, k := range datasourceKeys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(values[k])
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeConfigsource prints a java-properties snapshot of the user directory and
// the policy in force: the portal's state after the run, with nothing that
// changes without a real change. It prints nothing when the portal could not
// be read, so the portal reports a failed collection rather than a false diff.
func writeConfigsource(w io.Writer, r *report) error {
	if !r.read {
		return nil
	}
	p := r.policy
	var b strings.Builder
	b.WriteString("# lm-user-hygiene: users, their status, groups and roles, and the policy in force\n")
	prop := func(k, v string) {
		b.WriteString(propertyKey(k))
		b.WriteByte('=')
		b.WriteString(propertyValue(v))
		b.WriteByte('\n')
	}
	prop("policy.apply", strconv.FormatBool(p.apply))
	prop("policy.command", p.command)
	prop("policy.max_changes", strconv.Itoa(p.maxChanges))
	if p.runsSuspend() {
		s := p.suspend
		prop("policy.suspend.inactive_days", strconv.Itoa(s.InactiveDays))
		prop("policy.suspend.activity", s.Activity)
		prop("policy.suspend.suspended_group", s.SuspendedGroup)
		prop("policy.suspend.protect_users", joinNames(s.ProtectUsers))
		prop("policy.suspend.protect_roles", joinNames(s.ProtectRoles))
		prop("policy.suspend.min_admins", strconv.Itoa(s.MinAdmins))
		prop("policy.suspend.admin_roles", joinNames(s.AdminRoles))
		prop("policy.suspend.include_api_users", strconv.FormatBool(s.IncludeAPIUsers))
		prop("policy.suspend.never_logged_in", s.NeverLoggedIn)
		prop("policy.suspend.max_suspend_percent", strconv.FormatFloat(s.MaxSuspendPercent, 'g', -1, 64))
	}
	if p.runsAssign() {
		a := p.assign
		prop("policy.assign.role_groups", formatRoleGroups(a.RoleGroups))
		prop("policy.assign.scope", a.Scope)
		prop("policy.assign.ungrouped_group", a.UngroupedGroup)
		prop("policy.assign.create_groups", strconv.FormatBool(a.CreateGroups))
	}

	groupName := map[int]string{}
	for _, g := range r.finalGroups() {
		groupName[g.ID] = g.Name
	}
	users := r.finalUsers()
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

// formatRoleGroups prints a role-to-group map sorted by role, in the syntax of
// --role-groups.
func formatRoleGroups(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ";")
}

// propertyKey escapes a java-properties key: separators, comment starts,
// white space and line breaks are backslash-escaped so any username is one
// unambiguous key.
func propertyKey(s string) string { return escapeProperty(s, true) }

// propertyValue escapes a java-properties value.
func propertyValue(s string) string { return escapeProperty(s, false) }

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

// jsonReport is the json output: the full plan and result.
type jsonReport struct {
	Success  bool                   `json:"success"`
	Error    string                 `json:"error,omitempty"`
	DryRun   bool                   `json:"dry_run"`
	Command  string                 `json:"command"`
	Counts   map[string]json.Number `json:"counts"`
	Policy   jsonPolicy             `json:"policy"`
	Cutoff   string                 `json:"cutoff,omitempty"`
	Groups   jsonGroups             `json:"groups"`
	Users    []jsonUser             `json:"users"`
	Breaker  *jsonBreaker           `json:"breaker,omitempty"`
	Duration float64                `json:"duration_seconds"`
}

type jsonPolicy struct {
	Apply      bool           `json:"apply"`
	MaxChanges int            `json:"max_changes"`
	TimeBudget string         `json:"time_budget"`
	Suspend    *jsonSuspendOp `json:"suspend,omitempty"`
	Assign     *jsonAssignOp  `json:"assign,omitempty"`
}

type jsonSuspendOp struct {
	InactiveDays      int      `json:"inactive_days"`
	Activity          string   `json:"activity"`
	SuspendedGroup    string   `json:"suspended_group"`
	ProtectUsers      []string `json:"protect_users"`
	ProtectRoles      []string `json:"protect_roles"`
	MinAdmins         int      `json:"min_admins"`
	AdminRoles        []string `json:"admin_roles"`
	IncludeAPIUsers   bool     `json:"include_api_users"`
	NeverLoggedIn     string   `json:"never_logged_in"`
	MaxSuspendPercent float64  `json:"max_suspend_percent"`
}

type jsonAssignOp struct {
	RoleGroups     map[string]string `json:"role_groups"`
	Scope          string            `json:"scope"`
	UngroupedGroup string            `json:"ungrouped_group"`
	CreateGroups   bool              `json:"create_groups"`
}

// nonNil keeps empty lists as [] rather than null in the json output.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type jsonBreaker struct {
	Tripped       bool    `json:"tripped"`
	InactiveFound int     `json:"inactive_found"`
	Considered    int     `json:"considered"`
	MaxPercent    float64 `json:"max_percent"`
	Reason        string  `json:"reason,omitempty"`
}

type jsonGroups struct {
	Created []string `json:"created,omitempty"`
	Failed  []string `json:"failed,omitempty"`
	Planned []string `json:"planned,omitempty"`
}

type jsonUser struct {
	ID       int          `json:"id"`
	Username string       `json:"username"`
	Status   string       `json:"status"`
	Suspend  *jsonStep    `json:"suspend,omitempty"`
	Assign   *jsonStep    `json:"assign,omitempty"`
	Change   *jsonChange  `json:"change,omitempty"`
	After    *jsonUserNow `json:"after,omitempty"`
}

type jsonStep struct {
	Action     string   `json:"action"`
	Outcome    string   `json:"outcome"`
	Reason     string   `json:"reason"`
	Signal     string   `json:"signal,omitempty"`
	LastActive string   `json:"last_active,omitempty"`
	Unmapped   []string `json:"unmapped_roles,omitempty"`
}

type jsonChange struct {
	Kind      string   `json:"kind"`
	Result    string   `json:"result"`
	Status    string   `json:"status"`
	GroupIDs  []int    `json:"group_ids"`
	NewGroups []string `json:"new_groups,omitempty"`
	Error     string   `json:"error,omitempty"`
}

type jsonUserNow struct {
	Status   string `json:"status"`
	GroupIDs []int  `json:"group_ids"`
}

// writeJSON prints the full plan and result; on failure it still prints an
// object with the error.
func writeJSON(w io.Writer, r *report, st runStats) error {
	out := jsonReport{
		Success:  r.failure == nil,
		DryRun:   !r.policy.apply,
		Command:  r.policy.command,
		Counts:   map[string]json.Number{},
		Duration: st.duration.Seconds(),
		Users:    []jsonUser{},
	}
	for k, v := range r.counts(st) {
		out.Counts[k] = json.Number(v)
	}
	if r.failure != nil {
		out.Error = r.failure.Error()
	}
	p := r.policy
	out.Policy = jsonPolicy{Apply: p.apply, MaxChanges: p.maxChanges, TimeBudget: p.timeBudget.String()}
	if p.runsSuspend() {
		s := p.suspend
		out.Policy.Suspend = &jsonSuspendOp{InactiveDays: s.InactiveDays, Activity: s.Activity, SuspendedGroup: s.SuspendedGroup,
			ProtectUsers: nonNil(s.ProtectUsers), ProtectRoles: nonNil(s.ProtectRoles), MinAdmins: s.MinAdmins,
			AdminRoles: nonNil(s.AdminRoles), IncludeAPIUsers: s.IncludeAPIUsers, NeverLoggedIn: s.NeverLoggedIn,
			MaxSuspendPercent: s.MaxSuspendPercent}
	}
	if p.runsAssign() {
		a := p.assign
		rg := a.RoleGroups
		if rg == nil {
			rg = map[string]string{}
		}
		out.Policy.Assign = &jsonAssignOp{RoleGroups: rg, Scope: a.Scope, UngroupedGroup: a.UngroupedGroup, CreateGroups: a.CreateGroups}
	}
	for _, g := range r.groupsCreated {
		out.Groups.Created = append(out.Groups.Created, g.Name)
	}
	out.Groups.Failed, out.Groups.Planned = r.groupsFailed, r.groupsPlanned

	byID := map[int]*jsonUser{}
	entry := func(u *lm.User) *jsonUser {
		if e, ok := byID[u.ID]; ok {
			return e
		}
		e := &jsonUser{ID: u.ID, Username: u.Username, Status: u.Status}
		byID[u.ID] = e
		return e
	}
	if sp := r.suspendPlan; sp != nil {
		out.Cutoff = sp.Cutoff.UTC().Format(time.RFC3339)
		out.Breaker = &jsonBreaker{Tripped: sp.Tripped, InactiveFound: sp.InactiveFound, Considered: sp.Considered,
			MaxPercent: r.policy.suspend.MaxSuspendPercent, Reason: sp.TripReason}
		for _, d := range sp.Decisions {
			st := &jsonStep{Action: string(d.Action), Outcome: string(d.Outcome), Reason: d.Reason, Signal: d.Signal}
			if !d.LastActive.IsZero() {
				st.LastActive = d.LastActive.UTC().Format(time.RFC3339)
			}
			entry(d.User).Suspend = st
		}
	}
	if ap := r.assignPlan; ap != nil {
		for _, d := range ap.Decisions {
			entry(d.User).Assign = &jsonStep{Action: string(d.Action), Outcome: string(d.Outcome), Reason: d.Reason, Unmapped: d.UnmappedRoles}
		}
	}
	for _, c := range r.changes {
		e := entry(c.user)
		jc := &jsonChange{Kind: c.kind, Result: c.result, Status: c.status, GroupIDs: c.groupIDs, NewGroups: c.newGroups}
		if jc.GroupIDs == nil {
			jc.GroupIDs = []int{}
		}
		if c.err != nil {
			jc.Error = c.err.Error()
		}
		e.Change = jc
		if c.result == resultApplied {
			e.After = &jsonUserNow{Status: c.after.Status, GroupIDs: c.after.GroupIDs}
		}
	}
	for _, e := range byID {
		out.Users = append(out.Users, *e)
	}
	sort.Slice(out.Users, func(i, j int) bool {
		if out.Users[i].Username != out.Users[j].Username {
			return out.Users[i].Username < out.Users[j].Username
		}
		return out.Users[i].ID < out.Users[j].ID
	})
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
