package pgbackend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plinth-iac/plinth/backend"
)

// lockColumns are plinth_locks' columns in the order scanLock reads them.
const lockColumns = `l.id, l.operation, l.username, l.host, l.pid, l.acquired, l.expires, l.cancel_requested`

// scanLock reads a row of lockColumns.
func scanLock(row pgx.Row) (backend.LockInfo, error) {
	var l backend.LockInfo
	err := row.Scan(&l.ID, &l.Operation, &l.User, &l.Host, &l.PID, &l.Acquired, &l.Expires, &l.CancelRequested)
	return l, err
}

// Lock takes the stack's lock with one upsert that succeeds when there is
// no lock row or its lease ended before now.
func (b *Backend) Lock(ctx context.Context, req backend.LockRequest) (backend.LockResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.LockResponse{}, err
	}
	// A holder seen as live can release its lock between our upsert and our
	// look at it; then we try again. Each retry means someone else made
	// progress, so a few suffice.
	for attempt := 0; attempt < 10; attempt++ {
		id, err := b.stackID(ctx, b.pool, req.Ref, "")
		if errors.Is(err, backend.ErrStackNotFound) {
			return backend.LockResponse{}, err
		}
		if err != nil {
			return backend.LockResponse{}, b.fail("locking "+req.Ref.String(), err)
		}
		now := b.clock()
		info := req.Info
		info.Acquired = now
		info.Expires = now.Add(req.Lease).Truncate(time.Microsecond)
		info.CancelRequested = false
		var took bool
		err = b.pool.QueryRow(ctx, `
INSERT INTO plinth_locks AS l (stack_id, id, operation, username, host, pid, acquired, expires, cancel_requested)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, false)
ON CONFLICT (stack_id) DO UPDATE SET
	id = excluded.id, operation = excluded.operation, username = excluded.username,
	host = excluded.host, pid = excluded.pid, acquired = excluded.acquired,
	expires = excluded.expires, cancel_requested = false
WHERE l.expires < $7
RETURNING true`,
			id, info.ID, info.Operation, info.User, info.Host, info.PID, info.Acquired, info.Expires).Scan(&took)
		switch {
		case err == nil:
			return backend.LockResponse{Info: info}, nil
		case isForeignKeyViolation(err):
			return backend.LockResponse{}, stackNotFound(req.Ref)
		case !errors.Is(err, pgx.ErrNoRows):
			return backend.LockResponse{}, b.fail("locking "+req.Ref.String(), err)
		}
		// A live holder kept the row.
		holder, err := scanLock(b.pool.QueryRow(ctx, `SELECT `+lockColumns+` FROM plinth_locks l WHERE l.stack_id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			continue // released meanwhile
		}
		if err != nil {
			return backend.LockResponse{}, b.fail("reading the lock of "+req.Ref.String(), err)
		}
		return backend.LockResponse{}, &backend.LockedError{Ref: req.Ref, Holder: holder}
	}
	return backend.LockResponse{}, fmt.Errorf("pgbackend: locking %s: the lock kept changing hands; try again", req.Ref)
}

// RenewLock moves the lease's end if the lock is still req.ID's.
func (b *Backend) RenewLock(ctx context.Context, req backend.RenewLockRequest) (backend.RenewLockResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.RenewLockResponse{}, err
	}
	var cancel bool
	err := b.pool.QueryRow(ctx, `
UPDATE plinth_locks l SET expires = $4 FROM plinth_stacks s
WHERE s.id = l.stack_id AND s.project = $1 AND s.name = $2 AND l.id = $3
RETURNING l.cancel_requested`,
		req.Ref.Project, req.Ref.Stack, req.ID, b.clock().Add(req.Lease).Truncate(time.Microsecond)).Scan(&cancel)
	if errors.Is(err, pgx.ErrNoRows) {
		return backend.RenewLockResponse{}, b.missing(ctx, req.Ref, lockLost(req.Ref, req.ID))
	}
	if err != nil {
		return backend.RenewLockResponse{}, b.fail("renewing the lock of "+req.Ref.String(), err)
	}
	return backend.RenewLockResponse{CancelRequested: cancel}, nil
}

// Unlock deletes the lock row if it is still req.ID's.
func (b *Backend) Unlock(ctx context.Context, req backend.UnlockRequest) (backend.UnlockResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.UnlockResponse{}, err
	}
	tag, err := b.pool.Exec(ctx, `
DELETE FROM plinth_locks l USING plinth_stacks s
WHERE s.id = l.stack_id AND s.project = $1 AND s.name = $2 AND l.id = $3`,
		req.Ref.Project, req.Ref.Stack, req.ID)
	if err != nil {
		return backend.UnlockResponse{}, b.fail("unlocking "+req.Ref.String(), err)
	}
	if tag.RowsAffected() == 0 {
		return backend.UnlockResponse{}, b.missing(ctx, req.Ref, lockLost(req.Ref, req.ID))
	}
	return backend.UnlockResponse{}, nil
}

// ReadLock returns the lock row, expired or not.
func (b *Backend) ReadLock(ctx context.Context, req backend.ReadLockRequest) (backend.ReadLockResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.ReadLockResponse{}, err
	}
	info, err := scanLock(b.pool.QueryRow(ctx, `
SELECT `+lockColumns+` FROM plinth_locks l JOIN plinth_stacks s ON s.id = l.stack_id
WHERE s.project = $1 AND s.name = $2`, req.Ref.Project, req.Ref.Stack))
	if errors.Is(err, pgx.ErrNoRows) {
		return backend.ReadLockResponse{}, b.missing(ctx, req.Ref, nil)
	}
	if err != nil {
		return backend.ReadLockResponse{}, b.fail("reading the lock of "+req.Ref.String(), err)
	}
	return backend.ReadLockResponse{Info: &info}, nil
}

// BreakLock deletes whatever lock row there is and returns it.
func (b *Backend) BreakLock(ctx context.Context, req backend.BreakLockRequest) (backend.BreakLockResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.BreakLockResponse{}, err
	}
	info, err := scanLock(b.pool.QueryRow(ctx, `
DELETE FROM plinth_locks l USING plinth_stacks s
WHERE s.id = l.stack_id AND s.project = $1 AND s.name = $2
RETURNING `+lockColumns, req.Ref.Project, req.Ref.Stack))
	if errors.Is(err, pgx.ErrNoRows) {
		return backend.BreakLockResponse{}, b.missing(ctx, req.Ref, nil)
	}
	if err != nil {
		return backend.BreakLockResponse{}, b.fail("breaking the lock of "+req.Ref.String(), err)
	}
	return backend.BreakLockResponse{Info: &info}, nil
}

// RequestCancel flags the lock row; ErrNotFound when there is none.
func (b *Backend) RequestCancel(ctx context.Context, req backend.RequestCancelRequest) (backend.RequestCancelResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.RequestCancelResponse{}, err
	}
	tag, err := b.pool.Exec(ctx, `
UPDATE plinth_locks l SET cancel_requested = true FROM plinth_stacks s
WHERE s.id = l.stack_id AND s.project = $1 AND s.name = $2`, req.Ref.Project, req.Ref.Stack)
	if err != nil {
		return backend.RequestCancelResponse{}, b.fail("requesting cancellation on "+req.Ref.String(), err)
	}
	if tag.RowsAffected() == 0 {
		return backend.RequestCancelResponse{}, b.missing(ctx, req.Ref,
			fmt.Errorf("stack %s: no lock is held: %w", req.Ref, backend.ErrNotFound))
	}
	return backend.RequestCancelResponse{}, nil
}

func lockLost(ref backend.Ref, id string) error {
	return fmt.Errorf("stack %s: lock %s: %w", ref, id, backend.ErrLockLost)
}
