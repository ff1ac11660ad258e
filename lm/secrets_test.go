package lm

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func assertNoSecret(t *testing.T, text string) {
	t.Helper()
	for _, secret := range []string{testKey, testBearer} {
		if strings.Contains(text, secret) {
			t.Fatalf("a credential leaked into: %s", text)
		}
	}
}

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	// echoing answers as if the portal or a proxy repeated the credential it
	// was sent (the LMv1 key stands in for what a portal could know).
	echoing := func(status int, headers ...string) handlerFunc {
		return func(w http.ResponseWriter, r *http.Request, _ []byte) {
			secret := testKey
			if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
				secret = testBearer
			}
			respond(w, status, errorBody(1000+status, "credential "+secret+" refused"), headers...)
		}
	}
	scenarios := []struct {
		name string
		h    handlerFunc
		call func(*Client) error
	}{
		{
			name: "a portal message that echoes the credentials",
			h:    echoing(401),
			call: func(c *Client) error { _, err := c.Users(context.Background()); return err },
		},
		{
			name: "an HTML page",
			h:    scripted(step{200, htmlPage + testKey, []string{"Content-Type", "text/html"}}),
			call: func(c *Client) error { _, err := c.Roles(context.Background()); return err },
		},
		{
			name: "a list that does not add up",
			h:    scripted(step{200, usersPage(9, 1), nil}),
			call: func(c *Client) error { _, err := c.Users(context.Background()); return err },
		},
		{
			name: "a rate limit that outlasts the retries",
			h:    echoing(429, "X-Rate-Limit-Remaining", "0", "X-Rate-Limit-Window", "0.001"),
			call: func(c *Client) error { _, err := c.Groups(context.Background()); return err },
		},
		{
			name: "a 503 that outlasts the retries",
			h:    echoing(503),
			call: func(c *Client) error { _, err := c.CreateGroup(context.Background(), "g", "d"); return err },
		},
		{
			name: "a mismatch",
			h:    scripted(step{200, `{"id":4,"username":"a","status":"active","adminGroupIds":[1]}`, nil}),
			call: func(c *Client) error {
				_, err := c.UpdateUser(context.Background(), UserUpdate{ID: 4, Status: StatusSuspended, RoleIDs: []int{1}})
				return err
			},
		},
		{
			name: "a cancelled context",
			h:    func(w http.ResponseWriter, r *http.Request, _ []byte) { <-r.Context().Done() },
			call: func(c *Client) error {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
				defer cancel()
				_, err := c.Users(ctx)
				return err
			},
		},
	}
	for _, auth := range []struct {
		name string
		mod  func(*Config)
	}{{"LMv1", func(*Config) {}}, {"bearer", withBearer}} {
		for _, sc := range scenarios {
			t.Run(auth.name+"/"+sc.name, func(t *testing.T) {
				f := newFixture(t, sc.h, auth.mod)
				err := sc.call(f.client)
				if err == nil {
					t.Fatal("the scenario produced no error")
				}
				assertNoSecret(t, err.Error())
				logs := f.logs.String()
				assertNoSecret(t, logs)
				for _, field := range []string{"method=", "path=", "status=", "duration=", "attempt="} {
					if !strings.Contains(logs, field) {
						t.Fatalf("the debug log lacks %s: %s", field, logs)
					}
				}
			})
		}
	}
}
