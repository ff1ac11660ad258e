//go:build !race

package lm

const raceEnabled = false
