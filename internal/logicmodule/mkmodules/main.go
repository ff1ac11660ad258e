// Command mkmodules writes the LogicModules: the committed ones into a
// directory (-dir dist/logicmodules), or the uploaded-file DataSource
// carrying the built binaries (-uploaded FILE -linux BIN -windows BIN), which
// build.sh makes beside the binaries. The same inputs give the same bytes.
package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"lm-user-hygiene/internal/logicmodule"
)

func main() {
	os.Exit(mkmodules(os.Args[1:], os.Stderr))
}

// mkmodules reads the command line, writes what it asks for and returns the
// exit status; a mistake is one line on stderr.
func mkmodules(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("mkmodules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "write the committed modules into this directory")
	uploaded := fs.String("uploaded", "", "write the uploaded-file DataSource to this file")
	linux := fs.String("linux", "", "the linux_amd64 binary the uploaded module carries")
	windows := fs.String("windows", "", "the windows_amd64 binary the uploaded module carries")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mkmodules: %q: give either -dir DIR or -uploaded FILE -linux BIN -windows BIN\n", fs.Arg(0))
		return 2
	}
	if err := run(*dir, *uploaded, *linux, *windows); err != nil {
		fmt.Fprintf(stderr, "mkmodules: %v\n", err)
		return 1
	}
	return 0
}

func run(dir, uploaded, linux, windows string) error {
	if (dir == "") == (uploaded == "") {
		return fmt.Errorf("give either -dir DIR or -uploaded FILE -linux BIN -windows BIN")
	}
	if dir != "" {
		files := logicmodule.Committed()
		for _, name := range slices.Sorted(maps.Keys(files)) {
			if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	if linux == "" || windows == "" {
		return fmt.Errorf("-uploaded needs -linux and -windows: the binaries it carries")
	}
	lin, err := os.ReadFile(linux)
	if err != nil {
		return err
	}
	win, err := os.ReadFile(windows)
	if err != nil {
		return err
	}
	return os.WriteFile(uploaded, logicmodule.Uploaded(lin, win).XML(), 0o644)
}
