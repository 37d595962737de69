// Command backends measures a large `plinth up` on each state backend: the
// closing figures of the backends issue, "for a 1,000-resource up on each
// backend, wall time and bytes written to the backend".
//
// It starts PostgreSQL and an S3 server (versitygw) the way the tests do
// (package internal/testservice: loopback ports, temporary folders,
// stopped at the end), builds ./cmd/plinth, and for each backend creates a
// stack of N independent core:Data resources (bench's fan shape) in a
// fresh database, bucket or folder and times, with the real binary:
//
//	create    plinth up --yes --skip-preview
//	preview   plinth preview --expect-no-changes
//
// For each it prints the wall time of the plinth process and, for create,
// the bytes plinth wrote to the backend (PLINTH_METER_FILE: snapshots,
// journal entries, checkpoints and history records, as handed to the
// backend — not the server's own overhead such as PostgreSQL's WAL or S3
// request headers), the state size (the length of plinth stack export)
// and their ratio.
//
// Run it from the repository root:
//
//	go run ./bench/backends
//	go run ./bench/backends -n 10000 -backends postgres,s3 -reps 3
//
// See bench/README.md.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plinth-iac/plinth/internal/testservice"
)

func main() {
	var o options
	flag.IntVar(&o.n, "n", 1000, "resources in the program")
	backends := flag.String("backends", "file,postgres,s3", "comma-separated backends: file, postgres, s3")
	flag.IntVar(&o.reps, "reps", 1, "repetitions per backend; the median is reported")
	flag.StringVar(&o.dir, "out", "", "work directory (default: a new temporary directory)")
	flag.BoolVar(&o.markdown, "markdown", false, "print the table in Markdown")
	flag.Parse()
	o.backends = strings.Split(*backends, ",")
	if _, err := run(o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/backends:", err)
		os.Exit(1)
	}
}

// options are the flags.
type options struct {
	n        int
	backends []string
	reps     int
	dir      string
	markdown bool
}

// result is one backend's figures (medians over the repetitions).
type result struct {
	backend string
	create  time.Duration
	written int64 // bytes written to the backend by create
	preview time.Duration
	state   int64 // length of plinth stack export after create
}

// run starts the servers the backends need, builds plinth, measures every
// backend, prints the table to w and returns the figures.
func run(o options, w io.Writer) ([]result, error) {
	if o.n < 1 || o.reps < 1 {
		return nil, errors.New("-n and -reps must be at least 1")
	}
	for _, b := range o.backends {
		if !slices.Contains([]string{"file", "postgres", "s3"}, b) {
			return nil, fmt.Errorf("-backends: unknown backend %q (want file, postgres or s3)", b)
		}
	}
	if o.dir == "" {
		d, err := os.MkdirTemp("", "plinth-bench-backends-")
		if err != nil {
			return nil, err
		}
		o.dir = d
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "work dir: %s\n", dir)
	plinth := filepath.Join(dir, "plinth")
	if err := buildPlinth(plinth); err != nil {
		return nil, err
	}
	servers, err := startServers(o.backends)
	if err != nil {
		return nil, err
	}
	defer servers.stop()

	var results []result
	for _, b := range o.backends {
		var runs []result
		for rep := range o.reps {
			runDir := filepath.Join(dir, fmt.Sprintf("%s-rep%d", b, rep))
			url, env, err := servers.newBackend(b, runDir)
			if err != nil {
				return nil, err
			}
			r, err := measure(plinth, runDir, o.n, url, env)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b, err)
			}
			r.backend = b
			runs = append(runs, r)
		}
		results = append(results, median(runs))
	}
	printTable(w, o, results)
	return results, nil
}

// servers are the servers started for the chosen backends (nil: not
// needed).
type servers struct {
	pg *testservice.PostgresServer
	s3 *testservice.S3Server
}

func startServers(backends []string) (*servers, error) {
	s := &servers{}
	var err error
	if slices.Contains(backends, "postgres") {
		if s.pg, err = testservice.StartPostgres(); err != nil {
			return nil, err
		}
	}
	if slices.Contains(backends, "s3") {
		if s.s3, err = testservice.StartS3(); err != nil {
			s.stop()
			return nil, err
		}
	}
	return s, nil
}

func (s *servers) stop() {
	if s.pg != nil {
		if err := s.pg.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping PostgreSQL:", err)
		}
	}
	if s.s3 != nil {
		if err := s.s3.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping versitygw:", err)
		}
	}
}

// newBackend returns the URL of a fresh backend of the given kind, and the
// environment plinth needs to reach it. A file backend lives in dir.
func (s *servers) newBackend(kind, dir string) (url string, env []string, err error) {
	switch kind {
	case "postgres":
		url, err = s.pg.NewDatabase()
		return url, nil, err
	case "s3":
		url, err = s.s3.NewBucket()
		return url, testservice.S3Env(), err
	default:
		return "file://" + filepath.Join(dir, "state"), nil, nil
	}
}

// measure creates a stack of n resources in a new project under dir,
// with state at url, and measures create and a no-op preview.
func measure(plinth, dir string, n int, url string, extraEnv []string) (result, error) {
	var r result
	project := filepath.Join(dir, "project")
	logs := filepath.Join(dir, "logs")
	for _, d := range []string{project, logs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return r, err
		}
	}
	if err := os.WriteFile(filepath.Join(project, "Plinth.yaml"), []byte(fanProgram(n)), 0o644); err != nil {
		return r, err
	}
	meter := filepath.Join(dir, "meter.json")
	env := append(os.Environ(),
		"PLINTH_HOME="+filepath.Join(dir, "home"),
		"PLINTH_BACKEND_URL="+url,
		"PLINTH_CI=false",
		"CI=",
		"PLINTH_METER_FILE="+meter,
	)
	env = append(env, extraEnv...)
	plinthRun := func(name string, args ...string) (time.Duration, error) {
		_ = os.Remove(meter)
		log := filepath.Join(logs, name+".log")
		f, err := os.Create(log)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		cmd := exec.Command(plinth, args...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = project, env, f, f
		start := time.Now()
		err = cmd.Run()
		wall := time.Since(start)
		if err != nil {
			data, _ := os.ReadFile(log)
			return 0, fmt.Errorf("plinth %s: %w (log %s):\n%s", strings.Join(args, " "), err, log, tail(data))
		}
		return wall, nil
	}
	if _, err := plinthRun("init", "stack", "init", "bench"); err != nil {
		return r, err
	}
	var err error
	if r.create, err = plinthRun("create", "up", "--yes", "--skip-preview"); err != nil {
		return r, err
	}
	if r.written, err = readMeter(meter); err != nil {
		return r, err
	}
	if r.preview, err = plinthRun("preview", "preview", "--expect-no-changes"); err != nil {
		return r, err
	}
	cmd := exec.Command(plinth, "stack", "export")
	cmd.Dir, cmd.Env = project, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return r, fmt.Errorf("plinth stack export: %w\n%s", err, stderr.String())
	}
	r.state = int64(len(out))
	return r, nil
}

// fanProgram is bench's fan program: n independent core:Data resources.
func fanProgram(n int) string {
	var b strings.Builder
	b.WriteString("name: bench\nruntime: yaml\nresources:\n")
	for i := range n {
		fmt.Fprintf(&b, "  r%d:\n    type: core:Data\n    properties: {input: \"v%d\"}\n", i, i)
	}
	return b.String()
}

// buildPlinth builds ./cmd/plinth of the enclosing module to out.
func buildPlinth(out string) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	cmd := exec.Command("go", "build", "-o", out, "./cmd/plinth")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/plinth in %s: %w", cmd.Dir, err)
	}
	return nil
}

// readMeter reads the bytes written that plinth left in PLINTH_METER_FILE.
func readMeter(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("plinth wrote no meter file: %w", err)
	}
	var v struct {
		BytesWritten int64 `json:"bytesWritten"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return 0, fmt.Errorf("meter file %s: %w", path, err)
	}
	return v.BytesWritten, nil
}

func tail(data []byte) string {
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(data)
}

// median takes each figure's median over runs (the lower middle one for
// an even count).
func median(runs []result) result {
	pick := func(f func(result) int64) int64 {
		vs := make([]int64, len(runs))
		for i, r := range runs {
			vs[i] = f(r)
		}
		slices.Sort(vs)
		return vs[(len(vs)-1)/2]
	}
	return result{
		backend: runs[0].backend,
		create:  time.Duration(pick(func(r result) int64 { return int64(r.create) })),
		written: pick(func(r result) int64 { return r.written }),
		preview: time.Duration(pick(func(r result) int64 { return int64(r.preview) })),
		state:   pick(func(r result) int64 { return r.state }),
	}
}

// printTable prints the results as aligned text or Markdown.
func printTable(w io.Writer, o options, results []result) {
	header := []string{"backend", "up (create) wall", "bytes written", "no-op preview wall", "state", "written / state"}
	var rows [][]string
	for _, r := range results {
		rows = append(rows, []string{
			r.backend,
			fmt.Sprintf("%.3f s", r.create.Seconds()),
			size(r.written),
			fmt.Sprintf("%.3f s", r.preview.Seconds()),
			size(r.state),
			fmt.Sprintf("%.2f×", float64(r.written)/float64(max(r.state, 1))),
		})
	}
	title := fmt.Sprintf("N = %d core:Data (fan), up --yes --skip-preview, median of %d", o.n, o.reps)
	if o.markdown {
		fmt.Fprintf(w, "\n%s\n\n| %s |\n|%s\n", title, strings.Join(header, " | "), strings.Repeat("---|", len(header)))
		for _, row := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		}
		return
	}
	fmt.Fprintf(w, "\n%s\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}

// size formats a byte count; kB and MB are 10³ and 10⁶ bytes.
func size(b int64) string {
	switch {
	case b < 10_000:
		return fmt.Sprintf("%d B", b)
	case b < 10_000_000:
		return fmt.Sprintf("%.1f kB", float64(b)/1e3)
	default:
		return fmt.Sprintf("%.2f MB", float64(b)/1e6)
	}
}
