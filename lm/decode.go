package lm

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unique"

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

	// The members of the object read last, found in one pass over it: a
	// gjson lookup scans the object from its start, once per field, and
	// users have a dozen fields. The first members sit in the decoder
	// itself, which lives on its reader's stack.
	membersOf string
	members   [16]member
	nMembers  int
	more      []member
}

type member struct {
	key   string
	value gjson.Result
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

// failHeld records a field that cannot be read, as "<field> <what it held>",
// e.g. `status "pending"`, `roles null`, `id absent`.
func (d *decoder) failHeld(name string, v gjson.Result) {
	if d.err == nil {
		d.err = errors.New(d.where + name + " " + held(v))
	}
}

// held says what a JSON value was, short enough for one log line: absent,
// null, a quoted string (cut at 40 bytes), a number or boolean as written,
// or "an object" / "an array".
func held(v gjson.Result) string {
	const maxShown = 40
	switch {
	case !v.Exists():
		return "absent"
	case v.IsObject():
		return "an object"
	case v.IsArray():
		return "an array"
	}
	switch v.Type {
	case gjson.Null:
		return "null"
	case gjson.String:
		s := v.Str
		if len(s) > maxShown {
			return strconv.Quote(strings.ToValidUTF8(s[:maxShown], "")) + "…"
		}
		return strconv.Quote(s)
	}
	raw := v.Raw
	if len(raw) > maxShown {
		raw = raw[:maxShown] + "…"
	}
	return raw
}

// field returns the named field, or false when it is absent or null and not
// required (an optional field the portal left out reads as its zero value).
func (d *decoder) field(obj gjson.Result, name string, required bool) (gjson.Result, bool) {
	v := d.lookup(obj, name)
	if v.Exists() && v.Type != gjson.Null {
		return v, true
	}
	if required {
		d.failHeld(name, v)
	}
	return v, false
}

// lookup returns the member of obj called name (the first, if the name is
// repeated), as obj.Get(gjson.Escape(name)) does.
func (d *decoder) lookup(obj gjson.Result, name string) gjson.Result {
	if !obj.IsObject() {
		return obj.Get(gjson.Escape(name))
	}
	if obj.Raw != d.membersOf {
		d.membersOf, d.nMembers, d.more = obj.Raw, 0, d.more[:0]
		obj.ForEach(func(key, value gjson.Result) bool {
			if d.nMembers < len(d.members) {
				d.members[d.nMembers] = member{key.Str, value}
				d.nMembers++
			} else {
				d.more = append(d.more, member{key.Str, value})
			}
			return true
		})
	}
	for i := range d.nMembers {
		if d.members[i].key == name {
			return d.members[i].value
		}
	}
	for _, m := range d.more {
		if m.key == name {
			return m.value
		}
	}
	return gjson.Result{}
}

// int reads an integer field. Portals write ids, timestamps and token
// status as JSON numbers or as all-digit strings ("42"); both read the same.
// Anything else (a fraction, an exponent, a sign in a string, text) fails.
func (d *decoder) int(obj gjson.Result, name string, required bool) int64 {
	v, ok := d.field(obj, name, required)
	if !ok {
		return 0
	}
	if n, ok := integer(v); ok {
		return n
	}
	d.failHeld(name, v)
	return 0
}

// integer reads v as an integer: a JSON integer, or a string of digits.
func integer(v gjson.Result) (int64, bool) {
	switch v.Type {
	case gjson.Number:
		n, err := strconv.ParseInt(v.Raw, 10, 64)
		return n, err == nil
	case gjson.String:
		if !isDigits(v.Str) {
			return 0, false
		}
		n, err := strconv.ParseInt(v.Str, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// intValue reads v itself (an array element) as an integer; what names it.
func (d *decoder) intValue(v gjson.Result, what string) (int64, bool) {
	n, ok := integer(v)
	if !ok && d.err == nil {
		d.err = errors.New(what + " " + held(v))
	}
	return n, ok
}

// elementObject checks that an array element is an object, naming it and
// what it held otherwise.
func (d *decoder) elementObject(v gjson.Result) bool {
	if !v.IsObject() && d.err == nil {
		d.err = errors.New(d.element() + " " + held(v))
	}
	return v.IsObject()
}

// id reads a required identifier of at least least (0 for users and groups,
// whose id 0 is an id like any other; 1 for roles), and reports whether it
// was usable: a failed id reads as 0, which is itself an id, so the caller
// must say its absence some other way.
func (d *decoder) id(obj gjson.Result, name string, least int64) (int, bool) {
	v, ok := d.field(obj, name, true)
	if !ok {
		return 0, false
	}
	n, ok := integer(v)
	if !ok || n < least || n > math.MaxInt32 {
		d.failHeld(name, v)
		return 0, false
	}
	return int(n), true
}

// str reads a string field. The value is copied out of the page: gjson hands
// out substrings of the body, and one kept username would keep the whole
// page alive, which at 50,000 users is every page of the list.
func (d *decoder) str(obj gjson.Result, name string, required bool) string {
	v, ok := d.strValue(obj, name, required)
	if !ok {
		return ""
	}
	return strings.Clone(v)
}

// shared reads a string field that many objects hold the same (a role name,
// who created the user): each distinct value is stored once.
func (d *decoder) shared(obj gjson.Result, name string, required bool) string {
	v, ok := d.strValue(obj, name, required)
	if !ok {
		return ""
	}
	return unique.Make(v).Value()
}

// strValue returns the field's text, still pointing into the page.
func (d *decoder) strValue(obj gjson.Result, name string, required bool) (string, bool) {
	v, ok := d.field(obj, name, required)
	if !ok {
		return "", false
	}
	if v.Type != gjson.String {
		d.failHeld(name, v)
		return "", false
	}
	return v.Str, true
}

func (d *decoder) bool(obj gjson.Result, name string) bool {
	v, ok := d.field(obj, name, false)
	if !ok {
		return false
	}
	if v.Type != gjson.True && v.Type != gjson.False {
		d.failHeld(name, v)
		return false
	}
	return v.Type == gjson.True
}

// array calls each for every element of an array field and reports whether
// the whole field was read. A required field that is absent or null fails,
// as does a present field that is not an array or an element that cannot be
// read; errors raised while reading an element name it, e.g.
// "roles[2].name". An earlier field's failure does not stop this one from
// being read, and the first failure stays the one reported.
func (d *decoder) array(obj gjson.Result, name string, required bool, each func(elem gjson.Result)) bool {
	earlier := d.err
	d.err = nil
	defer func() {
		if earlier != nil {
			d.err = earlier
		}
	}()
	v, ok := d.field(obj, name, required)
	if !ok {
		return d.err == nil
	}
	if !v.IsArray() {
		d.failHeld(name, v)
		return false
	}
	outer := d.where
	defer func() { d.where = outer }()
	i := 0
	v.ForEach(func(_, elem gjson.Result) bool {
		d.where = outer + name + "[" + strconv.Itoa(i) + "]."
		i++
		each(elem)
		return d.err == nil
	})
	return d.err == nil
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
