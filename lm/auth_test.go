package lm

import (
	"strings"
	"testing"
	"time"
)

// The worked example of /work/shared/lm-api/README.md.
const (
	exampleAccessID  = "J62te62B8u7WnCR846h6"
	exampleAccessKey = "{[G^PX=^Fg^32y9-x(-2Bg32vZ~^u-k4)8!9[0U^"
	exampleEpoch     = int64(1700000000000)
)

func TestSign(t *testing.T) {
	tests := []struct {
		name, verb, body, path, want string
	}{
		{
			name: "GET without body matches the worked example",
			verb: "GET", path: "/setting/admins",
			want: "NWUxMTYxMzQ2N2U3MDdmM2ZhMTZjMmVkNzNlY2ZhNjRkNTdlMmU2OGJhYzc3NTZkMWJhNjUzZWYwMDQ1YjhhNg==",
		},
		{
			name: "PATCH signs the exact body bytes",
			verb: "PATCH", body: `{"status":"suspended"}`, path: "/setting/admins/42",
			want: "NDU0MDFmMWZjZWUyYmM2Mzg2OGE1ODM4MTU0OTBlZjMwNTllMmJmOWFjYWJkNDRkZDJkOWJmNzZiZTg0MzZjMw==",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			got := Sign(exampleAccessKey, tt.verb, exampleEpoch, body, tt.path)
			if got != tt.want {
				t.Fatalf("Sign = %s, want %s", got, tt.want)
			}
			if len(got) != 88 {
				t.Errorf("signature has %d characters, want 88 (base64 of the hex text)", len(got))
			}
		})
	}
}

func TestSignIsNotBase64OfRawDigest(t *testing.T) {
	const rawVariant = "XhFhNGfnB/P6FsLtc+z6ZNV+Lmi6x3VtG6ZT7wBFuKY="
	if got := Sign(exampleAccessKey, "GET", exampleEpoch, nil, "/setting/admins"); got == rawVariant {
		t.Fatal("signature is base64 of the raw digest; LMv1 encodes the hex text")
	}
}

func TestSignDependsOnEveryPart(t *testing.T) {
	base := Sign(exampleAccessKey, "PATCH", exampleEpoch, []byte(`{"status":"suspended"}`), "/setting/admins/42")
	variants := map[string]string{
		"key":   Sign(exampleAccessKey+"x", "PATCH", exampleEpoch, []byte(`{"status":"suspended"}`), "/setting/admins/42"),
		"verb":  Sign(exampleAccessKey, "PUT", exampleEpoch, []byte(`{"status":"suspended"}`), "/setting/admins/42"),
		"epoch": Sign(exampleAccessKey, "PATCH", exampleEpoch+1, []byte(`{"status":"suspended"}`), "/setting/admins/42"),
		"body":  Sign(exampleAccessKey, "PATCH", exampleEpoch, []byte(`{"status":"active"}`), "/setting/admins/42"),
		"path":  Sign(exampleAccessKey, "PATCH", exampleEpoch, []byte(`{"status":"suspended"}`), "/setting/admins/43"),
	}
	for part, sig := range variants {
		if sig == base {
			t.Errorf("changing the %s does not change the signature", part)
		}
	}
}

func TestAuthorizationHeader(t *testing.T) {
	c, err := New(Config{
		BaseURL:  "https://acme.logicmonitor.com/santaba/rest",
		AccessID: exampleAccessID, AccessKey: exampleAccessKey,
		Now: func() time.Time { return time.UnixMilli(exampleEpoch) },
	})
	if err != nil {
		t.Fatal(err)
	}
	got := c.authorization("GET", "/setting/admins", nil)
	want := "LMv1 J62te62B8u7WnCR846h6:NWUxMTYxMzQ2N2U3MDdmM2ZhMTZjMmVkNzNlY2ZhNjRkNTdlMmU2OGJhYzc3NTZkMWJhNjUzZWYwMDQ1YjhhNg==:1700000000000"
	if got != want {
		t.Fatalf("Authorization = %s, want %s", got, want)
	}

	bc, err := New(Config{BaseURL: "https://acme.logicmonitor.com/santaba/rest", BearerToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	if got := bc.authorization("GET", "/setting/admins", nil); got != "Bearer tok" {
		t.Fatalf("bearer Authorization = %s", got)
	}
	if strings.Contains(bc.AccessID(), "tok") || bc.AccessID() != "" {
		t.Fatalf("AccessID with a bearer token = %q, want empty", bc.AccessID())
	}
}
