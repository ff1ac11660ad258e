package lm

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// The error types below name the method and the resource path (never the
// query, which may carry a filter, and never a credential) so that a person
// reading one line on stderr knows which call failed and why.

// APIError is an answer from the portal that is neither success nor a
// condition the client retries away: a refused credential, a bad request, a
// missing resource, or a transient status that outlasted every retry.
type APIError struct {
	Method, Path string
	StatusCode   int
	// Code is the portal's errorCode (e.g. 1401); 0 when the body had none.
	Code    int
	Message string
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	if e.Code != 0 {
		return fmt.Sprintf("%s %s: HTTP %d (LM %d): %s", e.Method, e.Path, e.StatusCode, e.Code, msg)
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.StatusCode, msg)
}

// RateLimitError means the portal still refused the request with 429 after
// every retry, or waiting for the rate-limit window would outlast the
// context's deadline.
type RateLimitError struct {
	Method, Path string
	// Window is how long the portal asked the client to wait: the window it
	// announced (60 s when it announced none), or what was left of it.
	Window time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s %s: HTTP 429: rate limited by the portal (window %s); try again later or lower the request rate",
		e.Method, e.Path, e.Window)
}

// ResponseError means the portal answered with a body the client cannot
// trust: not JSON (an HTML page, a truncated body), the v1 envelope, or an
// item with a missing or mistyped required field. Nothing may be decided on
// such data.
type ResponseError struct {
	Method, Path string
	StatusCode   int
	Reason       string
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: unusable response: %s", e.Method, e.Path, e.StatusCode, e.Reason)
}

// PagingError means the pages of a list did not add up (duplicates, a total
// that changed, a count that differs from the total), even after the listing
// was restarted.
type PagingError struct {
	Path   string
	Reason string
}

func (e *PagingError) Error() string {
	return fmt.Sprintf("listing %s: pages do not add up: %s", e.Path, e.Reason)
}

// MismatchError means the portal accepted an update but answered with a state
// other than the one asked for.
type MismatchError struct {
	UserID int
	Reason string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("user %d: the portal did not apply the update as asked: %s", e.UserID, e.Reason)
}

// IsAuth reports whether err is the portal refusing the credentials or their
// permissions (HTTP 401 or 403).
func IsAuth(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden
}
