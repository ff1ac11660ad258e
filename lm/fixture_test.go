package lm

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
