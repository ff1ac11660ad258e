package lm

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// pager answers users pages from a function of (listing number, offset); a
// listing starts again whenever offset 0 is asked for without a filter.
func pager(pageFor func(listing, offset int) string) (handlerFunc, *atomic.Int64) {
	var listings atomic.Int64
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		offset, err := strconv.Atoi(r.URL.Query().Get("offset"))
		if err != nil {
			respond(w, 400, errorBody(1400, "bad offset"))
			return
		}
		if offset == 0 && r.URL.Query().Get("filter") == "" {
			listings.Add(1)
		}
		respond(w, 200, pageFor(int(listings.Load()), offset))
	}, &listings
}

// TestPaging: how many requests a list costs, and that every item is read.
// The floor is what offset paging needs without overlap: ceil(n/1000) pages
// with a known total, one more (the empty page) without.
func TestPaging(t *testing.T) {
	tests := []struct {
		name         string
		list         *idList
		wantRequests int64
	}{
		{name: "an empty list is one request", list: newIDList(1, 1), wantRequests: 1},
		{name: "a list of one page is one request", list: newIDList(1, 1001), wantRequests: 1},
		{name: "with a known total, pages are read until the items reach it (the floor)", list: newIDList(1, 2501), wantRequests: 3},
		{name: "a list of full pages costs one request over the floor (the overlap)", list: newIDList(1, 2001), wantRequests: 3},
		{name: "with a negative total, a short page is not the end", list: &idList{ids: idRange(1, 1501), negative: true}, wantRequests: 3},
		{name: "with a negative total, reading stops at a page with nothing new", list: &idList{ids: idRange(1, 2501), negative: true}, wantRequests: 4},
		{name: "with a negative total, one item is two requests", list: &idList{ids: idRange(1, 2), negative: true}, wantRequests: 2},
		{name: "with a negative total and pages capped below the size asked, every item is read",
			list: &idList{ids: idRange(1, 1001), negative: true, cap: 300}, wantRequests: 5},
		{name: "with a known total and capped pages, every item is read", list: &idList{ids: idRange(1, 1001), cap: 300}, wantRequests: 4},
		{name: "a portal that ignores sort is read in its own order", list: &idList{ids: idRange(1, 2501), descending: true}, wantRequests: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := slices.Clone(tt.list.ids)
			f := newFixture(t, tt.list.handler)
			users, err := f.client.Users(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			assertIDs(t, users, want)
			if got := f.client.Stats().Requests; got != tt.wantRequests {
				t.Fatalf("%d requests (%q), want %d", got, tt.list.seen, tt.wantRequests)
			}
		})
	}
}

// assertIDs checks that users are exactly want, in order, each once.
func assertIDs(t *testing.T, users []User, want []int) {
	t.Helper()
	got := make([]int, len(users))
	for i, u := range users {
		got[i] = u.ID
	}
	if !slices.Equal(got, want) {
		var missing []int
		for _, id := range want {
			if _, found := slices.BinarySearch(got, id); !found {
				missing = append(missing, id)
			}
		}
		t.Fatalf("read %d users, want %d; missing %v", len(got), len(want), missing)
	}
}

// TestListThatShifts: a list that changes between page reads never makes a
// user that exists throughout go unread, nor appear twice.
func TestListThatShifts(t *testing.T) {
	tests := []struct {
		name         string
		list         *idList
		change       func(l *idList)
		wantIDs      []int
		wantRequests int64
	}{
		{
			name:         "one user deleted before the read position and another created: the gap is read, one request more",
			list:         newIDList(1, 2501),
			change:       func(l *idList) { l.remove(10); l.add(2501) },
			wantIDs:      idRange(1, 2502), // 10 was read before it went
			wantRequests: 4,
		},
		{
			name:         "a user deleted before the read position: the gap is read",
			list:         newIDList(1, 2501),
			change:       func(l *idList) { l.remove(10) },
			wantIDs:      idRange(1, 2501),
			wantRequests: 4,
		},
		{
			name:         "many users deleted before the read position: the rest is read from the last id",
			list:         newIDList(1, 2501),
			change:       func(l *idList) { l.ids = slices.DeleteFunc(l.ids, func(id int) bool { return id <= 1600 }) },
			wantIDs:      append(idRange(1, 1001), idRange(1601, 2501)...), // 1001-1600 went before they were read
			wantRequests: 4,
		},
		{
			name:         "a user created after the read position is read with its page",
			list:         newIDList(1, 2501),
			change:       func(l *idList) { l.add(2600) },
			wantIDs:      append(idRange(1, 2501), 2600),
			wantRequests: 3,
		},
		{
			name:         "with a negative total, a deletion and a creation: the gap is read",
			list:         &idList{ids: idRange(1, 2501), negative: true},
			change:       func(l *idList) { l.remove(10); l.add(2501) },
			wantIDs:      idRange(1, 2502),
			wantRequests: 5,
		},
		{
			// Ignoring sort, the ids between two pages say nothing: the
			// overlap item, gone from where it was, shows the shift, and the
			// list is read again from the start.
			name:         "a portal that ignores sort: a shift is seen by the overlap and the list read again",
			list:         &idList{ids: idRange(1, 2501), descending: true},
			change:       func(l *idList) { l.remove(2400) },
			wantIDs:      nil, // the list as it stands after the change
			wantRequests: 6,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.list.served = func(l *idList, n int) {
				if n == 1 {
					tt.change(l)
				}
			}
			f := newFixture(t, tt.list.handler)
			users, err := f.client.Users(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantIDs
			if len(want) == 0 {
				want = tt.list.ids // read again from the start: the list as it now is
			}
			assertIDs(t, users, want)
			if got := f.client.Stats().Requests; got != tt.wantRequests {
				t.Fatalf("%d requests (%q), want %d", got, tt.list.seen, tt.wantRequests)
			}
		})
	}
}

// TestPagesThatDoNotAddUp: a list that cannot be trusted is read again from
// the start, and refused with *PagingError when it still does not add up.
func TestPagesThatDoNotAddUp(t *testing.T) {
	tests := []struct {
		name         string
		h            handlerFunc
		wantRequests int64
		wantErrHas   string
	}{
		{
			name: "refuses a total with no items", wantRequests: 3, wantErrHas: "empty but the total is 5",
			h: scripted(step{200, usersPage(5), nil}),
		},
		{
			name: "refuses a page with more items than its total leaves", wantRequests: 3, wantErrHas: "past the total of 2",
			h: scripted(step{200, usersPage(2, 1, 2, 3), nil}),
		},
		{
			name: "refuses a page longer than asked", wantRequests: 3, wantErrHas: "more than the 1000 items",
			h: scripted(step{200, usersPage(1001, idRange(1, 1002)...), nil}),
		},
		{
			name: "refuses a list that ends before its total", wantRequests: 9, wantErrHas: "empty but the total is 3",
			h: func() handlerFunc {
				h, _ := pager(func(_, offset int) string {
					switch offset {
					case 0:
						return usersPage(3, 1, 2)
					case 1:
						return usersPage(3, 2)
					}
					return usersPage(3)
				})
				return h
			}(),
		},
		{
			name: "refuses ids that appear twice", wantRequests: 6, wantErrHas: "appears twice",
			h: func() handlerFunc {
				h, _ := pager(func(_, offset int) string {
					if offset == 0 {
						return usersPage(3, 3, 1)
					}
					return usersPage(3, 1, 3)
				})
				return h
			}(),
		},
		{
			name: "refuses a page that brings nothing new and does not end the list", wantRequests: 6, wantErrHas: "brings no new item",
			h: func() handlerFunc {
				h, _ := pager(func(_, offset int) string { return usersPage(-1, 1) })
				return h
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.h)
			users, err := f.client.Users(context.Background())
			var pe *PagingError
			if !errors.As(err, &pe) || !strings.Contains(pe.Reason, tt.wantErrHas) || pe.Path != "/setting/admins" {
				t.Fatalf("Users = %d users, %v; want *PagingError mentioning %q", len(users), err, tt.wantErrHas)
			}
			if users != nil {
				t.Fatal("returned users with a paging error")
			}
			if got := f.client.Stats().Requests; got != tt.wantRequests {
				t.Fatalf("%d requests, want %d", got, tt.wantRequests)
			}
		})
	}
}

func TestAFilterThePortalIgnoresIsCaught(t *testing.T) {
	l := &idList{ids: idRange(1, 2501), ignoreFilter: true}
	l.served = func(l *idList, n int) {
		if n == 1 {
			l.remove(10)
		}
	}
	f := newFixture(t, l.handler)
	users, err := f.client.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The range read answered the whole list: refused, and the list read
	// again from the start, now settled.
	assertIDs(t, users, l.ids)
	if !strings.Contains(f.logs.String(), "did not add up") {
		t.Fatal("the ignored filter went unnoticed")
	}
}

func TestPagesAreReadConcurrently(t *testing.T) {
	var inFlight, most atomic.Int64
	l := newIDList(1, 10_001)
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		l.handler(w, r, body)
	})
	users, err := f.client.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assertIDs(t, users, idRange(1, 10_001))
	if got := f.client.Stats().Requests; got != 11 {
		t.Fatalf("%d requests, want 11 (10 pages and the overlap)", got)
	}
	if m := most.Load(); m > pagesInFlight {
		t.Fatalf("%d pages in flight, at most %d allowed", m, pagesInFlight)
	}
}

func TestRefusedFields(t *testing.T) {
	const fields = "id,username,lastAccessOn,note"
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"a 400 naming a requested field refuses it", &APIError{StatusCode: 400, Message: "Unknown field lastAccessOn in fields"}, true},
		{"the field may be quoted or cased otherwise", &APIError{StatusCode: 400, Message: `invalid property: "LastAccessOn"`}, true},
		{"a word that merely contains a field name does not", &APIError{StatusCode: 400, Message: "invalid request: bad identifier"}, false},
		{"a 400 naming no requested field does not", &APIError{StatusCode: 400, Message: "size must not be greater than 1000"}, false},
		{"another status does not", &APIError{StatusCode: 403, Message: "no access to note"}, false},
		{"another error does not", errors.New("lastAccessOn"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := refusesQuery(tt.err, fields); got != tt.want {
				t.Fatalf("refusesQuery(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestFieldsRefusedTwiceIsAnError(t *testing.T) {
	// A 400 that names a field even without fields= is not retried again.
	f := newFixture(t, scripted(step{400, errorBody(1400, "Unknown field note"), nil}))
	_, err := f.client.Users(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("err = %v, want the 400", err)
	}
	if got := f.hits.Load(); got != 2 {
		t.Fatalf("%d requests, want 2: once with fields=, once without", got)
	}
}

func TestRefusedSort(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"a 400 naming sort refuses it", &APIError{StatusCode: 400, Message: "Unsupported parameter: sort"}, true},
		{"a 400 about sorting refuses it", &APIError{StatusCode: 400, Message: "Sorting is not supported for this resource"}, true},
		{"a 400 naming the field sorted on is sort's too", &APIError{StatusCode: 400, Message: `cannot sort on field "id"`}, true},
		{"a word that merely contains sort does not", &APIError{StatusCode: 400, Message: "resort to paging"}, false},
		{"a 400 about something else does not", &APIError{StatusCode: 400, Message: "size must not be greater than 1000"}, false},
		{"another status does not", &APIError{StatusCode: 403, Message: "sort"}, false},
		{"another error does not", errors.New("sort"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := refusesSort(tt.err); got != tt.want {
				t.Fatalf("refusesSort(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
