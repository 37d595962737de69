package crashtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Racing operations on one stack, through the real binary: an up whose
// command is running (so it holds the stack's lock) and a second command
// started then. A second lock-taking operation exits 10 naming the holder,
// or with --lock-wait waits and then runs; config set takes no stack lock,
// so it and the up both succeed and neither loses the other's write. After
// every round the state loads, has nothing pending, and its history has
// every version from 1 up, none lost or repeated. Nothing here measures
// time.

// raceRounds is how many times each race is run; even rounds race without
// --lock-wait, odd rounds with it.
const raceRounds = 10

// raceProgram has a command that runs on every change of config round:
// it leaves started-<round> (the marker that the lock is held) and sleeps,
// so the second command starts while the up is in the middle of applying.
const raceProgram = `name: race
runtime: yaml
config:
  round: {type: string, default: "0"}
resources:
  slow:
    type: command:Command
    properties:
      create: touch "started-$ROUND" && sleep 0.3
      update: touch "started-$ROUND" && sleep 0.3
      environment: {ROUND: "${round}"}
  tag:
    type: core:Data
    properties: {input: "${round}"}
outputs:
  round: ${tag.output}
`

// raceProject is a project with stack dev and the program's resources
// created (version 1, marker started-0).
func raceProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Plinth.yaml"), []byte(raceProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, dir, nil, 0, "stack", "init", "dev")
	run(t, dir, nil, 0, "up", "--yes")
	return dir
}

// finished is how a background plinth ended.
type finished struct {
	code int
	out  string
}

// background is a plinth started with startPlinth.
type background struct {
	pid  int
	done <-chan finished
}

// startPlinth starts plinth in dir (as run would) without waiting for it.
func startPlinth(t *testing.T, dir string, args ...string) background {
	t.Helper()
	cmd := exec.Command(plinthBin, args...)
	cmd.Dir = dir
	cmd.Env = plinthEnv(dir, nil)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan finished, 1)
	go func() {
		err := cmd.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			code = -1000
		}
		done <- finished{code: code, out: out.String()}
	}()
	t.Cleanup(func() {
		// Only if the test failed before waiting for it.
		_ = cmd.Process.Kill()
	})
	return background{pid: cmd.Process.Pid, done: done}
}

// raceBound bounds every wait here; it is a deadlock guard, not a timing
// assertion.
const raceBound = 60 * time.Second

// wait returns how bg ended.
func (bg background) wait(t *testing.T) finished {
	t.Helper()
	select {
	case f := <-bg.done:
		return f
	case <-time.After(raceBound):
		t.Fatalf("plinth (pid %d) did not finish within %v", bg.pid, raceBound)
		panic("unreachable")
	}
}

// awaitMarker waits until the up's command has left started-<round>: from
// then until it ends, the up holds the stack's lock.
func awaitMarker(t *testing.T, dir string, round int, bg background) {
	t.Helper()
	marker := filepath.Join(dir, "started-"+strconv.Itoa(round))
	deadline := time.Now().Add(raceBound)
	for {
		if _, err := os.Stat(marker); err == nil {
			return
		}
		select {
		case f := <-bg.done:
			t.Fatalf("up ended (exit %d) before its command ran:\n%s", f.code, f.out)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %v", marker, raceBound)
		}
	}
}

// raceRound sets config round to r, starts an up, and once it holds the
// lock runs second (with --lock-wait 30s when wait), expecting want. It
// returns the second command's output after checking that the up
// succeeded.
func raceRound(t *testing.T, dir string, r int, wait bool, want int, second ...string) string {
	t.Helper()
	run(t, dir, nil, 0, "config", "set", "round", strconv.Itoa(r))
	up := startPlinth(t, dir, "up", "--yes")
	awaitMarker(t, dir, r, up)
	if wait {
		second = append([]string{"--lock-wait", "30s"}, second...)
	}
	out := run(t, dir, nil, want, second...)
	if want == 10 {
		// The message names the holder: the up, by its PID.
		holder := regexp.MustCompile(`stack dev is locked: update by .* \(pid ` + strconv.Itoa(up.pid) + `\)`)
		if !holder.MatchString(out) {
			t.Errorf("round %d: %s: the lock error does not name the up (pid %d):\n%s", r, strings.Join(second, " "), up.pid, out)
		}
	}
	if f := up.wait(t); f.code != 0 {
		t.Fatalf("round %d: the up exited %d:\n%s", r, f.code, f.out)
	}
	return out
}

// checkRaceState asserts that the state loads with resources resources and
// nothing pending, and that the history is exactly versions 1…versions.
func checkRaceState(t *testing.T, dir string, round, resources, versions int) {
	t.Helper()
	e := export(t, dir)
	if len(e.Pending) != 0 {
		t.Fatalf("round %d: pending operations: %v", round, e.Pending)
	}
	if len(e.Resources) != resources {
		t.Fatalf("round %d: %d resources in state, want %d: %+v", round, len(e.Resources), resources, e.Resources)
	}
	var hist []struct{ Version int }
	out := run(t, dir, nil, 0, "stack", "history", "--json")
	if err := json.Unmarshal([]byte(out), &hist); err != nil {
		t.Fatalf("stack history --json: %v\n%s", err, out)
	}
	// Newest first: versions, versions-1, …, 1.
	var got []int
	for _, h := range hist {
		got = append(got, h.Version)
	}
	for i, v := range got {
		if v != versions-i || len(got) != versions {
			t.Fatalf("round %d: history versions %v, want %d down to 1", round, got, versions)
		}
	}
	if len(got) != versions {
		t.Fatalf("round %d: history versions %v, want %d down to 1", round, got, versions)
	}
}

// checkRaceEnd runs a last up and checks the stack then matches the
// program exactly.
func checkRaceEnd(t *testing.T, dir string) {
	t.Helper()
	run(t, dir, nil, 0, "up", "--yes")
	run(t, dir, nil, 0, "preview", "--expect-no-changes")
	if e := export(t, dir); len(e.Resources) != 2 || len(e.Pending) != 0 {
		t.Fatalf("after the last up: %+v", e)
	}
}

func TestRaceUpUp(t *testing.T) {
	t.Parallel()
	dir := raceProject(t)
	versions := 1
	for r := 1; r <= raceRounds; r++ {
		wait := r%2 == 1
		want := map[bool]int{false: 10, true: 0}[wait]
		out := raceRound(t, dir, r, wait, want, "up", "--yes")
		// The up records round r; a second up that waited for it finds
		// nothing left to do and records nothing.
		versions++
		if wait && !strings.Contains(out, "0 created  ~ 0 updated") {
			t.Errorf("round %d: the waiting up changed something:\n%s", r, out)
		}
		checkRaceState(t, dir, r, 2, versions)
		if got := strings.TrimSpace(run(t, dir, nil, 0, "stack", "output", "round")); got != strconv.Itoa(r) {
			t.Fatalf("round %d: output round = %q", r, got)
		}
	}
	checkRaceEnd(t, dir)
}

func TestRaceUpDestroy(t *testing.T) {
	t.Parallel()
	dir := raceProject(t)
	versions := 1
	for r := 1; r <= raceRounds; r++ {
		wait := r%2 == 1
		want := map[bool]int{false: 10, true: 0}[wait]
		raceRound(t, dir, r, wait, want, "destroy", "--yes")
		versions++ // the up
		resources := 2
		if wait {
			versions++ // the destroy, after it
			resources = 0
		}
		checkRaceState(t, dir, r, resources, versions)
	}
	checkRaceEnd(t, dir)
}

func TestRaceUpStackRm(t *testing.T) {
	t.Parallel()
	dir := raceProject(t)
	versions := 1
	for r := 1; r <= raceRounds; r++ {
		wait := r%2 == 1
		want := map[bool]int{false: 10, true: 0}[wait]
		out := raceRound(t, dir, r, wait, want, "stack", "rm", "dev", "--yes", "--force")
		versions++
		if !wait {
			checkRaceState(t, dir, r, 2, versions)
			continue
		}
		// It waited for the up, then removed the stack with its history
		// (the stack file stays, so init joins it again).
		if !strings.Contains(out, "Removed stack dev") {
			t.Fatalf("round %d: stack rm:\n%s", r, out)
		}
		run(t, dir, nil, 6, "stack", "history")
		run(t, dir, nil, 0, "stack", "init", "dev")
		versions = 0
		checkRaceState(t, dir, r, 0, versions)
	}
	checkRaceEnd(t, dir)
}

func TestRaceUpConfigSetSecret(t *testing.T) {
	t.Parallel()
	dir := raceProject(t)
	versions := 1
	for r := 1; r <= raceRounds; r++ {
		// config set takes the stack file's lock, not the stack's: it
		// does not wait for the up (with or without --lock-wait), and
		// the up does not write the stack file.
		raceRound(t, dir, r, r%2 == 1, 0, "config", "set", "--secret", fmt.Sprintf("secret%d", r), fmt.Sprintf("value-%d", r))
		versions++
		checkRaceState(t, dir, r, 2, versions)
		// No lost update: every secret set so far is there, and so is the
		// round set before the up.
		for i := 1; i <= r; i++ {
			if got := strings.TrimSpace(run(t, dir, nil, 0, "config", "get", fmt.Sprintf("secret%d", i))); got != fmt.Sprintf("value-%d", i) {
				t.Fatalf("round %d: config get secret%d = %q, want value-%d", r, i, got, i)
			}
		}
		if got := strings.TrimSpace(run(t, dir, nil, 0, "config", "get", "round")); got != strconv.Itoa(r) {
			t.Fatalf("round %d: config get round = %q", r, got)
		}
		data, err := os.ReadFile(filepath.Join(dir, "Plinth.dev.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(data), "secure: v1:"); n != r {
			t.Fatalf("round %d: Plinth.dev.yaml has %d secrets, want %d:\n%s", r, n, r, data)
		}
	}
	checkRaceEnd(t, dir)
}
