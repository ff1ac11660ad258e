package logicmodule

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lm-user-hygiene/hygiene"
)

// The committed files are what the generator writes today: a change to a
// module goes through the generator, never by hand.
func TestCommittedFilesAreGenerated(t *testing.T) {
	for name, want := range Committed() {
		got, err := os.ReadFile(filepath.Join("..", "..", "dist", "logicmodules", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("dist/logicmodules/%s is not what the generator writes: run go run ./internal/logicmodule/mkmodules -dir dist/logicmodules", name)
		}
	}
}

func TestEveryAlertIsOnADatapoint(t *testing.T) {
	for name := range runAlerts {
		if !slices.ContainsFunc(hygiene.Datapoints, func(d hygiene.Datapoint) bool { return d.Name == name }) {
			t.Errorf("an alert on %s, which the binary does not print", name)
		}
	}
}

func TestScriptEncoding(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 56, 57, 58, 1000} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + 250)
		}
		enc := EncodeScript(b)
		for _, line := range strings.Split(strings.TrimSuffix(enc, "\n"), "\n") {
			if len(line) > 76 || strings.ContainsAny(line, "+/=") {
				t.Errorf("%d bytes: line %q", n, line)
			}
		}
		got, err := DecodeScript(enc)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%d bytes do not come back (%v)", n, err)
		}
	}
	// A real export's content may carry padding; it decodes all the same.
	if got, err := DecodeScript("YWI=\n"); err != nil || string(got) != "ab" {
		t.Errorf("padded: %q %v", got, err)
	}
}

// Text survives the escaping: a parser reads back what was written.
func TestEscapedTextReadsBack(t *testing.T) {
	text := "a & b < c > d \"e\" 'f'\r\n\tg ]]> h"
	m := &Module{Name: "X", Description: text, Attributes: []Attribute{{"scriptgroovy", text}}}
	var got struct {
		Entry struct {
			Description string `xml:"description"`
			Attr        []struct {
				Value string `xml:"value"`
			} `xml:"attributes>attribute"`
			ADList string `xml:"adlist"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(m.XML(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Entry.Description != text || got.Entry.Attr[0].Value != text {
		t.Errorf("read back %q and %q, want %q", got.Entry.Description, got.Entry.Attr[0].Value, text)
	}
	if !strings.Contains(got.Entry.ADList, `"agdmethod":"none"`) {
		t.Errorf("adlist %q", got.Entry.ADList)
	}
}

// The same binaries give the same bytes: build.sh's checksums compare two
// builds.
func TestUploadedIsReproducible(t *testing.T) {
	a := Uploaded([]byte("linux"), []byte("windows")).XML()
	b := Uploaded([]byte("linux"), []byte("windows")).XML()
	if !bytes.Equal(a, b) {
		t.Error("two generations differ")
	}
}

// Every module that runs the installed binary carries process.groovy, once,
// where its script says: how the binary runs, and how the key and the
// settings reach it, is written in one place.
func TestGroovyCarriesTheSharedProcessPart(t *testing.T) {
	scripts := map[string]string{}
	for _, m := range []*Module{Installed(), ConfigSource(), Upcoming()} {
		for _, a := range m.Attributes {
			if a.Name == "scriptgroovy" {
				scripts[m.Name+" collection"] = a.Value
			}
		}
		if m.Discovery != nil {
			scripts[m.Name+" discovery"] = m.Discovery.Groovy
		}
	}
	if len(scripts) != 4 {
		t.Fatalf("%d scripts, want the installed run, the ConfigSource, and the upcoming discovery and collection", len(scripts))
	}
	for name, script := range scripts {
		if strings.Count(script, processGroovy) != 1 || strings.Contains(script, strings.TrimSpace(includeProcess)) {
			t.Errorf("%s does not carry process.groovy once in place of its include line", name)
		}
		// What process.groovy defines is used after it, never before.
		at := strings.Index(script, processGroovy)
		if use := strings.Index(script, "runBinary(["); use < at+len(processGroovy) {
			t.Errorf("%s does not run the binary after defining how", name)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a script without the include line was taken")
		}
	}()
	groovy("println 1\n")
}

// A multi-instance module is written as real BATCHSCRIPT exports with script
// Active Discovery write it, its discovery script twice and the same; a
// single-instance one keeps the single-instance form.
func TestDiscoveryIsWrittenAsExportsWriteIt(t *testing.T) {
	script := "println \"1##a & b <c>\" // C:\\\\dir ]]> 'q'\n\ttab\r\n"
	type entry struct {
		Collector      string  `xml:"collector"`
		Multi          string  `xml:"hasMultiInstances"`
		WildValueIsID  *string `xml:"useWildValueAsUniqueIdentifier"`
		Auto           string  `xml:"wildcardauto"`
		Persist        string  `xml:"wildcardpersist"`
		LinuxScript    string  `xml:"wildcardlinuxscript"`
		LinuxCmdline   string  `xml:"wildcardlinuxcmdline"`
		WinScript      string  `xml:"wildcardwinscript"`
		WinCmdline     string  `xml:"wildcardwincmdline"`
		Groovy         string  `xml:"wildcardgroovyscript"`
		Schedule       string  `xml:"wildcardschedule"`
		DeleteInactive string  `xml:"wildcarddeleteinactive"`
		ADList         string  `xml:"adlist"`
	}
	read := func(m *Module) entry {
		t.Helper()
		var f struct {
			Entry entry `xml:"entry"`
		}
		if err := xml.Unmarshal(m.XML(), &f); err != nil {
			t.Fatal(err)
		}
		return f.Entry
	}
	for _, tc := range []struct {
		name string
		d    Discovery
	}{
		{"every flag set", Discovery{Groovy: script, Schedule: 60, WildValueIsID: true, Persist: true, DeleteInactive: true}},
		{"every flag clear", Discovery{Groovy: script, Schedule: 1440}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := read(&Module{Name: "X", Collector: "batchscript", Discovery: &tc.d})
			flag := func(b bool) string { return map[bool]string{true: "true", false: "false"}[b] }
			if e.Collector != "batchscript" || e.Multi != "true" || e.Auto != "true" || e.WildValueIsID == nil ||
				*e.WildValueIsID != flag(tc.d.WildValueIsID) || e.Persist != flag(tc.d.Persist) ||
				e.DeleteInactive != flag(tc.d.DeleteInactive) || e.Schedule != fmt.Sprint(tc.d.Schedule) {
				t.Errorf("%+v", e)
			}
			if e.LinuxScript != "ad_script" || e.WinScript != "ad_script" || e.LinuxCmdline != `type="embeded" ` || e.WinCmdline != `type="embeded" ` {
				t.Errorf("not a script discovery in embedded Groovy: %+v", e)
			}
			if e.Groovy != script {
				t.Errorf("wildcardgroovyscript %q, want %q", e.Groovy, script)
			}
			var ad struct {
				AGDMethod string `json:"agdmethod"`
				Method    string `json:"method"`
				Params    struct {
					Type   string `json:"type"`
					Groovy string `json:"groovyscript"`
				} `json:"params"`
			}
			if err := json.Unmarshal([]byte(e.ADList), &ad); err != nil {
				t.Fatalf("adlist %q: %v", e.ADList, err)
			}
			if ad.AGDMethod != "none" || ad.Method != "ad_script" || ad.Params.Type != "embeded" || ad.Params.Groovy != script {
				t.Errorf("adlist %+v", ad)
			}
			if strings.Contains(e.ADList, `\u003c`) || strings.Contains(e.ADList, `\u0026`) {
				t.Errorf("adlist escapes <, > or &, which exports write as they are: %s", e.ADList)
			}
		})
	}
	single := read(&Module{Name: "X"})
	if single.Collector != "script" || single.Multi != "false" || single.Auto != "false" || single.WildValueIsID != nil ||
		single.Groovy != "" || single.LinuxScript != "" || !strings.Contains(single.ADList, `"params":{}`) {
		t.Errorf("single instance written as %+v", single)
	}
}
