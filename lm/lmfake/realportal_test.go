package lmfake_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"lm-user-hygiene/internal/contract"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// The shapes real portals may send that the swagger does not describe, each
// a mode or fault of the portal. By default the portal stays on the
// contract; these tests show each mode does what it says, and that the modes
// that stay within the swagger still pass it.

func TestPageCap(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(120))
	p.SetNegativeTotal(true)
	p.SetPageCap(50)
	target := "/setting/admins?size=1000&offset=0&sort=%2Bid"
	resp := call(t, p, "GET", target, "")
	pg := listPage(t, p, target)
	if pg.Total != -1 || len(pg.Items) != 50 {
		t.Fatalf("total %d, %d items; want -1 and 50", pg.Total, len(pg.Items))
	}
	if err := contract.ValidateResponse("GET", target, resp.status, resp.header, resp.body); err != nil {
		t.Fatal(err)
	}
}

func TestRefuseFields(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(10))
	p.RefuseFields("lastAccessOn")
	target := "/setting/admins?fields=id,username,lastAccessOn"
	resp := call(t, p, "GET", target, "")
	if resp.status != 400 || resp.errorCode(t) != 1400 || !strings.Contains(string(resp.body), "lastAccessOn") {
		t.Fatalf("%d %s; want 400 naming the field", resp.status, resp.body)
	}
	if err := contract.ValidateResponse("GET", target, resp.status, resp.header, resp.body); err != nil {
		t.Fatal(err)
	}
	if resp := call(t, p, "GET", "/setting/admins?fields=id,username", ""); resp.status != 200 {
		t.Fatalf("fields without it: %d", resp.status)
	}
	if resp := call(t, p, "GET", "/setting/admins", ""); resp.status != 200 {
		t.Fatalf("whole objects: %d", resp.status)
	}
}

func TestOverrideUserField(t *testing.T) {
	tests := []struct {
		name, field, raw string
		want             any // the field as the answer holds it; nil with absent
		absent           bool
	}{
		{"status in capitals", "status", `"Active"`, "Active", false},
		{"a status never documented", "status", `"pending"`, "pending", false},
		{"an id as a string", "id", `"2"`, "2", false},
		{"roles null", "roles", `null`, nil, false},
		{"roles absent", "roles", ``, nil, true},
		{"adminGroupIds null", "adminGroupIds", `null`, nil, false},
		{"adminGroupIds absent", "adminGroupIds", ``, nil, true},
		{"a role without a name", "roles", `[{"id":1}]`, []any{map[string]any{"id": 1.0}}, false},
		{"a token whose accessId is null, status a string", "apiTokens", `[{"id":1,"accessId":null,"status":"2"}]`,
			[]any{map[string]any{"id": 1.0, "accessId": nil, "status": "2"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := lmfake.NewSample(testConfig(), sampleOptions(10))
			p.OverrideUserField(2, tt.field, tt.raw)
			var one map[string]any
			if resp := call(t, p, "GET", "/setting/admins/2", ""); json.Unmarshal(resp.body, &one) != nil {
				t.Fatalf("not JSON: %s", resp.body)
			}
			inPage := listPage(t, p, "/setting/admins?size=3").Items[1] // ids 1, 2, 3
			for where, obj := range map[string]map[string]any{"the user": one, "a page": inPage} {
				got, present := obj[tt.field]
				if present == tt.absent || !jsonEqual(got, tt.want) {
					t.Fatalf("in %s: %s = %v (present %v), want %v", where, tt.field, got, present, tt.want)
				}
			}
			// The stored user is unchanged: it is a shape, not a state.
			if u, _ := p.User(2); u.Status == "" || u.Roles == nil {
				t.Fatalf("the stored user changed: %+v", u)
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestNote(t *testing.T) {
	p := lmfake.New(testConfig())
	r := p.AddRole("readonly")
	u := p.AddUser(lm.User{Username: "ann@example.com", Roles: []lm.Role{r}, Note: "lmuh:exempt"})
	if u.Note != "lmuh:exempt" {
		t.Fatalf("stored note %q", u.Note)
	}
	resp := call(t, p, "GET", "/setting/admins/"+itoa(u.ID)+"?fields=id,note", "")
	if string(resp.body) != `{"id":`+itoa(u.ID)+`,"note":"lmuh:exempt","password":"********"}` {
		t.Fatalf("%s", resp.body)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestGroupWithIDZero(t *testing.T) {
	p := lmfake.New(testConfig())
	g := p.AddGroupWithID(0, "Everyone")
	r := p.AddRole("readonly")
	u := p.AddUser(lm.User{Username: "ann@example.com", Roles: []lm.Role{r}})
	target := "/setting/admin/groups?size=10"
	resp := call(t, p, "GET", target, "")
	if !strings.Contains(string(resp.body), `"id":0,"name":"Everyone"`) || g.ID != 0 {
		t.Fatalf("%s", resp.body)
	}
	if err := contract.ValidateResponse("GET", target, resp.status, resp.header, resp.body); err != nil {
		t.Fatal(err)
	}
	body := `{"status":"active","adminGroupIds":[0],"roles":[{"id":` + itoa(r.ID) + `}]}`
	if resp := call(t, p, "PATCH", "/setting/admins/"+itoa(u.ID), body); resp.status != 200 {
		t.Fatalf("PATCH into group 0: %d %s", resp.status, resp.body)
	}
	if created := p.AddGroup("Next"); created.ID != 1 {
		t.Fatalf("the next group got id %d", created.ID)
	}
}

func TestPatchAnswerOmits(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault lmfake.Fault
		field string
	}{
		{"adminGroupIds omitted", lmfake.Fault{Method: "PATCH", OmitGroups: true}, "adminGroupIds"},
		{"status omitted", lmfake.Fault{Method: "PATCH", OmitStatus: true}, "status"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := lmfake.NewSample(testConfig(), sampleOptions(10))
			before, _ := p.User(5)
			p.InjectFault(tt.fault)
			target := "/setting/admins/5"
			body := `{"status":"suspended","adminGroupIds":[],"roles":[{"id":` + itoa(before.Roles[0].ID) + `}]}`
			resp := call(t, p, "PATCH", target, body)
			obj := resp.json(t)
			if _, ok := obj[tt.field]; ok || resp.status != 200 {
				t.Fatalf("%d %s", resp.status, resp.body)
			}
			if after, _ := p.User(5); after.Status != lm.StatusSuspended || len(after.GroupIDs) != 0 {
				t.Fatalf("the change was not applied: %+v", after)
			}
			if err := contract.ValidateResponse("PATCH", target, resp.status, resp.header, resp.body); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRunawayPages(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault lmfake.Fault
		size  int
	}{
		{"a 60 MB flat page", lmfake.Fault{FlatPage: 60 << 20}, 60 << 20},
		{"a 12 MB nested page", lmfake.Fault{NestedPage: 12 << 20}, 12 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := lmfake.NewSample(testConfig(), sampleOptions(3))
			p.InjectFault(tt.fault)
			resp := call(t, p, "GET", "/setting/admins", "")
			if resp.status != http.StatusOK || len(resp.body) < tt.size || !bytes.HasPrefix(resp.body, []byte(`{"total":`)) {
				t.Fatalf("%d, %d bytes", resp.status, len(resp.body))
			}
		})
	}
}
