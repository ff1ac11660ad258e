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
		err = WriteConfigsource(w, r)
	case FormatJSON:
		err = WriteJSON(w, r, st)
	case FormatText:
		err = WriteText(w, r)
	default:
		err = WriteDatasource(w, r, st)
	}
	if err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}
