package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/lm"
	"lm-user-hygiene/state"
)

func TestUndoJSON(t *testing.T) {
	p := liveIdlePortal(2)
	s := openStore(t)
	run := suspendAll(t, p, s, 2)
	p.set(100, lm.StatusActive, 1)
	r := undo(t, p, s, now.Add(time.Hour), hygiene.UndoLast, func(p *hygiene.Policy) { p.Apply = false })
	var b bytes.Buffer
	if err := writeJSON(&b, r, hygiene.Stats{}); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Command string `json:"command"`
		UndoOf  string `json:"undo_of"`
		Users   []struct {
			ID   int `json:"id"`
			Undo *struct {
				Action, Outcome, Reason string
			} `json:"undo"`
			Change *struct{ Kind, Result string } `json:"change"`
		} `json:"users"`
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Command != "undo" || out.UndoOf != run.RunID || len(out.Users) != 2 {
		t.Fatalf("json: %s", b.String())
	}
	for _, u := range out.Users {
		switch u.ID {
		case 100:
			if u.Undo == nil || u.Undo.Outcome != string(hygiene.UndoChangedSince) || u.Change != nil {
				t.Errorf("user 100: %+v, want changed since and no change", u)
			}
		case 101:
			if u.Undo == nil || u.Undo.Action != "restore" || u.Change == nil || u.Change.Kind != "restore" || u.Change.Result != "planned" {
				t.Errorf("user 101: %+v, want a planned restore", u)
			}
		}
	}
}

func TestHistoryOutput(t *testing.T) {
	started := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	runs := []state.RunSummary{
		{Run: state.Run{ID: "20260102T030405Z-aaaaaa", Kind: state.KindRun, Started: started}, Intents: 3, Applied: 1, Failed: 1, Unfinished: 1},
		{Run: state.Run{ID: "20260103T030405Z-bbbbbb", Kind: state.KindUndo, Started: started.Add(24 * time.Hour), UndoOf: "20260102T030405Z-aaaaaa"}, Intents: 1, Applied: 1},
	}
	var b bytes.Buffer
	if err := WriteHistory(&b, runs, true); err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if err := json.Unmarshal(b.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0]["id"] != runs[0].ID || list[0]["started"] != "2026-01-02T03:04:05Z" || list[0]["kind"] != "run" ||
		list[0]["applied"] != 1.0 || list[1]["kind"] != "undo" || list[1]["undo_of"] != runs[0].ID {
		t.Errorf("history json:\n%s", b.String())
	}
	b.Reset()
	if err := WriteHistory(&b, runs, false); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{"ID", "UNDO OF", runs[0].ID + "  2026-01-02T03:04:05Z  run ", "undo", "stopped with 1 changes begun"} {
		if !strings.Contains(text, want) {
			t.Errorf("history text lacks %q:\n%s", want, text)
		}
	}
}

func TestUndoText(t *testing.T) {
	p := liveIdlePortal(3)
	s := openStore(t)
	run := suspendAll(t, p, s, 3)
	undone := undo(t, p, s, now.Add(time.Hour), run.RunID, nil)
	again := undo(t, p, s, now.Add(2*time.Hour), run.RunID, nil)
	for _, tc := range []struct {
		name string
		r    *hygiene.Report
		want string
	}{
		{"an undo lists each user restored", undone, string(hygiene.UndoRestore)},
		{"a second undo lists each user as already before", again, string(hygiene.UndoAlreadyBefore)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := writeText(&b, tc.r); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if !strings.Contains(out, "Undo of run "+run.RunID+" (3)") || strings.Count(out, tc.want) < 3 {
				t.Errorf("the text does not list the 3 users of run %s as %s:\n%s", run.RunID, tc.want, out)
			}
		})
	}
}
