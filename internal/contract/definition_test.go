package contract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dataSource is a small DataSource body as a module would send it; each case
// of TestValidateDefinition changes one part of it.
const dataSource = `{"name":"LM_User_Hygiene","collectInterval":86400,"collectMethod":"script",
"collectorAttribute":{"name":"script","scriptType":"embed","groovyScript":"println 'run_success=1'"},
"dataPoints":[{"name":"run_success","postProcessorMethod":"namevalue","postProcessorParam":"run_success","alertExpr":"< 1 1"}]}`

func TestValidateDefinition(t *testing.T) {
	for _, tc := range []struct {
		rule       string
		definition string
		doc        string
		mention    string // empty: the document is valid
	}{
		{rule: "accepts a DataSource the portal takes", definition: "DataSource", doc: dataSource},
		{rule: "refuses a definition the swagger does not have", definition: "NoSuchThing", doc: dataSource,
			mention: "swagger has no definition NoSuchThing"},
		{rule: "refuses a document that is not JSON", definition: "DataSource", doc: `{"name":`, mention: "DataSource: "},
		{rule: "refuses a string where the swagger wants an integer", definition: "DataSource",
			doc: strings.Replace(dataSource, `86400`, `"86400"`, 1), mention: "collectInterval"},
		{rule: "refuses a property the definition does not name", definition: "DataSource",
			doc: strings.Replace(dataSource, `"postProcessorParam"`, `"postProcesorParam"`, 1), mention: `property "postProcesorParam" is not in the definition`},
		{rule: "names where an unknown property sits", definition: "DataSource",
			doc: strings.Replace(dataSource, `"alertExpr"`, `"alertExpression"`, 1), mention: "/dataPoints/0"},
		{rule: "refuses a wrong type that only the subtype defines", definition: "DataSource",
			doc: strings.Replace(dataSource, `"scriptType":"embed"`, `"scriptType":5`, 1), mention: "must be a string"},
		{rule: "refuses a property that only another subtype has", definition: "DataSource",
			doc: strings.Replace(dataSource, `"scriptType":"embed"`, `"period":5`, 1), mention: `property "period" is not in the definition`},
		{rule: "refuses a discriminator that names no subtype", definition: "DataSource",
			doc: strings.Replace(dataSource, `"name":"script"`, `"name":"scirpt"`, 1), mention: `"scirpt" names no subtype`},
		{rule: "refuses a discriminator that is not a string", definition: "DataSource",
			doc: strings.Replace(dataSource, `"name":"script"`, `"name":7`, 1), mention: "name"},
		{rule: "refuses a missing required property", definition: "DataSource",
			doc: strings.Replace(dataSource, `"collectMethod":"script",`, ``, 1), mention: "collectMethod"},
		{rule: "refuses a read-only property the portal sets", definition: "DataSource",
			doc: strings.Replace(dataSource, `{"name":"LM_User_Hygiene",`, `{"name":"LM_User_Hygiene","checksum":"abc",`, 1), mention: "checksum"},
		{rule: "names the root of a document for a top-level mistake", definition: "DataSource",
			doc: strings.Replace(dataSource, `{"name":"LM_User_Hygiene",`, `{"name":"LM_User_Hygiene","colour":"red",`, 1), mention: `/: property "colour"`},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			err := ValidateDefinition(tc.definition, []byte(tc.doc))
			switch {
			case tc.mention == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.mention != "" && err == nil:
				t.Error("accepted")
			case tc.mention != "" && !strings.Contains(err.Error(), tc.mention):
				t.Errorf("error does not name %q: %v", tc.mention, err)
			}
		})
	}
}

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
