package lmfake_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm/lmfake"
)

// The worked example of the API notes (lm-api/README.md).
const (
	exampleID    = "J62te62B8u7WnCR846h6"
	exampleKey   = "{[G^PX=^Fg^32y9-x(-2Bg32vZ~^u-k4)8!9[0U^"
	exampleEpoch = int64(1700000000000)
	bearer       = "bearer-token-for-tests"
)

func fixedNow() time.Time { return time.UnixMilli(exampleEpoch) }

// testConfig accepts the example credentials at the example's epoch.
func testConfig() lmfake.Config {
	return lmfake.Config{AccessID: exampleID, AccessKey: exampleKey, BearerToken: bearer, Now: fixedNow}
}

// sign is a minimal LMv1 signer, independent of the lm client, so that these
// tests do not depend on it.
func sign(key, method string, epoch int64, body, resource string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(method + strconv.FormatInt(epoch, 10) + body + resource))
	return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(mac.Sum(nil))))
}

func lmv1Header(method, target, body string) string {
	resource, _, _ := strings.Cut(strings.TrimPrefix(target, lmfake.BasePath), "?")
	return "LMv1 " + exampleID + ":" + sign(exampleKey, method, exampleEpoch, body, resource) + ":" + strconv.FormatInt(exampleEpoch, 10)
}

// response is a served answer, read fully.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// errorCode returns the errorCode of an error envelope (0 if absent).
func (r response) errorCode(t testing.TB) int {
	t.Helper()
	code, _ := r.json(t)["errorCode"].(float64)
	return int(code)
}

// call sends a signed v3 request for target (path after /santaba/rest, with
// any query) straight to the handler.
func call(t testing.TB, p *lmfake.Portal, method, target, body string) response {
	t.Helper()
	return callWith(t, p, method, target, body, nil)
}

// callWith is call with header overrides; an empty value removes a header.
func callWith(t testing.TB, p *lmfake.Portal, method, target, body string, header map[string]string) response {
	t.Helper()
	return serve(context.Background(), t, p, method, target, body, header)
}

func serve(ctx context.Context, t testing.TB, p *lmfake.Portal, method, target, body string, header map[string]string) response {
	t.Helper()
	r := httptest.NewRequestWithContext(ctx, method, lmfake.BasePath+target, strings.NewReader(body))
	r.Header.Set("X-Version", "3")
	r.Header.Set("Authorization", lmv1Header(method, target, body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	p.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return response{status: w.Code, header: w.Header(), body: b}
}

// page is a decoded list response.
type page struct {
	Total int              `json:"total"`
	Items []map[string]any `json:"items"`
}

func listPage(t testing.TB, p *lmfake.Portal, target string) page {
	t.Helper()
	resp := call(t, p, "GET", target, "")
	if resp.status != 200 {
		t.Fatalf("GET %s = %d %s", target, resp.status, resp.body)
	}
	var pg page
	if err := json.Unmarshal(resp.body, &pg); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return pg
}
