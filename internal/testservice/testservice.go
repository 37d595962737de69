package testservice

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequireEnv names the environment variable that, set to 1, turns a
// service that cannot run on this machine into a test failure instead of
// a skip.
const RequireEnv = "PLINTH_REQUIRE_SERVICES"

// unavailable skips t, or fails it when RequireEnv is set, because a
// service cannot run here.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1: the service is required)", msg, RequireEnv)
	}
	t.Skipf("%s; skipping (set %s=1 to fail instead)", msg, RequireEnv)
}

// server is a running service that can be stopped.
type server interface {
	stop() error
}

// registry holds the servers shared by a test binary run through Main.
//
// This is mutable package-level state, which Plinth's production code
// never has. It is here on purpose: this is a test helper, a test binary
// is one process, and one server per binary (rather than one per test) is
// the whole point of Main.
var registry struct {
	mu      sync.Mutex
	inMain  bool
	servers map[string]*sharedServer
	order   []*sharedServer
}

// sharedServer starts one server at most once.
type sharedServer struct {
	once sync.Once
	srv  server
	err  error
}

// Main runs the tests of a package, sharing one server of each kind among
// them, and stops the servers when the tests are done. Use it from
// TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testservice.Main(m)) }
func Main(m *testing.M) int {
	registry.mu.Lock()
	registry.inMain = true
	registry.servers = map[string]*sharedServer{}
	registry.order = nil
	registry.mu.Unlock()

	code := m.Run()

	registry.mu.Lock()
	defer registry.mu.Unlock()
	for i := len(registry.order) - 1; i >= 0; i-- {
		if s := registry.order[i]; s.srv != nil {
			if err := s.srv.stop(); err != nil {
				fmt.Fprintf(os.Stderr, "testservice: %v\n", err)
			}
		}
	}
	registry.inMain = false
	registry.servers = nil
	registry.order = nil
	return code
}

// serverFor returns the server of the given kind for t: the test binary's
// shared one under Main (started on first use), otherwise a new one that
// t.Cleanup stops.
func serverFor[S server](t testing.TB, kind string, start func() (S, error)) S {
	t.Helper()
	registry.mu.Lock()
	if registry.inMain {
		s := registry.servers[kind]
		if s == nil {
			s = &sharedServer{}
			registry.servers[kind] = s
			registry.order = append(registry.order, s)
		}
		registry.mu.Unlock()
		s.once.Do(func() {
			srv, err := start()
			if err == nil {
				s.srv = srv
			}
			s.err = err
		})
		if s.err != nil {
			t.Fatalf("starting %s: %v", kind, s.err)
		}
		return s.srv.(S)
	}
	registry.mu.Unlock()

	srv, err := start()
	if err != nil {
		t.Fatalf("starting %s: %v", kind, err)
	}
	t.Cleanup(func() {
		if err := srv.stop(); err != nil {
			t.Errorf("stopping %s: %v", kind, err)
		}
	})
	return srv
}

// freePort returns a loopback TCP port that was free a moment ago. Another
// process may take it before the server binds it; callers retry.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// randomName returns prefix followed by 12 random hex digits.
func randomName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// account is a user to run a server as, when the tests run as root.
type account struct {
	name     string
	uid, gid uint32
}

// serviceAccount returns the account to run servers that refuse root as:
// nil when the tests do not run as root, else "postgres" or "nobody".
func serviceAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var errs []error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			errs = append(errs, fmt.Errorf("user %s: non-numeric uid %q or gid %q", name, u.Uid, u.Gid))
			continue
		}
		return &account{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("running as root and no unprivileged user to run the server as: %w", errors.Join(errs...))
}

// process is a started server process.
type process struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the process has exited
	err     error         // Wait's result, set before done closes
}

// startProcess starts cmd as as (nil: as ourselves), its output appended
// to logPath, with a parent-death signal so it does not outlive us.
func startProcess(cmd *exec.Cmd, as *account, deathSignal syscall.Signal, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own copy
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr(as, deathSignal)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig, waits for the process to exit, and kills it if it has
// not within a few seconds.
func (p *process) stop(sig os.Signal) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// logTail returns the end of the process's log, for error messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(bytes.TrimSpace(b))
}

// waitReady polls ready until it succeeds, the process exits, or timeout
// passes.
func waitReady(p *process, timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		if p.exited() {
			return fmt.Errorf("%s exited (%v) before it was ready; its log:\n%s", p.cmd.Path, p.err, p.logTail())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %v; its log:\n%s", p.cmd.Path, timeout, err, p.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
