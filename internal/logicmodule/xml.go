// Package logicmodule writes the LogicModules an admin imports into the
// portal, in the portal's XML export shape (<feed><entry
// type="predatasource">…): the run DataSources (the installed binary run
// from embedded Groovy, and the uploaded script file that carries the
// binaries), the ConfigSource, and the multi-instance DataSource of the
// upcoming suspensions. The shape, element by element, is the one real
// exports have; every element they all carry is written, in their order. A
// multi-instance module is written as real BATCHSCRIPT exports with script
// Active Discovery write it.
package logicmodule

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Module is one LogicModule: a DataSource or a ConfigSource.
type Module struct {
	Name, DisplayName, Description string
	// ConfigSource makes the entry a ConfigSource (dataSourceType 2).
	ConfigSource bool
	// Collector is the collect method: script (when empty), or batchscript,
	// one run of the script for every instance.
	Collector string
	// Discovery makes the module multi-instance: its instances are what
	// its Active Discovery script prints. Nil for a single instance.
	Discovery *Discovery
	// Schedule is the collect interval in seconds.
	Schedule    int
	AppliesTo   string
	Group, Tags string
	Technology  string
	Attributes  []Attribute
	Datapoints  []Datapoint
	Graphs      []Graph
	Scripts     []Script
}

// Discovery is a script Active Discovery in embedded Groovy.
type Discovery struct {
	Groovy string
	// Schedule is the discovery interval in minutes: 0, 15, 60 or 1440.
	Schedule int
	// WildValueIsID makes the wildvalue, not the name, identify an instance
	// (useWildValueAsUniqueIdentifier).
	WildValueIsID bool
	// Persist is the export's wildcardpersist flag.
	Persist bool
	// DeleteInactive deletes an instance the discovery no longer prints
	// (wildcarddeleteinactive).
	DeleteInactive bool
}

// Attribute is one collector attribute (scripttype, scriptgroovy,
// linuxscript, linuxcmdline, …).
type Attribute struct{ Name, Value string }

// Datapoint is one datapoint: a key of the script's key=value output, the
// exit code, or a ConfigSource's config check.
type Datapoint struct {
	Name        string
	Description string
	// DataType is 7 (double) for values, 4 (int) for the exit code, 1 for a
	// config check.
	DataType int
	// UseValue is output (a key=value line), exitCode, or empty (a check).
	UseValue            string
	PostProcessorMethod string
	PostProcessorParam  string
	// AlertExpr is "<op> <warning>[ <error>[ <critical>]]", empty for none.
	AlertExpr string
	// AlertMissing is the no-data alert: 1 none, 2 warning, 3 error.
	AlertMissing            int
	AlertSubject, AlertBody string
	MinValue, MaxValue      string
	// UserParams are a config check's type, its clear-on-acknowledge flag
	// and its third parameter.
	UserParams [3]string
}

// Graph is one instance graph.
type Graph struct {
	Name, VerticalLabel string
	DisplayPrio         int
	Lines               []Line
}

// Line is one datapoint drawn in a graph.
type Line struct {
	Datapoint, Legend, Color string
}

// Script is an uploaded script file the module carries.
type Script struct {
	Platform, Filename string
	Content            []byte
}

// XML is the module as the portal exports it.
func (m *Module) XML() []byte {
	w := &writer{}
	w.raw(`<?xml version="1.0" encoding="UTF-8" ?>`)
	w.raw(`<feed  version="1.0" hasPendingRequests="false" >`)
	w.elem(1, "company", "")
	w.elem(1, "status", "200")
	w.elem(1, "errmsg", "OK")
	w.elem(1, "interval", "0")
	w.raw(`    <entry type="predatasource">`)
	const e = 2
	w.elem(e, "name", m.Name)
	w.elem(e, "displayedas", m.DisplayName)
	w.elem(e, "description", m.Description)
	collector := m.Collector
	if collector == "" {
		collector = "script"
	}
	d := m.Discovery
	w.elem(e, "collector", collector)
	w.elem(e, "hasMultiInstances", strconv.FormatBool(d != nil))
	if d != nil {
		w.elem(e, "useWildValueAsUniqueIdentifier", strconv.FormatBool(d.WildValueIsID))
	}
	w.elem(e, "schedule", fmt.Sprint(m.Schedule))
	w.elem(e, "appliesTo", m.AppliesTo)
	adlist := `{"agdmethod":"none","agdparams":"","id":0,"filters":[],"params":{}}`
	if d == nil {
		// A single-instance module: no Active Discovery, written as real
		// single-instance exports write it.
		w.elem(e, "wildcardauto", "false")
		w.elem(e, "wildcardpersist", "false")
		w.elem(e, "wildcardlinuxscript", "")
		w.elem(e, "wildcardlinuxcmdline", "")
		w.elem(e, "wildcardwinscript", "")
		w.elem(e, "wildcardwincmdline", "")
		w.elem(e, "wildcardgroovyscript", "")
		w.elem(e, "wildcardschedule", "1440")
		w.elem(e, "wildcarddisable", "false")
		w.elem(e, "wildcarddeleteinactive", "false")
	} else {
		// Script Active Discovery in embedded Groovy ("embeded" as the
		// portal spells it), written twice as every real export writes it:
		// in the wildcard elements and in the adlist JSON. Which copy the
		// importer reads is not known, so both say the same.
		w.elem(e, "wildcardauto", "true")
		w.elem(e, "wildcardpersist", strconv.FormatBool(d.Persist))
		w.elem(e, "wildcardlinuxscript", "ad_script")
		w.elem(e, "wildcardlinuxcmdline", `type="embeded" `)
		w.elem(e, "wildcardwinscript", "ad_script")
		w.elem(e, "wildcardwincmdline", `type="embeded" `)
		w.elem(e, "wildcardgroovyscript", d.Groovy)
		w.elem(e, "wildcardschedule", fmt.Sprint(d.Schedule))
		w.elem(e, "wildcarddisable", "false")
		w.elem(e, "wildcarddeleteinactive", strconv.FormatBool(d.DeleteInactive))
		adlist = `{"agdmethod":"none","method":"ad_script","agdparams":"","id":0,"filters":[],` +
			`"params":{"type":"embeded","groovyscript":` + jsonString(d.Groovy) + `}}`
	}
	w.elem(e, "agdmethod", "none")
	w.elem(e, "agdparams", "")
	w.elem(e, "group", m.Group)
	w.elem(e, "tags", m.Tags)
	w.elem(e, "technology", m.Technology)
	w.cdata(e, "adlist", adlist)
	w.elem(e, "schemaVersion", "2")
	kind := "1"
	if m.ConfigSource {
		kind = "2"
	}
	w.elem(e, "dataSourceType", kind)

	w.open(e, "attributes")
	for _, a := range m.Attributes {
		w.open(e, "attribute")
		w.elem(e+1, "name", a.Name)
		w.elem(e+1, "value", a.Value)
		w.elem(e+1, "comment", "")
		w.close(e, "attribute")
	}
	w.close(e, "attributes")

	w.open(e, "datapoints")
	for _, d := range m.Datapoints {
		w.open(e, "datapoint")
		const i = e + 1
		w.elem(i, "name", d.Name)
		w.elem(i, "dataType", fmt.Sprint(d.DataType))
		w.elem(i, "type", "2") // gauge: each run's figure as it is
		w.elem(i, "postprocessormethod", d.PostProcessorMethod)
		w.elem(i, "postprocessorparam", d.PostProcessorParam)
		w.elem(i, "usevalue", d.UseValue)
		w.elem(i, "alertexpr", d.AlertExpr)
		w.elem(i, "alertmissing", fmt.Sprint(d.AlertMissing))
		w.elem(i, "alertsubject", d.AlertSubject)
		w.elem(i, "alertbody", d.AlertBody)
		w.elem(i, "enableanomalyalertsuppression", "")
		w.elem(i, "adadvsettingenabled", "false")
		w.elem(i, "warnadadvsetting", "")
		w.elem(i, "erroradadvsetting", "")
		w.elem(i, "criticaladadvsetting", "")
		w.elem(i, "description", d.Description)
		w.elem(i, "maxvalue", d.MaxValue)
		w.elem(i, "minvalue", d.MinValue)
		w.elem(i, "userparam1", d.UserParams[0])
		w.elem(i, "userparam2", d.UserParams[1])
		w.elem(i, "userparam3", d.UserParams[2])
		w.elem(i, "iscomposite", "false")
		w.elem(i, "rpn", "")
		w.elem(i, "alertTransitionIval", "0")
		w.elem(i, "alertClearTransitionIval", "0")
		w.close(e, "datapoint")
	}
	w.close(e, "datapoints")

	w.open(e, "graphs")
	for _, g := range m.Graphs {
		w.open(e, "graph")
		const i = e + 1
		w.elem(i, "name", g.Name)
		w.elem(i, "title", g.Name)
		w.elem(i, "verticallabel", g.VerticalLabel)
		w.elem(i, "rigid", "false")
		w.elem(i, "maxvalue", "NaN")
		w.elem(i, "minvalue", "0.0")
		w.elem(i, "displayprio", fmt.Sprint(g.DisplayPrio))
		w.elem(i, "timescale", "1month") // one point a day
		w.elem(i, "base1024", "false")
		w.open(i, "graphdatapoints")
		for _, l := range g.Lines {
			w.open(i, "graphdatapoint")
			w.elem(i+1, "name", l.Datapoint)
			w.elem(i+1, "datapointname", l.Datapoint)
			w.elem(i+1, "cf", "1")
			w.close(i, "graphdatapoint")
		}
		w.close(i, "graphdatapoints")
		w.open(i, "graphvirtualdatapoints")
		w.close(i, "graphvirtualdatapoints")
		w.open(i, "graphdatas")
		for _, l := range g.Lines {
			w.open(i, "graphdata")
			w.elem(i+1, "type", "1") // line
			w.elem(i+1, "legend", l.Legend)
			w.elem(i+1, "color", l.Color)
			w.elem(i+1, "datapointname", l.Datapoint)
			w.elem(i+1, "isvirtualdatapoint", "false")
			w.close(i, "graphdata")
		}
		w.close(i, "graphdatas")
		w.close(e, "graph")
	}
	w.close(e, "graphs")
	w.open(e, "overviewgraphs")
	w.close(e, "overviewgraphs")

	w.open(e, "scripts")
	for _, s := range m.Scripts {
		w.open(e, "script")
		w.elem(e+1, "platform", s.Platform)
		w.elem(e+1, "filename", s.Filename)
		w.elem(e+1, "usedfor", "collectorAttribute")
		w.cdata(e+1, "content", EncodeScript(s.Content))
		w.close(e, "script")
	}
	w.close(e, "scripts")
	w.raw(`    </entry>`)
	w.raw(`</feed>`)
	return []byte(w.String())
}

// EncodeScript is an uploaded file as real exports carry it: URL-safe
// base64 without padding, in lines of 76 characters, each line ended.
func EncodeScript(b []byte) string {
	enc := base64.RawURLEncoding.EncodeToString(b)
	var s strings.Builder
	s.Grow(len(enc) + len(enc)/76 + 1)
	for len(enc) > 76 {
		s.WriteString(enc[:76])
		s.WriteByte('\n')
		enc = enc[76:]
	}
	s.WriteString(enc)
	s.WriteByte('\n')
	return s.String()
}

// DecodeScript reads what EncodeScript wrote (and what a real export
// carries): URL-safe base64, padded or not, in lines.
func DecodeScript(s string) ([]byte, error) {
	s = strings.NewReplacer("\n", "", "\r", "", " ", "").Replace(s)
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// jsonString is s as a JSON string, with <, > and & as they are, as
// exports write them.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // a string always encodes
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// writer builds the file the way exports lay it out: four spaces an
// indentation level, text escaped with the numeric entities exports use.
type writer struct{ strings.Builder }

func (w *writer) raw(s string) {
	w.WriteString(s)
	w.WriteByte('\n')
}

func (w *writer) indent(level int) { w.WriteString(strings.Repeat("    ", level)) }

func (w *writer) elem(level int, name, text string) {
	w.indent(level)
	fmt.Fprintf(w, "<%s>%s</%s>\n", name, escape(text), name)
}

func (w *writer) cdata(level int, name, text string) {
	w.indent(level)
	fmt.Fprintf(w, "<%s><![CDATA[%s]]></%s>\n", name, strings.ReplaceAll(text, "]]>", "]]]]><![CDATA[>"), name)
}

func (w *writer) open(level int, name string) {
	w.indent(level)
	fmt.Fprintf(w, "<%s>\n", name)
}

func (w *writer) close(level int, name string) {
	w.indent(level)
	fmt.Fprintf(w, "</%s>\n", name)
}

// escape writes text as exports do: the five XML specials as numeric
// entities, line breaks and tabs as they are (a script stays readable), a
// carriage return as an entity so that a parser keeps it.
var escape = strings.NewReplacer(
	"&", "&#38;", "<", "&#60;", ">", "&#62;", `"`, "&#34;", "'", "&#39;", "\r", "&#13;",
).Replace
