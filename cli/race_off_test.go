//go:build !race

package cli

// raceEnabled is true when the tests run with -race.
const raceEnabled = false
