package contract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSaysWhatIsWrongWithTheSwagger(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "swagger.json")
	if err := os.WriteFile(notJSON, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rule, path, mention string
	}{
		{"a swagger that is not there", filepath.Join(dir, "missing.json"), "read swagger"},
		{"a swagger that is not JSON", notJSON, "parse swagger"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if _, err := load(tc.path); err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("load: %v, want %q", err, tc.mention)
			}
		})
	}
}
