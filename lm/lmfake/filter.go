package lmfake

import (
	"fmt"
	"strconv"
	"strings"
)

// Filter syntax, as documented for the v3 API: `field<op>value`, ops
// `:` `!:` `>` `<` `>:` `<:` `~` (contains) `!~`; values may be quoted;
// `,` joins conditions with AND, `||` joins groups of conditions with OR, and
// `|` between values means any of them (for every operator, taken literally:
// `a!:x|y` is "a is not x, or a is not y"). Strings compare case-insensitively.
// List fields (roles by name, adminGroupIds) match when any element matches,
// and the negated operators when no element matches.

// operators, longest first so that `!:` is not read as `!` and `:`.
var operators = []string{"!:", ">:", "<:", "!~", ":", ">", "<", "~"}

type condition[T any] struct {
	get      func(T) any
	kind     kind
	op       string
	operands []operand
}

type operand struct {
	text string // lower case
	num  int64
}

// compileFilter turns a filter expression into a predicate over T.
func compileFilter[T any](expr string, fields []field[T]) (func(T) bool, error) {
	var groups [][]condition[T]
	for _, alt := range splitOutsideQuotes(expr, "||") {
		var conds []condition[T]
		for _, part := range splitOutsideQuotes(alt, ",") {
			c, err := parseCondition(strings.TrimSpace(part), fields)
			if err != nil {
				return nil, err
			}
			conds = append(conds, c)
		}
		groups = append(groups, conds)
	}
	return func(x T) bool {
		for _, conds := range groups {
			all := true
			for _, c := range conds {
				if !c.match(c.get(x)) {
					all = false
					break
				}
			}
			if all {
				return true
			}
		}
		return false
	}, nil
}

func parseCondition[T any](s string, fields []field[T]) (condition[T], error) {
	n := 0
	for n < len(s) && isNameByte(s[n]) {
		n++
	}
	name, rest := s[:n], s[n:]
	var op string
	for _, o := range operators {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if name == "" || op == "" {
		return condition[T]{}, fmt.Errorf("invalid filter condition %q", s)
	}
	f, ok := fieldByName(fields, name)
	if !ok || f.value == nil {
		return condition[T]{}, fmt.Errorf("cannot filter on field %q", name)
	}
	c := condition[T]{get: f.value, kind: f.kind, op: op}
	if f.kind == kindBool && op != ":" && op != "!:" {
		return condition[T]{}, fmt.Errorf("operator %q does not apply to boolean field %q", op, name)
	}
	for _, v := range splitOutsideQuotes(rest[len(op):], "|") {
		v = unquote(strings.TrimSpace(v))
		o := operand{text: strings.ToLower(v)}
		switch f.kind {
		case kindInt, kindIntList:
			num, err := strconv.ParseInt(v, 10, 64)
			if err != nil && op != "~" && op != "!~" {
				return condition[T]{}, fmt.Errorf("field %q needs a number, not %q", name, v)
			}
			o.num = num
		case kindBool:
			if o.text != "true" && o.text != "false" {
				return condition[T]{}, fmt.Errorf("field %q needs true or false, not %q", name, v)
			}
		}
		c.operands = append(c.operands, o)
	}
	return c, nil
}

func (c condition[T]) match(v any) bool {
	for _, o := range c.operands {
		if c.matchOne(v, o) {
			return true
		}
	}
	return false
}

func (c condition[T]) matchOne(v any, o operand) bool {
	switch x := v.(type) {
	case int64:
		return compareScalar(c.op, cmpInt(x, o.num), strconv.FormatInt(x, 10), o.text)
	case string:
		lx := strings.ToLower(x)
		return compareScalar(c.op, strings.Compare(lx, o.text), lx, o.text)
	case bool:
		eq := strconv.FormatBool(x) == o.text
		return eq == (c.op == ":")
	case []int64:
		return matchList(c.op, len(x), func(i int) bool {
			return compareScalar(positive(c.op), cmpInt(x[i], o.num), strconv.FormatInt(x[i], 10), o.text)
		})
	case []string:
		return matchList(c.op, len(x), func(i int) bool {
			lx := strings.ToLower(x[i])
			return compareScalar(positive(c.op), strings.Compare(lx, o.text), lx, o.text)
		})
	}
	return false
}

// matchList: positive operators need one matching element, negated ones need
// none (checked with the positive form).
func matchList(op string, n int, elem func(i int) bool) bool {
	found := false
	for i := range n {
		if elem(i) {
			found = true
			break
		}
	}
	if op == "!:" || op == "!~" {
		return !found
	}
	return found
}

func positive(op string) string {
	switch op {
	case "!:":
		return ":"
	case "!~":
		return "~"
	}
	return op
}

func compareScalar(op string, cmp int, text, operand string) bool {
	switch op {
	case ":":
		return cmp == 0
	case "!:":
		return cmp != 0
	case ">":
		return cmp > 0
	case "<":
		return cmp < 0
	case ">:":
		return cmp >= 0
	case "<:":
		return cmp <= 0
	case "~":
		return strings.Contains(text, operand)
	case "!~":
		return !strings.Contains(text, operand)
	}
	return false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isNameByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// splitOutsideQuotes splits s at every sep that is not inside double quotes.
func splitOutsideQuotes(s, sep string) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case !quoted && strings.HasPrefix(s[i:], sep):
			parts = append(parts, s[start:i])
			i += len(sep) - 1
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func fieldByName[T any](fields []field[T], name string) (field[T], bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field[T]{}, false
}
