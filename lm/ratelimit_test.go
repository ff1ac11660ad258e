package lm

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRateHeaders(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		want   rateInfo
	}{
		{
			name:   "reads all three headers",
			header: map[string]string{"X-Rate-Limit-Limit": "500", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Window": "60"},
			want:   rateInfo{Limit: 500, Remaining: 0, Window: time.Minute, HasRemaining: true, HasWindow: true},
		},
		{
			name:   "accepts a fractional window",
			header: map[string]string{"X-Rate-Limit-Remaining": "3", "X-Rate-Limit-Window": "0.25"},
			want:   rateInfo{Remaining: 3, Window: 250 * time.Millisecond, HasRemaining: true, HasWindow: true},
		},
		{
			name:   "absent headers are not zero remaining",
			header: map[string]string{},
			want:   rateInfo{},
		},
		{
			name:   "ignores unreadable and negative values",
			header: map[string]string{"X-Rate-Limit-Remaining": "lots", "X-Rate-Limit-Window": "-1"},
			want:   rateInfo{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got := parseRateHeaders(h); got != tt.want {
				t.Fatalf("parseRateHeaders = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestBucketKey(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"GET", "/setting/admins", "GET /setting/admins"},
		{"PATCH", "/setting/admins/42", "PATCH /setting/admins"},
		{"GET", "/setting/admin/groups/7", "GET /setting/admin/groups"},
		{"POST", "/setting/admin/groups", "POST /setting/admin/groups"},
	}
	for _, tt := range tests {
		if got := bucketKey(tt.method, tt.path); got != tt.want {
			t.Errorf("bucketKey(%s, %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter()
	key := "GET /setting/admins"

	l.observe(key, rateInfo{Remaining: 5, HasRemaining: true, Window: time.Minute, HasWindow: true}, now)
	if d := l.delay(key, now); d != 0 {
		t.Fatalf("a bucket with requests left waits %s", d)
	}

	l.observe(key, rateInfo{Remaining: 0, HasRemaining: true, Window: 10 * time.Second, HasWindow: true}, now)
	if d := l.delay(key, now.Add(4*time.Second)); d != 6*time.Second {
		t.Fatalf("an exhausted bucket waits %s, want the rest of the window (6s)", d)
	}
	if d := l.delay("PATCH /setting/admins", now); d != 0 {
		t.Fatalf("another bucket waits %s", d)
	}
	if d := l.delay(key, now.Add(10*time.Second)); d != 0 {
		t.Fatalf("the bucket still waits %s after its window", d)
	}

	l.observe(key, rateInfo{Remaining: 0, HasRemaining: true}, now)
	if d := l.delay(key, now); d != defaultWindow {
		t.Fatalf("an exhausted bucket without a window waits %s, want %s", d, defaultWindow)
	}
}

func TestLimiterCountsDownConcurrentRequests(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter()
	key := "GET /setting/admins"
	l.observe(key, rateInfo{Remaining: 2, HasRemaining: true, Window: 10 * time.Second, HasWindow: true}, now)
	for i := range 2 {
		if d := l.delay(key, now); d != 0 {
			t.Fatalf("request %d of the 2 left waits %s", i+1, d)
		}
	}
	if d := l.delay(key, now); d != 10*time.Second {
		t.Fatalf("a third request, with none left, waits %s; want the window", d)
	}
	if d := l.delay(key, now.Add(10*time.Second)); d != 0 {
		t.Fatalf("after the window a request waits %s", d)
	}
}
