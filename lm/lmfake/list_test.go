package lmfake_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

func sampleOptions(users int) lmfake.SampleOptions {
	return lmfake.SampleOptions{Users: users, Now: fixedNow(), Seed: 7, WithSuspendedGroup: true}
}

func TestVersionEnvelope(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(5))
	tests := []struct {
		name      string
		target    string
		header    map[string]string
		wantV1    bool
		wantTotal float64
	}{
		{name: "X-Version 3 gets the object itself", target: "/setting/admins", wantTotal: 5},
		{name: "query v=3 gets the object itself", target: "/setting/admins?v=3", header: map[string]string{"X-Version": ""}, wantTotal: 5},
		{name: "no version gets the v1 envelope", target: "/setting/admins", header: map[string]string{"X-Version": ""}, wantV1: true, wantTotal: 5},
		{name: "version 2 is not version 3", target: "/setting/admins", header: map[string]string{"X-Version": "2"}, wantV1: true, wantTotal: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := callWith(t, p, "GET", tt.target, "", tt.header)
			m := resp.json(t)
			if tt.wantV1 {
				if m["status"] != float64(200) || m["errmsg"] != "OK" {
					t.Fatalf("not a v1 envelope: %s", resp.body)
				}
				m, _ = m["data"].(map[string]any)
			}
			if m["total"] != tt.wantTotal {
				t.Errorf("total = %v, want %v: %s", m["total"], tt.wantTotal, resp.body)
			}
		})
	}
	t.Run("v1 errors carry the status and message", func(t *testing.T) {
		resp := callWith(t, p, "GET", "/setting/admins/999", "", map[string]string{"X-Version": ""})
		m := resp.json(t)
		if resp.status != 404 || m["status"] != float64(404) || m["data"] != nil || m["errmsg"] == "" {
			t.Errorf("v1 error = %d %s", resp.status, resp.body)
		}
	})
}

func TestPaging(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(2500))
	t.Run("default page is 50 users from offset 0", func(t *testing.T) {
		pg := listPage(t, p, "/setting/admins")
		if pg.Total != 2500 || len(pg.Items) != 50 || pg.Items[0]["id"] != float64(1) {
			t.Errorf("total %d, %d items, first %v", pg.Total, len(pg.Items), pg.Items[0]["id"])
		}
	})
	t.Run("pages of 1000 cover every user once in id order", func(t *testing.T) {
		var ids []int
		for offset := 0; offset < 2500; offset += 1000 {
			for _, it := range listPage(t, p, fmt.Sprintf("/setting/admins?size=1000&offset=%d", offset)).Items {
				ids = append(ids, int(it["id"].(float64)))
			}
		}
		if len(ids) != 2500 || !slices.IsSorted(ids) || slices.Compact(slices.Clone(ids))[2499] != ids[2499] {
			t.Errorf("got %d ids, sorted %v", len(ids), slices.IsSorted(ids))
		}
	})
	t.Run("an offset past the end gives an empty page and the total", func(t *testing.T) {
		pg := listPage(t, p, "/setting/admins?offset=9999")
		if pg.Total != 2500 || len(pg.Items) != 0 {
			t.Errorf("total %d, %d items", pg.Total, len(pg.Items))
		}
	})
	for _, q := range []string{"size=1001", "size=-1", "size=x", "offset=-5"} {
		t.Run("refuses "+q, func(t *testing.T) {
			resp := call(t, p, "GET", "/setting/admins?"+q, "")
			if resp.status != 400 || resp.errorCode(t) != 1400 {
				t.Errorf("status %d %s", resp.status, resp.body)
			}
		})
	}
	t.Run("a negative total is reported when asked", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(3))
		p.SetNegativeTotal(true)
		if pg := listPage(t, p, "/setting/admins"); pg.Total != -1 || len(pg.Items) != 3 {
			t.Errorf("total %d, %d items", pg.Total, len(pg.Items))
		}
	})
	t.Run("sort orders by a field", func(t *testing.T) {
		pg := listPage(t, p, "/setting/admins?sort=-id&size=2")
		if pg.Items[0]["id"] != float64(2500) {
			t.Errorf("first id %v", pg.Items[0]["id"])
		}
	})
}

func TestAddUserWhilePaging(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(10))
	p.AddUserWhilePaging(lm.User{Username: "late@example.com"})
	first := listPage(t, p, "/setting/admins?size=5&offset=0")
	second := listPage(t, p, "/setting/admins?size=5&offset=5")
	if first.Total != 10 || second.Total != 11 {
		t.Errorf("totals %d then %d, want 10 then 11", first.Total, second.Total)
	}
	// The new user sorts first, so the last user of page one shows again.
	if second.Items[0]["id"] != first.Items[4]["id"] {
		t.Errorf("page two starts with %v, want the shifted %v", second.Items[0]["id"], first.Items[4]["id"])
	}
	users := p.Users()
	if users[0].Username != "late@example.com" || users[0].ID >= users[1].ID {
		t.Errorf("late user not first by id: %+v", users[0])
	}
}

func TestRemoveUserWhilePaging(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(10))
	p.RemoveUserWhilePaging(2)
	first := listPage(t, p, "/setting/admins?size=5&offset=0")
	second := listPage(t, p, "/setting/admins?size=5&offset=5")
	if first.Total != 10 || second.Total != 9 {
		t.Errorf("totals %d then %d, want 10 then 9", first.Total, second.Total)
	}
	// Everyone after the removed user moves up one place, so the user that
	// would have started page two is on neither page.
	if first.Items[1]["id"] != float64(2) || second.Items[0]["id"] != float64(7) {
		t.Errorf("page one has %v second, page two starts with %v; want 2 and the shifted 7", first.Items[1]["id"], second.Items[0]["id"])
	}
	if _, ok := p.User(2); ok {
		t.Error("user 2 is still there")
	}
}

func TestFields(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(3))
	pg := listPage(t, p, "/setting/admins?fields="+strings.Join(lm.UserFields, ","))
	for _, it := range pg.Items {
		var keys []string
		for k := range it {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		// The masked password comes in projections too, as on real portals.
		want := slices.Sorted(slices.Values(append(slices.Clone(lm.UserFields), "password")))
		if !slices.Equal(keys, want) {
			t.Fatalf("keys %v, want %v", keys, want)
		}
	}
	resp := call(t, p, "GET", "/setting/admins/1?fields=username,nosuchfield", "")
	if string(resp.body) != `{"username":"lmuh-api@example.com","password":"********"}` {
		t.Errorf("single user with fields = %s", resp.body)
	}
	roles := listPage(t, p, "/setting/roles?fields=id,name")
	if len(roles.Items) == 0 || len(roles.Items[0]) != 2 {
		t.Errorf("roles with fields = %v", roles.Items)
	}
}

var ssoWord = regexp.MustCompile(`(?i)(^|[^a-z])(saml|sso)([^a-z]|$)`)

func TestFilter(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(300))
	users := p.Users()
	count := func(keep func(lm.User) bool) int {
		n := 0
		for _, u := range users {
			if keep(u) {
				n++
			}
		}
		return n
	}
	cutoff := fixedNow().Unix() - 90*86400
	tests := []struct {
		name, filter string
		want         int
	}{
		{"string equality is case-insensitive and quoted", `status:"SUSPENDED"`,
			count(func(u lm.User) bool { return u.Status == lm.StatusSuspended })},
		{"not equal", `status!:"suspended"`, count(func(u lm.User) bool { return u.Status != lm.StatusSuspended })},
		{"boolean", `apionly:true`, count(func(u lm.User) bool { return u.APIOnly })},
		{"comma is AND", `status:"active",apionly:false`,
			count(func(u lm.User) bool { return u.Status == lm.StatusActive && !u.APIOnly })},
		{"double bar is OR between conditions", `apionly:true||status:"suspended"`,
			count(func(u lm.User) bool { return u.APIOnly || u.Status == lm.StatusSuspended })},
		{"bar is OR between values", `createdBy:"SAML"|"saml-jit"`,
			count(func(u lm.User) bool { return u.CreatedBy == "SAML" || u.CreatedBy == "saml-jit" })},
		{"contains", `createdBy~"sso"`,
			count(func(u lm.User) bool { return strings.Contains(strings.ToLower(u.CreatedBy), "sso") })},
		{"does not contain", `username!~"smith"`, count(func(u lm.User) bool { return !strings.Contains(u.Username, "smith") })},
		{"numbers compare numerically", fmt.Sprintf(`lastLoginOn<:%d,lastLoginOn>0`, cutoff),
			count(func(u lm.User) bool { return u.LastLoginOn <= cutoff && u.LastLoginOn > 0 })},
		{"greater or equal", fmt.Sprintf(`lastLoginOn>:%d`, cutoff), count(func(u lm.User) bool { return u.LastLoginOn >= cutoff })},
		{"a list matches on any element", `adminGroupIds:1`, count(func(u lm.User) bool { return slices.Contains(u.GroupIDs, 1) })},
		{"roles match by name", `roles:"netops"`, count(func(u lm.User) bool { return u.HasRole("netops") })},
		{"a comma inside quotes is part of the value", `note:"invited, never logged in"`,
			count(func(u lm.User) bool { return u.LastLoginOn == 0 && !u.APIOnly && u.LastActionOn == 0 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == 0 {
				t.Fatalf("sample has no user for %s: the test would prove nothing", tt.filter)
			}
			pg := listPage(t, p, "/setting/admins?size=1000&filter="+url.QueryEscape(tt.filter))
			if pg.Total != tt.want || len(pg.Items) != tt.want {
				t.Errorf("filter %s: total %d, items %d, want %d", tt.filter, pg.Total, len(pg.Items), tt.want)
			}
		})
	}
	for _, bad := range []string{`nosuch:1`, `lastLoginOn>abc`, `apionly>true`, `status`, `apiTokens:1`} {
		t.Run("refuses "+bad, func(t *testing.T) {
			resp := call(t, p, "GET", "/setting/admins?filter="+url.QueryEscape(bad), "")
			if resp.status != 400 || resp.errorCode(t) != 1400 {
				t.Errorf("status %d %s", resp.status, resp.body)
			}
		})
	}
	t.Run("filter and paging work together", func(t *testing.T) {
		pg := listPage(t, p, "/setting/admins?size=3&offset=2&filter="+url.QueryEscape(`status:"active"`))
		if len(pg.Items) != 3 || pg.Total != count(func(u lm.User) bool { return u.Status == lm.StatusActive }) {
			t.Errorf("total %d, %d items", pg.Total, len(pg.Items))
		}
	})
	t.Run("groups filter by name", func(t *testing.T) {
		pg := listPage(t, p, "/setting/admin/groups?filter="+url.QueryEscape(`name:"suspended"`))
		if pg.Total != 1 || pg.Items[0]["name"] != "Suspended" {
			t.Errorf("groups: %+v", pg)
		}
	})
}

func TestUserJSON(t *testing.T) {
	p := lmfake.New(testConfig())
	p.AddRole("readonly")
	p.AddUser(lm.User{ID: 5, Username: `q"uote\`, Roles: []lm.Role{{Name: "readonly"}}, GroupIDs: []int{3},
		APITokens: []lm.APIToken{{AccessID: "abc", Enabled: true, LastUsedOn: 10}}})
	resp := call(t, p, "GET", "/setting/admins/5", "")
	var got struct {
		ID       int    `json:"id"`
		Username string `json:"username"`
		Status   string `json:"status"`
		Roles    []struct {
			ID   int    `json:"id"`
			Name string `json:"name"`
		} `json:"roles"`
		AdminGroupIDs []int `json:"adminGroupIds"`
		APITokens     []struct {
			AccessID   string `json:"accessId"`
			Status     int    `json:"status"`
			LastUsedOn int64  `json:"lastUsedOn"`
		} `json:"apiTokens"`
	}
	if err := json.Unmarshal(resp.body, &got); err != nil {
		t.Fatalf("%v: %s", err, resp.body)
	}
	if got.ID != 5 || got.Username != `q"uote\` || got.Status != "active" || len(got.Roles) != 1 || got.Roles[0].Name != "readonly" ||
		!slices.Equal(got.AdminGroupIDs, []int{3}) || len(got.APITokens) != 1 || got.APITokens[0].Status != 2 || got.APITokens[0].AccessID != "abc" {
		t.Errorf("user JSON = %s", resp.body)
	}
}

func TestRoutes(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(3))
	tests := []struct {
		name, method, target string
		want, code           int
	}{
		{"an unknown user is 404", "GET", "/setting/admins/999", 404, 1404},
		{"an unknown group is 404", "GET", "/setting/admin/groups/999", 404, 1404},
		{"an unknown role is 404", "GET", "/setting/roles/999", 404, 1404},
		{"an unknown path is 404", "GET", "/setting/nothing", 404, 1404},
		{"a non-numeric id is 404", "GET", "/setting/admins/abc", 404, 1404},
		{"an unsupported method is refused", "DELETE", "/setting/admins/1", 405, 1405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, p, tt.method, tt.target, "")
			if resp.status != tt.want || resp.errorCode(t) != tt.code {
				t.Errorf("status %d %s", resp.status, resp.body)
			}
		})
	}
	t.Run("paths outside the base path are 404", func(t *testing.T) {
		before := len(p.Requests())
		for _, path := range []string{"/setting/admins", "/santaba/restsetting/admins", "/"} {
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("Authorization", "Bearer "+bearer)
			w := httptest.NewRecorder()
			p.ServeHTTP(w, r)
			if w.Code != 404 {
				t.Errorf("GET %s = %d", path, w.Code)
			}
		}
		if n := len(p.Requests()) - before; n != 0 {
			t.Errorf("%d requests logged, want none outside the API", n)
		}
	})
	t.Run("a role reports its user count", func(t *testing.T) {
		resp := call(t, p, "GET", "/setting/roles/1", "")
		if n := resp.json(t)["associatedUserCount"]; n != float64(2) { // token owner and break-glass
			t.Errorf("administrator users = %v: %s", n, resp.body)
		}
	})
}
