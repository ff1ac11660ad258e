package hygiene

import (
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"lm-user-hygiene/lm"
)

func TestTokenOwnerUnknown(t *testing.T) {
	for _, tc := range []struct {
		name     string
		accessID string
		owned    bool // a user carries the access id
		warnings int
	}{
		{"an LMv1 token no user carries is warned about once", "AAA", false, 1},
		{"an LMv1 token a user carries is not warned about", "AAA", true, 0},
		{"a bearer token is not warned about here (its owner is unknowable)", "", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := idlePortal(2)
			if tc.owned {
				p.users[0].APITokens = []lm.APIToken{{AccessID: "AAA", Enabled: true}}
			}
			rn := testRunner(p)
			hook := test.NewLocal(rn.Log.Logger)
			pol := testPolicy()
			pol.Apply = false
			pol.Suspend.TokenAccessID = tc.accessID
			r := rn.Run(t.Context(), pol)
			n := 0
			for _, e := range hook.AllEntries() {
				if e.Level == logrus.WarnLevel && strings.Contains(e.Message, "token's owner is unknown") {
					n++
				}
			}
			if n != tc.warnings {
				t.Errorf("%d token-owner warnings, want %d", n, tc.warnings)
			}
			if owner := r.tokenOwner(); (owner != nil) != tc.owned {
				t.Errorf("tokenOwner = %v, want owned %v", owner, tc.owned)
			}
		})
	}
}
