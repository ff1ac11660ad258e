package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http/httptest"
	"sort"
	"strings"
	"time"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm/lmfake"
	"lm-user-hygiene/suspend"
)

// demoUsers is the size of the demo portal: enough users for every situation
// the rules handle, few enough to read the summary.
const demoUsers = 60

// demoRoleGroups maps the demo portal's roles to its groups when the user gave
// no --role-groups.
var demoRoleGroups = map[string]string{
	"netops":   "Network Operations",
	"readonly": "Viewers",
	"manager":  "Managers",
}

// demoProtectUsers protects the demo portal's break-glass account when the
// user gave no --protect-users, as an admin would.
var demoProtectUsers = []string{"breakglass*"}

// demoPortal is the built-in simulated portal served on loopback.
type demoPortal struct {
	server              *httptest.Server
	baseURL             string
	accessID, accessKey string
}

// startDemo starts a simulated portal with sample users on a loopback port,
// with a fresh random token so nothing real is ever used.
func startDemo(now time.Time, log io.Writer) (*demoPortal, error) {
	id, err := randomHex(10)
	if err != nil {
		return nil, err
	}
	key, err := randomHex(20)
	if err != nil {
		return nil, err
	}
	portal := lmfake.NewSample(lmfake.Config{AccessID: id, AccessKey: key}, lmfake.SampleOptions{Users: demoUsers, Now: now, Seed: 1})
	srv := httptest.NewServer(portal)
	fmt.Fprintf(log, "demo: simulated portal with %d users at %s (nothing real is touched)\n", demoUsers, srv.URL)
	return &demoPortal{server: srv, baseURL: srv.URL + "/santaba/rest", accessID: id, accessKey: key}, nil
}

// configure points the run at the demo portal and fills in the policy an
// admin of the demo portal would have set. Credentials of a real portal in
// the environment are not used (nor may they clash with the demo's token).
func (d *demoPortal) configure(cfg *Config, pol *hygiene.Policy) {
	cfg.BaseURL, cfg.AccessID, cfg.AccessKey, cfg.BearerToken = d.baseURL, d.accessID, d.accessKey, ""
	pol.Apply = true
	pol.Suspend.TokenAccessID = d.accessID
	if len(pol.Assign.RoleGroups) == 0 {
		pol.Assign.RoleGroups = demoRoleGroups
	}
	if len(pol.Suspend.ProtectUsers) == 0 {
		pol.Suspend.ProtectUsers = demoProtectUsers
	}
}

// Close stops the simulated portal.
func (d *demoPortal) Close() { d.server.Close() }

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// printDemoSummary tells a person, in a few lines, what the demo run did and why.
func printDemoSummary(w io.Writer, r *hygiene.Report) {
	if !r.Read {
		return
	}
	groups := map[string][]*hygiene.Change{}
	for _, c := range r.Changes {
		k := c.Kind.String() + " " + c.Result.String()
		groups[k] = append(groups[k], c)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "\nSummary of the demo run (%d users read):\n", len(r.Users))
	for _, g := range r.GroupsCreated {
		fmt.Fprintf(&b, "  created user group %q\n", g.Name)
	}
	for _, k := range keys {
		cs := groups[k]
		fmt.Fprintf(&b, "  %s: %d\n", k, len(cs))
		for _, c := range cs {
			fmt.Fprintf(&b, "    %-34s %s\n", c.User.Username, c.Reason)
		}
	}
	if r.SuspendPlan != nil {
		var kept []string
		for _, d := range r.SuspendPlan.Decisions {
			switch d.Outcome {
			case suspend.OutcomeProtectedUser, suspend.OutcomeProtectedRole, suspend.OutcomeTokenOwner,
				suspend.OutcomeAdminGuard, suspend.OutcomeFutureActivity, suspend.OutcomeNeverLoggedIn:
				kept = append(kept, fmt.Sprintf("    %-34s %s", d.User.Username, d.Reason))
			}
		}
		if len(kept) > 0 {
			fmt.Fprintf(&b, "  not suspended, and why: %d\n%s\n", len(kept), strings.Join(kept, "\n"))
		}
	}
	if r.AssignPlan != nil {
		for _, d := range r.AssignPlan.Decisions {
			if d.Outcome == assign.OutcomeUnmapped {
				fmt.Fprintf(&b, "  unmapped %-25s %s\n", d.User.Username, d.Reason)
			}
		}
	}
	io.WriteString(w, b.String())
}
