// Command mkmodules writes the LogicModules: the committed ones into a
// directory (-dir dist/logicmodules), or the uploaded-file DataSource
// carrying the built binaries (-uploaded FILE -linux BIN -windows BIN), which
// build.sh makes beside the binaries. The same inputs give the same bytes.
package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"lm-user-hygiene/internal/logicmodule"
)

func main() {
	dir := flag.String("dir", "", "write the committed modules into this directory")
	uploaded := flag.String("uploaded", "", "write the uploaded-file DataSource to this file")
	linux := flag.String("linux", "", "the linux_amd64 binary the uploaded module carries")
	windows := flag.String("windows", "", "the windows_amd64 binary the uploaded module carries")
	flag.Parse()
	if err := run(*dir, *uploaded, *linux, *windows); err != nil {
		fmt.Fprintf(os.Stderr, "mkmodules: %v\n", err)
		os.Exit(1)
	}
}

func run(dir, uploaded, linux, windows string) error {
	if (dir == "") == (uploaded == "") || flag.NArg() > 0 {
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
