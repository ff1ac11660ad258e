package lm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestUpdateUser(t *testing.T) {
	const roles = `"roles":[{"id":1,"name":"a"}]`
	tests := []struct {
		name         string
		update       UserUpdate
		wantBody     string
		answer       string
		readBack     string // the GET answer; "" = no GET expected
		wantMismatch string // substring of the *MismatchError reason; "" = no mismatch
		wantMerged   bool
		wantResponse bool // a *ResponseError
		wantStatus   string
	}{
		{
			name:     "sends the full desired groups and roles",
			update:   UserUpdate{ID: 42, Status: StatusSuspended, GroupIDs: []int{7}, RoleIDs: []int{1, 2}},
			wantBody: `{"status":"suspended","adminGroupIds":[7],"roles":[{"id":1},{"id":2}]}`,
			answer:   `{"id":42,"username":"ann","status":"suspended","adminGroupIds":[7],"roles":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}`,
		},
		{
			name:     "sends empty groups, never null",
			update:   UserUpdate{ID: 42, Status: StatusActive, RoleIDs: []int{1}},
			wantBody: `{"status":"active","adminGroupIds":[],"roles":[{"id":1}]}`,
			answer:   `{"id":42,"username":"ann","status":"active","adminGroupIds":[],` + roles + `}`,
		},
		{
			name:     "compares groups as sets and status in any case",
			update:   UserUpdate{ID: 42, Status: StatusActive, GroupIDs: []int{3, 7}, RoleIDs: []int{1}},
			wantBody: `{"status":"active","adminGroupIds":[3,7],"roles":[{"id":1}]}`,
			answer:   `{"id":42,"username":"ann","status":"ACTIVE","adminGroupIds":[7,3],` + roles + `}`,
		},
		{
			name:         "groups merged with the ones before are a mismatch that says so",
			update:       UserUpdate{ID: 42, Status: StatusSuspended, GroupIDs: []int{7}, RoleIDs: []int{1}, Before: []int{3}},
			wantBody:     `{"status":"suspended","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:       `{"id":42,"username":"ann","status":"suspended","adminGroupIds":[3,7],` + roles + `}`,
			wantMismatch: "asked groups [7], the portal has [3 7]; the portal merges", wantMerged: true,
		},
		{
			name:         "other groups than asked are a mismatch, not a merge",
			update:       UserUpdate{ID: 42, Status: StatusSuspended, GroupIDs: []int{7}, RoleIDs: []int{1}, Before: []int{3}},
			wantBody:     `{"status":"suspended","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:       `{"id":42,"username":"ann","status":"suspended","adminGroupIds":[9],` + roles + `}`,
			wantMismatch: "asked groups [7], the portal has [9]",
		},
		{
			name:         "a status not applied is a mismatch",
			update:       UserUpdate{ID: 42, Status: StatusSuspended, GroupIDs: []int{7}, RoleIDs: []int{1}},
			wantBody:     `{"status":"suspended","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:       `{"id":42,"username":"ann","status":"active","adminGroupIds":[7],` + roles + `}`,
			wantMismatch: "asked status suspended, the portal has active", wantStatus: StatusActive,
		},
		{
			name:         "an answer about another user is a mismatch",
			update:       UserUpdate{ID: 42, Status: StatusActive, GroupIDs: []int{7}, RoleIDs: []int{1}},
			wantBody:     `{"status":"active","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:       `{"id":43,"username":"bob","status":"active","adminGroupIds":[7]}`,
			wantMismatch: "user 43",
		},
		{
			name:     "an answer without groups: a GET decides",
			update:   UserUpdate{ID: 42, Status: StatusActive, GroupIDs: []int{7}, RoleIDs: []int{1}},
			wantBody: `{"status":"active","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:   `{"id":42,"username":"ann","status":"active"}`,
			readBack: `{"id":42,"username":"ann","status":"active","adminGroupIds":[7],` + roles + `}`,
		},
		{
			name:     "an answer without status: a GET decides",
			update:   UserUpdate{ID: 42, Status: StatusSuspended, GroupIDs: []int{7}, RoleIDs: []int{1}},
			wantBody: `{"status":"suspended","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:   `{"id":42,"username":"ann","adminGroupIds":[7]}`,
			readBack: `{"id":42,"username":"ann","status":"suspended","adminGroupIds":[7],` + roles + `}`,
		},
		{
			name:     "an empty answer: a GET decides",
			update:   UserUpdate{ID: 42, Status: StatusSuspended, GroupIDs: []int{7}, RoleIDs: []int{1}},
			wantBody: `{"status":"suspended","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:   `{}`,
			readBack: `{"id":42,"username":"ann","status":"suspended","adminGroupIds":[7],` + roles + `}`,
		},
		{
			name:         "a GET that shows merged groups is a merge",
			update:       UserUpdate{ID: 42, Status: StatusSuspended, GroupIDs: []int{7}, RoleIDs: []int{1}, Before: []int{3, 4}},
			wantBody:     `{"status":"suspended","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:       `{"id":42,"username":"ann","status":"suspended"}`,
			readBack:     `{"id":42,"username":"ann","status":"suspended","adminGroupIds":[4,7,3],` + roles + `}`,
			wantMismatch: "merges", wantMerged: true,
		},
		{
			name:         "a GET that cannot tell either leaves the update unverified",
			update:       UserUpdate{ID: 42, Status: StatusActive, GroupIDs: []int{7}, RoleIDs: []int{1}},
			wantBody:     `{"status":"active","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:       `{"id":42,"username":"ann","status":"active"}`,
			readBack:     `{"id":42,"username":"ann","status":"active",` + roles + `}`,
			wantResponse: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var patches, gets atomic.Int64
			f := newFixture(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				if r.URL.Path != "/setting/admins/42" {
					t.Errorf("request %s %s, want /setting/admins/42", r.Method, r.URL.Path)
				}
				switch r.Method {
				case http.MethodPatch:
					patches.Add(1)
					if string(body) != tt.wantBody {
						t.Errorf("body = %s, want %s", body, tt.wantBody)
					}
					respond(w, 200, tt.answer)
				case http.MethodGet:
					gets.Add(1)
					respond(w, 200, tt.readBack)
				}
			})
			got, err := f.client.UpdateUser(context.Background(), tt.update)
			var me *MismatchError
			var re *ResponseError
			switch {
			case tt.wantMismatch != "":
				if !errors.As(err, &me) || me.UserID != 42 || !strings.Contains(me.Reason, tt.wantMismatch) {
					t.Fatalf("err = %v, want *MismatchError mentioning %q", err, tt.wantMismatch)
				}
				if IsMergedGroups(err) != tt.wantMerged {
					t.Fatalf("IsMergedGroups = %v, want %v", IsMergedGroups(err), tt.wantMerged)
				}
				if me.User.ID != got.ID || me.User.Status != got.Status || (tt.wantStatus != "" && got.Status != tt.wantStatus) {
					t.Fatalf("the mismatch carries %+v, returned %+v", me.User, got)
				}
			case tt.wantResponse:
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want *ResponseError", err)
				}
			default:
				if err != nil || got.ID != 42 || got.Status != tt.update.Status {
					t.Fatalf("UpdateUser = %+v, %v", got, err)
				}
			}
			wantGets := int64(0)
			if tt.readBack != "" {
				wantGets = 1
			}
			if patches.Load() != 1 || gets.Load() != wantGets {
				t.Fatalf("%d PATCHes and %d GETs, want 1 and %d", patches.Load(), gets.Load(), wantGets)
			}
		})
	}
}

func TestUpdateUserIsRetriedOn503WithTheSameBody(t *testing.T) {
	var n atomic.Int64
	var first string
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if n.Add(1) == 1 {
			first = string(body)
			respond(w, 503, htmlPage, "Content-Type", "text/html")
			return
		}
		if string(body) != first {
			t.Errorf("re-sent body %s differs from %s", body, first)
		}
		respond(w, 200, `{"id":5,"username":"a","status":"suspended","adminGroupIds":[2]}`)
	})
	if _, err := f.client.UpdateUser(context.Background(), UserUpdate{ID: 5, Status: StatusSuspended, GroupIDs: []int{2}, RoleIDs: []int{1}}); err != nil {
		t.Fatal(err)
	}
	if st := f.client.Stats(); st.Retries != 1 {
		t.Fatalf("Stats = %+v, want one retry", st)
	}
}

func TestCreateGroup(t *testing.T) {
	const groups = `{"total":2,"searchId":null,"items":[{"id":3,"name":"Ungrouped"},{"id":8,"name":"Suspended"}]}`
	tests := []struct {
		name      string
		group     string
		post      step
		list      string
		want      Group
		wantErr   bool
		wantCalls string
	}{
		{
			name: "returns the created group", group: "Viewers",
			post: step{200, `{"id":11,"name":"Viewers","description":"d","parentId":0}`, nil},
			want: Group{ID: 11, Name: "Viewers"}, wantCalls: "POST",
		},
		{
			name: "on 409 returns the existing group whatever its case", group: "suspended",
			post: step{409, errorBody(1409, "already exists"), nil}, list: groups,
			want: Group{ID: 8, Name: "Suspended"}, wantCalls: "POST GET",
		},
		{
			name: "on 409 without such a group reports the conflict", group: "suspended",
			post: step{409, errorBody(1409, "already exists"), nil}, list: `{"total":0,"items":[]}`,
			wantErr: true, wantCalls: "POST GET",
		},
		{
			name: "refuses an answer about another group", group: "Viewers",
			post:    step{200, `{"id":11,"name":"Other"}`, nil},
			wantErr: true, wantCalls: "POST",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			f := newFixture(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				calls = append(calls, r.Method)
				if r.URL.Path != "/setting/admin/groups" {
					t.Errorf("path %s", r.URL.Path)
				}
				if r.Method == http.MethodPost {
					if want := `{"name":"` + tt.group + `","description":"d"}`; string(body) != want {
						t.Errorf("POST body %s, want %s", body, want)
					}
					respond(w, tt.post.status, tt.post.body)
					return
				}
				respond(w, 200, tt.list)
			})
			got, err := f.client.CreateGroup(context.Background(), tt.group, "d")
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("CreateGroup = %+v, %v; want %+v (error %v)", got, err, tt.want, tt.wantErr)
			}
			if tt.wantErr && tt.post.status == http.StatusConflict {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusConflict {
					t.Fatalf("err = %v, want it to wrap the 409", err)
				}
			}
			if got := strings.Join(calls, " "); got != tt.wantCalls {
				t.Fatalf("calls %q, want %q", got, tt.wantCalls)
			}
		})
	}
}
