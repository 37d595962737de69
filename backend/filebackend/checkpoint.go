package filebackend

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/plinth-iac/plinth/backend"
)

func versionName(version int) string { return strconv.Itoa(version) + ".json" }

func checkpointPath(stackDir string, version int) string {
	return filepath.Join(stackDir, "checkpoints", versionName(version))
}

func historyPath(stackDir string, version int) string {
	return filepath.Join(stackDir, "history", versionName(version))
}

// listVersions returns the versions in a checkpoints directory, ascending;
// none if it does not exist.
func listVersions(dir string) ([]int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var versions []int
	for _, e := range entries {
		num, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 || strconv.Itoa(v) != num {
			continue // a temporary file, or not ours
		}
		versions = append(versions, v)
	}
	slices.Sort(versions)
	return versions, nil
}

// WriteCheckpoint writes version N's history record and then links its
// snapshot into place, both under history.guard; the link is the commit.
func (b *Backend) WriteCheckpoint(ctx context.Context, req backend.WriteCheckpointRequest) (backend.WriteCheckpointResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.WriteCheckpointResponse{}, err
	}
	if req.Version <= 0 {
		return backend.WriteCheckpointResponse{}, fmt.Errorf("stack %s: invalid version %d", req.Ref, req.Version)
	}
	for _, sub := range []string{"checkpoints", "history"} {
		if err := mkdir(filepath.Join(dir, sub)); err != nil {
			return backend.WriteCheckpointResponse{}, b.gone(req.Ref, dir, err)
		}
	}
	unlock, err := flock(filepath.Join(dir, "history.guard"))
	if err != nil {
		return backend.WriteCheckpointResponse{}, b.gone(req.Ref, dir, err)
	}
	defer unlock()

	exists := fmt.Errorf("stack %s version %d: %w", req.Ref, req.Version, backend.ErrExists)
	if _, err := os.Stat(checkpointPath(dir, req.Version)); err == nil {
		return backend.WriteCheckpointResponse{}, exists
	} else if !errors.Is(err, fs.ErrNotExist) {
		return backend.WriteCheckpointResponse{}, err
	}
	if err := writeFileAtomic(filepath.Join(dir, "history"), versionName(req.Version), req.History); err != nil {
		return backend.WriteCheckpointResponse{}, b.gone(req.Ref, dir, err)
	}
	// The file's modification time is the version's LastUpdate.
	err = createFileExclusive(filepath.Join(dir, "checkpoints"), versionName(req.Version), req.Data, b.now())
	if errors.Is(err, fs.ErrExist) {
		return backend.WriteCheckpointResponse{}, exists
	}
	if err != nil {
		return backend.WriteCheckpointResponse{}, b.gone(req.Ref, dir, err)
	}
	return backend.WriteCheckpointResponse{}, nil
}

// ReadCheckpoint reads checkpoints/N.json.
func (b *Backend) ReadCheckpoint(ctx context.Context, req backend.ReadCheckpointRequest) (backend.ReadCheckpointResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.ReadCheckpointResponse{}, err
	}
	var data []byte
	if req.Version > 0 {
		if data, err = readFile(checkpointPath(dir, req.Version)); err != nil {
			return backend.ReadCheckpointResponse{}, err
		}
	}
	if data == nil {
		return backend.ReadCheckpointResponse{}, fmt.Errorf("stack %s version %d: %w", req.Ref, req.Version, backend.ErrNotFound)
	}
	return backend.ReadCheckpointResponse{Data: data}, nil
}

// ReplaceCheckpoint replaces checkpoints/N.json, if it exists, under
// history.guard: a fsynced temporary file with the old file's modification
// time (the version's LastUpdate) is renamed over it.
func (b *Backend) ReplaceCheckpoint(ctx context.Context, req backend.ReplaceCheckpointRequest) (backend.ReplaceCheckpointResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.ReplaceCheckpointResponse{}, err
	}
	missing := fmt.Errorf("stack %s version %d: %w", req.Ref, req.Version, backend.ErrNotFound)
	if req.Version <= 0 {
		return backend.ReplaceCheckpointResponse{}, missing
	}
	unlock, err := flock(filepath.Join(dir, "history.guard"))
	if err != nil {
		return backend.ReplaceCheckpointResponse{}, b.gone(req.Ref, dir, err)
	}
	defer unlock()
	fi, err := os.Stat(checkpointPath(dir, req.Version))
	if errors.Is(err, fs.ErrNotExist) {
		return backend.ReplaceCheckpointResponse{}, missing
	} else if err != nil {
		return backend.ReplaceCheckpointResponse{}, err
	}
	cdir := filepath.Join(dir, "checkpoints")
	tmp, err := writeTemp(cdir, req.Data, fi.ModTime())
	if err != nil {
		return backend.ReplaceCheckpointResponse{}, b.gone(req.Ref, dir, err)
	}
	if err := os.Rename(tmp, checkpointPath(dir, req.Version)); err != nil {
		os.Remove(tmp)
		return backend.ReplaceCheckpointResponse{}, b.gone(req.Ref, dir, err)
	}
	return backend.ReplaceCheckpointResponse{}, syncDir(cdir)
}

// UpdateHistory replaces history/N.json if checkpoint N exists.
func (b *Backend) UpdateHistory(ctx context.Context, req backend.UpdateHistoryRequest) (backend.UpdateHistoryResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.UpdateHistoryResponse{}, err
	}
	missing := fmt.Errorf("stack %s version %d: %w", req.Ref, req.Version, backend.ErrNotFound)
	if req.Version <= 0 {
		return backend.UpdateHistoryResponse{}, missing
	}
	unlock, err := flock(filepath.Join(dir, "history.guard"))
	if err != nil {
		return backend.UpdateHistoryResponse{}, b.gone(req.Ref, dir, err)
	}
	defer unlock()
	if _, err := os.Stat(checkpointPath(dir, req.Version)); errors.Is(err, fs.ErrNotExist) {
		return backend.UpdateHistoryResponse{}, missing
	} else if err != nil {
		return backend.UpdateHistoryResponse{}, err
	}
	if err := writeFileAtomic(filepath.Join(dir, "history"), versionName(req.Version), req.History); err != nil {
		return backend.UpdateHistoryResponse{}, b.gone(req.Ref, dir, err)
	}
	return backend.UpdateHistoryResponse{}, nil
}

// ListHistory returns the history record of every checkpoint, by version.
// History files without a checkpoint (a crash mid-write) are not versions.
func (b *Backend) ListHistory(ctx context.Context, req backend.ListHistoryRequest) (backend.ListHistoryResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.ListHistoryResponse{}, err
	}
	versions, err := listVersions(filepath.Join(dir, "checkpoints"))
	if err != nil {
		return backend.ListHistoryResponse{}, err
	}
	var resp backend.ListHistoryResponse
	for _, v := range versions {
		data, err := os.ReadFile(historyPath(dir, v))
		if err != nil {
			return backend.ListHistoryResponse{}, fmt.Errorf("stack %s version %d: history record: %w", req.Ref, v, b.gone(req.Ref, dir, err))
		}
		resp.Records = append(resp.Records, data)
	}
	return resp, nil
}
