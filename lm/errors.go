package lm

import (
	"context"
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

// MismatchError means the portal accepted an update but has the user in a
// state other than the one asked for.
type MismatchError struct {
	UserID int
	Reason string
	// User is the user as the portal has it, for the run to show.
	User User
	// Merged is set when the portal's groups are the groups before the
	// update together with the ones asked: it merges adminGroupIds.
	Merged bool
	// Ignored is set when the portal's groups are the groups before the
	// update although other groups were asked: it ignores adminGroupIds.
	Ignored bool
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("user %d: the portal did not apply the update as asked: %s", e.UserID, e.Reason)
}

// IsMergedGroups reports whether err shows that the portal merged a PATCH's
// adminGroupIds into the user's groups instead of replacing them. No further
// change may start: each would leave users in groups they should leave.
func IsMergedGroups(err error) bool {
	var me *MismatchError
	return errors.As(err, &me) && me.Merged
}

// IsIgnoredGroups reports whether err shows that the portal left a user's
// groups as they were although a PATCH asked for others: it ignores
// adminGroupIds (and may still apply the status). No further change may
// start: each would leave one more user suspended but not moved.
func IsIgnoredGroups(err error) bool {
	var me *MismatchError
	return errors.As(err, &me) && me.Ignored
}

// NotSentError means a request was not sent (or, after a 429, not sent
// again) because the rate-limit window it had to wait for stays closed past
// the send-by time in its context: nothing was changed, and the change can
// be made by the next run.
type NotSentError struct {
	Method, Path string
	// Wait is how long the window stays closed.
	Wait time.Duration
}

func (e *NotSentError) Error() string {
	return fmt.Sprintf("%s %s: not sent: the rate-limit window stays closed for %s, past the time to send by",
		e.Method, e.Path, e.Wait.Round(time.Millisecond))
}

// IsNotSent reports whether err means the request was not made because of
// a rate-limit window closed past the send-by time (see WithSendBy).
func IsNotSent(err error) bool {
	var ns *NotSentError
	return errors.As(err, &ns)
}

type sendByKey struct{}

// WithSendBy returns a context under which a request that would have to wait
// for a closed rate-limit window (from X-Rate-Limit-* or after a 429) past t
// is not sent, and fails at once with an error for which IsNotSent is true.
func WithSendBy(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, sendByKey{}, t)
}

func sendBy(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(sendByKey{}).(time.Time)
	return t, ok
}

// Refusal is what a portal's refusal of a request means for a run. It is
// the one place that reads a 401, a 403 or a 400: the run's reads, its
// writes and check all ask RefusalOf.
type Refusal int

const (
	// NotRefused is any other outcome: success, another status, no answer.
	NotRefused Refusal = iota
	// RefusedCredential (401): the portal refuses the credentials; no
	// further request can succeed.
	RefusedCredential
	// RefusedPermission (403): the token may not do this. On one user's
	// PATCH it is that user's error; several in a row mean the token may no
	// longer manage users.
	RefusedPermission
	// RefusedRequest (400): the portal refuses what was sent. On one user's
	// PATCH it is that user's error; several in a row mean the portal wants
	// another body than the tool sends.
	RefusedRequest
)

// RefusalOf says what err means as a refusal; NotRefused when it is none.
func RefusalOf(err error) Refusal {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return NotRefused
	}
	switch apiErr.StatusCode {
	case http.StatusUnauthorized:
		return RefusedCredential
	case http.StatusForbidden:
		return RefusedPermission
	case http.StatusBadRequest:
		return RefusedRequest
	}
	return NotRefused
}

// CountsInARow reports a refusal that is one user's error alone but, repeated
// on consecutive PATCHes, stops a run (see RefusalsInARow).
func (r Refusal) CountsInARow() bool { return r == RefusedPermission || r == RefusedRequest }

// RefusalsInARow is how many PATCHes in a row answered 400 or 403 (one count)
// stop a run: the token has lost the right to manage users, or the portal
// refuses what the tool sends.
const RefusalsInARow = 3

// Hint is what the admin should check after the refusal, "" for none.
func (r Refusal) Hint() string {
	switch r {
	case RefusedCredential:
		return "authentication failed: check the access id and access key (or the bearer token), " +
			"that the token is enabled, and for an LMv1 token that this machine's clock is right (the portal allows 30 minutes of skew)"
	case RefusedPermission:
		return "the token lacks a permission: check that its user's role may view and manage users and user groups"
	case RefusedRequest:
		return "the portal refuses the request as sent"
	}
	return ""
}

// WithHint adds to a refused read what the admin should check: the portal's
// own message only says that it refused. Other errors are returned as they
// are.
func WithHint(err error) error {
	switch r := RefusalOf(err); r {
	case RefusedCredential, RefusedPermission:
		return fmt.Errorf("%w; %s", err, r.Hint())
	}
	return err
}
