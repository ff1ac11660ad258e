// Package lm is a client for the parts of the LogicMonitor REST API v3 that
// user hygiene needs: users, user groups and roles. It signs requests (LMv1
// or bearer), pages lists and refuses lists that do not add up, paces itself
// from the rate-limit headers, retries what is safe to retry, and reports
// every other failure as a typed error that never carries a secret.
package lm

import (
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// Config configures a Client. BaseURL and exactly one credential are
// required; every other field has a safe default.
type Config struct {
	// BaseURL is the API base, e.g. https://acme.logicmonitor.com/santaba/rest;
	// see AccountBaseURL and ParseBaseURL.
	BaseURL string
	// AccessID and AccessKey are an LMv1 API token.
	AccessID, AccessKey string
	// BearerToken is used instead of an LMv1 token.
	BearerToken string
	// HTTPClient sends the requests; nil means a client with a 30 s timeout.
	// Redirects are never followed (see New), and a transport that skips TLS
	// verification is refused.
	HTTPClient *http.Client
	// Logger receives one debug line per HTTP attempt; nil discards.
	Logger *logrus.Entry
	// MaxRetries is how often one request is re-sent after a 429, a
	// 502/503/504 or a network error; 0 means 4 and a negative value none.
	MaxRetries int
	// RetryBaseDelay is the first backoff delay, doubled per retry up to 30 s,
	// with jitter; 0 means 1 s.
	RetryBaseDelay time.Duration
	// Now is the clock for the LMv1 epoch; nil means time.Now.
	Now func() time.Time
	// UserAgent is sent on every request; empty means "lm-user-hygiene".
	UserAgent string
}

const (
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 4
	defaultRetryDelay = time.Second
	maxRetryDelay     = 30 * time.Second
	defaultUserAgent  = "lm-user-hygiene"
)

// Client talks to one portal. It is safe for concurrent use.
type Client struct {
	base       string
	accessID   string
	accessKey  string
	bearer     string
	http       *http.Client
	log        *logrus.Entry
	maxRetries int
	retryDelay time.Duration
	now        func() time.Time
	userAgent  string
	limits     *limiter

	requests atomic.Int64
	retries  atomic.Int64
}

// Stats counts the HTTP traffic of a client: every attempt is a request, and
// every re-send of a request (after a 429, a 5xx or a network error) is also
// a retry.
type Stats struct {
	Requests, Retries int64
}

// New validates cfg and returns a client.
func New(cfg Config) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	hasLMv1 := cfg.AccessID != "" || cfg.AccessKey != ""
	hasBearer := cfg.BearerToken != ""
	switch {
	case hasLMv1 && hasBearer:
		return nil, errors.New("give either an LMv1 access id and key or a bearer token, not both")
	case hasLMv1 && cfg.AccessID == "":
		return nil, errors.New("LMv1 access id is empty: give the access id that belongs to the access key")
	case hasLMv1 && cfg.AccessKey == "":
		return nil, errors.New("LMv1 access key is empty: give the access key that belongs to the access id")
	case !hasLMv1 && !hasBearer:
		return nil, errors.New("no credentials: give an LMv1 access id and key, or a bearer token")
	}

	c := &Client{
		base:       base,
		accessID:   cfg.AccessID,
		accessKey:  cfg.AccessKey,
		bearer:     cfg.BearerToken,
		log:        cfg.Logger,
		maxRetries: cfg.MaxRetries,
		retryDelay: cfg.RetryBaseDelay,
		now:        cfg.Now,
		userAgent:  cfg.UserAgent,
		limits:     newLimiter(),
	}
	if c.log == nil {
		discard := logrus.New()
		discard.SetOutput(io.Discard)
		c.log = logrus.NewEntry(discard)
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = defaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.retryDelay <= 0 {
		c.retryDelay = defaultRetryDelay
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	c.http, err = httpClient(cfg.HTTPClient)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// httpClient returns a copy of hc (or a default client) that never follows a
// redirect: the Authorization header must not reach another host, and a
// portal API has no reason to redirect.
func httpClient(hc *http.Client) (*http.Client, error) {
	var out http.Client
	if hc != nil {
		out = *hc
	} else {
		out.Timeout = defaultTimeout
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			out.Transport = t.Clone()
		}
	}
	if t, ok := out.Transport.(*http.Transport); ok && t.TLSClientConfig != nil && t.TLSClientConfig.InsecureSkipVerify {
		return nil, errors.New("the HTTP client skips TLS certificate verification: refusing to send credentials over it")
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out, nil
}

// Stats returns the request and retry counts so far.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), Retries: c.retries.Load()}
}

// AccessID returns the LMv1 access id the client signs with ("" with a bearer
// token); it identifies the token's owner, whom the hygiene steps never
// suspend.
func (c *Client) AccessID() string { return c.accessID }
