package lm

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// decoder reads typed fields out of one JSON object and keeps the first
// problem. It checks each value's JSON type itself because gjson's Int and
// String coerce: a null id would read as 0 and a string "42" as 42.
type decoder struct {
	err error
	// where prefixes field names in errors while an array element is read,
	// e.g. "roles[2].".
	where string
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

// field returns the named field, or false when it is absent or null and not
// required (an optional field the portal left out reads as its zero value).
func (d *decoder) field(obj gjson.Result, name string, required bool) (gjson.Result, bool) {
	v := obj.Get(gjson.Escape(name))
	if v.Exists() && v.Type != gjson.Null {
		return v, true
	}
	if required {
		d.fail("%s%s is missing", d.where, name)
	}
	return v, false
}

func (d *decoder) int(obj gjson.Result, name string, required bool) int64 {
	v, ok := d.field(obj, name, required)
	if !ok {
		return 0
	}
	return d.intValue(v, d.where+name)
}

// intValue reads v itself as an integer; what names it in the error.
func (d *decoder) intValue(v gjson.Result, what string) int64 {
	if v.Type != gjson.Number {
		d.fail("%s is %s, not a number", what, jsonType(v))
		return 0
	}
	n, err := strconv.ParseInt(v.Raw, 10, 64)
	if err != nil {
		d.fail("%s is not an integer", what)
		return 0
	}
	return n
}

// id reads a required, positive identifier.
func (d *decoder) id(obj gjson.Result, name string) int {
	n := d.int(obj, name, true)
	if d.err == nil && n <= 0 {
		d.fail("%s%s is %d, not a positive id", d.where, name, n)
	}
	return int(n)
}

func (d *decoder) str(obj gjson.Result, name string, required bool) string {
	v, ok := d.field(obj, name, required)
	if !ok {
		return ""
	}
	if v.Type != gjson.String {
		d.fail("%s%s is %s, not a string", d.where, name, jsonType(v))
		return ""
	}
	return v.Str
}

func (d *decoder) bool(obj gjson.Result, name string) bool {
	v, ok := d.field(obj, name, false)
	if !ok {
		return false
	}
	if v.Type != gjson.True && v.Type != gjson.False {
		d.fail("%s%s is %s, not true or false", d.where, name, jsonType(v))
		return false
	}
	return v.Type == gjson.True
}

// array calls each for every element of an optional array field; errors
// raised while reading an element name it, e.g. "roles[2].name".
func (d *decoder) array(obj gjson.Result, name string, each func(elem gjson.Result)) {
	v, ok := d.field(obj, name, false)
	if !ok {
		return
	}
	if !v.IsArray() {
		d.fail("%s%s is %s, not an array", d.where, name, jsonType(v))
		return
	}
	outer := d.where
	defer func() { d.where = outer }()
	for i, elem := range v.Array() {
		if d.err != nil {
			return
		}
		d.where = fmt.Sprintf("%s%s[%d].", outer, name, i)
		each(elem)
	}
}

// object checks that v is a JSON object; what names it in the error.
func (d *decoder) object(v gjson.Result, what string) bool {
	if !v.IsObject() {
		d.fail("%s is %s, not an object", what, jsonType(v))
		return false
	}
	return true
}

// element names the array element being read, for errors about the element
// itself rather than one of its fields.
func (d *decoder) element() string {
	return strings.TrimSuffix(d.where, ".")
}

func jsonType(v gjson.Result) string {
	switch {
	case !v.Exists():
		return "missing"
	case v.IsObject():
		return "an object"
	case v.IsArray():
		return "an array"
	}
	switch v.Type {
	case gjson.Null:
		return "null"
	case gjson.True, gjson.False:
		return "a boolean"
	case gjson.Number:
		return "a number"
	case gjson.String:
		return "a string"
	}
	return "unreadable"
}
