package lm

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewRequiresExactlyOneCredential(t *testing.T) {
	const base = "https://acme.logicmonitor.com/santaba/rest"
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{name: "accepts an LMv1 token", cfg: Config{BaseURL: base, AccessID: "id", AccessKey: testKey}},
		{name: "accepts a bearer token", cfg: Config{BaseURL: base, BearerToken: testBearer}},
		{name: "refuses no credentials", cfg: Config{BaseURL: base}, wantErr: true},
		{name: "refuses an access key without id", cfg: Config{BaseURL: base, AccessKey: testKey}, wantErr: true},
		{name: "refuses an access id without key", cfg: Config{BaseURL: base, AccessID: "id"}, wantErr: true},
		{name: "refuses both LMv1 and bearer", cfg: Config{BaseURL: base, AccessID: "id", AccessKey: testKey, BearerToken: testBearer}, wantErr: true},
		{name: "refuses an invalid base URL", cfg: Config{BaseURL: "http://acme.logicmonitor.com", AccessID: "id", AccessKey: testKey}, wantErr: true},
		{name: "refuses a client that skips TLS verification", cfg: Config{BaseURL: base, AccessID: "id", AccessKey: testKey, HTTPClient: insecure}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New: err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				assertNoSecret(t, err.Error())
			}
			if c != nil && c.http.CheckRedirect == nil {
				t.Fatal("the HTTP client follows redirects")
			}
		})
	}
}

func TestListRequestShape(t *testing.T) {
	var queries []string
	var mu sync.Mutex
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		mu.Lock()
		queries = append(queries, r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		q := r.URL.Query()
		if q.Get("size") != "1000" || q.Get("offset") != "0" {
			t.Errorf("size=%s offset=%s, want 1000 and 0", q.Get("size"), q.Get("offset"))
		}
		switch r.URL.Path {
		case "/setting/admins":
			if got := q.Get("fields"); got != strings.Join(UserFields, ",") {
				t.Errorf("users fields = %q", got)
			}
			respond(w, 200, usersPage(1, 5))
		case "/setting/admin/groups", "/setting/roles":
			want := "id,name"
			if r.URL.Path == "/setting/roles" {
				want = "id,name,privileges"
			}
			if got := q.Get("fields"); got != want {
				t.Errorf("%s fields = %q", r.URL.Path, got)
			}
			respond(w, 200, `{"total":2,"searchId":null,"items":[{"id":9,"name":"B"},{"id":3,"name":"A"}]}`)
		default:
			t.Errorf("unexpected path %s", r.URL.Path)
			respond(w, 404, errorBody(1404, "no such resource"))
		}
	})
	ctx := context.Background()
	users, err := f.client.Users(ctx)
	if err != nil || len(users) != 1 || users[0].ID != 5 || users[0].Username != "user5" {
		t.Fatalf("Users = %+v, %v", users, err)
	}
	groups, err := f.client.Groups(ctx)
	if err != nil || len(groups) != 2 || groups[0] != (Group{ID: 3, Name: "A"}) {
		t.Fatalf("Groups = %+v, %v (want sorted by id)", groups, err)
	}
	roles, err := f.client.Roles(ctx)
	if err != nil || len(roles) != 2 || !reflect.DeepEqual(roles[1], Role{ID: 9, Name: "B"}) {
		t.Fatalf("Roles = %+v, %v", roles, err)
	}
	if got := f.client.Stats(); got != (Stats{Requests: 3}) {
		t.Fatalf("Stats = %+v, want 3 requests and no retries", got)
	}
}

func TestBearerAuth(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Header.Get("Authorization") != "Bearer "+testBearer {
			t.Error("bearer token not sent")
		}
		respond(w, 200, usersPage(0))
	}, withBearer)
	if _, err := f.client.Users(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestAPIErrorFromEnvelope(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		respond(w, 401, errorBody(1401, "Authentication failed"))
	})
	_, err := f.client.Users(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if got, want := err.Error(), "GET /setting/admins: HTTP 401 (LM 1401): Authentication failed"; got != want {
		t.Fatalf("error = %q, want %q", got, want)
	}
	if RefusalOf(err) != RefusedCredential {
		t.Fatalf("RefusalOf(401) = %v, want RefusedCredential", RefusalOf(err))
	}
	if got := f.client.Stats(); got != (Stats{Requests: 1}) {
		t.Fatalf("Stats = %+v: a refused credential must not be retried", got)
	}
}

func TestRefusalOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Refusal
	}{
		{"401 refuses the credentials", &APIError{StatusCode: 401}, RefusedCredential},
		{"403 refuses a permission", &APIError{StatusCode: 403}, RefusedPermission},
		{"a wrapped 403 refuses a permission", errors.Join(errors.New("x"), &APIError{StatusCode: 403}), RefusedPermission},
		{"404 is no refusal", &APIError{StatusCode: 404}, NotRefused},
		{"a plain error is no refusal", errors.New("401"), NotRefused},
	}
	for _, tt := range tests {
		if got := RefusalOf(tt.err); got != tt.want {
			t.Errorf("%s: RefusalOf = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// step is one scripted answer of a fake endpoint.
type step struct {
	status  int
	body    string
	headers []string
}

// scripted answers with the steps in order, repeating the last one.
func scripted(steps ...step) handlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		i := int(n.Add(1)) - 1
		s := steps[min(i, len(steps)-1)]
		respond(w, s.status, s.body, s.headers...)
	}
}

func TestRetries(t *testing.T) {
	ok := step{200, usersPage(1, 1), nil}
	htmlHeaders := []string{"Content-Type", "text/html"}
	fastWindow := []string{"X-Rate-Limit-Limit", "2", "X-Rate-Limit-Remaining", "0", "X-Rate-Limit-Window", "0.01"}
	tests := []struct {
		name         string
		steps        []step
		wantErr      any // nil, **APIError or **RateLimitError
		wantStatus   int
		wantRequests int64
	}{
		{name: "retries 503 until it succeeds", steps: []step{{503, errorBody(1503, "unavailable"), nil}, {503, "", nil}, ok}, wantRequests: 3},
		{name: "retries 502 and 504", steps: []step{{502, "", nil}, {504, "", nil}, ok}, wantRequests: 3},
		{name: "retries a 503 HTML maintenance page", steps: []step{{503, htmlPage, htmlHeaders}, ok}, wantRequests: 2},
		{name: "gives up on 503 after MaxRetries", steps: []step{{503, htmlPage, htmlHeaders}}, wantErr: new(*APIError), wantStatus: 503, wantRequests: 5},
		{name: "retries 429 after the window", steps: []step{{429, errorBody(1429, "rate limited"), fastWindow}, ok}, wantRequests: 2},
		{name: "reports 429 that outlasts the retries", steps: []step{{429, errorBody(1429, "rate limited"), fastWindow}}, wantErr: new(*RateLimitError), wantRequests: 5},
		{name: "never retries 400", steps: []step{{400, errorBody(1400, "bad request"), nil}, ok}, wantErr: new(*APIError), wantStatus: 400, wantRequests: 1},
		{name: "never retries 403", steps: []step{{403, errorBody(1403, "permission denied"), nil}, ok}, wantErr: new(*APIError), wantStatus: 403, wantRequests: 1},
		{name: "never retries 404", steps: []step{{404, errorBody(1404, "not found"), nil}, ok}, wantErr: new(*APIError), wantStatus: 404, wantRequests: 1},
		{name: "never retries 500", steps: []step{{500, errorBody(1500, "internal error"), nil}, ok}, wantErr: new(*APIError), wantStatus: 500, wantRequests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, scripted(tt.steps...))
			users, err := f.client.Users(context.Background())
			switch target := tt.wantErr.(type) {
			case nil:
				if err != nil || len(users) != 1 {
					t.Fatalf("Users = %v, %v", users, err)
				}
			case **APIError:
				if !errors.As(err, target) || (*target).StatusCode != tt.wantStatus {
					t.Fatalf("err = %v, want *APIError with HTTP %d", err, tt.wantStatus)
				}
			case **RateLimitError:
				if !errors.As(err, target) {
					t.Fatalf("err = %v, want *RateLimitError", err)
				}
			}
			st := f.client.Stats()
			if st.Requests != tt.wantRequests || st.Retries != tt.wantRequests-1 {
				t.Fatalf("Stats = %+v, want %d requests and %d retries", st, tt.wantRequests, tt.wantRequests-1)
			}
			if f.hits.Load() != tt.wantRequests {
				t.Fatalf("portal saw %d requests, want %d", f.hits.Load(), tt.wantRequests)
			}
		})
	}
}

func TestRetriesNetworkErrors(t *testing.T) {
	var n atomic.Int64
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if n.Add(1) <= 2 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
			return
		}
		respond(w, 200, usersPage(1, 1))
	})
	users, err := f.client.Users(context.Background())
	if err != nil || len(users) != 1 {
		t.Fatalf("Users = %v, %v", users, err)
	}
	if st := f.client.Stats(); st.Retries != 2 || st.Requests != 3 {
		t.Fatalf("Stats = %+v, want 3 requests and 2 retries", st)
	}
}

func TestNetworkErrorAfterRetriesNamesTheCall(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more: every connection is refused

	c, err := New(Config{BaseURL: "http://" + addr + "/santaba/rest", AccessID: testAccessID, AccessKey: testKey, RetryBaseDelay: time.Millisecond, MaxRetries: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "GET /setting/admins: gave up after 3 attempts") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "offset=") || strings.Contains(err.Error(), "?") {
		t.Fatalf("error repeats the query: %v", err)
	}
	assertNoSecret(t, err.Error())
}

func TestContextCancellationIsNotRetried(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		<-r.Context().Done()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := f.client.Users(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's error", err)
	}
	if st := f.client.Stats(); st.Requests != 1 || st.Retries != 0 {
		t.Fatalf("Stats = %+v, want one request and no retry", st)
	}
}

func TestClientTimeoutIsRetried(t *testing.T) {
	var n atomic.Int64
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if n.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		respond(w, 200, usersPage(0))
	}, func(c *Config) { c.HTTPClient = &http.Client{Timeout: 500 * time.Millisecond} })
	if _, err := f.client.Users(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := f.client.Stats(); st.Retries != 1 {
		t.Fatalf("Stats = %+v, want one retry after the timeout", st)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var otherHits atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Error("credentials reached another host")
		}
		respond(w, 200, usersPage(0))
	}))
	defer other.Close()
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		http.Redirect(w, r, other.URL+"/santaba/rest"+r.URL.Path, http.StatusFound)
	})
	_, err := f.client.Users(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound {
		t.Fatalf("err = %v, want *APIError 302", err)
	}
	if strings.Contains(err.Error(), other.URL) {
		t.Fatalf("error repeats the redirect target: %v", err)
	}
	if otherHits.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}

func TestUnusableResponses(t *testing.T) {
	long := usersPage(2, 1, 2)
	tests := []struct {
		name, body, reasonHas string
		headers               []string
	}{
		{name: "an HTML page is not zero users", body: htmlPage, headers: []string{"Content-Type", "text/html"}, reasonHas: "HTML"},
		{name: "an HTML page with a JSON content type is still HTML", body: htmlPage, reasonHas: "HTML"},
		{name: "truncated JSON is refused", body: long[:len(long)/2], reasonHas: "not valid JSON"},
		{name: "an empty body is refused", body: "", reasonHas: "empty"},
		{name: "the v1 envelope is refused", body: `{"status":200,"errmsg":"OK","data":{"total":1,"items":[]}}`, reasonHas: "v1 format"},
		{name: "a JSON array is refused", body: `[]`, reasonHas: "not an object"},
		{name: "a list without items is refused", body: `{"total":0}`, reasonHas: "items"},
		{name: "a string total is refused", body: `{"total":"1","items":[]}`, reasonHas: `total is "1"`},
		{name: "a fractional total is refused", body: `{"total":1.5,"items":[]}`, reasonHas: "total is 1.5"},
		{name: "items that are not an array are refused", body: `{"total":1,"items":{"id":1}}`, reasonHas: "items"},
		{name: "an item that is not an object is refused", body: `{"total":1,"items":[7]}`, reasonHas: "not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, scripted(step{200, tt.body, tt.headers}))
			users, err := f.client.Users(context.Background())
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("Users = %v, %v; want *ResponseError", users, err)
			}
			if !strings.Contains(re.Reason, tt.reasonHas) || re.Method != "GET" || re.Path != "/setting/admins" {
				t.Fatalf("error = %q, want a reason mentioning %q", err, tt.reasonHas)
			}
			if users != nil {
				t.Fatalf("returned %d users with the error", len(users))
			}
			if f.hits.Load() != 1 {
				t.Fatalf("portal saw %d requests: an unusable body is not retried", f.hits.Load())
			}
		})
	}
}

func TestUserFields(t *testing.T) {
	const body = `{"total":2,"searchId":"s","items":[
		{"id":7,"username":"ann@example.com","status":"suspended","apionly":true,"createdBy":"SAML",
		 "roles":[{"id":1,"name":"administrator"},{"id":4,"name":"netops"}],"adminGroupIds":[3,9],
		 "lastLoginOn":1700000000,"lastActionOn":1700000100,"lastAccessOn":1700000200000,
		 "apiTokens":[{"id":1,"accessId":"AAA","status":2,"lastUsedOn":1700000300,"createdOn":1600000000},
		              {"id":2,"accessId":"BBB","status":1,"lastUsedOn":0}],
		 "note":"x","email":"ann@example.com"},
		{"id":3,"username":"bob","status":"active","lastLoginOn":null,"roles":[],"adminGroupIds":[]}]}`
	f := newFixture(t, scripted(step{200, body, nil}))
	users, err := f.client.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	minimal := User{ID: 3, Username: "bob", Status: StatusActive}
	if !equalUser(users[0], minimal) {
		t.Errorf("a user with only the required fields = %+v, want %+v", users[0], minimal)
	}
	full := User{
		ID: 7, Username: "ann@example.com", Status: StatusSuspended, APIOnly: true, CreatedBy: "SAML",
		Roles:       []Role{{ID: 1, Name: "administrator"}, {ID: 4, Name: "netops"}},
		GroupIDs:    []int{3, 9},
		LastLoginOn: 1700000000, LastActionOn: 1700000100, LastAccessOn: 1700000200000,
		APITokens: []APIToken{{AccessID: "AAA", Enabled: true, LastUsedOn: 1700000300}, {AccessID: "BBB"}},
		Note:      "x",
	}
	if !equalUser(users[1], full) {
		t.Errorf("a user with every field = %+v, want %+v", users[1], full)
	}
}

func equalUser(a, b User) bool {
	same := a.ID == b.ID && a.Username == b.Username && a.Status == b.Status && a.APIOnly == b.APIOnly &&
		a.CreatedBy == b.CreatedBy && a.LastLoginOn == b.LastLoginOn && a.LastActionOn == b.LastActionOn &&
		a.LastAccessOn == b.LastAccessOn && len(a.Roles) == len(b.Roles) && len(a.GroupIDs) == len(b.GroupIDs) &&
		len(a.APITokens) == len(b.APITokens) && a.Note == b.Note && a.Unreadable == b.Unreadable
	if !same {
		return false
	}
	for i := range a.Roles {
		if !reflect.DeepEqual(a.Roles[i], b.Roles[i]) {
			return false
		}
	}
	for i := range a.GroupIDs {
		if a.GroupIDs[i] != b.GroupIDs[i] {
			return false
		}
	}
	for i := range a.APITokens {
		if a.APITokens[i] != b.APITokens[i] {
			return false
		}
	}
	return true
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, newIDList(1, 1501).handler)
	const workers = 6
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			users, err := f.client.Users(context.Background())
			if err == nil && len(users) != 1500 {
				err = errors.New("wrong count")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if st := f.client.Stats(); st.Requests != 2*workers {
		t.Fatalf("Stats = %+v, want %d requests", st, 2*workers)
	}
}

// TestUnreadableUsers: one user the client cannot read with confidence is
// not the portal: it comes back marked, with the field and what it held, and
// the rest of the list is read.
func TestUnreadableUsers(t *testing.T) {
	const ok = `"roles":[{"id":1,"name":"readonly"}],"adminGroupIds":[3]`
	tests := []struct {
		name, user, unreadable string
	}{
		{"a status other than active or suspended is unreadable", `{"id":4,"username":"a","status":"pending",` + ok + `}`, `status "pending"`},
		{"a missing status is unreadable", `{"id":4,"username":"a",` + ok + `}`, `status absent`},
		{"roles null are unreadable", `{"id":4,"username":"a","status":"active","roles":null,"adminGroupIds":[3]}`, `roles null`},
		{"roles absent are unreadable", `{"id":4,"username":"a","status":"active","adminGroupIds":[3]}`, `roles absent`},
		{"roles that are not a list are unreadable", `{"id":4,"username":"a","status":"active","roles":{"id":1},"adminGroupIds":[3]}`, `roles an object`},
		{"a role without an id is unreadable", `{"id":4,"username":"a","status":"active","roles":[{"name":"x"}],"adminGroupIds":[3]}`, `roles[0].id absent`},
		{"adminGroupIds null are unreadable", `{"id":4,"username":"a","status":"active","roles":[{"id":1,"name":"r"}],"adminGroupIds":null}`, `adminGroupIds null`},
		{"adminGroupIds absent are unreadable", `{"id":4,"username":"a","status":"active","roles":[{"id":1,"name":"r"}]}`, `adminGroupIds absent`},
		{"a negative group id is unreadable", `{"id":4,"username":"a","status":"active","roles":[],"adminGroupIds":[-3]}`, `adminGroupIds[0] -3`},
		{"a group id in words is unreadable", `{"id":4,"username":"a","status":"active","roles":[],"adminGroupIds":["three"]}`, `adminGroupIds[0] "three"`},
		{"an absent id is unreadable", `{"username":"a","status":"active",` + ok + `}`, `id absent`},
		{"a null id is unreadable", `{"id":null,"username":"a","status":"active",` + ok + `}`, `id null`},
		{"a fractional id is unreadable", `{"id":4.5,"username":"a","status":"active",` + ok + `}`, `id 4.5`},
		{"a negative id is unreadable", `{"id":-4,"username":"a","status":"active",` + ok + `}`, `id -4`},
		{"a zero id is an id like any other", `{"id":0,"username":"a","status":"active",` + ok + `}`, ``},
		{"adminGroupIds as a comma string are unreadable", `{"id":4,"username":"a","status":"active","roles":[{"id":1,"name":"r"}],"adminGroupIds":"1,2"}`, `adminGroupIds "1,2"`},
		{"a masked password is ignored", `{"id":4,"username":"a","status":"active","password":"********",` + ok + `}`, ``},
		{"an id string that is not all digits is unreadable", `{"id":"4a","username":"a","status":"active",` + ok + `}`, `id "4a"`},
		{"a missing username is unreadable", `{"id":4,"status":"active",` + ok + `}`, `username absent`},
		{"a numeric username is unreadable", `{"id":4,"username":7,"status":"active",` + ok + `}`, `username 7`},
		{"a timestamp in words is unreadable", `{"id":4,"username":"a","status":"active","lastLoginOn":"yesterday",` + ok + `}`, `lastLoginOn "yesterday"`},
		{"a string apionly is unreadable", `{"id":4,"username":"a","status":"active","apionly":"false",` + ok + `}`, `apionly "false"`},
		{"a token without status is unreadable", `{"id":4,"username":"a","status":"active","apiTokens":[{"accessId":"x"}],` + ok + `}`, `apiTokens[0].status absent`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"total":2,"searchId":null,"items":[` + tt.user + `,` + userJSON(9) + `]}`
			f := newFixture(t, scripted(step{200, body, nil}))
			users, err := f.client.Users(context.Background())
			if err != nil || len(users) != 2 {
				t.Fatalf("Users = %+v, %v; want both users", users, err)
			}
			var bad, good User
			for _, u := range users {
				if u.Username == "user9" {
					good = u
				} else {
					bad = u
				}
			}
			if bad.Unreadable != tt.unreadable {
				t.Errorf("Unreadable = %q, want %q", bad.Unreadable, tt.unreadable)
			}
			if good.Unreadable != "" || good.ID != 9 {
				t.Errorf("the readable user next to it = %+v", good)
			}
			// What failed is never half read.
			if strings.HasPrefix(tt.unreadable, "roles") && bad.Roles != nil ||
				strings.HasPrefix(tt.unreadable, "adminGroupIds") && bad.GroupIDs != nil ||
				strings.HasPrefix(tt.unreadable, "status") && bad.Status != "" ||
				strings.HasPrefix(tt.unreadable, "apiTokens") && bad.APITokens != nil ||
				strings.HasPrefix(tt.unreadable, "id ") && bad.ID != NoID ||
				tt.unreadable == "" && bad.ID == NoID {
				t.Errorf("the field that failed was kept: %+v", bad)
			}
			assertNoSecret(t, bad.Unreadable)
		})
	}
}

// TestUnambiguousFormsAreRead: forms a portal may write that mean one thing.
func TestUnambiguousFormsAreRead(t *testing.T) {
	const ok = `"roles":[{"id":1,"name":"readonly"}],"adminGroupIds":[3]`
	tests := []struct {
		name, user string
		want       func(User) bool
	}{
		{"status is read in any case", `{"id":4,"username":"a","status":"Active",` + ok + `}`,
			func(u User) bool { return u.Status == StatusActive }},
		{"SUSPENDED is suspended", `{"id":4,"username":"a","status":"SUSPENDED",` + ok + `}`,
			func(u User) bool { return u.Status == StatusSuspended }},
		{"an id as a digit string is read", `{"id":"4","username":"a","status":"active",` + ok + `}`,
			func(u User) bool { return u.ID == 4 }},
		{"timestamps as digit strings are read", `{"id":4,"username":"a","status":"active","lastLoginOn":"1700000000","lastActionOn":"1700000000000",` + ok + `}`,
			func(u User) bool {
				return u.LastLoginOn == 1700000000 && Epoch(u.LastActionOn).Equal(Epoch(u.LastLoginOn))
			}},
		{"a role reference without a name is read with its id", `{"id":4,"username":"a","status":"active","roles":[{"id":7}],"adminGroupIds":[]}`,
			func(u User) bool { return len(u.Roles) == 1 && reflect.DeepEqual(u.Roles[0], Role{ID: 7}) }},
		{"a token whose accessId is null is a bearer token", `{"id":4,"username":"a","status":"active","apiTokens":[{"accessId":null,"status":2,"lastUsedOn":5}],` + ok + `}`,
			func(u User) bool {
				return len(u.APITokens) == 1 && u.APITokens[0] == APIToken{Enabled: true, LastUsedOn: 5}
			}},
		{"a token status as a digit string is read", `{"id":4,"username":"a","status":"active","apiTokens":[{"accessId":"x","status":"2"}],` + ok + `}`,
			func(u User) bool { return len(u.APITokens) == 1 && u.APITokens[0].Enabled }},
		{"group id 0 is a group", `{"id":4,"username":"a","status":"active","roles":[{"id":1,"name":"r"}],"adminGroupIds":[0,"5"]}`,
			func(u User) bool { return slices.Equal(u.GroupIDs, []int{0, 5}) }},
		{"empty roles and groups are read as empty, not absent", `{"id":4,"username":"a","status":"active","roles":[],"adminGroupIds":[]}`,
			func(u User) bool {
				return u.Roles != nil && len(u.Roles) == 0 && u.GroupIDs != nil && len(u.GroupIDs) == 0
			}},
		{"the note is read", `{"id":4,"username":"a","status":"active","note":"lmuh:exempt",` + ok + `}`,
			func(u User) bool { return u.Note == "lmuh:exempt" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, scripted(step{200, `{"total":1,"searchId":null,"items":[` + tt.user + `]}`, nil}))
			users, err := f.client.Users(context.Background())
			if err != nil || len(users) != 1 {
				t.Fatalf("Users = %+v, %v", users, err)
			}
			if u := users[0]; u.Unreadable != "" || !tt.want(u) {
				t.Errorf("read as %+v", u)
			}
		})
	}
}

func TestNameRoles(t *testing.T) {
	roles := []Role{{ID: 1, Name: "administrator"}, {ID: 7, Name: "netops"}}
	users := []User{
		{ID: 1, Roles: []Role{{ID: 7}}},
		{ID: 2, Roles: []Role{{ID: 1, Name: "administrator"}, {ID: 9}}},
		{ID: 3, Roles: []Role{{ID: 8}}, Unreadable: "status null"},
		{ID: 4, Roles: []Role{{ID: 1, Name: "kept as the user had it"}}},
	}
	NameRoles(users, roles)
	t.Run("a nameless role is named from the role list", func(t *testing.T) {
		if !reflect.DeepEqual(users[0].Roles[0], Role{ID: 7, Name: "netops"}) || users[0].Unreadable != "" {
			t.Errorf("user 1 = %+v", users[0])
		}
	})
	t.Run("a nameless role that is no role makes the user unreadable", func(t *testing.T) {
		if users[1].Unreadable != "roles[1].id 9 names no role" {
			t.Errorf("user 2 = %+v", users[1])
		}
	})
	t.Run("an unreadable user keeps its first reason", func(t *testing.T) {
		if users[2].Unreadable != "status null" {
			t.Errorf("user 3 = %+v", users[2])
		}
	})
	t.Run("a named role is left as read", func(t *testing.T) {
		if users[3].Roles[0].Name != "kept as the user had it" {
			t.Errorf("user 4 = %+v", users[3])
		}
	})
}

func TestUsersWithoutIDAreNotDuplicates(t *testing.T) {
	body := `{"total":3,"searchId":null,"items":[{"username":"a","status":"active"},{"id":null,"username":"b","status":"active"},` + userJSON(5) + `]}`
	f := newFixture(t, scripted(step{200, body, nil}))
	users, err := f.client.Users(context.Background())
	if err != nil || len(users) != 3 {
		t.Fatalf("Users = %+v, %v; want the two id-less users kept, unreadable", users, err)
	}
}

// TestRunawayBodiesCostLittleMemory: a body streamed without a length is
// read up to the page bound and no further; a deep one is refused before
// any parser recurses. Neither is re-sent or re-read.
func TestRunawayBodiesCostLittleMemory(t *testing.T) {
	chunk := []byte(strings.Repeat("0,", 32<<10))
	tests := []struct {
		name, open, fill, has string
		size                  int
	}{
		{"a 60 MB flat page", `{"total":-1,"items":[`, "0,", "larger than 8192 KiB", 60 << 20},
		{"a 12 MB nested page", `{"total":1,"items":`, "[", "larger than 8192 KiB", 12 << 20},
		{"a 4 MB nested page", `{"total":1,"items":`, "[", "nested more than 64", 4 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fill := chunk
			if tt.fill == "[" {
				fill = []byte(strings.Repeat("[", len(chunk)))
			}
			f := newFixture(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, tt.open)
				for n := 0; n < tt.size; n += len(fill) {
					if _, err := w.Write(fill); err != nil {
						return
					}
				}
			})
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			users, err := f.client.Users(context.Background())
			runtime.ReadMemStats(&after)
			var re *ResponseError
			if !errors.As(err, &re) || !strings.Contains(re.Reason, tt.has) || users != nil {
				t.Fatalf("Users = %d users, %v; want *ResponseError mentioning %q", len(users), err, tt.has)
			}
			if f.hits.Load() != 1 {
				t.Fatalf("%d requests: a runaway page is final", f.hits.Load())
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; !raceEnabled && alloc > 40<<20 {
				t.Fatalf("reading it allocated %d MiB", alloc>>20)
			}
		})
	}
}
