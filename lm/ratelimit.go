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

// limiter paces requests per bucket from the portal's headers. It counts
// down the requests the last answer said were left, so that pages read
// concurrently do not all go out on the last one, and once a bucket has none
// left its next request waits until the window has passed instead of
// earning a 429.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucketState
}

type bucketState struct {
	// blockedUntil is the earliest time the next request may be sent.
	blockedUntil time.Time
	// remaining is what the portal said is left, less the requests sent
	// since; known is false until an answer said.
	remaining int
	known     bool
	window    time.Duration
}

func newLimiter() *limiter { return &limiter{buckets: make(map[string]*bucketState)} }

func (l *limiter) bucket(key string) *bucketState {
	b := l.buckets[key]
	if b == nil {
		b = &bucketState{window: defaultWindow}
		l.buckets[key] = b
	}
	return b
}

// delay returns how long a request of the bucket must wait before it is
// sent; when it returns 0 the request is counted as sent.
func (l *limiter) delay(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key)
	if now.Before(b.blockedUntil) {
		return b.blockedUntil.Sub(now)
	}
	if b.known && b.remaining <= 0 {
		// The last request the window allowed is on its way: the next one
		// waits a full window, as the portal does not say when it started.
		b.blockedUntil, b.known = now.Add(b.window), false
		return b.window
	}
	b.remaining--
	return 0
}

// observe records a response's headers. An exhausted bucket blocks for one
// window from now: the portal does not say when its window started, so the
// full window is the only wait that is sure to be enough.
func (l *limiter) observe(key string, ri rateInfo, now time.Time) {
	if !ri.HasRemaining {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key)
	window := defaultWindow
	if ri.HasWindow {
		window, b.window = ri.Window, ri.Window
	}
	b.remaining, b.known = ri.Remaining, true
	if ri.Remaining <= 0 {
		// The window resets the count; the next answer tells it again.
		l.blockLocked(b, now.Add(window))
		b.known = false
	}
}

// block makes the bucket wait until at least until.
func (l *limiter) block(key string, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.blockLocked(l.bucket(key), until)
}

func (l *limiter) blockLocked(b *bucketState, until time.Time) {
	if until.After(b.blockedUntil) {
		b.blockedUntil = until
	}
}
