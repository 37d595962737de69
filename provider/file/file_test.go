package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/provider/providertest"
	"github.com/plinth-iac/plinth/resource"
)

func TestConformance(t *testing.T) {
	base := t.TempDir()
	p := New(base)
	mustWrite(t, filepath.Join(base, "src.txt"), "from source")
	exists := func(t *testing.T, id string, _ resource.PropertyMap) bool {
		_, err := os.Stat(p.resolve(id))
		return err == nil
	}
	abs := filepath.Join(t.TempDir(), "elsewhere", "abs.txt")
	providertest.Run(t, p, []providertest.Case{
		{
			Name:    "content",
			Type:    FileType,
			Inputs:  resource.PropertyMap{"path": "site/index.html", "content": "<h1>hi</h1>\n"},
			Update:  resource.PropertyMap{"path": "site/index.html", "content": "<h1>bye</h1>\n", "mode": "0600"},
			Replace: resource.PropertyMap{"path": "site/other.html", "content": "<h1>bye</h1>\n", "mode": "0600"},
			Exists:  exists,
			Drift:   func(t *testing.T, id string) { mustWrite(t, p.resolve(id), "tampered") },
		},
		{
			Name:    "source",
			Type:    FileType,
			Inputs:  resource.PropertyMap{"path": "copy/out.txt", "source": "src.txt"},
			Update:  resource.PropertyMap{"path": "copy/out.txt", "content": "inline now"},
			Replace: resource.PropertyMap{"path": "copy/elsewhere.txt", "content": "inline now"},
			Exists:  exists,
			Drift: func(t *testing.T, id string) {
				if err := os.Chmod(p.resolve(id), 0o600); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			Name:   "absolute and empty",
			Type:   FileType,
			Inputs: resource.PropertyMap{"path": abs, "content": ""},
			Update: resource.PropertyMap{"path": abs, "content": "", "mode": "0755"},
			Exists: exists,
			Drift:  func(t *testing.T, id string) { mustRemove(t, id) },
		},
		{
			Name:    "directory",
			Type:    DirectoryType,
			Inputs:  resource.PropertyMap{"path": "data/cache"},
			Update:  resource.PropertyMap{"path": "data/cache", "mode": "0700"},
			Replace: resource.PropertyMap{"path": "data/cache2", "mode": "0700"},
			Exists:  exists,
			Drift:   func(t *testing.T, id string) { mustRemove(t, p.resolve(id)) },
		},
	})
	assertNoLeftovers(t, base)
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustRemove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

// assertNoLeftovers fails if a temporary file survives anywhere under dir.
func assertNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), tempPrefix) {
			t.Errorf("temporary file left behind: %s", path)
		}
		return nil
	})
}

func mustCheck(t *testing.T, p *Provider, typ string, inputs resource.PropertyMap) resource.PropertyMap {
	t.Helper()
	resp, err := p.Check(t.Context(), provider.CheckRequest{Type: typ, Inputs: inputs})
	if err != nil || len(resp.Failures) > 0 {
		t.Fatalf("Check(%s) = %+v, %v", resource.Format(inputs, true), resp.Failures, err)
	}
	return resp.Inputs
}

func mustCreate(t *testing.T, p *Provider, typ string, inputs resource.PropertyMap) provider.CreateResponse {
	t.Helper()
	resp, err := p.Create(t.Context(), provider.CreateRequest{Type: typ, Inputs: mustCheck(t, p, typ, inputs)})
	if err != nil {
		t.Fatalf("Create(%s): %v", resource.Format(inputs, true), err)
	}
	return resp
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		typ    string
		inputs resource.PropertyMap
		want   []string // property: reason
		mode   string   // the normalised mode, when there are no failures
	}{
		{"defaults", FileType, resource.PropertyMap{"path": "a", "content": "x"}, nil, "0644"},
		{"short mode", FileType, resource.PropertyMap{"path": "a", "content": "x", "mode": "600"}, nil, "0600"},
		{"sticky directory", DirectoryType, resource.PropertyMap{"path": "tmp", "mode": "1777"}, nil, "1777"},
		{"directory default", DirectoryType, resource.PropertyMap{"path": "d"}, nil, "0755"},
		{"NUL in path", FileType, resource.PropertyMap{"path": "a\x00b", "content": "x"},
			[]string{"path: path must not contain NUL bytes"}, ""},
		{"NUL in directory path", DirectoryType, resource.PropertyMap{"path": "\x00"},
			[]string{"path: path must not contain NUL bytes"}, ""},
		{"NUL in source", FileType, resource.PropertyMap{"path": "a", "source": "s\x00"},
			[]string{"source: source must not contain NUL bytes"}, ""},
		{"empty path", FileType, resource.PropertyMap{"path": "", "content": "x"},
			[]string{"path: path must not be empty"}, ""},
		{"project directory", DirectoryType, resource.PropertyMap{"path": "a/.."},
			[]string{`path: path "a/.." names the project directory or the root, not a path of its own`}, ""},
		{"root", FileType, resource.PropertyMap{"path": "/", "content": "x"},
			[]string{`path: path "/" names the project directory or the root, not a path of its own`}, ""},
		{"missing path", FileType, resource.PropertyMap{"content": "x"},
			[]string{`path: missing required property "path"`}, ""},
		{"content and source", FileType, resource.PropertyMap{"path": "a", "content": "x", "source": "b"},
			[]string{"source: give content or source, not both"}, ""},
		{"neither content nor source", FileType, resource.PropertyMap{"path": "a"},
			[]string{"content: one of content or source is required"}, ""},
		{"content of the wrong type", FileType, resource.PropertyMap{"path": "a", "content": int64(3)},
			[]string{`content: property "content": expected string, got integer`}, ""},
		{"mode as a number", FileType, resource.PropertyMap{"path": "a", "content": "x", "mode": int64(420)},
			[]string{`mode: property "mode": expected string, got integer`}, ""},
		{"mode not octal", FileType, resource.PropertyMap{"path": "a", "content": "x", "mode": "0999"},
			[]string{`mode: mode "0999" is not an octal mode like "0644"`}, ""},
		{"mode symbolic", DirectoryType, resource.PropertyMap{"path": "a", "mode": "rwx"},
			[]string{`mode: mode "rwx" is not an octal mode like "0644"`}, ""},
		{"mode too long", DirectoryType, resource.PropertyMap{"path": "a", "mode": "00644"},
			[]string{`mode: mode "00644" is not an octal mode like "0644"`}, ""},
		{"directory has no content", DirectoryType, resource.PropertyMap{"path": "a", "content": "x"},
			[]string{`content: file:Directory has no property "content"`}, ""},
		{"unknown content", FileType, resource.PropertyMap{"path": "a", "content": resource.Unknown{}}, nil, "0644"},
		{"unknown path and mode", FileType, resource.PropertyMap{"path": resource.Unknown{}, "source": "s", "mode": resource.Unknown{}}, nil, ""},
	}
	p := New(t.TempDir())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := p.Check(t.Context(), provider.CheckRequest{Type: tt.typ, Inputs: tt.inputs})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range resp.Failures {
				got = append(got, f.Property+": "+f.Reason)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
			if tt.mode != "" && resp.Inputs["mode"] != tt.mode {
				t.Errorf("mode = %v, want %q", resp.Inputs["mode"], tt.mode)
			}
		})
	}
}

func TestWrites(t *testing.T) {
	base := t.TempDir()
	p := New(base)
	mustWrite(t, filepath.Join(base, "src.bin"), "\x00\x01binary\xff")
	tests := []struct {
		name    string
		inputs  resource.PropertyMap
		content string
		mode    fs.FileMode
	}{
		{"nested parents", resource.PropertyMap{"path": "a/b/c/d.txt", "content": "deep"}, "deep", 0o644},
		{"private", resource.PropertyMap{"path": "secret.txt", "content": "pw", "mode": "0600"}, "pw", 0o600},
		{"executable", resource.PropertyMap{"path": "run.sh", "content": "#!/bin/sh\n", "mode": "755"}, "#!/bin/sh\n", 0o755},
		{"binary copy", resource.PropertyMap{"path": "copy.bin", "source": "src.bin"}, "\x00\x01binary\xff", 0o644},
		{"unclean path", resource.PropertyMap{"path": "./x/../y.txt", "content": "y"}, "y", 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := mustCreate(t, p, FileType, tt.inputs)
			path := tt.inputs["path"].(string)
			if resp.ID != filepath.Clean(path) {
				t.Errorf("ID = %q, want %q", resp.ID, filepath.Clean(path))
			}
			data, err := os.ReadFile(filepath.Join(base, path))
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tt.content {
				t.Errorf("content = %q, want %q", data, tt.content)
			}
			want := hashBytes(data)
			if got := (resource.PropertyMap{"path": path, "sha256": want.sha256, "size": want.size}); !resource.Equal(map[string]any(resp.Outputs), map[string]any(got)) {
				t.Errorf("outputs = %s, want %s", resource.Format(resp.Outputs, true), resource.Format(got, true))
			}
			fi, err := os.Stat(filepath.Join(base, path))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.mode {
				t.Errorf("mode = %v, want %v", fi.Mode().Perm(), tt.mode)
			}
		})
	}
	assertNoLeftovers(t, base)
}

func TestCreateErrors(t *testing.T) {
	base := t.TempDir()
	p := New(base)
	mustWrite(t, filepath.Join(base, "plain"), "x")
	mustWrite(t, filepath.Join(base, "full", "keep.txt"), "x")
	tests := []struct {
		name   string
		typ    string
		inputs resource.PropertyMap
		want   string
	}{
		{"missing source", FileType, resource.PropertyMap{"path": "out", "source": "nope.txt"}, "reading source: open " + filepath.Join(base, "nope.txt")},
		{"parent is a file", FileType, resource.PropertyMap{"path": "plain/x.txt", "content": "x"}, "exists and is not a directory"},
		{"target is a directory", FileType, resource.PropertyMap{"path": "full", "content": "x"}, "writing full: rename"},
		{"directory over a file", DirectoryType, resource.PropertyMap{"path": "plain"}, "creating plain: it exists and is not a directory"},
		{"NUL bypassing Check", FileType, resource.PropertyMap{"path": "a\x00", "content": "x"}, "path must not contain NUL bytes"},
		{"no path", DirectoryType, resource.PropertyMap{}, "needs a string path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Create(t.Context(), provider.CreateRequest{Type: tt.typ, Inputs: tt.inputs})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Create = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	assertNoLeftovers(t, base)
	if data, _ := os.ReadFile(filepath.Join(base, "full", "keep.txt")); string(data) != "x" {
		t.Error("a failed write disturbed the directory it targeted")
	}
}

// TestAtomic updates a file over and over while readers check they only
// ever see a whole version.
func TestAtomic(t *testing.T) {
	base := t.TempDir()
	p := New(base)
	versions := []string{strings.Repeat("a", 1<<20), strings.Repeat("b", 1<<19)}
	inputs := func(i int) resource.PropertyMap {
		return resource.PropertyMap{"path": "page.html", "content": versions[i%2], "mode": "0644"}
	}
	created := mustCreate(t, p, FileType, inputs(0))
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				data, err := os.ReadFile(filepath.Join(base, "page.html"))
				if err != nil {
					t.Errorf("reading during updates: %v", err)
					return
				}
				if s := string(data); s != versions[0] && s != versions[1] {
					t.Errorf("read a torn file of %d bytes", len(data))
					return
				}
			}
		})
	}
	outputs := created.Outputs
	for i := 1; i <= 30; i++ {
		resp, err := p.Update(t.Context(), provider.UpdateRequest{Type: FileType, ID: created.ID, OldInputs: inputs(i - 1), OldOutputs: outputs, NewInputs: inputs(i)})
		if err != nil {
			t.Fatal(err)
		}
		outputs = resp.Outputs
	}
	cancel()
	wg.Wait()
	assertNoLeftovers(t, base)
}

// TestCancelMidCopy cancels while a source is being copied: the target
// keeps its old content and no temporary file stays.
func TestCancelMidCopy(t *testing.T) {
	base := t.TempDir()
	p := New(base)
	fifo := filepath.Join(base, "slow-source")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("cannot make a FIFO: %v", err)
	}
	mustWrite(t, filepath.Join(base, "out.txt"), "old")
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		_, _ = w.Write(bytes.Repeat([]byte("x"), copyChunk)) // the first chunk, then cancel
		cancel()
		time.Sleep(50 * time.Millisecond)
		_, _ = w.Write([]byte("more"))
	}()
	_, err := p.Update(ctx, provider.UpdateRequest{Type: FileType, ID: "out.txt", NewInputs: resource.PropertyMap{"path": "out.txt", "source": "slow-source", "mode": "0644"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Update = %v, want context.Canceled", err)
	}
	if data, _ := os.ReadFile(filepath.Join(base, "out.txt")); string(data) != "old" {
		t.Errorf("out.txt = %q after a cancelled write, want %q", data, "old")
	}
	assertNoLeftovers(t, base)
}

func TestSourceEdited(t *testing.T) {
	base := t.TempDir()
	p := New(base)
	mustWrite(t, filepath.Join(base, "in.txt"), "v1")
	inputs := mustCheck(t, p, FileType, resource.PropertyMap{"path": "out.txt", "source": "in.txt"})
	created := mustCreate(t, p, FileType, inputs)
	diff := func() provider.DiffResponse {
		t.Helper()
		d, err := p.Diff(t.Context(), provider.DiffRequest{Type: FileType, ID: created.ID, OldInputs: inputs, OldOutputs: created.Outputs, NewInputs: inputs})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := diff(); d.HasChanges() {
		t.Fatalf("Diff before the edit = %+v, want none", d)
	}
	mustWrite(t, filepath.Join(base, "in.txt"), "v2")
	if d, want := diff(), (provider.DiffResponse{Changed: []string{"source"}}); !cmp.Equal(d, want) {
		t.Fatalf("Diff after editing the source = %+v, want %+v", d, want)
	}
	resp, err := p.Update(t.Context(), provider.UpdateRequest{Type: FileType, ID: created.ID, OldInputs: inputs, OldOutputs: created.Outputs, NewInputs: inputs})
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(base, "out.txt")); string(data) != "v2" || resp.Outputs["sha256"] != hashBytes(data).sha256 {
		t.Errorf("after update: content %q, outputs %s", data, resource.Format(resp.Outputs, true))
	}
	mustRemove(t, filepath.Join(base, "in.txt"))
	if d := diff(); !d.HasChanges() {
		t.Error("Diff with the source gone = no changes, want source changed so the update reports it")
	}
}

func TestReadDrift(t *testing.T) {
	base := t.TempDir()
	p := New(base)
	inputs := mustCheck(t, p, FileType, resource.PropertyMap{"path": "./conf/../app.conf", "content": "port=80\n"})
	created := mustCreate(t, p, FileType, inputs)
	mustWrite(t, filepath.Join(base, "app.conf"), "port=81\n")
	if err := os.Chmod(filepath.Join(base, "app.conf"), 0o640); err != nil {
		t.Fatal(err)
	}
	resp, err := p.Read(t.Context(), provider.ReadRequest{Type: FileType, ID: created.ID, Inputs: inputs, Outputs: created.Outputs})
	if err != nil {
		t.Fatal(err)
	}
	want := provider.ReadResponse{
		Inputs:  resource.PropertyMap{"path": "./conf/../app.conf", "content": "port=81\n", "mode": "0640"},
		Outputs: resource.PropertyMap{"path": "./conf/../app.conf", "sha256": hashBytes([]byte("port=81\n")).sha256, "size": int64(8)},
	}
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Errorf("Read after drift (-want +got):\n%s", diff)
	}
	// A missing parent, or a parent that became a file, is Gone too.
	for _, id := range []string{"no/such/file", "app.conf/child"} {
		resp, err := p.Read(t.Context(), provider.ReadRequest{Type: FileType, ID: id})
		if err != nil || !resp.Gone {
			t.Errorf("Read(%q) = %+v, %v, want Gone", id, resp, err)
		}
	}
}

func TestDeleteCleansLeftovers(t *testing.T) {
	base := t.TempDir()
	p := New(base)
	created := mustCreate(t, p, FileType, resource.PropertyMap{"path": "site/a.html", "content": "a"})
	site := filepath.Join(base, "site")
	mustWrite(t, filepath.Join(site, tempPrefix+"crashed"), "half")
	mustWrite(t, filepath.Join(site, "b.html"), "b")
	if err := os.Mkdir(filepath.Join(site, tempPrefix+"dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	inFlight := filepath.Join(site, tempPrefix+"writing")
	mustWrite(t, inFlight, "being written")
	p.track(inFlight)
	if _, err := p.Delete(t.Context(), provider.DeleteRequest{Type: FileType, ID: created.ID}); err != nil {
		t.Fatal(err)
	}
	got := listDir(t, site)
	want := []string{tempPrefix + "dir", tempPrefix + "writing", "b.html"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("left in the directory (-want +got):\n%s", diff)
	}
	// Deleting a file whose directory is gone is fine.
	if _, err := p.Delete(t.Context(), provider.DeleteRequest{Type: FileType, ID: "gone/x.txt"}); err != nil {
		t.Errorf("Delete in a missing directory: %v", err)
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestDeleteFileRefusesDirectory(t *testing.T) {
	base := t.TempDir()
	p := New(base)
	if err := os.Mkdir(filepath.Join(base, "was-a-file"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := p.Delete(t.Context(), provider.DeleteRequest{Type: FileType, ID: "was-a-file"})
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("Delete = %v, want an error saying it is a directory", err)
	}
}

func TestDirectory(t *testing.T) {
	base := t.TempDir()
	p := New(base)
	// Mode is set exactly, whatever the umask (0777 would be cut to 0755).
	created := mustCreate(t, p, DirectoryType, resource.PropertyMap{"path": "shared", "mode": "0777"})
	dir := filepath.Join(base, "shared")
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o777 {
		t.Fatalf("stat = %v, %v, want a 0777 directory", fi, err)
	}
	del := func() error {
		_, err := p.Delete(t.Context(), provider.DeleteRequest{Type: DirectoryType, ID: created.ID})
		return err
	}
	for i := range 7 {
		mustWrite(t, filepath.Join(dir, fmt.Sprintf("f%d", i)), "x")
	}
	if err := del(); err == nil || !strings.Contains(err.Error(), "deleting shared: the directory is not empty: it holds f0, f1, f2, f3, f4 and 2 more") {
		t.Fatalf("Delete of a full directory = %v", err)
	}
	for i := range 7 {
		mustRemove(t, filepath.Join(dir, fmt.Sprintf("f%d", i)))
	}
	mustWrite(t, filepath.Join(dir, tempPrefix+"left"), "x")
	if err := del(); err != nil {
		t.Fatalf("Delete of a directory holding only leftovers: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("directory still there: %v", err)
	}
	// An existing directory is adopted, and keeps its content.
	mustWrite(t, filepath.Join(base, "existing", "keep"), "x")
	mustCreate(t, p, DirectoryType, resource.PropertyMap{"path": "existing", "mode": "0700"})
	if got := listDir(t, filepath.Join(base, "existing")); !cmp.Equal(got, []string{"keep"}) {
		t.Errorf("adopted directory holds %v", got)
	}
}

// TestMany creates and deletes hundreds of files in one directory at once,
// as the engine does with its default parallelism of 64.
func TestMany(t *testing.T) {
	const n, parallel = 300, 64
	base := t.TempDir()
	p := New(base)
	start := time.Now()
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	ids := make([]string, n)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			resp, err := p.Create(t.Context(), provider.CreateRequest{Type: FileType, Inputs: resource.PropertyMap{"path": fmt.Sprintf("out/%03d.txt", i), "content": strings.Repeat("x", i), "mode": "0644"}})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = resp.ID
			if i%2 == 0 { // delete half while the others are still being written
				if _, err := p.Delete(t.Context(), provider.DeleteRequest{Type: FileType, ID: resp.ID}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d creates and %d deletes in %v", n, n/2, time.Since(start))
	if got := len(listDir(t, filepath.Join(base, "out"))); got != n/2 {
		t.Errorf("%d files left, want %d", got, n/2)
	}
	assertNoLeftovers(t, base)
}

func TestRelativeBaseDir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	p := New("proj")
	mustCreate(t, p, FileType, resource.PropertyMap{"path": "f.txt", "content": "x"})
	t.Chdir(t.TempDir()) // the base directory was fixed when New was called
	if resp, err := p.Read(t.Context(), provider.ReadRequest{Type: FileType, ID: "f.txt"}); err != nil || resp.Gone {
		t.Errorf("Read after chdir = %+v, %v", resp, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "proj", "f.txt")); err != nil {
		t.Error(err)
	}
}

func TestModes(t *testing.T) {
	for _, s := range []string{"0000", "0644", "0755", "1777", "2750", "4755", "7777"} {
		m, err := parseMode(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := formatMode(m); got != s {
			t.Errorf("formatMode(parseMode(%q)) = %q", s, got)
		}
	}
}

// BenchmarkCreate measures one durable write (temp file, fsync, rename,
// directory fsync) into an existing directory.
func BenchmarkCreate(b *testing.B) {
	base := b.TempDir()
	p := New(base)
	inputs := resource.PropertyMap{"path": "out/f.txt", "content": strings.Repeat("x", 4096), "mode": "0644"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Create(b.Context(), provider.CreateRequest{Type: FileType, Inputs: inputs}); err != nil {
			b.Fatal(err)
		}
	}
}
