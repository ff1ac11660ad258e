package main

import (
	"strconv"
	"strings"
	"testing"
)

// TestPendingChangesAreSummarised: over --max-changes a large portal has
// thousands of pending changes; at info level they are one line with their
// number, at debug level each is listed, in plan and in apply mode.
func TestPendingChangesAreSummarised(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		perChange bool   // one "deferred" line per pending change
		made      string // in the line of each change made (or planned)
	}{
		{"a plan logs one line for the pending changes", []string{"--max-changes", "2"}, false, `msg="would `},
		{"an applied run logs one line for the pending changes", []string{"--apply", "--max-changes", "2"}, false, "result=applied"},
		{"debug level lists every pending change", []string{"--apply", "--max-changes", "2", "--log-level", "debug"}, true, "result=applied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := samplePortal(t, 200, true)
			args := append([]string{"--role-groups", "netops=Network Operations;readonly=Viewers;manager=Managers",
				"--protect-users", "breakglass*"}, tc.args...)
			res := runNow(t, serveEnv(t, p), args...)
			if res.code != exitOK {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			pending := datasource(t, res.stdout)["pending"]
			if pending < 10 {
				t.Fatalf("only %d pending changes: the sample is too small for this test", pending)
			}
			if n := strings.Count(res.stderr, "pending="+strconv.Itoa(pending)); n != 1 {
				t.Errorf("%d summary lines with pending=%d, want 1:\n%s", n, pending, res.stderr)
			}
			deferred := strings.Count(res.stderr, "change deferred to the next run")
			if tc.perChange && deferred != pending || !tc.perChange && deferred != 0 {
				t.Errorf("%d lines for single pending changes with %d pending", deferred, pending)
			}
			if n := strings.Count(res.stderr, tc.made); n != 2 {
				t.Errorf("%d lines with %q, want one per change made (2)", n, tc.made)
			}
		})
	}
}
