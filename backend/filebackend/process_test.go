package filebackend

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/backend"
)

// The process tests run this test binary again as child processes that
// lock a stack; childEnv selects the child's role.
const (
	childEnv   = "PLINTH_FILEBACKEND_TEST_CHILD"
	childDir   = "PLINTH_FILEBACKEND_TEST_DIR"
	childLogID = "PLINTH_FILEBACKEND_TEST_ID"
)

var childRef = backend.Ref{Project: "p", Stack: "s"}

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(child(role, os.Getenv(childDir), os.Getenv(childLogID)))
	}
	os.Exit(m.Run())
}

// child is a process that takes the lock. It waits for a line on stdin
// before locking, prints one line saying how that went, and then stays
// alive until stdin closes, so the parent decides when its PID dies.
func child(role, dir, id string) int {
	b, err := New(dir, Options{})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	host, err := os.Hostname()
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	in := bufio.NewReader(os.Stdin)
	if _, err := in.ReadString('\n'); err != nil {
		fmt.Println("error: no start signal:", err)
		return 1
	}
	_, err = b.Lock(context.Background(), backend.LockRequest{
		Ref:   childRef,
		Info:  backend.LockInfo{ID: id, Operation: role, User: "test", Host: host, PID: os.Getpid()},
		Lease: time.Hour,
	})
	var le *backend.LockedError
	switch {
	case err == nil:
		fmt.Println("locked")
	case errors.As(err, &le):
		fmt.Println("refused by", le.Holder.ID)
	default:
		fmt.Println("error:", err)
	}
	io.Copy(io.Discard, in) // until the parent closes stdin, or kills us
	return 0
}

type childProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

func startChild(t *testing.T, role, dir, id string) *childProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+role, childDir+"="+dir, childLogID+"="+id)
	if _, ok := os.LookupEnv("GORACE"); !ok {
		// A race-enabled child otherwise sleeps a second on exit.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &childProc{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	return c
}

func (c *childProc) result(t *testing.T) string {
	t.Helper()
	line, err := c.out.ReadString('\n')
	if err != nil {
		t.Fatalf("child %d: reading its result: %v (got %q)", c.cmd.Process.Pid, err, line)
	}
	return strings.TrimSpace(line)
}

// TestProcessRace has two processes race Lock on one folder; exactly one
// wins. Both stay alive until both have answered, so the loser cannot see
// a dead winner and take over.
func TestProcessRace(t *testing.T) {
	for round := range 3 {
		dir := t.TempDir()
		mustCreate(t, mustNew(t, dir, nil), childRef)
		a := startChild(t, "race", dir, "child-a")
		b := startChild(t, "race", dir, "child-b")
		for _, c := range []*childProc{a, b} {
			if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
				t.Fatal(err)
			}
		}
		ra, rb := a.result(t), b.result(t)
		results := []string{ra, rb}
		wins := 0
		for i, r := range results {
			switch r {
			case "locked":
				wins++
			case "refused by child-a", "refused by child-b":
			default:
				t.Errorf("round %d child %d: %s", round, i, r)
			}
		}
		if wins != 1 {
			t.Errorf("round %d: results %q, want exactly one child to lock", round, results)
		}
		winner := "child-a"
		if rb == "locked" {
			winner = "child-b"
		}
		if want := "refused by " + winner; wins == 1 && ra != want && rb != want {
			t.Errorf("round %d: the loser was not refused by the winner %s: %q", round, winner, results)
		}
		for _, c := range []*childProc{a, b} {
			c.stdin.Close()
			if err := c.cmd.Wait(); err != nil {
				t.Errorf("round %d: child: %v", round, err)
			}
		}
	}
}

// TestProcessKilledHolder kills a process holding the lock (an hour's
// lease) with SIGKILL; the next Lock on this host takes over at once
// because the holder's PID is gone.
func TestProcessKilledHolder(t *testing.T) {
	dir := t.TempDir()
	b := mustNew(t, dir, nil)
	mustCreate(t, b, childRef)
	c := startChild(t, "hold", dir, "doomed")
	if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	if r := c.result(t); r != "locked" {
		t.Fatalf("child: %s", r)
	}
	host, _ := os.Hostname()
	req := backend.LockRequest{Ref: childRef, Info: backend.LockInfo{ID: "next", Host: host, PID: os.Getpid()}, Lease: time.Hour}

	// While the holder lives, its lock holds.
	_, err := b.Lock(t.Context(), req)
	var le *backend.LockedError
	if !errors.As(err, &le) || le.Holder.ID != "doomed" || le.Holder.PID != c.cmd.Process.Pid {
		t.Fatalf("Lock against a live holder process: got %v, want *LockedError naming doomed (pid %d)", err, c.cmd.Process.Pid)
	}

	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Wait reaps it: until then kill(pid, 0) still finds the zombie.
	c.cmd.Wait()

	resp, err := b.Lock(t.Context(), req)
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
	if resp.Info.ID != "next" {
		t.Errorf("Lock after the holder was killed = %+v, want ID next", resp.Info)
	}
	// The dead holder's lock is gone for good: renewing it fails.
	if _, err := b.RenewLock(t.Context(), backend.RenewLockRequest{Ref: childRef, ID: "doomed", Lease: time.Hour}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("RenewLock of the killed holder's lock: got %v, want ErrLockLost", err)
	}
}
