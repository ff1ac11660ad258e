package hygiene

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/suspend"
)

func digestCases() map[string]Policy {
	full := Policy{Command: CommandRun, Apply: true, MaxChanges: 50, TimeBudget: 90 * time.Second,
		Suspend: suspend.Options{InactiveDays: 90, Activity: "any", SuspendedGroup: "Suspended", ProtectUsers: []string{"breakglass*", "a,b"},
			ProtectRoles: []string{"auditor"}, MinAdmins: 1, AdminRoles: []string{"administrator"}, IncludeAPIUsers: true,
			NeverLoggedIn: "first-seen", MaxSuspendPercent: 12.5, TokenAccessID: "secret-id", WarnDays: 14},
		Assign: assign.Options{RoleGroups: map[string]string{"netops": "Network Operations", "readonly": "Viewers"}, Scope: "sso",
			UngroupedGroup: "Ungrouped", SuspendedGroup: "Suspended", CreateGroups: true, SSOCreatedBy: regexp.MustCompile(`(?i)okta`),
			Activity: "any"}}
	bare := Policy{Command: CommandSuspend, MaxChanges: 1, TimeBudget: time.Minute}
	assignOnly := Policy{Command: CommandAssign, MaxChanges: 7, TimeBudget: 2 * time.Minute, Assign: assign.Options{Scope: "all"}}
	undo := full
	undo.Command = CommandUndo
	return map[string]Policy{"full": full, "bare": bare, "assign": assignOnly, "undo": undo}
}

// TestPolicyDigestIsStable holds the journal's policy digest to the values
// journals already hold: the wire form hashes to the same bytes as before it
// was one form.
func TestPolicyDigestIsStable(t *testing.T) {
	want := map[string]string{
		"full":   "a26f11db551c986b",
		"bare":   "41caa935eb88d8fc",
		"assign": "09f3e2c5c00a8768",
		"undo":   "bf57adad560a4e10",
	}
	for name, p := range digestCases() {
		if got := policyDigest(p); got != want[name] {
			t.Errorf("%s: digest %s, want %s", name, got, want[name])
		}
	}
}

func TestPolicyWireForm(t *testing.T) {
	cases := digestCases()
	wire := func(p Policy) string {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, tc := range []struct {
		rule       string
		policy     Policy
		has, lacks []string
	}{
		{"shows the options of the steps the command takes only", cases["bare"],
			[]string{`"suspend":{`, `"protect_users":[]`}, []string{`"assign"`}},
		{"an assign run has no suspend options and an empty role map", cases["assign"],
			[]string{`"assign":{"role_groups":{}`}, []string{`"suspend"`, `"sso_created_by"`}},
		{"the time budget is a duration a person reads", cases["full"], []string{`"time_budget":"1m30s"`}, nil},
		{"the --sso-created-by expression is shown as written", cases["full"], []string{`"sso_created_by":"(?i)okta"`}, nil},
		{"never the token's access id, run-time facts or the command", cases["full"], nil,
			[]string{"secret-id", "have_state", "HaveState", "InactiveCutoff", "command", "AsOf", "Activity\"", "SuspendedGroup"}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			got := wire(tc.policy)
			for _, s := range tc.has {
				if !strings.Contains(got, s) {
					t.Errorf("lacks %s:\n%s", s, got)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(got, s) {
					t.Errorf("holds %s:\n%s", s, got)
				}
			}
		})
	}
}
