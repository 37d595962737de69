package testservice

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/s3blob"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestPostgresFreshDatabases(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url1, url2 := Postgres(t), Postgres(t)
	if url1 == url2 {
		t.Fatalf("two calls returned the same database %s", url1)
	}
	conn, err := pgx.Connect(ctx, url1)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
		t.Fatalf("create table: %v", err)
	}
	var n int
	conn2, err := pgx.Connect(ctx, url2)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn2.Close(ctx)
	if err := conn2.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 't'").Scan(&n); err != nil {
		t.Fatalf("query: %v", err)
	}
	if n != 0 {
		t.Errorf("second database sees %d tables named t, want 0", n)
	}
}

func TestPostgresOwnServer(t *testing.T) {
	// Outside Main a call starts (and stops) a server of its own.
	registry.mu.Lock()
	inMain := registry.inMain
	registry.inMain = false
	registry.mu.Unlock()
	defer func() {
		registry.mu.Lock()
		registry.inMain = inMain
		registry.mu.Unlock()
	}()
	var dir string
	t.Run("start", func(t *testing.T) {
		url := Postgres(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
			t.Fatalf("query: %v", err)
		}
		if !strings.HasPrefix(dir, os.TempDir()) {
			t.Errorf("data directory %s, want one under %s", dir, os.TempDir())
		}
	})
	if dir == "" {
		return
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("data directory %s still there after the test: %v", dir, err)
	}
}

func TestS3FreshBuckets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url1, url2 := S3(t), S3(t)
	if url1 == url2 {
		t.Fatalf("two calls returned the same bucket %s", url1)
	}
	b1, err := blob.OpenBucket(ctx, url1)
	if err != nil {
		t.Fatalf("open %s: %v", url1, err)
	}
	defer b1.Close()
	if err := b1.WriteAll(ctx, "k", []byte("v"), nil); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := b1.ReadAll(ctx, "k")
	if err != nil || string(got) != "v" {
		t.Fatalf("read = %q, %v; want %q", got, err, "v")
	}
	b2, err := blob.OpenBucket(ctx, url2)
	if err != nil {
		t.Fatalf("open %s: %v", url2, err)
	}
	defer b2.Close()
	if ok, err := b2.Exists(ctx, "k"); err != nil || ok {
		t.Errorf("second bucket: Exists(k) = %v, %v; want false, nil", ok, err)
	}
}

func TestUnavailableSkipsOrFails(t *testing.T) {
	for _, tc := range []struct {
		env      string
		wantSkip bool
	}{{"", true}, {"1", false}} {
		t.Run("env="+tc.env, func(t *testing.T) {
			t.Setenv(RequireEnv, tc.env)
			var rec recorder
			func() {
				defer func() { _ = recover() }()
				unavailable(&rec, "no %s here", "thing")
			}()
			if rec.skipped != tc.wantSkip || rec.failed == tc.wantSkip {
				t.Errorf("skipped, failed = %v, %v; want %v, %v", rec.skipped, rec.failed, tc.wantSkip, !tc.wantSkip)
			}
			if !strings.Contains(rec.msg, "no thing here") {
				t.Errorf("message %q does not say what is missing", rec.msg)
			}
		})
	}
}

// recorder is a testing.TB that records a skip or fatal failure and stops
// the caller with a panic, as runtime.Goexit would.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped, r.msg = true, sprintf(format, args...)
	panic("skip")
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, sprintf(format, args...)
	panic("fatal")
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func TestAzureFreshContainers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url1, url2 := Azure(t), Azure(t)
	if url1 == url2 {
		t.Fatalf("two calls returned the same container %s", url1)
	}
	b1, err := blob.OpenBucket(ctx, url1)
	if err != nil {
		t.Fatalf("open %s: %v", url1, err)
	}
	defer b1.Close()
	if err := b1.WriteAll(ctx, "k", []byte("v"), nil); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := b1.ReadAll(ctx, "k")
	if err != nil || string(got) != "v" {
		t.Fatalf("read = %q, %v; want %q", got, err, "v")
	}
	b2, err := blob.OpenBucket(ctx, url2)
	if err != nil {
		t.Fatalf("open %s: %v", url2, err)
	}
	defer b2.Close()
	if ok, err := b2.Exists(ctx, "k"); err != nil || ok {
		t.Errorf("second container: Exists(k) = %v, %v; want false, nil", ok, err)
	}
}
