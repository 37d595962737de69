// Command bench is Plinth's scale benchmark harness.
//
// It generates programs of N core:Data resources in two shapes — fan (all
// resources independent) and tree (resource i depends on resource (i-1)/2) —
// and, for each, times the life cycle of a stack with the real plinth binary:
//
//	create       plinth up --yes --skip-preview
//	preview      plinth preview                      (no changes)
//	noop-up      plinth up --yes                     (no changes)
//	update-one   plinth up --yes --skip-preview      (after changing r{N-1}, a leaf)
//	destroy      plinth destroy --yes --skip-preview
//
// For every operation it prints the wall time, the peak RSS of the plinth
// process and the bytes plinth wrote to the backend (PLINTH_METER_FILE), and
// for the stack the state size (the length of plinth stack export) with the
// ratio bytes written during create / state size.
//
// When terraform is on PATH (and -terraform is auto), it runs the equivalent
// terraform_data configurations in the same run, at the default -parallelism
// and at -parallelism=64, and prints the ratios Terraform / Plinth. Terraform
// is skipped for N above -tf-max (default 1000): it takes minutes there.
//
// With -budget, the N=10000 fan results are checked against the budgets
// (create ≤ 2 s, no-op preview ≤ 0.5 s, no-op up ≤ 0.7 s, update one ≤ 0.5 s,
// destroy ≤ 2 s, peak RSS ≤ 300 MB, state ≤ 4 MB, bytes written during
// create ≤ 3 × state), one PASS/FAIL line each; the exit status is 1 if any
// fails.
//
// Run it from the repository root:
//
//	go run ./bench -n 1000,10000
//
// See bench/README.md for the flags and the meaning of each column.
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
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// operations are the timed operations, in the order they run.
func operations() []string {
	return []string{"create", "preview", "noop-up", "update-one", "destroy"}
}

// Budgets for N = 10,000, fan (2-core machine). MB = 10^6 bytes.
const (
	budgetN           = 10000
	budgetShape       = "fan"
	budgetRSSBytes    = 300_000_000
	budgetStateBytes  = 4_000_000
	budgetWriteFactor = 3
)

// budgetWall is the wall-time budget of an operation.
func budgetWall(op string) time.Duration {
	switch op {
	case "create", "destroy":
		return 2 * time.Second
	case "noop-up":
		return 700 * time.Millisecond
	default: // preview, update-one
		return 500 * time.Millisecond
	}
}

func main() {
	nList := flag.String("n", "100,1000,10000", "comma-separated resource counts")
	shapeList := flag.String("shapes", "fan,tree", "comma-separated shapes: fan, tree")
	reps := flag.Int("reps", 1, "repetitions per configuration; the median is reported")
	tfMode := flag.String("terraform", "auto", "auto: also run terraform if it is on PATH; off: never")
	tfMax := flag.Int("tf-max", 1000, "skip terraform for N above this")
	budget := flag.Bool("budget", false, "check the N=10000 fan results against the budgets; exit 1 if any fails")
	outDir := flag.String("out", "", "work directory (default: a new temporary directory)")
	markdown := flag.Bool("markdown", false, "print the result tables in Markdown")
	flag.Parse()

	cfg, err := parseConfig(*nList, *shapeList, *reps, *tfMode, *tfMax, *outDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	code, err := run(cfg, *budget, *markdown, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

type config struct {
	ns        []int
	shapes    []string
	reps      int
	terraform string // path to terraform, or "" to skip it
	tfMax     int
	dir       string
}

func parseConfig(nList, shapeList string, reps int, tfMode string, tfMax int, outDir string) (config, error) {
	cfg := config{reps: reps, tfMax: tfMax}
	for _, s := range strings.Split(nList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("-n: %q is not a positive integer", s)
		}
		cfg.ns = append(cfg.ns, n)
	}
	for _, s := range strings.Split(shapeList, ",") {
		s = strings.TrimSpace(s)
		if s != "fan" && s != "tree" {
			return cfg, fmt.Errorf("-shapes: unknown shape %q (want fan or tree)", s)
		}
		cfg.shapes = append(cfg.shapes, s)
	}
	if reps < 1 {
		return cfg, errors.New("-reps must be at least 1")
	}
	switch tfMode {
	case "off":
	case "auto":
		if p, err := exec.LookPath("terraform"); err == nil {
			cfg.terraform = p
		}
	default:
		return cfg, fmt.Errorf("-terraform: %q (want auto or off)", tfMode)
	}
	if outDir == "" {
		d, err := os.MkdirTemp("", "plinth-bench-")
		if err != nil {
			return cfg, err
		}
		outDir = d
	}
	abs, err := filepath.Abs(outDir)
	if err != nil {
		return cfg, err
	}
	cfg.dir = abs
	return cfg, os.MkdirAll(abs, 0o755)
}

// run runs every configuration, prints a table for each and, with budget,
// the budget check. It returns the exit code.
func run(cfg config, budget, markdown bool, w io.Writer) (int, error) {
	fmt.Fprintf(w, "work dir: %s\n", cfg.dir)
	plinth := filepath.Join(cfg.dir, "plinth")
	if err := buildPlinth(plinth); err != nil {
		return 0, err
	}
	if cfg.terraform != "" {
		fmt.Fprintf(w, "terraform: %s (up to N = %d)\n", cfg.terraform, cfg.tfMax)
	} else {
		fmt.Fprintln(w, "terraform: not run")
	}
	var budgetResult *result
	for _, n := range cfg.ns {
		for _, shape := range cfg.shapes {
			r, err := runConfig(cfg, plinth, n, shape)
			if err != nil {
				return 0, err
			}
			printTable(w, r, markdown)
			if n == budgetN && shape == budgetShape {
				budgetResult = r
			}
		}
	}
	if !budget {
		return 0, nil
	}
	if budgetResult == nil {
		fmt.Fprintf(w, "\nbudget: no N=%d %s run (add -n %d -shapes %s)\n", budgetN, budgetShape, budgetN, budgetShape)
		return 1, nil
	}
	if !checkBudget(w, budgetResult) {
		return 1, nil
	}
	return 0, nil
}

// buildPlinth builds ./cmd/plinth of the enclosing module to out.
func buildPlinth(out string) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd := exec.Command("go", "build", "-o", out, "./cmd/plinth")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/plinth in %s: %w", root, err)
	}
	return nil
}

// plinthProgram is the Plinth.yaml of n core:Data resources. With edited,
// the last resource's input is changed (a leaf in both shapes).
func plinthProgram(n int, shape string, edited bool) string {
	var b strings.Builder
	b.WriteString("name: bench\nruntime: yaml\nresources:\n")
	for i := range n {
		input := fmt.Sprintf("v%d", i)
		if shape == "tree" && i > 0 {
			input = fmt.Sprintf("${r%d.output}-i", (i-1)/2)
		}
		if edited && i == n-1 {
			input += "-edited"
		}
		fmt.Fprintf(&b, "  r%d:\n    type: core:Data\n    properties: {input: %q}\n", i, input)
	}
	return b.String()
}

// terraformConfig is the main.tf equivalent to plinthProgram.
func terraformConfig(n int, shape string, edited bool) string {
	var b strings.Builder
	for i := range n {
		input := fmt.Sprintf("v%d", i)
		if shape == "tree" && i > 0 {
			input = fmt.Sprintf("${terraform_data.r%d.output}-i", (i-1)/2)
		}
		if edited && i == n-1 {
			input += "-edited"
		}
		fmt.Fprintf(&b, "resource \"terraform_data\" \"r%d\" {\n  input = %q\n}\n\n", i, input)
	}
	return b.String()
}

// measure is one timed command.
type measure struct {
	wall    time.Duration
	rssKiB  int64
	written int64 // bytes written to the backend; -1 if unknown
}

// toolResult is one tool's medians for one N and shape.
type toolResult struct {
	ops     map[string]measure
	state   int64 // state bytes after create
	written int64 // bytes written during create (= ops["create"].written)
}

type result struct {
	n       int
	shape   string
	plinth  toolResult
	tf      map[string]toolResult // keyed by "default" and "64"; nil when not run
	tfNote  string
	workDir string
}

func runConfig(cfg config, plinth string, n int, shape string) (*result, error) {
	r := &result{n: n, shape: shape, workDir: cfg.dir}
	var runs []toolResult
	for rep := range cfg.reps {
		dir := filepath.Join(cfg.dir, fmt.Sprintf("plinth-%s-%d-rep%d", shape, n, rep))
		tr, err := runPlinth(plinth, dir, n, shape)
		if err != nil {
			return nil, err
		}
		runs = append(runs, tr)
	}
	r.plinth = medianResult(runs)
	switch {
	case cfg.terraform == "":
		r.tfNote = "terraform not run"
	case n > cfg.tfMax:
		r.tfNote = fmt.Sprintf("terraform skipped: N > -tf-max %d", cfg.tfMax)
	default:
		r.tf = map[string]toolResult{}
		for _, par := range []string{"default", "64"} {
			runs = nil
			for rep := range cfg.reps {
				dir := filepath.Join(cfg.dir, fmt.Sprintf("tf-%s-%d-p%s-rep%d", shape, n, par, rep))
				tr, err := runTerraform(cfg.terraform, dir, n, shape, par)
				if err != nil {
					return nil, err
				}
				runs = append(runs, tr)
			}
			r.tf[par] = medianResult(runs)
		}
	}
	return r, nil
}

// runPlinth runs the whole life cycle once in a fresh directory.
func runPlinth(plinth, dir string, n int, shape string) (toolResult, error) {
	tr := toolResult{ops: map[string]measure{}}
	project := filepath.Join(dir, "project")
	logs := filepath.Join(dir, "logs")
	for _, d := range []string{project, logs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return tr, err
		}
	}
	meter := filepath.Join(dir, "meter.json")
	env := append(os.Environ(),
		"PLINTH_HOME="+filepath.Join(dir, "home"),
		"PLINTH_BACKEND_URL=file://"+filepath.Join(dir, "state"),
		"PLINTH_CI=false",
		"PLINTH_METER_FILE="+meter,
	)
	program := filepath.Join(project, "Plinth.yaml")
	if err := os.WriteFile(program, []byte(plinthProgram(n, shape, false)), 0o644); err != nil {
		return tr, err
	}
	// step runs one plinth command with its output in logs/<name>.log.
	step := func(name string, args ...string) (measure, error) {
		_ = os.Remove(meter)
		m, err := timed(plinth, args, project, env, filepath.Join(logs, name+".log"))
		if err != nil {
			return m, err
		}
		m.written = readMeter(meter)
		return m, nil
	}
	if _, err := step("init", "stack", "init", "bench"); err != nil {
		return tr, err
	}
	steps := []struct {
		op   string
		args []string
	}{
		{"create", []string{"up", "--yes", "--skip-preview"}},
		{"preview", []string{"preview"}},
		{"noop-up", []string{"up", "--yes"}},
		{"update-one", []string{"up", "--yes", "--skip-preview"}},
		{"destroy", []string{"destroy", "--yes", "--skip-preview"}},
	}
	for _, s := range steps {
		if s.op == "update-one" {
			if err := os.WriteFile(program, []byte(plinthProgram(n, shape, true)), 0o644); err != nil {
				return tr, err
			}
		}
		m, err := step(s.op, s.args...)
		if err != nil {
			return tr, err
		}
		tr.ops[s.op] = m
		if s.op == "create" {
			tr.written = m.written
			size, err := exportSize(plinth, project, env)
			if err != nil {
				return tr, err
			}
			tr.state = size
		}
		if s.op == "preview" || s.op == "noop-up" {
			warnIfChanges(filepath.Join(logs, s.op+".log"))
		}
	}
	return tr, nil
}

// exportSize is the length of plinth stack export's output.
func exportSize(plinth, project string, env []string) (int64, error) {
	cmd := exec.Command(plinth, "stack", "export")
	cmd.Dir, cmd.Env = project, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("plinth stack export in %s: %w\n%s", project, err, stderr.String())
	}
	return int64(len(out)), nil
}

// warnIfChanges warns when a no-op command's summary shows changes.
func warnIfChanges(log string) {
	data, err := os.ReadFile(log)
	if err != nil {
		return
	}
	s := string(data)
	for _, c := range []string{"to create", "to update", "to replace", "to delete", "created", "updated", "replaced", "deleted"} {
		if strings.Contains(s, " "+c) && !strings.Contains(s, " 0 "+c) {
			fmt.Fprintf(os.Stderr, "warning: %s: expected no changes\n", log)
			return
		}
	}
}

func readMeter(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	var v struct {
		BytesWritten int64 `json:"bytesWritten"`
	}
	if json.Unmarshal(data, &v) != nil {
		return -1
	}
	return v.BytesWritten
}

// timed runs name args in dir with env, output to logPath, and measures
// it. okCodes are further exit codes that count as success.
func timed(name string, args []string, dir string, env []string, logPath string, okCodes ...int) (measure, error) {
	m := measure{written: -1}
	log, err := os.Create(logPath)
	if err != nil {
		return m, err
	}
	defer log.Close()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	err = cmd.Run()
	m.wall = time.Since(start)
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.rssKiB = ru.Maxrss // KiB on Linux
		}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && slices.Contains(okCodes, exit.ExitCode()) {
		err = nil
	}
	if err != nil {
		return m, fmt.Errorf("%s %s in %s: %w (log: %s)\n%s", filepath.Base(name), strings.Join(args, " "), dir, err, logPath, tail(logPath))
	}
	return m, nil
}

func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(data)
}

// runTerraform runs the same life cycle with terraform_data resources.
// par is "default" (no -parallelism flag) or a number.
func runTerraform(terraform, dir string, n int, shape, par string) (toolResult, error) {
	tr := toolResult{ops: map[string]measure{}}
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return tr, err
	}
	env := append(os.Environ(), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	mainTF := filepath.Join(dir, "main.tf")
	if err := os.WriteFile(mainTF, []byte(terraformConfig(n, shape, false)), 0o644); err != nil {
		return tr, err
	}
	if _, err := timed(terraform, []string{"init", "-input=false"}, dir, env, filepath.Join(logs, "init.log")); err != nil {
		return tr, err
	}
	var parFlag []string
	if par != "default" {
		parFlag = []string{"-parallelism=" + par}
	}
	apply := append([]string{"apply", "-auto-approve", "-input=false"}, parFlag...)
	steps := []struct {
		op   string
		args []string
	}{
		{"create", apply},
		{"preview", append([]string{"plan", "-input=false", "-detailed-exitcode"}, parFlag...)},
		{"noop-up", apply},
		{"update-one", apply},
		{"destroy", append([]string{"destroy", "-auto-approve", "-input=false"}, parFlag...)},
	}
	for _, s := range steps {
		if s.op == "update-one" {
			if err := os.WriteFile(mainTF, []byte(terraformConfig(n, shape, true)), 0o644); err != nil {
				return tr, err
			}
		}
		var okCodes []int
		if s.op == "preview" {
			okCodes = []int{2} // plan -detailed-exitcode: 0 = no changes, 2 = changes
		}
		m, err := timed(terraform, s.args, dir, env, filepath.Join(logs, s.op+".log"), okCodes...)
		if err != nil {
			return tr, err
		}
		if s.op == "preview" {
			if log, _ := os.ReadFile(filepath.Join(logs, s.op+".log")); !bytes.Contains(log, []byte("No changes")) {
				fmt.Fprintf(os.Stderr, "warning: %s: terraform plan expected no changes\n", filepath.Join(logs, s.op+".log"))
			}
		}
		tr.ops[s.op] = m
		if s.op == "create" {
			fi, err := os.Stat(filepath.Join(dir, "terraform.tfstate"))
			if err != nil {
				return tr, err
			}
			tr.state = fi.Size()
			tr.written = -1
		}
	}
	return tr, nil
}

// medianResult takes, for each operation and figure, the median over runs.
func medianResult(runs []toolResult) toolResult {
	out := toolResult{ops: map[string]measure{}}
	col := func(f func(toolResult) int64) int64 {
		vs := make([]int64, len(runs))
		for i, r := range runs {
			vs[i] = f(r)
		}
		return median(vs)
	}
	for _, op := range operations() {
		out.ops[op] = measure{
			wall:    time.Duration(col(func(r toolResult) int64 { return int64(r.ops[op].wall) })),
			rssKiB:  col(func(r toolResult) int64 { return r.ops[op].rssKiB }),
			written: col(func(r toolResult) int64 { return r.ops[op].written }),
		}
	}
	out.state = col(func(r toolResult) int64 { return r.state })
	out.written = col(func(r toolResult) int64 { return r.written })
	return out
}

// median of vs (the mean of the middle two for an even count).
func median(vs []int64) int64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func size(b int64) string {
	switch {
	case b < 0:
		return "-"
	case b < 10_000:
		return fmt.Sprintf("%d B", b)
	case b < 10_000_000:
		return fmt.Sprintf("%.1f kB", float64(b)/1e3)
	default:
		return fmt.Sprintf("%.2f MB", float64(b)/1e6)
	}
}

func ratio(num, den time.Duration) string {
	if den <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f×", float64(num)/float64(den))
}

// printTable prints one N/shape result, as aligned text or Markdown.
func printTable(w io.Writer, r *result, markdown bool) {
	header := []string{"operation", "plinth wall", "plinth RSS", "plinth written", "TF(default) wall", "TF(64) wall", "TF(default)/plinth", "TF(64)/plinth"}
	var rows [][]string
	for _, op := range operations() {
		p := r.plinth.ops[op]
		row := []string{op, secs(p.wall), mib(p.rssKiB), size(p.written)}
		if r.tf != nil {
			d, s := r.tf["default"].ops[op], r.tf["64"].ops[op]
			row = append(row, secs(d.wall), secs(s.wall), ratio(d.wall, p.wall), ratio(s.wall, p.wall))
		} else {
			row = append(row, "-", "-", "-", "-")
		}
		rows = append(rows, row)
	}
	title := fmt.Sprintf("N = %d, %s", r.n, r.shape)
	if markdown {
		fmt.Fprintf(w, "\n### %s\n\n", title)
		fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
		fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(header)))
		for _, row := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "\n%s\n", title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(header, "\t"))
		for _, row := range rows {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		tw.Flush()
	}
	p := r.plinth
	line := fmt.Sprintf("plinth state %s; bytes written during create %s; written / state %s",
		size(p.state), size(p.written), fratio(p.written, p.state))
	if r.tf != nil {
		line += fmt.Sprintf("; terraform.tfstate %s (TF/plinth %s)", size(r.tf["default"].state), fratio(r.tf["default"].state, p.state))
	} else {
		line += "; " + r.tfNote
	}
	if markdown {
		line += "\n"
	}
	fmt.Fprintln(w, line)
}

func fratio(num, den int64) string {
	if num < 0 || den <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", float64(num)/float64(den))
}

// checkBudget prints one PASS/FAIL line per budget and reports whether all
// pass.
func checkBudget(w io.Writer, r *result) bool {
	fmt.Fprintf(w, "\nbudget (N = %d, %s):\n", r.n, r.shape)
	ok := true
	line := func(pass bool, what, got, limit string) {
		verdict := "PASS"
		if !pass {
			verdict, ok = "FAIL", false
		}
		fmt.Fprintf(w, "  %s  %-28s %11s  (budget %s)\n", verdict, what, got, limit)
	}
	var maxRSS int64
	for _, op := range operations() {
		m := r.plinth.ops[op]
		limit := budgetWall(op)
		line(m.wall <= limit, op+" wall", secs(m.wall), fmt.Sprintf("≤ %s, %s", secs(limit), overBy(float64(m.wall), float64(limit))))
		maxRSS = max(maxRSS, m.rssKiB)
	}
	rss := maxRSS * 1024
	line(rss <= budgetRSSBytes, "peak RSS", size(rss), fmt.Sprintf("≤ %s, %s", size(budgetRSSBytes), overBy(float64(rss), budgetRSSBytes)))
	st := r.plinth.state
	line(st <= budgetStateBytes, "state", size(st), fmt.Sprintf("≤ %s, %s", size(budgetStateBytes), overBy(float64(st), budgetStateBytes)))
	wr := r.plinth.written
	line(wr >= 0 && wr <= budgetWriteFactor*st, "bytes written during create", size(wr),
		fmt.Sprintf("≤ %d × state = %s, %s", budgetWriteFactor, size(budgetWriteFactor*st), overBy(float64(wr), float64(budgetWriteFactor*st))))
	return ok
}

// overBy describes got against limit as a percentage of the budget.
func overBy(got, limit float64) string {
	if limit <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%% of budget", 100*got/limit)
}
