package testservice

import "fmt"

// PostgresServer is a PostgreSQL server started by StartPostgres, for a
// program that is not a test (the backend benchmark, bench/backends).
// Tests use Postgres, which shares and cleans up servers for them.
type PostgresServer struct{ srv *pgServer }

// StartPostgres initialises a cluster in a new temporary directory and
// starts PostgreSQL on a free loopback port, as Postgres does. The caller
// must Stop it; if the program dies first, the server gets a parent-death
// signal (Linux) but its directory (plinth-pg-* under os.TempDir) stays.
func StartPostgres() (*PostgresServer, error) {
	bins, err := findPostgres()
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL is not installed: %w", err)
	}
	srv, err := startPostgres(bins)
	if err != nil {
		return nil, fmt.Errorf("starting PostgreSQL: %w", err)
	}
	return &PostgresServer{srv: srv}, nil
}

// NewDatabase creates a fresh, empty database and returns its URL. It
// stays until the server stops.
func (s *PostgresServer) NewDatabase() (string, error) {
	name := randomName("d_")
	if err := s.srv.exec("CREATE DATABASE " + name); err != nil {
		return "", fmt.Errorf("creating database: %w", err)
	}
	return s.srv.url(name), nil
}

// Stop stops the server and removes its directory.
func (s *PostgresServer) Stop() error { return s.srv.stop() }

// S3Server is an S3 server (versitygw) started by StartS3, for a program
// that is not a test; tests use S3 or S3URL.
type S3Server struct{ srv *s3Server }

// StartS3 starts versitygw on a free loopback port, serving buckets from a
// new temporary directory, as S3 does. The caller must Stop it. The
// processes that use its buckets need S3Env in their environment.
func StartS3() (*S3Server, error) {
	bin, err := findVersityGW()
	if err != nil {
		return nil, fmt.Errorf("versitygw is not installed: %w", err)
	}
	srv, err := startS3(bin)
	if err != nil {
		return nil, fmt.Errorf("starting versitygw: %w", err)
	}
	return &S3Server{srv: srv}, nil
}

// NewBucket creates a fresh, empty bucket and returns its gocloud.dev URL
// (see S3). It stays until the server stops.
func (s *S3Server) NewBucket() (string, error) {
	bucket, err := s.srv.createBucket()
	if err != nil {
		return "", fmt.Errorf("creating bucket: %w", err)
	}
	return s.srv.bucketURL(bucket), nil
}

// Stop stops the server and removes its directory with every bucket.
func (s *S3Server) Stop() error { return s.srv.stop() }
