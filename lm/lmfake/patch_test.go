package lmfake_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// patchPortal has user 1 (readonly, groups 1 and 2), groups 1-3, roles 1-2.
func patchPortal(cfg lmfake.Config) *lmfake.Portal {
	p := lmfake.New(cfg)
	for _, g := range []string{"Ungrouped", "Viewers", "Suspended"} {
		p.AddGroup(g)
	}
	p.AddRole("readonly")
	p.AddRole("netops")
	p.AddUser(lm.User{Username: "ann@example.com", Roles: []lm.Role{{ID: 1}}, GroupIDs: []int{1, 2}})
	return p
}

func TestPatch(t *testing.T) {
	tests := []struct {
		name       string
		cfg        func(*lmfake.Config)
		body       string
		want, code int
		wantUser   lm.User // checked when want is 200
	}{
		{name: "suspends and replaces the groups", body: `{"status":"suspended","adminGroupIds":[3],"roles":[{"id":1}]}`, want: 200,
			wantUser: lm.User{Status: "suspended", GroupIDs: []int{3}, Roles: []lm.Role{{ID: 1, Name: "readonly"}}}},
		{name: "merges the groups when the portal merges", cfg: func(c *lmfake.Config) { c.MergeGroupIDs = true },
			body: `{"adminGroupIds":[3,1]}`, want: 200,
			wantUser: lm.User{Status: "active", GroupIDs: []int{1, 2, 3}, Roles: []lm.Role{{ID: 1, Name: "readonly"}}}},
		{name: "applies the status but keeps the groups when the portal ignores adminGroupIds", cfg: func(c *lmfake.Config) { c.IgnoreGroupIDs = true },
			body: `{"status":"suspended","adminGroupIds":[3],"roles":[{"id":1}]}`, want: 200,
			wantUser: lm.User{Status: "suspended", GroupIDs: []int{1, 2}, Roles: []lm.Role{{ID: 1, Name: "readonly"}}}},
		{name: "refuses every PATCH when the portal wants another body", cfg: func(c *lmfake.Config) { c.RefusePatches = true },
			body: `{"status":"suspended","adminGroupIds":[3],"roles":[{"id":1}]}`, want: 400, code: 1400},
		{name: "changes the roles", body: `{"roles":[{"id":2},{"id":1}]}`, want: 200,
			wantUser: lm.User{Status: "active", GroupIDs: []int{1, 2}, Roles: []lm.Role{{ID: 2, Name: "netops"}, {ID: 1, Name: "readonly"}}}},
		{name: "an empty group list leaves the user without groups", body: `{"adminGroupIds":[]}`, want: 200,
			wantUser: lm.User{Status: "active", GroupIDs: []int{}, Roles: []lm.Role{{ID: 1, Name: "readonly"}}}},
		{name: "ignores other fields", body: `{"note":"x","changePassword":false}`, want: 200,
			wantUser: lm.User{Status: "active", GroupIDs: []int{1, 2}, Roles: []lm.Role{{ID: 1, Name: "readonly"}}}},
		{name: "refuses a PATCH without roles when roles are required", cfg: func(c *lmfake.Config) { c.RequirePatchRoles = true },
			body: `{"status":"suspended"}`, want: 400, code: 1400},
		{name: "accepts a PATCH with roles when roles are required", cfg: func(c *lmfake.Config) { c.RequirePatchRoles = true },
			body: `{"status":"suspended","roles":[{"id":1}]}`, want: 200,
			wantUser: lm.User{Status: "suspended", GroupIDs: []int{1, 2}, Roles: []lm.Role{{ID: 1, Name: "readonly"}}}},
		{name: "refuses an unknown group", body: `{"adminGroupIds":[3,99]}`, want: 400, code: 1400},
		{name: "refuses an unknown role", body: `{"roles":[{"id":99}]}`, want: 400, code: 1400},
		{name: "refuses an empty role list", body: `{"roles":[]}`, want: 400, code: 1400},
		{name: "refuses an unknown status", body: `{"status":"disabled"}`, want: 400, code: 1400},
		{name: "refuses group ids that are not numbers", body: `{"adminGroupIds":["3"]}`, want: 400, code: 1400},
		{name: "refuses a username change", body: `{"username":"bob"}`, want: 400, code: 1400},
		{name: "refuses an email change", body: `{"email":"bob@example.com"}`, want: 400, code: 1400},
		{name: "refuses a first name change", body: `{"firstName":"Bob"}`, want: 400, code: 1400},
		{name: "refuses a last name change", body: `{"lastName":"Builder"}`, want: 400, code: 1400},
		{name: "refuses a body that is not an object", body: `[1]`, want: 400, code: 1400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			p := patchPortal(cfg)
			before, _ := p.User(1)
			resp := call(t, p, "PATCH", "/setting/admins/1", tt.body)
			if resp.status != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.want, resp.body)
			}
			after, _ := p.User(1)
			if tt.want != 200 {
				if resp.errorCode(t) != tt.code || p.Writes() != 0 {
					t.Errorf("code %d, writes %d", resp.errorCode(t), p.Writes())
				}
				if !equalUser(before, after) {
					t.Errorf("a refused PATCH changed the user: %+v", after)
				}
				return
			}
			w := tt.wantUser
			if after.Status != w.Status || !slices.Equal(after.GroupIDs, w.GroupIDs) || !reflect.DeepEqual(after.Roles, w.Roles) {
				t.Errorf("user = %+v, want %+v", after, w)
			}
			// The answer is the full updated user.
			var got struct {
				ID            int    `json:"id"`
				Username      string `json:"username"`
				Email         string `json:"email"`
				Status        string `json:"status"`
				AdminGroupIDs []int  `json:"adminGroupIds"`
			}
			if err := json.Unmarshal(resp.body, &got); err != nil {
				t.Fatal(err)
			}
			if got.ID != 1 || got.Username != "ann@example.com" || got.Email == "" || got.Status != w.Status || !slices.Equal(got.AdminGroupIDs, w.GroupIDs) {
				t.Errorf("answer %s", resp.body)
			}
			if p.Writes() != 1 {
				t.Errorf("writes = %d, want 1", p.Writes())
			}
		})
	}
	t.Run("an unknown user is 404", func(t *testing.T) {
		p := patchPortal(testConfig())
		if resp := call(t, p, "PATCH", "/setting/admins/77", `{"status":"active"}`); resp.status != 404 || resp.errorCode(t) != 1404 {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})
}

func equalUser(a, b lm.User) bool {
	return a.Status == b.Status && slices.Equal(a.GroupIDs, b.GroupIDs) && reflect.DeepEqual(a.Roles, b.Roles) && a.Username == b.Username
}

func TestGroups(t *testing.T) {
	p := patchPortal(testConfig())
	resp := call(t, p, "POST", "/setting/admin/groups", `{"name":"Network Operations","description":"netops people"}`)
	created := resp.json(t)
	if resp.status != 200 || created["name"] != "Network Operations" || created["id"] != float64(4) || created["description"] != "netops people" {
		t.Fatalf("create: %d %s", resp.status, resp.body)
	}
	tests := []struct {
		name, body string
		want, code int
	}{
		{"a duplicate name is a conflict", `{"name":"network operations"}`, 409, 1409},
		{"a group needs a name", `{"description":"x"}`, 400, 1400},
		{"a blank name is no name", `{"name":"  "}`, 400, 1400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, p, "POST", "/setting/admin/groups", tt.body)
			if resp.status != tt.want || resp.errorCode(t) != tt.code {
				t.Errorf("%d %s", resp.status, resp.body)
			}
		})
	}
	t.Run("a created group can be read and listed", func(t *testing.T) {
		if resp := call(t, p, "GET", "/setting/admin/groups/4", ""); resp.json(t)["name"] != "Network Operations" {
			t.Errorf("get: %s", resp.body)
		}
		if pg := listPage(t, p, "/setting/admin/groups"); pg.Total != 4 {
			t.Errorf("list total %d", pg.Total)
		}
		if gs := p.Groups(); len(gs) != 4 || gs[3] != (lm.Group{ID: 4, Name: "Network Operations"}) {
			t.Errorf("Groups() = %v", gs)
		}
	})
	t.Run("AddGroup returns the existing group for a taken name", func(t *testing.T) {
		if g := p.AddGroup("VIEWERS"); g.ID != 2 {
			t.Errorf("AddGroup = %+v", g)
		}
	})
	t.Run("only accepted writes count", func(t *testing.T) {
		if p.Writes() != 1 {
			t.Errorf("writes = %d, want 1", p.Writes())
		}
	})
}

func TestValidateHook(t *testing.T) {
	cfg := testConfig()
	var seen []string
	cfg.Validate = func(r *http.Request, body []byte) error {
		seen = append(seen, r.Method+" "+string(body))
		if strings.Contains(string(body), "forbidden") {
			return errors.New("body breaks the contract")
		}
		return nil
	}
	p := patchPortal(cfg)
	resp := call(t, p, "PATCH", "/setting/admins/1", `{"status":"suspended","note":"forbidden"}`)
	if resp.status != 400 || resp.errorCode(t) != 1400 {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
	if u, _ := p.User(1); u.Status != "active" {
		t.Errorf("a refused request was served: %+v", u)
	}
	if resp := call(t, p, "GET", "/setting/admins", ""); resp.status != 200 {
		t.Errorf("valid request: %d", resp.status)
	}
	if v := p.Violations(); len(v) != 1 || v[0].Error() != "body breaks the contract" {
		t.Errorf("violations %v", v)
	}
	if len(seen) != 2 || seen[0] != `PATCH {"status":"suspended","note":"forbidden"}` {
		t.Errorf("hook saw %q", seen)
	}
}

func TestRequestLog(t *testing.T) {
	p := patchPortal(testConfig())
	call(t, p, "GET", "/setting/admins?size=5&filter=status%3Aactive", "")
	call(t, p, "PATCH", "/setting/admins/1", `{"status":"suspended"}`)
	reqs := p.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if r := reqs[0]; r.Method != "GET" || r.Path != "/setting/admins" || r.Query.Get("size") != "5" || r.Query.Get("filter") != "status:active" || r.Status != 200 {
		t.Errorf("first request %+v", r)
	}
	if r := reqs[1]; r.Method != "PATCH" || r.Path != "/setting/admins/1" || string(r.Body) != `{"status":"suspended"}` || r.Status != 200 {
		t.Errorf("second request %+v", r)
	}
	reqs[1].Body[0] = 'X'
	if p.Requests()[1].Body[0] != '{' {
		t.Error("Requests shares the recorded body")
	}
}

// The portal is used by concurrent clients (the race detector checks this).
func TestConcurrentUse(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(200))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				id := 4 + g*20 + i
				call(t, p, "PATCH", "/setting/admins/"+strconv.Itoa(id), `{"status":"suspended"}`)
				call(t, p, "GET", "/setting/admins?size=100&offset="+strconv.Itoa(i*10), "")
				p.AddUser(lm.User{Username: "c" + strconv.Itoa(id) + "@example.com"})
				p.Users()
				p.Requests()
			}
		}()
	}
	wg.Wait()
	if p.Writes() != 80 || len(p.Users()) != 280 || len(p.Requests()) != 160 {
		t.Errorf("writes %d, users %d, requests %d", p.Writes(), len(p.Users()), len(p.Requests()))
	}
}

// A client that has its answer finds its request logged and counted: tests
// check Requests and Writes right after a call returns. Large pages leave the
// handler before it returns, so logging must come first.
func TestRequestLoggedBeforeAnswer(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(1000))
	srv := httptest.NewServer(p)
	defer srv.Close()
	for i := range 60 {
		method, target, body := "GET", "/setting/admins?size=1000", ""
		if i%2 == 1 {
			method, target, body = "PATCH", "/setting/admins/9", `{"status":"active"}`
		}
		req, _ := http.NewRequest(method, srv.URL+lmfake.BasePath+target, strings.NewReader(body))
		req.Header.Set("X-Version", "3")
		req.Header.Set("Authorization", lmv1Header(method, target, body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n, w := len(p.Requests()), p.Writes(); n != i+1 || w != (i+1)/2 {
			t.Fatalf("after %d answers: %d requests logged, %d writes", i+1, n, w)
		}
	}
}
