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
)

// list reads every item of a collection, page by page, and returns them
// sorted by id. A list whose pages do not add up is read again from the
// start, at most maxListRestarts times, before it fails with *PagingError:
// the hygiene steps must never decide on a partial or doubled list.
func list[T any](ctx context.Context, c *Client, resourcePath, fields string, parse func(gjson.Result) (T, error), idOf func(T) int) ([]T, error) {
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

func listOnce[T any](ctx context.Context, c *Client, resourcePath, fields string, parse func(gjson.Result) (T, error), idOf func(T) int) ([]T, error) {
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
		top := gjson.ParseBytes(body)
		items := top.Get("items")
		if !items.IsArray() {
			return nil, bad("the list has no items array (items is %s)", jsonType(items))
		}
		var d decoder
		n := d.int(top, "total", true)
		if d.err != nil {
			return nil, bad("the list's %v", d.err)
		}
		if page == 0 {
			total = n
		} else if n != total {
			return nil, paging("the total changed from %d to %d between pages", total, n)
		}

		elems := items.Array()
		if len(elems) > pageSize {
			return nil, paging("the page at offset %d has %d items, more than the %d asked for", offset, len(elems), pageSize)
		}
		for i, elem := range elems {
			v, err := parse(elem)
			if err != nil {
				return nil, bad("item %d: %v", offset+i, err)
			}
			id := idOf(v)
			if at, dup := seen[id]; dup {
				return nil, paging("id %d appears twice (offsets %d and %d)", id, at, offset+i)
			}
			seen[id] = offset + i
			all = append(all, v)
		}
		offset += len(elems)

		lastPage := len(elems) == 0 ||
			total >= 0 && int64(offset) >= total ||
			total < 0 && len(elems) < pageSize
		if lastPage {
			break
		}
	}
	if total >= 0 && int64(len(all)) != total {
		return nil, paging("read %d items but the portal's total is %d", len(all), total)
	}
	slices.SortFunc(all, func(a, b T) int { return cmp.Compare(idOf(a), idOf(b)) })
	return all, nil
}
