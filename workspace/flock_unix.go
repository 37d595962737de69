//go:build unix

package workspace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// lockPoll is how often LockFile retries a held lock.
const lockPoll = 20 * time.Millisecond

// LockFile takes an exclusive flock(2) on lockPath, creating the file (and
// its directory, mode 0700) if needed, and returns the function that
// releases it. While the lock is held by another process, or by another
// LockFile call in this one, it retries every 20ms until ctx is done, then
// returns ctx's error.
//
// The lock is advisory and per user: it serialises Plinth's own
// read-modify-write cycles of a stack file. It is released if the process
// dies. The lock file is left in place: removing it would let two
// processes lock two different files of the same name.
func LockFile(ctx context.Context, lockPath string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(lockPath), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", lockPath, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the lock on %s: %w", lockPath, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
			f.Close()
		})
	}, nil
}
