package lm

import (
	"strings"
	"testing"
)

func TestAccountBaseURL(t *testing.T) {
	tests := []struct {
		name, account, want, errHas string
	}{
		{name: "builds the logicmonitor.com base from a portal name", account: "acme", want: "https://acme.logicmonitor.com/santaba/rest"},
		{name: "accepts digits and dashes", account: "acme-2", want: "https://acme-2.logicmonitor.com/santaba/rest"},
		{name: "refuses an empty account", account: "", errHas: "empty"},
		{name: "refuses a host name", account: "acme.logicmonitor.com", errHas: "'.'"},
		{name: "refuses a URL", account: "https://acme", errHas: "':'"},
		{name: "refuses spaces", account: "ac me", errHas: "' '"},
		{name: "refuses a leading dash", account: "-acme", errHas: "begin or end"},
		{name: "refuses an overlong name", account: strings.Repeat("a", 64), errHas: "63"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AccountBaseURL(tt.account)
			if tt.errHas != "" {
				if err == nil {
					t.Fatalf("AccountBaseURL(%q) = %q, want an error", tt.account, got)
				}
				if !strings.Contains(err.Error(), tt.errHas) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %q should be one line mentioning %q", err, tt.errHas)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("AccountBaseURL(%q) = %q, %v; want %q", tt.account, got, err, tt.want)
			}
		})
	}
}

func TestParseBaseURL(t *testing.T) {
	const secret = "hunter2-SECRET"
	tests := []struct {
		name, raw, want string
		wantErr         bool
	}{
		{name: "accepts https", raw: "https://acme.logicmonitor.com/santaba/rest", want: "https://acme.logicmonitor.com/santaba/rest"},
		{name: "accepts GovCloud", raw: "https://acme.lmgov.us/santaba/rest", want: "https://acme.lmgov.us/santaba/rest"},
		{name: "trims trailing slashes", raw: "https://acme.logicmonitor.com/santaba/rest//", want: "https://acme.logicmonitor.com/santaba/rest"},
		{name: "allows http to 127.0.0.1", raw: "http://127.0.0.1:8080/santaba/rest", want: "http://127.0.0.1:8080/santaba/rest"},
		{name: "allows http to anywhere in 127/8", raw: "http://127.1.2.3/santaba/rest", want: "http://127.1.2.3/santaba/rest"},
		{name: "allows http to ::1", raw: "http://[::1]:9/santaba/rest", want: "http://[::1]:9/santaba/rest"},
		{name: "allows http to localhost", raw: "http://localhost:9/santaba/rest", want: "http://localhost:9/santaba/rest"},
		{name: "refuses http to a non-loopback host", raw: "http://acme.logicmonitor.com/santaba/rest", wantErr: true},
		{name: "refuses http to a private address", raw: "http://10.0.0.1/santaba/rest", wantErr: true},
		{name: "refuses http to a name that only starts like localhost", raw: "http://localhost.evil.com/santaba/rest", wantErr: true},
		{name: "refuses other schemes", raw: "ftp://acme.logicmonitor.com/santaba/rest", wantErr: true},
		{name: "refuses user-info", raw: "https://admin:" + secret + "@acme.logicmonitor.com/santaba/rest", wantErr: true},
		{name: "refuses user-info on a malformed URL without echoing it", raw: "https://admin:" + secret + "@acme.logicmonitor.com:badport/x", wantErr: true},
		{name: "refuses a query", raw: "https://acme.logicmonitor.com/santaba/rest?v=3", wantErr: true},
		{name: "refuses an empty query", raw: "https://acme.logicmonitor.com/santaba/rest?", wantErr: true},
		{name: "refuses a fragment", raw: "https://acme.logicmonitor.com/santaba/rest#x", wantErr: true},
		{name: "refuses a missing host", raw: "https:///santaba/rest", wantErr: true},
		{name: "refuses a bare name", raw: "acme", wantErr: true},
		{name: "refuses empty", raw: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBaseURL(tt.raw)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseBaseURL(%q) = %q, want an error", tt.raw, got)
				}
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error repeats the user-info: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseBaseURL(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		})
	}
}
