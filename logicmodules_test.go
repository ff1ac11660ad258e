package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lm-user-hygiene/internal/contract"
)

// The LogicModule definitions an admin imports (dist/logicmodules).
var (
	dataSourceFile   = filepath.Join("dist", "logicmodules", "lm_user_hygiene.datasource.json")
	configSourceFile = filepath.Join("dist", "logicmodules", "lm_user_hygiene.configsource.json")
)

// moduleAttribute is the part of a ScriptCollectorAttribute the tests read.
type moduleAttribute struct {
	Name           string `json:"name"`
	ScriptType     string `json:"scriptType"`
	GroovyScript   string `json:"groovyScript"`
	LinuxCmdline   string `json:"linuxCmdline"`
	WindowsCmdline string `json:"windowsCmdline"`
}

type moduleDataPoint struct {
	Name                string `json:"name"`
	RawDataFieldName    string `json:"rawDataFieldName"`
	PostProcessorMethod string `json:"postProcessorMethod"`
	PostProcessorParam  string `json:"postProcessorParam"`
	AlertExpr           string `json:"alertExpr"`
	AlertForNoData      int    `json:"alertForNoData"`
}

type moduleConfigCheck struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type logicModule struct {
	AppliesTo          string              `json:"appliesTo"`
	CollectMethod      string              `json:"collectMethod"`
	CollectorAttribute moduleAttribute     `json:"collectorAttribute"`
	DataPoints         []moduleDataPoint   `json:"dataPoints"`
	FileFormat         string              `json:"fileFormat"`
	ConfigChecks       []moduleConfigCheck `json:"configChecks"`
}

func readModule(t *testing.T, path string) logicModule {
	t.Helper()
	var m logicModule
	if err := json.Unmarshal(readModuleFile(t, path), &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func readModuleFile(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestLogicModulesMatchSwagger(t *testing.T) {
	for _, tc := range []struct {
		name, file, definition string
	}{
		{"the DataSource is a swagger DataSource", dataSourceFile, "DataSource"},
		{"the ConfigSource is a swagger ConfigSource", configSourceFile, "ConfigSource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := contract.ValidateDefinition(tc.definition, readModuleFile(t, tc.file)); err != nil {
				t.Error(err)
			}
		})
	}
}

// The swagger check above is only worth something if it can fail: each case
// breaks the real DataSource in one way the portal would not take.
func TestDefinitionValidatorCatchesMistakes(t *testing.T) {
	raw := readModuleFile(t, dataSourceFile)
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
			err = contract.ValidateDefinition("DataSource", bad)
			if err == nil {
				t.Fatal("the validator accepted the mistake")
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error does not name %q: %v", tc.mention, err)
			}
		})
	}
	t.Run("an unknown definition", func(t *testing.T) {
		if err := contract.ValidateDefinition("NoSuchDefinition", raw); err == nil {
			t.Error("accepted a definition the swagger does not have")
		}
	})
}

func TestDatapointsMatchDatasourceKeys(t *testing.T) {
	ds := readModule(t, dataSourceFile)
	read := map[string]bool{}
	names := map[string]bool{}
	for _, dp := range ds.DataPoints {
		if names[dp.Name] {
			t.Errorf("datapoint %s is defined twice", dp.Name)
		}
		names[dp.Name] = true
		switch {
		case dp.RawDataFieldName == "output" && dp.PostProcessorMethod == "namevalue":
			if !slices.Contains(datasourceKeys, dp.PostProcessorParam) {
				t.Errorf("datapoint %s reads key %q, which the binary does not print", dp.Name, dp.PostProcessorParam)
			}
			read[dp.PostProcessorParam] = true
		case dp.RawDataFieldName == "exitCode":
		default:
			t.Errorf("datapoint %s reads neither a key-value output line nor the exit code", dp.Name)
		}
	}
	for _, k := range datasourceKeys {
		if !read[k] {
			t.Errorf("key %s has no datapoint", k)
		}
	}
}

func TestDataSourceAlerts(t *testing.T) {
	ds := readModule(t, dataSourceFile)
	byName := map[string]moduleDataPoint{}
	for _, dp := range ds.DataPoints {
		byName[dp.Name] = dp
	}
	for _, tc := range []struct {
		name, datapoint, expr string
	}{
		{"alerts when a run does not complete", "run_success", "< 1"},
		{"alerts when user changes fail", "errors", "> 0"},
		{"alerts when the breaker finds the data suspect", "breaker_tripped", "> 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := byName[tc.datapoint].AlertExpr; got != tc.expr {
				t.Errorf("%s alertExpr = %q, want %q", tc.datapoint, got, tc.expr)
			}
		})
	}
	t.Run("alerts when a run prints nothing", func(t *testing.T) {
		if byName["run_success"].AlertForNoData < 2 {
			t.Errorf("run_success alertForNoData = %d, want a warning (2) or above", byName["run_success"].AlertForNoData)
		}
	})
}

// propertyToken is a ##property## token the collector replaces.
var propertyToken = regexp.MustCompile(`##([A-Za-z0-9_.-]+)##`)

func TestDataSourceParameters(t *testing.T) {
	ds := readModule(t, dataSourceFile)
	attr := ds.CollectorAttribute
	if ds.CollectMethod != "script" || attr.Name != "script" || attr.ScriptType != "file" {
		t.Fatalf("collect method %q, attribute %q, script type %q: want an uploaded script file",
			ds.CollectMethod, attr.Name, attr.ScriptType)
	}
	flags := map[string]bool{}
	for _, s := range settings {
		flags[s.flag] = true
	}
	for platform, cmdline := range map[string]string{"Linux": attr.LinuxCmdline, "Windows": attr.WindowsCmdline} {
		t.Run(platform+" uses only flags the binary has, each as --flag=value", func(t *testing.T) {
			// With --flag=value a property replaced by nothing cannot swallow
			// the next flag, and a boolean flag can take its value at all.
			for _, arg := range strings.Fields(cmdline) {
				name, _, ok := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
				if !strings.HasPrefix(arg, "--") || !ok {
					t.Errorf("%q is not --flag=value", arg)
					continue
				}
				if !flags[name] {
					t.Errorf("--%s is not a flag of the binary", name)
				}
			}
		})
		t.Run(platform+" parameters are accepted by the binary", func(t *testing.T) {
			for _, apply := range []bool{false, true} {
				cfg := loadModuleArgs(t, cmdline, map[string]string{
					"lmaccount": "acme", "lmaccess.id": "id", "lmaccess.key": "k=y", "lmuh.apply": strconv.FormatBool(apply),
				})
				if cfg == nil {
					continue
				}
				if cfg.Account != "acme" || cfg.AccessID != "id" || cfg.AccessKey != "k=y" || cfg.Apply != apply || cfg.Output != outDatasource {
					t.Errorf("lmuh.apply=%v: got account %q, access id %q, apply %v, output %q",
						apply, cfg.Account, cfg.AccessID, cfg.Apply, cfg.Output)
				}
			}
		})
		t.Run(platform+" never applies when lmuh.apply is not set", func(t *testing.T) {
			// Whether the collector leaves an unset token in place or replaces
			// it with nothing is undocumented; neither may mean "apply".
			for _, unset := range []string{"##lmuh.apply##", ""} {
				args := strings.Fields(strings.ReplaceAll(cmdline, "##lmuh.apply##", unset))
				cfg, err := loadConfig(context.Background(), args, nil)
				if err == nil && cfg.Apply {
					t.Errorf("with lmuh.apply replaced by %q the run applies", unset)
				}
			}
		})
	}
	if !strings.Contains(attr.LinuxCmdline, "--apply=##lmuh.apply##") {
		t.Error("the Linux parameters do not take --apply from the lmuh.apply property")
	}
}

// loadModuleArgs replaces the property tokens in cmdline with props and
// reads the result as the binary does.
func loadModuleArgs(t *testing.T, cmdline string, props map[string]string) *Config {
	t.Helper()
	var missing []string
	replaced := propertyToken.ReplaceAllStringFunc(cmdline, func(tok string) string {
		name := propertyToken.FindStringSubmatch(tok)[1]
		v, ok := props[name]
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		t.Errorf("parameters use properties the setup does not document: %v", missing)
		return nil
	}
	cfg, err := loadConfig(context.Background(), strings.Fields(replaced), nil)
	if err != nil {
		t.Errorf("the binary refuses the parameters: %v", err)
		return nil
	}
	return cfg
}

// groovyCommand is the ConfigSource script's command list.
var groovyCommand = regexp.MustCompile(`def command = \[([^\]]*)\]`)

// groovyEnvPut is an environment variable the ConfigSource script sets.
var groovyEnvPut = regexp.MustCompile(`env\.put\("([A-Z_]+)", ([^\n]+)\)`)

func TestConfigSourceModule(t *testing.T) {
	cs := readModule(t, configSourceFile)
	script := cs.CollectorAttribute.GroovyScript
	if cs.CollectMethod != "script" || cs.CollectorAttribute.Name != "script" || cs.CollectorAttribute.ScriptType != "embed" || script == "" {
		t.Fatal("the ConfigSource is not an embedded Groovy script")
	}
	m := groovyCommand.FindStringSubmatch(script)
	if m == nil {
		t.Fatal("no `def command = [...]` in the ConfigSource script")
	}
	command := m[1]
	env := map[string]string{}
	for _, put := range groovyEnvPut.FindAllStringSubmatch(script, -1) {
		env[put[1]] = put[2]
	}

	t.Run("passes the connection only through the environment", func(t *testing.T) {
		for _, s := range settings {
			if s.secret || strings.HasPrefix(s.env, "LM_") {
				if strings.Contains(script, "--"+s.flag) {
					t.Errorf("the script names --%s: %s must go through the environment", s.flag, s.env)
				}
			}
		}
		for variable, property := range map[string]string{"LM_ACCOUNT": "lmaccount", "LM_ACCESS_ID": "lmaccess.id", "LM_ACCESS_KEY": "lmaccess.key"} {
			if !strings.Contains(env[variable], `hostProps.get("`+property+`")`) {
				t.Errorf("%s is not set from the %s property (got %q)", variable, property, env[variable])
			}
		}
	})
	t.Run("only plans", func(t *testing.T) {
		if strings.Contains(script, "--apply") {
			t.Error("the script names --apply")
		}
		if env["LMUH_APPLY"] != `"false"` {
			t.Errorf("LMUH_APPLY = %s, want \"false\" so the collector's environment cannot turn on apply", env["LMUH_APPLY"])
		}
	})
	t.Run("asks for the configsource output", func(t *testing.T) {
		if !strings.Contains(command, `"--output=configsource"`) {
			t.Errorf("command [%s] lacks --output=configsource", command)
		}
	})
	t.Run("fails when the binary fails", func(t *testing.T) {
		if !strings.Contains(script, "exitValue() != 0") || !strings.Contains(script, "return 1") {
			t.Error("the script does not turn a non-zero exit into a failed collection")
		}
	})
	t.Run("is a java-properties config with an any-change check", func(t *testing.T) {
		if cs.FileFormat != "java-properties" {
			t.Errorf("fileFormat = %q", cs.FileFormat)
		}
		if !slices.ContainsFunc(cs.ConfigChecks, func(c moduleConfigCheck) bool { return c.Type == "ignore" && c.Name == "Any change" }) {
			t.Errorf("no \"Any change\" check (type ignore) in %+v", cs.ConfigChecks)
		}
	})
	t.Run("applies to the same one collector device as the DataSource", func(t *testing.T) {
		ds := readModule(t, dataSourceFile)
		if cs.AppliesTo != ds.AppliesTo || !strings.Contains(ds.AppliesTo, "hasCategory(") {
			t.Errorf("appliesTo %q and %q", cs.AppliesTo, ds.AppliesTo)
		}
	})
}
