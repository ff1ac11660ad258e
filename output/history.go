package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"lm-user-hygiene/state"
)

// jsonRun is one run of the history --output json list.
type jsonRun struct {
	ID      string `json:"id"`
	Started string `json:"started"` // RFC 3339, UTC
	Kind    string `json:"kind"`    // run or undo
	// Applied are the changes made; Failed those refused or answered with
	// something else; Unfinished those begun by a run that stopped before
	// their outcome (killed): each may or may not have been made.
	Applied      int    `json:"applied"`
	Failed       int    `json:"failed"`
	Unfinished   int    `json:"unfinished"`
	Changes      int    `json:"changes"`
	UndoOf       string `json:"undo_of,omitempty"`
	PolicyDigest string `json:"policy_digest,omitempty"`
}

// WriteHistory prints the journaled runs, oldest first: a list of objects in
// json, else a table for a person. Only runs with --apply are journaled
// (plan runs write nothing to the portal), also when they changed nobody.
func WriteHistory(w io.Writer, runs []state.RunSummary, asJSON bool) error {
	if asJSON {
		out := make([]jsonRun, 0, len(runs))
		for _, r := range runs {
			out = append(out, jsonRun{ID: r.ID, Started: r.Started.UTC().Format(time.RFC3339), Kind: r.Kind,
				Applied: r.Applied, Failed: r.Failed, Unfinished: r.Unfinished, Changes: r.Intents,
				UndoOf: r.UndoOf, PolicyDigest: r.PolicyDigest})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	var b strings.Builder
	if len(runs) == 0 {
		b.WriteString("no runs journaled yet: only runs with --apply are\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tKIND\tAPPLIED\tFAILED\tUNFINISHED\tUNDO OF")
	for _, r := range runs {
		undoOf := r.UndoOf
		if undoOf == "" {
			undoOf = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Started.UTC().Format(time.RFC3339), r.Kind,
			strconv.Itoa(r.Applied), strconv.Itoa(r.Failed), strconv.Itoa(r.Unfinished), undoOf)
	}
	tw.Flush()
	for _, r := range runs {
		if r.Unfinished > 0 {
			fmt.Fprintf(&b, "run %s stopped with %d changes begun and no outcome (killed?): each may or may not have been made; "+
				"the next run reads the portal and finishes the rest\n", r.ID, r.Unfinished)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
