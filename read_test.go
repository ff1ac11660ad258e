package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"lm-user-hygiene/lm/lmfake"
)

// TestReadOverlapsGroupsAndRoles: the groups and roles pages are read beside
// the users pages once the first users page has come, not after the last,
// and a portal that fails the first users page gets no other request.
func TestReadOverlapsGroupsAndRoles(t *testing.T) {
	t.Run("beside the users pages", func(t *testing.T) {
		p := faultPortal(9000, 3) // ten users pages: three rounds after the first
		p.SetMethodLatency(http.MethodGet, 50*time.Millisecond)
		res := runDeps(t, context.Background(), faultDeps(), serveEnv(t, p), faultArgs...)
		if res.code != exitOK {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		reqs := p.Requests()
		if len(reqs) == 0 || reqs[0].Path != "/setting/admins" || reqs[0].Query.Get("offset") != "0" {
			t.Fatalf("the first request is not the first users page: %+v", reqs)
		}
		last := 0 // the last users page's place in the log
		for i, r := range reqs {
			if r.Path == "/setting/admins" {
				last = i
			}
		}
		for i, r := range reqs {
			if (r.Path == "/setting/admin/groups" || r.Path == "/setting/roles") && i > last {
				t.Errorf("%s was asked after the last users page (request %d of %d)", r.Path, i+1, len(reqs))
			}
		}
	})
	t.Run("not when the first users page fails", func(t *testing.T) {
		p := faultPortal(20, 2)
		p.InjectFault(lmfake.Fault{Method: http.MethodGet, Path: "/setting/admins", Status: http.StatusInternalServerError})
		res := runDeps(t, context.Background(), faultDeps(), serveEnv(t, p), faultArgs...)
		if res.code != exitFailed {
			t.Fatalf("exit %d, want %d: %s", res.code, exitFailed, res.stderr)
		}
		if reqs := p.Requests(); len(reqs) != 1 {
			t.Errorf("%d requests, want only the first users page: %+v", len(reqs), reqs)
		}
	})
}
