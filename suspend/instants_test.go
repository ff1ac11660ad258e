package suspend

import (
	"math"
	"testing"
	"time"
)

// A decision's times come back as they went in, whatever they are, and
// order as time.Time does.
func TestInstants(t *testing.T) {
	times := []time.Time{
		{},
		time.Unix(0, 0),
		time.Unix(-1, 999_999_999),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(2026, 8, 30, 12, 34, 56, 789, time.FixedZone("x", 3600)),
		time.Now(),
		time.UnixMilli(math.MaxInt64),
		time.Unix(math.MaxInt64-unixToInternal, 999_999_999),
		time.Unix(math.MinInt64/2, 0),
	}
	var a, b instants
	for _, x := range times {
		a.set(timeIdleSince, x)
		got := a.get(timeIdleSince)
		if !got.Equal(x) || got.IsZero() != x.IsZero() {
			t.Errorf("%v came back as %v", x, got)
		}
		if x.IsZero() && got != (time.Time{}) {
			t.Errorf("the zero time came back as %#v", got)
		}
		for _, y := range times {
			b.set(timeIdleSince, y)
			if got, want := a.compare(&b, timeIdleSince), x.Compare(y); got != want {
				t.Errorf("%v against %v: %d, want %d", x, y, got, want)
			}
		}
	}
}
