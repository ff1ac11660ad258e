package lmfake

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// listPage answers a list request over items (sorted by id): size, offset,
// fields, filter and sort. Without filter and sort a page is a slice of
// items, so paging through tens of thousands of users stays linear overall.
func listPage[T any](q url.Values, items []T, fields []field[T], negativeTotal bool, pageCap int) reply {
	size, err := intParam(q, "size", defaultPageSize)
	if err != nil {
		return errorReply(400, err.Error())
	}
	if size > maxPageSize {
		return errorReply(400, fmt.Sprintf("size must not be greater than %d", maxPageSize))
	}
	offset, err := intParam(q, "offset", 0)
	if err != nil {
		return errorReply(400, err.Error())
	}
	sel := selectFields(q.Get("fields"), fields)
	if expr := q.Get("filter"); strings.TrimSpace(expr) != "" {
		keep, err := compileFilter(expr, fields)
		if err != nil {
			return errorReply(400, err.Error())
		}
		var matched []T
		for _, x := range items {
			if keep(x) {
				matched = append(matched, x)
			}
		}
		items = matched
	}
	if s := q.Get("sort"); s != "" {
		sorted, err := sortItems(s, items, fields)
		if err != nil {
			return errorReply(400, err.Error())
		}
		items = sorted
	}
	if pageCap > 0 {
		size = min(size, pageCap)
	}
	total := len(items)
	start := min(offset, total)
	page := items[start : start+min(size, total-start)]
	if negativeTotal {
		total = -1
	}

	b := make([]byte, 0, 64+len(page)*400)
	b = append(b, `{"total":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"searchId":null,"items":[`...)
	for i, x := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendObject(b, x, sel)
	}
	b = append(b, "]}"...)
	return jsonReply(b)
}

// oneItem answers a single-object request, honouring fields.
func oneItem[T any](q url.Values, x T, fields []field[T]) reply {
	return jsonReply(appendObject(nil, x, selectFields(q.Get("fields"), fields)))
}

func intParam(q url.Values, name string, def int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a non-negative integer", name)
	}
	return n, nil
}

// selectFields keeps the named fields in the resource's own order; unknown
// names are ignored, as the portal ignores them.
func selectFields[T any](list string, fields []field[T]) []field[T] {
	if strings.TrimSpace(list) == "" {
		return fields
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var sel []field[T]
	for _, f := range fields {
		if want[f.name] {
			sel = append(sel, f)
		}
	}
	return sel
}

// sortItems orders by one scalar field (`+name`, `-name` or `name`), keeping
// id order among equals.
func sortItems[T any](spec string, items []T, fields []field[T]) ([]T, error) {
	desc := strings.HasPrefix(spec, "-")
	name := strings.TrimLeft(spec, "+-")
	f, ok := fieldByName(fields, name)
	if !ok || f.value == nil || f.kind == kindIntList || f.kind == kindStringList {
		return nil, fmt.Errorf("cannot sort on field %q", name)
	}
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b T) int {
		c := compareValues(f.value(a), f.value(b))
		if desc {
			return -c
		}
		return c
	})
	return out, nil
}

func compareValues(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmpInt(x, b.(int64))
	case string:
		return strings.Compare(strings.ToLower(x), strings.ToLower(b.(string)))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	return 0
}
