package backendtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/backend"
)

// Opener opens the backend under test on the storage url names, reading
// lease times from now. RunProcesses calls it in the test process and in
// child processes, so url must be all a process needs to find the storage
// (credentials may come from the environment, which children inherit).
type Opener func(ctx context.Context, url string, now func() time.Time) (backend.Backend, error)

// The environment of a child process; processRole set means "you are a
// child".
const (
	processRole    = "PLINTH_BACKENDTEST_ROLE"
	processURL     = "PLINTH_BACKENDTEST_URL"
	processProject = "PLINTH_BACKENDTEST_PROJECT"
	processStack   = "PLINTH_BACKENDTEST_STACK"
	processID      = "PLINTH_BACKENDTEST_ID"
	processLease   = "PLINTH_BACKENDTEST_LEASE"
)

// processProjectName is the project RunProcesses creates its stacks in.
const processProjectName = "process"

// killedLease is the lease of the holder that is killed: short, so the
// test waits for it to run out for real.
const killedLease = 2 * time.Second

// RunProcesses checks that a backend's lock holds between processes, not
// just between goroutines:
//
//   - Race: two processes race Lock on one stack; exactly one wins and the
//     other is told the winner holds it (three rounds).
//   - KilledHolder: a process takes the lock with a 2s lease and is killed
//     with SIGKILL. Its lock outlives it, and once the lease has run out
//     (by the wall clock: the test really waits) the next Lock succeeds
//     and the dead holder's RenewLock is ErrLockLost.
//
// The children are this test binary run again, with -test.run naming the
// test that called RunProcesses and the environment telling RunProcesses
// it is a child; so call it from a test of its own, with nothing before it
// that a child should not do. setup runs only in the test process and
// returns the URL of fresh storage for open:
//
//	func TestProcesses(t *testing.T) {
//		backendtest.RunProcesses(t, testservice.Postgres, func(ctx context.Context, url string, now func() time.Time) (backend.Backend, error) {
//			b, err := pgbackend.Open(ctx, url, pgbackend.Options{Now: now})
//			if err != nil {
//				return nil, err // not b: a nil *pgbackend.Backend is a non-nil Backend
//			}
//			return b, nil
//		})
//	}
func RunProcesses(t *testing.T, setup func(t testing.TB) string, open Opener) {
	t.Helper()
	if role := os.Getenv(processRole); role != "" {
		runChild(t, role, open)
		return
	}
	url := setup(t)
	ctx := t.Context()
	b, err := open(ctx, url, time.Now)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	p := &processes{url: url, open: open, b: b, testPattern: runPattern(t.Name())}
	t.Run("Race", p.testRace)
	t.Run("KilledHolder", p.testKilledHolder)
}

// runPattern returns the -test.run pattern that selects exactly the test
// named name (subtests included).
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// processes is what the parent side of RunProcesses works with.
type processes struct {
	url         string
	open        Opener
	b           backend.Backend // on the wall clock
	testPattern string
}

func (p *processes) createStack(t *testing.T, stack string) backend.Ref {
	t.Helper()
	ref := backend.Ref{Project: processProjectName, Stack: stack}
	if _, err := p.b.CreateStack(t.Context(), backend.CreateStackRequest{Ref: ref}); err != nil {
		t.Fatalf("CreateStack(%s): %v", ref, err)
	}
	return ref
}

func (p *processes) testRace(t *testing.T) {
	for round := range 3 {
		ref := p.createStack(t, fmt.Sprintf("race-%d", round))
		a := p.start(t, "race", ref, "child-a", time.Hour)
		b := p.start(t, "race", ref, "child-b", time.Hour)
		// Both have opened the backend before either locks, so the race
		// is between two Lock calls, not two start-ups.
		for _, c := range []*child{a, b} {
			if r := c.result(t); r != "ready" {
				t.Fatalf("round %d: child %s: %s", round, c.id, r)
			}
		}
		for _, c := range []*child{a, b} {
			c.send(t, "go")
		}
		results := map[string]string{a.id: a.result(t), b.id: b.result(t)}
		var winners []string
		for id, r := range results {
			switch {
			case r == "locked":
				winners = append(winners, id)
			case strings.HasPrefix(r, "refused by "):
			default:
				t.Errorf("round %d: child %s: %s", round, id, r)
			}
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: results %v, want exactly one child to lock", round, results)
		}
		winner := winners[0]
		for id, r := range results {
			if id != winner && r != "refused by "+winner {
				t.Errorf("round %d: loser %s: %q, want it refused by the winner %s", round, id, r, winner)
			}
		}
		// Both children live until both have answered, then exit.
		for _, c := range []*child{a, b} {
			c.finish(t)
		}
		l, err := p.b.ReadLock(t.Context(), backend.ReadLockRequest{Ref: ref})
		if err != nil {
			t.Fatalf("ReadLock: %v", err)
		}
		if l.Info == nil || l.Info.ID != winner {
			t.Errorf("round %d: ReadLock after the race = %+v, want the winner %s", round, l.Info, winner)
		}
	}
}

func (p *processes) testKilledHolder(t *testing.T) {
	ctx := t.Context()
	ref := p.createStack(t, "killed")
	c := p.start(t, "hold", ref, "doomed", killedLease)
	if r := c.result(t); r != "ready" {
		t.Fatalf("child: %s", r)
	}
	c.send(t, "go")
	if r := c.result(t); r != "locked" {
		t.Fatalf("child: %s", r)
	}
	c.kill(t)

	resp, err := p.b.ReadLock(ctx, backend.ReadLockRequest{Ref: ref})
	if err != nil {
		t.Fatalf("ReadLock: %v", err)
	}
	held := resp.Info
	if held == nil || held.ID != "doomed" || held.PID != c.cmd.Process.Pid {
		t.Fatalf("ReadLock after the holder was killed = %+v, want doomed (pid %d)", held, c.cmd.Process.Pid)
	}
	if got := held.Expires.Sub(held.Acquired); got != killedLease {
		t.Errorf("the child's lease = %s, want %s", got, killedLease)
	}

	// Within the lease the dead holder's lock stands: a backend on a
	// clock stopped at the moment it was taken is refused, whatever the
	// wall clock says by now.
	stopped := NewClock(held.Acquired)
	sb, err := p.open(ctx, p.url, stopped.Now)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer sb.Close()
	next := backend.LockRequest{
		Ref:   ref,
		Info:  backend.LockInfo{ID: "next", Operation: "update", User: "test", Host: "parent.backendtest.invalid", PID: os.Getpid()},
		Lease: time.Minute,
	}
	_, err = sb.Lock(ctx, next)
	var le *backend.LockedError
	if !errors.As(err, &le) || le.Holder.ID != "doomed" {
		t.Fatalf("Lock within the killed holder's lease: got %v, want *LockedError naming doomed", err)
	}

	// On the wall clock: refused until the lease runs out, then granted.
	// Only an upper bound on the wait, generous for a loaded machine.
	deadline := held.Expires.Add(time.Minute)
	for {
		_, err = p.b.Lock(ctx, next)
		if err == nil {
			break
		}
		if !errors.As(err, &le) || le.Holder.ID != "doomed" {
			t.Fatalf("Lock while waiting for the lease to run out: got %v, want *LockedError naming doomed", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("Lock still refused a minute after the killed holder's lease ran out (at %s)", held.Expires)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if now := time.Now(); !now.After(held.Expires) {
		t.Errorf("Lock succeeded at %s, before the killed holder's lease ran out at %s", now, held.Expires)
	}
	if _, err := p.b.RenewLock(ctx, backend.RenewLockRequest{Ref: ref, ID: "doomed", Lease: time.Minute}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("RenewLock of the killed holder's lock: got %v, want ErrLockLost", err)
	}
	if l, err := p.b.ReadLock(ctx, backend.ReadLockRequest{Ref: ref}); err != nil || l.Info == nil || l.Info.ID != "next" {
		t.Errorf("ReadLock after the takeover = %+v, %v; want next", l.Info, err)
	}
}

// child is a child process. It reads commands, one a line, on stdin and
// answers, one a line, on a pipe of its own (fd 3), so nothing the test
// framework prints on stdout gets in the way.
type child struct {
	id    string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	done  bool
}

// start runs this test binary again as a child with role.
func (p *processes) start(t *testing.T, role string, ref backend.Ref, id string, lease time.Duration) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run="+p.testPattern, "-test.count=1")
	cmd.Env = append(os.Environ(),
		processRole+"="+role,
		processURL+"="+p.url,
		processProject+"="+ref.Project,
		processStack+"="+ref.Stack,
		processID+"="+id,
		processLease+"="+lease.String(),
	)
	if _, ok := os.LookupEnv("GORACE"); !ok {
		// A race-enabled child otherwise sleeps a second on exit.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	// The child test's own output matters only when something failed.
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close() // the child has it; our copy would keep the pipe open
	c := &child{id: id, cmd: cmd, stdin: stdin, out: bufio.NewReader(r)}
	t.Cleanup(func() {
		if !c.done {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
		r.Close()
		if t.Failed() && output.Len() > 0 {
			t.Logf("child %s output:\n%s", id, output.String())
		}
	})
	return c
}

func (c *child) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		t.Fatalf("child %s: %v", c.id, err)
	}
}

// result reads the child's next answer.
func (c *child) result(t *testing.T) string {
	t.Helper()
	line, err := c.out.ReadString('\n')
	if err != nil {
		t.Fatalf("child %s (pid %d): reading its answer: %v (got %q)", c.id, c.cmd.Process.Pid, err, line)
	}
	return strings.TrimSpace(line)
}

// finish closes the child's stdin, which ends it, and waits for it.
func (c *child) finish(t *testing.T) {
	t.Helper()
	c.stdin.Close()
	err := c.cmd.Wait()
	c.done = true
	if err != nil {
		t.Errorf("child %s: %v", c.id, err)
	}
}

// kill ends the child with SIGKILL and reaps it.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatalf("killing child %s: %v", c.id, err)
	}
	c.cmd.Wait() // killed: the error says so
	c.done = true
}

// runChild is the child side: open the backend, say "ready", wait for
// "go", Lock, say how it went, and stay alive until stdin closes (or the
// parent kills us). Problems are answers too ("error: ..."), so the parent
// reports them.
func runChild(t *testing.T, role string, open Opener) {
	out := os.NewFile(3, "backendtest-answers")
	if out == nil {
		t.Fatal("backendtest child: no answer pipe on fd 3")
	}
	answer := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
	}
	lease, err := time.ParseDuration(os.Getenv(processLease))
	if err != nil {
		answer("error: lease: %v", err)
		return
	}
	ctx := context.Background()
	b, err := open(ctx, os.Getenv(processURL), time.Now)
	if err != nil {
		answer("error: open: %v", err)
		return
	}
	defer b.Close()
	// Warm up: a first Lock may set up connections or check the store,
	// which would spread the racers apart. Do all that on a stack of our
	// own, so the race proper is two hot Lock calls.
	ref := backend.Ref{Project: os.Getenv(processProject), Stack: os.Getenv(processStack)}
	warm := backend.Ref{Project: ref.Project, Stack: ref.Stack + "-warmup-" + os.Getenv(processID)}
	if err := warmUp(ctx, b, warm); err != nil {
		answer("error: warming up: %v", err)
		return
	}
	answer("ready")

	in := bufio.NewReader(os.Stdin)
	if line, err := in.ReadString('\n'); err != nil || strings.TrimSpace(line) != "go" {
		answer("error: no go from the parent: %q, %v", line, err)
		return
	}
	// Not the real host name: a backend that frees the locks of dead
	// processes on its own machine would skip the lease this tests.
	const host = "child.backendtest.invalid"
	_, err = b.Lock(ctx, backend.LockRequest{
		Ref:   ref,
		Info:  backend.LockInfo{ID: os.Getenv(processID), Operation: role, User: "backendtest", Host: host, PID: os.Getpid()},
		Lease: lease,
	})
	var le *backend.LockedError
	switch {
	case err == nil:
		answer("locked")
	case errors.As(err, &le):
		answer("refused by %s", le.Holder.ID)
	default:
		answer("error: %s", strconv.Quote(err.Error()))
	}
	io.Copy(io.Discard, in) // until the parent closes stdin or kills us
}

// warmUp creates ref's stack, locks and unlocks it.
func warmUp(ctx context.Context, b backend.Backend, ref backend.Ref) error {
	if _, err := b.CreateStack(ctx, backend.CreateStackRequest{Ref: ref}); err != nil {
		return err
	}
	if _, err := b.Lock(ctx, backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "warmup"}, Lease: time.Minute}); err != nil {
		return err
	}
	_, err := b.Unlock(ctx, backend.UnlockRequest{Ref: ref, ID: "warmup"})
	return err
}
