package contract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// logicModulesDir holds the LogicModule definitions an admin imports. They
// are checked here because only packages under lm/ may import this one.
func logicModulesDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "dist", "logicmodules")
}

func readLogicModule(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(logicModulesDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestLogicModulesMatchSwagger(t *testing.T) {
	for _, tc := range []struct {
		name, file, definition string
	}{
		{"the DataSource is a swagger DataSource", "lm_user_hygiene.datasource.json", "DataSource"},
		{"the ConfigSource is a swagger ConfigSource", "lm_user_hygiene.configsource.json", "ConfigSource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := ValidateDefinition(tc.definition, readLogicModule(t, tc.file)); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestValidateDefinitionCatchesMistakes(t *testing.T) {
	raw := readLogicModule(t, "lm_user_hygiene.datasource.json")
	for _, tc := range []struct {
		name    string
		mutate  func(doc map[string]any)
		mention string
	}{
		{"a string where the swagger wants an integer", func(doc map[string]any) {
			doc["collectInterval"] = "86400"
		}, "collectInterval"},
		{"a wrong type inside a datapoint", func(doc map[string]any) {
			doc["dataPoints"].([]any)[0].(map[string]any)["alertForNoData"] = "warn"
		}, "alertForNoData"},
		{"a wrong type that only the script subtype of the collector attribute defines", func(doc map[string]any) {
			doc["collectorAttribute"].(map[string]any)["scriptType"] = 5
		}, "must be a string"},
		{"a collector attribute name that names no subtype", func(doc map[string]any) {
			doc["collectorAttribute"].(map[string]any)["name"] = "scirpt"
		}, "scirpt"},
		{"a misspelt property", func(doc map[string]any) {
			doc["dataPoints"].([]any)[0].(map[string]any)["postProcesorParam"] = "run_success"
		}, "postProcesorParam"},
		{"a missing required property", func(doc map[string]any) {
			delete(doc, "collectMethod")
		}, "collectMethod"},
		{"a read-only property the portal sets", func(doc map[string]any) {
			doc["checksum"] = "abc"
		}, "checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			tc.mutate(doc)
			bad, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			err = ValidateDefinition("DataSource", bad)
			if err == nil {
				t.Fatal("the validator accepted the mistake")
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error does not name %q: %v", tc.mention, err)
			}
		})
	}
	t.Run("an unknown definition", func(t *testing.T) {
		if err := ValidateDefinition("NoSuchDefinition", raw); err == nil {
			t.Error("accepted a definition the swagger does not have")
		}
	})
}
