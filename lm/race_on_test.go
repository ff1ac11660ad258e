//go:build race

package lm

// raceEnabled: the race detector changes what allocations cost, so memory
// bounds are not checked under it.
const raceEnabled = true
