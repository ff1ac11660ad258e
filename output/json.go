package output

import (
	"encoding/json"
	"io"
	"sort"
	"time"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
)

// jsonReport is the json output: the full plan and result.
type jsonReport struct {
	Success  bool                   `json:"success"`
	Error    string                 `json:"error,omitempty"`
	DryRun   bool                   `json:"dry_run"`
	Command  string                 `json:"command"`
	UndoOf   string                 `json:"undo_of,omitempty"`
	Counts   map[string]json.Number `json:"counts"`
	Policy   hygiene.Policy         `json:"policy"`
	Cutoff   string                 `json:"cutoff,omitempty"`
	Groups   jsonGroups             `json:"groups"`
	Users    []jsonUser             `json:"users"`
	Breaker  *jsonBreaker           `json:"breaker,omitempty"`
	Duration float64                `json:"duration_seconds"`
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
	Undo     *jsonStep    `json:"undo,omitempty"`
	Change   *jsonChange  `json:"change,omitempty"`
	After    *jsonUserNow `json:"after,omitempty"`
	// user orders the list (lm.CompareUsers).
	user *lm.User
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
func writeJSON(w io.Writer, r *hygiene.Report, st hygiene.Stats) error {
	out := jsonReport{
		Success:  r.Failure == nil,
		DryRun:   !r.Policy.Apply,
		Command:  string(r.Policy.Command),
		UndoOf:   r.UndoOf,
		Counts:   map[string]json.Number{},
		Duration: st.Duration.Seconds(),
		Users:    []jsonUser{},
	}
	counts := r.Counts(st)
	for _, d := range hygiene.Datapoints {
		out.Counts[d.Name] = json.Number(d.Value(&counts))
	}
	if r.Failure != nil {
		out.Error = r.Failure.Error()
	}
	out.Policy = r.Policy
	for _, g := range r.GroupsCreated {
		out.Groups.Created = append(out.Groups.Created, g.Name)
	}
	out.Groups.Failed, out.Groups.Planned = r.GroupsFailed, r.GroupsPlanned

	byID := map[int]*jsonUser{}
	entry := func(u *lm.User) *jsonUser {
		if e, ok := byID[u.ID]; ok {
			return e
		}
		e := &jsonUser{ID: u.ID, Username: u.Username, Status: u.Status, user: u}
		byID[u.ID] = e
		return e
	}
	if sp := r.SuspendPlan; sp != nil {
		out.Cutoff = sp.Cutoff.UTC().Format(time.RFC3339)
		out.Breaker = &jsonBreaker{Tripped: sp.Tripped, InactiveFound: sp.InactiveFound, Considered: sp.Considered,
			MaxPercent: r.Policy.Suspend.MaxSuspendPercent, Reason: sp.TripReason}
		for _, d := range sp.Decisions {
			st := &jsonStep{Action: string(d.Action), Outcome: string(d.Outcome), Reason: d.Reason, Signal: d.Signal}
			if !d.LastActive().IsZero() {
				st.LastActive = d.LastActive().UTC().Format(time.RFC3339)
			}
			entry(d.User).Suspend = st
		}
	}
	if ap := r.AssignPlan; ap != nil {
		for _, d := range ap.Decisions {
			entry(d.User).Assign = &jsonStep{Action: string(d.Action), Outcome: string(d.Outcome), Reason: d.Reason, Unmapped: d.UnmappedRoles}
		}
	}
	for _, d := range r.Undo {
		action := "none"
		if d.Outcome == hygiene.UndoRestore {
			action = hygiene.KindRestore.String()
		}
		entry(d.User).Undo = &jsonStep{Action: action, Outcome: string(d.Outcome), Reason: d.Reason}
	}
	for _, c := range r.Changes {
		e := entry(c.User)
		jc := &jsonChange{Kind: c.Kind.String(), Result: c.Result.String(), Status: c.Status, GroupIDs: c.GroupIDs, NewGroups: c.NewGroups}
		if jc.GroupIDs == nil {
			jc.GroupIDs = []int{}
		}
		if c.Err != nil {
			jc.Error = c.Err.Error()
		}
		e.Change = jc
		if c.Result == hygiene.ResultApplied {
			e.After = &jsonUserNow{Status: c.After.Status, GroupIDs: c.After.GroupIDs}
		}
	}
	for _, e := range byID {
		out.Users = append(out.Users, *e)
	}
	sort.Slice(out.Users, func(i, j int) bool {
		a, b := &out.Users[i], &out.Users[j]
		return lm.CompareUsers(a.user, b.user) < 0
	})
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
