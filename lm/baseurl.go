package lm

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// AccountBaseURL returns the API base of a portal on logicmonitor.com:
// "acme" gives https://acme.logicmonitor.com/santaba/rest.
func AccountBaseURL(account string) (string, error) {
	if account == "" {
		return "", errors.New(`account is empty: give the portal name, e.g. "acme" for acme.logicmonitor.com`)
	}
	if len(account) > 63 {
		return "", errors.New("account is longer than 63 characters: give only the portal name, e.g. \"acme\" for acme.logicmonitor.com")
	}
	for _, r := range account {
		if !isAccountRune(r) {
			// A dot, slash or colon usually means a host name or URL was given
			// where the portal name belongs.
			return "", fmt.Errorf("account may contain only letters, digits and '-', not %q: give only the portal name (\"acme\" for acme.logicmonitor.com), or a full base URL instead", r)
		}
	}
	if strings.HasPrefix(account, "-") || strings.HasSuffix(account, "-") {
		return "", errors.New("account must not begin or end with '-': give the portal name, e.g. \"acme\" for acme.logicmonitor.com")
	}
	return "https://" + account + ".logicmonitor.com/santaba/rest", nil
}

func isAccountRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-'
}

// ParseBaseURL validates a full API base URL (for GovCloud portals or a test
// portal) and returns it without a trailing '/'. It requires https except on
// a loopback host, where a local test portal has no certificate. The errors
// never repeat the URL, which could carry credentials in its user-info.
func ParseBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("base URL is empty: give e.g. https://acme.logicmonitor.com/santaba/rest")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("base URL is not a valid URL: give e.g. https://acme.logicmonitor.com/santaba/rest")
	}
	if u.User != nil {
		return "", errors.New("base URL must not contain a user name or password: remove the part before '@' and give the credentials as an access id and key")
	}
	if u.Opaque != "" || u.Host == "" {
		return "", errors.New("base URL has no host: give e.g. https://acme.logicmonitor.com/santaba/rest")
	}
	if u.RawQuery != "" || u.ForceQuery {
		return "", errors.New("base URL must not contain a query ('?…'): remove it")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return "", errors.New("base URL must not contain a fragment ('#…'): remove it")
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return "", fmt.Errorf("base URL must use https for host %s (plain http is allowed only on loopback)", u.Hostname())
		}
	default:
		return "", fmt.Errorf("base URL scheme %q is not supported: use https", u.Scheme)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
