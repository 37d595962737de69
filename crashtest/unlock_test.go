package crashtest

import (
	"strings"
	"testing"
	"time"
)

// TestStackUnlock: a lock left by a killed up is named and removed by
// plinth stack unlock once its lease has expired; a lock whose lease is
// still running needs --force; an unlocked stack says so.
func TestStackUnlock(t *testing.T) {
	dir := project(t)
	// A killed holder whose lease (an hour) has not run out: refused
	// without --force.
	run(t, dir, []string{"PLINTH_FAILPOINTS=provider.created=kill@1", "PLINTH_LOCK_LEASE=1h"}, -2, "up", "--yes", "--parallel", "1")
	out := run(t, dir, nil, 10, "stack", "unlock")
	if !strings.Contains(out, "use plinth cancel, or --force") {
		t.Fatalf("unlock of a live lease:\n%s", out)
	}
	out = run(t, dir, nil, 0, "stack", "unlock", "--force")
	if !strings.Contains(out, "Removed the lock of stack dev: update by") {
		t.Fatalf("unlock --force did not name the holder:\n%s", out)
	}
	out = run(t, dir, nil, 0, "stack", "unlock")
	if !strings.Contains(out, "is not locked") {
		t.Fatalf("unlock of an unlocked stack:\n%s", out)
	}

	// A lease that has run out is removed without --force.
	run(t, dir, []string{"PLINTH_FAILPOINTS=provider.created=kill@1", "PLINTH_LOCK_LEASE=1s"}, -2, "up", "--yes", "--parallel", "1")
	deadline := time.Now().Add(30 * time.Second)
	for {
		out = run(t, dir, nil, -3, "stack", "unlock")
		if strings.Contains(out, "Removed the lock") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(out, "Removed the lock of stack dev") {
		t.Fatalf("unlock after the lease ran out:\n%s", out)
	}
	checkKnown(t, dir)
	run(t, dir, nil, 0, "up", "--yes")
	checkConverged(t, dir)
}
