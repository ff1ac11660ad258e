package lm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
)

const (
	groupsPath = "/setting/admin/groups"
	rolesPath  = "/setting/roles"
)

// Groups lists every user group of the portal, sorted by id.
func (c *Client) Groups(ctx context.Context) ([]Group, error) {
	return list(ctx, c, listing[Group]{path: groupsPath, fields: "id,name", parse: parseGroup, idOf: func(g Group) (int, bool) { return g.ID, true }})
}

// Roles lists every role of the portal, sorted by id.
func (c *Client) Roles(ctx context.Context) ([]Role, error) {
	return list(ctx, c, listing[Role]{path: rolesPath, fields: "id,name,privileges", parse: parseRole, idOf: func(r Role) (int, bool) { return r.ID, true }})
}

// parseGroup reads a group; id 0 is a group like any other (portals use it).
func parseGroup(obj gjson.Result) (Group, error) {
	id, name, err := parseNamed(obj, "the group", 0)
	return Group{ID: id, Name: name}, err
}

func parseRole(obj gjson.Result) (Role, error) {
	id, name, err := parseNamed(obj, "the role", 1)
	return Role{ID: id, Name: name, Privileges: parsePrivileges(obj.Get("privileges"))}, err
}

// parsePrivileges reads a role's privileges tolerantly: they only inform
// check (may the token's owner manage users?), so a privilege that cannot
// be read is left out rather than stopping the role list, and a list that
// is absent or not a list is nil (unknown). Ids may come as numbers.
func parsePrivileges(v gjson.Result) []Privilege {
	if !v.IsArray() {
		return nil
	}
	out := []Privilege{}
	v.ForEach(func(_, elem gjson.Result) bool {
		text := func(name string) (string, bool) {
			f := elem.Get(gjson.Escape(name))
			switch f.Type {
			case gjson.String:
				return strings.Clone(f.Str), true
			case gjson.Number:
				return strings.Clone(f.Raw), true
			}
			return "", false
		}
		typ, ok1 := text("objectType")
		id, ok2 := text("objectId")
		op, ok3 := text("operation")
		if elem.IsObject() && ok1 && ok2 && ok3 {
			out = append(out, Privilege{ObjectType: typ, ObjectID: id, Operation: op})
		}
		return true
	})
	return out
}

// parseNamed reads the required id and non-empty name shared by groups and
// roles: the hygiene steps find both by name. A group or role that cannot be
// read stops the list: users are named and grouped through these lists, so
// a hole in them would misname every user that refers to it.
func parseNamed(obj gjson.Result, what string, leastID int64) (int, string, error) {
	var d decoder
	if !d.object(obj, what) {
		return 0, "", d.err
	}
	id, _ := d.id(obj, "id", leastID)
	name := d.str(obj, "name", true)
	if d.err == nil && name == "" {
		d.fail(`name ""`)
	}
	return id, name, d.err
}

// CreateGroup creates a user group. When the portal answers 409 because a
// group of that name exists (names compare case-insensitively), the existing
// group is returned: the caller wants the group to exist, not to be new. This
// also makes a re-sent POST whose first answer was lost harmless.
func (c *Client) CreateGroup(ctx context.Context, name, description string) (Group, error) {
	if name == "" {
		return Group{}, errors.New("create group: the name is empty")
	}
	body, err := json.Marshal(struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}{name, description})
	if err != nil {
		return Group{}, fmt.Errorf("create group: %w", err)
	}
	resp, err := c.do(ctx, http.MethodPost, groupsPath, nil, body, maxObjectBytes)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusConflict {
		return c.existingGroup(ctx, name, err)
	}
	if err != nil {
		return Group{}, err
	}
	g, err := parseGroup(gjson.ParseBytes(resp))
	if err == nil && !SameName(g.Name, name) {
		err = fmt.Errorf("asked to create group %q, the portal answered with group %q", name, g.Name)
	}
	if err != nil {
		return Group{}, &ResponseError{Method: http.MethodPost, Path: groupsPath, StatusCode: http.StatusOK, Reason: err.Error()}
	}
	return g, nil
}

// existingGroup finds the group a 409 referred to. The whole list is read
// rather than a name filter, whose quoting rules for names with quotes or
// commas are undocumented.
func (c *Client) existingGroup(ctx context.Context, name string, conflict error) (Group, error) {
	groups, err := c.Groups(ctx)
	if err != nil {
		return Group{}, fmt.Errorf("group %q already exists but the groups cannot be read: %w", name, err)
	}
	if g, ok := FindGroup(groups, name); ok {
		return g, nil
	}
	return Group{}, fmt.Errorf("the portal says group %q exists, but no group of that name is listed: %w", name, conflict)
}
