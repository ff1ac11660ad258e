package hygiene

import "lm-user-hygiene/lm"

// tokenOwner is the user whose API tokens carry the run's LMv1 access id:
// the account the run acts as. It is nil with a bearer token (whose owner
// cannot be known) and when no user carries the id.
func (r *Report) tokenOwner() *lm.User {
	for i := range r.Users {
		if r.Users[i].HasToken(r.Policy.Suspend.TokenAccessID) {
			return &r.Users[i]
		}
	}
	return nil
}

// warnTokenOwner warns, once per run, when no user carries the run's LMv1
// access id: the rule that never suspends the token's owner then protects
// no one, and the run may suspend the account it runs as.
func (rn *Runner) warnTokenOwner(r *Report) {
	if r.Policy.Suspend.TokenAccessID == "" || r.tokenOwner() != nil {
		return
	}
	rn.Log.Warn("no user carries this run's access id, so the token's owner is unknown and not protected from suspension: " +
		"check the access id, or protect the token's user with --protect-users")
}
