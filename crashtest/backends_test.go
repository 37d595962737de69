package crashtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/backend/open"
	"github.com/plinth-iac/plinth/internal/testservice"
)

// stateBackend makes a fresh, empty backend for one test.
type stateBackend struct {
	name string
	// new returns the URL of a new backend. The credentials it needs, if
	// any, are set in the test process's environment (so the tests using
	// it are not parallel), which the plinth processes inherit.
	new func(t *testing.T) string
}

// stateBackends are the backends the tests below run on: the same
// program, the same commands, the same promises.
func stateBackends() []stateBackend {
	return []stateBackend{
		{"file", func(t *testing.T) string { return "file://" + filepath.Join(t.TempDir(), "state") }},
		{"postgres", func(t *testing.T) string { return testservice.Postgres(t) }},
		{"s3", func(t *testing.T) string { return testservice.S3(t) }},
	}
}

// testLease is the lock lease (PLINTH_LOCK_LEASE) of the process
// TestKillHolder kills, so its lease expires in seconds, not 30s.
const testLease = "2s"

// waitBound bounds every wait for something another process does. It is
// generous: these are correctness tests, never timing ones.
const waitBound = 2 * time.Minute

// TestRaceUp starts two `plinth up --yes` of one stack at the same time,
// on each backend: exactly one runs the program (its command resource
// holds the lock until the test releases it), the other exits 10 naming
// the holder, and the state is intact afterwards.
func TestRaceUp(t *testing.T) {
	for _, sb := range stateBackends() {
		t.Run(sb.name, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"PLINTH_BACKEND_URL=" + sb.new(t)}
			// The command marks that it runs, counts its runs, and holds
			// the stack until the test creates "release" (or a minute
			// passes, which fails it).
			program := `name: race
runtime: yaml
resources:
  slow:
    type: command:Command
    properties:
      create: >-
        echo run >> runs && touch started &&
        for i in $(seq 1 1200); do [ -f release ] && exit 0; sleep 0.05; done; exit 1
`
			if err := os.WriteFile(filepath.Join(dir, "Plinth.yaml"), []byte(program), 0o644); err != nil {
				t.Fatal(err)
			}
			run(t, dir, env, 0, "stack", "init", "dev")

			type result struct {
				name string
				code int
				out  string
			}
			results := make(chan result, 2)
			for _, name := range []string{"A", "B"} {
				cmd := plinthCmd(dir, env, "up", "--yes")
				go func() {
					code, out := exitCode(t, cmd)
					results <- result{name, code, out}
				}()
			}
			// The loser cannot get the lock: it exits 10 while the winner
			// waits for "release", so it is the first to finish.
			first := receive(t, results)
			if first.code != 10 {
				os.WriteFile(filepath.Join(dir, "release"), nil, 0o644)
				t.Fatalf("up %s exited %d first, want 10 (the stack is locked):\n%s", first.name, first.code, first.out)
			}
			if !strings.Contains(first.out, "stack dev is locked: update by ") {
				t.Errorf("up %s: the refusal does not name the holder:\n%s", first.name, first.out)
			}
			waitFor(t, filepath.Join(dir, "started"))
			if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			second := receive(t, results)
			if second.code != 0 {
				t.Fatalf("up %s exited %d, want 0:\n%s", second.name, second.code, second.out)
			}
			if runs, _ := os.ReadFile(filepath.Join(dir, "runs")); string(runs) != "run\n" {
				t.Errorf("the command ran %d times, want once", strings.Count(string(runs), "run"))
			}

			run(t, dir, env, 0, "preview", "--expect-no-changes")
			e := export(t, dir, env...)
			if len(e.Resources) != 1 || len(e.Pending) != 0 {
				t.Errorf("state after the race: %d resources and %d pending, want 1 and 0: %+v", len(e.Resources), len(e.Pending), e)
			}
			hist := run(t, dir, env, 0, "stack", "history")
			if got := strings.Count(hist, "succeeded"); got != 1 || !strings.Contains(hist, "update") {
				t.Errorf("history shows %d succeeded updates, want 1:\n%s", got, hist)
			}
		})
	}
}

// TestKillHolder kills an `up` of file resources with -9 in the middle, on
// each backend, leaving the stack locked and operations pending. The next
// `up` gets the lock once the killed holder's lease expires (the file
// backend also sees at once that the holder's PID is gone), recovers the
// pending operations, and converges: every file on disk is in state and a
// preview shows no changes.
func TestKillHolder(t *testing.T) {
	for _, sb := range stateBackends() {
		t.Run(sb.name, func(t *testing.T) {
			dir := t.TempDir()
			writeProgram(t, dir)
			url := sb.new(t)
			env := []string{"PLINTH_BACKEND_URL=" + url}
			run(t, dir, env, 0, "stack", "init", "dev")

			// Only the holder to be killed gets the short lease: a live
			// holder on a loaded machine keeps the default.
			killed := append(slices.Clone(env), "PLINTH_LOCK_LEASE="+testLease, "PLINTH_FAILPOINTS=provider.created=kill@30")
			run(t, dir, killed, -2, "up", "--yes", "--parallel", "8")
			if l := readLock(t, url); l == nil {
				t.Fatal("after the kill the stack is not locked: the killed holder cannot have released its lock")
			} else if l.Operation != "update" {
				t.Fatalf("after the kill the lock is held by %s, want the killed update", l)
			}
			if e := export(t, dir, env...); len(e.Pending) == 0 {
				t.Fatalf("no pending operations after the kill: %+v", e)
			}
			checkKnown(t, dir, env...)

			// --lock-wait: the dead holder's lease may not have expired
			// yet.
			run(t, dir, env, 0, "--lock-wait", waitBound.String(), "up", "--yes")
			if l := readLock(t, url); l != nil {
				t.Errorf("the recovering up left the stack locked: %s", l)
			}
			checkKnown(t, dir, env...)
			checkConverged(t, dir, env...)
		})
	}
}

// readLock returns the holder of the lock of crash/dev in the backend at
// url, or nil.
func readLock(t *testing.T, url string) *backend.LockInfo {
	t.Helper()
	ctx := context.Background()
	b, err := open.Open(ctx, url, open.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r, err := b.ReadLock(ctx, backend.ReadLockRequest{Ref: backend.Ref{Project: "crash", Stack: "dev"}})
	if err != nil {
		t.Fatal(err)
	}
	return r.Info
}

// plinthCmd is the command run would run.
func plinthCmd(dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(plinthBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PLINTH_HOME="+filepath.Join(dir, ".home"), "PLINTH_CI=false", "CI=")
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// exitCode runs cmd and returns its exit code (-1 if killed by a signal)
// and combined output.
func exitCode(t *testing.T, cmd *exec.Cmd) (int, string) {
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	case err != nil:
		return -1, fmt.Sprintf("%v\n%s", err, out)
	}
	return 0, string(out)
}

// receive waits (within waitBound) for the next value of ch.
func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitBound):
		t.Fatalf("no plinth process finished within %v", waitBound)
		panic("unreachable")
	}
}

// waitFor waits (within waitBound) until path exists.
func waitFor(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %v", path, waitBound)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
