package lm_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// loggedClient is a client whose warnings and debug lines are kept.
func loggedClient(t *testing.T, base string) (*lm.Client, *strings.Builder) {
	t.Helper()
	logs := &strings.Builder{}
	logger := logrus.New()
	logger.SetOutput(logs)
	logger.SetLevel(logrus.DebugLevel)
	return newClient(t, base, func(c *lm.Config) { c.Logger = logrus.NewEntry(logger) }), logs
}

func warnings(logs *strings.Builder) []string {
	var out []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=warning") {
			out = append(out, line)
		}
	}
	return out
}

// TestSortRefused: a portal that answers 400 naming sort costs the one
// refused request; the list is read again without sort=, whole, with one
// warning naming sort.
func TestSortRefused(t *testing.T) {
	p, base := newPortal(t, func(c *lmfake.Config) { c.RefuseSort = true })
	addUsers(p, 25)
	p.SetPageCap(10)
	c, logs := loggedClient(t, base)
	users, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertSameUsers(t, users, p.Users())
	reqs := usersRequests(p)
	// Floor: pages of 10 overlapping by one reach 25 users in 3 pages
	// (0-9, 9-18, 18-24); the refusal adds its one request.
	if len(reqs) != 4 {
		t.Errorf("%d requests, want 4 (the refused one and 3 pages)", len(reqs))
	}
	for i, r := range reqs {
		if i > 0 && r.Query.Has("sort") {
			t.Errorf("request %d still asks sort=: %v", i, r.Query)
		}
	}
	if w := warnings(logs); len(w) != 1 || !strings.Contains(w[0], "sort") {
		t.Errorf("warnings %q, want one naming sort", w)
	}
}

// TestSortRefusedListShifts: read without sort=, a page that does not start
// at the previous page's last item sends the list back to the start, and
// the user created meanwhile is read.
func TestSortRefusedListShifts(t *testing.T) {
	p, base := newPortal(t, func(c *lmfake.Config) { c.RefuseSort = true })
	addUsers(p, 25)
	p.SetPageCap(10)
	c, _ := loggedClient(t, base)
	// Refused (sort), then the first page without sort: the user is added
	// after the first page served with offset 0.
	p.AddUserWhilePaging(lm.User{Username: "late@example.com"})
	users, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertSameUsers(t, users, p.Users())
	if len(users) != 26 {
		t.Fatalf("%d users, want 26", len(users))
	}
	// The refused request; pages at 0, 9 and 18 (read together once the
	// total is known), the one at 9 not starting at the first's last item;
	// then the whole list again from the start.
	got := offsets(usersRequests(p))
	slices.Sort(got)
	if strings.Join(got, " ") != "0 0 0 18 18 9 9" {
		t.Errorf("offsets %v, want the refused one and two whole reads of 0, 9, 18", got)
	}
}

// TestSortAndFieldsBothNamed: a 400 naming sort and a field is taken as
// sort's, so fields= is kept.
func TestSortRefusedBeforeFields(t *testing.T) {
	p, base := newPortal(t, func(c *lmfake.Config) { c.RefuseSort = true })
	addUsers(p, 3)
	c, _ := loggedClient(t, base)
	if _, err := c.Users(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := usersRequests(p)
	if len(reqs) != 2 || !reqs[1].Query.Has("fields") {
		t.Errorf("requests %v: want the refused one, then one with fields= and without sort=", reqs)
	}
}

// TestThinProjection: a fields= answer whose users lack roles and
// adminGroupIds is read again once without fields=, with one warning
// naming fields; the users read are whole and readable.
func TestThinProjection(t *testing.T) {
	p, base := newPortal(t, func(c *lmfake.Config) { c.ThinProjection = true })
	r := p.AddRole("readonly")
	g := p.AddGroup("Staff")
	for i := range 5 {
		p.AddUser(lm.User{Username: fmt.Sprintf("u%d@example.com", i), Roles: []lm.Role{r}, GroupIDs: []int{g.ID}})
	}
	c, logs := loggedClient(t, base)
	users, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Unreadable != "" || len(u.Roles) != 1 || len(u.GroupIDs) != 1 {
			t.Errorf("user %d read as %+v", u.ID, u)
		}
	}
	reqs := usersRequests(p)
	if len(reqs) != 2 || !reqs[0].Query.Has("fields") || reqs[1].Query.Has("fields") {
		t.Errorf("%d requests: want one with fields=, one without", len(reqs))
	}
	if w := warnings(logs); len(w) != 1 || !strings.Contains(w[0], "fields") {
		t.Errorf("warnings %q, want one naming fields", w)
	}
}

// TestFewUsersWithoutNestedDataAreNoRefusal: one user in five without roles
// is that user's problem, not the projection's.
func TestFewUsersWithoutNestedDataAreNoRefusal(t *testing.T) {
	p, base := newPortal(t)
	r := p.AddRole("readonly")
	for i := range 5 {
		p.AddUser(lm.User{Username: fmt.Sprintf("u%d@example.com", i), Roles: []lm.Role{r}})
	}
	p.OverrideUserField(1, "roles", "")
	c, logs := loggedClient(t, base)
	users, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(usersRequests(p)) != 1 || len(warnings(logs)) != 0 || users[0].Unreadable != "roles absent" {
		t.Errorf("%d requests, warnings %q, user 1 %q: want one request, no warning, the user unreadable",
			len(usersRequests(p)), warnings(logs), users[0].Unreadable)
	}
}

// TestPortalThatIgnoresGroupIDs: the answer shows the groups as before
// although others were asked: a mismatch that says adminGroupIds is ignored.
func TestPortalThatIgnoresGroupIDs(t *testing.T) {
	p, base := newPortal(t, func(c *lmfake.Config) { c.IgnoreGroupIDs = true })
	r := p.AddRole("readonly")
	staff, susp := p.AddGroup("Staff"), p.AddGroup("Suspended")
	u := p.AddUser(lm.User{Username: "ann@example.com", Roles: []lm.Role{r}, GroupIDs: []int{staff.ID}})
	c := newClient(t, base)
	_, err := c.UpdateUser(context.Background(), lm.UserUpdate{ID: u.ID, Status: lm.StatusSuspended,
		GroupIDs: []int{susp.ID}, RoleIDs: u.RoleIDs(), Before: u.GroupIDs})
	if !lm.IsIgnoredGroups(err) || lm.IsMergedGroups(err) || !strings.Contains(err.Error(), "adminGroupIds") {
		t.Fatalf("err = %v, want ignored adminGroupIds", err)
	}
	// A merge is not taken for an ignore.
	p2, base2 := newPortal(t, func(c *lmfake.Config) { c.MergeGroupIDs = true })
	r2 := p2.AddRole("readonly")
	staff2, susp2 := p2.AddGroup("Staff"), p2.AddGroup("Suspended")
	u2 := p2.AddUser(lm.User{Username: "ann@example.com", Roles: []lm.Role{r2}, GroupIDs: []int{staff2.ID}})
	_, err = newClient(t, base2).UpdateUser(context.Background(), lm.UserUpdate{ID: u2.ID, Status: lm.StatusSuspended,
		GroupIDs: []int{susp2.ID}, RoleIDs: u2.RoleIDs(), Before: u2.GroupIDs})
	if lm.IsIgnoredGroups(err) || !lm.IsMergedGroups(err) {
		t.Fatalf("err = %v, want merged adminGroupIds", err)
	}
}

// TestPortalThatRefusesEveryPatch: the 400 is a refused request carrying the
// portal's errorMessage.
func TestPortalThatRefusesEveryPatch(t *testing.T) {
	p, base := newPortal(t, func(c *lmfake.Config) { c.RefusePatches = true })
	r := p.AddRole("readonly")
	g := p.AddGroup("Suspended")
	u := p.AddUser(lm.User{Username: "ann@example.com", Roles: []lm.Role{r}})
	_, err := newClient(t, base).UpdateUser(context.Background(), lm.UserUpdate{ID: u.ID, Status: lm.StatusSuspended,
		GroupIDs: []int{g.ID}, RoleIDs: u.RoleIDs(), Before: u.GroupIDs})
	if lm.RefusalOf(err) != lm.RefusedRequest || !strings.Contains(err.Error(), lmfake.PatchRefusedMessage) {
		t.Fatalf("err = %v, want a refused request with the portal's message", err)
	}
	if got, _ := p.User(u.ID); got.Status != lm.StatusActive {
		t.Errorf("the refused PATCH changed the user: %+v", got)
	}
}

// TestRefusalOf is the one reading of what a refusal means.
func TestRefusalOf(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		want    lm.Refusal
		inARow  bool
		hasHint bool
	}{
		{"a 401 refuses the credential", &lm.APIError{StatusCode: http.StatusUnauthorized}, lm.RefusedCredential, false, true},
		{"a 403 refuses the permission and counts in a row", &lm.APIError{StatusCode: http.StatusForbidden}, lm.RefusedPermission, true, true},
		{"a 400 refuses the request and counts in a row", &lm.APIError{StatusCode: http.StatusBadRequest}, lm.RefusedRequest, true, true},
		{"a wrapped 403 is still one", fmt.Errorf("x: %w", &lm.APIError{StatusCode: http.StatusForbidden}), lm.RefusedPermission, true, true},
		{"a 404 is no refusal", &lm.APIError{StatusCode: http.StatusNotFound}, lm.NotRefused, false, false},
		{"a mismatch is no refusal", &lm.MismatchError{UserID: 1}, lm.NotRefused, false, false},
		{"no error is no refusal", nil, lm.NotRefused, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lm.RefusalOf(tt.err)
			if got != tt.want || got.CountsInARow() != tt.inARow || (got.Hint() != "") != tt.hasHint {
				t.Fatalf("RefusalOf = %v (in a row %v, hint %q)", got, got.CountsInARow(), got.Hint())
			}
		})
	}
}

// TestMaskedPasswordIsNeverKept: users read from a portal that sends a
// masked password keep nothing of it.
func TestMaskedPasswordIsNeverKept(t *testing.T) {
	p, base := newPortal(t)
	addUsers(p, 3)
	c, logs := loggedClient(t, base)
	users, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%+v", users) + logs.String(); strings.Contains(s, lmfake.MaskedPassword) {
		t.Fatalf("the masked password is kept or logged: %s", s)
	}
}

func offsets(reqs []lmfake.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Query.Get("offset"))
	}
	return out
}

// TestIgnoredGroupsShownByTheReadBack: when the PATCH answer lacks the
// groups, the GET that decides shows them as before: ignored as well.
func TestIgnoredGroupsShownByTheReadBack(t *testing.T) {
	p, base := newPortal(t, func(c *lmfake.Config) { c.IgnoreGroupIDs = true })
	r := p.AddRole("readonly")
	staff, susp := p.AddGroup("Staff"), p.AddGroup("Suspended")
	u := p.AddUser(lm.User{Username: "ann@example.com", Roles: []lm.Role{r}, GroupIDs: []int{staff.ID}})
	p.InjectFault(lmfake.Fault{Method: http.MethodPatch, OmitGroups: true})
	_, err := newClient(t, base).UpdateUser(context.Background(), lm.UserUpdate{ID: u.ID, Status: lm.StatusSuspended,
		GroupIDs: []int{susp.ID}, RoleIDs: u.RoleIDs(), Before: u.GroupIDs})
	if !lm.IsIgnoredGroups(err) {
		t.Fatalf("err = %v, want ignored adminGroupIds", err)
	}
	gets := 0
	for _, req := range p.Requests() {
		if req.Method == http.MethodGet && req.Path == fmt.Sprintf("/setting/admins/%d", u.ID) {
			gets++
			if req.Query.Has("fields") {
				t.Errorf("the read that decides asks a projection: %v", req.Query)
			}
		}
	}
	if gets != 1 {
		t.Errorf("%d reads of the user, want the one that decides", gets)
	}
}
