package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"lm-user-hygiene/internal/logicmodule"
)

// The LogicModules an admin imports are files in the portal's XML export
// shape. The committed ones are every dist/logicmodules/*.xml; the
// uploaded-file DataSource is made by build.sh, so the tests make it with the
// same generator.

// Module names and the categories they apply to.
const (
	uploadedModule     = "LM_User_Hygiene"
	installedModule    = "LM_User_Hygiene_Installed"
	configSourceModule = "LM_User_Hygiene_Users"
	installedCategory  = `hasCategory("LMUserHygieneInstalled")`
	uploadedCategory   = `hasCategory("LMUserHygiene")`
)

// xmlModule is a module file as read back with encoding/xml: the elements
// the tests hold the modules to.
type xmlModule struct {
	XMLName     xml.Name   `xml:"feed"`
	FeedVersion string     `xml:"version,attr"`
	Entries     []xmlEntry `xml:"entry"`
}

type xmlDatapoint struct {
	Name                string `xml:"name"`
	DataType            string `xml:"dataType"`
	Type                string `xml:"type"`
	PostProcessorMethod string `xml:"postprocessormethod"`
	PostProcessorParam  string `xml:"postprocessorparam"`
	UseValue            string `xml:"usevalue"`
	AlertExpr           string `xml:"alertexpr"`
	AlertMissing        string `xml:"alertmissing"`
	AlertBody           string `xml:"alertbody"`
	Description         string `xml:"description"`
	UserParam1          string `xml:"userparam1"`
}

// xmlEntry is the one module a file holds.
type xmlEntry struct {
	Type              string `xml:"type,attr"`
	Name              string `xml:"name"`
	DisplayedAs       string `xml:"displayedas"`
	Description       string `xml:"description"`
	Collector         string `xml:"collector"`
	HasMultiInstances string `xml:"hasMultiInstances"`
	Schedule          string `xml:"schedule"`
	AppliesTo         string `xml:"appliesTo"`
	WildcardAuto      string `xml:"wildcardauto"`
	WildcardSchedule  string `xml:"wildcardschedule"`
	ADList            string `xml:"adlist"`
	SchemaVersion     string `xml:"schemaVersion"`
	DataSourceType    string `xml:"dataSourceType"`
	Attributes        []struct {
		Name  string `xml:"name"`
		Value string `xml:"value"`
	} `xml:"attributes>attribute"`
	Datapoints []xmlDatapoint `xml:"datapoints>datapoint"`
	Graphs     []struct {
		Name       string `xml:"name"`
		Datapoints []struct {
			Name          string `xml:"name"`
			DatapointName string `xml:"datapointname"`
		} `xml:"graphdatapoints>graphdatapoint"`
		Lines []struct {
			DatapointName string `xml:"datapointname"`
			Legend        string `xml:"legend"`
			Virtual       string `xml:"isvirtualdatapoint"`
		} `xml:"graphdatas>graphdata"`
	} `xml:"graphs>graph"`
	Scripts []struct {
		Platform string `xml:"platform"`
		Filename string `xml:"filename"`
		UsedFor  string `xml:"usedfor"`
		Content  string `xml:"content"`
	} `xml:"scripts>script"`
}

func (e *xmlEntry) attr(name string) (string, bool) {
	for _, a := range e.Attributes {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// parseModule reads a module file strictly; a file that is no well-formed
// XML, or holds no single entry, is an error.
func parseModule(raw []byte) (*xmlEntry, error) {
	var m xmlModule
	d := xml.NewDecoder(strings.NewReader(string(raw)))
	d.Strict = true
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if len(m.Entries) != 1 {
		return nil, fmt.Errorf("%d entries, want one module per file", len(m.Entries))
	}
	return &m.Entries[0], nil
}

// shippedModules are the committed module files, by module name.
func shippedModules(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("dist", "logicmodules", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no module files in dist/logicmodules (%v)", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".xml")] = raw
	}
	return out
}

// Stand-ins for the binaries the uploaded module carries: bytes that
// exercise every base64 character and a length that is no multiple of 3.
var (
	standInLinux   = []byte("\x7fELF stand-in \xfb\xff\xfe\x00" + strings.Repeat("linux ", 40))
	standInWindows = []byte("MZ stand-in \xfb\xef\xbe" + strings.Repeat("windows ", 30))
)

// allModules are the committed modules and the uploaded one made from
// stand-in binaries.
func allModules(t *testing.T) map[string][]byte {
	t.Helper()
	m := shippedModules(t)
	if _, ok := m[uploadedModule]; ok {
		t.Fatalf("%s.xml is committed: build.sh makes it with the binaries", uploadedModule)
	}
	m[uploadedModule] = logicmodule.Uploaded(standInLinux, standInWindows).XML()
	return m
}

func readEntry(t *testing.T, modules map[string][]byte, name string) *xmlEntry {
	t.Helper()
	raw, ok := modules[name]
	if !ok {
		t.Fatalf("no module %s", name)
	}
	e, err := parseModule(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

var (
	// alertExpr is "<op> <warning>[ <error>[ <critical>]]".
	alertExpr = regexp.MustCompile(`^(=|!=|>|>=|<|<=) -?[0-9]+(\.[0-9]+)?( -?[0-9]+(\.[0-9]+)?){0,2}$`)
	// collectSchedules are the collect intervals real exports show.
	collectSchedules = []string{"60", "120", "180", "240", "300", "360", "600", "720", "3600", "14400", "86400"}
	// discoverySchedules are the Active Discovery intervals the portal takes.
	discoverySchedules = []string{"0", "15", "60", "1440"}
)

// moduleProblems holds a module file to the export shape, whatever its
// kind; each problem is one line.
func moduleProblems(name string, raw []byte) []string {
	var p []string
	bad := func(format string, a ...any) { p = append(p, fmt.Sprintf(format, a...)) }
	e, err := parseModule(raw)
	if err != nil {
		return []string{err.Error()}
	}
	if !strings.HasPrefix(string(raw), `<?xml version="1.0" encoding="UTF-8"`) {
		bad("no UTF-8 XML declaration")
	}
	if e.Type != "predatasource" {
		bad("entry type %q, want predatasource", e.Type)
	}
	if e.Name != name {
		bad("module %q in the file of %q", e.Name, name)
	}
	if e.DisplayedAs == "" || e.Description == "" {
		bad("no display name or description")
	}
	if e.SchemaVersion != "2" {
		bad("schemaVersion %q", e.SchemaVersion)
	}
	switch e.DataSourceType {
	case "1":
	case "2":
		if e.Collector != "script" {
			bad("a ConfigSource collects by %q, want script", e.Collector)
		}
		if v, _ := e.attr("csfileformat"); v != "arbitrary" {
			bad("ConfigSource csfileformat %q, want arbitrary", v)
		}
	default:
		bad("dataSourceType %q, want 1 (DataSource) or 2 (ConfigSource)", e.DataSourceType)
	}
	if e.Collector != "script" && e.Collector != "batchscript" {
		bad("collector %q", e.Collector)
	}
	if !slices.Contains(collectSchedules, e.Schedule) {
		bad("schedule %q is none of %v", e.Schedule, collectSchedules)
	}
	if e.AppliesTo == "" {
		bad("no appliesTo")
	}
	multi := e.HasMultiInstances == "true"
	if e.HasMultiInstances != "true" && e.HasMultiInstances != "false" || (e.WildcardAuto == "true") != multi {
		bad("hasMultiInstances %q with wildcardauto %q", e.HasMultiInstances, e.WildcardAuto)
	}
	if multi && !slices.Contains(discoverySchedules, e.WildcardSchedule) {
		bad("wildcardschedule %q is none of %v", e.WildcardSchedule, discoverySchedules)
	}
	if e.Collector == "batchscript" && !multi {
		bad("a batchscript module that is not multi-instance")
	}
	if !json.Valid([]byte(e.ADList)) {
		bad("adlist is not JSON: %q", e.ADList)
	}
	switch st, _ := e.attr("scripttype"); st {
	case "embed":
		if g, _ := e.attr("scriptgroovy"); strings.TrimSpace(g) == "" {
			bad("scripttype embed without scriptgroovy")
		}
		if len(e.Scripts) > 0 {
			bad("an embedded script with uploaded files")
		}
	case "file":
		for _, a := range []string{"linuxscript", "windowsscript", "linuxcmdline", "windowscmdline"} {
			if v, _ := e.attr(a); v == "" {
				bad("scripttype file without %s", a)
			}
		}
	default:
		bad("scripttype %q, want embed or file", st)
	}
	names := map[string]bool{}
	for _, d := range e.Datapoints {
		if d.Name == "" || names[d.Name] {
			bad("datapoint %q is unnamed or defined twice", d.Name)
		}
		names[d.Name] = true
		if d.AlertExpr != "" && !alertExpr.MatchString(d.AlertExpr) {
			bad("datapoint %s: alertexpr %q is not \"<op> <warning>[ <error>[ <critical>]]\"", d.Name, d.AlertExpr)
		}
		if !slices.Contains([]string{"1", "2", "3", "4"}, d.AlertMissing) {
			bad("datapoint %s: alertmissing %q", d.Name, d.AlertMissing)
		}
		if (d.AlertExpr != "" || d.AlertMissing != "1") && strings.TrimSpace(d.AlertBody) == "" {
			bad("datapoint %s alerts without a body saying what to do", d.Name)
		}
		if e.DataSourceType == "2" {
			if d.UserParam1 != "ignore" && d.UserParam1 != "fetch" && d.UserParam1 != "missing" && d.UserParam1 != "value" && d.UserParam1 != "groovy" {
				bad("config check %s: type %q", d.Name, d.UserParam1)
			}
			continue
		}
		switch d.UseValue {
		case "output":
			if d.PostProcessorMethod == "namevalue" && d.PostProcessorParam == "" {
				bad("datapoint %s reads no key", d.Name)
			}
			if e.Collector == "batchscript" && !strings.HasPrefix(d.PostProcessorParam, "##WILDVALUE##.") {
				bad("batchscript datapoint %s: key %q lacks ##WILDVALUE##.", d.Name, d.PostProcessorParam)
			}
		case "exitCode", "responseTime":
		default:
			bad("datapoint %s: usevalue %q", d.Name, d.UseValue)
		}
	}
	for _, g := range e.Graphs {
		inGraph := map[string]bool{}
		for _, gd := range g.Datapoints {
			if !names[gd.DatapointName] {
				bad("graph %q draws %q, which is no datapoint", g.Name, gd.DatapointName)
			}
			inGraph[gd.Name] = true
		}
		for _, l := range g.Lines {
			if !inGraph[l.DatapointName] || l.Virtual != "false" {
				bad("graph %q: line %q names no graph datapoint", g.Name, l.DatapointName)
			}
		}
	}
	return p
}

func TestModulesHaveTheExportShape(t *testing.T) {
	modules := allModules(t)
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		t.Run(name, func(t *testing.T) {
			for _, p := range moduleProblems(name, modules[name]) {
				t.Error(p)
			}
		})
	}
}

// The shape check is only worth something if it can fail: each case breaks
// the installed DataSource in one way an import or a run would suffer.
func TestModuleShapeCheckCatchesMistakes(t *testing.T) {
	raw := string(allModules(t)[installedModule])
	for _, tc := range []struct {
		name, old, new, mention string
	}{
		{"not well-formed", "</feed>", "</fed>", "fed"},
		{"the REST shape's kind", "<dataSourceType>1</dataSourceType>", "<dataSourceType>0</dataSourceType>", "dataSourceType"},
		{"a schedule in minutes", "<schedule>86400</schedule>", "<schedule>1440</schedule>", "schedule"},
		{"an alert expression without a value", "<alertexpr>&#60; 1 1</alertexpr>", "<alertexpr>&#60;</alertexpr>", "alertexpr"},
		{"an alert without a body", "<alertbody>The lm-user-hygiene run", "<alertbody></alertbody><x>", "body"},
		{"a graph of a datapoint that does not exist", "<datapointname>users_active</datapointname>\n                <cf>", "<datapointname>users_activ</datapointname>\n                <cf>", "users_activ"},
		{"multi-instance without discovery", "<hasMultiInstances>false</hasMultiInstances>", "<hasMultiInstances>true</hasMultiInstances>", "hasMultiInstances"},
		{"an adlist that is not JSON", `"agdmethod":"none"`, `"agdmethod":none`, "adlist"},
		{"a module named otherwise than its file", "<name>" + installedModule + "</name>", "<name>Other</name>", "Other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(raw, tc.old) {
				t.Fatalf("the module has no %q to break", tc.old)
			}
			broken := strings.Replace(raw, tc.old, tc.new, 1)
			problems := strings.Join(moduleProblems(installedModule, []byte(broken)), "\n")
			if !strings.Contains(problems, tc.mention) {
				t.Errorf("no problem naming %q; found:\n%s", tc.mention, problems)
			}
		})
	}
}

func TestCommittedModules(t *testing.T) {
	modules := shippedModules(t)
	for _, want := range []string{installedModule, configSourceModule} {
		if _, ok := modules[want]; !ok {
			t.Errorf("dist/logicmodules/%s.xml is missing", want)
		}
	}
	t.Run("every module but the uploaded one applies to the installed category only", func(t *testing.T) {
		// The ConfigSource and the notice run the installed binary: on the
		// uploaded category there is none on the collector host's disk.
		for name, raw := range modules {
			e, err := parseModule(raw)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if e.AppliesTo != installedCategory {
				t.Errorf("%s applies to %q, want %s", name, e.AppliesTo, installedCategory)
			}
		}
	})
}

// runDatapointKeys are the keys the run DataSources read: exactly what the
// binary prints, in its order, then the exit code.
func runDatapointKeys() []string { return append(slices.Clone(datasourceKeys), "exit_code") }

func TestRunDataSources(t *testing.T) {
	modules := allModules(t)
	for _, tc := range []struct{ module, appliesTo, scriptType string }{
		{installedModule, installedCategory, "embed"},
		{uploadedModule, uploadedCategory, "file"},
	} {
		e := readEntry(t, modules, tc.module)
		byName := map[string]xmlDatapoint{}
		var keys []string
		for _, d := range e.Datapoints {
			byName[d.Name] = d
			keys = append(keys, d.Name)
		}
		t.Run(tc.module+" is a daily script DataSource on its own category", func(t *testing.T) {
			if e.DataSourceType != "1" || e.Collector != "script" || e.HasMultiInstances != "false" || e.Schedule != "86400" {
				t.Errorf("dataSourceType %s, collector %s, multi %s, schedule %s", e.DataSourceType, e.Collector, e.HasMultiInstances, e.Schedule)
			}
			if st, _ := e.attr("scripttype"); st != tc.scriptType {
				t.Errorf("scripttype %q, want %q", st, tc.scriptType)
			}
			if e.AppliesTo != tc.appliesTo {
				t.Errorf("appliesTo %q, want %q", e.AppliesTo, tc.appliesTo)
			}
		})
		t.Run(tc.module+" reads every key the binary prints, in its order", func(t *testing.T) {
			if !slices.Equal(keys, runDatapointKeys()) {
				t.Errorf("datapoints %v,\nwant %v", keys, runDatapointKeys())
			}
			for _, d := range e.Datapoints {
				if d.Name == "exit_code" {
					if d.UseValue != "exitCode" || d.PostProcessorMethod != "none" {
						t.Errorf("exit_code reads %s/%s", d.UseValue, d.PostProcessorMethod)
					}
					continue
				}
				if d.UseValue != "output" || d.PostProcessorMethod != "namevalue" || d.PostProcessorParam != d.Name {
					t.Errorf("datapoint %s reads %s/%s %q, want the key=value line of its name", d.Name, d.UseValue, d.PostProcessorMethod, d.PostProcessorParam)
				}
				if d.Description == "" {
					t.Errorf("datapoint %s has no description", d.Name)
				}
			}
		})
		t.Run(tc.module+" alerts with severities", func(t *testing.T) {
			want := map[string]string{
				"run_success":      "< 1 1", // error
				"breaker_tripped":  "> 0 0", // error
				"errors":           "> 0",
				"budget_exhausted": "> 0",
				"config_warnings":  "> 0",
				"users_unreadable": "> 0",
				"state_ok":         "< 1",
			}
			for _, d := range e.Datapoints {
				if d.AlertExpr != want[d.Name] {
					t.Errorf("%s alertexpr %q, want %q", d.Name, d.AlertExpr, want[d.Name])
				}
				wantMissing := "1"
				if d.Name == "run_success" {
					wantMissing = "3" // no data is a run that printed nothing: an error
				}
				if d.AlertMissing != wantMissing {
					t.Errorf("%s alertmissing %s, want %s", d.Name, d.AlertMissing, wantMissing)
				}
				if want[d.Name] != "" && !strings.Contains(d.AlertBody, "What to do") {
					t.Errorf("%s: the alert body does not say what to do: %q", d.Name, d.AlertBody)
				}
			}
		})
		t.Run(tc.module+" graphs the changes, what waits and the users by status", func(t *testing.T) {
			var got [][]string
			for _, g := range e.Graphs {
				var dps []string
				for _, l := range g.Lines {
					dps = append(dps, l.DatapointName)
				}
				got = append(got, dps)
			}
			want := [][]string{
				{"suspend_applied", "move_applied", "assign_applied"},
				{"suspend_upcoming", "pending"},
				{"users_active", "users_suspended"},
			}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("graphs draw %v, want %v", got, want)
			}
		})
	}
}

func TestConfigSourceModule(t *testing.T) {
	e := readEntry(t, shippedModules(t), configSourceModule)
	t.Run("is an hourly arbitrary-format ConfigSource on the installed category", func(t *testing.T) {
		if e.DataSourceType != "2" || e.Schedule != "3600" || e.AppliesTo != installedCategory {
			t.Errorf("dataSourceType %s, schedule %s, appliesTo %s", e.DataSourceType, e.Schedule, e.AppliesTo)
		}
		if v, _ := e.attr("csfileformat"); v != "arbitrary" {
			t.Errorf("csfileformat %q", v)
		}
	})
	t.Run("warns on any change and on a failed retrieval", func(t *testing.T) {
		got := map[string]string{}
		for _, d := range e.Datapoints {
			got[d.UserParam1] = d.AlertExpr
			var check map[string]any
			if err := json.Unmarshal([]byte(d.PostProcessorParam), &check); err != nil || check["format"] != "arbitrary" {
				t.Errorf("check %s: definition %q (%v)", d.Name, d.PostProcessorParam, err)
			}
		}
		if want := map[string]string{"ignore": "= 1", "fetch": "= 1"}; !maps.Equal(got, want) {
			t.Errorf("checks (type: alert) %v, want %v", got, want)
		}
	})
}

func TestUploadedModuleCarriesTheBinaries(t *testing.T) {
	e := readEntry(t, allModules(t), uploadedModule)
	linux, _ := e.attr("linuxscript")
	windows, _ := e.attr("windowsscript")
	if len(e.Scripts) != 2 {
		t.Fatalf("%d script files, want the Linux and the Windows binary", len(e.Scripts))
	}
	for i, want := range []struct {
		platform, file string
		content        []byte
	}{{"Linux", linux, standInLinux}, {"Windows", windows, standInWindows}} {
		s := e.Scripts[i]
		if s.Platform != want.platform || s.Filename != want.file || s.UsedFor != "collectorAttribute" {
			t.Errorf("script %d: %s %q for %s, want %s %q (its %sscript name)", i, s.Platform, s.Filename, s.UsedFor, want.platform, want.file, strings.ToLower(want.platform))
		}
		for _, line := range strings.Split(strings.TrimSpace(s.Content), "\n") {
			if len(line) > 76 || strings.ContainsAny(line, "+/=") {
				t.Errorf("%s: line %q is not unpadded URL-safe base64 in lines of 76", s.Filename, line)
				break
			}
		}
		got, err := logicmodule.DecodeScript(s.Content)
		if err != nil || string(got) != string(want.content) {
			t.Errorf("%s does not decode to the binary (%v)", s.Filename, err)
		}
	}
}

// TestBuiltModuleRunsItsBinary builds the Linux binary, makes the uploaded
// module with the generator build.sh runs, and runs the file the module
// carries.
func TestBuiltModuleRunsItsBinary(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("runs the linux_amd64 binary the module carries")
	}
	bin := testBinary(t)
	dir := t.TempDir()
	win := filepath.Join(dir, "windows.exe")
	if err := os.WriteFile(win, standInWindows, 0o600); err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(dir, uploadedModule+".xml")
	gen := exec.Command("go", "run", "./internal/logicmodule/mkmodules", "-uploaded", module, "-linux", bin, "-windows", win)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("mkmodules: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(module)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range moduleProblems(uploadedModule, raw) {
		t.Error(p)
	}
	e, err := parseModule(raw)
	if err != nil {
		t.Fatal(err)
	}
	carried, err := logicmodule.DecodeScript(e.Scripts[0].Content)
	if err != nil {
		t.Fatal(err)
	}
	name, _ := e.attr("linuxscript")
	run := filepath.Join(dir, "collector", name)
	if err := os.MkdirAll(filepath.Dir(run), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(run, carried, 0o700); err != nil {
		t.Fatal(err)
	}
	want, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(run, "--version").Output()
	if err != nil || string(out) != string(want) {
		t.Errorf("the carried binary printed %q (%v), want %q: the binary the module was made of", out, err, want)
	}
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

// propertyToken is a ##property## token the collector replaces.
var propertyToken = regexp.MustCompile(`##([A-Za-z0-9_.-]+)##`)

func TestDataSourceParameters(t *testing.T) {
	e := readEntry(t, allModules(t), uploadedModule)
	cmdline, _ := e.attr("linuxcmdline")
	if win, _ := e.attr("windowscmdline"); win != cmdline {
		t.Errorf("the Linux and Windows parameters differ:\n%s\n%s", cmdline, win)
	}
	flags := map[string]bool{}
	for _, s := range settings {
		flags[s.flag] = true
	}
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

// groovyModules are the modules that run the installed binary from Groovy
// with one command and output.
var groovyModules = []struct {
	module, command, output string
}{
	{installedModule, cmdRun, outDatasource},
	{configSourceModule, cmdCheck, outConfigsource},
}

// groovyScript is the embedded Groovy of a committed module.
func groovyScript(t *testing.T, module string) string {
	t.Helper()
	e := readEntry(t, shippedModules(t), module)
	if st, _ := e.attr("scripttype"); st != "embed" || e.Collector != "script" {
		t.Fatalf("%s: scripttype %q, collector %q: not an embedded Groovy script", module, st, e.Collector)
	}
	script, _ := e.attr("scriptgroovy")
	return script
}

func TestGroovyModulesPassSettingsInTheEnvironment(t *testing.T) {
	for _, gm := range groovyModules {
		script := groovyScript(t, gm.module)
		t.Run(gm.module, func(t *testing.T) {
			got := map[string]string{}
			for _, pair := range groovyVariable.FindAllStringSubmatch(script, -1) {
				got[pair[1]] = pair[2]
			}
			// Every module passes every policy setting, lmuh.apply too: the
			// ConfigSource records the policy the DataSource runs.
			want := map[string]string{"lmaccount": "LM_ACCOUNT", "lmuh.base-url": "LM_BASE_URL", "lmaccess.id": "LM_ACCESS_ID", "lmaccess.key": "LM_ACCESS_KEY"}
			for _, flag := range modulePolicyFlags() {
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
			if !strings.Contains(script, `runBinary(["`+gm.command+`", "--output=" + output])`) ||
				!strings.Contains(script, `def output = "`+gm.output+`"`) {
				t.Errorf("the script does not run %s --output=%s", gm.command, gm.output)
			}
		})
	}
}
