package testservice

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gocloud.dev/blob"
)

func TestS3URLLeavesTheEnvironment(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	url := S3URL(t)
	if v := os.Getenv("AWS_ACCESS_KEY_ID"); v != "" {
		t.Errorf("S3URL set AWS_ACCESS_KEY_ID=%q", v)
	}
	for _, kv := range S3Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	defer b.Close()
	if err := b.WriteAll(ctx, "k", []byte("v"), nil); err != nil {
		t.Fatalf("write with S3Env's credentials: %v", err)
	}
}

func TestStartPostgres(t *testing.T) {
	if _, err := findPostgres(); err != nil {
		unavailable(t, "PostgreSQL is not installed: %v", err)
	}
	srv, err := StartPostgres()
	if err != nil {
		t.Fatal(err)
	}
	dir := srv.srv.dir
	url1, err := srv.NewDatabase()
	if err != nil {
		t.Fatal(err)
	}
	url2, err := srv.NewDatabase()
	if err != nil {
		t.Fatal(err)
	}
	if url1 == url2 {
		t.Errorf("two databases with one URL %s", url1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url1)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	conn.Close(ctx)
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still there after Stop: %v", dir, err)
	}
}

func TestStartS3(t *testing.T) {
	if _, err := findVersityGW(); err != nil {
		unavailable(t, "versitygw is not installed: %v", err)
	}
	srv, err := StartS3()
	if err != nil {
		t.Fatal(err)
	}
	dir := srv.srv.dir
	url, err := srv.NewBucket()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range S3Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	if err := b.WriteAll(ctx, "k", []byte("v"), nil); err != nil {
		t.Fatalf("write: %v", err)
	}
	b.Close()
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still there after Stop: %v", dir, err)
	}
}
