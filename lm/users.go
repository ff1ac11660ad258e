package lm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
	"github.com/tidwall/gjson"
)

const usersPath = "/setting/admins"

// Users lists every user of the portal, sorted by id. A user that cannot be
// read with confidence is in the list with Unreadable set (see parseUser);
// role references the portal sent without a name have an empty Name until
// NameRoles names them from Roles.
func (c *Client) Users(ctx context.Context) ([]User, error) {
	return list(ctx, c, listing[User]{
		path: usersPath, fields: strings.Join(UserFields, ","), parse: parseUser,
		idOf: func(u User) (int, bool) { return u.ID, u.ID != NoID },
		thin: lacksNested, nested: "roles or adminGroupIds",
	})
}

// lacksNested reports a user of a fields= answer whose roles or
// adminGroupIds could not be read (absent, null or not a list): a
// projection that dropped nested data, when most users of the answer lack
// them (one user lacking them is that user's problem).
func lacksNested(u User) bool { return u.Roles == nil || u.GroupIDs == nil }

// parseUser reads one user object. Only an item that is not an object at
// all is an error (the page is then not a list of users). A user object that
// cannot be read with confidence is returned with Unreadable saying which
// field held what, and the steps leave it alone: one odd user must not stop
// the run, and must never be acted on. Unreadable: no usable id (a whole
// number of at least 0; the user's ID is then NoID), no
// username, a status other than active or suspended, roles or adminGroupIds
// null, absent or not a list (e.g. the string "1,2"), any field of the wrong
// type. Forms that mean one thing are read: status in any case, integers as
// digit strings, a role reference without a name (see NameRoles), a token
// whose accessId is null. A password (portals send it masked) is never read:
// nothing the client keeps can print or send it.
func parseUser(obj gjson.Result) (User, error) {
	var d decoder
	if !d.object(obj, "the user") {
		return User{}, d.err
	}
	// Every field is read even after one fails, so that the run can show
	// the user; a field that failed stays zero (nil for a list), never half
	// read: partial roles in a PATCH would take a role away.
	id, hasID := d.id(obj, "id", 0)
	if !hasID {
		id = NoID
	}
	u := User{
		ID:           id,
		Username:     d.str(obj, "username", true),
		Status:       d.status(obj),
		APIOnly:      d.bool(obj, "apionly"),
		CreatedBy:    d.shared(obj, "createdBy", false),
		Note:         d.str(obj, "note", false),
		Email:        optionalText(d.lookup(obj, "email")),
		LastLoginOn:  d.int(obj, "lastLoginOn", false),
		LastActionOn: d.int(obj, "lastActionOn", false),
		LastAccessOn: d.int(obj, "lastAccessOn", false),
	}
	if u.Username == "" {
		// Protection and reports go by username.
		d.fail(`username ""`)
	}
	roles := []Role{}
	if !d.array(obj, "roles", true, func(elem gjson.Result) {
		if d.elementObject(elem) {
			// A reference may carry the id alone; NameRoles names it.
			id, _ := d.id(elem, "id", 1)
			roles = append(roles, Role{ID: id, Name: d.shared(elem, "name", false)})
		}
	}) {
		roles = nil
	}
	u.Roles = sharedRoles(roles)
	groups := []int{}
	if !d.array(obj, "adminGroupIds", true, func(elem gjson.Result) {
		n, ok := d.intValue(elem, d.element())
		if ok && (n < 0 || n > math.MaxInt32) {
			d.err = errors.New(d.element() + " " + held(elem))
			return
		}
		groups = append(groups, int(n))
	}) {
		groups = nil
	}
	u.GroupIDs = groups
	var tokens []APIToken
	if !d.array(obj, "apiTokens", false, func(elem gjson.Result) {
		if d.elementObject(elem) {
			tokens = append(tokens, APIToken{
				// null (or absent) is a bearer token, which has no access id.
				AccessID:   d.str(elem, "accessId", false),
				Enabled:    d.int(elem, "status", true) == tokenEnabled,
				LastUsedOn: d.int(elem, "lastUsedOn", false),
			})
		}
	}) {
		tokens = nil
	}
	u.APITokens = tokens
	if d.err != nil {
		u.Unreadable = d.err.Error()
	}
	return u, nil
}

// optionalText is a string field no rule decides on (the e-mail): its text,
// or "" when it is absent, null or not a string, which leaves the user
// readable.
func optionalText(v gjson.Result) string {
	if v.Type != gjson.String {
		return ""
	}
	return strings.Clone(v.Str)
}

// roleListKey is a short, fully named role list as a map key.
type roleListKey struct {
	n     int
	ids   [maxSharedRoles]int
	names [maxSharedRoles]string
}

const (
	// maxSharedRoles is the longest role list sharedRoles shares.
	maxSharedRoles = 4
	// maxRoleLists bounds the lists shared: a portal whose users hold more
	// distinct role lists keeps the rest each in its own slice.
	maxRoleLists = 4096
)

var roleLists struct {
	sync.Mutex
	m map[roleListKey][]Role
}

// sharedRoles returns a user's role list, stored once for every user that
// holds the same roles (most users of a portal hold one of a few lists): a
// slice per user is about 3 MB at 50,000 users. The shared slice's capacity
// is its length, so an append copies it. A list with a role the portal sent
// without a name is not shared, because NameRoles names its elements in
// place; nothing else writes a user's roles.
func sharedRoles(roles []Role) []Role {
	if len(roles) == 0 || len(roles) > maxSharedRoles {
		return roles
	}
	k := roleListKey{n: len(roles)}
	for i, r := range roles {
		if r.Name == "" || r.Privileges != nil {
			return roles
		}
		k.ids[i], k.names[i] = r.ID, r.Name
	}
	roleLists.Lock()
	defer roleLists.Unlock()
	if s, ok := roleLists.m[k]; ok {
		return s
	}
	if len(roleLists.m) >= maxRoleLists {
		return roles
	}
	if roleLists.m == nil {
		roleLists.m = make(map[roleListKey][]Role)
	}
	s := slices.Clip(slices.Clone(roles))
	roleLists.m[k] = s
	return s
}

// status reads the user's status in any case, as one of the two constants.
func (d *decoder) status(obj gjson.Result) string {
	v, ok := d.strValue(obj, "status", true)
	switch {
	case !ok:
		return ""
	case strings.EqualFold(v, StatusActive):
		return StatusActive
	case strings.EqualFold(v, StatusSuspended):
		return StatusSuspended
	}
	d.failHeld("status", d.lookup(obj, "status"))
	return ""
}

// tokenEnabled is the API's status of an enabled API token (1 = disabled).
const tokenEnabled = 2

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
// adminGroupIds is undocumented. A user whose roles are unknown (RoleIDs nil
// or empty) is never sent: roles [] could strip its roles.
//
// The answer is then compared with what was asked. When it lacks the status
// or the groups, a GET of the user decides (a portal may answer a PATCH with
// only what it changed, or nothing). A different status or group set is a
// *MismatchError carrying the user as the portal has it, also returned as
// the User; when the portal's groups are the union of the groups before
// (u.Before) and the desired ones, it merged instead of replacing, and
// IsMergedGroups(err) is true: every further change would pile groups up.
//
// With a send-by time in ctx (WithSendBy), an update that would have to
// wait for a closed rate-limit window past it is not sent (IsNotSent).
func (c *Client) UpdateUser(ctx context.Context, u UserUpdate) (User, error) {
	if u.ID < 0 {
		return User{}, fmt.Errorf("update user: invalid user id %d", u.ID)
	}
	if u.Status != StatusActive && u.Status != StatusSuspended {
		return User{}, fmt.Errorf("update user %d: status %q is neither %q nor %q", u.ID, u.Status, StatusActive, StatusSuspended)
	}
	if len(u.RoleIDs) == 0 {
		return User{}, fmt.Errorf("update user %d: its roles are unknown; a PATCH without them could take them away", u.ID)
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
	resp, err := c.do(ctx, http.MethodPatch, path, nil, body, maxObjectBytes)
	if err != nil {
		return User{}, err
	}
	got, err := parseUser(gjson.ParseBytes(resp))
	if err != nil {
		return User{}, &ResponseError{Method: http.MethodPatch, Path: path, StatusCode: http.StatusOK, Reason: err.Error()}
	}
	answeredID := gjson.GetBytes(resp, "id").Exists()
	if answeredID && got.ID != u.ID {
		return got, &MismatchError{UserID: u.ID, User: got,
			Reason: fmt.Sprintf("asked to update user %d, the portal answered with user %d", u.ID, got.ID)}
	}
	if got.Status == "" || got.GroupIDs == nil {
		// The answer does not say what the user now is: ask. A read-back
		// that fails leaves the update unverified, which is an error too.
		c.log.WithFields(logrus.Fields{"user": u.ID}).Debug("the PATCH answer lacks status or adminGroupIds; reading the user back")
		if got, err = c.user(ctx, u.ID); err != nil {
			return User{}, fmt.Errorf("update user %d was sent but cannot be verified: %w", u.ID, err)
		}
		if got.Status == "" || got.GroupIDs == nil {
			return got, &ResponseError{Method: http.MethodGet, Path: path, StatusCode: http.StatusOK,
				Reason: "the user read back has no readable status or adminGroupIds to verify the update against (" + got.Unreadable + ")"}
		}
	}
	return got, verify(u, got)
}

// verify compares the user as the portal has it with the update asked.
func verify(u UserUpdate, got User) error {
	var diffs []string
	if !SameStatus(got.Status, u.Status) {
		diffs = append(diffs, fmt.Sprintf("asked status %s, the portal has %s", u.Status, got.Status))
	}
	sameGroups := sameIDSet(got.GroupIDs, u.GroupIDs)
	if !sameGroups {
		diffs = append(diffs, fmt.Sprintf("asked groups %v, the portal has %v", sortedIDs(u.GroupIDs), sortedIDs(got.GroupIDs)))
	}
	if len(diffs) == 0 {
		return nil
	}
	merged := !sameGroups && u.Before != nil && sameIDSet(got.GroupIDs, append(slices.Clone(u.Before), u.GroupIDs...))
	// Groups as they were, although others were asked: the portal ignored
	// adminGroupIds (a merge of groups already held looks the same only
	// when nothing was asked beyond them, and then sameGroups holds).
	ignored := !sameGroups && !merged && u.Before != nil && sameIDSet(got.GroupIDs, u.Before)
	switch {
	case merged:
		diffs = append(diffs, "the portal merges adminGroupIds instead of replacing them")
	case ignored:
		diffs = append(diffs, "the portal ignores adminGroupIds: the user's groups are as they were before the update")
	}
	return &MismatchError{UserID: u.ID, User: got, Merged: merged, Ignored: ignored, Reason: strings.Join(diffs, "; ")}
}

// user reads one user, whole: the read decides whether an update was made,
// and a projection that a portal refuses or thins (see list) would leave it
// undecided. One object costs little more whole.
func (c *Client) user(ctx context.Context, id int) (User, error) {
	path := usersPath + "/" + strconv.Itoa(id)
	resp, err := c.do(ctx, http.MethodGet, path, nil, nil, maxObjectBytes)
	if err != nil {
		return User{}, err
	}
	u, err := parseUser(gjson.ParseBytes(resp))
	if err != nil {
		return User{}, &ResponseError{Method: http.MethodGet, Path: path, StatusCode: http.StatusOK, Reason: err.Error()}
	}
	if u.ID != id {
		return User{}, &ResponseError{Method: http.MethodGet, Path: path, StatusCode: http.StatusOK,
			Reason: fmt.Sprintf("asked for user %d, the portal answered with user %d", id, u.ID)}
	}
	return u, nil
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
