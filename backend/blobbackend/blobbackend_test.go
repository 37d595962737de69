package blobbackend

import (
	"context"
	"os"
	"testing"
	"time"

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
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestConformance runs the suite against a real S3 server (versitygw).
func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T, now func() time.Time) backend.Backend {
		b, err := Open(t.Context(), testservice.S3(t), Options{Now: now})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return b
	})
}

// TestProcesses races Lock between processes and kills a holder, on a
// real S3 server.
func TestProcesses(t *testing.T) {
	backendtest.RunProcesses(t, testservice.S3, func(ctx context.Context, url string, now func() time.Time) (backend.Backend, error) {
		b, err := Open(ctx, url, Options{Now: now})
		if err != nil {
			return nil, err
		}
		return b, nil
	})
}

// TestConformanceAzure runs the suite against an Azure Blob Storage
// emulator (Azurite), which takes the If-Match path for Azure.
func TestConformanceAzure(t *testing.T) {
	backendtest.Run(t, func(t *testing.T, now func() time.Time) backend.Backend {
		b, err := Open(t.Context(), testservice.Azure(t), Options{Now: now})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if b.cond != condAzure {
			t.Fatalf("an azblob:// bucket was detected as kind %d", b.cond)
		}
		return b
	})
}
