package filebackend

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/plinth-iac/plinth/backend"
)

var _ backend.Backend = (*Backend)(nil)

// layoutVersion is the folder layout this build reads and writes.
const layoutVersion = 1

// Options configures a Backend.
type Options struct {
	// Now is the clock lock leases and checkpoint times are read from;
	// time.Now when nil.
	Now func() time.Time
}

// Backend is a backend.Backend over a folder. It is safe for concurrent
// use, by goroutines and by processes sharing the folder.
type Backend struct {
	dir      string
	now      func() time.Time
	hostname string // "" turns off same-host stale-lock detection
}

// New opens the backend in dir, creating the folder if it does not exist.
// dir should be absolute; URL reports it as given.
func New(dir string, opts Options) (*Backend, error) {
	if dir == "" {
		return nil, errors.New("file backend: no folder given")
	}
	b := &Backend{dir: filepath.Clean(dir), now: opts.Now}
	if b.now == nil {
		b.now = time.Now
	}
	if h, err := os.Hostname(); err == nil {
		b.hostname = h
	}
	for _, d := range []string{b.dir, b.stacksDir(), b.trashDir()} {
		if err := os.MkdirAll(d, dirPerm); err != nil {
			return nil, fmt.Errorf("file backend: %w", err)
		}
	}
	if err := b.checkLayout(); err != nil {
		return nil, fmt.Errorf("file backend %s: %w", b.dir, err)
	}
	return b, nil
}

type layoutFile struct {
	Version int `json:"version"`
}

// checkLayout reads backend.json, creating it in a new folder, and refuses
// a layout newer than this build's.
func (b *Backend) checkLayout() error {
	path := filepath.Join(b.dir, "backend.json")
	data, err := readFile(path)
	if err != nil {
		return err
	}
	if data == nil {
		data, _ = json.Marshal(layoutFile{Version: layoutVersion})
		err := createFileExclusive(b.dir, "backend.json", data, time.Time{})
		if errors.Is(err, fs.ErrExist) { // another process created it first
			data, err = os.ReadFile(path)
		}
		if err != nil {
			return err
		}
	}
	var l layoutFile
	if err := json.Unmarshal(data, &l); err != nil {
		return fmt.Errorf("backend.json is damaged: %v", err)
	}
	if l.Version != layoutVersion {
		return fmt.Errorf("backend.json has layout version %d; this plinth reads version %d (upgrade plinth)", l.Version, layoutVersion)
	}
	return nil
}

// URL returns file://<dir>.
func (b *Backend) URL() string { return "file://" + b.dir }

// Close does nothing: the backend keeps no files open between calls.
func (b *Backend) Close() error { return nil }

func (b *Backend) stacksDir() string { return filepath.Join(b.dir, "stacks") }
func (b *Backend) trashDir() string  { return filepath.Join(b.dir, "trash") }

// validName reports whether s may be a project or stack name: one path
// element made of [A-Za-z0-9_.-], not "." or "..".
func validName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 200 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

func checkProject(project string) error {
	if !validName(project) {
		return fmt.Errorf("invalid project name %q: use letters, digits, '_', '.' and '-'", project)
	}
	return nil
}

// paths validates ref and returns its project and stack directories.
func (b *Backend) paths(ref backend.Ref) (projectDir, stackDir string, err error) {
	if err := checkProject(ref.Project); err != nil {
		return "", "", err
	}
	if !validName(ref.Stack) {
		return "", "", fmt.Errorf("invalid stack name %q: use letters, digits, '_', '.' and '-'", ref.Stack)
	}
	projectDir = filepath.Join(b.stacksDir(), ref.Project)
	return projectDir, filepath.Join(projectDir, ref.Stack), nil
}

// stack validates ref and returns its directory, or ErrStackNotFound.
func (b *Backend) stack(ctx context.Context, ref backend.Ref) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	_, dir, err := b.paths(ref)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", notFound(ref)
	case err != nil:
		return "", err
	case !fi.IsDir():
		return "", fmt.Errorf("stack %s: %s is not a directory", ref, dir)
	}
	return dir, nil
}

func notFound(ref backend.Ref) error {
	return fmt.Errorf("stack %s: %w", ref, backend.ErrStackNotFound)
}

// gone turns a "no such file" error from inside a stack's directory into
// ErrStackNotFound when the stack was removed meanwhile.
func (b *Backend) gone(ref backend.Ref, dir string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); errors.Is(serr, fs.ErrNotExist) {
			return notFound(ref)
		}
	}
	return err
}

// ListStacks lists the project's stacks in name order (os.ReadDir sorts).
func (b *Backend) ListStacks(ctx context.Context, req backend.ListStacksRequest) (backend.ListStacksResponse, error) {
	if err := ctx.Err(); err != nil {
		return backend.ListStacksResponse{}, err
	}
	if err := checkProject(req.Project); err != nil {
		return backend.ListStacksResponse{}, err
	}
	entries, err := os.ReadDir(filepath.Join(b.stacksDir(), req.Project))
	if errors.Is(err, fs.ErrNotExist) {
		return backend.ListStacksResponse{}, nil
	}
	if err != nil {
		return backend.ListStacksResponse{}, err
	}
	var resp backend.ListStacksResponse
	for _, e := range entries {
		if !e.IsDir() || !validName(e.Name()) {
			continue
		}
		sum := backend.StackSummary{Ref: backend.Ref{Project: req.Project, Stack: e.Name()}}
		stackDir := filepath.Join(b.stacksDir(), req.Project, e.Name())
		versions, err := listVersions(filepath.Join(stackDir, "checkpoints"))
		if err != nil {
			return backend.ListStacksResponse{}, err
		}
		if n := len(versions); n > 0 {
			sum.LastVersion = versions[n-1]
			fi, err := os.Stat(checkpointPath(stackDir, sum.LastVersion))
			if err != nil {
				return backend.ListStacksResponse{}, err
			}
			sum.LastUpdate = fi.ModTime()
		}
		resp.Stacks = append(resp.Stacks, sum)
	}
	return resp, nil
}

// CreateStack creates the stack's directory; mkdir(2) is the atomic test
// for existence.
func (b *Backend) CreateStack(ctx context.Context, req backend.CreateStackRequest) (backend.CreateStackResponse, error) {
	if err := ctx.Err(); err != nil {
		return backend.CreateStackResponse{}, err
	}
	projectDir, dir, err := b.paths(req.Ref)
	if err != nil {
		return backend.CreateStackResponse{}, err
	}
	if err := os.MkdirAll(projectDir, dirPerm); err != nil {
		return backend.CreateStackResponse{}, err
	}
	if err := os.Mkdir(dir, dirPerm); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return backend.CreateStackResponse{}, fmt.Errorf("stack %s: %w", req.Ref, backend.ErrStackExists)
		}
		return backend.CreateStackResponse{}, err
	}
	if err := syncDir(projectDir); err != nil {
		return backend.CreateStackResponse{}, err
	}
	return backend.CreateStackResponse{}, syncDir(b.stacksDir())
}

// RemoveStack moves the stack's directory to the trash, which removes the
// stack atomically, then deletes it.
func (b *Backend) RemoveStack(ctx context.Context, req backend.RemoveStackRequest) (backend.RemoveStackResponse, error) {
	if err := ctx.Err(); err != nil {
		return backend.RemoveStackResponse{}, err
	}
	projectDir, dir, err := b.paths(req.Ref)
	if err != nil {
		return backend.RemoveStackResponse{}, err
	}
	trash := filepath.Join(b.trashDir(), rand.Text())
	if err := os.Rename(dir, trash); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return backend.RemoveStackResponse{}, notFound(req.Ref)
		}
		return backend.RemoveStackResponse{}, err
	}
	if err := syncDir(projectDir); err != nil {
		return backend.RemoveStackResponse{}, err
	}
	if err := os.RemoveAll(trash); err != nil {
		return backend.RemoveStackResponse{}, fmt.Errorf("stack %s was removed, but deleting its files in %s failed: %w", req.Ref, trash, err)
	}
	return backend.RemoveStackResponse{}, nil
}

// ReadSnapshot reads snapshot.json.
func (b *Backend) ReadSnapshot(ctx context.Context, req backend.ReadSnapshotRequest) (backend.ReadSnapshotResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.ReadSnapshotResponse{}, err
	}
	data, err := readFile(filepath.Join(dir, "snapshot.json"))
	if err != nil {
		return backend.ReadSnapshotResponse{}, err
	}
	if data == nil {
		// A stack removed between the check and the read has no snapshot
		// either; say which.
		if _, err := b.stack(ctx, req.Ref); err != nil {
			return backend.ReadSnapshotResponse{}, err
		}
	}
	return backend.ReadSnapshotResponse{Data: data}, nil
}

// WriteSnapshot replaces snapshot.json atomically.
func (b *Backend) WriteSnapshot(ctx context.Context, req backend.WriteSnapshotRequest) (backend.WriteSnapshotResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.WriteSnapshotResponse{}, err
	}
	if err := writeFileAtomic(dir, "snapshot.json", req.Data); err != nil {
		return backend.WriteSnapshotResponse{}, b.gone(req.Ref, dir, err)
	}
	return backend.WriteSnapshotResponse{}, nil
}

// tagsVersion is the tags.json format this build reads and writes.
const tagsVersion = 1

type tagsFile struct {
	Version int               `json:"version"`
	Tags    map[string]string `json:"tags"`
}

// ReadTags reads tags.json; a stack without one has no tags.
func (b *Backend) ReadTags(ctx context.Context, req backend.ReadTagsRequest) (backend.ReadTagsResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.ReadTagsResponse{}, err
	}
	data, err := readFile(filepath.Join(dir, "tags.json"))
	if err != nil || data == nil {
		return backend.ReadTagsResponse{}, err
	}
	var version struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &version); err != nil {
		return backend.ReadTagsResponse{}, fmt.Errorf("stack %s: tags.json is damaged: %v", req.Ref, err)
	}
	if version.Version != tagsVersion {
		return backend.ReadTagsResponse{}, fmt.Errorf("stack %s: tags.json has version %d; this plinth reads version %d", req.Ref, version.Version, tagsVersion)
	}
	var f tagsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return backend.ReadTagsResponse{}, fmt.Errorf("stack %s: tags.json is damaged: %v", req.Ref, err)
	}
	return backend.ReadTagsResponse{Tags: f.Tags}, nil
}

// WriteTags replaces tags.json atomically.
func (b *Backend) WriteTags(ctx context.Context, req backend.WriteTagsRequest) (backend.WriteTagsResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.WriteTagsResponse{}, err
	}
	tags := req.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	data, err := json.MarshalIndent(tagsFile{Version: tagsVersion, Tags: tags}, "", "  ")
	if err != nil {
		return backend.WriteTagsResponse{}, err
	}
	if err := writeFileAtomic(dir, "tags.json", append(data, '\n')); err != nil {
		return backend.WriteTagsResponse{}, b.gone(req.Ref, dir, err)
	}
	return backend.WriteTagsResponse{}, nil
}
