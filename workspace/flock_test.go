//go:build unix

package workspace

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLockFileSerialisesEdits runs read-modify-write cycles of one stack
// file from many goroutines, each cycle under LockFile: no update is lost
// and no two cycles overlap.
func TestLockFileSerialisesEdits(t *testing.T) {
	dir := t.TempDir()
	stackPath := filepath.Join(dir, "Plinth.dev.yaml")
	lockPath := filepath.Join(dir, "locks", "dev.lock")
	if err := WriteFileAtomic(stackPath, []byte("config:\n  test:n: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	const workers, rounds = 6, 10
	var inside, overlaps atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				unlock, err := LockFile(t.Context(), lockPath)
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					overlaps.Add(1)
				}
				err = incrementConfig(stackPath)
				inside.Add(-1)
				unlock()
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()

	data, err := os.ReadFile(stackPath)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseStackFile(stackPath, data)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Get("test:n"); got != int64(workers*rounds) {
		t.Errorf("test:n = %v, want %d: updates were lost", got, workers*rounds)
	}
	if n := overlaps.Load(); n != 0 {
		t.Errorf("%d cycles overlapped", n)
	}
}

// incrementConfig is one read-modify-write cycle, slowed down so that
// unserialised cycles would interleave.
func incrementConfig(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	f, err := ParseStackFile(path, data)
	if err != nil {
		return err
	}
	v, _ := f.Get("test:n")
	time.Sleep(time.Millisecond)
	f.Set("test:n", v.(int64)+1)
	out, err := f.Bytes()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, out, 0o644)
}

func TestLockFileWaitsForContext(t *testing.T) {
	lockPath := filepath.Join(t.TempDir(), "dev.lock")
	unlock, err := LockFile(t.Context(), lockPath)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = LockFile(ctx, lockPath)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockFile on a held lock = %v, want context.DeadlineExceeded", err)
	}
	if waited := time.Since(start); waited < 90*time.Millisecond {
		t.Errorf("gave up after %v, before the context expired", waited)
	}

	// A waiter gets the lock soon after it is released.
	got := make(chan error, 1)
	go func() {
		u, err := LockFile(t.Context(), lockPath)
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	unlock()
	unlock() // idempotent
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter did not get the released lock")
	}
}

func TestLockFileAcrossProcesses(t *testing.T) {
	// flock is per open file description, so a second open in this
	// process stands in for another process; a real one is checked by
	// holding the lock in a child.
	if os.Getenv("PLINTH_TEST_LOCK_CHILD") != "" {
		unlock, err := LockFile(context.Background(), os.Getenv("PLINTH_TEST_LOCK_CHILD"))
		if err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(300 * time.Millisecond)
		unlock()
		os.Exit(0)
	}
	lockPath := filepath.Join(t.TempDir(), "dev.lock")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := newChild(t, exe, lockPath)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len("locked\n"))
	if _, err := stdout.Read(buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("child did not lock: %q, %v", buf, err)
	}
	start := time.Now()
	unlock, err := LockFile(t.Context(), lockPath)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("took the lock after %v while the child held it", waited)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
}

// newChild runs this test binary as a child that only holds the lock.
func newChild(t *testing.T, exe, lockPath string) *exec.Cmd {
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestLockFileAcrossProcesses$")
	cmd.Env = append(os.Environ(), "PLINTH_TEST_LOCK_CHILD="+lockPath)
	cmd.Stderr = os.Stderr
	return cmd
}
