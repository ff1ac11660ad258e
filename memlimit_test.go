package main

import "testing"

func TestMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		users     int
		withState bool
		want      int64
	}{
		{0, false, 16 << 20},
		{10000, false, 16 << 20},
		{50000, false, 4<<20 + 50000*880},
		{100000, false, 4<<20 + 100000*880},
		{50000, true, 4<<20 + 50000*(880+300)},
		{10000, true, 16<<20 + 10000*300},
	} {
		if got := memoryLimit(c.users, c.withState); got != c.want {
			t.Errorf("%d users, state %v: limit %d, want %d", c.users, c.withState, got, c.want)
		}
	}
}
