package pgbackend

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/backend/backendtest"
	"github.com/plinth-iac/plinth/internal/testservice"
)

func TestMain(m *testing.M) { os.Exit(testservice.Main(m)) }

// mustOpen opens a Backend on url and closes it in t.Cleanup.
func mustOpen(t *testing.T, url string, now func() time.Time) *Backend {
	t.Helper()
	b, err := Open(t.Context(), url, Options{Now: now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T, now func() time.Time) backend.Backend {
		b, err := Open(t.Context(), testservice.Postgres(t), Options{Now: now})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return b
	})
}

func TestOpenConcurrentlyMigratesOnce(t *testing.T) {
	url := testservice.Postgres(t)
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			b, err := Open(t.Context(), url, Options{})
			if err == nil {
				b.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
	}
	conn := mustConnect(t, url)
	rows, err := conn.Query(t.Context(), `SELECT version FROM plinth_schema_version`)
	if err != nil {
		t.Fatal(err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 1 || versions[0] != schemaVersion {
		t.Errorf("plinth_schema_version = %v, want [%d]", versions, schemaVersion)
	}
	// Opening a migrated database again changes nothing.
	b := mustOpen(t, url, nil)
	if _, err := b.CreateStack(t.Context(), backend.CreateStackRequest{Ref: backend.Ref{Project: "p", Stack: "s"}}); err != nil {
		t.Errorf("CreateStack after reopening: %v", err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	url := testservice.Postgres(t)
	mustOpen(t, url, nil)
	conn := mustConnect(t, url)
	if _, err := conn.Exec(t.Context(), `UPDATE plinth_schema_version SET version = 99`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), url, Options{})
	if err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("Open of a database with schema version 99: got %v, want an error naming version 99", err)
	}
}

func TestOpenSchemeIsCaseInsensitive(t *testing.T) {
	url := testservice.Postgres(t)
	b := mustOpen(t, "PostgreSQL"+strings.TrimPrefix(url, "postgres"), nil)
	if got := b.URL(); !strings.HasPrefix(got, "postgresql://") {
		t.Errorf("URL() = %q, want it to start with postgresql://", got)
	}
}

func TestURLRedactsPassword(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:hunter2@db:5432/plinth?sslmode=require", "postgres://u:xxxxx@db:5432/plinth?sslmode=require"},
		{"postgres://u@db/plinth", "postgres://u@db/plinth"},
		{"postgresql://db/plinth?password=hunter2&sslmode=disable", "postgresql://db/plinth?password=xxxxx&sslmode=disable"},
		{"postgres://u:p%40ss@db/plinth?sslpassword=hunter2", "postgres://u:xxxxx@db/plinth?sslpassword=xxxxx"},
	} {
		if got := redactURL(tc.in); got != tc.want {
			t.Errorf("redactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}

	url := testservice.Postgres(t) // trusts every password
	withPassword := strings.Replace(url, "plinth@", "plinth:hunter2@", 1)
	b := mustOpen(t, withPassword, nil)
	if got := b.URL(); strings.Contains(got, "hunter2") || !strings.Contains(got, "xxxxx") {
		t.Errorf("URL() = %q, want the password replaced by xxxxx", got)
	}
}

func TestErrorsHidePassword(t *testing.T) {
	for _, url := range []string{
		// Nothing listens on port 1.
		"postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2",
		"postgres://u:hunter%32@127.0.0.1:1/db?connect_timeout=2",
		"postgres://u@127.0.0.1:1/db?password=hunter2&connect_timeout=2",
		"PostgreSQL://u:hunter2@127.0.0.1:1/db?connect_timeout=2",
		// Do not parse.
		"postgres://u:hunter2@127.0.0.1:notaport/db",
		"postgres://u:hunter2@127.0.0.1/db?connect_timeout=never",
		"postgres://u:hunter2@[::1/db",
		"host=127.0.0.1 password=hunter2",
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		b, err := Open(ctx, url, Options{})
		cancel()
		if err == nil {
			b.Close()
			t.Errorf("Open(%q) succeeded", url)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q) error shows the password: %v", url, err)
		}
	}
}

func TestLockIsAtomicAcrossBackends(t *testing.T) {
	// Two Backends (two pools) on one database race for one stack, many
	// times: exactly one wins each round.
	url := testservice.Postgres(t)
	clock := backendtest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	b1, b2 := mustOpen(t, url, clock.Now), mustOpen(t, url, clock.Now)
	ref := backend.Ref{Project: "p", Stack: "s"}
	if _, err := b1.CreateStack(t.Context(), backend.CreateStackRequest{Ref: ref}); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, b := range []*Backend{b1, b2} {
			wg.Go(func() {
				_, errs[i] = b.Lock(t.Context(), backend.LockRequest{
					Ref: ref, Info: backend.LockInfo{ID: string(rune('a' + i))}, Lease: time.Minute,
				})
			})
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			var le *backend.LockedError
			switch {
			case err == nil:
				won++
			case !errors.As(err, &le):
				t.Fatalf("round %d, backend %d: %v", round, i, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d backends took the lock, want 1", round, won)
		}
		// Expire the lease so the next round races a takeover.
		clock.Advance(2 * time.Minute)
	}
}

func mustConnect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestProcesses races Lock between processes and kills a holder.
func TestProcesses(t *testing.T) {
	backendtest.RunProcesses(t, testservice.Postgres, func(ctx context.Context, url string, now func() time.Time) (backend.Backend, error) {
		b, err := Open(ctx, url, Options{Now: now})
		if err != nil {
			return nil, err
		}
		return b, nil
	})
}
