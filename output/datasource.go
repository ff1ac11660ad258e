package output

import (
	"io"
	"strings"

	"lm-user-hygiene/hygiene"
)

// writeDatasource prints the key=value lines, always all of them, in order.
func writeDatasource(w io.Writer, r *hygiene.Report, st hygiene.Stats) error {
	c := r.Counts(st)
	var b strings.Builder
	for _, d := range hygiene.Datapoints {
		b.WriteString(d.Name)
		b.WriteByte('=')
		b.WriteString(d.Value(&c))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
