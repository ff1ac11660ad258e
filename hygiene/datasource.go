package hygiene

import (
	"io"
	"strings"
)

// WriteDatasource prints the key=value lines, always all of them, in order.
func WriteDatasource(w io.Writer, r *Report, st Stats) error {
	c := r.Counts(st)
	var b strings.Builder
	for _, d := range Datapoints {
		b.WriteString(d.Name)
		b.WriteByte('=')
		b.WriteString(d.Value(&c))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
