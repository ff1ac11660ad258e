package lm

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestParsedUsersDoNotHoldThePage: users outlive their page, so nothing read
// may point into the body (or into a copy of it), or every page of a large
// portal stays in memory as long as its users do.
func TestParsedUsersDoNotHoldThePage(t *testing.T) {
	// 1000 users with 4 KB each of a field the client ignores: a 4 MB page.
	// (Not the note, which the client keeps.)
	var b strings.Builder
	b.WriteString(`{"total":1000,"items":[`)
	pad := strings.Repeat("p", 4096)
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"username":"user%d@example.com","status":"active","createdBy":"SAML","description":"%s",`+
			`"roles":[{"id":2,"name":"readonly"}],"adminGroupIds":[3],"apiTokens":[{"accessId":"abc%d","status":2}]}`, i+1, i, pad, i)
	}
	b.WriteString("]}")
	body := []byte(b.String())
	b.Reset()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	users, _, err := parsePage(body, 0, parseUser)
	if err != nil || len(users) != 1000 {
		t.Fatalf("parsePage: %v, %d users", err, len(users))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// The users themselves take about 200 KB; a page, or a copy of it, 4 MB.
	if held := int64(after.HeapAlloc) - int64(before.HeapAlloc); held > 1<<20 {
		t.Errorf("1000 parsed users hold %d KB: they keep their page alive", held>>10)
	}
	runtime.KeepAlive(body)
	runtime.KeepAlive(users)
}

// TestDecoderLookup: finding fields in one pass over an object reads them as
// gjson's own lookup does.
func TestDecoderLookup(t *testing.T) {
	var many strings.Builder
	many.WriteString("{")
	for i := range 20 {
		fmt.Fprintf(&many, `"f%d":%d,`, i, i)
	}
	many.WriteString(`"last":"yes"}`)
	for _, tc := range []struct {
		name, obj, field, want string
	}{
		{"a field past the sixteenth member is found", many.String(), "f19", "19"},
		{"the last of many members is found", many.String(), "last", `"yes"`},
		{"the first of a repeated name wins", `{"id":1,"id":2}`, "id", "1"},
		{"a name with path characters is a plain name", `{"a.b":1,"a":{"b":2}}`, "a.b", "1"},
		{"an escaped key matches its text", `{"user\u006eame":"x"}`, "username", `"x"`},
		{"a missing field is absent", `{"id":1}`, "name", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d decoder
			obj := gjson.Parse(tc.obj)
			if got := d.lookup(obj, tc.field).Raw; got != tc.want {
				t.Errorf("lookup %q = %q, want %q", tc.field, got, tc.want)
			}
			if got := obj.Get(gjson.Escape(tc.field)).Raw; got != tc.want {
				t.Errorf("gjson reads %q as %q, the test expects %q", tc.field, got, tc.want)
			}
			// A second object read by the same decoder is not answered from the first.
			if got := d.lookup(gjson.Parse(`{"other":0}`), tc.field).Raw; got != "" {
				t.Errorf("after another object, lookup %q = %q", tc.field, got)
			}
		})
	}
}

// TestRolePrivileges: a role's privileges are read tolerantly, as the
// swagger's Privilege; they never stop the role list.
func TestRolePrivileges(t *testing.T) {
	for _, tc := range []struct {
		name, role string
		want       []Privilege
	}{
		{"privileges are read as the swagger writes them",
			`{"id":1,"name":"administrator","privileges":[{"objectType":"setting","objectId":"*","objectName":"*","operation":"write","subOperation":""}]}`,
			[]Privilege{{ObjectType: "setting", ObjectID: "*", Operation: "write"}}},
		{"a role without the field has unknown privileges", `{"id":1,"name":"a"}`, nil},
		{"privileges null are unknown", `{"id":1,"name":"a","privileges":null}`, nil},
		{"an empty list is no privilege", `{"id":1,"name":"a","privileges":[]}`, []Privilege{}},
		{"an objectId given as a number is read", `{"id":1,"name":"a","privileges":[{"objectType":"host_group","objectId":12,"operation":"read"}]}`,
			[]Privilege{{ObjectType: "host_group", ObjectID: "12", Operation: "read"}}},
		{"a privilege that cannot be read is left out", `{"id":1,"name":"a","privileges":[7,{"objectType":"setting","operation":"write"},` +
			`{"objectType":"setting","objectId":"useraccess.*","operation":"write"}]}`,
			[]Privilege{{ObjectType: "setting", ObjectID: "useraccess.*", Operation: "write"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseRole(gjson.Parse(tc.role))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%#v", r.Privileges) != fmt.Sprintf("%#v", tc.want) {
				t.Errorf("privileges = %#v, want %#v", r.Privileges, tc.want)
			}
		})
	}
}
