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
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

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
	// maxPages bounds the requests of one listing (a million items, or a
	// portal that keeps sending pages without ever reaching an end).
	maxPages = 1000
	// maxReserve bounds what the total a portal reports may make the client
	// reserve before the items arrive.
	maxReserve = 100_000
	// pagesInFlight is how many pages are read at once once the first page
	// has given the total: a 50,000-user portal at 100-300 ms a page is read
	// in seconds rather than a quarter of the collector's script timeout.
	pagesInFlight = 4
)

// listing is what list needs to know about one collection.
type listing[T any] struct {
	path   string
	fields string
	parse  func(gjson.Result) (T, error)
	// idOf is an item's id, and false when it has no usable one (an
	// unreadable user).
	idOf func(T) (int, bool)
	// thin, when set, reports an item of a fields= answer without the
	// nested data a whole object carries: when more than half of the items
	// lack it, the projection dropped it and the list is read without
	// fields=.
	thin func(T) bool
	// nested names what thin looks for, for the warning.
	nested string
	// noSort is set once the portal refused sort=: the list is then read in
	// the portal's own order.
	noSort bool
}

// list reads every item of a collection and returns them sorted by id.
//
// Pages are asked sorted by id (sort=+id) and overlap by one item: each page
// starts at the previous page's last item. That item is the proof that
// nothing moved in between. When a page starts elsewhere, the list shifted
// while it was read (a user deleted or created before that point); because
// pages are sorted by id, what may have been missed lies strictly between
// the last id taken and the page's first id, and exactly that range is read
// with an id filter (one request when, as usual, it is empty). Items at or
// below the last id taken are never taken twice. So a user that exists for
// the whole listing is always read, at a cost of one request above the floor
// when nothing shifts (the overlap) and one more per shift.
//
// A portal that ignores sort lists in its own order, where ids say nothing
// about what lies between two pages. The overlap still shows a shift: if the
// previous page's last item is in the page, reading goes on after it (a
// stable order keeps the rest contiguous); if it is not, the list is read
// again from the start, like any list whose pages do not add up.
//
// With a known total, pages are read until the items reach it; with an
// unknown total (negative or absent) until a page brings nothing new. A
// short page is never the end. Once the first page gives the total, the
// remaining pages are read concurrently, pagesInFlight at a time, within the
// rate-limit pacing, and then checked in order as above.
//
// A list whose pages do not add up is read again from the start, at most
// maxListRestarts times, before it fails with *PagingError.
//
// What a portal refuses of the query is dropped, each once and with one
// warning, and the list read again: sort= when a 400 names sort (then read
// in the portal's order, where each page must start at the previous page's
// last item or the list is read again from the start); then fields= when a
// 400 names a requested field, or when the projection leaves more than half
// of the items without the nested data a whole object carries (listing.thin).
func list[T any](ctx context.Context, c *Client, l listing[T]) ([]T, error) {
	for restart := 0; ; restart++ {
		items, err := listOnce(ctx, c, l)
		for {
			if l.fields != "" || !l.noSort {
				var dropped bool
				if l, dropped = refused(c, l, err); dropped {
					items, err = listOnce(ctx, c, l)
					continue
				}
			}
			break
		}
		var pe *PagingError
		if !errors.As(err, &pe) || restart >= maxListRestarts {
			return items, err
		}
		c.log.WithFields(logrus.Fields{"path": l.path, "reason": pe.Reason, "restart": restart + 1}).
			Warn("list pages did not add up; reading the list again")
		// A short pause gives a portal that is being changed a moment to settle.
		if err := sleep(ctx, c.backoff(restart)); err != nil {
			return nil, fmt.Errorf("listing %s: %w", l.path, err)
		}
	}
}

// refused drops from l the part of the query the outcome of a read shows the
// portal refuses, with one warning, and reports whether it dropped one. A
// 400 naming sort is handled before one naming a field.
func refused[T any](c *Client, l listing[T], err error) (listing[T], bool) {
	var thin *thinProjectionError
	switch {
	case !l.noSort && refusesSort(err):
		c.log.WithFields(logrus.Fields{"path": l.path, "error": err.Error()}).
			Warn("the portal refuses sort=; reading the list in its own order instead")
		l.noSort = true
	case l.fields != "" && refusesQuery(err, l.fields):
		c.log.WithFields(logrus.Fields{"path": l.path, "error": err.Error()}).
			Warn("the portal refuses fields=; reading whole objects instead")
		l.fields = ""
	case l.fields != "" && errors.As(err, &thin):
		c.log.WithFields(logrus.Fields{"path": l.path, "without": thin.thin, "items": thin.items}).
			Warn("the portal's fields= projection leaves most items without " + l.nested + "; reading whole objects instead")
		l.fields = ""
	default:
		return l, false
	}
	return l, true
}

// thinProjectionError is a fields= answer in which more than half of the
// items lack the nested data a whole object carries.
type thinProjectionError struct {
	path        string
	thin, items int64
}

func (e *thinProjectionError) Error() string {
	return fmt.Sprintf("listing %s: %d of %d items of the fields= answer lack nested data", e.path, e.thin, e.items)
}

type firstPageKey struct{}

// WithFirstPage returns a context that makes a listing read with it call f
// once its first page has been read (again if the list is read again): the
// portal has answered, so that other reads can start beside the rest of the
// pages without sending requests to a portal that refuses every one.
func WithFirstPage(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, firstPageKey{}, f)
}

// refusesQuery reports a 400 whose message names one of the comma-separated
// words (fields asked for), as a whole word.
func refusesQuery(err error, words string) bool {
	asked := strings.Split(words, ",")
	return refusalNames(err, func(word string) bool {
		for _, f := range asked {
			if strings.EqualFold(word, f) {
				return true
			}
		}
		return false
	})
}

// refusesSort reports a 400 whose message names sorting: a word that is or
// begins with "sort" ("sort", "Sorting", "sorted"). Reading a list without
// sort= costs nothing in proof, so a message that merely mentions sorting
// is reason enough.
func refusesSort(err error) bool {
	return refusalNames(err, func(word string) bool {
		return len(word) >= 4 && strings.EqualFold(word[:4], "sort")
	})
}

// refusalNames reports a 400 whose message holds a word (letters, digits
// and '_') for which names is true.
func refusalNames(err error, names func(word string) bool) bool {
	var apiErr *APIError
	if RefusalOf(err) != RefusedRequest || !errors.As(err, &apiErr) {
		return false
	}
	for _, word := range strings.FieldsFunc(apiErr.Message, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	}) {
		if names(word) {
			return true
		}
	}
	return false
}

// page is one list page as read.
type page[T any] struct {
	offset int
	items  []T
	total  int64 // -1 when the portal does not say
	// overlap is set when the page was asked to start at the previous
	// page's last item.
	overlap bool
}

// reader is one listing in progress.
type reader[T any] struct {
	ctx      context.Context
	c        *Client
	l        listing[T]
	requests int
	all      []T
	// last is the id of the item taken last: the cursor.
	last    int
	hasLast bool
	// unsorted is set once a page shows the portal ignores sort=+id, or
	// from the start when sort= was refused (listing.noSort).
	unsorted bool
	// shifted is set once a page did not start at the previous page's last
	// item or reported another total: the count can then no longer be held
	// to a total.
	shifted bool
	total   int64
	// thin and seen count the items of fields= answers that lack nested
	// data, and all their items (pages may be read concurrently).
	thin, seen atomic.Int64
}

func (r *reader[T]) paging(format string, args ...any) error {
	return &PagingError{Path: r.l.path, Reason: fmt.Sprintf(format, args...)}
}

func listOnce[T any](ctx context.Context, c *Client, l listing[T]) ([]T, error) {
	r := &reader[T]{ctx: ctx, c: c, l: l, unsorted: l.noSort}
	first, err := r.fetch(0, span{})
	if err != nil {
		return nil, err
	}
	if f, ok := ctx.Value(firstPageKey{}).(func()); ok {
		f()
	}
	// Sized once from the total instead of doubling through the read; a
	// bogus total only reserves up to maxReserve.
	r.all = make([]T, 0, min(max(first.total, int64(len(first.items))), maxReserve))
	r.total = first.total
	if err := r.segment(first, span{}); err != nil {
		return nil, err
	}
	if !r.shifted && r.total >= 0 && int64(len(r.all)) != r.total {
		return nil, r.paging("read %d items but the portal's total is %d", len(r.all), r.total)
	}
	if thin, seen := r.thin.Load(), r.seen.Load(); l.fields != "" && 2*thin > seen {
		return nil, &thinProjectionError{path: l.path, thin: thin, items: seen}
	}
	byID := func(a, b T) int {
		ia, _ := l.idOf(a)
		ib, _ := l.idOf(b)
		return cmp.Compare(ia, ib)
	}
	// Portals list by id already; sorting moves every item for nothing.
	if !slices.IsSortedFunc(r.all, byID) {
		slices.SortStableFunc(r.all, byID)
	}
	for i := 1; i < len(r.all); i++ {
		a, okA := l.idOf(r.all[i-1])
		b, okB := l.idOf(r.all[i])
		if okA && okB && a == b {
			return nil, r.paging("id %d appears twice", a)
		}
	}
	return r.all, nil
}

// span is the part of the list a segment reads: every item (the zero
// span), or the ids strictly between lo and hi (hi 0: no upper bound).
type span struct {
	filtered bool
	lo, hi   int
}

func (s span) filter() string {
	if !s.filtered {
		return ""
	}
	f := "id>" + strconv.Itoa(s.lo)
	if s.hi > 0 {
		f += ",id<" + strconv.Itoa(s.hi)
	}
	return f
}

// segment reads the span whose first page, at offset 0, is first: the rest
// of its pages, concurrently when the whole list's total is known, then one
// by one until the end.
func (r *reader[T]) segment(first *page[T], s span) error {
	if !r.sorted(first.items) {
		r.unsorted = true
	}
	r.take(first.items, 0, true)
	if len(first.items) == 0 {
		if first.total > 0 {
			return r.paging("the first page is empty but the total is %d", first.total)
		}
		return nil
	}
	last := first
	if first.total >= 0 && !s.filtered {
		pages, err := r.fetchAhead(first)
		if err != nil {
			return err
		}
		for _, p := range pages {
			finished, err := r.link(p, s)
			if finished || err != nil {
				return err
			}
			last = p
		}
	}
	for !r.ended(last) {
		// Each page starts at the previous page's last item; a page of one
		// item cannot overlap and still move on.
		next, overlap := last.offset+len(last.items)-1, true
		if len(last.items) < 2 {
			next, overlap = last.offset+len(last.items), false
		}
		p, err := r.fetch(next, s)
		if err != nil {
			return err
		}
		p.overlap = overlap
		before := len(r.all)
		finished, err := r.link(p, s)
		if finished || err != nil {
			return err
		}
		if len(r.all) == before && !r.ended(p) {
			// Reading on from here would ask for the same page again.
			return r.paging("the page at offset %d brings no new item but does not end the list", p.offset)
		}
		last = p
	}
	return nil
}

// ended reports whether p is the last page of its segment: with a known
// total, its items reach the total; with an unknown one, it holds at most
// the item it overlaps (or one item after it).
func (r *reader[T]) ended(p *page[T]) bool {
	n := len(p.items)
	if p.total >= 0 {
		return int64(p.offset+n) >= p.total
	}
	return p.overlap && n <= 1
}

// fetchAhead reads, pagesInFlight at a time, the pages that the first page's
// total and length say are left, each overlapping the one before by an item.
func (r *reader[T]) fetchAhead(first *page[T]) ([]*page[T], error) {
	step := len(first.items) - 1
	if step < 1 {
		return nil, nil
	}
	var offsets []int
	for o := step; int64(o-step+len(first.items)) < first.total; o += step {
		if len(offsets)+r.requests >= maxPages {
			return nil, r.paging("more than %d pages", maxPages)
		}
		offsets = append(offsets, o)
	}
	pages := make([]*page[T], len(offsets))
	errs := make([]error, len(offsets))
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(pagesInFlight, len(offsets)) {
		wg.Go(func() {
			for i := range next {
				pages[i], errs[i] = r.fetchWith(ctx, offsets[i], span{})
				if errs[i] != nil {
					cancel()
				}
			}
		})
	}
feed:
	for i := range offsets {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	r.requests += len(offsets)
	// The first failure in page order that is not the cancellation another
	// failure caused.
	for _, err := range errs {
		if err != nil && (r.ctx.Err() != nil || !errors.Is(err, context.Canceled)) {
			return nil, err
		}
	}
	for i := range pages {
		if pages[i] == nil {
			return nil, fmt.Errorf("listing %s: %w", r.l.path, r.ctx.Err())
		}
		pages[i].overlap = true
	}
	return pages, nil
}

// link takes the items of p, a later page of the segment reading s, that
// come after the last item taken, and first reads what a shift may have
// hidden. finished reports that this read the rest of s, so that the
// segment is done.
func (r *reader[T]) link(p *page[T], s span) (finished bool, err error) {
	if !r.hasLast {
		// Only id-less items so far: no item to prove the overlap with.
		return false, r.paging("the page at offset %d cannot be placed: the items before it have no ids", p.offset)
	}
	if !r.sorted(p.items) {
		r.unsorted = true
	}
	if p.total != r.total || !p.overlap {
		r.shifted = true
	}
	if r.l.noSort {
		// Read in the portal's order because it refused sort=: the page
		// must start at the previous page's last item, or the list is read
		// again from the start.
		if len(p.items) > 0 && p.overlap {
			if id, ok := r.l.idOf(p.items[0]); ok && id == r.last {
				r.take(p.items[1:], 0, true)
				return false, nil
			}
		}
		if !p.overlap && len(p.items) == 0 {
			return true, nil
		}
		return false, r.paging("the page at offset %d does not start at the previous page's last item (id %d), and the portal does not sort", p.offset, r.last)
	}
	if r.unsorted {
		// Ids say nothing about what lies between pages: only the overlap
		// item itself places the page.
		for i, v := range p.items {
			if id, ok := r.l.idOf(v); ok && id == r.last {
				if i > 0 {
					r.shifted = true
				}
				r.take(p.items[i+1:], 0, true)
				return false, nil
			}
		}
		if !p.overlap && len(p.items) == 0 {
			return true, nil
		}
		return false, r.paging("the list shifted at offset %d and the portal does not sort by id", p.offset)
	}
	firstID, ok := r.firstID(p.items)
	if !ok || firstID != r.last {
		r.shifted = true
	}
	switch {
	case !ok && !p.overlap:
		// Past the end, where no overlap was asked for (the page agrees
		// with its total: fetchWith checked).
		return true, nil
	case !ok:
		// No item where the overlap item should be: items before it were
		// deleted. The rest of the span is read from the last id taken.
		return true, r.readRange(span{filtered: true, lo: r.last, hi: s.hi})
	case firstID > r.last:
		r.c.log.WithFields(logrus.Fields{"path": r.l.path, "offset": p.offset, "after": r.last, "before": firstID}).
			Info("the list shifted while it was read; reading the ids in between")
		if err := r.readRange(span{filtered: true, lo: r.last, hi: firstID}); err != nil {
			return false, err
		}
	}
	r.take(p.items, r.last, false)
	return false, nil
}

// readRange reads the span s (an id range) as a segment of its own.
func (r *reader[T]) readRange(s span) error {
	first, err := r.fetch(0, s)
	if err != nil {
		return err
	}
	// The filter places this page: nothing before it can be missed.
	r.hasLast, r.last = true, s.lo
	return r.segment(first, s)
}

// take appends items: all of them, or else the items with an id above
// after and the id-less items that follow one of them on the page (one that
// precedes them is the overlap, or was taken with the page before). The
// cursor moves to the last id taken.
func (r *reader[T]) take(items []T, after int, all bool) {
	started := all
	for _, v := range items {
		id, ok := r.l.idOf(v)
		if ok && id > after {
			started = true
		}
		if !started || !all && ok && id <= after {
			continue
		}
		r.all = append(r.all, v)
		if ok && (!r.hasLast || id > r.last || r.unsorted) {
			r.last, r.hasLast = id, true
		}
	}
}

// sorted reports whether the usable ids of items ascend strictly.
func (r *reader[T]) sorted(items []T) bool {
	prev, seen := 0, false
	for _, v := range items {
		id, ok := r.l.idOf(v)
		if !ok {
			continue
		}
		if seen && id <= prev {
			return false
		}
		prev, seen = id, true
	}
	return true
}

func (r *reader[T]) firstID(items []T) (int, bool) {
	for _, v := range items {
		if id, ok := r.l.idOf(v); ok {
			return id, true
		}
	}
	return 0, false
}

func (r *reader[T]) fetch(offset int, s span) (*page[T], error) {
	if r.requests >= maxPages {
		return nil, r.paging("more than %d pages", maxPages)
	}
	r.requests++
	return r.fetchWith(r.ctx, offset, s)
}

// fetchWith reads and checks one page. Safe for concurrent use.
func (r *reader[T]) fetchWith(ctx context.Context, offset int, s span) (*page[T], error) {
	q := url.Values{"size": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(offset)}}
	if !r.l.noSort {
		q.Set("sort", "+id")
	}
	if r.l.fields != "" {
		q.Set("fields", r.l.fields)
	}
	if s.filtered {
		q.Set("filter", s.filter())
	}
	body, err := r.c.do(ctx, http.MethodGet, r.l.path, q, nil, maxPageBytes)
	if err != nil {
		return nil, err
	}
	items, total, err := parsePage(body, offset, r.l.parse)
	if err == nil && r.l.fields != "" && r.l.thin != nil {
		r.countThin(items)
	}
	var long *pageTooLongError
	switch {
	case errors.As(err, &long):
		return nil, r.paging("the page at offset %d has more than the %d items asked for", offset, pageSize)
	case err != nil:
		return nil, &ResponseError{Method: http.MethodGet, Path: r.l.path, StatusCode: http.StatusOK, Reason: err.Error()}
	}
	// A page must agree with its own total; between pages the total may
	// change (the list shifted), which the overlap deals with.
	switch n := int64(len(items)); {
	case total >= 0 && n == 0 && int64(offset) < total:
		return nil, r.paging("the page at offset %d is empty but the total is %d", offset, total)
	case total >= 0 && n > 0 && int64(offset)+n > total:
		return nil, r.paging("the page at offset %d has %d items, past the total of %d", offset, n, total)
	}
	if s.filtered {
		if err := r.inRange(items, s); err != nil {
			return nil, err
		}
	}
	return &page[T]{offset: offset, items: items, total: total}, nil
}

// countThin counts the items of a fields= page that lack nested data.
func (r *reader[T]) countThin(items []T) {
	var thin int64
	for _, v := range items {
		if r.l.thin(v) {
			thin++
		}
	}
	r.thin.Add(thin)
	r.seen.Add(int64(len(items)))
}

// inRange checks that a filtered page holds only ids the filter selects: a
// portal that ignored the filter would otherwise pass its whole list off as
// the range.
func (r *reader[T]) inRange(items []T, s span) error {
	for _, v := range items {
		if id, ok := r.l.idOf(v); ok && (id <= s.lo || s.hi > 0 && id >= s.hi) {
			return r.paging("asked for %s, the portal answered id %d", s.filter(), id)
		}
	}
	return nil
}

// parsePage reads one list page body as the client does: the body checks,
// the portal's total (-1 when the portal does not say) and every item
// through parse. offset is the page's place in the list, for naming a bad
// item. A page longer than pageSize is a *pageTooLongError, found when its
// 1001st item comes up, before that item is read.
func parsePage[T any](body []byte, offset int, parse func(gjson.Result) (T, error)) ([]T, int64, error) {
	if reason := bodyProblem(body); reason != "" {
		return nil, 0, errors.New(reason)
	}
	top := gjson.Parse(jsonText(body))
	items := top.Get("items")
	if !items.IsArray() {
		return nil, 0, fmt.Errorf("the list has no items array (items is %s)", jsonType(items))
	}
	total, err := pageTotal(top.Get("total"))
	if err != nil {
		return nil, 0, err
	}
	// One pass that stops at the 1001st item, before reading it: a runaway
	// page costs at most the 1000 items a page may hold.
	out := make([]T, 0, min(max(total, 0), pageSize))
	var itemErr error
	items.ForEach(func(_, elem gjson.Result) bool {
		if len(out) == pageSize {
			itemErr = &pageTooLongError{}
			return false
		}
		v, err := parse(elem)
		if err != nil {
			itemErr = &itemError{index: offset + len(out), err: err}
			return false
		}
		out = append(out, v)
		return true
	})
	if itemErr != nil {
		return nil, total, itemErr
	}
	return out, total, nil
}

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

// pageTooLongError is a page with more items than were asked for.
type pageTooLongError struct{}

func (e *pageTooLongError) Error() string {
	return fmt.Sprintf("the page has more than the %d items asked for", pageSize)
}

// itemError is an item that cannot be read; index is its place in the list.
type itemError struct {
	index int
	err   error
}

func (e *itemError) Error() string { return fmt.Sprintf("item %d: %v", e.index, e.err) }
func (e *itemError) Unwrap() error { return e.err }
