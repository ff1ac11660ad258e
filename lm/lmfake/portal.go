// Package lmfake is a simulated LogicMonitor portal: an http.Handler that
// serves the parts of the REST API v3 the project uses (users, user groups,
// roles) the way the v3 swagger and the API notes describe them. It checks
// LMv1 signatures and bearer tokens, pages, projects and filters lists,
// answers errors in the API's envelope, enforces rate limits, and can inject
// faults. Its users carry a masked password, as real portals send them.
// Modes in Config make it answer as real portals may where the
// documentation is silent or wrong: merging or ignoring adminGroupIds,
// refusing every PATCH, refusing sort=, thinning a fields= projection.
// Tests, benchmarks and the --demo mode run against it.
package lmfake

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"lm-user-hygiene/lm"
)

// BasePath is where the portal serves the API, as on a real portal.
const BasePath = "/santaba/rest"

// maxBody bounds request bodies; larger ones are answered 413.
const maxBody = 1 << 20

// Config sets what the portal accepts and how it resolves the API's unknowns.
type Config struct {
	// AccessID and AccessKey are the LMv1 credentials the portal accepts;
	// an empty AccessID refuses LMv1.
	AccessID, AccessKey string
	// BearerToken is the bearer token the portal accepts; empty refuses bearer.
	BearerToken string
	// Now is the portal clock for the LMv1 epoch check and group timestamps;
	// nil means time.Now. Rate-limit windows always use the real clock.
	Now func() time.Time
	// RequirePatchRoles refuses (400/1400) a PATCH body without "roles",
	// the stricter reading of the API documentation.
	RequirePatchRoles bool
	// MergeGroupIDs merges a PATCH's adminGroupIds into the user's groups
	// instead of replacing them, the other reading of the documentation.
	MergeGroupIDs bool
	// IgnoreGroupIDs applies a PATCH's status but leaves the user's groups
	// as they were, as a portal that ignores adminGroupIds (it may want
	// them in another form) does; the answer shows the groups unchanged.
	IgnoreGroupIDs bool
	// RefusePatches answers every user PATCH 400/1400 with
	// PatchRefusedMessage and changes nothing: a portal that wants another
	// body than the one sent.
	RefusePatches bool
	// RefuseSort answers a list request that carries sort= 400/1400 with
	// SortRefusedMessage, as a portal that does not support sorting there.
	RefuseSort bool
	// ThinProjection answers a users list with fields= with the requested
	// top-level fields only: roles, adminGroupIds and apiTokens are left
	// out even when asked for, as a projection that drops nested data.
	ThinProjection bool
	// Validate, when set, is called on every request before it is served;
	// an error is answered 400/1400 and recorded in Violations.
	Validate func(r *http.Request, body []byte) error
}

// The error messages of the refusing modes; a client must carry them to the
// admin as the portal wrote them.
const (
	PatchRefusedMessage = "Invalid request body: adminGroup must be given as a list of {id, name}"
	SortRefusedMessage  = "Sorting is not supported for this resource"
)

// MaskedPassword is what the portal writes as every user's password, in
// whole objects and projections alike (real portals send it asterisked).
const MaskedPassword = "********"

// Request is one request the portal received.
type Request struct {
	Method string
	Path   string // resource path after /santaba/rest, e.g. /setting/admins/42
	Query  url.Values
	Body   []byte
	Status int // 0 when the client went away before an answer
}

// Portal is the simulated portal. All its methods are safe for concurrent use.
type Portal struct {
	cfg Config

	mu          sync.Mutex
	users       []*user // sorted by id
	groups      []*group
	roles       []*role
	nextUserID  int
	nextGroupID int
	nextRoleID  int
	nextTokenID int
	requests    []Request
	writes      int
	violations  []error
	limits      map[string]rateLimit
	buckets     map[string]*bucket
	faults      []*activeFault
	latency     time.Duration
	latencyOf   map[string]time.Duration // by method, over latency
	negative    bool
	pageCap     int
	refused     []string
	pending     []lm.User // inserted after the next first users page
	removals    []int     // user ids removed after the next first users page
}

// New returns an empty portal (no users, groups or roles).
func New(cfg Config) *Portal {
	return &Portal{
		cfg:         cfg,
		nextUserID:  1,
		nextGroupID: 1,
		nextRoleID:  1,
		limits:      defaultLimits(),
		buckets:     map[string]*bucket{},
	}
}

func (p *Portal) now() time.Time {
	if p.cfg.Now != nil {
		return p.cfg.Now()
	}
	return time.Now()
}

// reply is an answer before it is written: the v1 envelope, the rate-limit
// headers and truncation are applied by write.
type reply struct {
	status   int
	body     []byte
	msg      string // error message, for the v1 envelope
	html     bool
	truncate bool
	rate     *rateState // nil: report the bucket without using it
}

func jsonReply(body []byte) reply { return reply{status: http.StatusOK, body: body} }

// errorReply builds the API's error envelope; errorCode is 1000 + the HTTP
// status (1400, 1401, 1404, 1409, 1429, ...), as the portal does.
func errorReply(status int, msg string) reply {
	b := append([]byte(`{"errorMessage":`), appendString(nil, msg)...)
	b = append(b, `,"errorCode":`...)
	b = strconv.AppendInt(b, int64(1000+status), 10)
	b = append(b, `,"errorDetail":null}`...)
	return reply{status: status, body: b, msg: msg}
}

// ServeHTTP serves the API under /santaba/rest; anything else is 404.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	resource, ok := strings.CutPrefix(r.URL.Path, BasePath)
	if !ok || !strings.HasPrefix(resource, "/") {
		p.write(w, r.Method, "/", true, errorReply(http.StatusNotFound, "No such resource"), nil)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	rec := Request{Method: r.Method, Path: resource, Query: r.URL.Query(), Body: body}
	if err != nil {
		p.record(rec) // the client went away while sending
		return
	}
	rep, answered := p.handle(r, resource, body)
	if !answered {
		p.record(rec)
		return
	}
	v3 := r.Header.Get("X-Version") == "3" || rec.Query.Get("v") == "3"
	// The request is logged before the answer leaves, so that a client that
	// has its answer always finds the request in Requests and Writes.
	p.write(w, r.Method, resource, v3, rep, func(status int) {
		rec.Status = status
		p.record(rec)
	})
}

func (p *Portal) record(rec Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, rec)
	if rec.Method != http.MethodGet && rec.Status >= 200 && rec.Status < 300 {
		p.writes++
	}
}

// handle decides the answer. It reports false when the request context ended
// during latency or a stall, in which case nothing is written.
func (p *Portal) handle(r *http.Request, resource string, body []byte) (reply, bool) {
	ctx := r.Context()
	p.mu.Lock()
	latency, ok := p.latencyOf[r.Method]
	if !ok {
		latency = p.latency
	}
	p.mu.Unlock()
	if !sleep(ctx, latency) {
		return reply{}, false
	}
	if len(body) > maxBody {
		return errorReply(http.StatusRequestEntityTooLarge, "Request entity too large"), true
	}
	if validate := p.cfg.Validate; validate != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := validate(r, body); err != nil {
			p.mu.Lock()
			p.violations = append(p.violations, err)
			p.mu.Unlock()
			return errorReply(http.StatusBadRequest, "Request does not match the API contract: "+err.Error()), true
		}
	}
	if !p.authenticate(r.Header.Get("Authorization"), r.Method, resource, body) {
		return errorReply(http.StatusUnauthorized, "Authentication failed"), true
	}
	f := p.takeFault(r.Method, resource)
	if !sleep(ctx, f.Stall) {
		return reply{}, false
	}
	switch {
	case f.HTML:
		return htmlReply(f.Status), true
	case f.Status == http.StatusTooManyRequests:
		// An injected 429 looks like a real one: the bucket reads empty.
		rep := errorReply(f.Status, "Too many requests, rate limit exceeded")
		rate := p.takeRate(r.Method, resource, false)
		rate.remaining = 0
		rep.rate = &rate
		return rep, true
	case f.Status != 0:
		return errorReply(f.Status, http.StatusText(f.Status)), true
	case f.FlatPage > 0:
		return jsonReply(flatPage(f.FlatPage)), true
	case f.NestedPage > 0:
		return jsonReply(nestedPage(f.NestedPage)), true
	}
	rate := p.takeRate(r.Method, resource, true)
	if !rate.allowed {
		rep := errorReply(http.StatusTooManyRequests, "Too many requests, rate limit exceeded")
		rep.rate = &rate
		return rep, true
	}
	rep := p.route(r.Method, resource, r.URL.Query(), body, f)
	rep.rate = &rate
	rep.truncate = f.Truncate
	return rep, true
}

// write sends rep; before, when set, is called with the final status just
// before anything is sent.
func (p *Portal) write(w http.ResponseWriter, method, resource string, v3 bool, rep reply, before func(status int)) {
	rate := rep.rate
	if rate == nil {
		s := p.takeRate(method, resource, false)
		rate = &s
	}
	h := w.Header()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(rate.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(rate.remaining))
	h.Set("X-Rate-Limit-Window", strconv.Itoa(windowSeconds(rate.window)))

	body, contentType := rep.body, "application/json"
	switch {
	case rep.html:
		contentType = "text/html; charset=utf-8"
	case !v3:
		body = wrapV1(rep)
	}
	status := rep.status
	if rep.truncate {
		body, status = body[:len(body)/2], http.StatusOK
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if before != nil {
		before(status)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// wrapV1 gives the v1 shape a request without X-Version: 3 gets:
// {"status":200,"errmsg":"OK","data":{...}}, or for an error the HTTP status,
// the message and null data.
func wrapV1(rep reply) []byte {
	b := []byte(`{"status":`)
	b = strconv.AppendInt(b, int64(rep.status), 10)
	b = append(b, `,"errmsg":`...)
	if rep.status >= 200 && rep.status < 300 {
		b = append(b, `"OK","data":`...)
		b = append(b, rep.body...)
	} else {
		b = appendString(b, rep.msg)
		b = append(b, `,"data":null`...)
	}
	return append(b, '}')
}

// sleep waits d, or less when ctx ends first (then it reports false).
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Requests returns a copy of every request received under /santaba/rest,
// in arrival order of their completion.
func (p *Portal) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Request, len(p.requests))
	for i, r := range p.requests {
		r.Query = cloneValues(r.Query)
		r.Body = slices.Clone(r.Body)
		out[i] = r
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// Writes counts the requests other than GET that the portal accepted (2xx).
func (p *Portal) Writes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writes
}

// Violations returns the errors Config.Validate reported.
func (p *Portal) Violations() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.violations)
}

// SetLatency adds d to every request (cut short when the request ends),
// except those of a method given its own with SetMethodLatency.
func (p *Portal) SetLatency(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency = d
}

// SetMethodLatency adds d to every request of method ("GET", "PATCH", ...)
// instead of the latency of SetLatency: a portal that reads slowly and
// writes at another pace.
func (p *Portal) SetMethodLatency(method string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.latencyOf == nil {
		p.latencyOf = map[string]time.Duration{}
	}
	p.latencyOf[method] = d
}

// SetNegativeTotal makes list responses report total -1, as some endpoints
// do for incomplete results.
func (p *Portal) SetNegativeTotal(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.negative = on
}

// SetPageCap makes list pages hold at most n items whatever size asks
// (0: no cap), as a portal that caps pages below the documented 1000 does.
func (p *Portal) SetPageCap(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pageCap = n
}

// RefuseFields makes list requests whose fields= names one of these fields
// fail with 400/1400 naming the field, as a portal that does not know a
// newer field answers.
func (p *Portal) RefuseFields(names ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refused = append(p.refused, names...)
}

// refusedFieldLocked returns the first refused field a list request asks
// for, or "".
func (p *Portal) refusedFieldLocked(q url.Values) string {
	for _, name := range strings.Split(q.Get("fields"), ",") {
		if slices.Contains(p.refused, strings.TrimSpace(name)) {
			return strings.TrimSpace(name)
		}
	}
	return ""
}

// AddUserWhilePaging inserts u right after the next users page with offset 0
// is served, with an id lower than every other user's (so that later pages
// shift by one, as when a user is created during a listing). An id of 0 is
// replaced by the lowest id minus one, which can be 0 or negative.
func (p *Portal) AddUserWhilePaging(u lm.User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = append(p.pending, u)
}

// RemoveUserWhilePaging deletes the user with that id right after the next
// users page with offset 0 is served, so that later pages shift back by one
// and the total drops, as when a user is deleted during a listing.
func (p *Portal) RemoveUserWhilePaging(id int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removals = append(p.removals, id)
}

func (p *Portal) removePendingLocked() {
	for _, id := range p.removals {
		if i, ok := p.userIndexLocked(id); ok {
			p.users = slices.Delete(p.users, i, i+1)
		}
	}
	p.removals = nil
}

func (p *Portal) insertPendingLocked() {
	for _, u := range p.pending {
		nu := p.fromLM(u)
		if nu.id == 0 {
			nu.id = 1
			if len(p.users) > 0 {
				nu.id = p.users[0].id - 1
			}
		}
		p.addUserLocked(nu)
	}
	p.pending = nil
}
