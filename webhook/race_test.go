//go:build race

package webhook

// raceEnabled tells tests that the race detector is on.
const raceEnabled = true
