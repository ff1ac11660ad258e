package lmfake

import (
	"net/http"
	"strings"
	"time"
)

type rateLimit struct {
	limit  int
	window time.Duration
}

type bucket struct {
	start time.Time
	used  int
}

// rateState is what the X-Rate-Limit-* headers report for one request.
type rateState struct {
	allowed   bool
	limit     int
	remaining int
	window    time.Duration
}

// defaultLimits are the indicative per-minute limits LogicMonitor publishes.
func defaultLimits() map[string]rateLimit {
	return map[string]rateLimit{
		http.MethodGet:    {500, time.Minute},
		http.MethodPost:   {200, time.Minute},
		http.MethodPut:    {200, time.Minute},
		http.MethodPatch:  {250, time.Minute},
		http.MethodDelete: {300, time.Minute},
	}
}

// SetRateLimit sets the limit for one method, per endpoint (collection path),
// in a fixed window; counting restarts for that method.
func (p *Portal) SetRateLimit(method string, limit int, window time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	method = strings.ToUpper(method)
	p.limits[method] = rateLimit{limit, window}
	for key := range p.buckets {
		if strings.HasPrefix(key, method+" ") {
			delete(p.buckets, key)
		}
	}
}

// takeRate reports the bucket of method on resource's endpoint and, when
// consume is set, counts the request if the limit allows it. Windows run on
// the real clock, so that tests with a fixed portal clock still see them end.
func (p *Portal) takeRate(method, resource string, consume bool) rateState {
	p.mu.Lock()
	defer p.mu.Unlock()
	lim, ok := p.limits[strings.ToUpper(method)]
	if !ok {
		lim = p.limits[http.MethodGet]
	}
	key := strings.ToUpper(method) + " " + collectionOf(resource)
	now := time.Now()
	b := p.buckets[key]
	if b == nil || now.Sub(b.start) >= lim.window {
		b = &bucket{start: now}
		p.buckets[key] = b
	}
	st := rateState{allowed: true, limit: lim.limit, window: lim.window}
	if consume {
		if b.used >= lim.limit {
			st.allowed = false
		} else {
			b.used++
		}
	}
	st.remaining = max(lim.limit-b.used, 0)
	return st
}

// windowSeconds is the window as the header carries it: whole seconds,
// rounded up, at least 1.
func windowSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}
