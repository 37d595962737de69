package crashtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/plinth-iac/plinth/internal/testservice"
)

var plinthBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "plinth-crashtest-")
	if err != nil {
		panic(err)
	}
	plinthBin = filepath.Join(dir, "plinth")
	out, err := exec.Command("go", "build", "-o", plinthBin, "../cmd/plinth").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building plinth: %v\n%s", err, out)
		os.Exit(1)
	}
	code := testservice.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

const files = 60

// project writes a program of `files` file resources under out/, each in
// one of four directories it depends on, plus a random suffix they share.
func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeProgram(t, dir)
	run(t, dir, nil, 0, "stack", "init", "dev")
	return dir
}

// writeProgram writes project's Plinth.yaml into dir.
func writeProgram(t *testing.T, dir string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("name: crash\nruntime: yaml\nresources:\n  suffix:\n    type: random:String\n    properties: {length: 4, special: false, upper: false}\n")
	for d := 0; d < 4; d++ {
		fmt.Fprintf(&b, "  dir%d:\n    type: file:Directory\n    properties: {path: out/d%d}\n", d, d)
	}
	for i := 0; i < files; i++ {
		fmt.Fprintf(&b, "  f%d:\n    type: file:File\n    properties:\n      path: ${dir%d.path}/f%d-${suffix.result}.txt\n      content: \"file %d\"\n", i, i%4, i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "Plinth.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs plinth in dir and checks its exit code (-1: any non-zero, -2:
// killed by a signal, -3: anything). env comes last, so it can replace the defaults
// (PLINTH_BACKEND_URL: another backend).
func run(t *testing.T, dir string, env []string, want int, args ...string) string {
	t.Helper()
	cmd := exec.Command(plinthBin, args...)
	cmd.Dir = dir
	cmd.Env = plinthEnv(dir, env)
	out, err := cmd.CombinedOutput()
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("plinth %v: %v", args, err)
	}
	switch {
	case want == -2 && got == -1:
	case want == -1 && got != 0:
	case want == -3: // any exit code
	case want == got:
	default:
		t.Fatalf("plinth %s exited %d, want %d:\n%s", strings.Join(args, " "), got, want, out)
	}
	return string(out)
}

// plinthEnv is the environment run gives plinth in dir: its own home and
// file backend under dir, no CI, then env.
func plinthEnv(dir string, env []string) []string {
	e := append(os.Environ(), "PLINTH_HOME="+filepath.Join(dir, ".home"), "PLINTH_BACKEND_URL=file://"+filepath.Join(dir, ".state"), "PLINTH_CI=false", "CI=")
	return append(e, env...)
}

// onDisk lists the files under out/.
func onDisk(t *testing.T, dir string) []string {
	t.Helper()
	var got []string
	filepath.Walk(filepath.Join(dir, "out"), func(p string, fi os.FileInfo, err error) error {
		// .plinth-tmp-* are the file provider's half-written temp files
		// from the killed process: never resources, removed with their
		// directory.
		if err == nil && !fi.IsDir() && !strings.HasPrefix(fi.Name(), ".plinth-tmp-") {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, rel)
		}
		return nil
	})
	sort.Strings(got)
	return got
}

type exported struct {
	Resources []struct {
		URN  string `json:"urn"`
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"resources"`
	Pending []struct {
		URN string `json:"urn"`
	} `json:"pending"`
}

// export runs plinth stack export; env as for run.
func export(t *testing.T, dir string, env ...string) exported {
	t.Helper()
	out := run(t, dir, env, 0, "stack", "export")
	var e exported
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatalf("stack export is not JSON: %v\n%s", err, out)
	}
	return e
}

// checkKnown asserts that every file on disk is in state or pending: the
// promise "nothing that was created is forgotten". env as for run.
func checkKnown(t *testing.T, dir string, env ...string) {
	t.Helper()
	e := export(t, dir, env...)
	known := map[string]bool{}
	for _, r := range e.Resources {
		known[r.ID] = true
	}
	pendingFiles := 0
	for _, p := range e.Pending {
		if strings.Contains(p.URN, "file:File") {
			pendingFiles++
		}
	}
	var unknown []string
	for _, f := range onDisk(t, dir) {
		if !known[f] {
			unknown = append(unknown, f)
		}
	}
	if len(unknown) > pendingFiles {
		t.Fatalf("%d file(s) on disk are neither in state nor pending (%d pending): %v", len(unknown), pendingFiles, unknown)
	}
}

// checkConverged asserts that state and the disk match the program. env
// as for run.
func checkConverged(t *testing.T, dir string, env ...string) {
	t.Helper()
	run(t, dir, env, 0, "preview", "--expect-no-changes")
	disk := onDisk(t, dir)
	if len(disk) != files {
		t.Fatalf("%d files on disk, want %d: %v", len(disk), files, disk)
	}
	e := export(t, dir, env...)
	if len(e.Pending) != 0 {
		t.Fatalf("pending operations left: %v", e.Pending)
	}
	if len(e.Resources) != files+5 {
		t.Fatalf("%d resources in state, want %d", len(e.Resources), files+5)
	}
}

func TestKillDuringUp(t *testing.T) {
	points := []string{
		"journal.append=kill@1", "journal.append=kill@3", "journal.append=kill@20",
		"journal.appended=kill@2", "journal.appended=kill@15",
		"provider.create=kill@1", "provider.create=kill@7", "provider.create=kill@40",
		"provider.created=kill@1", "provider.created=kill@30",
		"checkpoint.write=kill", "snapshot.write=kill", "journal.reset=kill",
	}
	for _, fp := range points {
		t.Run(fp, func(t *testing.T) {
			t.Parallel()
			dir := project(t)
			run(t, dir, []string{"PLINTH_FAILPOINTS=" + fp}, -2, "up", "--yes", "--parallel", "8")
			checkKnown(t, dir)
			run(t, dir, nil, 0, "up", "--yes")
			checkConverged(t, dir)
		})
	}
}

func TestKillDuringDestroy(t *testing.T) {
	for _, fp := range []string{"provider.delete=kill@1", "provider.delete=kill@20", "journal.append=kill@5", "checkpoint.write=kill"} {
		t.Run(fp, func(t *testing.T) {
			t.Parallel()
			dir := project(t)
			run(t, dir, nil, 0, "up", "--yes")
			run(t, dir, []string{"PLINTH_FAILPOINTS=" + fp}, -2, "destroy", "--yes")
			checkKnown(t, dir)
			run(t, dir, nil, 0, "destroy", "--yes")
			if d := onDisk(t, dir); len(d) != 0 {
				t.Fatalf("files left after destroy: %v", d)
			}
			if e := export(t, dir); len(e.Resources) != 0 || len(e.Pending) != 0 {
				t.Fatalf("state not empty after destroy: %+v", e)
			}
		})
	}
}

func TestKillTheRecovery(t *testing.T) {
	// The command that recovers is itself killed while recording.
	dir := project(t)
	run(t, dir, []string{"PLINTH_FAILPOINTS=provider.created=kill@10"}, -2, "up", "--yes", "--parallel", "4")
	run(t, dir, []string{"PLINTH_FAILPOINTS=checkpoint.write=kill"}, -2, "up", "--yes")
	checkKnown(t, dir)
	run(t, dir, nil, 0, "up", "--yes")
	checkConverged(t, dir)
	out := run(t, dir, nil, 0, "stack", "history", "--json")
	var hist []struct{ Version int }
	if err := json.Unmarshal([]byte(out), &hist); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(hist); i++ {
		if hist[i].Version >= hist[i-1].Version {
			t.Fatalf("history versions not strictly decreasing: %v", hist)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	for _, c := range []struct {
		fp   string
		code int
	}{
		{"journal.append=error@3", 4}, {"journal.append=enospc@10", 4},
		{"checkpoint.write=error", 1}, {"snapshot.write=enospc", 1}, {"journal.reset=error", 1},
	} {
		t.Run(c.fp, func(t *testing.T) {
			t.Parallel()
			dir := project(t)
			out := run(t, dir, []string{"PLINTH_FAILPOINTS=" + c.fp}, c.code, "up", "--yes")
			if !strings.Contains(out, "failpoint") {
				t.Fatalf("the error was not reported:\n%s", out)
			}
			checkKnown(t, dir)
			run(t, dir, nil, 0, "up", "--yes")
			checkConverged(t, dir)
		})
	}
}

// TestKillDuringLockRenewal kills an up while its lock is being renewed
// (the renewal runs beside the steps, every second): the dead holder's
// lock is taken over at once (same host, PID gone) and the next up
// converges.
func TestKillDuringLockRenewal(t *testing.T) {
	dir := t.TempDir()
	prog := "name: crash\nruntime: yaml\nresources:\n  slow:\n    type: command:Command\n    properties: {create: \"sleep 3\"}\n"
	for i := 0; i < files; i++ {
		prog += fmt.Sprintf("  f%d:\n    type: file:File\n    properties: {path: out/f%d.txt, content: \"%d\"}\n", i, i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "Plinth.yaml"), []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, dir, nil, 0, "stack", "init", "dev")
	run(t, dir, []string{"PLINTH_FAILPOINTS=lock.renew=kill@2"}, -2, "up", "--yes")
	checkKnown(t, dir)
	// The interrupted command:Command create cannot be looked up: the
	// next up stops with exit 4 and names the command that settles it.
	out := run(t, dir, nil, 4, "up", "--yes")
	if !strings.Contains(out, "plinth state delete") {
		t.Fatalf("the interrupted command create was not named with its settling command:\n%s", out)
	}
	run(t, dir, nil, 0, "state", "delete", "urn:plinth:dev::crash::command:Command::slow")
	run(t, dir, nil, 0, "up", "--yes")
	run(t, dir, nil, 0, "preview", "--expect-no-changes")
	if d := onDisk(t, dir); len(d) != files {
		t.Fatalf("%d files on disk, want %d", len(d), files)
	}
}
