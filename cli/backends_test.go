package cli

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/internal/testservice"
	"github.com/rogpeppe/go-internal/testscript"
)

// fileBackendOnly are the scripts that are about the file backend itself
// and so run only in TestScripts, each with why. Every other script in
// testdata/script runs on every backend: a stack command behaves the same
// whichever backend holds the stack.
func fileBackendOnly() map[string]string {
	return map[string]string{
		// None yet. A script belongs here when it looks at or edits the
		// file backend's folders ($HOME/.plinth/stacks/...): a lock.json
		// left behind, a truncated journal.ndjson, and so on.
	}
}

// TestScriptsPostgres runs the scripts with state in PostgreSQL: a fresh
// database per script.
func TestScriptsPostgres(t *testing.T) {
	skipUnderRace(t)
	testscript.Run(t, backendScriptParams(t, func(t testing.TB) (string, []string) {
		return testservice.Postgres(t), nil
	}))
}

// TestScriptsS3 runs the scripts with state in S3 (versitygw): a fresh
// bucket per script.
func TestScriptsS3(t *testing.T) {
	skipUnderRace(t)
	testscript.Run(t, backendScriptParams(t, func(t testing.TB) (string, []string) {
		return testservice.S3URL(t), testservice.S3Env()
	}))
}

// backendScriptParams are scriptParams with every script but the
// fileBackendOnly ones, each run with PLINTH_BACKEND_URL set to a fresh
// backend from newBackend, plus the environment (credentials) it returns.
func backendScriptParams(t *testing.T, newBackend func(testing.TB) (url string, env []string)) testscript.Params {
	t.Helper()
	p := scriptParams(t)
	files, err := filepath.Glob(filepath.Join(p.Dir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	skip := fileBackendOnly()
	files = slices.DeleteFunc(files, func(f string) bool {
		_, ok := skip[strings.TrimSuffix(filepath.Base(f), ".txtar")]
		return ok
	})
	p.Dir, p.Files = "", files
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if err := setup(env); err != nil {
			return err
		}
		// testscript's T for a script is a *testing.T underneath; the
		// services need its Cleanup, Skip and Fatal.
		tb, ok := env.T().(testing.TB)
		if !ok {
			return fmt.Errorf("testscript's T (%T) is not a testing.TB", env.T())
		}
		url, vars := newBackend(tb)
		env.Setenv("PLINTH_BACKEND_URL", url)
		for _, kv := range vars {
			k, v, _ := strings.Cut(kv, "=")
			env.Setenv(k, v)
		}
		return nil
	}
	return p
}

// TestLockLease checks PLINTH_LOCK_LEASE, the lease the crash tests give
// a holder they kill so that the next command need not wait 30s.
func TestLockLease(t *testing.T) {
	for _, tc := range []struct {
		value    string
		want     time.Duration
		wantCode int // 0: no error
	}{
		{"", 0, 0},
		{"2s", 2 * time.Second, 0},
		{"1m30s", 90 * time.Second, 0},
		{"0s", 0, ExitUsage},
		{"-1s", 0, ExitUsage},
		{"soon", 0, ExitUsage},
	} {
		a := &app{env: Env{Lookup: func(k string) (string, bool) {
			if k == "PLINTH_LOCK_LEASE" && tc.value != "" {
				return tc.value, true
			}
			return "", false
		}}}
		got, err := a.lockLease()
		if got != tc.want || (err == nil) != (tc.wantCode == 0) || (err != nil && exitCode(err) != tc.wantCode) {
			t.Errorf("PLINTH_LOCK_LEASE=%q: lockLease() = %v, %v (exit %d); want %v and exit %d", tc.value, got, err, exitCode(err), tc.want, tc.wantCode)
		}
	}
}
