package lm

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/sirupsen/logrus"
	"github.com/tidwall/gjson"
)

// Bounds on what one answer may hold, so that a runaway body (a proxy's
// error stream, a portal bug) costs a collector a few MiB, never its memory.
// A page of 1000 users with the fields the client asks for is about 400 KB;
// whole user objects (read when a portal refuses fields=) run to a few KB
// each with tokens and a note, so 8 KiB a user, 8 MiB a page, leaves room
// to spare. A single user or group is one object of that kind. An answer
// over its bound is final: re-sending or re-reading would get the same.
const (
	maxPageBytes   = 8 << 20
	maxObjectBytes = 1 << 20
	// maxDepth bounds JSON nesting before any parser recurses into it: a
	// user page is 7 deep (page, items, user, roles, role, privileges,
	// privilege); a 12 MB run of brackets would otherwise exhaust the stack.
	maxDepth = 64
)

// isTLSFailure reports a certificate the client does not trust: the same
// certificate comes back on every re-send, so retrying only delays the error.
func isTLSFailure(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		hostname x509.HostnameError
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &hostname) || errors.As(err, &unknown) || errors.As(err, &invalid)
}

// HostNotFoundError is a portal host name that does not resolve: the name
// is wrong (a mistyped portal), which no re-send cures, so it is never
// retried. A resolver that cannot be reached is no answer and is retried.
type HostNotFoundError struct {
	Host string
}

func (e *HostNotFoundError) Error() string {
	return fmt.Sprintf("host %s was not found: check --account (or --base-url)", e.Host)
}

// hostNotFound reports a failed attempt as the host not found, or nil.
func hostNotFound(err error) *HostNotFoundError {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return &HostNotFoundError{Host: dns.Name}
	}
	return nil
}

// errBuild is a request that could not even be built; re-sending cannot help.
var errBuild = errors.New("cannot build the request")

// reply is one HTTP answer, read in full.
type reply struct {
	status   int
	header   http.Header
	body     []byte
	tooLarge bool
	limit    int64
}

// do sends one API request and returns the body of a 2xx answer, checked to
// be JSON in the v3 format. It paces itself from the rate-limit headers and
// re-sends after a 429, a 502/503/504 or a network error, up to maxRetries.
//
// Re-sending is safe for every request this client makes: GETs read, a
// PATCH carries the complete desired state of the fields it sets (sending it
// twice gives the same user), and a POST that created its group before the
// answer was lost is answered 409 on the re-send, which CreateGroup turns
// into the existing group. Other 4xx are final, and so is 500: the portal
// reports an internal error (1500) that a second identical request has no
// reason to cure.
//
// limit bounds the answer's body (maxPageBytes or maxObjectBytes).
func (c *Client) do(ctx context.Context, method, resourcePath string, query url.Values, body []byte, limit int64) ([]byte, error) {
	key := bucketKey(method, resourcePath)
	for attempt := 0; ; attempt++ {
		if err := c.waitForBucket(ctx, method, resourcePath, key); err != nil {
			return nil, err
		}
		if attempt > 0 {
			c.retries.Add(1)
		}
		rep, err := c.send(ctx, method, resourcePath, query, body, attempt, limit)
		if err != nil {
			if errors.Is(err, errBuild) || isTLSFailure(err) {
				return nil, fmt.Errorf("%s %s: %w", method, resourcePath, err)
			}
			if nf := hostNotFound(err); nf != nil {
				if u, err := url.Parse(c.base); err == nil && nf.Host == "" {
					nf.Host = u.Hostname()
				}
				return nil, nf
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s %s: %w", method, resourcePath, ctx.Err())
			}
			if attempt < c.maxRetries {
				if err := sleep(ctx, c.backoff(attempt)); err != nil {
					return nil, fmt.Errorf("%s %s: %w", method, resourcePath, err)
				}
				continue
			}
			return nil, fmt.Errorf("%s %s: gave up after %d attempts: %w", method, resourcePath, attempt+1, err)
		}

		ri := parseRateHeaders(rep.header)
		c.limits.observe(key, ri, time.Now())
		switch {
		case rep.status >= 200 && rep.status < 300:
			if err := c.checkBody(method, resourcePath, rep); err != nil {
				return nil, err
			}
			return rep.body, nil
		case rep.status == http.StatusTooManyRequests:
			window := defaultWindow
			if ri.HasWindow {
				window = ri.Window
			}
			if attempt >= c.maxRetries {
				return nil, &RateLimitError{Method: method, Path: resourcePath, Window: window}
			}
			wait := window
			if wait <= 0 {
				wait = c.backoff(attempt)
			}
			c.limits.block(key, time.Now().Add(wait))
		case isTransient(rep.status) && attempt < c.maxRetries:
			if err := sleep(ctx, c.backoff(attempt)); err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, resourcePath, err)
			}
		default:
			return nil, c.apiError(method, resourcePath, rep)
		}
	}
}

func isTransient(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// waitForBucket holds a request until its rate-limit bucket has room. A wait
// that would outlast the context's deadline fails at once: the run is better
// told "rate limited" now than "deadline exceeded" later.
func (c *Client) waitForBucket(ctx context.Context, method, resourcePath, key string) error {
	for {
		now := time.Now()
		d := c.limits.delay(key, now)
		if d <= 0 {
			return nil
		}
		if by, ok := sendBy(ctx); ok && now.Add(d).After(by) {
			return &NotSentError{Method: method, Path: resourcePath, Wait: d}
		}
		if deadline, ok := ctx.Deadline(); ok && now.Add(d).After(deadline) {
			return &RateLimitError{Method: method, Path: resourcePath, Window: d}
		}
		c.log.WithFields(logrus.Fields{"method": method, "path": resourcePath, "wait": d.Round(time.Millisecond)}).
			Debug("waiting for the rate-limit window")
		if err := sleep(ctx, d); err != nil {
			return fmt.Errorf("%s %s: waiting for the rate-limit window: %w", method, resourcePath, err)
		}
	}
}

// send makes one HTTP attempt. A returned error is a transport failure (no
// answer, or the answer broke off); every answer, whatever its status, is a
// reply.
func (c *Client) send(ctx context.Context, method, resourcePath string, query url.Values, body []byte, attempt int, limit int64) (reply, error) {
	target := c.base + resourcePath
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		// Only a malformed method or path gets here, never a portal condition.
		return reply{}, errBuild
	}
	req.Header.Set("X-Version", "3")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", c.authorization(method, resourcePath, body))

	start := time.Now()
	c.requests.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		c.logAttempt(method, resourcePath, 0, start, attempt)
		return reply{}, unwrapURLError(err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		// Announced too large: not worth a byte of memory.
		c.logAttempt(method, resourcePath, resp.StatusCode, start, attempt)
		return reply{status: resp.StatusCode, header: resp.Header, tooLarge: true, limit: limit}, nil
	}
	data, err := readBody(resp, limit)
	c.logAttempt(method, resourcePath, resp.StatusCode, start, attempt)
	if err != nil {
		return reply{}, fmt.Errorf("reading the answer (HTTP %d): %w", resp.StatusCode, unwrapURLError(err))
	}
	rep := reply{status: resp.StatusCode, header: resp.Header, body: data, limit: limit}
	if int64(len(data)) > limit {
		rep.body, rep.tooLarge = nil, true
	}
	return rep, nil
}

// readBody reads the whole answer, at most limit+1 bytes. A known length is
// read into one buffer of that size: a page of 1000 users is 300 KB, which
// io.ReadAll would reach through a dozen growing copies.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= limit {
		// MinRead more, so that reading up to the end needs no second buffer.
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	return buf.Bytes(), err
}

func (c *Client) logAttempt(method, resourcePath string, status int, start time.Time, attempt int) {
	c.log.WithFields(logrus.Fields{
		"method":   method,
		"path":     resourcePath,
		"status":   status,
		"duration": time.Since(start).Round(time.Millisecond),
		"attempt":  attempt + 1,
	}).Debug("api request")
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the full
// URL with its query.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// checkBody refuses a 2xx body that cannot be trusted. gjson reads partial
// data out of truncated JSON, so validity is checked before anything is read.
func (c *Client) checkBody(method, resourcePath string, rep reply) error {
	fail := func(reason string) error {
		return &ResponseError{Method: method, Path: resourcePath, StatusCode: rep.status, Reason: reason}
	}
	switch {
	case rep.tooLarge:
		return fail(fmt.Sprintf("body larger than %d KiB", rep.limit>>10))
	case len(bytes.TrimSpace(rep.body)) != 0 && isHTML(rep):
		return fail(htmlAnswer)
	}
	if reason := bodyProblem(rep.body); reason != "" {
		return fail(reason)
	}
	return nil
}

const htmlAnswer = "the portal answered with an HTML page instead of JSON (maintenance page or proxy?)"

// bodyProblem says why a JSON body cannot be trusted, from the body alone, or
// returns "". The page reader repeats it so that it never depends on its
// caller having checked.
func bodyProblem(body []byte) string {
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return "empty body where JSON was expected"
	case htmlBody(body):
		return htmlAnswer
	case tooDeep(body):
		return fmt.Sprintf("JSON nested more than %d deep", maxDepth)
	case !gjson.ValidBytes(body):
		return "body is not valid JSON (truncated?)"
	}
	top := gjson.Parse(jsonText(body))
	if !top.IsObject() {
		return "body is JSON but not an object"
	}
	if top.Get("data").Exists() && top.Get("status").Exists() && !top.Get("items").Exists() {
		return "the portal answered in the v1 format ({status, errmsg, data}); the X-Version: 3 header did not reach it (a proxy may strip it)"
	}
	return ""
}

// jsonText is body as a string for gjson, without the copy that
// gjson.ParseBytes makes: a list page is read three times (checked here,
// checked again and read by parsePage), and copying a page of 1,000 users
// each time was a third of all a run allocated. It is safe because a body
// is never written once read (readBody's buffer is the body's alone), and
// the strings the client keeps are copied out of it (decoder.str,
// decoder.shared), as they were out of gjson's copy.
func jsonText(body []byte) string {
	return unsafe.String(unsafe.SliceData(body), len(body))
}

func isHTML(rep reply) bool {
	return strings.Contains(strings.ToLower(rep.header.Get("Content-Type")), "text/html") || htmlBody(rep.body)
}

func htmlBody(body []byte) bool {
	head := strings.ToLower(string(bytes.TrimSpace(body[:min(len(body), 512)])))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html")
}

// apiError turns a final non-2xx answer into an *APIError, with the portal's
// errorMessage and errorCode when the body is the v3 error envelope.
func (c *Client) apiError(method, resourcePath string, rep reply) *APIError {
	e := &APIError{Method: method, Path: resourcePath, StatusCode: rep.status}
	switch {
	case rep.status >= 300 && rep.status < 400:
		// The target is not repeated: it is the redirecting server's text.
		e.Message = "the portal answered with a redirect, which is not followed: check the base URL"
		return e
	case rep.tooLarge:
		e.Message = "error body too large to read"
		return e
	case isHTML(rep):
		e.Message = "HTML page instead of a JSON error"
		return e
	case !gjson.ValidBytes(rep.body):
		return e
	}
	top := gjson.ParseBytes(rep.body)
	if m := top.Get("errorMessage"); m.Type == gjson.String {
		e.Message = c.redact(m.String())
	}
	if code := top.Get("errorCode"); code.Type == gjson.Number {
		e.Code = int(code.Int())
	}
	return e
}

// redact keeps a portal message to one short line and removes the client's
// own credentials from it, should a portal or proxy ever echo them.
func (c *Client) redact(msg string) string {
	for _, secret := range []string{c.accessKey, c.bearer} {
		for _, form := range SecretForms(secret) {
			msg = strings.ReplaceAll(msg, form, "[redacted]")
		}
	}
	msg = strings.Join(strings.Fields(msg), " ")
	const maxLen = 300
	if len(msg) > maxLen {
		msg = strings.ToValidUTF8(msg[:maxLen], "") + "…"
	}
	return msg
}

// SecretForms returns the ways secret can be written in text a portal, a
// proxy or a log repeats: as it is, URL-escaped, base64 (padded or not,
// standard or URL alphabet) and JSON-escaped, longest first so that a form
// is replaced before a shorter one inside it. Secrets shorter than 4
// characters give none: replacing them would garble the text around.
func SecretForms(secret string) []string {
	if len(secret) < 4 {
		return nil
	}
	quoted, _ := json.Marshal(secret)
	b := []byte(secret)
	forms := []string{
		secret,
		url.QueryEscape(secret),
		url.PathEscape(secret),
		base64.StdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
		strings.Trim(string(quoted), `"`),
	}
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(forms)
}

// backoff returns the delay before re-send number attempt+1: the base delay
// doubled per attempt, capped, with jitter so that concurrent clients spread
// out instead of retrying in step.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.retryDelay
	for i := 0; i < attempt && d < maxRetryDelay; i++ {
		d *= 2
	}
	d = min(d, maxRetryDelay)
	half := d / 2
	return half + rand.N(half+1)
}

// sleep waits for d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// tooDeep reports JSON nested deeper than maxDepth, in one pass over the
// bytes that skips strings, without parsing: it runs before the validator,
// whose recursion a deep enough body would overflow.
func tooDeep(body []byte) bool {
	depth, inString, escaped := 0, false, false
	for _, b := range body {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
		case b == '"':
			inString = true
		case b == '[' || b == '{':
			if depth++; depth > maxDepth {
				return true
			}
		case b == ']' || b == '}':
			depth--
		}
	}
	return false
}
