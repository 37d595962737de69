package filebackend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/plinth-iac/plinth/backend"
)

const journalName = "journal.ndjson"

// AppendJournal appends the entries, one per line, in one write with
// O_APPEND, and returns after fdatasync.
func (b *Backend) AppendJournal(ctx context.Context, req backend.AppendJournalRequest) (backend.AppendJournalResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.AppendJournalResponse{}, err
	}
	size := 0
	for i, e := range req.Entries {
		if bytes.IndexByte(e, '\n') >= 0 {
			return backend.AppendJournalResponse{}, fmt.Errorf("stack %s: journal entry %d contains a newline", req.Ref, i)
		}
		size += len(e) + 1
	}
	if size == 0 {
		return backend.AppendJournalResponse{}, nil
	}
	buf := make([]byte, 0, size)
	for _, e := range req.Entries {
		buf = append(buf, e...)
		buf = append(buf, '\n')
	}

	path := filepath.Join(dir, journalName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, filePerm)
	if err != nil {
		return backend.AppendJournalResponse{}, b.gone(req.Ref, dir, err)
	}
	defer f.Close()
	created, err := cutTornTail(f)
	if err != nil {
		return backend.AppendJournalResponse{}, fmt.Errorf("stack %s: journal: %w", req.Ref, err)
	}
	if _, err := f.Write(buf); err != nil {
		return backend.AppendJournalResponse{}, err
	}
	if err := datasync(f); err != nil {
		return backend.AppendJournalResponse{}, err
	}
	if created {
		// The file may be new; its directory entry must be durable too.
		if err := syncDir(dir); err != nil {
			return backend.AppendJournalResponse{}, err
		}
	}
	if err := f.Close(); err != nil {
		return backend.AppendJournalResponse{}, err
	}
	return backend.AppendJournalResponse{}, nil
}

// cutTornTail truncates f after its last newline, removing the part of an
// entry a crash left without its newline; that entry was never
// acknowledged, and appending after it would glue it to the next one. It
// reads one byte in the common case. empty reports whether f was empty
// (and so perhaps just created).
func cutTornTail(f *os.File) (empty bool, err error) {
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	end := fi.Size()
	if end == 0 {
		return true, nil
	}
	// f is opened write-only for O_APPEND; read through a second handle.
	r, err := os.Open(f.Name())
	if err != nil {
		return false, err
	}
	defer r.Close()
	last := make([]byte, 1)
	if _, err := r.ReadAt(last, end-1); err != nil {
		return false, err
	}
	if last[0] == '\n' {
		return false, nil
	}
	keep, err := afterLastNewline(r, end)
	if err != nil {
		return false, err
	}
	if err := f.Truncate(keep); err != nil {
		return false, err
	}
	return keep == 0, f.Sync()
}

// afterLastNewline returns the offset just past the last '\n' in r's first
// end bytes, or 0 if there is none.
func afterLastNewline(r io.ReaderAt, end int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for end > 0 {
		n := min(int64(len(buf)), end)
		chunk := buf[:n]
		if _, err := r.ReadAt(chunk, end-n); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return end - n + int64(i) + 1, nil
		}
		end -= n
	}
	return 0, nil
}

// ReadJournal returns the journal's complete lines; a last line without its
// newline is a torn write and is left out.
func (b *Backend) ReadJournal(ctx context.Context, req backend.ReadJournalRequest) (backend.ReadJournalResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.ReadJournalResponse{}, err
	}
	data, err := readFile(filepath.Join(dir, journalName))
	if err != nil {
		return backend.ReadJournalResponse{}, err
	}
	var resp backend.ReadJournalResponse
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		resp.Entries = append(resp.Entries, data[:i:i])
		data = data[i+1:]
	}
	return resp, nil
}

// ResetJournal removes the journal file.
func (b *Backend) ResetJournal(ctx context.Context, req backend.ResetJournalRequest) (backend.ResetJournalResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.ResetJournalResponse{}, err
	}
	if err := os.Remove(filepath.Join(dir, journalName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return backend.ResetJournalResponse{}, err
	}
	return backend.ResetJournalResponse{}, b.gone(req.Ref, dir, syncDir(dir))
}
