package main

import (
	"os"
	"runtime/debug"
)

// Memory limit of a run, by the users it read: the
// live heap after planning is about 660 bytes a user plus 3 MB; a soft limit
// a third above it keeps the collector from letting the heap double
// (GOGC=100) for about 2% more CPU (50,000 and 100,000 users). 800 bytes a
// user saved 4 MB more but cost 8 to 15% more CPU; closer to the live heap
// the collector runs nearly without pause.
const (
	memoryLimitBase    = 4 << 20
	memoryLimitPerUser = 880
	memoryLimitFloor   = 16 << 20
)

// stateAllowancePerUser is what a state file adds to a run's heap: the
// users' records as read and the save's transaction. With it a first run on
// a new file at 50,000 users peaked at 69 MB instead of 78, later runs as
// before (64 MB), for no CPU that the benchmark could tell from noise;
// without any, the save pushed the heap over the limit and the collector
// chased it (30 to 60% more CPU).
const stateAllowancePerUser = 300

// memoryLimit is the soft memory limit for a run that read n users.
func memoryLimit(n int, withState bool) int64 {
	limit := max(memoryLimitBase+memoryLimitPerUser*int64(n), memoryLimitFloor)
	if withState {
		limit += stateAllowancePerUser * int64(n)
	}
	return limit
}

// limitMemory sets the soft memory limit for a run that read n users,
// unless GOMEMLIMIT sets one.
func limitMemory(n int, withState bool) {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return
	}
	debug.SetMemoryLimit(memoryLimit(n, withState))
}
