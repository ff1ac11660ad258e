package lm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/sirupsen/logrus"
	"github.com/tidwall/gjson"
)

const (
	// pageSize is the largest page the API serves.
	pageSize = 1000
	// maxListRestarts bounds how often a list whose pages did not add up is
	// read again from the start; a portal that is still changing after that
	// is reported rather than guessed at.
	maxListRestarts = 2
	// maxPages stops a portal that keeps sending full pages with a negative
	// total from holding the run forever (a million items).
	maxPages = 1000
	// maxReserve bounds what the total a portal reports may make the client
	// reserve before the items arrive.
	maxReserve = 100_000
)

// list reads every item of a collection, page by page, and returns them
// sorted by id. A list whose pages do not add up is read again from the
// start, at most maxListRestarts times, before it fails with *PagingError:
// the hygiene steps must never decide on a partial or doubled list.
func list[T any](ctx context.Context, c *Client, resourcePath, fields string, parse func(gjson.Result) (T, error), idOf func(T) (int, bool)) ([]T, error) {
	for restart := 0; ; restart++ {
		items, err := listOnce(ctx, c, resourcePath, fields, parse, idOf)
		var pe *PagingError
		if !errors.As(err, &pe) || restart >= maxListRestarts {
			return items, err
		}
		c.log.WithFields(logrus.Fields{"path": resourcePath, "reason": pe.Reason, "restart": restart + 1}).
			Warn("list pages did not add up; reading the list again")
		// A short pause gives a portal that is being changed a moment to settle.
		if err := sleep(ctx, c.backoff(restart)); err != nil {
			return nil, fmt.Errorf("listing %s: %w", resourcePath, err)
		}
	}
}

func listOnce[T any](ctx context.Context, c *Client, resourcePath, fields string, parse func(gjson.Result) (T, error), idOf func(T) (int, bool)) ([]T, error) {
	var (
		all   []T
		seen  = make(map[int]int) // id -> offset where it was seen
		total int64
	)
	paging := func(format string, args ...any) error {
		return &PagingError{Path: resourcePath, Reason: fmt.Sprintf(format, args...)}
	}
	offset := 0
	for page := 0; ; page++ {
		if page >= maxPages {
			return nil, paging("more than %d pages and the portal reports no total", maxPages)
		}
		q := url.Values{"size": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(offset)}}
		if fields != "" {
			q.Set("fields", fields)
		}
		body, err := c.do(ctx, http.MethodGet, resourcePath, q, nil)
		if err != nil {
			return nil, err
		}
		bad := func(format string, args ...any) error {
			return &ResponseError{Method: http.MethodGet, Path: resourcePath, StatusCode: http.StatusOK, Reason: fmt.Sprintf(format, args...)}
		}
		items, n, err := parsePage(body, offset, parse)
		var (
			long    *pageTooLongError
			badItem *itemError
		)
		if err != nil && !errors.As(err, &long) && !errors.As(err, &badItem) {
			return nil, bad("%v", err)
		}
		if page == 0 {
			total = n
			// Sized once from the total instead of doubling through the
			// read; a bogus total only reserves up to maxReserve.
			reserve := int(min(max(total, 0), maxReserve))
			all = make([]T, 0, reserve)
			seen = make(map[int]int, reserve)
		} else if n != total {
			return nil, paging("the total changed from %d to %d between pages", total, n)
		}
		if long != nil {
			return nil, paging("the page at offset %d has %d items, more than the %d asked for", offset, long.n, pageSize)
		}
		for i, v := range items {
			id, usable := idOf(v)
			if !usable {
				// An unreadable user without an id cannot be doubled by id.
				all = append(all, v)
				continue
			}
			if at, dup := seen[id]; dup {
				return nil, paging("id %d appears twice (offsets %d and %d)", id, at, offset+i)
			}
			seen[id] = offset + i
			all = append(all, v)
		}
		if badItem != nil {
			return nil, bad("%v", badItem)
		}
		offset += len(items)

		lastPage := len(items) == 0 ||
			total >= 0 && int64(offset) >= total ||
			total < 0 && len(items) < pageSize
		if lastPage {
			break
		}
	}
	if total >= 0 && int64(len(all)) != total {
		return nil, paging("read %d items but the portal's total is %d", len(all), total)
	}
	byID := func(a, b T) int {
		ia, _ := idOf(a)
		ib, _ := idOf(b)
		return cmp.Compare(ia, ib)
	}
	// Portals list by id already; sorting moves every item for nothing.
	if !slices.IsSortedFunc(all, byID) {
		slices.SortFunc(all, byID)
	}
	return all, nil
}

// parsePage reads one list page body as the client does: the body checks,
// the portal's total (negative when the portal does not count) and every
// item through parse. offset is the page's place in the list, for naming a
// bad item. A page longer than pageSize is a *pageTooLongError before any
// item is read; a bad item is an *itemError returned with the items before
// it, so that the caller can look for doubled ids first, as a list that does
// not add up is read again rather than refused.
func parsePage[T any](body []byte, offset int, parse func(gjson.Result) (T, error)) ([]T, int64, error) {
	if reason := bodyProblem(body); reason != "" {
		return nil, 0, errors.New(reason)
	}
	top := gjson.ParseBytes(body)
	items := top.Get("items")
	if !items.IsArray() {
		return nil, 0, fmt.Errorf("the list has no items array (items is %s)", jsonType(items))
	}
	total, err := pageTotal(top.Get("total"))
	if err != nil {
		return nil, 0, err
	}
	elems := items.Array()
	if len(elems) > pageSize {
		return nil, total, &pageTooLongError{n: len(elems)}
	}
	out := make([]T, 0, len(elems))
	for i, elem := range elems {
		v, err := parse(elem)
		if err != nil {
			return out, total, &itemError{index: offset + i, err: err}
		}
		out = append(out, v)
	}
	return out, total, nil
}

// pageTooLongError is a page with more items than were asked for.
type pageTooLongError struct{ n int }

func (e *pageTooLongError) Error() string {
	return fmt.Sprintf("the page has %d items, more than the %d asked for", e.n, pageSize)
}

// itemError is an item that cannot be read; index is its place in the list.
type itemError struct {
	index int
	err   error
}

func (e *itemError) Error() string { return fmt.Sprintf("item %d: %v", e.index, e.err) }
func (e *itemError) Unwrap() error { return e.err }

// pageTotal reads a list's total: -1 (unknown) when the portal leaves it out
// or sends null or a negative number, as some endpoints do; anything but a
// JSON integer is a page that cannot be trusted.
func pageTotal(v gjson.Result) (int64, error) {
	if !v.Exists() || v.Type == gjson.Null {
		return -1, nil
	}
	if v.Type == gjson.Number {
		if n, err := strconv.ParseInt(v.Raw, 10, 64); err == nil {
			return max(n, -1), nil
		}
	}
	return 0, fmt.Errorf("the list's total is %s", held(v))
}
