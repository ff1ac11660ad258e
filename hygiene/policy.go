package hygiene

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"lm-user-hygiene/assign"
	"lm-user-hygiene/suspend"
)

// MarshalJSON is the policy's one wire form, which the json output shows,
// the configsource output flattens and the journal's digest hashes: the
// settings a person chose, the time budget as a duration ("1m30s"), and the
// options of the steps the command takes only.
func (p Policy) MarshalJSON() ([]byte, error) {
	type plain Policy
	wire := struct {
		plain
		TimeBudget string           `json:"time_budget"`
		Suspend    *suspend.Options `json:"suspend,omitempty"`
		Assign     *assign.Options  `json:"assign,omitempty"`
	}{plain: plain(p), TimeBudget: p.TimeBudget.String()}
	if p.RunsSuspend() {
		wire.Suspend = &p.Suspend
	}
	if p.runsAssign() {
		wire.Assign = &p.Assign
	}
	return json.Marshal(wire)
}

// policyDigest identifies the policy a run applied, for the journal.
func policyDigest(p Policy) string {
	b, _ := json.Marshal(p)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
