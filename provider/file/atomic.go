package file

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// tempPrefix starts the name of every temporary file the provider writes.
const tempPrefix = ".plinth-tmp-"

// copyChunk is how much of a source is copied between cancellation checks.
const copyChunk = 1 << 20

// written is what writeAtomic wrote.
type written struct {
	sha256 string
	size   int64
}

// writeAtomic replaces the file at abs with content read from r, with mode
// m: temporary file, fsync, rename, fsync of the directory. On any failure
// the temporary file is removed and abs is untouched.
func (p *Provider) writeAtomic(ctx context.Context, abs string, r io.Reader, m fs.FileMode) (written, error) {
	dir := filepath.Dir(abs)
	if err := mkdirAll(dir); err != nil {
		return written{}, err
	}
	tmp := filepath.Join(dir, tempPrefix+randomHex())
	p.track(tmp)
	defer p.untrack(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return written{}, err
	}
	committed := false
	defer func() {
		if !committed {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	h := sha256.New()
	size, err := copyCtx(ctx, io.MultiWriter(f, h), r)
	if err != nil {
		return written{}, err
	}
	if err := f.Chmod(m); err != nil {
		return written{}, err
	}
	if err := f.Sync(); err != nil {
		return written{}, err
	}
	if err := f.Close(); err != nil {
		return written{}, err
	}
	if err := ctx.Err(); err != nil {
		return written{}, err // the last moment to give up without changing anything
	}
	if err := os.Rename(tmp, abs); err != nil {
		return written{}, err
	}
	committed = true
	if err := syncDir(dir); err != nil {
		return written{}, err
	}
	return sum(h, size), nil
}

// copyCtx copies r to w in chunks, stopping when ctx is done.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		c, err := io.CopyN(w, r, copyChunk)
		n += c
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// hashFile returns the SHA-256 and size of the file at abs.
func hashFile(ctx context.Context, abs string) (written, error) {
	f, err := os.Open(abs)
	if err != nil {
		return written{}, err
	}
	defer f.Close()
	h := sha256.New()
	size, err := copyCtx(ctx, h, f)
	if err != nil {
		return written{}, err
	}
	return sum(h, size), nil
}

func hashBytes(data []byte) written {
	s := sha256.Sum256(data)
	return written{sha256: hex.EncodeToString(s[:]), size: int64(len(data))}
}

func sum(h hash.Hash, size int64) written {
	return written{sha256: hex.EncodeToString(h.Sum(nil)), size: size}
}

// mkdirAll is os.MkdirAll that also syncs the parent of every directory it
// creates, so a file written below survives a crash with its directories.
func mkdirAll(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

// syncDir makes a directory's entries durable. Filesystems that cannot sync
// a directory (EINVAL) are left as they are.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

// track records that tmp is being written, before it is created, so that
// cleanTemps never removes a temporary file that is still in use.
func (p *Provider) track(tmp string) {
	p.mu.Lock()
	p.writing[tmp] = struct{}{}
	p.mu.Unlock()
}

func (p *Provider) untrack(tmp string) {
	p.mu.Lock()
	delete(p.writing, tmp)
	p.mu.Unlock()
}

func (p *Provider) inFlight(tmp string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.writing[tmp]
	return ok
}

// isLeftover reports whether e is a temporary file left by an interrupted
// write (and not one being written now).
func (p *Provider) isLeftover(dir string, e fs.DirEntry) bool {
	return strings.HasPrefix(e.Name(), tempPrefix) && e.Type().IsRegular() && !p.inFlight(filepath.Join(dir, e.Name()))
}

// cleanTemps removes leftovers of interrupted writes from dir.
func (p *Provider) cleanTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if p.isLeftover(dir, e) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand crashes the program rather than fail
	return hex.EncodeToString(b[:])
}
