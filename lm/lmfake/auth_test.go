package lmfake_test

import (
	"strconv"
	"testing"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

func TestAuthentication(t *testing.T) {
	epoch := strconv.FormatInt(exampleEpoch, 10)
	minutes := func(m int64) int64 { return exampleEpoch + m*int64(time.Minute/time.Millisecond) }
	signed := func(key, method string, at int64, body, resource string) string {
		return "LMv1 " + exampleID + ":" + sign(key, method, at, body, resource) + ":" + strconv.FormatInt(at, 10)
	}
	tests := []struct {
		name, method, target, body, auth string
		cfg                              func(*lmfake.Config)
		want                             int
	}{
		// The two worked examples, as published (not re-signed here).
		{name: "accepts the worked GET example", method: "GET", target: "/setting/admins",
			auth: "LMv1 " + exampleID + ":NWUxMTYxMzQ2N2U3MDdmM2ZhMTZjMmVkNzNlY2ZhNjRkNTdlMmU2OGJhYzc3NTZkMWJhNjUzZWYwMDQ1YjhhNg==:" + epoch, want: 200},
		{name: "accepts the worked PATCH example", method: "PATCH", target: "/setting/admins/42", body: `{"status":"suspended"}`,
			auth: "LMv1 " + exampleID + ":NDU0MDFmMWZjZWUyYmM2Mzg2OGE1ODM4MTU0OTBlZjMwNTllMmJmOWFjYWJkNDRkZDJkOWJmNzZiZTg0MzZjMw==:" + epoch, want: 200},
		{name: "accepts a query string that is not signed", method: "GET", target: "/setting/admins?size=5",
			auth: signed(exampleKey, "GET", exampleEpoch, "", "/setting/admins"), want: 200},
		{name: "accepts an epoch 29 minutes off", method: "GET", target: "/setting/admins",
			auth: signed(exampleKey, "GET", minutes(-29), "", "/setting/admins"), want: 200},
		{name: "rejects base64 of the raw digest", method: "GET", target: "/setting/admins",
			auth: "LMv1 " + exampleID + ":XhFhNGfnB/P6FsLtc+z6ZNV+Lmi6x3VtG6ZT7wBFuKY=:" + epoch, want: 401},
		{name: "rejects a wrong key", method: "GET", target: "/setting/admins",
			auth: signed("not the key", "GET", exampleEpoch, "", "/setting/admins"), want: 401},
		{name: "rejects a tampered body", method: "PATCH", target: "/setting/admins/42", body: `{"status":"active"}`,
			auth: signed(exampleKey, "PATCH", exampleEpoch, `{"status":"suspended"}`, "/setting/admins/42"), want: 401},
		{name: "rejects a signature over the query string", method: "GET", target: "/setting/admins?size=5",
			auth: signed(exampleKey, "GET", exampleEpoch, "", "/setting/admins?size=5"), want: 401},
		{name: "rejects a signature over the full path", method: "GET", target: "/setting/admins",
			auth: signed(exampleKey, "GET", exampleEpoch, "", "/santaba/rest/setting/admins"), want: 401},
		{name: "rejects a signature for another method", method: "GET", target: "/setting/admins",
			auth: signed(exampleKey, "POST", exampleEpoch, "", "/setting/admins"), want: 401},
		{name: "rejects an epoch 31 minutes behind", method: "GET", target: "/setting/admins",
			auth: signed(exampleKey, "GET", minutes(-31), "", "/setting/admins"), want: 401},
		{name: "rejects an epoch 31 minutes ahead", method: "GET", target: "/setting/admins",
			auth: signed(exampleKey, "GET", minutes(31), "", "/setting/admins"), want: 401},
		{name: "rejects an unknown access id", method: "GET", target: "/setting/admins",
			auth: "LMv1 someoneElse:" + sign(exampleKey, "GET", exampleEpoch, "", "/setting/admins") + ":" + epoch, want: 401},
		{name: "rejects a header without epoch", method: "GET", target: "/setting/admins",
			auth: "LMv1 " + exampleID + ":" + sign(exampleKey, "GET", exampleEpoch, "", "/setting/admins"), want: 401},
		{name: "rejects LMv1 when the portal has no access id", method: "GET", target: "/setting/admins",
			auth: signed(exampleKey, "GET", exampleEpoch, "", "/setting/admins"),
			cfg:  func(c *lmfake.Config) { c.AccessID = "" }, want: 401},
		{name: "accepts the bearer token", method: "GET", target: "/setting/admins", auth: "Bearer " + bearer, want: 200},
		{name: "rejects a wrong bearer token", method: "GET", target: "/setting/admins", auth: "Bearer nope", want: 401},
		{name: "rejects bearer when the portal has none", method: "GET", target: "/setting/admins", auth: "Bearer ",
			cfg: func(c *lmfake.Config) { c.BearerToken = "" }, want: 401},
		{name: "rejects a request without Authorization", method: "GET", target: "/setting/admins", auth: "", want: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			p := lmfake.New(cfg)
			p.AddUser(lm.User{ID: 42, Username: "ann@example.com"})
			resp := callWith(t, p, tt.method, tt.target, tt.body, map[string]string{"Authorization": tt.auth})
			if resp.status != tt.want {
				t.Fatalf("status = %d, want %d: %s", resp.status, tt.want, resp.body)
			}
			if tt.want == 401 {
				const want = `{"errorMessage":"Authentication failed","errorCode":1401,"errorDetail":null}`
				if string(resp.body) != want {
					t.Errorf("body = %s, want %s", resp.body, want)
				}
				if u, _ := p.User(42); u.Status != lm.StatusActive {
					t.Errorf("a refused PATCH changed the user: %+v", u)
				}
			}
		})
	}
}
