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
	// OmitGroups and OmitStatus (PATCH only) apply the change but leave
	// adminGroupIds or status out of the answer, as some portals answer.
	OmitGroups, OmitStatus bool
	// FlatPage answers 200 with a list of about this many bytes whose items
	// are all zeros; NestedPage with one whose single item is arrays nested
	// to fill about this many bytes. Both are the runaway bodies a client
	// must refuse without reading them into memory or recursing into them.
	FlatPage, NestedPage int
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
		if (f.Mismatch || f.OmitGroups || f.OmitStatus) && method != http.MethodPatch {
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

// flatPage is {"total":-1,"items":[0,0,…]} of about n bytes.
func flatPage(n int) []byte {
	b := make([]byte, 0, n+64)
	b = append(b, `{"total":-1,"searchId":null,"items":[0`...)
	for len(b) < n {
		b = append(b, ",0"...)
	}
	return append(b, "]}"...)
}

// nestedPage is {"total":1,"items":[[[…]]]} of about n bytes.
func nestedPage(n int) []byte {
	depth := max(n/2, 1)
	b := make([]byte, 0, 2*depth+64)
	b = append(b, `{"total":1,"searchId":null,"items":[`...)
	for range depth {
		b = append(b, '[')
	}
	for range depth {
		b = append(b, ']')
	}
	return append(b, "]}"...)
}
