package filebackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/plinth-iac/plinth/backend"
)

const (
	lockName  = "lock.json"
	guardName = "lock.guard"
	// lockVersion is the lock.json format this build reads and writes.
	lockVersion = 1
)

type lockFile struct {
	Version int              `json:"version"`
	Lock    backend.LockInfo `json:"lock"`
}

func encodeLock(info backend.LockInfo) ([]byte, error) {
	data, err := json.MarshalIndent(lockFile{Version: lockVersion, Lock: info}, "", "  ")
	return append(data, '\n'), err
}

// readLock returns the lock in dir, or nil if there is none.
func readLock(ref backend.Ref, dir string) (*backend.LockInfo, error) {
	data, err := readFile(filepath.Join(dir, lockName))
	if err != nil || data == nil {
		return nil, err
	}
	var version struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &version); err != nil {
		return nil, fmt.Errorf("stack %s: %s is damaged (plinth stack unlock removes it): %v", ref, lockName, err)
	}
	if version.Version != lockVersion {
		return nil, fmt.Errorf("stack %s: %s has version %d; this plinth reads version %d", ref, lockName, version.Version, lockVersion)
	}
	var f lockFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("stack %s: %s is damaged (plinth stack unlock removes it): %v", ref, lockName, err)
	}
	return &f.Lock, nil
}

// live reports whether holder still holds its lock at now: its lease has
// not expired, and it is not a process of this host that has died.
func (b *Backend) live(holder *backend.LockInfo, now time.Time) bool {
	if now.After(holder.Expires) {
		return false
	}
	if b.hostname != "" && holder.Host == b.hostname && holder.PID > 0 {
		// ESRCH: no such process. EPERM means it exists under another
		// user, so it is alive.
		if err := unix.Kill(holder.PID, 0); errors.Is(err, unix.ESRCH) {
			return false
		}
	}
	return true
}

// Lock creates lock.json with link(2); if a holder's lock is there but
// expired or dead, it replaces it under lock.guard.
func (b *Backend) Lock(ctx context.Context, req backend.LockRequest) (backend.LockResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.LockResponse{}, err
	}
	if req.Info.ID == "" {
		return backend.LockResponse{}, fmt.Errorf("stack %s: lock request without an ID", req.Ref)
	}
	if req.Lease <= 0 {
		return backend.LockResponse{}, fmt.Errorf("stack %s: lock request with lease %v", req.Ref, req.Lease)
	}
	now := b.now()
	info := req.Info
	info.Acquired, info.Expires, info.CancelRequested = now, now.Add(req.Lease), false
	data, err := encodeLock(info)
	if err != nil {
		return backend.LockResponse{}, err
	}
	tmp, err := writeTemp(dir, data, time.Time{})
	if err != nil {
		return backend.LockResponse{}, b.gone(req.Ref, dir, err)
	}
	defer os.Remove(tmp)
	path := filepath.Join(dir, lockName)

	// Each round either takes the lock, reports a live holder, or saw the
	// lock vanish between two steps and tries again; the last can only
	// repeat while other callers keep locking and unlocking.
	for {
		if err := ctx.Err(); err != nil {
			return backend.LockResponse{}, err
		}
		err := link(tmp, path)
		if err == nil {
			return backend.LockResponse{Info: info}, b.gone(req.Ref, dir, syncDir(dir))
		}
		if !errors.Is(err, fs.ErrExist) {
			return backend.LockResponse{}, b.gone(req.Ref, dir, err)
		}
		holder, err := readLock(req.Ref, dir)
		if err != nil {
			return backend.LockResponse{}, err
		}
		if holder == nil {
			continue // unlocked meanwhile
		}
		if b.live(holder, now) {
			return backend.LockResponse{}, &backend.LockedError{Ref: req.Ref, Holder: *holder}
		}
		taken, holder, err := b.takeOver(req.Ref, dir, tmp, now)
		if err != nil {
			return backend.LockResponse{}, err
		}
		if taken {
			return backend.LockResponse{Info: info}, nil
		}
		if holder != nil {
			return backend.LockResponse{}, &backend.LockedError{Ref: req.Ref, Holder: *holder}
		}
	}
}

// takeOver replaces an expired or dead holder's lock with tmp, under
// lock.guard, after checking again that it is expired or dead. It returns
// the live holder if there now is one, and neither if the lock is gone.
func (b *Backend) takeOver(ref backend.Ref, dir, tmp string, now time.Time) (taken bool, holder *backend.LockInfo, err error) {
	unlock, err := flock(filepath.Join(dir, guardName))
	if err != nil {
		return false, nil, b.gone(ref, dir, err)
	}
	defer unlock()
	holder, err = readLock(ref, dir)
	if err != nil || holder == nil {
		return false, nil, err
	}
	if b.live(holder, now) {
		return false, holder, nil
	}
	// Every change to lock.json other than creating it holds the guard,
	// and creating fails while it exists, so it is still the lock just
	// read.
	if err := os.Rename(tmp, filepath.Join(dir, lockName)); err != nil {
		return false, nil, b.gone(ref, dir, err)
	}
	return true, nil, b.gone(ref, dir, syncDir(dir))
}

// guarded runs f on the current lock under lock.guard.
func (b *Backend) guarded(ctx context.Context, ref backend.Ref, f func(dir string, holder *backend.LockInfo) error) error {
	dir, err := b.stack(ctx, ref)
	if err != nil {
		return err
	}
	unlock, err := flock(filepath.Join(dir, guardName))
	if err != nil {
		return b.gone(ref, dir, err)
	}
	defer unlock()
	holder, err := readLock(ref, dir)
	if err != nil {
		return err
	}
	return b.gone(ref, dir, f(dir, holder))
}

func lost(ref backend.Ref, id string) error {
	return fmt.Errorf("stack %s lock %s: %w", ref, id, backend.ErrLockLost)
}

// RenewLock moves the lease's end to now + Lease.
func (b *Backend) RenewLock(ctx context.Context, req backend.RenewLockRequest) (backend.RenewLockResponse, error) {
	if req.Lease <= 0 {
		return backend.RenewLockResponse{}, fmt.Errorf("stack %s: renewal with lease %v", req.Ref, req.Lease)
	}
	var resp backend.RenewLockResponse
	err := b.guarded(ctx, req.Ref, func(dir string, holder *backend.LockInfo) error {
		if holder == nil || holder.ID != req.ID {
			return lost(req.Ref, req.ID)
		}
		holder.Expires = b.now().Add(req.Lease)
		data, err := encodeLock(*holder)
		if err != nil {
			return err
		}
		resp.CancelRequested = holder.CancelRequested
		return writeFileAtomic(dir, lockName, data)
	})
	return resp, err
}

// Unlock removes lock.json if it is req.ID's.
func (b *Backend) Unlock(ctx context.Context, req backend.UnlockRequest) (backend.UnlockResponse, error) {
	err := b.guarded(ctx, req.Ref, func(dir string, holder *backend.LockInfo) error {
		if holder == nil || holder.ID != req.ID {
			return lost(req.Ref, req.ID)
		}
		if err := os.Remove(filepath.Join(dir, lockName)); err != nil {
			return err
		}
		return syncDir(dir)
	})
	return backend.UnlockResponse{}, err
}

// ReadLock reads lock.json. It takes no guard: lock.json is only ever
// created whole or replaced by rename.
func (b *Backend) ReadLock(ctx context.Context, req backend.ReadLockRequest) (backend.ReadLockResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.ReadLockResponse{}, err
	}
	holder, err := readLock(req.Ref, dir)
	return backend.ReadLockResponse{Info: holder}, err
}

// BreakLock removes lock.json, whoever holds it. A lock.json this build
// cannot read is removed too, and reported as no holder.
func (b *Backend) BreakLock(ctx context.Context, req backend.BreakLockRequest) (backend.BreakLockResponse, error) {
	dir, err := b.stack(ctx, req.Ref)
	if err != nil {
		return backend.BreakLockResponse{}, err
	}
	unlock, err := flock(filepath.Join(dir, guardName))
	if err != nil {
		return backend.BreakLockResponse{}, b.gone(req.Ref, dir, err)
	}
	defer unlock()
	holder, _ := readLock(req.Ref, dir)
	if err := os.Remove(filepath.Join(dir, lockName)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return backend.BreakLockResponse{}, b.gone(req.Ref, dir, nil)
		}
		return backend.BreakLockResponse{}, err
	}
	return backend.BreakLockResponse{Info: holder}, b.gone(req.Ref, dir, syncDir(dir))
}

// RequestCancel sets CancelRequested in lock.json.
func (b *Backend) RequestCancel(ctx context.Context, req backend.RequestCancelRequest) (backend.RequestCancelResponse, error) {
	err := b.guarded(ctx, req.Ref, func(dir string, holder *backend.LockInfo) error {
		if holder == nil {
			return fmt.Errorf("stack %s is not locked: %w", req.Ref, backend.ErrNotFound)
		}
		holder.CancelRequested = true
		data, err := encodeLock(*holder)
		if err != nil {
			return err
		}
		return writeFileAtomic(dir, lockName, data)
	})
	return backend.RequestCancelResponse{}, err
}
