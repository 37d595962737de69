package crashtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Refresh killed part way, after files were edited and deleted behind
// Plinth's back: the next command settles the reads that were in flight
// (a file that is gone is forgotten, one that is there is recorded as it
// is), a complete refresh then records exactly what is on disk, and an up
// puts back what the program says.

// refreshKillPoints spread over a refresh of project's resources after
// editBehindPlinth: it records the 5 files that changed and forgets the
// 21 resources that are gone, 52 journal entries. With --parallel 1 each entry is one
// append, so the points can go deep; with --parallel 8 entries are
// group-committed into about 16 appends (fewer under load), so those
// points stay early. The last three are the steps of recording the
// version.
var refreshKillPoints = []struct{ fp, parallel string }{
	{"journal.append=kill@1", "8"}, {"journal.append=kill@3", "8"}, {"journal.append=kill@8", "8"},
	{"journal.appended=kill@1", "8"}, {"journal.appended=kill@5", "8"}, {"journal.appended=kill@10", "8"},
	{"journal.append=kill@20", "1"}, {"journal.appended=kill@35", "1"}, {"journal.appended=kill@50", "1"},
	{"checkpoint.write=kill", "8"}, {"snapshot.write=kill", "8"}, {"journal.reset=kill", "8"},
}

// editBehindPlinth changes project's files behind Plinth's back: it edits
// five files in out/d0, deletes five in out/d1, and deletes out/d3 with
// everything in it.
func editBehindPlinth(t *testing.T, dir string) {
	t.Helper()
	var edited, deleted int
	for _, f := range onDisk(t, dir) {
		p := filepath.Join(dir, f)
		switch {
		case strings.HasPrefix(f, "out/d0/") && edited < 5:
			if err := os.WriteFile(p, []byte("edited behind plinth's back\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			edited++
		case strings.HasPrefix(f, "out/d1/") && deleted < 5:
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			deleted++
		}
	}
	if err := os.RemoveAll(filepath.Join(dir, "out", "d3")); err != nil {
		t.Fatal(err)
	}
	if edited != 5 || deleted != 5 {
		t.Fatalf("edited %d and deleted %d files, want 5 and 5", edited, deleted)
	}
}

// checkRecordsDisk asserts that state holds exactly what is on disk: every
// file and directory under out/ and nothing else of theirs, each file with
// the hash of its content now.
func checkRecordsDisk(t *testing.T, dir string) {
	t.Helper()
	out := run(t, dir, nil, 0, "stack", "export")
	var e struct {
		Resources []struct {
			Type    string `json:"type"`
			ID      string `json:"id"`
			Outputs struct {
				SHA256 string `json:"sha256"`
			} `json:"outputs"`
		} `json:"resources"`
		Pending []json.RawMessage `json:"pending"`
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatalf("stack export is not JSON: %v\n%s", err, out)
	}
	if len(e.Pending) != 0 {
		t.Fatalf("pending operations after a complete refresh: %s", e.Pending)
	}
	var inState []string
	for _, r := range e.Resources {
		switch r.Type {
		case "file:File":
			inState = append(inState, r.ID)
			data, err := os.ReadFile(filepath.Join(dir, r.ID))
			if err != nil {
				t.Errorf("state has %s, which is not on disk: %v", r.ID, err)
				continue
			}
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); r.Outputs.SHA256 != got {
				t.Errorf("state has sha256 %s for %s, the disk %s", r.Outputs.SHA256, r.ID, got)
			}
		case "file:Directory":
			if fi, err := os.Stat(filepath.Join(dir, r.ID)); err != nil || !fi.IsDir() {
				t.Errorf("state has directory %s, which is not on disk", r.ID)
			}
		}
	}
	sort.Strings(inState)
	disk := onDisk(t, dir)
	if strings.Join(inState, "\n") != strings.Join(disk, "\n") {
		t.Fatalf("files in state:\n%v\non disk:\n%v", inState, disk)
	}
	// 60 files, less 5 deleted and out/d3's 15, and 3 of 4 directories.
	if want := 1 + 3 + files - 5 - files/4; len(e.Resources) != want {
		t.Fatalf("%d resources in state, want %d", len(e.Resources), want)
	}
}

func TestKillDuringRefresh(t *testing.T) {
	for _, p := range refreshKillPoints {
		t.Run(p.fp+"/parallel="+p.parallel, func(t *testing.T) {
			t.Parallel()
			dir := project(t)
			run(t, dir, nil, 0, "up", "--yes")
			editBehindPlinth(t, dir)
			run(t, dir, []string{"PLINTH_FAILPOINTS=" + p.fp}, -2, "refresh", "--yes", "--parallel", p.parallel)
			checkKnown(t, dir)
			run(t, dir, nil, 0, "refresh", "--yes")
			checkRecordsDisk(t, dir)
			run(t, dir, nil, 0, "refresh", "--yes", "--expect-no-changes")
			run(t, dir, nil, 0, "up", "--yes")
			checkConverged(t, dir)
		})
	}
}

func TestKillTheRefreshRecovery(t *testing.T) {
	// The command that settles a killed refresh is itself killed while
	// recording what it settled, then a refresh finishes the job.
	t.Parallel()
	dir := project(t)
	run(t, dir, nil, 0, "up", "--yes")
	editBehindPlinth(t, dir)
	run(t, dir, []string{"PLINTH_FAILPOINTS=journal.appended=kill@6"}, -2, "refresh", "--yes", "--parallel", "4")
	run(t, dir, []string{"PLINTH_FAILPOINTS=checkpoint.write=kill"}, -2, "refresh", "--yes")
	checkKnown(t, dir)
	run(t, dir, nil, 0, "refresh", "--yes")
	checkRecordsDisk(t, dir)
	run(t, dir, nil, 0, "up", "--yes")
	checkConverged(t, dir)
	out := run(t, dir, nil, 0, "stack", "history", "--json")
	var hist []struct{ Version int }
	if err := json.Unmarshal([]byte(out), &hist); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(hist); i++ {
		if hist[i].Version != hist[i-1].Version-1 {
			t.Fatalf("history versions not consecutive, newest first: %v", hist)
		}
	}
}
