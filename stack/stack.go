package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/state"
)

// Crypter encrypts and decrypts secret values under the stack's data key.
type Crypter interface {
	resource.Encrypter
	resource.Decrypter
}

// Stack is one stack in a backend.
type Stack struct {
	Ref     backend.Ref
	Backend backend.Backend
	// Crypter is the stack's data key; nil when it could not be opened
	// (commands that need secrets fail, others still work).
	Crypter Crypter
	// Rekey, when set, is called by Open once the lock is held and before
	// state is read; what it returns replaces Crypter. The key may have
	// been rotated while Open waited for the lock, and state must not be
	// written under a key that was rotated away.
	Rekey func(ctx context.Context) (Crypter, error)
	// Providers serve the stack's resources.
	Providers *provider.Registry
	Now       func() time.Time
	// Who is recorded in the lock.
	User, Host string
	PID        int
	// LockWait waits for a held lock instead of failing.
	LockWait time.Duration
	// Lease is the lock lease (backend.DefaultLease when zero).
	Lease time.Duration
	// Hooks are called at named points (failure injection in tests).
	Hook func(point string) error
}

func (s *Stack) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Stack) hook(point string) error {
	if s.Hook == nil {
		return nil
	}
	return s.Hook(point)
}

// NewLineage returns a random lineage ID.
func NewLineage() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// Create creates the stack in its backend with an empty snapshot whose
// lineage is fixed from now on.
func (s *Stack) Create(ctx context.Context) error {
	if _, err := s.Backend.CreateStack(ctx, backend.CreateStackRequest{Ref: s.Ref}); err != nil {
		return err
	}
	snap := &state.Snapshot{Lineage: NewLineage(), Project: s.Ref.Project, Stack: s.Ref.Stack}
	data, err := state.Encode(snap, s.Crypter)
	if err != nil {
		return err
	}
	_, err = s.Backend.WriteSnapshot(ctx, backend.WriteSnapshotRequest{Ref: s.Ref, Data: data})
	return err
}

// pointer is what the current snapshot holds once a version is recorded:
// the checkpoint it equals, so each version's state is written once.
type pointer struct {
	Version    int    `json:"version"`
	Lineage    string `json:"lineage"`
	Serial     int64  `json:"serial"`
	Checkpoint int    `json:"checkpoint"`
}

// readSnapshot reads the current snapshot (following a pointer to its
// checkpoint). dec may be nil: secrets then stay encrypted.
func (s *Stack) readSnapshot(ctx context.Context, dec resource.Decrypter) (*state.Snapshot, error) {
	r, err := s.Backend.ReadSnapshot(ctx, backend.ReadSnapshotRequest{Ref: s.Ref})
	if err != nil {
		return nil, err
	}
	if r.Data == nil {
		return &state.Snapshot{Lineage: NewLineage(), Project: s.Ref.Project, Stack: s.Ref.Stack}, nil
	}
	var p pointer
	if json.Unmarshal(r.Data, &p) == nil && p.Checkpoint > 0 {
		if p.Version != state.SnapshotVersion {
			return nil, s.stateErr(fmt.Errorf("state format version %d is not supported by this plinth (it reads version %d); upgrade plinth", p.Version, state.SnapshotVersion))
		}
		c, err := s.Backend.ReadCheckpoint(ctx, backend.ReadCheckpointRequest{Ref: s.Ref, Version: p.Checkpoint})
		if err != nil {
			return nil, fmt.Errorf("reading version %d, the current state: %w", p.Checkpoint, err)
		}
		snap, err := state.Decode(c.Data, dec)
		if err != nil {
			return nil, s.stateErr(fmt.Errorf("version %d, the current state: %w", p.Checkpoint, err))
		}
		if snap.Lineage != p.Lineage {
			return nil, fmt.Errorf("state is damaged: the current snapshot names lineage %s but checkpoint %d has %s", p.Lineage, p.Checkpoint, snap.Lineage)
		}
		return snap, nil
	}
	snap, err := state.Decode(r.Data, dec)
	if err != nil {
		return nil, s.stateErr(err)
	}
	return snap, nil
}

// stateErr names the stack in a state error; the cause stays in the
// chain (errors.Is finds secrets.ErrTampered and friends).
func (s *Stack) stateErr(err error) error {
	return fmt.Errorf("stack %s: %w", s.Ref.Stack, err)
}

// Snapshot returns the stack's state as recorded, including a journal left
// by an interrupted operation (folded in, not written back) — what the next
// operation will start from. It takes no lock.
func (s *Stack) Snapshot(ctx context.Context, dec resource.Decrypter) (*state.Snapshot, error) {
	snap, err := s.readSnapshot(ctx, dec)
	if err != nil {
		return nil, err
	}
	entries, err := s.readJournal(ctx, dec)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return snap, nil
	}
	return state.Replay(snap, entries)
}

func (s *Stack) readJournal(ctx context.Context, dec resource.Decrypter) ([]*state.Entry, error) {
	j, err := s.Backend.ReadJournal(ctx, backend.ReadJournalRequest{Ref: s.Ref})
	if err != nil {
		return nil, err
	}
	entries, _, err := state.DecodeJournal(j.Entries, dec)
	if err != nil {
		return nil, s.stateErr(err)
	}
	return entries, nil
}

// History returns the stack's history records, oldest first.
func (s *Stack) History(ctx context.Context) ([]*state.Update, error) {
	r, err := s.Backend.ListHistory(ctx, backend.ListHistoryRequest{Ref: s.Ref})
	if err != nil {
		return nil, err
	}
	out := make([]*state.Update, 0, len(r.Records))
	for i, rec := range r.Records {
		u, err := state.DecodeUpdate(rec)
		if err != nil {
			return nil, s.stateErr(fmt.Errorf("%w (record %d of %d)", err, i+1, len(r.Records)))
		}
		out = append(out, u)
	}
	return out, nil
}

// Checkpoint returns version v's snapshot.
func (s *Stack) Checkpoint(ctx context.Context, v int, dec resource.Decrypter) (*state.Snapshot, error) {
	c, err := s.Backend.ReadCheckpoint(ctx, backend.ReadCheckpointRequest{Ref: s.Ref, Version: v})
	if err != nil {
		if errors.Is(err, backend.ErrNotFound) {
			return nil, fmt.Errorf("stack %s has no version %d", s.Ref.Stack, v)
		}
		return nil, err
	}
	snap, err := state.Decode(c.Data, dec)
	if err != nil {
		return nil, s.stateErr(err)
	}
	return snap, nil
}

// lock takes the stack's lock for an operation.
func (s *Stack) lock(ctx context.Context, op string) (*backend.Held, error) {
	id := NewLineage()
	user, host, pid := s.User, s.Host, s.PID
	if host == "" {
		host, _ = os.Hostname()
	}
	if pid == 0 {
		pid = os.Getpid()
	}
	return backend.Hold(ctx, s.Backend, backend.LockRequest{
		Ref:   s.Ref,
		Info:  backend.LockInfo{ID: id, Operation: op, User: user, Host: host, PID: pid},
		Lease: s.Lease,
	}, backend.HoldOptions{Wait: s.LockWait, Hook: s.Hook})
}

// record writes snap as a new version with history record u, then makes
// it current and resets the journal.
func (s *Stack) record(ctx context.Context, snap *state.Snapshot, u *state.Update) error {
	// The next version is one past the snapshot's. Reading every history
	// record to find the highest would cost a read per version on every
	// up; instead a version that exists already (recorded by a process that
	// died before moving the current-state pointer) is skipped below, since
	// checkpoints are create-only.
	v := snap.Version + 1
	snap.Serial++
	for {
		snap.Version = v
		u.Version = v
		data, err := state.Encode(snap, s.Crypter)
		if err != nil {
			return err
		}
		hdata, err := state.EncodeUpdate(u)
		if err != nil {
			return err
		}
		if err := s.hook("checkpoint.write"); err != nil {
			return err
		}
		_, err = s.Backend.WriteCheckpoint(ctx, backend.WriteCheckpointRequest{Ref: s.Ref, Version: v, Data: data, History: hdata})
		if errors.Is(err, backend.ErrExists) {
			v++ // recorded by a process that died before moving the pointer
			continue
		}
		if err != nil {
			return fmt.Errorf("recording version %d: %w", v, err)
		}
		break
	}
	p, _ := json.Marshal(pointer{Version: state.SnapshotVersion, Lineage: snap.Lineage, Serial: snap.Serial, Checkpoint: v})
	if err := s.hook("snapshot.write"); err != nil {
		return err
	}
	if _, err := s.Backend.WriteSnapshot(ctx, backend.WriteSnapshotRequest{Ref: s.Ref, Data: p}); err != nil {
		return fmt.Errorf("recording version %d as current: %w", v, err)
	}
	if err := s.hook("journal.reset"); err != nil {
		return err
	}
	if _, err := s.Backend.ResetJournal(ctx, backend.ResetJournalRequest{Ref: s.Ref}); err != nil {
		return fmt.Errorf("clearing the journal after version %d: %w", v, err)
	}
	return nil
}

// journal returns a group-committing journal that encrypts entries and
// appends them to the backend, and the list of every entry it wrote.
func (s *Stack) journal(ctx context.Context, next int64) (*engine.JournalWriter, *[]*state.Entry) {
	var written []*state.Entry
	w := engine.NewJournalWriter(next, func(batch []*state.Entry) error {
		raw := make([][]byte, len(batch))
		for i, e := range batch {
			b, err := state.EncodeEntry(e, s.Crypter)
			if err != nil {
				return err
			}
			raw[i] = b
		}
		if err := s.hook("journal.append"); err != nil {
			return err
		}
		if _, err := s.Backend.AppendJournal(ctx, backend.AppendJournalRequest{Ref: s.Ref, Entries: raw}); err != nil {
			return err
		}
		written = append(written, batch...)
		return s.hook("journal.appended")
	})
	return w, &written
}
