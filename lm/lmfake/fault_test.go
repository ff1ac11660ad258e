package lmfake_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm/lmfake"
)

func TestFaults(t *testing.T) {
	t.Run("a status answers the JSON error envelope", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(3))
		p.InjectFault(lmfake.Fault{Status: 503})
		resp := call(t, p, "GET", "/setting/admins", "")
		if resp.status != 503 || resp.errorCode(t) != 1503 || resp.header.Get("Content-Type") != "application/json" {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		if resp := call(t, p, "GET", "/setting/admins", ""); resp.status != 200 {
			t.Errorf("a Count 0 fault applies once; second request: %d", resp.status)
		}
	})
	t.Run("an injected 429 reads as an empty bucket", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(3))
		p.InjectFault(lmfake.Fault{Status: 429})
		resp := call(t, p, "GET", "/setting/admins", "")
		if resp.status != 429 || resp.errorCode(t) != 1429 || resp.header.Get("X-Rate-Limit-Remaining") != "0" || resp.header.Get("Retry-After") != "" {
			t.Fatalf("%d %v %s", resp.status, resp.header, resp.body)
		}
	})
	t.Run("HTML answers a maintenance page", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(3))
		p.InjectFault(lmfake.Fault{HTML: true, Status: 502})
		resp := call(t, p, "GET", "/setting/admins", "")
		if resp.status != 502 || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") || !strings.Contains(string(resp.body), "<html>") {
			t.Fatalf("%d %v %s", resp.status, resp.header, resp.body)
		}
	})
	t.Run("Truncate serves half a body with status 200", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(30))
		full := call(t, p, "GET", "/setting/admins", "")
		p.InjectFault(lmfake.Fault{Truncate: true})
		resp := call(t, p, "GET", "/setting/admins", "")
		if resp.status != 200 || json.Valid(resp.body) || len(resp.body) != len(full.body)/2 {
			t.Fatalf("%d, %d of %d bytes, valid %v", resp.status, len(resp.body), len(full.body), json.Valid(resp.body))
		}
	})
	t.Run("Count, Method and Path choose the requests", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(3))
		p.InjectFault(lmfake.Fault{Method: "GET", Path: "/setting/roles", Count: 2, Status: 500})
		var got []int
		for _, target := range []string{"/setting/admins", "/setting/roles", "/setting/admins", "/setting/roles", "/setting/roles"} {
			got = append(got, call(t, p, "GET", target, "").status)
		}
		if resp := call(t, p, "PATCH", "/setting/admins/3", `{"status":"active"}`); resp.status != 200 {
			t.Errorf("PATCH hit a GET fault: %d", resp.status)
		}
		if want := []int{200, 500, 200, 500, 200}; !slices.Equal(got, want) {
			t.Errorf("statuses %v, want %v", got, want)
		}
	})
	t.Run("a fault applies only to authenticated requests", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(3))
		p.InjectFault(lmfake.Fault{Status: 500})
		if resp := callWith(t, p, "GET", "/setting/admins", "", map[string]string{"Authorization": "Bearer x"}); resp.status != 401 {
			t.Errorf("unauthenticated: %d", resp.status)
		}
		if resp := call(t, p, "GET", "/setting/admins", ""); resp.status != 500 {
			t.Errorf("authenticated: %d", resp.status)
		}
	})
	t.Run("Stall waits, then answers", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(3))
		p.InjectFault(lmfake.Fault{Stall: 50 * time.Millisecond})
		start := time.Now()
		resp := call(t, p, "GET", "/setting/admins", "")
		if resp.status != 200 || time.Since(start) < 50*time.Millisecond {
			t.Errorf("%d after %v", resp.status, time.Since(start))
		}
	})
	t.Run("Stall ends with the request context", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(3))
		p.InjectFault(lmfake.Fault{Stall: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		start := time.Now()
		serve(ctx, t, p, "GET", "/setting/admins", "", nil)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("stall ignored the context: %v", d)
		}
		reqs := p.Requests()
		if len(reqs) != 1 || reqs[0].Status != 0 {
			t.Errorf("requests %+v, want one unanswered", reqs)
		}
	})
	t.Run("Mismatch applies the PATCH but answers otherwise", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(10))
		p.InjectFault(lmfake.Fault{Mismatch: true})
		if resp := call(t, p, "GET", "/setting/admins/5", ""); resp.status != 200 {
			t.Fatalf("a GET used the PATCH-only fault: %d", resp.status)
		}
		resp := call(t, p, "PATCH", "/setting/admins/5", `{"status":"suspended","adminGroupIds":[8]}`)
		var got struct {
			Status        string `json:"status"`
			AdminGroupIDs []int  `json:"adminGroupIds"`
		}
		if err := json.Unmarshal(resp.body, &got); err != nil || resp.status != 200 {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		if got.Status == "suspended" || slices.Equal(got.AdminGroupIDs, []int{8}) {
			t.Errorf("answer matches the request: %s", resp.body)
		}
		if u, _ := p.User(5); u.Status != "suspended" || !slices.Equal(u.GroupIDs, []int{8}) {
			t.Errorf("change not applied: %+v", u)
		}
	})
}

func TestLatency(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(3))
	p.SetLatency(40 * time.Millisecond)
	start := time.Now()
	if resp := call(t, p, "GET", "/setting/admins", ""); resp.status != 200 || time.Since(start) < 40*time.Millisecond {
		t.Errorf("%d after %v", resp.status, time.Since(start))
	}
	p.SetLatency(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start = time.Now()
	serve(ctx, t, p, "GET", "/setting/admins", "", nil)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("latency ignored the context: %v", d)
	}
}

func TestMethodLatency(t *testing.T) {
	p := lmfake.NewSample(testConfig(), sampleOptions(3))
	p.SetLatency(time.Minute)
	p.SetMethodLatency("GET", 40*time.Millisecond)
	start := time.Now()
	if resp := call(t, p, "GET", "/setting/admins", ""); resp.status != 200 || time.Since(start) < 40*time.Millisecond || time.Since(start) > 30*time.Second {
		t.Errorf("%d after %v", resp.status, time.Since(start))
	}
	// Other methods keep the latency of SetLatency.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	serve(ctx, t, p, "DELETE", "/setting/admins/1", "", nil)
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("a DELETE took %v: the GET latency was used for it", d)
	}
}
