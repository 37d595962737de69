package blobbackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/plinth-iac/plinth/backend"
)

// lockFile is lock.json. Lock is nil when the lock was released or broken:
// the object stays, so every change to it is a conditional replace.
type lockFile struct {
	Version int               `json:"version"`
	Lock    *backend.LockInfo `json:"lock,omitempty"`
	// Nonce makes each write's bytes, and so its ETag, unique: S3's ETag
	// is the content's MD5, and If-Match must never mistake a newer write
	// for the one we read.
	Nonce string `json:"nonce"`
}

// maxLockAttempts bounds the read-modify-write rounds of one lock call.
// A round is lost only when another caller changed lock.json, which is
// progress for someone, so contention ends quickly.
const maxLockAttempts = 20

// readLock reads lock.json with the token to replace it conditionally.
func (b *Backend) readLock(ctx context.Context, key string) (lf lockFile, token string, found bool, err error) {
	data, token, found, err := b.readVersioned(ctx, key)
	if err != nil || !found {
		return lockFile{}, "", found, err
	}
	if err := json.Unmarshal(data, &lf); err != nil {
		return lockFile{}, "", false, fmt.Errorf("%s: %w", key, err)
	}
	if err := checkVersion(key, lf.Version); err != nil {
		return lockFile{}, "", false, err
	}
	return lf, token, true, nil
}

// writeLock writes lock.json holding l (nil: released): created if it was
// not found, else replaced only if token is still current. errConflict
// when someone else got there first.
func (b *Backend) writeLock(ctx context.Context, key string, l *backend.LockInfo, found bool, token string) error {
	data, err := json.Marshal(lockFile{Version: fileVersion, Lock: l, Nonce: nonce()})
	if err != nil {
		return err
	}
	if !found {
		return b.create(ctx, key, data)
	}
	return b.writeIfMatch(ctx, key, data, token)
}

// Lock creates lock.json, or replaces a released or expired one, only if
// nobody changed it since it was read.
func (b *Backend) Lock(ctx context.Context, req backend.LockRequest) (backend.LockResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.LockResponse{}, err
	}
	if err := b.requireStack(ctx, req.Ref, dir); err != nil {
		return backend.LockResponse{}, err
	}
	if err := b.checkConditional(ctx); err != nil {
		return backend.LockResponse{}, b.fail("locking "+req.Ref.String(), err)
	}
	key := dir + "lock.json"
	for attempt := 0; attempt < maxLockAttempts; attempt++ {
		lf, token, found, err := b.readLock(ctx, key)
		if err != nil {
			return backend.LockResponse{}, b.fail("locking "+req.Ref.String(), err)
		}
		now := b.now()
		if lf.Lock != nil && !now.After(lf.Lock.Expires) {
			return backend.LockResponse{}, &backend.LockedError{Ref: req.Ref, Holder: *lf.Lock}
		}
		info := req.Info
		info.Acquired, info.Expires, info.CancelRequested = now, now.Add(req.Lease), false
		err = b.writeLock(ctx, key, &info, found, token)
		if errors.Is(err, errConflict) {
			continue
		}
		if err != nil {
			return backend.LockResponse{}, b.fail("locking "+req.Ref.String(), err)
		}
		// Whoever held the lock before may have appended to the journal.
		b.forgetSeq(dir)
		return backend.LockResponse{Info: info}, nil
	}
	return backend.LockResponse{}, fmt.Errorf("blobbackend: locking %s: the lock kept changing; try again", req.Ref)
}

// updateLock is the read-modify-write loop of the calls that change a
// held lock. change gets the current holder (nil if none) and returns the
// new one (nil to release), or an error to stop with, or write=false to
// stop without writing. notFound is returned when lock.json does not exist
// and the stack does.
func (b *Backend) updateLock(ctx context.Context, ref backend.Ref, what string, notFound error,
	change func(l *backend.LockInfo) (next *backend.LockInfo, write bool, err error),
) error {
	dir, err := b.stackDir(ref)
	if err != nil {
		return err
	}
	if err := b.checkConditional(ctx); err != nil {
		return b.fail(what+" "+ref.String(), err)
	}
	key := dir + "lock.json"
	for attempt := 0; attempt < maxLockAttempts; attempt++ {
		lf, token, found, err := b.readLock(ctx, key)
		if err != nil {
			return b.fail(what+" "+ref.String(), err)
		}
		if !found {
			return b.missing(ctx, ref, dir, notFound)
		}
		next, write, err := change(lf.Lock)
		if err != nil || !write {
			return err
		}
		err = b.writeLock(ctx, key, next, true, token)
		if errors.Is(err, errConflict) {
			continue
		}
		if err != nil {
			return b.fail(what+" "+ref.String(), err)
		}
		return nil
	}
	return fmt.Errorf("blobbackend: %s %s: the lock kept changing; try again", what, ref)
}

func lockLost(ref backend.Ref, id string) error {
	return fmt.Errorf("stack %s: lock %s: %w", ref, id, backend.ErrLockLost)
}

// RenewLock moves the lease's end if the lock is still req.ID's.
func (b *Backend) RenewLock(ctx context.Context, req backend.RenewLockRequest) (backend.RenewLockResponse, error) {
	var cancel bool
	err := b.updateLock(ctx, req.Ref, "renewing the lock of", lockLost(req.Ref, req.ID),
		func(l *backend.LockInfo) (*backend.LockInfo, bool, error) {
			if l == nil || l.ID != req.ID {
				return nil, false, lockLost(req.Ref, req.ID)
			}
			next := *l
			next.Expires = b.now().Add(req.Lease)
			cancel = next.CancelRequested
			return &next, true, nil
		})
	return backend.RenewLockResponse{CancelRequested: cancel}, err
}

// Unlock releases the lock if it is still req.ID's.
func (b *Backend) Unlock(ctx context.Context, req backend.UnlockRequest) (backend.UnlockResponse, error) {
	err := b.updateLock(ctx, req.Ref, "unlocking", lockLost(req.Ref, req.ID),
		func(l *backend.LockInfo) (*backend.LockInfo, bool, error) {
			if l == nil || l.ID != req.ID {
				return nil, false, lockLost(req.Ref, req.ID)
			}
			return nil, true, nil
		})
	return backend.UnlockResponse{}, err
}

// BreakLock releases whatever lock is held and returns it.
func (b *Backend) BreakLock(ctx context.Context, req backend.BreakLockRequest) (backend.BreakLockResponse, error) {
	var broken *backend.LockInfo
	err := b.updateLock(ctx, req.Ref, "breaking the lock of", nil,
		func(l *backend.LockInfo) (*backend.LockInfo, bool, error) {
			broken = l
			return nil, l != nil, nil
		})
	if err != nil {
		return backend.BreakLockResponse{}, err
	}
	return backend.BreakLockResponse{Info: broken}, nil
}

// RequestCancel flags the held lock.
func (b *Backend) RequestCancel(ctx context.Context, req backend.RequestCancelRequest) (backend.RequestCancelResponse, error) {
	noLock := fmt.Errorf("stack %s: no lock is held: %w", req.Ref, backend.ErrNotFound)
	err := b.updateLock(ctx, req.Ref, "requesting cancellation on", noLock,
		func(l *backend.LockInfo) (*backend.LockInfo, bool, error) {
			if l == nil {
				return nil, false, noLock
			}
			next := *l
			next.CancelRequested = true
			return &next, true, nil
		})
	return backend.RequestCancelResponse{}, err
}

// ReadLock returns the holder recorded in lock.json, expired or not. It is
// a plain read, so it works on any bucket.
func (b *Backend) ReadLock(ctx context.Context, req backend.ReadLockRequest) (backend.ReadLockResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.ReadLockResponse{}, err
	}
	data, found, err := b.read(ctx, dir+"lock.json")
	if err != nil {
		return backend.ReadLockResponse{}, b.fail("reading the lock of "+req.Ref.String(), err)
	}
	if !found {
		return backend.ReadLockResponse{}, b.missing(ctx, req.Ref, dir, nil)
	}
	var lf lockFile
	if err := json.Unmarshal(data, &lf); err != nil {
		return backend.ReadLockResponse{}, fmt.Errorf("blobbackend: %slock.json: %w", dir, err)
	}
	if err := checkVersion(dir+"lock.json", lf.Version); err != nil {
		return backend.ReadLockResponse{}, fmt.Errorf("blobbackend: %w", err)
	}
	return backend.ReadLockResponse{Info: lf.Lock}, nil
}
