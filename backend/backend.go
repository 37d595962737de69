package backend

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Ref names a stack.
type Ref struct {
	Project string
	Stack   string
}

func (r Ref) String() string { return r.Project + "/" + r.Stack }

// Errors every backend returns (wrapped) for these conditions.
var (
	ErrStackNotFound = errors.New("stack not found")
	ErrStackExists   = errors.New("stack already exists")
	ErrNotFound      = errors.New("not found")
	ErrExists        = errors.New("already exists")
	// ErrLockLost means the lock was taken over or removed while held.
	ErrLockLost = errors.New("lock lost")
)

// LockInfo says who holds a stack's lock.
type LockInfo struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"`
	User      string    `json:"user"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Acquired  time.Time `json:"acquired"`
	Expires   time.Time `json:"expires"`
	// CancelRequested is set by `plinth cancel`; the holder stops starting
	// new steps when it sees it.
	CancelRequested bool `json:"cancelRequested,omitempty"`
}

// String describes the holder for people.
func (l LockInfo) String() string {
	return fmt.Sprintf("%s by %s on %s (pid %d) since %s", l.Operation, l.User, l.Host, l.PID, l.Acquired.Format(time.RFC3339))
}

// LockedError is returned by Lock when another operation holds the lock.
type LockedError struct {
	Ref    Ref
	Holder LockInfo
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("stack %s is locked: %s", e.Ref.Stack, e.Holder)
}

// StackSummary describes a stack in a listing.
type StackSummary struct {
	Ref         Ref
	LastVersion int       // 0 when never updated
	LastUpdate  time.Time // zero when never updated
}

// Backend stores stacks. Every method documents its errors; all others are
// I/O failures.
type Backend interface {
	// URL returns the backend's URL with passwords and secret query values
	// removed, fit to print.
	URL() string
	// ListStacks lists a project's stacks, sorted by name.
	ListStacks(ctx context.Context, req ListStacksRequest) (ListStacksResponse, error)
	// CreateStack creates an empty stack. ErrStackExists if it exists.
	CreateStack(ctx context.Context, req CreateStackRequest) (CreateStackResponse, error)
	// RemoveStack removes a stack and everything stored for it.
	// ErrStackNotFound if it does not exist.
	RemoveStack(ctx context.Context, req RemoveStackRequest) (RemoveStackResponse, error)
	// ReadSnapshot returns the stack's current snapshot; Data is nil when
	// none was written. ErrStackNotFound if the stack does not exist.
	ReadSnapshot(ctx context.Context, req ReadSnapshotRequest) (ReadSnapshotResponse, error)
	// WriteSnapshot atomically replaces the snapshot.
	WriteSnapshot(ctx context.Context, req WriteSnapshotRequest) (WriteSnapshotResponse, error)
	// AppendJournal appends entries (each one record, no newlines inside)
	// and returns when they are durable.
	AppendJournal(ctx context.Context, req AppendJournalRequest) (AppendJournalResponse, error)
	// ReadJournal returns every entry appended since the last reset, in order.
	ReadJournal(ctx context.Context, req ReadJournalRequest) (ReadJournalResponse, error)
	// ResetJournal empties the journal.
	ResetJournal(ctx context.Context, req ResetJournalRequest) (ResetJournalResponse, error)
	// WriteCheckpoint records version N's snapshot and history record.
	// ErrExists if version N was recorded before.
	WriteCheckpoint(ctx context.Context, req WriteCheckpointRequest) (WriteCheckpointResponse, error)
	// ReadCheckpoint returns version N's snapshot. ErrNotFound if none.
	ReadCheckpoint(ctx context.Context, req ReadCheckpointRequest) (ReadCheckpointResponse, error)
	// ReplaceCheckpoint atomically replaces the snapshot of version N,
	// which must exist (ErrNotFound if it does not; nothing is created).
	// A reader, and the checkpoint after a crash, has the old bytes or the
	// new, never a mix; the history record is left as it was. Checkpoints
	// are otherwise written once: this exists only so that key rotation
	// (plinth stack access revoke, change-secrets-provider) can re-encrypt
	// the secrets of earlier versions, and it is called only while holding
	// the stack's lock, so backends need not guard it against concurrent
	// writers of the same version.
	ReplaceCheckpoint(ctx context.Context, req ReplaceCheckpointRequest) (ReplaceCheckpointResponse, error)
	// UpdateHistory replaces version N's history record (deploy records
	// verification after the fact). ErrNotFound if version N does not exist.
	UpdateHistory(ctx context.Context, req UpdateHistoryRequest) (UpdateHistoryResponse, error)
	// ListHistory returns every version's history record, oldest first.
	ListHistory(ctx context.Context, req ListHistoryRequest) (ListHistoryResponse, error)
	// ReadTags / WriteTags read and replace the stack's tags.
	ReadTags(ctx context.Context, req ReadTagsRequest) (ReadTagsResponse, error)
	WriteTags(ctx context.Context, req WriteTagsRequest) (WriteTagsResponse, error)
	// Lock takes the stack's lock for the lease duration. *LockedError if
	// another live holder has it. A holder whose lease expired is replaced
	// atomically. ErrStackNotFound if the stack does not exist.
	Lock(ctx context.Context, req LockRequest) (LockResponse, error)
	// RenewLock extends the lease of a held lock and reports whether a
	// cancel was requested. ErrLockLost if the lock is no longer ours.
	RenewLock(ctx context.Context, req RenewLockRequest) (RenewLockResponse, error)
	// Unlock releases a held lock; releasing a lock that is not ours (any
	// more) is ErrLockLost and changes nothing.
	Unlock(ctx context.Context, req UnlockRequest) (UnlockResponse, error)
	// ReadLock returns the current holder, or nil.
	ReadLock(ctx context.Context, req ReadLockRequest) (ReadLockResponse, error)
	// BreakLock removes whatever lock is held and returns it (nil if none).
	BreakLock(ctx context.Context, req BreakLockRequest) (BreakLockResponse, error)
	// RequestCancel marks the held lock as cancel-requested. ErrNotFound
	// if no lock is held.
	RequestCancel(ctx context.Context, req RequestCancelRequest) (RequestCancelResponse, error)
	// Close releases the backend's resources (connections).
	Close() error
}

type (
	ListStacksRequest  struct{ Project string }
	ListStacksResponse struct{ Stacks []StackSummary }

	CreateStackRequest  struct{ Ref Ref }
	CreateStackResponse struct{}

	RemoveStackRequest  struct{ Ref Ref }
	RemoveStackResponse struct{}

	ReadSnapshotRequest  struct{ Ref Ref }
	ReadSnapshotResponse struct{ Data []byte }

	WriteSnapshotRequest struct {
		Ref  Ref
		Data []byte
	}
	WriteSnapshotResponse struct{}

	AppendJournalRequest struct {
		Ref     Ref
		Entries [][]byte
	}
	AppendJournalResponse struct{}

	ReadJournalRequest  struct{ Ref Ref }
	ReadJournalResponse struct{ Entries [][]byte }

	ResetJournalRequest  struct{ Ref Ref }
	ResetJournalResponse struct{}

	WriteCheckpointRequest struct {
		Ref     Ref
		Version int
		Data    []byte // the snapshot
		History []byte // the history record
	}
	WriteCheckpointResponse struct{}

	ReadCheckpointRequest struct {
		Ref     Ref
		Version int
	}
	ReadCheckpointResponse struct{ Data []byte }

	ReplaceCheckpointRequest struct {
		Ref     Ref
		Version int
		Data    []byte // the new snapshot bytes
	}
	ReplaceCheckpointResponse struct{}

	UpdateHistoryRequest struct {
		Ref     Ref
		Version int
		History []byte
	}
	UpdateHistoryResponse struct{}

	ListHistoryRequest  struct{ Ref Ref }
	ListHistoryResponse struct{ Records [][]byte }

	ReadTagsRequest  struct{ Ref Ref }
	ReadTagsResponse struct{ Tags map[string]string }

	WriteTagsRequest struct {
		Ref  Ref
		Tags map[string]string
	}
	WriteTagsResponse struct{}

	LockRequest struct {
		Ref   Ref
		Info  LockInfo // ID, Operation, User, Host, PID; Acquired and Expires are set by the backend
		Lease time.Duration
	}
	LockResponse struct{ Info LockInfo }

	RenewLockRequest struct {
		Ref   Ref
		ID    string
		Lease time.Duration
	}
	RenewLockResponse struct{ CancelRequested bool }

	UnlockRequest struct {
		Ref Ref
		ID  string
	}
	UnlockResponse struct{}

	ReadLockRequest  struct{ Ref Ref }
	ReadLockResponse struct{ Info *LockInfo }

	BreakLockRequest  struct{ Ref Ref }
	BreakLockResponse struct{ Info *LockInfo }

	RequestCancelRequest  struct{ Ref Ref }
	RequestCancelResponse struct{}
)
