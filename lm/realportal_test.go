package lm_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// These tests hold the client to the shapes real portals may send (DESIGN,
// "Real portals"), each shown by the simulated portal over loopback.

// TestRealPortalUserShapes: each user shape is read, or marked unreadable
// with the field and what it held, and never stops the list.
func TestRealPortalUserShapes(t *testing.T) {
	tests := []struct {
		name, field, raw string
		// check gets the user as read and the portal's own record of it.
		check func(t *testing.T, got, want lm.User)
	}{
		{"status Active is read as active", "status", `"Active"`, readAs(func(u lm.User) bool { return u.Status == lm.StatusActive })},
		{"status pending is unreadable", "status", `"pending"`, unreadable(`status "pending"`)},
		{"an id as a string is read", "id", `"ID"`, readAs(func(lm.User) bool { return true })},
		{"roles null are unreadable", "roles", `null`, unreadable(`roles null`)},
		{"roles absent are unreadable", "roles", ``, unreadable(`roles absent`)},
		{"adminGroupIds null are unreadable", "adminGroupIds", `null`, unreadable(`adminGroupIds null`)},
		{"adminGroupIds absent are unreadable", "adminGroupIds", ``, unreadable(`adminGroupIds absent`)},
		{"a role reference without a name is read by id", "roles", `[{"id":ROLE}]`, func(t *testing.T, got, want lm.User) {
			if got.Unreadable != "" || len(got.Roles) != 1 || got.Roles[0].ID != want.Roles[0].ID || got.Roles[0].Name != "" {
				t.Fatalf("read as %+v", got)
			}
		}},
		{"a token whose accessId is null is a bearer token", "apiTokens", `[{"id":1,"accessId":null,"status":2,"lastUsedOn":1700000000,"createdOn":0}]`,
			readAs(func(u lm.User) bool {
				return len(u.APITokens) == 1 && u.APITokens[0] == lm.APIToken{Enabled: true, LastUsedOn: 1700000000}
			})},
		{"a token status as a string is read", "apiTokens", `[{"id":1,"accessId":"abc","status":"2","lastUsedOn":0,"createdOn":0}]`,
			readAs(func(u lm.User) bool { return len(u.APITokens) == 1 && u.APITokens[0].Enabled })},
		{"timestamps as strings in milliseconds are read", "lastLoginOn", `"1700000000000"`,
			readAs(func(u lm.User) bool { return lm.Epoch(u.LastLoginOn).Equal(time.Unix(1700000000, 0)) })},
		{"the note is read", "note", `"lmuh:exempt-until=2030-01-01"`, readAs(func(u lm.User) bool { return u.Note == "lmuh:exempt-until=2030-01-01" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, base := newPortal(t)
			_, roles, groups := setupUser(t, p, 1)
			odd := p.AddUser(lm.User{Username: "odd@example.com", Roles: []lm.Role{roles[0]}, GroupIDs: []int{groups[0].ID}})
			addUsers(p, 3)
			raw := strings.ReplaceAll(tt.raw, "ID", strconv.Itoa(odd.ID))
			raw = strings.ReplaceAll(raw, "ROLE", strconv.Itoa(roles[0].ID))
			p.OverrideUserField(odd.ID, tt.field, raw)
			c := newClient(t, base)
			users, err := c.Users(context.Background())
			if err != nil || len(users) != 5 {
				t.Fatalf("Users = %d users, %v; want all 5", len(users), err)
			}
			for _, u := range users {
				if u.ID == odd.ID {
					tt.check(t, u, odd)
				} else if u.Unreadable != "" {
					t.Errorf("user %d next to it is unreadable: %s", u.ID, u.Unreadable)
				}
			}
		})
	}
}

func readAs(ok func(lm.User) bool) func(*testing.T, lm.User, lm.User) {
	return func(t *testing.T, got, want lm.User) {
		t.Helper()
		if got.Unreadable != "" || got.ID != want.ID || got.Username != want.Username || !ok(got) {
			t.Fatalf("read as %+v", got)
		}
	}
}

func unreadable(reason string) func(*testing.T, lm.User, lm.User) {
	return func(t *testing.T, got, want lm.User) {
		t.Helper()
		if got.Unreadable != reason || got.ID != want.ID || got.Username != want.Username {
			t.Fatalf("read as %+v, want unreadable with %q", got, reason)
		}
	}
}

func TestRealPortalRoleWithoutNameIsNamedFromTheRoles(t *testing.T) {
	p, base := newPortal(t)
	u, roles, _ := setupUser(t, p, 0)
	p.OverrideUserField(u.ID, "roles", `[{"id":`+strconv.Itoa(roles[1].ID)+`}]`)
	c := newClient(t, base)
	users, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.Roles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lm.NameRoles(users, all)
	if got := users[0].Roles[0]; users[0].Unreadable != "" || got.ID != roles[1].ID || got.Name != roles[1].Name {
		t.Fatalf("named as %+v, want %+v", users[0], roles[1])
	}
}

func TestRealPortalGroupIDZero(t *testing.T) {
	p, base := newPortal(t)
	zero := p.AddGroupWithID(0, "Everyone")
	role := p.AddRole("readonly")
	u := p.AddUser(lm.User{Username: "ann@example.com", Roles: []lm.Role{role}, GroupIDs: []int{0}})
	c := newClient(t, base)
	groups, err := c.Groups(context.Background())
	if err != nil || !slices.Contains(groups, zero) {
		t.Fatalf("Groups = %+v, %v; want group 0 among them", groups, err)
	}
	users, err := c.Users(context.Background())
	if err != nil || len(users) != 1 || users[0].Unreadable != "" || !slices.Equal(users[0].GroupIDs, []int{0}) {
		t.Fatalf("Users = %+v, %v", users, err)
	}
	// And it can be written.
	if _, err := c.UpdateUser(context.Background(), lm.UserUpdate{ID: u.ID, Status: lm.StatusSuspended, GroupIDs: []int{0}, RoleIDs: u.RoleIDs()}); err != nil {
		t.Fatal(err)
	}
}

func TestRealPortalCappedPagesWithoutTotal(t *testing.T) {
	p, base := newPortal(t)
	addUsers(p, 1000)
	p.SetNegativeTotal(true)
	p.SetPageCap(300)
	c := newClient(t, base)
	got, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Before, the first short page was taken as the end: 300 users.
	assertSameUsers(t, got, p.Users())
	if n := len(usersRequests(p)); n != 5 {
		t.Fatalf("%d requests, want 5 (pages of 300 overlapping by one, and the end)", n)
	}
}

func TestRealPortalRefusesFields(t *testing.T) {
	p, base := newPortal(t)
	addUsers(p, 1500)
	p.RefuseFields("lastAccessOn")
	logs := &strings.Builder{}
	logger := logrus.New()
	logger.SetOutput(logs)
	c := newClient(t, base, func(c *lm.Config) { c.Logger = logrus.NewEntry(logger) })
	got, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertSameUsers(t, got, p.Users())
	reqs := usersRequests(p)
	var refused, whole int
	for _, r := range reqs {
		if r.Query.Get("fields") != "" {
			refused++
			if r.Status != http.StatusBadRequest {
				t.Errorf("a request with fields= was served: %d", r.Status)
			}
		} else {
			whole++
		}
	}
	if refused != 1 || whole != 2 {
		t.Fatalf("%d refused requests and %d without fields=; want 1 and 2", refused, whole)
	}
	if n := strings.Count(logs.String(), "level=warning"); n != 1 {
		t.Fatalf("%d warnings, want one: %s", n, logs)
	}
}

func TestRealPortalRunawayPages(t *testing.T) {
	tests := []struct {
		name  string
		fault lmfake.Fault
		has   string
	}{
		{"a 60 MB flat page is refused unread", lmfake.Fault{FlatPage: 60 << 20}, "larger than"},
		{"a 12 MB nested page is refused unread", lmfake.Fault{NestedPage: 12 << 20}, "larger than"},
		{"a 2 MB nested page is refused before any parser recurses", lmfake.Fault{NestedPage: 2 << 20}, "nested more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, base := newPortal(t)
			addUsers(p, 3)
			tt.fault.Path = "/setting/admins"
			p.InjectFault(tt.fault)
			c := newClient(t, base)
			users, err := c.Users(context.Background())
			var re *lm.ResponseError
			if !errors.As(err, &re) || !strings.Contains(re.Reason, tt.has) || users != nil {
				t.Fatalf("Users = %d users, %v; want *ResponseError mentioning %q", len(users), err, tt.has)
			}
			if st := c.Stats(); st.Requests != 1 {
				t.Fatalf("Stats = %+v: an oversized page is final", st)
			}
		})
	}
}

// TestRealPortalReadBack: the PATCH answer is checked, and a GET decides
// when it lacks what is checked.
func TestRealPortalReadBack(t *testing.T) {
	tests := []struct {
		name       string
		fault      lmfake.Fault
		merge      bool
		wantGETs   int
		wantMerged bool
		wantErr    bool
	}{
		{name: "an answer omitting adminGroupIds: a GET confirms the update", fault: lmfake.Fault{OmitGroups: true}, wantGETs: 1},
		{name: "an answer omitting status: a GET confirms the update", fault: lmfake.Fault{OmitStatus: true}, wantGETs: 1},
		{name: "a full answer needs no GET", wantGETs: 0},
		{name: "merged groups in the answer are a merge", merge: true, wantMerged: true, wantErr: true},
		{name: "merged groups seen by the GET are a merge", fault: lmfake.Fault{OmitGroups: true}, merge: true, wantGETs: 1, wantMerged: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, base := newPortal(t, func(c *lmfake.Config) { c.MergeGroupIDs = tt.merge })
			u, _, groups := setupUser(t, p, 0)
			if tt.fault != (lmfake.Fault{}) {
				tt.fault.Method = http.MethodPatch
				p.InjectFault(tt.fault)
			}
			c := newClient(t, base)
			got, err := c.UpdateUser(context.Background(), lm.UserUpdate{
				ID: u.ID, Status: lm.StatusSuspended, GroupIDs: []int{groups[2].ID}, RoleIDs: u.RoleIDs(), Before: u.GroupIDs,
			})
			if (err != nil) != tt.wantErr || lm.IsMergedGroups(err) != tt.wantMerged {
				t.Fatalf("UpdateUser = %+v, %v; want error %v, merged %v", got, err, tt.wantErr, tt.wantMerged)
			}
			now, _ := p.User(u.ID)
			if !slices.Equal(got.GroupIDs, now.GroupIDs) || got.Status != now.Status {
				t.Fatalf("returned %+v, the portal has %+v", got, now)
			}
			var me *lm.MismatchError
			if tt.wantMerged && (!errors.As(err, &me) || !slices.Equal(me.User.GroupIDs, now.GroupIDs)) {
				t.Fatalf("the mismatch does not carry the user as the portal has it: %v", err)
			}
			var patches, gets int
			for _, r := range p.Requests() {
				switch r.Method {
				case http.MethodPatch:
					patches++
				case http.MethodGet:
					gets++
				}
			}
			if patches != 1 || gets != tt.wantGETs {
				t.Fatalf("%d PATCHes and %d GETs, want 1 and %d", patches, gets, tt.wantGETs)
			}
		})
	}
}

func TestRealPortalNeverSendsUnknownRoles(t *testing.T) {
	p, base := newPortal(t)
	u, _, groups := setupUser(t, p, 0)
	p.OverrideUserField(u.ID, "roles", `null`)
	c := newClient(t, base)
	users, err := c.Users(context.Background())
	if err != nil || users[0].Unreadable == "" {
		t.Fatalf("Users = %+v, %v", users, err)
	}
	_, err = c.UpdateUser(context.Background(), lm.UserUpdate{ID: u.ID, Status: lm.StatusSuspended, GroupIDs: []int{groups[2].ID}, RoleIDs: users[0].RoleIDs()})
	if err == nil || p.Writes() != 0 {
		t.Fatalf("err = %v, %d writes: a user without readable roles was changed", err, p.Writes())
	}
}

// TestRealPortalSmallPatchRateLimit: a change that would wait for a closed
// window past the send-by time is not sent, and says so.
func TestRealPortalSmallPatchRateLimit(t *testing.T) {
	p, base := newPortal(t)
	u, _, groups := setupUser(t, p, 0)
	p.SetRateLimit(http.MethodPatch, 1, 30*time.Second)
	c := newClient(t, base)
	ctx := lm.WithSendBy(context.Background(), time.Now().Add(2*time.Second))
	update := lm.UserUpdate{ID: u.ID, Status: lm.StatusSuspended, GroupIDs: []int{groups[2].ID}, RoleIDs: u.RoleIDs()}
	if _, err := c.UpdateUser(ctx, update); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	update.Status = lm.StatusActive
	_, err := c.UpdateUser(ctx, update)
	if !lm.IsNotSent(err) || lm.RefusalOf(err) != lm.NotRefused {
		t.Fatalf("err = %v, want not sent", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %s to say so", d)
	}
	if p.Writes() != 1 {
		t.Fatalf("%d writes, want 1", p.Writes())
	}
	// A group creation is held the same way once its window closes.
	p.SetRateLimit(http.MethodPost, 1, 30*time.Second)
	if _, err := c.CreateGroup(ctx, "A", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGroup(ctx, "B", ""); !lm.IsNotSent(err) {
		t.Fatalf("second CreateGroup: %v, want not sent", err)
	}
}

func TestRealPortalNotSentAfter429(t *testing.T) {
	p, base := newPortal(t)
	u, _, groups := setupUser(t, p, 0)
	p.SetRateLimit(http.MethodPatch, 250, 30*time.Second)
	p.InjectFault(lmfake.Fault{Method: http.MethodPatch, Status: http.StatusTooManyRequests})
	c := newClient(t, base)
	ctx := lm.WithSendBy(context.Background(), time.Now().Add(time.Second))
	_, err := c.UpdateUser(ctx, lm.UserUpdate{ID: u.ID, Status: lm.StatusSuspended, GroupIDs: []int{groups[2].ID}, RoleIDs: u.RoleIDs()})
	if !lm.IsNotSent(err) || p.Writes() != 0 {
		t.Fatalf("err = %v, %d writes; want not sent again after the 429", err, p.Writes())
	}
}

func TestRealPortalAuthHelpers(t *testing.T) {
	for _, tt := range []struct {
		status int
		want   lm.Refusal
	}{{401, lm.RefusedCredential}, {403, lm.RefusedPermission}, {404, lm.NotRefused}} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			p, base := newPortal(t)
			u, _, groups := setupUser(t, p, 0)
			p.InjectFault(lmfake.Fault{Method: http.MethodPatch, Status: tt.status})
			c := newClient(t, base)
			_, err := c.UpdateUser(context.Background(), lm.UserUpdate{ID: u.ID, Status: lm.StatusSuspended, GroupIDs: []int{groups[2].ID}, RoleIDs: u.RoleIDs()})
			if got := lm.RefusalOf(err); got != tt.want {
				t.Fatalf("err = %v: RefusalOf = %v, want %v", err, got, tt.want)
			}
		})
	}
}
