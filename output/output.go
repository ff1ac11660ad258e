// Package output holds every view of a run's report: the datasource
// datapoints, the configsource snapshot, the json plan and result, the text
// report a person reads, check's report and history's list. It decides
// nothing: the rules and the judgements are the run's (package hygiene).
package output

import (
	"fmt"
	"io"

	"lm-user-hygiene/hygiene"
)

// Format is an output format; which command takes which is the command's
// (internal/config).
type Format string

const (
	FormatDatasource   Format = "datasource"
	FormatConfigsource Format = "configsource"
	FormatJSON         Format = "json"
	// FormatText is the report a person reads before turning on --apply.
	FormatText Format = "text"
	// FormatDiscovery is upcoming's Active Discovery lines: one instance of
	// the upcoming-users DataSource per user.
	FormatDiscovery Format = "discovery"
	// FormatBatch is upcoming's BATCHSCRIPT collection of those instances:
	// days_left and idle_days per user.
	FormatBatch Format = "batch"
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
