//go:build race

package zendesktest_test

// raceEnabled reports a build with the race detector, which makes each
// request several times slower.
const raceEnabled = true
