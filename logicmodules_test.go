package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lm-user-hygiene/internal/contract"
)

// The LogicModule definitions an admin imports (dist/logicmodules).
var (
	// dataSourceFile runs the binary uploaded as its script file.
	dataSourceFile = filepath.Join("dist", "logicmodules", "lm_user_hygiene.datasource.json")
	// installedDataSourceFile runs the binary installed at lmuh.binary from
	// embedded Groovy.
	installedDataSourceFile = filepath.Join("dist", "logicmodules", "lm_user_hygiene_installed.datasource.json")
	configSourceFile        = filepath.Join("dist", "logicmodules", "lm_user_hygiene.configsource.json")
	dataSourceFiles         = []string{dataSourceFile, installedDataSourceFile}
)

// moduleDatasourceKeys are the keys the DataSources have a datapoint for, in
// the binary's order: the keys it prints today, then those the design appends
// (DESIGN, "Output") that the run does not print yet. A datapoint whose key is
// not printed has no data, which raises no alert (alertForNoData 1).
var moduleDatasourceKeys = []string{
	"run_success", "dry_run", "breaker_tripped", "users_total", "users_active", "users_suspended",
	"users_api_only", "inactive_found", "suspend_planned", "suspend_applied", "move_planned",
	"move_applied", "assign_planned", "assign_applied", "groups_created", "unmapped",
	"protected_skipped", "never_logged_in", "future_activity", "pending", "errors",
	"api_requests", "api_retries", "duration_seconds",
	"users_unreadable", "assign_out_of_scope", "reactivated_kept", "suspend_upcoming",
	"exempt_skipped", "state_ok", "budget_exhausted", "config_warnings",
}

// modulePolicyFlags are the settings every module takes from an lmuh.<flag>
// property: all but the connection (lmaccount, lmuh.base-url, lmaccess.*),
// the output the module needs and --as-of, which only plans for a person.
func modulePolicyFlags() []string {
	var out []string
	for _, s := range settings {
		switch s.flag {
		case "account", "base-url", "access-id", "access-key", "bearer-token", "output", "as-of":
			continue
		}
		out = append(out, s.flag)
	}
	return out
}

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
	AlertExprNote       string `json:"alertExprNote"`
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
		{"the installed-binary DataSource is a swagger DataSource", installedDataSourceFile, "DataSource"},
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
	t.Run("the binary prints the module's keys in their order", func(t *testing.T) {
		// Keys are appended, never renamed or reordered: what the binary
		// prints is the module's list, or the start of it.
		if len(datasourceKeys) > len(moduleDatasourceKeys) || !slices.Equal(datasourceKeys, moduleDatasourceKeys[:len(datasourceKeys)]) {
			t.Errorf("the binary prints %v,\nthe modules expect %v", datasourceKeys, moduleDatasourceKeys)
		}
	})
	for _, file := range dataSourceFiles {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ds := readModule(t, file)
			var keys []string
			names := map[string]bool{}
			for _, dp := range ds.DataPoints {
				if names[dp.Name] {
					t.Errorf("datapoint %s is defined twice", dp.Name)
				}
				names[dp.Name] = true
				switch {
				case dp.RawDataFieldName == "output" && dp.PostProcessorMethod == "namevalue":
					if dp.Name != dp.PostProcessorParam {
						t.Errorf("datapoint %s reads key %q", dp.Name, dp.PostProcessorParam)
					}
					keys = append(keys, dp.PostProcessorParam)
				case dp.RawDataFieldName == "exitCode":
				default:
					t.Errorf("datapoint %s reads neither a key-value output line nor the exit code", dp.Name)
				}
			}
			if !slices.Equal(keys, moduleDatasourceKeys) {
				t.Errorf("datapoints read %v,\nwant one per key in order: %v", keys, moduleDatasourceKeys)
			}
		})
	}
}

func TestDataSourceAlerts(t *testing.T) {
	for _, file := range dataSourceFiles {
		ds := readModule(t, file)
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
			{"alerts when the time budget ran out", "budget_exhausted", "> 0"},
			{"alerts when a setting names nothing in the portal", "config_warnings", "> 0"},
			{"warns when the state file cannot be used", "state_ok", "< 1"},
			{"warns when users cannot be read", "users_unreadable", "> 0"},
		} {
			t.Run(filepath.Base(file)+" "+tc.name, func(t *testing.T) {
				dp := byName[tc.datapoint]
				if dp.AlertExpr != tc.expr {
					t.Errorf("%s alertExpr = %q, want %q", tc.datapoint, dp.AlertExpr, tc.expr)
				}
				if dp.AlertExprNote == "" {
					t.Errorf("%s alerts without a note saying what to do", tc.datapoint)
				}
			})
		}
		t.Run(filepath.Base(file)+" alerts when a run prints nothing", func(t *testing.T) {
			if byName["run_success"].AlertForNoData < 2 {
				t.Errorf("run_success alertForNoData = %d, want a warning (2) or above", byName["run_success"].AlertForNoData)
			}
		})
	}
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
	if attr.LinuxCmdline != attr.WindowsCmdline {
		t.Errorf("the Linux and Windows parameters differ:\n%s\n%s", attr.LinuxCmdline, attr.WindowsCmdline)
	}
	flags := map[string]bool{}
	for _, s := range settings {
		flags[s.flag] = true
	}
	cmdline := attr.LinuxCmdline
	args := strings.Fields(cmdline)
	t.Run("names the command first, so a split value never reads as one", func(t *testing.T) {
		if len(args) == 0 || args[0] != cmdRun {
			t.Errorf("parameters start %q", args)
		}
	})
	t.Run("uses only flags the binary has, each as --flag=value", func(t *testing.T) {
		// With --flag=value a property replaced by nothing cannot swallow
		// the next flag, and a boolean flag can take its value at all.
		for _, arg := range args[1:] {
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
	t.Run("takes every policy setting from its lmuh property", func(t *testing.T) {
		for _, flag := range modulePolicyFlags() {
			if !slices.Contains(args, "--"+flag+"=##lmuh."+flag+"##") {
				t.Errorf("no --%s=##lmuh.%s##", flag, flag)
			}
		}
		for _, want := range []string{"--output=datasource", "--account=##lmaccount##", "--base-url=##lmuh.base-url##",
			"--access-id=##lmaccess.id##", "--access-key=##lmaccess.key##"} {
			if !slices.Contains(args, want) {
				t.Errorf("no %s", want)
			}
		}
	})

	// props is a device with a few properties set, some with spaces; the
	// rest of the module's properties are unset.
	props := map[string]string{
		"lmaccount": "acme", "lmaccess.id": "id", "lmaccess.key": "k=y",
		"lmuh.protect-users": "breakglass*, ops admin", "lmuh.role-groups": "netops=Network Operations;readonly=Viewers",
		"lmuh.warn-days": "7", "lmuh.state": "off", "lmuh.sso-created-by": "(?i)single sign on",
	}
	// The collector's handling of an unset property and of spaces in a
	// substituted value is undocumented: each of the four readings must
	// give the same settings.
	for _, unset := range []struct{ name, how string }{{"left as its token", "token"}, {"replaced by nothing", "empty"}} {
		for _, split := range []bool{false, true} {
			name := "an unset property " + unset.name + ", values with spaces passed whole"
			if split {
				name = "an unset property " + unset.name + ", values with spaces split at the spaces"
			}
			t.Run(name, func(t *testing.T) {
				cfg := loadModuleArgs(t, cmdline, props, unset.how == "token", split)
				if cfg == nil {
					return
				}
				if cfg.Command != cmdRun || cfg.Account != "acme" || cfg.BaseURL != "https://acme.logicmonitor.com/santaba/rest" ||
					cfg.AccessID != "id" || cfg.AccessKey != "k=y" || cfg.Apply || cfg.Output != outDatasource {
					t.Errorf("connection: %+v", cfg)
				}
				if cfg.ProtectUsers != "breakglass*, ops admin" || cfg.RoleGroups != "netops=Network Operations;readonly=Viewers" ||
					cfg.WarnDays != 7 || cfg.State != "off" || cfg.SSOCreatedBy != "(?i)single sign on" {
					t.Errorf("set properties: %+v", cfg)
				}
				if cfg.SuspendedGroup != "Suspended" || cfg.InactiveDays != 90 || cfg.MaxChanges != 50 || cfg.NeverLoggedInMode != "first-seen" ||
					cfg.AssignScope != "sso" || cfg.MaxSuspendPercent != 20 || cfg.CreateGroups || cfg.IncludeAPIUsers {
					t.Errorf("unset properties do not keep their defaults: %+v", cfg)
				}
			})
		}
	}
	t.Run("applies only when lmuh.apply is true", func(t *testing.T) {
		for value, want := range map[string]bool{"true": true, "false": false} {
			p := maps.Clone(props)
			p["lmuh.apply"] = value
			if cfg := loadModuleArgs(t, cmdline, p, true, false); cfg != nil && cfg.Apply != want {
				t.Errorf("lmuh.apply=%s: apply %v", value, cfg.Apply)
			}
		}
	})
	t.Run("lmuh.base-url replaces lmaccount", func(t *testing.T) {
		p := maps.Clone(props)
		delete(p, "lmaccount")
		p["lmuh.base-url"] = "https://acme.lmgov.us/santaba/rest"
		if cfg := loadModuleArgs(t, cmdline, p, false, false); cfg != nil && cfg.BaseURL != "https://acme.lmgov.us/santaba/rest" {
			t.Errorf("base URL %q", cfg.BaseURL)
		}
	})
}

// loadModuleArgs reads the parameters cmdline as the binary does after the
// collector replaced its tokens with props: an unset property is left as its
// token (unsetAsToken) or replaced by nothing, and split makes the arguments
// by splitting after the replacement (values with spaces fall apart) rather
// than before. It also runs the checks main makes before a run.
func loadModuleArgs(t *testing.T, cmdline string, props map[string]string, unsetAsToken, split bool) *Config {
	t.Helper()
	replace := func(s string) string {
		return propertyToken.ReplaceAllStringFunc(s, func(tok string) string {
			if v, ok := props[propertyToken.FindStringSubmatch(tok)[1]]; ok {
				return v
			}
			if unsetAsToken {
				return tok
			}
			return ""
		})
	}
	var args []string
	if split {
		args = strings.Fields(replace(cmdline))
	} else {
		for _, a := range strings.Fields(cmdline) {
			args = append(args, replace(a))
		}
	}
	cfg, _, err := loadPolicy(args, nil)
	if err != nil {
		t.Errorf("the binary refuses the parameters: %v\n%q", err, args)
		return nil
	}
	return cfg
}

// groovyVariable is one "property": "VARIABLE" pair of a Groovy module's map.
var groovyVariable = regexp.MustCompile(`(?m)^\s*"([a-z0-9.-]+)"\s*:\s*"([A-Z_]+)",?$`)

// groovyModules are the modules that run the installed binary from Groovy.
var groovyModules = []struct {
	file, output string
	apply        bool // whether lmuh.apply reaches the binary
}{
	{installedDataSourceFile, outDatasource, true},
	{configSourceFile, outConfigsource, false},
}

func TestGroovyModulesPassSettingsInTheEnvironment(t *testing.T) {
	for _, gm := range groovyModules {
		m := readModule(t, gm.file)
		script := m.CollectorAttribute.GroovyScript
		t.Run(filepath.Base(gm.file), func(t *testing.T) {
			if m.CollectMethod != "script" || m.CollectorAttribute.Name != "script" || m.CollectorAttribute.ScriptType != "embed" || script == "" {
				t.Fatal("not an embedded Groovy script")
			}
			got := map[string]string{}
			for _, pair := range groovyVariable.FindAllStringSubmatch(script, -1) {
				got[pair[1]] = pair[2]
			}
			want := map[string]string{"lmaccount": "LM_ACCOUNT", "lmuh.base-url": "LM_BASE_URL", "lmaccess.id": "LM_ACCESS_ID", "lmaccess.key": "LM_ACCESS_KEY"}
			for _, flag := range modulePolicyFlags() {
				if flag == "apply" && !gm.apply {
					continue
				}
				i := slices.IndexFunc(settings, func(s setting) bool { return s.flag == flag })
				want["lmuh."+flag] = settings[i].env
			}
			if !maps.Equal(got, want) {
				t.Errorf("property -> variable map\n got %v\nwant %v", got, want)
			}
			for _, s := range settings {
				if strings.Contains(script, "--"+s.flag) && s.flag != "output" {
					t.Errorf("the script names --%s: settings go through the environment", s.flag)
				}
			}
			if !strings.Contains(script, `def output = "`+gm.output+`"`) {
				t.Errorf("the script does not ask for the %s output", gm.output)
			}
			if !gm.apply && !strings.Contains(script, `env.put("LMUH_APPLY", "false")`) {
				t.Error("the ConfigSource does not set LMUH_APPLY=false")
			}
		})
	}
}

func TestConfigSourceModule(t *testing.T) {
	cs := readModule(t, configSourceFile)
	t.Run("is a java-properties config with an any-change check", func(t *testing.T) {
		if cs.FileFormat != "java-properties" {
			t.Errorf("fileFormat = %q", cs.FileFormat)
		}
		if !slices.ContainsFunc(cs.ConfigChecks, func(c moduleConfigCheck) bool { return c.Type == "ignore" && c.Name == "Any change" }) {
			t.Errorf("no \"Any change\" check (type ignore) in %+v", cs.ConfigChecks)
		}
	})
	t.Run("the DataSources apply to different categories, the ConfigSource to both", func(t *testing.T) {
		// One device with one category runs one DataSource: two would run
		// the tool twice.
		a, b := readModule(t, dataSourceFile).AppliesTo, readModule(t, installedDataSourceFile).AppliesTo
		if a == b || !strings.HasPrefix(a, "hasCategory(") || !strings.HasPrefix(b, "hasCategory(") {
			t.Errorf("appliesTo %q and %q", a, b)
		}
		if cs.AppliesTo != a+" || "+b {
			t.Errorf("ConfigSource appliesTo %q", cs.AppliesTo)
		}
	})
}
