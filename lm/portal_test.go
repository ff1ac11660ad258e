package lm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// These tests run the client against the simulated portal over real HTTP on
// loopback.

const (
	portalID  = "PORTALID-3k9"
	portalKey = "SECRET-portal-key-6c1d"
)

// contract is the portal's Validate hook: what every request of this client
// must look like, whatever the endpoint.
func contract(r *http.Request, body []byte) error {
	if r.Header.Get("X-Version") != "3" {
		return errors.New("no X-Version: 3")
	}
	if r.Header.Get("Accept") != "application/json" {
		return errors.New("no Accept: application/json")
	}
	if len(body) > 0 && r.Header.Get("Content-Type") != "application/json" {
		return errors.New("a body without Content-Type: application/json")
	}
	if r.Method == http.MethodPatch {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return fmt.Errorf("PATCH body is not a JSON object: %v", err)
		}
		for name := range fields {
			if name != "status" && name != "adminGroupIds" && name != "roles" {
				return fmt.Errorf("PATCH body carries %q", name)
			}
		}
		for _, name := range []string{"status", "adminGroupIds", "roles"} {
			if _, ok := fields[name]; !ok {
				return fmt.Errorf("PATCH body lacks %q", name)
			}
		}
	}
	return nil
}

// newPortal starts a portal that accepts portalID/portalKey and checks every
// request against contract; the test fails if any request broke it.
func newPortal(t *testing.T, mods ...func(*lmfake.Config)) (*lmfake.Portal, string) {
	t.Helper()
	cfg := lmfake.Config{AccessID: portalID, AccessKey: portalKey, Validate: contract}
	for _, m := range mods {
		m(&cfg)
	}
	p := lmfake.New(cfg)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		for _, v := range p.Violations() {
			t.Errorf("request broke the API contract: %v", v)
		}
	})
	return p, srv.URL + "/santaba/rest"
}

func newClient(t *testing.T, base string, mods ...func(*lm.Config)) *lm.Client {
	t.Helper()
	cfg := lm.Config{BaseURL: base, AccessID: portalID, AccessKey: portalKey, RetryBaseDelay: time.Millisecond}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := lm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func addUsers(p *lmfake.Portal, n int) {
	for i := range n {
		p.AddUser(lm.User{Username: fmt.Sprintf("user%04d@example.com", i), Status: lm.StatusActive})
	}
}

// usersRequests returns the GET /setting/admins requests the portal saw.
func usersRequests(p *lmfake.Portal) []lmfake.Request {
	var out []lmfake.Request
	for _, r := range p.Requests() {
		if r.Method == http.MethodGet && r.Path == "/setting/admins" {
			out = append(out, r)
		}
	}
	return out
}

// assertSameUsers checks ids and usernames against the portal's own list.
func assertSameUsers(t *testing.T, got, want []lm.User) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("listed %d users, the portal has %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Username != want[i].Username || got[i].Status != want[i].Status {
			t.Fatalf("user %d = %d %q %s, want %d %q %s", i, got[i].ID, got[i].Username, got[i].Status,
				want[i].ID, want[i].Username, want[i].Status)
		}
	}
}

func TestPortalListsUsersInPages(t *testing.T) {
	tests := []struct {
		users, pages int
	}{
		{0, 1}, {1, 1}, {999, 1}, {1000, 1}, {1001, 2}, {2500, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("lists %d users in %d pages", tt.users, tt.pages), func(t *testing.T) {
			p, base := newPortal(t)
			addUsers(p, tt.users)
			c := newClient(t, base)
			got, err := c.Users(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			assertSameUsers(t, got, p.Users())
			reqs := usersRequests(p)
			if len(reqs) != tt.pages || c.Stats() != (lm.Stats{Requests: int64(tt.pages)}) {
				t.Fatalf("%d requests (stats %+v), want %d pages and no retry", len(reqs), c.Stats(), tt.pages)
			}
			// Pages overlap by one item, and all but the first are read
			// concurrently, so they arrive in any order.
			var offsets []string
			for _, r := range reqs {
				if r.Query.Get("size") != "1000" || r.Query.Get("sort") != "+id" {
					t.Errorf("a page asked size=%s sort=%s", r.Query.Get("size"), r.Query.Get("sort"))
				}
				offsets = append(offsets, r.Query.Get("offset"))
			}
			for i := range reqs {
				if !slices.Contains(offsets, strconv.Itoa(999*i)) {
					t.Errorf("offsets %v lack %d", offsets, 999*i)
				}
			}
		})
	}
}

func TestPortalSampleUsersReadFieldForField(t *testing.T) {
	p, base := newPortal(t)
	lmfake.Populate(p, lmfake.SampleOptions{Users: 300, Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), Seed: 7, WithSuspendedGroup: true})
	c := newClient(t, base)
	got, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := p.Users()
	if len(got) != len(want) {
		t.Fatalf("listed %d users, the portal has %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(normalized(got[i]), normalized(want[i])) {
			t.Fatalf("user %d read as\n%+v\nthe portal has\n%+v", want[i].ID, got[i], want[i])
		}
	}
	groups, err := c.Groups(context.Background())
	if err != nil || !reflect.DeepEqual(groups, p.Groups()) {
		t.Fatalf("Groups = %+v, %v; the portal has %+v", groups, err, p.Groups())
	}
	roles, err := c.Roles(context.Background())
	if err != nil || !reflect.DeepEqual(roles, p.Roles()) {
		t.Fatalf("Roles = %+v, %v; the portal has %+v", roles, err, p.Roles())
	}
}

// normalized makes empty and nil slices compare equal.
func normalized(u lm.User) lm.User {
	if len(u.Roles) == 0 {
		u.Roles = nil
	}
	if len(u.GroupIDs) == 0 {
		u.GroupIDs = nil
	}
	if len(u.APITokens) == 0 {
		u.APITokens = nil
	}
	return u
}

func TestPortalPacesFromRateLimitHeaders(t *testing.T) {
	p, base := newPortal(t)
	addUsers(p, 2500)
	p.SetRateLimit(http.MethodGet, 2, time.Second)
	c := newClient(t, base)
	got, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertSameUsers(t, got, p.Users())
	for _, r := range usersRequests(p) {
		if r.Status == http.StatusTooManyRequests {
			t.Fatal("the client ran into a 429 instead of waiting for the window")
		}
	}
	if st := c.Stats(); st.Requests != 3 || st.Retries != 0 {
		t.Fatalf("Stats = %+v, want 3 requests and no retry", st)
	}
}

func TestPortalSurvives429(t *testing.T) {
	p, base := newPortal(t)
	addUsers(p, 1500)
	// A short window keeps the wait after each 429 short.
	p.SetRateLimit(http.MethodGet, 500, 100*time.Millisecond)
	p.InjectFault(lmfake.Fault{Method: http.MethodGet, Path: "/setting/admins", Status: http.StatusTooManyRequests, Count: 2})
	c := newClient(t, base)
	got, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertSameUsers(t, got, p.Users())
	if st := c.Stats(); st.Requests != 4 || st.Retries != 2 {
		t.Fatalf("Stats = %+v, want 4 requests of which 2 retries", st)
	}
}

func TestPortalSurvives503HTMLPages(t *testing.T) {
	p, base := newPortal(t)
	addUsers(p, 1500)
	p.InjectFault(lmfake.Fault{Path: "/setting/admins", Status: http.StatusServiceUnavailable, HTML: true, Count: 3})
	c := newClient(t, base)
	got, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertSameUsers(t, got, p.Users())
	if st := c.Stats(); st.Requests != 5 || st.Retries != 3 {
		t.Fatalf("Stats = %+v, want 5 requests of which 3 retries", st)
	}
}

func TestPortalRefusedCredentials(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*lm.Config)
	}{
		{"a wrong access key is refused without retry", func(c *lm.Config) { c.AccessKey = "SECRET-wrong-key-0a0a" }},
		{"an unknown access id is refused without retry", func(c *lm.Config) { c.AccessID = "someone-else" }},
		{"a bearer token the portal does not accept is refused", func(c *lm.Config) {
			c.AccessID, c.AccessKey, c.BearerToken = "", "", "SECRET-wrong-bearer-0b0b"
		}},
		{"a clock 40 minutes off is refused", func(c *lm.Config) {
			c.Now = func() time.Time { return time.Now().Add(-40 * time.Minute) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, base := newPortal(t)
			addUsers(p, 3)
			c := newClient(t, base, tt.mod)
			users, err := c.Users(context.Background())
			var apiErr *lm.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Code != 1401 || lm.RefusalOf(err) != lm.RefusedCredential {
				t.Fatalf("Users = %d users, %v; want *APIError 401/1401", len(users), err)
			}
			if st := c.Stats(); st.Requests != 1 || st.Retries != 0 {
				t.Fatalf("Stats = %+v, want one request", st)
			}
			for _, secret := range []string{"SECRET-wrong-key-0a0a", "SECRET-wrong-bearer-0b0b", portalKey} {
				if s := err.Error(); strings.Contains(s, secret) {
					t.Fatalf("error leaks a credential: %s", s)
				}
			}
		})
	}
}

func TestPortalBearerToken(t *testing.T) {
	p, base := newPortal(t, func(c *lmfake.Config) { c.AccessID, c.AccessKey, c.BearerToken = "", "", "SECRET-good-bearer" })
	addUsers(p, 2)
	c := newClient(t, base, func(c *lm.Config) { c.AccessID, c.AccessKey, c.BearerToken = "", "", "SECRET-good-bearer" })
	got, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertSameUsers(t, got, p.Users())
}

func TestPortalTruncatedJSON(t *testing.T) {
	p, base := newPortal(t)
	addUsers(p, 20)
	p.InjectFault(lmfake.Fault{Method: http.MethodGet, Path: "/setting/admins", Truncate: true})
	c := newClient(t, base)
	users, err := c.Users(context.Background())
	var re *lm.ResponseError
	if !errors.As(err, &re) || users != nil {
		t.Fatalf("Users = %d users, %v; want *ResponseError", len(users), err)
	}
}

func TestPortalNegativeTotal(t *testing.T) {
	// Without a total, reading stops at a page that holds only the item it
	// overlaps: 2500 users take the floor (3 pages and the empty one), 2000
	// one more.
	tests := []struct{ users, requests int }{{2500, 4}, {2000, 4}, {0, 1}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("lists all %d users", tt.users), func(t *testing.T) {
			p, base := newPortal(t)
			addUsers(p, tt.users)
			p.SetNegativeTotal(true)
			c := newClient(t, base)
			got, err := c.Users(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			assertSameUsers(t, got, p.Users())
			if n := len(usersRequests(p)); n != tt.requests {
				t.Fatalf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

func TestPortalUserDeletedAndCreatedWhilePaging(t *testing.T) {
	p, base := newPortal(t)
	addUsers(p, 2500)
	before := p.Users()
	// After the first page: a user on it is deleted, so every later page
	// shifts back by one, and a new user is created at the end.
	p.RemoveUserWhilePaging(before[10].ID)
	p.AddUserWhilePaging(lm.User{ID: before[len(before)-1].ID + 1, Username: "newcomer@example.com", Status: lm.StatusActive})
	c := newClient(t, base)
	got, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Everyone read once: the deleted user was read before it went.
	want := append(slices.Clone(before), p.Users()[len(p.Users())-1])
	assertSameUsers(t, got, want)
	if n := len(usersRequests(p)); n != 4 {
		t.Fatalf("%d requests, want 4: three pages and the ids between two of them", n)
	}
}

func TestPortalUserAddedBelowTheReadPosition(t *testing.T) {
	p, base := newPortal(t)
	// Ids start above 1 so that the late user, inserted below all others,
	// still gets a positive id.
	for i := range 2500 {
		p.AddUser(lm.User{ID: 101 + i, Username: fmt.Sprintf("user%04d@example.com", i), Status: lm.StatusActive})
	}
	before := p.Users()
	p.AddUserWhilePaging(lm.User{Username: "latecomer@example.com", Status: lm.StatusActive})
	c := newClient(t, base)
	got, err := c.Users(context.Background())
	if err != nil {
		t.Fatalf("err = %v", err)
	}
	// Every later page shifts forward by one; the overlap places them, so
	// each user that existed throughout is read once. The latecomer was
	// created behind the read position, after its page: the next run sees it.
	assertSameUsers(t, got, before)
	if n := len(usersRequests(p)); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

func TestPortalCreateGroup(t *testing.T) {
	p, base := newPortal(t)
	existing := p.AddGroup("Suspended")
	c := newClient(t, base)
	ctx := context.Background()

	got, err := c.CreateGroup(ctx, "suspended", "users suspended for inactivity")
	if err != nil || got.ID != existing.ID || got.Name != existing.Name {
		t.Fatalf("CreateGroup on 409 = %+v, %v; want the existing %+v", got, err, existing)
	}
	if n := len(p.Groups()); n != 1 {
		t.Fatalf("the portal has %d groups, want 1", n)
	}

	created, err := c.CreateGroup(ctx, "Viewers", "")
	if err != nil || created.Name != "Viewers" || created.ID == existing.ID {
		t.Fatalf("CreateGroup = %+v, %v", created, err)
	}
	if !slices.Contains(p.Groups(), created) {
		t.Fatalf("the portal does not have %+v: %+v", created, p.Groups())
	}
}

// setupUser gives a portal two roles, three groups and one user in groups
// in with role r1.
func setupUser(t *testing.T, p *lmfake.Portal, in ...int) (user lm.User, roles []lm.Role, groups []lm.Group) {
	t.Helper()
	roles = []lm.Role{p.AddRole("administrator"), p.AddRole("netops")}
	groups = []lm.Group{p.AddGroup("Ungrouped"), p.AddGroup("Network Operations"), p.AddGroup("Suspended")}
	var ids []int
	for _, i := range in {
		ids = append(ids, groups[i].ID)
	}
	user = p.AddUser(lm.User{Username: "ann@example.com", Status: lm.StatusActive, Roles: []lm.Role{roles[1]}, GroupIDs: ids, LastLoginOn: 1})
	return user, roles, groups
}

func TestPortalUpdateUserSendsFullDesiredState(t *testing.T) {
	p, base := newPortal(t)
	u, roles, groups := setupUser(t, p, 0)
	c := newClient(t, base)
	update := lm.UserUpdate{ID: u.ID, Status: lm.StatusSuspended, GroupIDs: []int{groups[2].ID}, RoleIDs: []int{roles[1].ID}}
	got, err := c.UpdateUser(context.Background(), update)
	if err != nil {
		t.Fatal(err)
	}
	now, _ := p.User(u.ID)
	for _, have := range []lm.User{got, now} {
		if have.Status != lm.StatusSuspended || !slices.Equal(have.GroupIDs, []int{groups[2].ID}) || !slices.Equal(have.RoleIDs(), []int{roles[1].ID}) {
			t.Fatalf("user after the update = %+v", have)
		}
	}
	var patch lmfake.Request
	for _, r := range p.Requests() {
		if r.Method == http.MethodPatch {
			patch = r
		}
	}
	want := fmt.Sprintf(`{"status":"suspended","adminGroupIds":[%d],"roles":[{"id":%d}]}`, groups[2].ID, roles[1].ID)
	if patch.Path != "/setting/admins/"+strconv.Itoa(u.ID) || string(patch.Body) != want {
		t.Fatalf("PATCH %s %s, want %s", patch.Path, patch.Body, want)
	}
	if p.Writes() != 1 {
		t.Fatalf("%d writes, want 1", p.Writes())
	}
}

func TestPortalMismatchFault(t *testing.T) {
	p, base := newPortal(t)
	u, roles, groups := setupUser(t, p, 0)
	p.InjectFault(lmfake.Fault{Method: http.MethodPatch, Mismatch: true})
	c := newClient(t, base)
	_, err := c.UpdateUser(context.Background(), lm.UserUpdate{ID: u.ID, Status: lm.StatusSuspended, GroupIDs: []int{groups[2].ID}, RoleIDs: []int{roles[1].ID}})
	var me *lm.MismatchError
	if !errors.As(err, &me) || me.UserID != u.ID {
		t.Fatalf("err = %v, want *MismatchError for user %d", err, u.ID)
	}
}

func TestPortalStrictPatchSwitches(t *testing.T) {
	strict := func(c *lmfake.Config) { c.RequirePatchRoles, c.MergeGroupIDs = true, true }
	t.Run("adding a group works when roles are required and groups merge", func(t *testing.T) {
		p, base := newPortal(t, strict)
		u, roles, groups := setupUser(t, p, 1)
		c := newClient(t, base)
		want := []int{groups[1].ID, groups[2].ID}
		got, err := c.UpdateUser(context.Background(), lm.UserUpdate{ID: u.ID, Status: lm.StatusActive, GroupIDs: want, RoleIDs: []int{roles[1].ID}})
		if err != nil {
			t.Fatal(err)
		}
		if now, _ := p.User(u.ID); !slices.Equal(now.GroupIDs, want) || !slices.Equal(got.GroupIDs, want) {
			t.Fatalf("groups after the update: portal %v, answer %v; want %v", now.GroupIDs, got.GroupIDs, want)
		}
	})
	t.Run("removing a group is detected as a mismatch when groups merge", func(t *testing.T) {
		p, base := newPortal(t, strict)
		u, roles, groups := setupUser(t, p, 0, 1)
		c := newClient(t, base)
		_, err := c.UpdateUser(context.Background(), lm.UserUpdate{ID: u.ID, Status: lm.StatusSuspended, GroupIDs: []int{groups[2].ID}, RoleIDs: []int{roles[1].ID}})
		var me *lm.MismatchError
		if !errors.As(err, &me) || me.UserID != u.ID {
			t.Fatalf("err = %v, want *MismatchError", err)
		}
	})
}

func TestPortalCancellationDuringRateLimitWait(t *testing.T) {
	p, base := newPortal(t)
	addUsers(p, 1500)
	p.SetRateLimit(http.MethodGet, 1, 30*time.Second)
	c := newClient(t, base)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Users(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("returned %s after the cancellation", d)
	}
	if n := len(usersRequests(p)); n != 1 {
		t.Fatalf("%d requests, want 1 (the second waits for the window)", n)
	}
}
