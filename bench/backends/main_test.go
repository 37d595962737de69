package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/plinth-iac/plinth/internal/testservice"
)

// TestRun measures a stack of 5 resources on the file backend, and on
// PostgreSQL and S3 too when the services are required (CI), and checks
// that every backend was measured.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plinth")
	}
	backends := []string{"file"}
	if os.Getenv(testservice.RequireEnv) == "1" {
		backends = append(backends, "postgres", "s3")
	}
	var out bytes.Buffer
	results, err := run(options{n: 5, backends: backends, reps: 1, dir: t.TempDir()}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(backends) {
		t.Fatalf("%d results for %d backends:\n%s", len(results), len(backends), out.String())
	}
	for i, r := range results {
		if r.backend != backends[i] || r.create <= 0 || r.preview <= 0 || r.written <= 0 || r.state <= 0 {
			t.Errorf("result %d = %+v, want backend %s and positive figures", i, r, backends[i])
		}
		if !strings.Contains(out.String(), "\n"+r.backend+" ") {
			t.Errorf("no row for %s in the table:\n%s", r.backend, out.String())
		}
	}
}

func TestRunRejectsUnknownBackend(t *testing.T) {
	_, err := run(options{n: 1, reps: 1, backends: []string{"file", "ftp"}}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `"ftp"`) {
		t.Fatalf("run with backend ftp: err = %v, want one naming it", err)
	}
}
