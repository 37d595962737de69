package testservice

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The fixed credentials of the test S3 server. S3 sets them in the
// environment, where the AWS SDK (and so gocloud.dev's s3blob) finds them.
const (
	S3AccessKey = "plinth-test-access"
	S3SecretKey = "plinth-test-secret-key"
)

// S3 returns the gocloud.dev URL of a fresh, empty bucket on an S3 server
// (versitygw with its POSIX backend) running on a loopback port, like
//
//	s3://plinth-0123456789ab?endpoint=http://127.0.0.1:PORT&region=us-east-1&s3ForcePathStyle=true
//
// and sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY with t.Setenv (so t
// must not be parallel). The bucket is removed in t.Cleanup; see the
// package doc for when the server is shared.
//
// It skips t when versitygw is not installed (on PATH, in $GOBIN or in
// $(go env GOPATH)/bin; `go install github.com/versity/versitygw/cmd/versitygw`),
// or fails it when PLINTH_REQUIRE_SERVICES=1.
func S3(t testing.TB) string {
	t.Helper()
	url := S3URL(t)
	t.Setenv("AWS_ACCESS_KEY_ID", S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", S3SecretKey)
	return url
}

// S3URL is S3 without touching the process environment, so a parallel
// test may call it: the test passes S3Env to the processes (plinth
// subprocesses, test scripts) that use the bucket.
func S3URL(t testing.TB) string {
	t.Helper()
	bin, err := findVersityGW()
	if err != nil {
		unavailable(t, "versitygw is not installed: %v", err)
	}
	srv := serverFor(t, "s3", func() (*s3Server, error) { return startS3(bin) })
	bucket, err := srv.createBucket()
	if err != nil {
		t.Fatalf("creating bucket: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.removeBucket(bucket); err != nil {
			t.Errorf("removing bucket %s: %v", bucket, err)
		}
	})
	return srv.bucketURL(bucket)
}

// S3Env returns the environment, as KEY=VALUE pairs, in which the AWS SDK
// (and so gocloud.dev's s3blob) finds the test S3 server's credentials.
func S3Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + S3AccessKey, "AWS_SECRET_ACCESS_KEY=" + S3SecretKey}
}

// findVersityGW looks for versitygw on PATH, in $GOBIN, then in
// $(go env GOPATH)/bin, where `go install` puts it.
func findVersityGW() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if gobin := goEnv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	for _, p := range filepath.SplitList(goEnv("GOPATH")) {
		if p != "" {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	for _, dir := range dirs {
		if p := filepath.Join(dir, "versitygw"); isExecutable(p) {
			return p, nil
		}
	}
	return "", errors.New("not on PATH, in $GOBIN or in $(go env GOPATH)/bin")
}

// goEnv returns `go env name`: the environment variable, else the go
// command's default for it.
func goEnv(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// s3Server is a running versitygw.
type s3Server struct {
	dir  string // holds root (the buckets) and the log
	root string
	port int
	proc *process
}

// startS3 starts versitygw on a free loopback port, serving the buckets in
// a new temporary directory.
func startS3(bin string) (*s3Server, error) {
	dir, err := os.MkdirTemp("", "plinth-s3-")
	if err != nil {
		return nil, err
	}
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		cmd := exec.Command(bin, "--access", S3AccessKey, "--secret", S3SecretKey,
			"--port", "127.0.0.1:"+strconv.Itoa(port), "--quiet", "posix", root)
		cmd.Dir = dir
		proc, err := startProcess(cmd, nil, syscall.SIGKILL, filepath.Join(dir, "versitygw.log"))
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		srv := &s3Server{dir: dir, root: root, port: port, proc: proc}
		lastErr = waitReady(proc, 30*time.Second, srv.ping)
		if lastErr == nil {
			return srv, nil
		}
		proc.stop(syscall.SIGTERM)
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

// createBucket creates a bucket with a new random name and returns the
// name.
func (s *s3Server) createBucket() (string, error) {
	bucket := randomName("plinth-")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return "", err
	}
	return bucket, nil
}

// removeBucket removes a bucket and everything in it. The POSIX backend
// keeps a bucket as a directory of the root; removing it is quicker than
// deleting every object over HTTP.
func (s *s3Server) removeBucket(bucket string) error {
	return os.RemoveAll(filepath.Join(s.root, bucket))
}

// bucketURL returns the gocloud.dev URL of a bucket.
func (s *s3Server) bucketURL(bucket string) string {
	return fmt.Sprintf("s3://%s?endpoint=%s&region=us-east-1&s3ForcePathStyle=true", bucket, s.endpoint())
}

func (s *s3Server) endpoint() string { return "http://127.0.0.1:" + strconv.Itoa(s.port) }

// ping succeeds once the server answers HTTP at all (unsigned requests
// are refused, which is an answer).
func (s *s3Server) ping() error {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(s.endpoint() + "/")
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// client returns an S3 client for the server with the fixed credentials.
func (s *s3Server) client() *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.endpoint()),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(S3AccessKey, S3SecretKey, ""),
	})
}

func (s *s3Server) stop() error {
	s.proc.stop(syscall.SIGTERM)
	return os.RemoveAll(s.dir)
}
