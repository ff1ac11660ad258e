package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// upcomingModuleFile is the multi-instance DataSource that gives notice of
// upcoming suspensions through the portal's alerting.
var upcomingModuleFile = filepath.Join("dist", "logicmodules", "LM_User_Hygiene_Upcoming.xml")

// upcomingFeed is the portal's XML export shape of one DataSource.
type upcomingFeed struct {
	XMLName xml.Name `xml:"feed"`
	Entries []struct {
		Type   string `xml:"type,attr"`
		Fields []struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		} `xml:",any"`
		// The containers are pointers, so that a missing one is told from
		// an empty one.
		Attributes *struct {
			Attribute []struct {
				Name  string `xml:"name"`
				Value string `xml:"value"`
			} `xml:"attribute"`
		} `xml:"attributes"`
		Datapoints *struct {
			Datapoint []upcomingDatapoint `xml:"datapoint"`
		} `xml:"datapoints"`
		Graphs *struct {
			Graph []struct{} `xml:"graph"`
		} `xml:"graphs"`
		Overviews *struct {
			Graph []struct{} `xml:"overviewgraph"`
		} `xml:"overviewgraphs"`
		Scripts *struct {
			Script []struct{} `xml:"script"`
		} `xml:"scripts"`
	} `xml:"entry"`
}

type upcomingDatapoint struct {
	Name          string `xml:"name"`
	DataType      string `xml:"dataType"`
	Type          string `xml:"type"`
	Method        string `xml:"postprocessormethod"`
	Param         string `xml:"postprocessorparam"`
	UseValue      string `xml:"usevalue"`
	AlertExpr     string `xml:"alertexpr"`
	AlertMissing  string `xml:"alertmissing"`
	AlertSubject  string `xml:"alertsubject"`
	AlertBody     string `xml:"alertbody"`
	Description   string `xml:"description"`
	TransitionIv  string `xml:"alertTransitionIval"`
	ClearTransIv  string `xml:"alertClearTransitionIval"`
	IsComposite   string `xml:"iscomposite"`
	AnomalyAdvSet string `xml:"adadvsettingenabled"`
}

// upcomingModule is the module read back with an XML parser: its entry's
// simple elements by name, its collector attributes by name, and its
// datapoints.
type upcomingModule struct {
	entryType  string
	fields     map[string]string
	order      []string
	attributes map[string]string
	datapoints []upcomingDatapoint
	graphs     int
	scripts    int
}

func readUpcomingModule(t *testing.T) upcomingModule {
	t.Helper()
	raw, err := os.ReadFile(upcomingModuleFile)
	if err != nil {
		t.Fatal(err)
	}
	var feed upcomingFeed
	if err := xml.Unmarshal(raw, &feed); err != nil {
		t.Fatalf("%s is not XML: %v", upcomingModuleFile, err)
	}
	if len(feed.Entries) != 1 {
		t.Fatalf("%d entries, want one module", len(feed.Entries))
	}
	e := feed.Entries[0]
	if e.Attributes == nil || e.Datapoints == nil || e.Graphs == nil || e.Overviews == nil || e.Scripts == nil {
		t.Fatal("the entry lacks one of <attributes>, <datapoints>, <graphs>, <overviewgraphs> and <scripts>")
	}
	m := upcomingModule{entryType: e.Type, fields: map[string]string{}, attributes: map[string]string{},
		datapoints: e.Datapoints.Datapoint, graphs: len(e.Graphs.Graph) + len(e.Overviews.Graph), scripts: len(e.Scripts.Script)}
	for _, f := range e.Fields {
		m.fields[f.XMLName.Local] = f.Text
		m.order = append(m.order, f.XMLName.Local)
	}
	for _, a := range e.Attributes.Attribute {
		m.attributes[a.Name] = a.Value
	}
	return m
}

func TestUpcomingModuleIsAnXMLExport(t *testing.T) {
	m := readUpcomingModule(t)
	if m.entryType != "predatasource" {
		t.Errorf("entry type %q, want predatasource", m.entryType)
	}
	// Every element real exports carry (lm-modules/FORMAT.md §4.2), but the
	// export's own timestamp.
	for _, name := range []string{"name", "displayedas", "description", "collector", "hasMultiInstances",
		"useWildValueAsUniqueIdentifier", "schedule", "appliesTo", "wildcardauto", "wildcardpersist",
		"wildcardlinuxscript", "wildcardlinuxcmdline", "wildcardwinscript", "wildcardwincmdline",
		"wildcardgroovyscript", "wildcardschedule", "wildcarddisable", "wildcarddeleteinactive", "agdmethod",
		"agdparams", "group", "tags", "technology", "adlist", "schemaVersion", "dataSourceType"} {
		if !slices.Contains(m.order, name) {
			t.Errorf("no <%s>", name)
		}
	}
	for name, want := range map[string]string{
		"name":                           "LM_User_Hygiene_Upcoming",
		"collector":                      "batchscript",
		"hasMultiInstances":              "true",
		"useWildValueAsUniqueIdentifier": "true",
		"schedule":                       "3600", // collection every hour, in seconds
		"appliesTo":                      `hasCategory("LMUserHygieneInstalled")`,
		"wildcardauto":                   "true",
		"wildcardlinuxscript":            "ad_script",
		"wildcardwinscript":              "ad_script",
		"wildcardlinuxcmdline":           `type="embeded" `,
		"wildcardwincmdline":             `type="embeded" `,
		"wildcardschedule":               "60", // discovery every 60 minutes
		"wildcarddisable":                "false",
		"wildcarddeleteinactive":         "true",
		"agdmethod":                      "none",
		"schemaVersion":                  "2",
		"dataSourceType":                 "1",
	} {
		if got := m.fields[name]; got != want {
			t.Errorf("<%s> %q, want %q", name, got, want)
		}
	}
	if m.attributes["scripttype"] != "embed" || m.attributes["linuxscript"] != "" || m.attributes["windowsscript"] != "" {
		t.Errorf("collection is not embedded Groovy: %v", m.attributes)
	}
	if m.graphs != 0 || m.scripts != 0 {
		t.Errorf("%d graphs and %d scripts, want none", m.graphs, m.scripts)
	}
}

// The Active Discovery is written twice, as the wildcard elements and as
// the adlist JSON; which one the importer reads is not known, so both say
// the same.
func TestUpcomingModuleDiscoveryIsWrittenTheSameTwice(t *testing.T) {
	m := readUpcomingModule(t)
	var ad struct {
		Method    string `json:"method"`
		AGDMethod string `json:"agdmethod"`
		Params    struct {
			Type         string `json:"type"`
			GroovyScript string `json:"groovyscript"`
		} `json:"params"`
	}
	if err := json.Unmarshal([]byte(m.fields["adlist"]), &ad); err != nil {
		t.Fatalf("adlist is not JSON: %v", err)
	}
	if ad.Method != "ad_script" || ad.AGDMethod != "none" || ad.Params.Type != "embeded" {
		t.Errorf("adlist %+v", ad)
	}
	if ad.Params.GroovyScript != m.fields["wildcardgroovyscript"] {
		t.Error("the adlist's discovery script differs from <wildcardgroovyscript>")
	}
}

// upcomingScripts are the module's two Groovy scripts and the output each
// asks the binary for.
func upcomingScripts(m upcomingModule) map[string]string {
	return map[string]string{"discovery": m.fields["wildcardgroovyscript"], "batch": m.attributes["scriptgroovy"]}
}

var upcomingScriptVariable = regexp.MustCompile(`(?m)^\s*"([a-z0-9.-]+)"\s*:\s*"([A-Z_]+)",?$`)

func TestUpcomingModuleScriptsRunTheInstalledBinary(t *testing.T) {
	m := readUpcomingModule(t)
	for output, script := range upcomingScripts(m) {
		t.Run(output, func(t *testing.T) {
			if !strings.Contains(script, `def output = "`+output+`"`) ||
				!strings.Contains(script, `runBinary(["upcoming", "--output=" + output])`) {
				t.Errorf("the script does not run upcoming --output=%s", output)
			}
			got := map[string]string{}
			for _, pair := range upcomingScriptVariable.FindAllStringSubmatch(script, -1) {
				got[pair[1]] = pair[2]
			}
			want := map[string]string{"lmaccount": "LM_ACCOUNT", "lmuh.base-url": "LM_BASE_URL", "lmaccess.id": "LM_ACCESS_ID", "lmaccess.key": "LM_ACCESS_KEY"}
			for _, s := range settings {
				switch s.flag {
				case "account", "base-url", "access-id", "access-key", "bearer-token", "output", "as-of":
					continue
				}
				want["lmuh."+s.flag] = s.env
			}
			for prop, env := range want {
				if got[prop] != env {
					t.Errorf("property %s reaches the binary as %q, want %s", prop, got[prop], env)
				}
			}
			for prop := range got {
				if _, ok := want[prop]; !ok {
					t.Errorf("property %s is passed but names no setting", prop)
				}
			}
			for _, must := range []string{`hostProps.get(name)`, `property("lmuh.binary")`, `property("lmuh.timeout")`,
				`it.startsWith("LM_") || it.startsWith("LMUH_")`, "destroyForcibly"} {
				if !strings.Contains(script, must) {
					t.Errorf("the script lacks %s", must)
				}
			}
		})
	}
}

func TestUpcomingModuleDatapoints(t *testing.T) {
	m := readUpcomingModule(t)
	var names []string
	for _, dp := range m.datapoints {
		names = append(names, dp.Name)
		if dp.Method != "namevalue" || dp.UseValue != "output" || dp.Param != "##WILDVALUE##."+dp.Name {
			t.Errorf("%s: read as %s %s of %s, want namevalue ##WILDVALUE##.%s of output", dp.Name, dp.Method, dp.Param, dp.UseValue, dp.Name)
		}
		if dp.AlertMissing != "1" {
			t.Errorf("%s: alertmissing %s, want 1 (no no-data alert)", dp.Name, dp.AlertMissing)
		}
		if dp.Type != "2" || dp.DataType != "4" || dp.IsComposite != "false" {
			t.Errorf("%s: type %s dataType %s, want a gauge of whole numbers", dp.Name, dp.Type, dp.DataType)
		}
	}
	if !slices.Equal(names, []string{"days_left", "idle_days"}) {
		t.Fatalf("datapoints %v, want days_left and idle_days", names)
	}
	days, idle := m.datapoints[0], m.datapoints[1]
	if days.AlertExpr != "< 8 2" {
		t.Errorf("days_left alerts on %q, want < 8 2 (warning at 7 days or fewer, error at 1 or fewer)", days.AlertExpr)
	}
	if idle.AlertExpr != "" || idle.AlertBody != "" {
		t.Errorf("idle_days alerts (%q): only days_left does", idle.AlertExpr)
	}
	// The body names the user, the day, and how to stay.
	for _, want := range []string{"##INSTANCE##", "##DSIDESCRIPTION##", "logs in", "lmuh:exempt", "auto.lmuh.email"} {
		if !strings.Contains(days.AlertBody, want) {
			t.Errorf("days_left's alert body lacks %q:\n%s", want, days.AlertBody)
		}
	}
	if !strings.Contains(days.AlertSubject, "##INSTANCE##") {
		t.Errorf("the alert subject does not name the user: %q", days.AlertSubject)
	}
}
