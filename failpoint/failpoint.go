// Package failpoint injects failures at named points, for crash and
// write-error tests. It is driven by one environment variable,
// PLINTH_FAILPOINTS, read by the CLI and passed in; nothing here reads the
// environment, and with the variable unset every point is a no-op.
//
// The variable holds a comma-separated list of POINT=ACTION[@N]: at the Nth
// time POINT is reached (default the first), ACTION happens. Actions:
//
//   - kill: the process sends itself SIGKILL (a crash, no cleanup).
//   - error: the point returns an I/O error.
//   - enospc: the point returns an error wrapping syscall.ENOSPC.
//
// Points in the code: journal.append, journal.appended, checkpoint.write,
// snapshot.write, journal.reset, provider.create, provider.created,
// provider.delete, lock.renew (before each lease renewal), and the key rotation's rotation.file (after the stack
// file with the new key is written), rotation.checkpoint (after each
// version is re-encrypted) and rotation.done (after the new version is
// recorded, before previouskeys is removed).
package failpoint

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Set is a parsed PLINTH_FAILPOINTS value. The zero Set injects nothing.
type Set struct {
	mu     sync.Mutex
	rules  map[string]rule
	counts map[string]int
	kill   func()
}

type rule struct {
	action string
	at     int
}

// Parse reads a PLINTH_FAILPOINTS value. kill is what the kill action does
// (the CLI passes a self-SIGKILL).
func Parse(spec string, kill func()) (*Set, error) {
	s := &Set{rules: map[string]rule{}, counts: map[string]int{}, kill: kill}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		point, act, ok := strings.Cut(part, "=")
		if !ok || point == "" {
			return nil, fmt.Errorf("PLINTH_FAILPOINTS: %q: want POINT=ACTION[@N]", part)
		}
		r := rule{action: act, at: 1}
		if a, n, ok := strings.Cut(act, "@"); ok {
			i, err := strconv.Atoi(n)
			if err != nil || i < 1 {
				return nil, fmt.Errorf("PLINTH_FAILPOINTS: %q: N must be a positive integer", part)
			}
			r.action, r.at = a, i
		}
		switch r.action {
		case "kill", "error", "enospc":
		default:
			return nil, fmt.Errorf("PLINTH_FAILPOINTS: %q: unknown action %q (kill, error, enospc)", part, r.action)
		}
		s.rules[point] = r
	}
	return s, nil
}

// Hit is called when the code reaches point.
func (s *Set) Hit(point string) error {
	if s == nil || len(s.rules) == 0 {
		return nil
	}
	s.mu.Lock()
	r, ok := s.rules[point]
	if !ok {
		s.mu.Unlock()
		return nil
	}
	s.counts[point]++
	n := s.counts[point]
	s.mu.Unlock()
	if n != r.at {
		return nil
	}
	switch r.action {
	case "kill":
		s.kill()
		select {} // SIGKILL does not return
	case "enospc":
		return fmt.Errorf("failpoint %s: %w", point, syscall.ENOSPC)
	default:
		return fmt.Errorf("failpoint %s: injected I/O error", point)
	}
}
