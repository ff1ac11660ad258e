package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"lm-user-hygiene/hygiene"
)

// WriteCheckJSON prints the check as one JSON object.
func WriteCheckJSON(w io.Writer, c hygiene.CheckResult) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// WriteCheckText prints the check for a person: what needs attention first,
// one line each, then what the tool sees.
func WriteCheckText(w io.Writer, c hygiene.CheckResult) error {
	t := &textReport{}
	t.line("Portal: %s", c.Portal)
	if c.Error != "" {
		t.line("FAILED: the portal could not be read: %s", c.Error)
		_, err := io.WriteString(w, t.b.String())
		return err
	}
	if c.Attention {
		t.line("Needs attention (%d):", len(c.Findings))
		for _, f := range c.Findings {
			t.line("  - %s", f)
		}
	} else {
		t.line("Needs attention: nothing")
	}
	if len(c.Notes) > 0 {
		t.line("Notes (%d):", len(c.Notes))
		for _, n := range c.Notes {
			t.line("  - %s", n)
		}
	}
	if tok := c.Token; tok != nil {
		owner := tok.Owner
		if owner == "" {
			owner = "unknown"
		}
		t.line("\nToken: %s, owner %s, roles %s, may manage users and groups: %s",
			tok.Kind, cell(owner), cell(strings.Join(tok.Roles, ",")), tok.ManagesUsers)
	}
	if u := c.Users; u != nil {
		t.line("Users: %d: %d active, %d suspended, %d API-only, %d unreadable", u.Total, u.Active, u.Suspended, u.APIOnly, u.Unreadable)
	}
	var rows [][]string
	for _, ts := range c.Timestamps {
		rows = append(rows, []string{ts.Field, strconv.Itoa(ts.Seconds), strconv.Itoa(ts.Milliseconds), strconv.Itoa(ts.Zero)})
	}
	t.table("Timestamp units", "values per field", []string{"FIELD", "SECONDS", "MILLISECONDS", "ZERO"}, rows)
	rows = nil
	for _, cr := range c.CreatedBy {
		rows = append(rows, []string{cr.Value, strconv.Itoa(cr.Users), yesNo(cr.SSO)})
	}
	t.table("Created by", "counts as SSO for --assign-scope sso", []string{"CREATED BY", "USERS", "SSO"}, rows)
	rows = nil
	for _, g := range c.Groups {
		found := "not found"
		if g.Found {
			found = "id " + strconv.Itoa(g.ID)
		}
		rows = append(rows, []string{g.Setting, g.Name, found})
	}
	t.table("Groups", "the settings name", []string{"SETTING", "GROUP", "FOUND"}, rows)
	rows = nil
	for _, rt := range c.RoleTargets {
		group := rt.Group
		switch {
		case rt.Refused != "":
			group += " (none: " + rt.Refused + ")"
		case !rt.Found:
			group += " (none)"
		}
		rows = append(rows, []string{rt.Role, group})
	}
	t.table("Role targets", "the group each role's holders are regrouped into", []string{"ROLE", "GROUP"}, rows)
	rows = nil
	for _, u := range c.Unreadable {
		rows = append(rows, []string{strconv.Itoa(u.ID), u.Username, u.Field})
	}
	t.table("Unreadable", "left alone", []string{"ID", "USER", "FIELD"}, rows)
	if len(c.Plan) > 0 {
		t.line("\nPlan (what a run would do now):")
		tw := tabwriter.NewWriter(&t.b, 0, 0, 2, ' ', 0)
		for _, name := range planOrder(c.Plan) {
			fmt.Fprintf(tw, "  %s\t%d\n", name, c.Plan[name])
		}
		tw.Flush()
	}
	if b := c.Breaker; b != nil {
		state := "not tripped"
		if b.Tripped {
			state = "TRIPPED"
		}
		t.line("Breaker: %s: %s", breakerRatio(b.InactiveFound, b.Considered, b.MaxPercent), state)
	}
	_, err := io.WriteString(w, t.b.String())
	return err
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// planOrder is the order check's text shows the plan's counts in: the
// datapoints' order, then the groups to create.
func planOrder(plan map[string]int) []string {
	var out []string
	for _, d := range hygiene.Datapoints {
		if _, ok := plan[d.Name]; ok {
			out = append(out, d.Name)
		}
	}
	if _, ok := plan[hygiene.PlanGroupsToCreate]; ok {
		out = append(out, hygiene.PlanGroupsToCreate)
	}
	return out
}
