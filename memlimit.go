package main

import (
	"os"
	"runtime/debug"
)

// usersRead is told how many users a run read (hygiene.Runner.UsersRead):
// main sets it to limitMemory; in tests, which run in-process, it is nil.
var usersRead func(n int)

// Memory limit of a run without a state file, by the users it read: the
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

// memoryLimit is the soft memory limit for a run that read n users.
func memoryLimit(n int) int64 {
	return max(memoryLimitBase+memoryLimitPerUser*int64(n), memoryLimitFloor)
}

// limitMemory sets the soft memory limit for a run that read n users,
// unless GOMEMLIMIT sets one.
func limitMemory(n int) {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return
	}
	debug.SetMemoryLimit(memoryLimit(n))
}
