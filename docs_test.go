package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lm-user-hygiene/hygiene"
)

// TestDocsDefineEveryDatapoint: docs/outputs.md defines each key of the
// datasource output, in its order, with the meaning the binary holds for it
// (hygiene.Datapoints, which the DataSources' descriptions are too); -update
// rewrites the table.
func TestDocsDefineEveryDatapoint(t *testing.T) {
	path := filepath.Join("docs", "outputs.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const open, end = "<!-- datapoints: go test . -run TestDocsDefineEveryDatapoint -update rewrites this table -->\n", "<!-- /datapoints -->"
	before, rest, ok := strings.Cut(string(doc), open)
	_, after, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Fatalf("%s has no datapoints table between its markers", path)
	}
	var table strings.Builder
	table.WriteString("| key | meaning |\n|---|---|\n")
	for _, d := range hygiene.Datapoints {
		table.WriteString("| `" + d.Name + "` | " + strings.ReplaceAll(d.Help, "|", `\|`) + " |\n")
	}
	want := before + open + table.String() + end + after
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(doc) != want {
		t.Errorf("%s does not define the datapoints as the binary does: go test . -run TestDocsDefineEveryDatapoint -update rewrites its table", path)
	}
}
