package lm

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"
)

// exhausted answers like a portal whose bucket has no requests left for the
// given window (in seconds, as the header spells it).
func exhausted(window string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		headers := []string{"X-Rate-Limit-Limit", "1", "X-Rate-Limit-Remaining", "0", "X-Rate-Limit-Window", window}
		if r.Method == http.MethodPatch {
			respond(w, 200, `{"id":1,"username":"a","status":"active","adminGroupIds":[]}`, headers...)
			return
		}
		respond(w, 200, usersPage(0), headers...)
	}
}

func TestPacesFromRateLimitHeaders(t *testing.T) {
	var mu sync.Mutex
	var at []time.Time
	h := exhausted("0.3")
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		h(w, r, body)
	})
	ctx := context.Background()
	for range 2 {
		if _, err := f.client.Users(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if gap := at[1].Sub(at[0]); gap < 250*time.Millisecond {
		t.Fatalf("second request of an exhausted bucket came after %s, want the window (300ms)", gap)
	}
	if st := f.client.Stats(); st.Retries != 0 {
		t.Fatalf("Stats = %+v: pacing is not retrying", st)
	}

	// Another bucket (PATCH /setting/admins) is not held by the GET bucket.
	if _, err := f.client.Users(ctx); err != nil { // exhausts GET again
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := f.client.UpdateUser(ctx, UserUpdate{ID: 1, Status: StatusActive, RoleIDs: []int{1}}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Fatalf("a PATCH waited %s for the GET bucket", d)
	}
}

func TestRateLimitWaitObeysCancellation(t *testing.T) {
	f := newFixture(t, exhausted("30"))
	if _, err := f.client.Users(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := f.client.Users(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("returned %s after the cancellation", d)
	}
	if f.hits.Load() != 1 {
		t.Fatalf("portal saw %d requests, want 1", f.hits.Load())
	}
}

func TestRateLimitWaitBeyondDeadlineFailsAtOnce(t *testing.T) {
	f := newFixture(t, exhausted("30"))
	if _, err := f.client.Users(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := f.client.Users(ctx)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Path != "/setting/admins" {
		t.Fatalf("err = %v, want *RateLimitError", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("waited %s for a window that outlasts the deadline", d)
	}
}

func Test429WithoutHeadersWaitsTheDefaultWindow(t *testing.T) {
	f := newFixture(t, scripted(step{429, errorBody(1429, "rate limited"), nil}, step{200, usersPage(0), nil}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := f.client.Users(ctx)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Window < defaultWindow-time.Second {
		t.Fatalf("err = %v, want *RateLimitError with the %s default window", err, defaultWindow)
	}
	if f.hits.Load() != 1 {
		t.Fatalf("portal saw %d requests: a 429 must not be re-sent before the window", f.hits.Load())
	}
}
