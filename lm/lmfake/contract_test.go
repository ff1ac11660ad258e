package lmfake_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/internal/contract"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// contractPortal serves a sample over real HTTP, checking every request it
// receives against the swagger.
func contractPortal(t *testing.T) (*lmfake.Portal, *httptest.Server) {
	t.Helper()
	cfg := testConfig()
	cfg.Validate = contract.ValidateRequest
	p := lmfake.NewSample(cfg, sampleOptions(120))
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

// send makes a signed v3 request over HTTP; auth overrides the signature.
func send(t *testing.T, srv *httptest.Server, method, target, body, auth string) response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+lmfake.BasePath+target, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Version", "3")
	req.Header.Set("Accept", "application/json")
	if auth == "" {
		auth = lmv1Header(method, target, body)
	}
	req.Header.Set("Authorization", auth)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// TestContract checks that what the portal answers matches the swagger, for
// every operation and error the project relies on. Covered: definitions
// Admin, AdminPaginationResponse, Role, RolePaginationResponse, ErrorResponse
// and the local AdminGroup, AdminGroupPaginationResponse; operations
// getAdminList, getAdminById, patchAdminById, getRoleList, getRoleById and
// the local getAdminGroupList, getAdminGroupById, addAdminGroup.
func TestContract(t *testing.T) {
	p, srv := contractPortal(t)
	patched, _ := p.User(5)
	roles := patched.RoleIDs()
	userFields := strings.Join(lm.UserFields, ",")
	patchBody := fmt.Sprintf(`{"status":"suspended","adminGroupIds":[8],"roles":[{"id":%d}]}`, roles[0])

	tests := []struct {
		name, method, target, body, auth string
		setup                            func()
		want, code                       int
	}{
		{name: "users list", method: "GET", target: "/setting/admins", want: 200},
		{name: "users list as the client asks", method: "GET", target: "/setting/admins?size=1000&offset=0&fields=" + userFields, want: 200},
		{name: "users list sorted by id", method: "GET", target: "/setting/admins?size=1000&offset=999&sort=%2Bid&fields=" + userFields, want: 200},
		{name: "users in an id range", method: "GET", target: "/setting/admins?size=1000&offset=0&sort=%2Bid&filter=" + url.QueryEscape("id>3,id<9"), want: 200},
		{name: "users list filtered", method: "GET", target: "/setting/admins?size=10&filter=" + url.QueryEscape(`status:"suspended"`), want: 200},
		{name: "single user", method: "GET", target: "/setting/admins/2", want: 200},
		{name: "single user with fields", method: "GET", target: "/setting/admins/2?fields=id,username,status", want: 200},
		{name: "PATCH", method: "PATCH", target: "/setting/admins/5", body: patchBody, want: 200},
		{name: "roles list", method: "GET", target: "/setting/roles", want: 200},
		{name: "roles list with fields", method: "GET", target: "/setting/roles?fields=id,name", want: 200},
		{name: "single role", method: "GET", target: "/setting/roles/1", want: 200},
		{name: "groups list", method: "GET", target: "/setting/admin/groups?size=50", want: 200},
		{name: "single group", method: "GET", target: "/setting/admin/groups/3", want: 200},
		{name: "group creation", method: "POST", target: "/setting/admin/groups", body: `{"name":"Contractors","description":"external"}`, want: 200},
		{name: "401 authentication failed", method: "GET", target: "/setting/admins",
			auth: "LMv1 " + exampleID + ":" + sign("wrong key", "GET", exampleEpoch, "", "/setting/admins") + ":1700000000000", want: 401, code: 1401},
		{name: "400 unknown group in a PATCH", method: "PATCH", target: "/setting/admins/5", body: `{"adminGroupIds":[424242]}`, want: 400, code: 1400},
		{name: "404 no such user", method: "GET", target: "/setting/admins/999999", want: 404, code: 1404},
		{name: "409 duplicate group", method: "POST", target: "/setting/admin/groups", body: `{"name":"viewers"}`, want: 409, code: 1409},
		{name: "429 rate limited", method: "GET", target: "/setting/roles", want: 429, code: 1429,
			setup: func() {
				p.SetRateLimit("GET", 1, time.Minute)
				send(t, srv, "GET", "/setting/roles", "", "")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			resp := send(t, srv, tt.method, tt.target, tt.body, tt.auth)
			if resp.status != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.want, resp.body)
			}
			if tt.code != 0 && resp.errorCode(t) != tt.code {
				t.Errorf("errorCode %d, want %d", resp.errorCode(t), tt.code)
			}
			if err := contract.ValidateResponse(tt.method, tt.target, resp.status, resp.header, resp.body); err != nil {
				t.Errorf("response breaks the contract: %v", err)
			}
		})
	}
	if v := p.Violations(); len(v) != 0 {
		t.Errorf("requests broke the contract: %v", v)
	}
	if reqs := p.Requests(); len(reqs) < len(tests) {
		t.Errorf("portal saw %d requests, want at least %d: the hook did not run on all", len(reqs), len(tests))
	}
}

// The check can fail: wrong shapes of real answers are caught.
func TestContractCatchesWrongShapes(t *testing.T) {
	_, srv := contractPortal(t)
	user := send(t, srv, "GET", "/setting/admins/2", "", "")
	list := send(t, srv, "GET", "/setting/admins?size=2", "", "")
	denied := send(t, srv, "GET", "/setting/admins", "", "Bearer wrong")
	v1 := send(t, srv, "GET", "/setting/admins?size=2", "", "")
	if user.status != 200 || list.status != 200 || denied.status != 401 {
		t.Fatalf("setup: %d %d %d", user.status, list.status, denied.status)
	}
	tests := []struct {
		name, path string
		status     int
		body       []byte
	}{
		{"an id as a string", "/setting/admins/2", 200, bytes.Replace(user.body, []byte(`"id":2,`), []byte(`"id":"2",`), 1)},
		{"a status as a number", "/setting/admins/2", 200, bytes.Replace(user.body, []byte(`"status":"active"`), []byte(`"status":1`), 1)},
		{"group ids as strings", "/setting/admins/2", 200, bytes.Replace(user.body, []byte(`"adminGroupIds":[5]`), []byte(`"adminGroupIds":["5"]`), 1)},
		{"a user without username", "/setting/admins/2", 200, bytes.Replace(user.body, []byte(`"username":`), []byte(`"login":`), 1)},
		{"a list without total", "/setting/admins", 200, bytes.Replace(list.body, []byte(`"total":`), []byte(`"count":`), 1)},
		{"a list in the v1 envelope", "/setting/admins", 200, append(append([]byte(`{"status":200,"errmsg":"OK","data":`), v1.body...), '}')},
		{"an errorCode as a string", "/setting/admins", 401, bytes.Replace(denied.body, []byte(`1401`), []byte(`"1401"`), 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if bytes.Equal(tt.body, user.body) || bytes.Equal(tt.body, list.body) || bytes.Equal(tt.body, denied.body) {
				t.Fatal("the body was not altered; the test would prove nothing")
			}
			if err := contract.ValidateResponse("GET", tt.path, tt.status, http.Header{"Content-Type": {"application/json"}}, tt.body); err == nil {
				t.Errorf("ValidateResponse accepted %s", tt.body)
			}
		})
	}
}

// A request that breaks the contract is refused by the portal and recorded.
func TestContractRefusesBadRequests(t *testing.T) {
	tests := []struct{ name, method, target, body string }{
		{"group ids as strings", "PATCH", "/setting/admins/5", `{"adminGroupIds":["8"]}`},
		{"a read-only field", "PATCH", "/setting/admins/5", `{"lastLoginOn":1}`},
		{"a page over 1000", "GET", "/setting/admins?size=5000", ""},
		{"an operation the API lacks", "DELETE", "/setting/admin/groups/3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, srv := contractPortal(t)
			before, _ := p.User(5)
			resp := send(t, srv, tt.method, tt.target, tt.body, "")
			if resp.status != 400 || resp.errorCode(t) != 1400 || len(p.Violations()) != 1 {
				t.Errorf("status %d, %d violations: %s", resp.status, len(p.Violations()), resp.body)
			}
			if after, _ := p.User(5); !equalUser(before, after) || p.Writes() != 0 {
				t.Errorf("the request was served")
			}
		})
	}
	t.Run("a request without version 3", func(t *testing.T) {
		p, srv := contractPortal(t)
		req, _ := http.NewRequest("GET", srv.URL+lmfake.BasePath+"/setting/admins", nil)
		req.Header.Set("Authorization", lmv1Header("GET", "/setting/admins", ""))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || len(p.Violations()) != 1 {
			t.Errorf("status %d, violations %v", resp.StatusCode, p.Violations())
		}
	})
}
