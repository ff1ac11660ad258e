package logicmodule

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
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

func TestEveryDatapointIsDescribed(t *testing.T) {
	for _, d := range hygiene.Datapoints {
		if descriptions[d.Name] == "" {
			t.Errorf("datapoint %s has no description for the portal", d.Name)
		}
	}
	for name := range runAlerts {
		if descriptions[name] == "" {
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
