package lm

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// Distinctive credentials: no error or log line may ever contain them.
const (
	testAccessID = "TESTID-7Qx2"
	testKey      = "SECRET-KEY-zz9-4f1c8e"
	testBearer   = "SECRET-BEARER-qq7-90ab"
)

// fixture is a hand-built portal on loopback: the test's handler is mounted
// under the real /santaba/rest prefix, and every request is checked for the
// headers and the LMv1 signature the client must always send.
type fixture struct {
	t      *testing.T
	srv    *httptest.Server
	client *Client
	hits   atomic.Int64
	logs   *syncBuffer
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, body []byte)

func newFixture(t *testing.T, h handlerFunc, mods ...func(*Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, logs: &syncBuffer{}}
	mux := http.NewServeMux()
	mux.Handle("/santaba/rest/", http.StripPrefix("/santaba/rest", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading request body: %v", err)
		}
		f.checkRequest(r, body)
		h(w, r, body)
	})))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)

	logger := logrus.New()
	logger.SetOutput(f.logs)
	logger.SetLevel(logrus.DebugLevel)
	cfg := Config{
		BaseURL:        f.srv.URL + "/santaba/rest",
		AccessID:       testAccessID,
		AccessKey:      testKey,
		Logger:         logrus.NewEntry(logger),
		RetryBaseDelay: time.Millisecond,
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.client = c
	return f
}

func withBearer(c *Config) { c.AccessID, c.AccessKey, c.BearerToken = "", "", testBearer }

// checkRequest asserts what every request must carry.
func (f *fixture) checkRequest(r *http.Request, body []byte) {
	t := f.t
	if got := r.Header.Get("X-Version"); got != "3" {
		t.Errorf("%s %s: X-Version = %q, want 3", r.Method, r.URL.Path, got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("%s %s: Accept = %q", r.Method, r.URL.Path, got)
	}
	if ct := r.Header.Get("Content-Type"); (len(body) > 0) != (ct != "") || (ct != "" && ct != "application/json") {
		t.Errorf("%s %s: Content-Type = %q with a %d-byte body", r.Method, r.URL.Path, ct, len(body))
	}
	auth := r.Header.Get("Authorization")
	if strings.HasPrefix(auth, "Bearer ") {
		if auth != "Bearer "+testBearer {
			t.Errorf("%s %s: wrong bearer header", r.Method, r.URL.Path)
		}
		return
	}
	// LMv1: the signature covers the resource path without the prefix and
	// without the query, and the exact body bytes received.
	rest, ok := strings.CutPrefix(auth, "LMv1 ")
	parts := strings.Split(rest, ":")
	if !ok || len(parts) != 3 {
		t.Errorf("%s %s: malformed Authorization header", r.Method, r.URL.Path)
		return
	}
	epoch, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		t.Errorf("%s %s: epoch %q is not a number", r.Method, r.URL.Path, parts[2])
		return
	}
	if d := time.Since(time.UnixMilli(epoch)); d < -time.Minute || d > time.Minute {
		t.Errorf("%s %s: epoch is %s off the clock", r.Method, r.URL.Path, d)
	}
	if parts[0] != testAccessID || parts[1] != Sign(testKey, r.Method, epoch, body, r.URL.Path) {
		t.Errorf("%s %s: signature does not verify", r.Method, r.URL.Path)
	}
}

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// respond writes a JSON answer with optional headers.
func respond(w http.ResponseWriter, status int, body string, headers ...string) {
	for i := 0; i+1 < len(headers); i += 2 {
		w.Header().Set(headers[i], headers[i+1])
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func errorBody(code int, msg string) string {
	return fmt.Sprintf(`{"errorMessage":%q,"errorCode":%d,"errorDetail":null}`, msg, code)
}

func userJSON(id int) string {
	return fmt.Sprintf(`{"id":%d,"username":"user%d","status":"active","roles":[{"id":1,"name":"readonly"}],"adminGroupIds":[]}`, id, id)
}

// usersPage is a list body with the given total and one user per id.
func usersPage(total int, ids ...int) string {
	items := make([]string, len(ids))
	for i, id := range ids {
		items[i] = userJSON(id)
	}
	return fmt.Sprintf(`{"total":%d,"searchId":null,"items":[%s]}`, total, strings.Join(items, ","))
}

// idRange returns from, from+1, …, to-1.
func idRange(from, to int) []int {
	ids := make([]int, 0, max(to-from, 0))
	for i := from; i < to; i++ {
		ids = append(ids, i)
	}
	return ids
}

const htmlPage = "<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body></html>"

// idList answers users pages from a list of ids the way a portal does:
// sorted by id, size and offset, an id filter (id>a or id>a,id<b) and the
// list's total. Tests change the list between requests through served.
type idList struct {
	mu  sync.Mutex
	ids []int
	// negative reports total -1; cap serves at most that many items a page.
	negative bool
	cap      int
	// descending lists in descending id order, as a portal that ignores
	// sort=+id might; ignoreFilter serves the whole list whatever the filter.
	descending, ignoreFilter bool
	// served is called after each page is computed, before it is sent,
	// with the number of pages served so far.
	served func(l *idList, n int)
	n      int
	seen   []string // offset and filter of each request
}

func newIDList(from, to int) *idList { return &idList{ids: idRange(from, to)} }

func (l *idList) handler(w http.ResponseWriter, r *http.Request, _ []byte) {
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	size, _ := strconv.Atoi(q.Get("size"))
	l.mu.Lock()
	l.seen = append(l.seen, q.Get("offset")+" "+q.Get("filter"))
	ids := append([]int(nil), l.ids...)
	if l.descending {
		slices.Reverse(ids)
	}
	if f := q.Get("filter"); f != "" && !l.ignoreFilter {
		lo, hi := 0, 1<<31
		for _, cond := range strings.Split(f, ",") {
			if v, ok := strings.CutPrefix(cond, "id>"); ok {
				lo, _ = strconv.Atoi(v)
			} else if v, ok := strings.CutPrefix(cond, "id<"); ok {
				hi, _ = strconv.Atoi(v)
			}
		}
		ids = slices.DeleteFunc(ids, func(id int) bool { return id <= lo || id >= hi })
	}
	total := len(ids)
	if l.cap > 0 {
		size = min(size, l.cap)
	}
	start := min(offset, total)
	pageIDs := ids[start : start+min(size, total-start)]
	if l.negative {
		total = -1
	}
	body := usersPage(total, pageIDs...)
	l.n++
	if l.served != nil {
		l.served(l, l.n)
	}
	l.mu.Unlock()
	respond(w, 200, body)
}

// remove and add change the list (called from served, with l.mu held).
func (l *idList) remove(id int) {
	l.ids = slices.DeleteFunc(l.ids, func(x int) bool { return x == id })
}
func (l *idList) add(id int) {
	l.ids = append(l.ids, id)
	slices.Sort(l.ids)
}
