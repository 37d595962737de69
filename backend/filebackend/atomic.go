package filebackend

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

const (
	filePerm = 0o600
	dirPerm  = 0o700
	// tempPattern names temporary files; no stored file starts with ".tmp-"
	// and listings skip anything that is not a stored name.
	tempPattern = ".tmp-*"
)

// writeTemp writes data to a new fsynced temporary file in dir and returns
// its path. If mtime is not zero the file gets it as its modification time.
func writeTemp(dir string, data []byte, mtime time.Time) (string, error) {
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return "", err
	}
	name := f.Name()
	err = func() error {
		if _, err := f.Write(data); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		return nil
	}()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !mtime.IsZero() {
		err = os.Chtimes(name, mtime, mtime)
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// writeFileAtomic replaces dir/name with data: a reader, and the file after
// a crash, has the old bytes or the new.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp, err := writeTemp(dir, data, time.Time{})
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// createFileExclusive creates dir/name with data, complete or not at all.
// If dir/name exists it returns an error matching fs.ErrExist and leaves it
// alone.
func createFileExclusive(dir, name string, data []byte, mtime time.Time) error {
	tmp, err := writeTemp(dir, data, mtime)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := link(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// link is os.Link with a clearer error on filesystems without hard links.
func link(oldname, newname string) error {
	err := os.Link(oldname, newname)
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EOPNOTSUPP) {
		return fmt.Errorf("%w (the file backend needs a filesystem with hard links)", err)
	}
	return err
}

// syncDir makes renames, links and removals in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// mkdir creates dir unless it exists. Unlike os.MkdirAll it never creates
// parents, so it cannot bring back a stack directory removed meanwhile.
func mkdir(dir string) error {
	err := os.Mkdir(dir, dirPerm)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	return err
}

// readFile is os.ReadFile that reports a missing file as nil, nil.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// flock holds an exclusive flock(2) on path (created if need be) until the
// returned function is called.
func flock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("flock %s: %w", path, err)
	}
	// Closing the file releases the lock.
	return func() { f.Close() }, nil
}
