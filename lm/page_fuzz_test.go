package lm

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// Seeds beyond these live in testdata/fuzz/<FuzzName>/: a real lmfake page,
// an HTML maintenance page, a v1 envelope, truncated JSON, ids as strings and
// nested garbage.

// FuzzUserPage feeds arbitrary bytes to the page reader the client uses for
// /setting/admins. Whatever the portal or a proxy sends, the reader must not
// panic, and every user it returns is either marked unreadable or fully
// read: a usable id, a username, status active or suspended, roles and
// groups known (non-nil).
func FuzzUserPage(f *testing.F) {
	f.Add([]byte(usersPage(2, 1, 2)))
	f.Add([]byte(`{"total":-1,"items":[]}`))
	for _, user := range []string{
		`{"id":"7","username":"a","status":"Active","roles":[{"id":"2"}],"adminGroupIds":[0,"3"],"note":"lmuh:exempt"}`,
		`{"id":7,"username":"a","status":"pending","roles":null,"adminGroupIds":null}`,
		`{"id":7,"username":"a","status":"SUSPENDED","roles":[],"adminGroupIds":[],"apiTokens":[{"accessId":null,"status":"2","lastUsedOn":"1700000000000"}]}`,
		`{"id":-1,"username":"a","status":"active"}`,
		`{"username":"a","status":"active","roles":[{"id":1,"name":"r"}],"adminGroupIds":[1]}`,
	} {
		f.Add([]byte(`{"total":1,"searchId":null,"items":[` + user + `]}`))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		users, total, err := parsePage(body, 0, parseUser)
		checkPage(t, body, len(users), total, err, func(t *testing.T) {
			for i, u := range users {
				checkUser(t, i, u)
			}
		}, func(prefix []byte) error {
			_, _, err := parsePage(prefix, 0, parseUser)
			return err
		})
	})
}

// FuzzGroupPage does the same for /setting/admin/groups; roles are read by
// the same parseNamed, so one target covers both.
func FuzzGroupPage(f *testing.F) {
	f.Add([]byte(`{"total":2,"searchId":null,"items":[{"id":1,"name":"Ungrouped"},{"id":8,"name":"Suspended"}]}`))
	f.Add([]byte(`{"total":1,"items":[{"id":"1","name":""}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		groups, total, err := parsePage(body, 0, parseGroup)
		checkPage(t, body, len(groups), total, err, func(t *testing.T) {
			for i, g := range groups {
				if g.ID < 0 || g.Name == "" {
					t.Errorf("group %d read as %+v: id must not be negative and the name non-empty", i, g)
				}
			}
		}, func(prefix []byte) error {
			_, _, err := parsePage(prefix, 0, parseGroup)
			return err
		})
	})
}

// checkPage holds the properties every list page shares; items checks the
// items of a page that was read, reparse reads a prefix of the body again.
func checkPage(t *testing.T, body []byte, n int, total int64, err error, items func(*testing.T), reparse func([]byte) error) {
	t.Helper()
	if err != nil {
		return
	}
	// gjson reads partial data out of broken JSON: such a page must never be
	// taken for a list.
	if !gjson.ValidBytes(body) {
		t.Fatalf("invalid JSON read as a page of %d items (total %d)", n, total)
	}
	if n > pageSize {
		t.Errorf("a page of %d items was read, more than the %d asked for", n, pageSize)
	}
	items(t)
	// A page cut short on the wire is an error wherever it was cut.
	trimmed := bytes.TrimRight(body, " \t\r\n")
	for _, cut := range []int{len(trimmed) - 1, len(trimmed) * 3 / 4, len(trimmed) / 2, len(trimmed) / 4, 1, 0} {
		if cut < 0 || cut >= len(trimmed) {
			continue
		}
		if reparse(trimmed[:cut]) == nil {
			t.Errorf("the page cut to its first %d of %d bytes was read without error: %q", cut, len(trimmed), trimmed[:cut])
		}
	}
}

// checkUser holds what every user returned must be: marked unreadable, or
// read in full.
func checkUser(t *testing.T, i int, u User) {
	t.Helper()
	if u.Unreadable != "" {
		if strings.ContainsAny(u.Unreadable, "\n\r") {
			t.Errorf("user %d: the reason %q is more than one line", i, u.Unreadable)
		}
		return
	}
	if u.ID <= 0 || u.Username == "" || (u.Status != StatusActive && u.Status != StatusSuspended) || u.Roles == nil || u.GroupIDs == nil {
		t.Errorf("user %d read as %+v: a readable user has a positive id, a username, status active or suspended, roles and groups", i, u)
	}
	for _, r := range u.Roles {
		if r.ID <= 0 {
			t.Errorf("user %d has role %+v without a positive id", i, r)
		}
	}
	for _, g := range u.GroupIDs {
		if g < 0 {
			t.Errorf("user %d has group %d", i, g)
		}
	}
}
