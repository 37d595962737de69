package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestBadInput feeds plinth broken and hostile input, one case per file in
// testdata/badinput. Each case sets up a project with real state, puts the
// bad input in place, records the project and state folders (snapshot),
// runs the command, and checks its exit code (exitcode), that it said what
// is wrong and where in one line (errline), and that neither folder changed
// (unchanged). The cases that are expected to succeed say so at the top.
func TestBadInput(t *testing.T) {
	skipUnderRace(t)
	p := scriptParams(t)
	p.Dir = "testdata/badinput"
	p.Cmds["snapshot"] = cmdSnapshot
	p.Cmds["unchanged"] = cmdUnchanged
	p.Cmds["errline"] = cmdErrLine
	p.Cmds["bigfile"] = cmdBigFile
	p.Cmds["genfile"] = cmdGenFile
	p.Cmds["repeat"] = cmdRepeat
	p.Cmds["replace"] = cmdReplace
	testscript.Run(t, p)
}

// fileState is what snapshot records of one file or directory.
type fileState struct {
	Mode string `json:"mode"`
	Hash string `json:"hash,omitempty"` // sha256 of the content, or a symlink's target
}

// treeState lists every file and directory under a folder by path.
func treeState(root string) (map[string]fileState, error) {
	out := map[string]fileState{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fileState{Mode: fi.Mode().String()}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			st.Hash = "-> " + target
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			st.Hash = hex.EncodeToString(sum[:])
		}
		out[filepath.ToSlash(rel)] = st
		return nil
	})
	return out, err
}

func snapshotFile(ts *testscript.TestScript, name string) string {
	if !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(name) {
		ts.Fatalf("snapshot name %q: use letters, digits, '_' and '-'", name)
	}
	return filepath.Join(ts.Getenv("WORK"), ".snapshots", name+".json")
}

// snapshot DIR NAME records every file and directory under DIR (path,
// mode, and a hash of the content) as NAME, kept outside DIR.
func cmdSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: snapshot DIR NAME")
	}
	dir := ts.MkAbs(args[0])
	file := snapshotFile(ts, args[1])
	if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		ts.Fatalf("snapshot: %s is inside %s; snapshot a folder that does not hold $WORK/.snapshots", file, dir)
	}
	st, err := treeState(dir)
	ts.Check(err)
	data, err := json.Marshal(map[string]any{"dir": dir, "files": st})
	ts.Check(err)
	ts.Check(os.MkdirAll(filepath.Dir(file), 0o755))
	ts.Check(os.WriteFile(file, data, 0o644))
}

// unchanged DIR NAME fails, listing the differences, unless every file and
// directory under DIR is as snapshot NAME recorded it.
func cmdUnchanged(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: unchanged DIR NAME")
	}
	dir := ts.MkAbs(args[0])
	data, err := os.ReadFile(snapshotFile(ts, args[1]))
	if err != nil {
		ts.Fatalf("unchanged: no snapshot %s: %v", args[1], err)
	}
	var want struct {
		Dir   string               `json:"dir"`
		Files map[string]fileState `json:"files"`
	}
	ts.Check(json.Unmarshal(data, &want))
	if want.Dir != dir {
		ts.Fatalf("unchanged: snapshot %s is of %s, not %s", args[1], want.Dir, dir)
	}
	got, err := treeState(dir)
	ts.Check(err)
	if diff := treeDiff(want.Files, got); len(diff) > 0 {
		ts.Fatalf("%s changed (snapshot %s):\n\t%s", args[0], args[1], strings.Join(diff, "\n\t"))
	}
}

// treeDiff lists what differs between two treeStates, by path.
func treeDiff(want, got map[string]fileState) []string {
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var diff []string
	for _, p := range paths {
		w, inWant := want[p]
		g, inGot := got[p]
		switch {
		case !inGot:
			diff = append(diff, "removed: "+p)
		case !inWant:
			diff = append(diff, "added:   "+p)
		case w.Mode != g.Mode:
			diff = append(diff, fmt.Sprintf("mode:    %s (%s, was %s)", p, g.Mode, w.Mode))
		case w.Hash != g.Hash:
			diff = append(diff, "content: "+p)
		}
	}
	return diff
}

// errline REGEXP fails unless the last command's stderr is exactly one
// line, "error: …", matching REGEXP: the message says what is wrong and
// where, on one line a CI log shows whole.
func cmdErrLine(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: errline REGEXP")
	}
	stderr := ts.ReadFile("stderr")
	line, ok := strings.CutSuffix(stderr, "\n")
	switch {
	case !ok || strings.ContainsAny(line, "\n\r"):
		ts.Fatalf("stderr is not one line:\n%s", stderr)
	case !strings.HasPrefix(line, "error: "):
		ts.Fatalf("stderr does not start with \"error: \": %s", line)
	case len(line) > 1000:
		ts.Fatalf("stderr is one line of %d bytes: too long to read", len(line))
	}
	re, err := regexp.Compile(args[0])
	ts.Check(err)
	if !re.MatchString(line) {
		ts.Fatalf("stderr does not match %q:\n%s", args[0], line)
	}
}

// parseSize reads 123, 64KiB or 9MiB.
func parseSize(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(s, "MiB"):
		s, mult = strings.TrimSuffix(s, "MiB"), 1<<20
	case strings.HasSuffix(s, "KiB"):
		s, mult = strings.TrimSuffix(s, "KiB"), 1<<10
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("size %q: want a number of bytes, KiB or MiB", s)
	}
	return n * mult, nil
}

// bigfile PATH SIZE pads the file at PATH with YAML comment lines until it
// is SIZE bytes (123, 64KiB, 9MiB): still a valid program, only too big.
func cmdBigFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: bigfile PATH SIZE")
	}
	size, err := parseSize(args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	line := "# " + strings.Repeat("padding ", 12) + "\n"
	for len(data) < size {
		data = append(data, line[:min(len(line), size-len(data))]...)
	}
	ts.Check(os.WriteFile(path, data, 0o644))
}

// replace PATH OLD NEW replaces every OLD in the file at PATH with NEW
// (both unquoted as Go strings), and fails if there is no OLD: for editing
// state and stack files behind plinth's back.
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace PATH OLD NEW")
	}
	old, new := unquoteArg(ts, args[1]), unquoteArg(ts, args[2])
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	if !strings.Contains(string(data), old) {
		ts.Fatalf("replace: %s has no %q", args[0], old)
	}
	fi, err := os.Stat(path)
	ts.Check(err)
	ts.Check(os.WriteFile(path, []byte(strings.ReplaceAll(string(data), old, new)), fi.Mode().Perm()))
}

// unquoteArg reads s as the body of a Go string literal.
func unquoteArg(ts *testscript.TestScript, s string) string {
	text, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`)
	if err != nil {
		ts.Fatalf("%q: not a Go string body: %v", s, err)
	}
	return text
}

// expandPart reads a genfile or repeat part: TEXT, or TEXT*N for TEXT N times,
// where TEXT is unquoted as a Go string (\n, \t, \x00, \xff, \u202e).
func expandPart(ts *testscript.TestScript, part string) string {
	n := 1
	if i := strings.LastIndex(part, "*"); i >= 0 {
		if c, err := strconv.Atoi(part[i+1:]); err == nil && c >= 0 {
			part, n = part[:i], c
		}
	}
	return strings.Repeat(unquoteArg(ts, part), n)
}

// genfile PATH PART… writes PATH as the PARTs one after another (see
// expandPart): a 100,000-level nesting is genfile x.yaml 'v: ' '[*100000'.
func cmdGenFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: genfile PATH PART...")
	}
	var b strings.Builder
	for _, part := range args[1:] {
		b.WriteString(expandPart(ts, part))
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o644))
}

// repeat VAR PART… sets the environment variable VAR to the PARTs one
// after another (see expandPart): for arguments no script line can spell.
func cmdRepeat(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: repeat VAR PART...")
	}
	var b strings.Builder
	for _, part := range args[1:] {
		b.WriteString(expandPart(ts, part))
	}
	ts.Setenv(args[0], b.String())
}
