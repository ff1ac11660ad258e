package main

import "testing"

func TestMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		users int
		want  int64
	}{
		{0, 16 << 20},
		{10000, 16 << 20},
		{50000, 4<<20 + 50000*880},
		{100000, 4<<20 + 100000*880},
	} {
		if got := memoryLimit(c.users); got != c.want {
			t.Errorf("%d users: limit %d, want %d", c.users, got, c.want)
		}
	}
	if usersRead != nil {
		t.Error("tests run in-process and must not set the process's memory limit")
	}
}
