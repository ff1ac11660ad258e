package lmfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"lm-user-hygiene/lm"
)

const (
	usersPath  = "/setting/admins"
	groupsPath = "/setting/admin/groups"
	rolesPath  = "/setting/roles"
)

// route dispatches an authenticated, rate-checked request.
func (p *Portal) route(method, resource string, q url.Values, body []byte, f Fault) reply {
	collection, id, isItem, ok := splitResource(resource)
	if !ok {
		return errorReply(http.StatusNotFound, "No such resource")
	}
	switch {
	case collection == usersPath && !isItem && method == http.MethodGet:
		return p.listUsers(q)
	case collection == usersPath && isItem && method == http.MethodGet:
		return p.getUser(id, q)
	case collection == usersPath && isItem && method == http.MethodPatch:
		return p.patchUser(id, body, f)
	case collection == groupsPath && !isItem && method == http.MethodGet:
		return p.listGroups(q)
	case collection == groupsPath && !isItem && method == http.MethodPost:
		return p.createGroup(body)
	case collection == groupsPath && isItem && method == http.MethodGet:
		return p.getGroup(id, q)
	case collection == rolesPath && !isItem && method == http.MethodGet:
		return p.listRoles(q)
	case collection == rolesPath && isItem && method == http.MethodGet:
		return p.getRole(id, q)
	}
	return errorReply(http.StatusMethodNotAllowed, fmt.Sprintf("%s is not supported on %s", method, resource))
}

// splitResource maps a resource path to its collection and, for an item path
// (collection/{id}), the id. ok is false for paths the portal does not serve.
func splitResource(resource string) (collection string, id int, isItem, ok bool) {
	for _, c := range []string{usersPath, groupsPath, rolesPath} {
		if resource == c {
			return c, 0, false, true
		}
		if rest, found := strings.CutPrefix(resource, c+"/"); found {
			n, err := strconv.Atoi(rest)
			if err != nil || rest == "" || rest[0] < '0' || rest[0] > '9' {
				return "", 0, false, false
			}
			return c, n, true, true
		}
	}
	return "", 0, false, false
}

// collectionOf is the rate-limit key's path: items share their collection's
// bucket, as the portal limits per endpoint.
func collectionOf(resource string) string {
	if c, _, _, ok := splitResource(resource); ok {
		return c
	}
	return resource
}

func (p *Portal) listUsers(q url.Values) reply {
	p.mu.Lock()
	defer p.mu.Unlock()
	if name := p.refusedFieldLocked(q); name != "" {
		return errorReply(http.StatusBadRequest, fmt.Sprintf("Unknown field %s in fields", name))
	}
	if rep, refused := p.refusesSort(q); refused {
		return rep
	}
	fields := userFields
	if p.cfg.ThinProjection && q.Get("fields") != "" {
		fields = topLevelUserFields
	}
	rep := listPage(q, p.users, fields, p.negative, p.pageCap)
	if offset, _ := intParam(q, "offset", 0); offset == 0 && rep.status == http.StatusOK {
		p.insertPendingLocked()
		p.removePendingLocked()
	}
	return rep
}

func (p *Portal) getUser(id int, q url.Values) reply {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.userByIDLocked(id)
	if u == nil {
		return errorReply(http.StatusNotFound, fmt.Sprintf("No such user: %d", id))
	}
	return oneItem(q, u, userFields)
}

// refusesSort answers a list request with sort= when the portal refuses it.
func (p *Portal) refusesSort(q url.Values) (reply, bool) {
	if p.cfg.RefuseSort && q.Has("sort") {
		return errorReply(http.StatusBadRequest, SortRefusedMessage), true
	}
	return reply{}, false
}

// refusedPatchFields make the portal e-mail the user when changed; the tool
// must never send them, so the fake refuses them outright.
var refusedPatchFields = []string{"username", "email", "firstName", "lastName"}

func (p *Portal) patchUser(id int, body []byte, f Fault) reply {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.userByIDLocked(id)
	if u == nil {
		return errorReply(http.StatusNotFound, fmt.Sprintf("No such user: %d", id))
	}
	if p.cfg.RefusePatches {
		return errorReply(http.StatusBadRequest, PatchRefusedMessage)
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(body, &in); err != nil || in == nil {
		return errorReply(http.StatusBadRequest, "Request body must be a JSON object")
	}
	for _, name := range refusedPatchFields {
		if _, ok := in[name]; ok {
			return errorReply(http.StatusBadRequest, fmt.Sprintf("Field %s cannot be changed by this request", name))
		}
	}

	status := u.status
	if raw, ok := in["status"]; ok {
		if err := json.Unmarshal(raw, &status); err != nil || (status != lm.StatusActive && status != lm.StatusSuspended) {
			return errorReply(http.StatusBadRequest, "status must be active or suspended")
		}
	}

	groups := u.groupIDs
	if raw, ok := in["adminGroupIds"]; ok {
		var ids []int
		if err := json.Unmarshal(raw, &ids); err != nil || ids == nil {
			return errorReply(http.StatusBadRequest, "adminGroupIds must be a list of group ids")
		}
		for _, gid := range ids {
			if p.groupByIDLocked(gid) == nil {
				return errorReply(http.StatusBadRequest, fmt.Sprintf("No such user group: %d", gid))
			}
		}
		groups = ids
		switch {
		case p.cfg.IgnoreGroupIDs:
			groups = u.groupIDs
		case p.cfg.MergeGroupIDs:
			groups = slices.Clone(u.groupIDs)
			for _, gid := range ids {
				if !slices.Contains(groups, gid) {
					groups = append(groups, gid)
				}
			}
		}
	}

	roles := u.roles
	raw, hasRoles := in["roles"]
	switch {
	case hasRoles:
		var refs []struct {
			ID *int `json:"id"`
		}
		if err := json.Unmarshal(raw, &refs); err != nil || len(refs) == 0 {
			return errorReply(http.StatusBadRequest, "roles must be a non-empty list of {\"id\": N}")
		}
		roles = nil
		for _, ref := range refs {
			if ref.ID == nil {
				return errorReply(http.StatusBadRequest, "every role needs an id")
			}
			r := p.roleByIDLocked(*ref.ID)
			if r == nil {
				return errorReply(http.StatusBadRequest, fmt.Sprintf("No such role: %d", *ref.ID))
			}
			roles = append(roles, lm.Role{ID: r.id, Name: r.name})
		}
	case p.cfg.RequirePatchRoles:
		return errorReply(http.StatusBadRequest, "roles is mandatory")
	}

	u.status, u.groupIDs, u.roles = status, slices.Clone(groups), roles
	answer := u
	if f.Mismatch {
		// The change is applied, but the answer says otherwise: the client
		// must compare and report.
		shown := *u
		shown.status = map[string]string{lm.StatusActive: lm.StatusSuspended, lm.StatusSuspended: lm.StatusActive}[u.status]
		shown.groupIDs = append(slices.Clone(u.groupIDs), p.nextGroupID+1000)
		answer = &shown
	}
	sel := userFields
	if f.OmitGroups || f.OmitStatus {
		sel = slices.DeleteFunc(slices.Clone(userFields), func(fd field[*user]) bool {
			return f.OmitGroups && fd.name == "adminGroupIds" || f.OmitStatus && fd.name == "status"
		})
	}
	return jsonReply(appendObject(nil, answer, sel))
}

func (p *Portal) listGroups(q url.Values) reply {
	p.mu.Lock()
	defer p.mu.Unlock()
	if name := p.refusedFieldLocked(q); name != "" {
		return errorReply(http.StatusBadRequest, fmt.Sprintf("Unknown field %s in fields", name))
	}
	if rep, refused := p.refusesSort(q); refused {
		return rep
	}
	return listPage(q, p.groups, groupFields, p.negative, p.pageCap)
}

func (p *Portal) getGroup(id int, q url.Values) reply {
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.groupByIDLocked(id)
	if g == nil {
		return errorReply(http.StatusNotFound, fmt.Sprintf("No such user group: %d", id))
	}
	return oneItem(q, g, groupFields)
}

func (p *Portal) createGroup(body []byte) reply {
	var in struct {
		Name        *string `json:"name"`
		Description string  `json:"description"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return errorReply(http.StatusBadRequest, "A user group needs a name")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.groupByNameLocked(*in.Name) != nil {
		return errorReply(http.StatusConflict, fmt.Sprintf("A user group named %q already exists", *in.Name))
	}
	return jsonReply(appendObject(nil, p.addGroupLocked(*in.Name, in.Description), groupFields))
}

// roleViewsLocked counts each role's users (one pass over the users).
func (p *Portal) roleViewsLocked() []roleView {
	counts := map[int]int{}
	for _, u := range p.users {
		for _, r := range u.roles {
			counts[r.ID]++
		}
	}
	views := make([]roleView, len(p.roles))
	for i, r := range p.roles {
		views[i] = roleView{role: r, users: counts[r.id]}
	}
	return views
}

func (p *Portal) listRoles(q url.Values) reply {
	p.mu.Lock()
	defer p.mu.Unlock()
	if name := p.refusedFieldLocked(q); name != "" {
		return errorReply(http.StatusBadRequest, fmt.Sprintf("Unknown field %s in fields", name))
	}
	if rep, refused := p.refusesSort(q); refused {
		return rep
	}
	return listPage(q, p.roleViewsLocked(), roleFields, p.negative, p.pageCap)
}

func (p *Portal) getRole(id int, q url.Values) reply {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range p.roleViewsLocked() {
		if v.id == id {
			return oneItem(q, v, roleFields)
		}
	}
	return errorReply(http.StatusNotFound, fmt.Sprintf("No such role: %d", id))
}
