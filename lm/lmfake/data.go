package lmfake

import (
	"slices"
	"sort"
	"strings"

	"lm-user-hygiene/lm"
)

// user is the portal's record of a user: lm.User plus the fields the API
// returns that the hygiene steps never read.
type user struct {
	id           int
	username     string
	email        string
	firstName    string
	lastName     string
	status       string
	apiOnly      bool
	createdBy    string
	note         string
	roles        []lm.Role // names are copied from the role table when set
	groupIDs     []int     // may name groups that no longer exist, as on a real portal
	lastLoginOn  int64
	lastActionOn int64
	lastAccessOn int64
	tokens       []token
	// overrides holds raw JSON written instead of a field ("" leaves the
	// field out): the shapes real portals send that the swagger does not.
	overrides map[string]string
}

// override returns the raw JSON set for a field, if any. A nil user has none.
func (u *user) override(name string) (string, bool) {
	if u == nil || u.overrides == nil {
		return "", false
	}
	raw, ok := u.overrides[name]
	return raw, ok
}

// OverrideUserField makes the portal write raw (JSON, written as given) for
// that field of the user in every answer, or leave the field out when raw is
// "". It is how tests show the client the shapes real portals may send that
// the swagger does not describe: "Active" or "pending" as status, an id as a
// string, roles or adminGroupIds null or absent, a role without a name, a
// token whose accessId is null or whose status is a string. The user's
// stored state, filters and PATCHes are unaffected.
func (p *Portal) OverrideUserField(id int, field, raw string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u := p.userByIDLocked(id); u != nil {
		if u.overrides == nil {
			u.overrides = map[string]string{}
		}
		u.overrides[field] = raw
	}
}

type token struct {
	id         int
	accessID   string
	enabled    bool
	lastUsedOn int64
	createdOn  int64
}

type group struct {
	id          int
	name        string
	description string
	parentID    int
	createdOn   int64
	updatedOn   int64
}

type role struct {
	id          int
	name        string
	description string
	privileges  []lm.Privilege
}

// The privileges a new role gets, as a portal's default roles carry them:
// the administrator writes everything, including user access; every other
// role views (tests give a role other rights with SetRolePrivileges).
var (
	AdministratorPrivileges = []lm.Privilege{
		{ObjectType: "dashboard_group", ObjectID: "*", Operation: "write"},
		{ObjectType: "host_group", ObjectID: "*", Operation: "write"},
		{ObjectType: "website_group", ObjectID: "*", Operation: "write"},
		{ObjectType: "report_group", ObjectID: "*", Operation: "write"},
		{ObjectType: "map", ObjectID: "*", Operation: "write"},
		{ObjectType: "logs", ObjectID: "*", Operation: "write"},
		{ObjectType: "remoteSession", ObjectID: "*", Operation: "write"},
		{ObjectType: "help", ObjectID: "*", Operation: "read"},
		{ObjectType: "setting", ObjectID: "*", Operation: "write"},
		{ObjectType: "setting", ObjectID: "useraccess.*", Operation: "write"},
	}
	ReadonlyPrivileges = []lm.Privilege{
		{ObjectType: "dashboard_group", ObjectID: "*", Operation: "read"},
		{ObjectType: "host_group", ObjectID: "*", Operation: "read"},
		{ObjectType: "website_group", ObjectID: "*", Operation: "read"},
		{ObjectType: "report_group", ObjectID: "*", Operation: "read"},
		{ObjectType: "help", ObjectID: "chat", Operation: "read"},
		{ObjectType: "setting", ObjectID: "*", Operation: "read"},
	}
)

// defaultPrivileges are the privileges of a new role of that name.
func defaultPrivileges(name string) []lm.Privilege {
	if strings.EqualFold(name, "administrator") {
		return AdministratorPrivileges
	}
	return ReadonlyPrivileges
}

func (r *role) toLM() lm.Role {
	return lm.Role{ID: r.id, Name: r.name, Privileges: slices.Clone(r.privileges)}
}

func (u *user) toLM() lm.User {
	out := lm.User{
		ID:           u.id,
		Username:     u.username,
		Status:       u.status,
		APIOnly:      u.apiOnly,
		CreatedBy:    u.createdBy,
		Roles:        slices.Clone(u.roles),
		GroupIDs:     slices.Clone(u.groupIDs),
		LastLoginOn:  u.lastLoginOn,
		LastActionOn: u.lastActionOn,
		LastAccessOn: u.lastAccessOn,
		Note:         u.note,
		Email:        u.email,
	}
	// The API always sends these lists, so a copy never holds nil ones.
	if out.Roles == nil {
		out.Roles = []lm.Role{}
	}
	if out.GroupIDs == nil {
		out.GroupIDs = []int{}
	}
	out.APITokens = make([]lm.APIToken, 0, len(u.tokens))
	for _, t := range u.tokens {
		out.APITokens = append(out.APITokens, lm.APIToken{AccessID: t.accessID, Enabled: t.enabled, LastUsedOn: t.lastUsedOn})
	}
	return out
}

// AddUser stores u and returns it as stored. An id of 0 gets the next free
// id; an id already in use replaces that user. Roles are resolved by id, then
// by name, and created when the portal does not know them, so a stored user
// never holds a role the portal would refuse in a PATCH. Group ids are kept as
// given: pointing at a group that does not exist is a situation the tool must
// handle. An empty status means active.
func (p *Portal) AddUser(u lm.User) lm.User {
	p.mu.Lock()
	defer p.mu.Unlock()
	nu := p.fromLM(u)
	if nu.id == 0 {
		nu.id = p.nextUserID
	}
	return p.addUserLocked(nu).toLM()
}

// AddUserWithID stores u under id (0 included, an id like any other),
// replacing any user with that id; otherwise as AddUser.
func (p *Portal) AddUserWithID(id int, u lm.User) lm.User {
	p.mu.Lock()
	defer p.mu.Unlock()
	nu := p.fromLM(u)
	nu.id = id
	return p.addUserLocked(nu).toLM()
}

func (p *Portal) fromLM(u lm.User) *user {
	nu := &user{
		id:           u.ID,
		username:     u.Username,
		status:       u.Status,
		apiOnly:      u.APIOnly,
		createdBy:    u.CreatedBy,
		groupIDs:     slices.Clone(u.GroupIDs),
		lastLoginOn:  u.LastLoginOn,
		lastActionOn: u.LastActionOn,
		lastAccessOn: u.LastAccessOn,
		note:         u.Note,
	}
	if nu.status == "" {
		nu.status = lm.StatusActive
	}
	nu.email, nu.firstName, nu.lastName = personFromUsername(u.Username)
	if u.Email != "" {
		nu.email = u.Email
	}
	for _, r := range u.Roles {
		nu.roles = append(nu.roles, p.resolveRoleLocked(r))
	}
	for _, t := range u.APITokens {
		nu.tokens = append(nu.tokens, token{accessID: t.AccessID, enabled: t.Enabled, lastUsedOn: t.LastUsedOn, createdOn: t.LastUsedOn})
	}
	return nu
}

// personFromUsername derives the e-mail and names the API would also return,
// so that responses carry the swagger's required email.
func personFromUsername(username string) (email, first, last string) {
	email = username
	if !strings.Contains(email, "@") {
		email = username + "@example.com"
	}
	local, _, _ := strings.Cut(email, "@")
	first, last, _ = strings.Cut(local, ".")
	return email, first, last
}

func (p *Portal) resolveRoleLocked(r lm.Role) lm.Role {
	if r.ID > 0 {
		if known := p.roleByIDLocked(r.ID); known != nil {
			return lm.Role{ID: known.id, Name: known.name}
		}
	}
	if r.Name != "" {
		if known := p.roleByNameLocked(r.Name); known != nil {
			return lm.Role{ID: known.id, Name: known.name}
		}
	}
	nr := p.addRoleLocked(r.ID, r.Name)
	return lm.Role{ID: nr.id, Name: nr.name}
}

// addUserLocked stores u under its id (which the caller has set), replacing
// any user with the same id.
func (p *Portal) addUserLocked(u *user) *user {
	for i := range u.tokens {
		if u.tokens[i].id == 0 {
			p.nextTokenID++
			u.tokens[i].id = p.nextTokenID
		}
	}
	if u.id >= p.nextUserID {
		p.nextUserID = u.id + 1
	}
	i, found := p.userIndexLocked(u.id)
	if found {
		p.users[i] = u
		return u
	}
	p.users = slices.Insert(p.users, i, u)
	return u
}

// userIndexLocked finds id in the id-sorted user slice (binary search, so that
// single-user calls stay cheap with tens of thousands of users).
func (p *Portal) userIndexLocked(id int) (int, bool) {
	i := sort.Search(len(p.users), func(i int) bool { return p.users[i].id >= id })
	return i, i < len(p.users) && p.users[i].id == id
}

func (p *Portal) userByIDLocked(id int) *user {
	if i, ok := p.userIndexLocked(id); ok {
		return p.users[i]
	}
	return nil
}

// RemoveUser deletes the user with that id, if any.
func (p *Portal) RemoveUser(id int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i, ok := p.userIndexLocked(id); ok {
		p.users = slices.Delete(p.users, i, i+1)
	}
}

// Users returns a copy of every user, sorted by id.
func (p *Portal) Users() []lm.User {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]lm.User, len(p.users))
	for i, u := range p.users {
		out[i] = u.toLM()
	}
	return out
}

// User returns a copy of the user with that id.
func (p *Portal) User(id int) (lm.User, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u := p.userByIDLocked(id); u != nil {
		return u.toLM(), true
	}
	return lm.User{}, false
}

// AddGroup creates a user group, or returns the existing one when the name is
// taken (names compare case-insensitively, as on the portal).
func (p *Portal) AddGroup(name string) lm.Group {
	p.mu.Lock()
	defer p.mu.Unlock()
	if g := p.groupByNameLocked(name); g != nil {
		return lm.Group{ID: g.id, Name: g.name}
	}
	g := p.addGroupLocked(name, "")
	return lm.Group{ID: g.id, Name: g.name}
}

// AddGroupWithID creates a user group with that id (0 included, which some
// portals use), replacing any group with the same id.
func (p *Portal) AddGroupWithID(id int, name string) lm.Group {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now().Unix()
	g := &group{id: id, name: name, createdOn: now, updatedOn: now}
	i := sort.Search(len(p.groups), func(i int) bool { return p.groups[i].id >= id })
	if i < len(p.groups) && p.groups[i].id == id {
		p.groups[i] = g
	} else {
		p.groups = slices.Insert(p.groups, i, g)
	}
	if id >= p.nextGroupID {
		p.nextGroupID = id + 1
	}
	return lm.Group{ID: g.id, Name: g.name}
}

func (p *Portal) addGroupLocked(name, description string) *group {
	now := p.now().Unix()
	g := &group{id: p.nextGroupID, name: name, description: description, createdOn: now, updatedOn: now}
	p.nextGroupID++
	p.groups = append(p.groups, g) // new ids are above every other, so the slice stays sorted
	return g
}

func (p *Portal) groupByNameLocked(name string) *group {
	for _, g := range p.groups {
		if strings.EqualFold(g.name, name) {
			return g
		}
	}
	return nil
}

func (p *Portal) groupByIDLocked(id int) *group {
	i := sort.Search(len(p.groups), func(i int) bool { return p.groups[i].id >= id })
	if i < len(p.groups) && p.groups[i].id == id {
		return p.groups[i]
	}
	return nil
}

// Groups returns a copy of every user group, sorted by id.
func (p *Portal) Groups() []lm.Group {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]lm.Group, len(p.groups))
	for i, g := range p.groups {
		out[i] = lm.Group{ID: g.id, Name: g.name}
	}
	return out
}

// AddRole creates a role, or returns the existing one when the name is taken.
func (p *Portal) AddRole(name string) lm.Role {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.roleByNameLocked(name); r != nil {
		return lm.Role{ID: r.id, Name: r.name}
	}
	r := p.addRoleLocked(0, name)
	return lm.Role{ID: r.id, Name: r.name}
}

func (p *Portal) addRoleLocked(id int, name string) *role {
	if id <= 0 {
		id = p.nextRoleID
	}
	if id >= p.nextRoleID {
		p.nextRoleID = id + 1
	}
	r := &role{id: id, name: name, privileges: defaultPrivileges(name)}
	i := sort.Search(len(p.roles), func(i int) bool { return p.roles[i].id >= id })
	p.roles = slices.Insert(p.roles, i, r)
	return r
}

func (p *Portal) roleByNameLocked(name string) *role {
	for _, r := range p.roles {
		if strings.EqualFold(r.name, name) {
			return r
		}
	}
	return nil
}

func (p *Portal) roleByIDLocked(id int) *role {
	i := sort.Search(len(p.roles), func(i int) bool { return p.roles[i].id >= id })
	if i < len(p.roles) && p.roles[i].id == id {
		return p.roles[i]
	}
	return nil
}

// Roles returns a copy of every role, sorted by id.
func (p *Portal) Roles() []lm.Role {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]lm.Role, len(p.roles))
	for i, r := range p.roles {
		out[i] = r.toLM()
	}
	return out
}

// SetRolePrivileges replaces the privileges of the role named name; false
// when there is no such role.
func (p *Portal) SetRolePrivileges(name string, privileges []lm.Privilege) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.roleByNameLocked(name)
	if r == nil {
		return false
	}
	r.privileges = slices.Clone(privileges)
	return true
}
