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
	tests := []struct {
		name         string
		update       UserUpdate
		wantBody     string
		answer       string
		wantMismatch string // substring of the *MismatchError reason; "" = no mismatch
		wantResponse bool   // a *ResponseError
	}{
		{
			name:     "sends the full desired groups and roles",
			update:   UserUpdate{ID: 42, Status: StatusSuspended, GroupIDs: []int{7}, RoleIDs: []int{1, 2}},
			wantBody: `{"status":"suspended","adminGroupIds":[7],"roles":[{"id":1},{"id":2}]}`,
			answer:   `{"id":42,"username":"ann","status":"suspended","adminGroupIds":[7],"roles":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}`,
		},
		{
			name:     "sends empty lists, never null",
			update:   UserUpdate{ID: 42, Status: StatusActive},
			wantBody: `{"status":"active","adminGroupIds":[],"roles":[]}`,
			answer:   `{"id":42,"username":"ann","status":"active","adminGroupIds":[]}`,
		},
		{
			name:     "compares groups as sets",
			update:   UserUpdate{ID: 42, Status: StatusActive, GroupIDs: []int{3, 7}, RoleIDs: []int{1}},
			wantBody: `{"status":"active","adminGroupIds":[3,7],"roles":[{"id":1}]}`,
			answer:   `{"id":42,"username":"ann","status":"active","adminGroupIds":[7,3]}`,
		},
		{
			name:         "a merged group list is a mismatch",
			update:       UserUpdate{ID: 42, Status: StatusSuspended, GroupIDs: []int{7}, RoleIDs: []int{1}},
			wantBody:     `{"status":"suspended","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:       `{"id":42,"username":"ann","status":"suspended","adminGroupIds":[3,7]}`,
			wantMismatch: "asked groups [7], the portal answered [3 7]",
		},
		{
			name:         "a status not applied is a mismatch",
			update:       UserUpdate{ID: 42, Status: StatusSuspended, GroupIDs: []int{7}, RoleIDs: []int{1}},
			wantBody:     `{"status":"suspended","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:       `{"id":42,"username":"ann","status":"active","adminGroupIds":[7]}`,
			wantMismatch: "asked status suspended, the portal answered active",
		},
		{
			name:         "an answer about another user is a mismatch",
			update:       UserUpdate{ID: 42, Status: StatusActive, GroupIDs: []int{7}, RoleIDs: []int{1}},
			wantBody:     `{"status":"active","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:       `{"id":43,"username":"bob","status":"active","adminGroupIds":[7]}`,
			wantMismatch: "user 43",
		},
		{
			name:         "an answer without groups cannot be verified",
			update:       UserUpdate{ID: 42, Status: StatusActive, GroupIDs: []int{7}, RoleIDs: []int{1}},
			wantBody:     `{"status":"active","adminGroupIds":[7],"roles":[{"id":1}]}`,
			answer:       `{"id":42,"username":"ann","status":"active"}`,
			wantResponse: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				if r.Method != http.MethodPatch || r.URL.Path != "/setting/admins/42" {
					t.Errorf("request %s %s, want PATCH /setting/admins/42", r.Method, r.URL.Path)
				}
				if string(body) != tt.wantBody {
					t.Errorf("body = %s, want %s", body, tt.wantBody)
				}
				respond(w, 200, tt.answer)
			})
			got, err := f.client.UpdateUser(context.Background(), tt.update)
			var me *MismatchError
			var re *ResponseError
			switch {
			case tt.wantMismatch != "":
				if !errors.As(err, &me) || me.UserID != 42 || !strings.Contains(me.Reason, tt.wantMismatch) {
					t.Fatalf("err = %v, want *MismatchError mentioning %q", err, tt.wantMismatch)
				}
			case tt.wantResponse:
				if !errors.As(err, &re) || re.Method != "PATCH" {
					t.Fatalf("err = %v, want *ResponseError", err)
				}
			default:
				if err != nil || got.ID != 42 {
					t.Fatalf("UpdateUser = %+v, %v", got, err)
				}
			}
		})
	}
}

func TestUpdateUserRefusesBadInputWithoutSending(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		t.Error("a request was sent")
	})
	for _, u := range []UserUpdate{{ID: 0, Status: StatusActive}, {ID: 4, Status: ""}, {ID: 4, Status: "disabled"}} {
		if _, err := f.client.UpdateUser(context.Background(), u); err == nil {
			t.Errorf("UpdateUser(%+v) succeeded", u)
		}
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
	if _, err := f.client.UpdateUser(context.Background(), UserUpdate{ID: 5, Status: StatusSuspended, GroupIDs: []int{2}}); err != nil {
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
