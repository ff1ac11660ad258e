package lm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

const usersPath = "/setting/admins"

// Users lists every user of the portal, sorted by id.
func (c *Client) Users(ctx context.Context) ([]User, error) {
	return list(ctx, c, usersPath, strings.Join(UserFields, ","), parseUser, func(u User) int { return u.ID })
}

// parseUser reads one user object. id, username and status are required, the
// username must not be empty and status must be one of the two values the API
// documents; every other field may be missing but must have its documented
// type when present.
func parseUser(obj gjson.Result) (User, error) {
	var d decoder
	if !d.object(obj, "the user") {
		return User{}, d.err
	}
	u := User{
		ID:           d.id(obj, "id"),
		Username:     d.str(obj, "username", true),
		Status:       d.shared(obj, "status", true),
		APIOnly:      d.bool(obj, "apionly"),
		CreatedBy:    d.shared(obj, "createdBy", false),
		LastLoginOn:  d.int(obj, "lastLoginOn", false),
		LastActionOn: d.int(obj, "lastActionOn", false),
		LastAccessOn: d.int(obj, "lastAccessOn", false),
	}
	// Protection and reports go by username: a user without one cannot be
	// judged, so the list is refused like any other unreadable item.
	if d.err == nil && u.Username == "" {
		d.fail("username is empty")
	}
	if d.err == nil && u.Status != StatusActive && u.Status != StatusSuspended {
		d.fail("status is %q, neither %q nor %q", u.Status, StatusActive, StatusSuspended)
	}
	d.array(obj, "roles", func(elem gjson.Result) {
		if d.object(elem, d.element()) {
			u.Roles = append(u.Roles, Role{ID: d.id(elem, "id"), Name: d.shared(elem, "name", true)})
		}
	})
	d.array(obj, "adminGroupIds", func(elem gjson.Result) {
		u.GroupIDs = append(u.GroupIDs, int(d.intValue(elem, d.element())))
	})
	d.array(obj, "apiTokens", func(elem gjson.Result) {
		if d.object(elem, d.element()) {
			u.APITokens = append(u.APITokens, APIToken{
				AccessID:   d.str(elem, "accessId", true),
				Enabled:    d.int(elem, "status", true) == tokenEnabled,
				LastUsedOn: d.int(elem, "lastUsedOn", false),
			})
		}
	})
	if d.err != nil {
		return User{}, userError(u, d.err)
	}
	return u, nil
}

// tokenEnabled is the API's status of an enabled API token (1 = disabled).
const tokenEnabled = 2

// userError names the user an item error belongs to when its id was read.
func userError(u User, err error) error {
	if u.ID > 0 {
		return fmt.Errorf("user %d: %w", u.ID, err)
	}
	return err
}

// patchBody is the PATCH body of a user update. Its fields are all the
// client ever sends: never username, e-mail or names, whose change makes the
// portal e-mail the user.
type patchBody struct {
	Status        string    `json:"status"`
	AdminGroupIDs []int     `json:"adminGroupIds"`
	Roles         []roleRef `json:"roles"`
}

type roleRef struct {
	ID int `json:"id"`
}

// UpdateUser writes u's complete desired status, groups and roles in one
// PATCH. The roles are sent because some portals refuse an update without
// them, and the full group list because whether the portal replaces or merges
// adminGroupIds is undocumented. The answer is then compared with what was
// asked: a different status or group set is a *MismatchError, returned
// together with the user as the portal now reports it.
func (c *Client) UpdateUser(ctx context.Context, u UserUpdate) (User, error) {
	if u.ID <= 0 {
		return User{}, fmt.Errorf("update user: invalid user id %d", u.ID)
	}
	if u.Status != StatusActive && u.Status != StatusSuspended {
		return User{}, fmt.Errorf("update user %d: status %q is neither %q nor %q", u.ID, u.Status, StatusActive, StatusSuspended)
	}
	pb := patchBody{Status: u.Status, AdminGroupIDs: []int{}, Roles: []roleRef{}}
	pb.AdminGroupIDs = append(pb.AdminGroupIDs, u.GroupIDs...)
	for _, id := range u.RoleIDs {
		pb.Roles = append(pb.Roles, roleRef{ID: id})
	}
	// Serialised once: the LMv1 signature covers these exact bytes.
	body, err := json.Marshal(pb)
	if err != nil {
		return User{}, fmt.Errorf("update user %d: %w", u.ID, err)
	}
	path := usersPath + "/" + strconv.Itoa(u.ID)
	resp, err := c.do(ctx, http.MethodPatch, path, nil, body)
	if err != nil {
		return User{}, err
	}
	bad := func(err error) error {
		return &ResponseError{Method: http.MethodPatch, Path: path, StatusCode: http.StatusOK, Reason: err.Error()}
	}
	obj := gjson.ParseBytes(resp)
	got, err := parseUser(obj)
	if err != nil {
		return User{}, bad(err)
	}
	// Without adminGroupIds in the answer the update cannot be verified, and
	// reading the absence as "no groups" would report a false mismatch.
	if !obj.Get("adminGroupIds").IsArray() {
		return User{}, bad(errors.New("the answer has no adminGroupIds to verify the update against"))
	}
	var diffs []string
	if got.ID != u.ID {
		diffs = append(diffs, fmt.Sprintf("asked to update user %d, the portal answered with user %d", u.ID, got.ID))
	}
	if got.Status != u.Status {
		diffs = append(diffs, fmt.Sprintf("asked status %s, the portal answered %s", u.Status, got.Status))
	}
	if !sameIDSet(got.GroupIDs, u.GroupIDs) {
		diffs = append(diffs, fmt.Sprintf("asked groups %v, the portal answered %v", sortedIDs(u.GroupIDs), sortedIDs(got.GroupIDs)))
	}
	if len(diffs) > 0 {
		return got, &MismatchError{UserID: u.ID, Reason: strings.Join(diffs, "; ")}
	}
	return got, nil
}

// sameIDSet compares two id lists as sets: the portal may reorder them.
func sameIDSet(a, b []int) bool {
	return slices.Equal(sortedIDs(a), sortedIDs(b))
}

func sortedIDs(ids []int) []int {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
