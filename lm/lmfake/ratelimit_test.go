package lmfake_test

import (
	"strconv"
	"testing"
	"time"

	"lm-user-hygiene/lm/lmfake"
)

func TestRateLimitHeaders(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(3))
	tests := []struct {
		name, method, target, body string
		header                     map[string]string
		limit                      string
	}{
		{name: "on a success", method: "GET", target: "/setting/admins", limit: "500"},
		{name: "on a refused login", method: "GET", target: "/setting/admins", header: map[string]string{"Authorization": "Bearer x"}, limit: "500"},
		{name: "on a not found", method: "GET", target: "/setting/admins/999", limit: "500"},
		{name: "with the PATCH limit on a PATCH", method: "PATCH", target: "/setting/admins/3", body: `{"status":"active"}`, limit: "250"},
		{name: "with the POST limit on a POST", method: "POST", target: "/setting/admin/groups", body: `{"name":"x"}`, limit: "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := callWith(t, p, tt.method, tt.target, tt.body, tt.header)
			if got := resp.header.Get("X-Rate-Limit-Limit"); got != tt.limit {
				t.Errorf("X-Rate-Limit-Limit = %q, want %s", got, tt.limit)
			}
			if resp.header.Get("X-Rate-Limit-Remaining") == "" || resp.header.Get("X-Rate-Limit-Window") != "60" {
				t.Errorf("headers %v", resp.header)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(3))
	p.SetRateLimit("GET", 2, time.Minute)
	for i, wantRemaining := range []string{"1", "0"} {
		resp := call(t, p, "GET", "/setting/admins", "")
		if resp.status != 200 || resp.header.Get("X-Rate-Limit-Remaining") != wantRemaining {
			t.Fatalf("request %d: %d, remaining %q", i+1, resp.status, resp.header.Get("X-Rate-Limit-Remaining"))
		}
	}
	// Items share their collection's bucket.
	resp := call(t, p, "GET", "/setting/admins/1", "")
	if resp.status != 429 || resp.errorCode(t) != 1429 {
		t.Fatalf("over the limit: %d %s", resp.status, resp.body)
	}
	if resp.header.Get("Retry-After") != "" || resp.header.Get("X-Rate-Limit-Remaining") != "0" || resp.header.Get("X-Rate-Limit-Limit") != "2" {
		t.Errorf("429 headers %v", resp.header)
	}
	t.Run("other endpoints have their own bucket", func(t *testing.T) {
		if resp := call(t, p, "GET", "/setting/roles", ""); resp.status != 200 {
			t.Errorf("roles: %d", resp.status)
		}
	})
	t.Run("other methods have their own limit", func(t *testing.T) {
		if resp := call(t, p, "PATCH", "/setting/admins/3", `{"status":"active"}`); resp.status != 200 {
			t.Errorf("PATCH: %d %s", resp.status, resp.body)
		}
	})
	t.Run("a refused request is not served", func(t *testing.T) {
		if w := p.Writes(); w != 1 {
			t.Errorf("writes = %d, want 1", w)
		}
	})
}

func TestRateLimitWindowEnds(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(3))
	const window = 150 * time.Millisecond
	p.SetRateLimit("GET", 1, window)
	first := call(t, p, "GET", "/setting/admins", "")
	if w := first.header.Get("X-Rate-Limit-Window"); w != "1" {
		t.Errorf("window header %q, want whole seconds rounded up", w)
	}
	if resp := call(t, p, "GET", "/setting/admins", ""); resp.status != 429 {
		t.Fatalf("second request: %d", resp.status)
	}
	time.Sleep(window + 20*time.Millisecond)
	resp := call(t, p, "GET", "/setting/admins", "")
	if resp.status != 200 {
		t.Fatalf("after the window: %d", resp.status)
	}
	if n, _ := strconv.Atoi(resp.header.Get("X-Rate-Limit-Remaining")); n != 0 {
		t.Errorf("remaining %d", n)
	}
}
