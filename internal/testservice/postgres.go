package testservice

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresUser is the superuser initdb creates; the server trusts every
// loopback connection, so there is no password.
const postgresUser = "plinth"

// Postgres returns the URL of a fresh, empty database on a PostgreSQL
// server running on a loopback port. The database is dropped in
// t.Cleanup; see the package doc for when the server is shared.
//
// It skips t when PostgreSQL is not installed (initdb and postgres on
// PATH or under /usr/lib/postgresql/*/bin), or fails it when
// PLINTH_REQUIRE_SERVICES=1.
func Postgres(t testing.TB) string {
	t.Helper()
	bins, err := findPostgres()
	if err != nil {
		unavailable(t, "PostgreSQL is not installed: %v", err)
	}
	srv := serverFor(t, "postgres", func() (*pgServer, error) { return startPostgres(bins) })

	name := randomName("t_")
	if err := srv.exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE ends connections a test left open.
		if err := srv.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
	})
	return srv.url(name)
}

// pgBinaries are the PostgreSQL programs the helper runs.
type pgBinaries struct {
	initdb, postgres string
}

// findPostgres finds initdb and postgres in one directory: the one initdb
// on PATH lives in, else the newest /usr/lib/postgresql/*/bin.
func findPostgres() (pgBinaries, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	versioned, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versioned, func(i, j int) bool {
		return pgDirVersion(versioned[i]) > pgDirVersion(versioned[j])
	})
	dirs = append(dirs, versioned...)
	for _, dir := range dirs {
		b := pgBinaries{initdb: filepath.Join(dir, "initdb"), postgres: filepath.Join(dir, "postgres")}
		if isExecutable(b.initdb) && isExecutable(b.postgres) {
			return b, nil
		}
	}
	return pgBinaries{}, errors.New("no directory with both initdb and postgres on PATH or under /usr/lib/postgresql/*/bin")
}

// pgDirVersion returns N for /usr/lib/postgresql/N/bin.
func pgDirVersion(dir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// pgServer is a running PostgreSQL server.
type pgServer struct {
	dir  string // holds the data directory, the socket and the log
	port int
	proc *process
}

// startPostgres initialises a cluster in a new temporary directory and
// starts a server for it on a free loopback port.
func startPostgres(bins pgBinaries) (*pgServer, error) {
	as, err := serviceAccount()
	if err != nil {
		return nil, err
	}
	// Under os.TempDir, not t.TempDir: the Unix socket's path must stay
	// short (about 100 bytes).
	dir, err := os.MkdirTemp("", "plinth-pg-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	if as != nil {
		if err := os.Chown(dir, int(as.uid), int(as.gid)); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")

	initdb := exec.Command(bins.initdb, "-D", data, "-A", "trust", "-U", postgresUser,
		"--no-sync", "-E", "UTF8", "--locale=C")
	initdb.Dir = dir // the service account may not be able to read our working directory
	if err := runLogged(initdb, as, filepath.Join(dir, "initdb.log")); err != nil {
		return nil, err
	}

	// The port was free a moment ago; if another process takes it first,
	// the server exits and we try another.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bins.postgres, "-D", data, "-p", strconv.Itoa(port), "-k", dir,
			"-c", "listen_addresses=127.0.0.1",
			"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
		cmd.Dir = dir
		// SIGQUIT is PostgreSQL's immediate shutdown (pg_ctl stop -m
		// immediate): nothing here is worth a clean checkpoint.
		proc, err := startProcess(cmd, as, syscall.SIGQUIT, filepath.Join(dir, "postgres.log"))
		if err != nil {
			return nil, err
		}
		srv := &pgServer{dir: dir, port: port, proc: proc}
		lastErr = waitReady(proc, 60*time.Second, func() error { return srv.exec("SELECT 1") })
		if lastErr == nil {
			ok = true
			return srv, nil
		}
		proc.stop(syscall.SIGQUIT)
	}
	return nil, lastErr
}

// runLogged runs cmd as as to completion, its output going to logPath.
func runLogged(cmd *exec.Cmd, as *account, logPath string) error {
	p, err := startProcess(cmd, as, syscall.SIGKILL, logPath)
	if err != nil {
		return err
	}
	<-p.done
	if p.err != nil {
		return fmt.Errorf("%s: %v; its output:\n%s", strings.Join(cmd.Args, " "), p.err, p.logTail())
	}
	return nil
}

// url returns the URL of database name.
func (s *pgServer) url(name string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", postgresUser, s.port, name)
}

// exec runs one statement in the maintenance database.
func (s *pgServer) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.url("postgres")+"&connect_timeout=5")
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func (s *pgServer) stop() error {
	s.proc.stop(syscall.SIGQUIT)
	return os.RemoveAll(s.dir)
}
