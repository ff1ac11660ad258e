package config

import "lm-user-hygiene/hygiene"

// DemoAccessID is the access id of the demo portal's token; its key is
// drawn at random each time the demo starts.
const DemoAccessID = "lmuh-demo"

// demoRoleGroups maps the demo portal's roles to its groups when the user
// gave no --role-groups.
var demoRoleGroups = map[string]string{
	"netops":   "Network Operations",
	"readonly": "Viewers",
	"manager":  "Managers",
}

// demoProtectUsers protects the demo portal's break-glass account when the
// user gave no --protect-users, as an admin would.
var demoProtectUsers = []string{"breakglass*"}

// demoRefuses are the settings --demo takes no value for on the command
// line: the demo has its own portal, token and throwaway state file, and
// runs today. The environment's are left unused: a shell set up for a real
// portal can still try the demo.
var demoRefuses = []string{"account", "base-url", "access-id", "access-key", "bearer-token", "state", "as-of"}

// checkDemo refuses what --demo cannot take: history and undo (the demo's
// journal lives only for the demo run), and a setting of its own portal.
func (c *Config) checkDemo(given given) error {
	if c.Command == hygiene.CommandHistory || c.Command == hygiene.CommandUndo {
		return Usagef("%s --demo: the demo's journal lives only for the demo run, which ends with an undo of its own: try --demo (or run --demo)", c.Command)
	}
	for _, flag := range demoRefuses {
		if s := settingFor(flag); given.byFlag(s.Env) || flag == "as-of" && c.AsOf != "" {
			return Usagef("--%s beside --demo: the demo runs against its own simulated portal, token and throwaway state file; leave it out", flag)
		}
	}
	return nil
}

// demoPolicy is the policy an admin of the demo portal would set, where the
// user set none, with the demo's token.
func demoPolicy(p *hygiene.Policy) {
	p.Suspend.TokenAccessID = DemoAccessID
	if len(p.Assign.RoleGroups) == 0 {
		p.Assign.RoleGroups = demoRoleGroups
	}
	if len(p.Suspend.ProtectUsers) == 0 {
		p.Suspend.ProtectUsers = demoProtectUsers
	}
}
