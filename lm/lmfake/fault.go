package lmfake

import (
	"net/http"
	"strings"
	"time"
)

// Fault is a misbehaviour the portal shows for the next matching requests.
type Fault struct {
	Method   string        // "" = any
	Path     string        // resource path prefix, "" = any
	Count    int           // how many matching requests it applies to (0 = 1)
	Status   int           // HTTP status to answer (with the JSON error envelope unless HTML)
	HTML     bool          // answer an HTML maintenance page (text/html); status 503 when Status is 0
	Truncate bool          // serve the real response but cut the body in half (status 200)
	Stall    time.Duration // wait this long (or until the request context ends) before answering
	Mismatch bool          // PATCH only: apply the change but answer with adminGroupIds/status that differ from what was asked
}

type activeFault struct {
	Fault
	left int
}

// InjectFault queues f. Faults apply to authenticated requests, in the order
// they were injected; the first matching one with uses left is taken.
func (p *Portal) InjectFault(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	left := f.Count
	if left <= 0 {
		left = 1
	}
	p.faults = append(p.faults, &activeFault{Fault: f, left: left})
}

// takeFault returns the fault for this request (the zero Fault if none) and
// uses it up by one.
func (p *Portal) takeFault(method, resource string) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, f := range p.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.Path != "" && !strings.HasPrefix(resource, f.Path) {
			continue
		}
		if f.Mismatch && method != http.MethodPatch {
			continue
		}
		f.left--
		if f.left == 0 {
			p.faults = append(p.faults[:i:i], p.faults[i+1:]...)
		}
		return f.Fault
	}
	return Fault{}
}

// htmlReply is the maintenance page a proxy shows during an upgrade.
func htmlReply(status int) reply {
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	body := "<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head>" +
		"<body><h1>We'll be right back</h1><p>LogicMonitor is undergoing scheduled maintenance.</p></body></html>\n"
	return reply{status: status, body: []byte(body), html: true}
}
