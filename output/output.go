package output

import (
	"fmt"
	"io"

	"lm-user-hygiene/hygiene"
)

// Format is an output format of the run.
type Format string

const (
	FormatDatasource   Format = "datasource"
	FormatConfigsource Format = "configsource"
	FormatJSON         Format = "json"
	// FormatText is the report a person reads before turning on --apply.
	FormatText Format = "text"
)

// Write prints the report in the format to w.
func Write(w io.Writer, f Format, r *hygiene.Report, st hygiene.Stats) error {
	var err error
	switch f {
	case FormatConfigsource:
		err = writeConfigsource(w, r)
	case FormatJSON:
		err = writeJSON(w, r, st)
	case FormatText:
		err = writeText(w, r)
	default:
		err = writeDatasource(w, r, st)
	}
	if err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}
