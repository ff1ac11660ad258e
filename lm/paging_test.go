package lm

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// pager answers users pages from a function of (listing number, offset); a
// listing starts again whenever offset 0 is asked for.
func pager(pageFor func(listing, offset int) string) (handlerFunc, *atomic.Int64) {
	var listings atomic.Int64
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		offset, err := strconv.Atoi(r.URL.Query().Get("offset"))
		if err != nil {
			respond(w, 400, errorBody(1400, "bad offset"))
			return
		}
		if offset == 0 {
			listings.Add(1)
		}
		respond(w, 200, pageFor(int(listings.Load()), offset))
	}, &listings
}

func TestPaging(t *testing.T) {
	tests := []struct {
		name         string
		pageFor      func(listing, offset int) string
		wantUsers    int
		wantRequests int64
		wantErrHas   string // a *PagingError whose reason mentions this
	}{
		{
			name:      "stops when the offset reaches the total",
			wantUsers: 2000, wantRequests: 2,
			pageFor: func(_, offset int) string { return usersPage(2000, idRange(offset+1, offset+1001)...) },
		},
		{
			name:      "stops at an empty page",
			wantUsers: 3, wantRequests: 2,
			pageFor: func(_, offset int) string {
				if offset == 0 {
					return usersPage(3, 1, 2)
				}
				if offset == 2 {
					return usersPage(3, 3)
				}
				return usersPage(3)
			},
		},
		{
			name:      "with a negative total stops at a short page",
			wantUsers: 1500, wantRequests: 2,
			pageFor: func(_, offset int) string { return usersPage(-1, idRange(offset+1, min(offset+1001, 1501))...) },
		},
		{
			name:      "with a negative total reads an empty page after full ones",
			wantUsers: 2000, wantRequests: 3,
			pageFor: func(_, offset int) string { return usersPage(-1, idRange(offset+1, min(offset+1001, 2001))...) },
		},
		{
			name:         "refuses ids that appear twice, after restarting twice",
			wantRequests: 6, wantErrHas: "appears twice",
			pageFor: func(_, offset int) string {
				if offset == 0 {
					return usersPage(1001, idRange(1, 1001)...)
				}
				return usersPage(1001, 1000)
			},
		},
		{
			name:         "refuses a total that changes between pages",
			wantRequests: 6, wantErrHas: "total changed from 1500 to 1501",
			pageFor: func(_, offset int) string {
				if offset == 0 {
					return usersPage(1500, idRange(1, 1001)...)
				}
				return usersPage(1501, idRange(1001, 1501)...)
			},
		},
		{
			name:         "refuses a count that differs from the total",
			wantRequests: 6, wantErrHas: "read 2 items but the portal's total is 3",
			pageFor: func(_, offset int) string {
				if offset == 0 {
					return usersPage(3, 1, 2)
				}
				return usersPage(3)
			},
		},
		{
			name:         "refuses a total with no items",
			wantRequests: 3, wantErrHas: "read 0 items but the portal's total is 5",
			pageFor: func(_, _ int) string { return usersPage(5) },
		},
		{
			name:      "restarts and succeeds when the portal settles",
			wantUsers: 1001, wantRequests: 4,
			pageFor: func(listing, offset int) string {
				if listing == 1 && offset > 0 {
					// A user was inserted before offset 1000 after page one was served.
					return usersPage(1001, 1000)
				}
				return usersPage(1001, idRange(offset+1, min(offset+1001, 1002))...)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := pager(tt.pageFor)
			f := newFixture(t, h)
			users, err := f.client.Users(context.Background())
			if tt.wantErrHas != "" {
				var pe *PagingError
				if !errors.As(err, &pe) || !strings.Contains(pe.Reason, tt.wantErrHas) || pe.Path != "/setting/admins" {
					t.Fatalf("Users = %d users, %v; want *PagingError mentioning %q", len(users), err, tt.wantErrHas)
				}
				if users != nil {
					t.Fatal("returned users with a paging error")
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if len(users) != tt.wantUsers {
					t.Fatalf("got %d users, want %d", len(users), tt.wantUsers)
				}
				for i, u := range users {
					if u.ID != i+1 || u.Username != "user"+strconv.Itoa(i+1) {
						t.Fatalf("users[%d] = %d %s, want id %d", i, u.ID, u.Username, i+1)
					}
				}
			}
			if got := f.client.Stats().Requests; got != tt.wantRequests {
				t.Fatalf("%d requests, want %d", got, tt.wantRequests)
			}
		})
	}
}
