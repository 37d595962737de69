package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/state"
)

// KindRotateKey is the history kind of the version a key rotation records.
const KindRotateKey = "rotate-key"

// CheckVersions decrypts every recorded version with dec and returns the
// first error, naming the version, the resource and the property. A key
// rotation calls it before it writes anything, so that a version it could
// not re-encrypt stops it while the stack is still wholly under the old
// key.
func (sess *Session) CheckVersions(ctx context.Context, dec resource.Decrypter) error {
	return sess.eachVersion(ctx, func(v int, data []byte) error {
		if _, err := state.Decode(data, dec); err != nil {
			return fmt.Errorf("stack %s version %d: %w", sess.stack.Ref.Stack, v, err)
		}
		return nil
	})
}

// Reencrypt rewrites, in place, every recorded version whose secrets to
// cannot decrypt: each is decrypted with from (which must read both the
// old key's values and to's) and replaced under to with
// backend.ReplaceCheckpoint. A version whose secrets to already reads, or
// that holds none, is left alone, so a rotation that was interrupted is
// finished by calling Reencrypt again. It reaches the hook
// "rotation.checkpoint" after each version it replaces, and returns how
// many it replaced.
//
// The current snapshot is not touched: when it points at a version, that
// version is re-encrypted here; the caller then records a new version under
// to (see Edit), which replaces the snapshot.
func (sess *Session) Reencrypt(ctx context.Context, from resource.Decrypter, to Crypter) (int, error) {
	s := sess.stack
	n := 0
	err := sess.eachVersion(ctx, func(v int, data []byte) error {
		if _, err := state.Decode(data, to); err == nil {
			return nil
		}
		snap, err := state.Decode(data, from)
		if err != nil {
			return fmt.Errorf("stack %s version %d: %w", s.Ref.Stack, v, err)
		}
		data, err = state.Encode(snap, to)
		if err != nil {
			return fmt.Errorf("stack %s version %d: %w", s.Ref.Stack, v, err)
		}
		if _, err := s.Backend.ReplaceCheckpoint(ctx, backend.ReplaceCheckpointRequest{Ref: s.Ref, Version: v, Data: data}); err != nil {
			return fmt.Errorf("re-encrypting version %d: %w", v, err)
		}
		n++
		return s.hook("rotation.checkpoint")
	})
	return n, err
}

// eachVersion calls fn with every recorded version's checkpoint, oldest
// first, while the lock is held. Versions are found through the history
// and, beyond the last one, by reading on until a version is missing: some
// backends keep a checkpoint whose history record a crash never wrote, and
// it is readable too. A history record that does not decode does not hide
// its version.
func (sess *Session) eachVersion(ctx context.Context, fn func(v int, data []byte) error) error {
	s := sess.stack
	r, err := s.Backend.ListHistory(ctx, backend.ListHistoryRequest{Ref: s.Ref})
	if err != nil {
		return err
	}
	last := len(r.Records)
	for _, rec := range r.Records {
		if h, err := state.DecodeUpdate(rec); err == nil {
			last = max(last, h.Version)
		}
	}
	for v := 1; ; v++ {
		select {
		case <-sess.held.Lost():
			return fmt.Errorf("stack %s: %w", s.Ref.Stack, sess.held.Err())
		default:
		}
		c, err := s.Backend.ReadCheckpoint(ctx, backend.ReadCheckpointRequest{Ref: s.Ref, Version: v})
		if errors.Is(err, backend.ErrNotFound) {
			if v > last {
				return nil
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("reading version %d: %w", v, err)
		}
		if err := fn(v, c.Data); err != nil {
			return err
		}
	}
}
