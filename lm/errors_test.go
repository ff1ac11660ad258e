package lm

import (
	"net/http"
	"strings"
	"testing"
)

func TestAPIErrorParsing(t *testing.T) {
	c, err := New(Config{BaseURL: "https://acme.logicmonitor.com/santaba/rest", AccessID: testAccessID, AccessKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	htmlHeader := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	tests := []struct {
		name   string
		rep    reply
		want   string
		wantLM int
	}{
		{
			name: "reads the v3 error envelope",
			rep:  reply{status: 404, header: jsonHeader, body: []byte(`{"errorMessage":"No such user","errorCode":1404,"errorDetail":null}`)},
			want: "PATCH /setting/admins/9: HTTP 404 (LM 1404): No such user", wantLM: 1404,
		},
		{
			name: "an HTML error page gives no portal code",
			rep:  reply{status: 502, header: htmlHeader, body: []byte(htmlPage)},
			want: "PATCH /setting/admins/9: HTTP 502: HTML page instead of a JSON error",
		},
		{
			name: "an unreadable body falls back to the status text",
			rep:  reply{status: 500, header: jsonHeader, body: []byte(`{"errorMess`)},
			want: "PATCH /setting/admins/9: HTTP 500: Internal Server Error",
		},
		{
			name: "a mistyped errorCode is not trusted",
			rep:  reply{status: 400, header: jsonHeader, body: []byte(`{"errorMessage":"bad","errorCode":"1400"}`)},
			want: "PATCH /setting/admins/9: HTTP 400: bad",
		},
		{
			name: "a multi-line message becomes one line",
			rep:  reply{status: 400, header: jsonHeader, body: []byte(`{"errorMessage":"bad\nrequest\r\n here","errorCode":1400}`)},
			want: "PATCH /setting/admins/9: HTTP 400 (LM 1400): bad request here", wantLM: 1400,
		},
		{
			name: "a message that echoes the access key is redacted",
			rep:  reply{status: 401, header: jsonHeader, body: []byte(`{"errorMessage":"key ` + testKey + ` refused","errorCode":1401}`)},
			want: "PATCH /setting/admins/9: HTTP 401 (LM 1401): key [redacted] refused", wantLM: 1401,
		},
		{
			name: "a redirect does not repeat its target",
			rep:  reply{status: 302, header: http.Header{"Location": {"https://elsewhere.example/x?token=abc"}}},
			want: "PATCH /setting/admins/9: HTTP 302: the portal answered with a redirect, which is not followed: check the base URL",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := c.apiError("PATCH", "/setting/admins/9", tt.rep)
			if e.Error() != tt.want || e.Code != tt.wantLM || e.StatusCode != tt.rep.status {
				t.Fatalf("error = %q (LM %d), want %q (LM %d)", e.Error(), e.Code, tt.want, tt.wantLM)
			}
		})
	}
}

func TestAPIErrorMessageIsBounded(t *testing.T) {
	c, err := New(Config{BaseURL: "https://acme.logicmonitor.com/santaba/rest", BearerToken: testBearer})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("é", 1000)
	e := c.apiError("GET", "/setting/roles", reply{status: 400, header: http.Header{}, body: []byte(`{"errorMessage":"` + long + `"}`)})
	if len(e.Message) > 310 || !strings.HasSuffix(e.Message, "…") {
		t.Fatalf("message of %d bytes not cut to one short line", len(e.Message))
	}
	if !strings.HasPrefix(long, strings.TrimSuffix(e.Message, "…")) {
		t.Fatal("cutting the message broke a UTF-8 character")
	}
}

func TestErrorTypesNameTheCall(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"a rate limit names method, path and window", &RateLimitError{Method: "GET", Path: "/setting/admins", Window: 60e9},
			"GET /setting/admins: HTTP 429: rate limited by the portal (window 1m0s); try again later or lower the request rate"},
		{"a response error names method, path and status", &ResponseError{Method: "GET", Path: "/setting/roles", StatusCode: 200, Reason: "body is not valid JSON (truncated?)"},
			"GET /setting/roles: HTTP 200: unusable response: body is not valid JSON (truncated?)"},
		{"a paging error names the list", &PagingError{Path: "/setting/admins", Reason: "id 4 appears twice"},
			"listing /setting/admins: pages do not add up: id 4 appears twice"},
		{"a mismatch names the user", &MismatchError{UserID: 42, Reason: "asked status suspended, the portal answered active"},
			"user 42: the portal did not apply the update as asked: asked status suspended, the portal answered active"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
