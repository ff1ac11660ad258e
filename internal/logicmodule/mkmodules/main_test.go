package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lm-user-hygiene/internal/logicmodule"
)

// -dir writes every committed module, named after it, and nothing else.
func TestDirWritesTheCommittedModules(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir, "", "", ""); err != nil {
		t.Fatal(err)
	}
	want := logicmodule.Committed()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for name := range want {
		if !slices.Contains(names, name) {
			t.Errorf("%s was not written", name)
		}
	}
	for _, name := range names {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if w, ok := want[name]; !ok {
			t.Errorf("%s is no committed module", name)
		} else if !bytes.Equal(got, w) {
			t.Errorf("%s is not what Committed() gives", name)
		}
	}
	if len(want) != 3 { // the uploaded module is never committed
		t.Errorf("%d committed modules, want the installed, the ConfigSource and the upcoming one", len(want))
	}
	// A second run over the files writes the same bytes.
	if err := run(dir, "", "", ""); err != nil {
		t.Fatal(err)
	}
	for name, w := range want {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(got, w) {
			t.Errorf("%s differs after a second run", name)
		}
	}
}

// -uploaded writes the uploaded-file DataSource carrying the two binaries
// it is given, as the generator makes it.
func TestUploadedCarriesTheGivenBinaries(t *testing.T) {
	dir := t.TempDir()
	lin, win := []byte("\x7fELF stand-in\xfb\xff"), []byte("MZ stand-in\xfe")
	linux, windows, out := filepath.Join(dir, "linux"), filepath.Join(dir, "windows.exe"), filepath.Join(dir, "LM_User_Hygiene.xml")
	for path, b := range map[string][]byte{linux: lin, windows: win} {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := run("", out, linux, windows); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, logicmodule.Uploaded(lin, win).XML()) {
		t.Error("the file is not the uploaded module carrying the given binaries")
	}
	// The binaries are not swapped: each platform's content is its file's.
	if !strings.Contains(string(got), logicmodule.EncodeScript(lin)) || !strings.Contains(string(got), logicmodule.EncodeScript(win)) {
		t.Error("a binary's content is missing from the module")
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.WriteFile(bin, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.xml")
	for _, tc := range []struct {
		name                          string
		dir, uploaded, linux, windows string
		mention                       string
	}{
		{"neither -dir nor -uploaded", "", "", "", "", "give either -dir DIR or -uploaded FILE"},
		{"both -dir and -uploaded", dir, out, bin, bin, "give either -dir DIR or -uploaded FILE"},
		{"-uploaded without -linux", "", out, "", bin, "-uploaded needs -linux and -windows"},
		{"-uploaded without -windows", "", out, bin, "", "-uploaded needs -linux and -windows"},
		{"a binary that does not exist", "", out, filepath.Join(dir, "missing"), bin, "missing"},
		{"a directory that does not exist", filepath.Join(dir, "nowhere"), "", "", "", "nowhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(tc.dir, tc.uploaded, tc.linux, tc.windows)
			if err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %v, want one saying %q", err, tc.mention)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("the error is not one line: %q", err)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused run wrote %s (%v)", out, err)
	}
}

// The command line: -dir writes, a stray word or an unknown flag is a usage
// error (2), a failed write is 1; each mistake is said on stderr.
func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"-dir writes the modules", []string{"-dir", dir}, 0},
		{"a stray word", []string{"-dir", dir, "extra"}, 2},
		{"an unknown flag", []string{"-out", dir}, 2},
		{"a directory that does not exist", []string{"-dir", filepath.Join(dir, "missing")}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := mkmodules(tc.args, &stderr); code != tc.code || (code != 0) != (stderr.Len() > 0) {
				t.Errorf("exit %d, stderr %q; want %d, and a message exactly when it fails", code, stderr.String(), tc.code)
			}
		})
	}
}
