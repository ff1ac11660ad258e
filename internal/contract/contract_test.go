package contract

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testAuth = "LMv1 J62te62B8u7WnCR846h6:NWUxMTYxMzQ2N2U3MDdmM2ZhMTZjMmVkNzNlY2ZhNjRkNTdlMmU2OGJhYzc3NTZkMWJhNjUzZWYwMDQ1YjhhNg==:1700000000000"

func TestValidateRequest(t *testing.T) {
	tests := []struct {
		name, method, target, body string
		header                     map[string]string
		ok                         bool
	}{
		{name: "accepts a users page with fields and filter", method: "GET",
			target: `/santaba/rest/setting/admins?size=1000&offset=0&fields=id,username&filter=status:"active"`, ok: true},
		{name: "accepts a users page sorted by id, with an id filter", method: "GET",
			target: `/santaba/rest/setting/admins?size=1000&offset=999&sort=%2Bid&filter=id%3E1000,id%3C1002`, ok: true},
		{name: "accepts roles and groups sorted by id", method: "GET", target: "/santaba/rest/setting/roles?sort=%2Bid", ok: true},
		{name: "accepts groups sorted by id", method: "GET", target: "/santaba/rest/setting/admin/groups?sort=-id", ok: true},
		{name: "refuses a sort that is not [+|-]field", method: "GET", target: "/santaba/rest/setting/admins?sort=id%20desc"},
		{name: "accepts version 3 asked in the query", method: "GET", target: "/santaba/rest/setting/admins?v=3",
			header: map[string]string{"X-Version": ""}, ok: true},
		{name: "accepts a bearer token", method: "GET", target: "/santaba/rest/setting/roles",
			header: map[string]string{"Authorization": "Bearer abc.def"}, ok: true},
		{name: "accepts a partial PATCH naming roles by id", method: "PATCH", target: "/santaba/rest/setting/admins/42",
			body: `{"status":"suspended","adminGroupIds":[1,2],"roles":[{"id":1}]}`, ok: true},
		{name: "accepts a group creation", method: "POST", target: "/santaba/rest/setting/admin/groups",
			body: `{"name":"Suspended","description":"inactive users"}`, ok: true},
		{name: "accepts a group read", method: "GET", target: "/santaba/rest/setting/admin/groups/7?fields=id,name", ok: true},
		{name: "refuses a path outside the base path", method: "GET", target: "/setting/admins"},
		{name: "refuses a request without version 3", method: "GET", target: "/santaba/rest/setting/admins",
			header: map[string]string{"X-Version": ""}},
		{name: "refuses a request without Authorization", method: "GET", target: "/santaba/rest/setting/admins",
			header: map[string]string{"Authorization": ""}},
		{name: "refuses a malformed LMv1 header", method: "GET", target: "/santaba/rest/setting/admins",
			header: map[string]string{"Authorization": "LMv1 id:sig"}},
		{name: "refuses a page size over 1000", method: "GET", target: "/santaba/rest/setting/admins?size=1001"},
		{name: "refuses a non-numeric size", method: "GET", target: "/santaba/rest/setting/admins?size=abc"},
		{name: "refuses a non-numeric user id", method: "GET", target: "/santaba/rest/setting/admins/abc"},
		{name: "refuses group ids as strings", method: "PATCH", target: "/santaba/rest/setting/admins/42",
			body: `{"adminGroupIds":["1"]}`},
		{name: "refuses a read-only field in a PATCH", method: "PATCH", target: "/santaba/rest/setting/admins/42",
			body: `{"lastLoginOn":0}`},
		{name: "refuses a PATCH body that is not JSON typed", method: "PATCH", target: "/santaba/rest/setting/admins/42",
			body: `{"status":"suspended"}`, header: map[string]string{"Content-Type": ""}},
		{name: "refuses a group without a name", method: "POST", target: "/santaba/rest/setting/admin/groups",
			body: `{"description":"x"}`},
		{name: "refuses a body on a GET", method: "GET", target: "/santaba/rest/setting/admins", body: `{}`},
		{name: "refuses an operation the contract lacks", method: "DELETE", target: "/santaba/rest/setting/admin/groups/1"},
		{name: "refuses an unknown path", method: "GET", target: "/santaba/rest/setting/nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			r.Header.Set("X-Version", "3")
			r.Header.Set("Authorization", testAuth)
			if tt.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			err := ValidateRequest(r, []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateRequest() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), "NWUxMTYx") {
				t.Errorf("error leaks the Authorization header: %v", err)
			}
		})
	}
}

func TestValidateResponse(t *testing.T) {
	const user = `{"id":1,"username":"ann","email":"ann@example.com","roles":[{"id":1,"name":"readonly","privileges":[]}],"adminGroupIds":[3],"password":"********"}`
	tests := []struct {
		name, method, path string
		status             int
		body               string
		contentType        string
		ok                 bool
	}{
		{name: "accepts a users page", method: "GET", path: "/setting/admins", status: 200,
			body: `{"total":1,"searchId":null,"items":[` + user + `]}`, ok: true},
		{name: "accepts a projected page without the required fields left out", method: "GET",
			path: "/setting/admins?fields=id,username", status: 200,
			body: `{"total":1,"searchId":null,"items":[{"id":1,"username":"ann"}]}`, ok: true},
		{name: "accepts the base path in front of the resource path", method: "GET", path: "/santaba/rest/setting/admins/1",
			status: 200, body: user, ok: true},
		{name: "accepts an error envelope with null detail", method: "GET", path: "/setting/admins", status: 401,
			body: `{"errorMessage":"Authentication failed","errorCode":1401,"errorDetail":null}`, ok: true},
		{name: "accepts a roles page", method: "GET", path: "/setting/roles", status: 200,
			body: `{"total":1,"searchId":null,"items":[{"id":1,"name":"readonly","privileges":[],"associatedUserCount":3}]}`, ok: true},
		{name: "accepts a group", method: "POST", path: "/setting/admin/groups", status: 200,
			body: `{"id":9,"name":"Suspended","description":"","parentId":0,"createdOn":1,"updatedOn":1}`, ok: true},
		{name: "refuses an id given as a string", method: "GET", path: "/setting/admins/1", status: 200,
			body: strings.Replace(user, `"id":1,`, `"id":"1",`, 1)},
		{name: "refuses a user without its required email", method: "GET", path: "/setting/admins/1", status: 200,
			body: `{"id":1,"username":"ann","roles":[]}`},
		{name: "refuses a projection missing a field it asked for", method: "GET", path: "/setting/admins?fields=id,email",
			status: 200, body: `{"total":1,"searchId":null,"items":[{"id":1}]}`},
		{name: "accepts the masked password real portals return", method: "PATCH", path: "/setting/admins/1", status: 200,
			body: user, ok: true},
		{name: "refuses a password that is not a string", method: "PATCH", path: "/setting/admins/1", status: 200,
			body: strings.Replace(user, `"password":"********"`, `"password":null`, 1)},
		{name: "refuses the v1 envelope", method: "GET", path: "/setting/admins", status: 200,
			body: `{"status":200,"errmsg":"OK","data":{"total":0,"items":[]}}`},
		{name: "refuses an error without errorCode", method: "GET", path: "/setting/admins", status: 500,
			body: `{"errorMessage":"boom"}`},
		{name: "refuses a role without privileges", method: "GET", path: "/setting/roles", status: 200,
			body: `{"total":1,"searchId":null,"items":[{"id":1,"name":"readonly"}]}`},
		{name: "refuses an HTML page", method: "GET", path: "/setting/admins", status: 503,
			body: "<html></html>", contentType: "text/html"},
		{name: "refuses an unknown operation", method: "DELETE", path: "/setting/admin/groups/1", status: 200, body: `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			err := ValidateResponse(tt.method, tt.path, tt.status, http.Header{"Content-Type": {ct}}, []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateResponse() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// The PATCH relaxation must not leak into the shared Admin and Role, which
// still validate responses and other operations as published.
func TestPartialPatchLeavesSharedSchemasStrict(t *testing.T) {
	spec, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	admin := spec.doc.Components.Schemas["Admin"].Value
	if len(admin.Required) != 4 {
		t.Errorf("Admin.Required = %v, want the swagger's four", admin.Required)
	}
	role := spec.doc.Components.Schemas["Role"].Value
	if !role.Properties["id"].Value.ReadOnly || len(role.Required) != 2 {
		t.Errorf("Role changed: id readOnly %v, required %v", role.Properties["id"].Value.ReadOnly, role.Required)
	}
	for _, op := range []string{"/setting/admins", "/setting/admins/{id}", "/setting/roles", "/setting/admin/groups", "/setting/admin/groups/{id}"} {
		if spec.doc.Paths.Value(op) == nil {
			t.Errorf("contract lost %s", op)
		}
	}
}
