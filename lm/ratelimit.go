package lm

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// defaultWindow is assumed when a 429 or an exhausted bucket comes without
// X-Rate-Limit-Window: LogicMonitor's documented windows are one minute.
const defaultWindow = 60 * time.Second

// rateInfo is what one response says about its rate-limit bucket.
type rateInfo struct {
	Limit, Remaining int
	Window           time.Duration
	// HasRemaining and HasWindow tell a header that says 0 from one that is
	// absent or unreadable.
	HasRemaining, HasWindow bool
}

// parseRateHeaders reads X-Rate-Limit-Limit, -Remaining and -Window. The
// window is in seconds; fractions are accepted so that a simulated portal can
// use windows shorter than a second.
func parseRateHeaders(h http.Header) rateInfo {
	var ri rateInfo
	if v, err := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Limit"))); err == nil && v >= 0 {
		ri.Limit = v
	}
	if v, err := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Remaining"))); err == nil && v >= 0 {
		ri.Remaining, ri.HasRemaining = v, true
	}
	if v, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-Rate-Limit-Window")), 64); err == nil && v >= 0 && v < 1e6 {
		ri.Window, ri.HasWindow = time.Duration(v*float64(time.Second)), true
	}
	return ri
}

// bucketKey names the portal's rate-limit bucket of a request: the method and
// the collection path, so PATCH /setting/admins/42 and PATCH
// /setting/admins/43 share "PATCH /setting/admins".
func bucketKey(method, resourcePath string) string {
	p := strings.TrimRight(resourcePath, "/")
	if i := strings.LastIndexByte(p, '/'); i > 0 && isDigits(p[i+1:]) {
		p = p[:i]
	}
	return method + " " + p
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// limiter paces requests per bucket from the portal's headers: once a bucket
// has no requests left, its next request waits until the window has passed
// instead of earning a 429.
type limiter struct {
	mu sync.Mutex
	// blockedUntil holds, per bucket, the earliest time the next request may
	// be sent; absent or in the past means "send now".
	blockedUntil map[string]time.Time
}

func newLimiter() *limiter { return &limiter{blockedUntil: make(map[string]time.Time)} }

// delay returns how long a request of the bucket must wait before it is sent.
func (l *limiter) delay(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	until, ok := l.blockedUntil[key]
	if !ok {
		return 0
	}
	if !now.Before(until) {
		delete(l.blockedUntil, key)
		return 0
	}
	return until.Sub(now)
}

// observe records a response's headers. An exhausted bucket blocks for one
// window from now: the portal does not say when its window started, so the
// full window is the only wait that is sure to be enough.
func (l *limiter) observe(key string, ri rateInfo, now time.Time) {
	if !ri.HasRemaining || ri.Remaining > 0 {
		return
	}
	window := ri.Window
	if !ri.HasWindow {
		window = defaultWindow
	}
	l.block(key, now.Add(window))
}

// block makes the bucket wait until at least until.
func (l *limiter) block(key string, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.blockedUntil[key]; !ok || until.After(cur) {
		l.blockedUntil[key] = until
	}
}
