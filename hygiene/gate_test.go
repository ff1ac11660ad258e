package hygiene

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"lm-user-hygiene/lm"
)

func testGate(n int) (*gate, []*Change) {
	changes := make([]*Change, n)
	for i := range changes {
		changes[i] = &Change{User: &lm.User{ID: i}}
	}
	l := logrus.New()
	l.SetOutput(io.Discard)
	far := now.Add(time.Hour)
	return newGate(context.Background(), far, time.Hour, func() time.Time { return now }, logrus.NewEntry(l), changes), changes
}

var (
	refused400 = &lm.APIError{Method: http.MethodPatch, StatusCode: http.StatusBadRequest, Message: "bad body"}
	refused403 = &lm.APIError{Method: http.MethodPatch, StatusCode: http.StatusForbidden}
	refused401 = &lm.APIError{Method: http.MethodPatch, StatusCode: http.StatusUnauthorized}
	notAsAsked = &lm.MismatchError{UserID: 1, Reason: "asked status suspended, the portal has active"}
	ignored    = &lm.MismatchError{UserID: 1, Reason: "groups as before", Ignored: true}
)

// judged is one change's outcome as the gate is told it.
type judged struct {
	err      error
	answered bool
}

// TestGateRules: which change goes alone, and what stops the run, from the
// outcomes of the changes made one after another.
func TestGateRules(t *testing.T) {
	ok := judged{nil, true}
	tests := []struct {
		name      string
		outcomes  []judged
		wantAlone bool // the next change goes alone
		wantStop  bool
	}{
		{"the run's first change goes alone", nil, true, false},
		{"after an answer as asked the next changes go together", []judged{ok}, false, false},
		{"after a 400 the next goes alone", []judged{ok, {refused400, true}}, true, false},
		{"after a 403 the next goes alone", []judged{ok, {refused403, true}}, true, false},
		{"after an answer not as asked the next goes alone", []judged{ok, {notAsAsked, true}}, true, false},
		{"a first change not sent hands its turn alone to the next", []judged{{&lm.NotSentError{}, false}}, true, false},
		{"a 401 stops at once", []judged{{refused401, true}}, true, true},
		{"three 400s in a row stop", []judged{{refused400, true}, {refused400, true}, {refused400, true}}, true, true},
		{"400 and 403 are one count", []judged{{refused403, true}, {refused400, true}, {refused403, true}}, true, true},
		{"an answer as asked resets the count", []judged{{refused400, true}, {refused400, true}, ok, {refused400, true}, {refused400, true}}, true, false},
		{"an answer not as asked resets the count", []judged{{refused400, true}, {refused400, true}, {notAsAsked, true}, {refused400, true}}, true, false},
		{"no answer neither counts nor resets", []judged{{refused400, true}, {refused400, true}, {context.DeadlineExceeded, false}, {refused400, true}}, true, true},
		{"ignored adminGroupIds stop", []judged{{ignored, true}}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, changes := testGate(len(tt.outcomes) + 2)
			for _, o := range tt.outcomes {
				c := g.next()
				if c == nil {
					t.Fatal("the gate stopped early")
				}
				c.Err = o.err
				g.after(c, o.answered)
			}
			next := g.next()
			if stopped := next == nil; stopped != tt.wantStop {
				t.Fatalf("stopped %v (%v), want %v", stopped, g.stopped, tt.wantStop)
			}
			if tt.wantStop {
				for _, c := range changes[len(tt.outcomes):] {
					if c.Result != ResultPending {
						t.Errorf("change %d is %s after the stop, want pending", c.User.ID, c.Result)
					}
				}
				return
			}
			if g.solo != tt.wantAlone {
				t.Errorf("the next change went alone: %v, want %v", g.solo, tt.wantAlone)
			}
		})
	}
}

// With no reason to go alone, as many changes as there are workers are
// handed out without any being judged.
func TestGateLetsChangesGoTogether(t *testing.T) {
	g, _ := testGate(ApplyWorkers + 2)
	first := g.next()
	g.after(first, true)
	for i := range ApplyWorkers {
		if c := g.next(); c == nil || g.solo {
			t.Fatalf("change %d: %v, solo %v", i, c, g.solo)
		}
	}
	if g.inFlight != ApplyWorkers {
		t.Fatalf("%d in flight, want %d", g.inFlight, ApplyWorkers)
	}
}
