package suspend

// Protects reports whether a protection (a protected user or role, the
// token's owner, the admin guard) spares d's user a suspension the
// inactivity rule calls for: protected_skipped counts these users. A
// protected user who is active is spared nothing.
func (p *Plan) Protects(d *Decision) bool {
	switch d.Outcome {
	case OutcomeProtectedUser, OutcomeProtectedRole, OutcomeTokenOwner, OutcomeAdminGuard:
		return d.LastActive().IsZero() || d.LastActive().Before(p.Cutoff)
	}
	return false
}

// Spares reports whether the plan keeps d's user from a suspension for a
// reason a person should see: a protection (Protects), a timestamp in the
// future, or no activity at all. This is the one list of spared users that
// every report shows.
func (p *Plan) Spares(d *Decision) bool {
	switch d.Outcome {
	case OutcomeFutureActivity, OutcomeNeverLoggedIn:
		return true
	}
	return p.Protects(d)
}
