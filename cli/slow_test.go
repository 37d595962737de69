package cli

import "testing"

// skipUnderRace skips a test that repeats, on more backends or with more
// inputs, scripts that already run under -race against the file backend:
// the race detector makes them several times slower and finds nothing new
// in them. scripts/test.sh runs them again without -race, so CI runs them.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("slow under -race; scripts/test.sh runs it without -race")
	}
}
