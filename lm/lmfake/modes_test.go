package lmfake_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"lm-user-hygiene/internal/contract"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

// The modes in which the portal answers as real portals may, each against
// the same sample: what it answers, and that the answer is still the API's
// own shape where the mode does not change the shape on purpose.
func TestRefuseSort(t *testing.T) {
	cfg := testConfig()
	cfg.RefuseSort = true
	p := lmfake.NewSample(cfg, sampleOptions(5))
	for _, path := range []string{"/setting/admins", "/setting/admin/groups", "/setting/roles"} {
		resp := call(t, p, "GET", path+"?size=2&sort=%2Bid", "")
		if resp.status != http.StatusBadRequest || resp.errorCode(t) != 1400 || resp.json(t)["errorMessage"] != lmfake.SortRefusedMessage {
			t.Errorf("%s with sort: %d %s", path, resp.status, resp.body)
		}
		if err := contract.ValidateResponse("GET", path, resp.status, resp.header, resp.body); err != nil {
			t.Errorf("%s: the refusal breaks the contract: %v", path, err)
		}
		if pg := listPage(t, p, path+"?size=2"); len(pg.Items) != 2 {
			t.Errorf("%s without sort: %d items", path, len(pg.Items))
		}
	}
}

func TestThinProjection(t *testing.T) {
	cfg := testConfig()
	cfg.ThinProjection = true
	p := lmfake.NewSample(cfg, sampleOptions(5))
	pg := listPage(t, p, "/setting/admins?fields="+strings.Join(lm.UserFields, ","))
	for _, it := range pg.Items {
		for _, nested := range []string{"roles", "adminGroupIds", "apiTokens"} {
			if _, ok := it[nested]; ok {
				t.Fatalf("a thin projection carries %s: %v", nested, it)
			}
		}
		if _, ok := it["username"]; !ok {
			t.Fatalf("a thin projection lost a top-level field: %v", it)
		}
	}
	whole := listPage(t, p, "/setting/admins")
	for _, it := range whole.Items {
		if _, ok := it["roles"]; !ok {
			t.Fatalf("whole objects lack roles in the thin mode: %v", it)
		}
	}
}

// Every user answer carries the masked password, as real portals do: whole
// objects, projections, single users and PATCH answers.
func TestMaskedPassword(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(5))
	u, _ := p.User(5)
	patch, _ := json.Marshal(map[string]any{"status": "suspended", "roles": []map[string]int{{"id": u.Roles[0].ID}}})
	answers := map[string]response{
		"list":       call(t, p, "GET", "/setting/admins?size=3", ""),
		"projection": call(t, p, "GET", "/setting/admins?size=3&fields=id,username", ""),
		"one user":   call(t, p, "GET", "/setting/admins/5?fields=id", ""),
		"PATCH":      call(t, p, "PATCH", "/setting/admins/5", string(patch)),
	}
	for name, resp := range answers {
		if resp.status != 200 {
			t.Fatalf("%s: %d %s", name, resp.status, resp.body)
		}
		var items []map[string]any
		if m := resp.json(t); m["items"] != nil {
			var pg page
			_ = json.Unmarshal(resp.body, &pg)
			items = pg.Items
		} else {
			items = []map[string]any{m}
		}
		for _, it := range items {
			if it["password"] != lmfake.MaskedPassword {
				t.Errorf("%s: password %v, want %q", name, it["password"], lmfake.MaskedPassword)
			}
		}
	}
}

// The PATCH modes answer in the API's own shapes: an error envelope, and a
// user as the portal has it.
func TestPatchModesKeepTheContract(t *testing.T) {
	for name, mode := range map[string]func(*lmfake.Config){
		"refuses every PATCH":   func(c *lmfake.Config) { c.RefusePatches = true },
		"ignores adminGroupIds": func(c *lmfake.Config) { c.IgnoreGroupIDs = true },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig()
			mode(&cfg)
			p := lmfake.NewSample(cfg, sampleOptions(5))
			u, _ := p.User(5)
			body, _ := json.Marshal(map[string]any{"status": "suspended", "adminGroupIds": []int{}, "roles": []map[string]int{{"id": u.Roles[0].ID}}})
			resp := call(t, p, "PATCH", "/setting/admins/5", string(body))
			if err := contract.ValidateResponse("PATCH", "/setting/admins/5", resp.status, resp.header, resp.body); err != nil {
				t.Errorf("%d %s breaks the contract: %v", resp.status, resp.body, err)
			}
			after, _ := p.User(5)
			if len(after.GroupIDs) != len(u.GroupIDs) || len(u.GroupIDs) == 0 {
				t.Errorf("groups %v became %v: want them kept (and the sample user in a group)", u.GroupIDs, after.GroupIDs)
			}
		})
	}
}

// A user with id 0 is listed, read and changed like any other.
func TestUserWithIDZero(t *testing.T) {
	p := lmfake.New(testConfig())
	r := p.AddRole("readonly")
	p.AddUser(lm.User{Username: "ann@example.com", Roles: []lm.Role{r}})
	p.AddUserWithID(0, lm.User{Username: "zero@example.com", Roles: []lm.Role{r}})
	pg := listPage(t, p, "/setting/admins?sort=%2Bid")
	if len(pg.Items) != 2 || pg.Items[0]["id"] != float64(0) {
		t.Fatalf("items %v, want user 0 first", pg.Items)
	}
	body := fmt.Sprintf(`{"status":"suspended","adminGroupIds":[],"roles":[{"id":%d}]}`, r.ID)
	if resp := call(t, p, "PATCH", "/setting/admins/0", body); resp.status != 200 {
		t.Fatalf("PATCH user 0: %d %s", resp.status, resp.body)
	}
	if u, ok := p.User(0); !ok || u.Status != lm.StatusSuspended {
		t.Errorf("user 0 = %+v, %v", u, ok)
	}
}
