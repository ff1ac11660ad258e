package lm

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// unresolvable is a transport for a host name no resolver knows: each dial
// fails as the resolver says "no such host", and is counted. No name is
// looked up.
func unresolvable(dials *atomic.Int64, notFound bool) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
			dials.Add(1)
			host, _, _ := net.SplitHostPort(addr)
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{
				Err: "no such host", Name: host, IsNotFound: notFound, IsTemporary: !notFound,
			}}
		},
	}}
}

func TestHostNotFoundFailsAtOnce(t *testing.T) {
	var dials atomic.Int64
	c, err := New(Config{
		BaseURL: "https://acme-typo.logicmonitor.com/santaba/rest", AccessID: "id", AccessKey: testKey,
		HTTPClient: unresolvable(&dials, true), RetryBaseDelay: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users(context.Background())
	var nf *HostNotFoundError
	if !errors.As(err, &nf) || nf.Host != "acme-typo.logicmonitor.com" {
		t.Fatalf("error %v, want the host not found", err)
	}
	for _, want := range []string{"host acme-typo.logicmonitor.com was not found", "check --account (or --base-url)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d attempts: a name that does not resolve is not retried", n)
	}
	if st := c.Stats(); st.Retries != 0 {
		t.Errorf("%d retries", st.Retries)
	}
}

// A resolver that cannot answer now is a network failure like any other:
// retried.
func TestResolverFailureIsRetried(t *testing.T) {
	var dials atomic.Int64
	c, err := New(Config{
		BaseURL: "https://acme.logicmonitor.com/santaba/rest", AccessID: "id", AccessKey: testKey,
		HTTPClient: unresolvable(&dials, false), RetryBaseDelay: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users(context.Background())
	var nf *HostNotFoundError
	if err == nil || errors.As(err, &nf) {
		t.Fatalf("error %v, want a network failure", err)
	}
	if n := dials.Load(); n < 2 {
		t.Errorf("%d attempts: a resolver failure is retried", n)
	}
}
