package lm

import (
	"fmt"
	"strings"
	"testing"
)

// benchPage is a page of 1000 users shaped as the portal sends them with the
// client's fields: the decoder's cost per page is what a 50,000-user run pays
// fifty times.
func benchPage() []byte {
	var b strings.Builder
	b.WriteString(`{"total":50000,"searchId":null,"items":[`)
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"username":"user%05d@example.com","status":"active","apionly":false,"createdBy":"SAML",`+
			`"roles":[{"id":2,"name":"readonly","privileges":[]}],"adminGroupIds":[3,%d],"lastLoginOn":1700000000,`+
			`"lastActionOn":1700000100,"lastAccessOn":0,"apiTokens":[{"id":%d,"accessId":"abc%d","status":2,"lastUsedOn":0,"createdOn":0}],"note":""}`,
			i+1, i, 10+i%7, i, i)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func BenchmarkParseUserPage(b *testing.B) {
	body := benchPage()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		users, _, err := parsePage(body, 0, parseUser)
		if err != nil || len(users) != 1000 {
			b.Fatal(err, len(users))
		}
	}
}
