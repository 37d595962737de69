package backend

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultLease is the lease Hold asks for when the request names none: long
// enough that a few failed renewals (a slow network, a laptop lid closed
// for seconds) do not lose the lock, short enough that a crashed holder on
// another machine frees its stack within half a minute.
const DefaultLease = 30 * time.Second

const (
	// lockRetryInterval is how often Hold retries a held lock while it
	// waits. Each try is one backend round trip.
	lockRetryInterval = 250 * time.Millisecond
	// defaultCancelPoll is how often a Held checks for a cancel request.
	defaultCancelPoll = time.Second
)

// ErrLockWaitTimeout is returned (wrapped, together with the last
// *LockedError) when Hold waited HoldOptions.Wait and the lock stayed held.
var ErrLockWaitTimeout = errors.New("timed out waiting for the lock")

// HoldOptions configures Hold.
type HoldOptions struct {
	// Wait is how long to wait for a lock another operation holds,
	// retrying every 250ms. Zero fails at once with the *LockedError.
	Wait time.Duration
	// CancelPoll is how often to ask the backend whether a cancel was
	// requested (1s when zero). Each poll is one RenewLock call, which also
	// renews the lease, so a short poll costs a backend write per poll.
	CancelPoll time.Duration
	// Hook, when set, is called before each renewal with "lock.renew"
	// (failure injection in tests); an error skips that renewal.
	Hook func(point string) error
}

// Held is a lock Hold took and keeps renewed until Release.
type Held struct {
	b     Backend
	ref   Ref
	info  LockInfo
	lease time.Duration

	cancelled  chan struct{}
	lost       chan struct{}
	stop, done chan struct{}
	hook       func(string) error

	mu      sync.Mutex
	lostErr error

	release    sync.Once
	releaseErr error
}

// Hold takes req's lock and keeps it: a goroutine renews the lease every
// lease/3 (or every opts.CancelPoll if that is shorter) and watches for
// cancel requests until Release.
//
// An empty req.Info.ID gets a random one and a zero req.Lease gets
// DefaultLease; the caller fills in the rest of req.Info (operation, user,
// host, PID), which is what other commands show about the holder.
//
// If another operation holds the lock, Hold returns its *LockedError, or
// with opts.Wait > 0 retries until the lock frees or the wait runs out and
// then returns an error matching both ErrLockWaitTimeout and *LockedError.
// ctx bounds the waiting only: the renewals outlive it, until Release.
func Hold(ctx context.Context, b Backend, req LockRequest, opts HoldOptions) (*Held, error) {
	if req.Lease <= 0 {
		req.Lease = DefaultLease
	}
	if req.Info.ID == "" {
		req.Info.ID = rand.Text()
	}
	poll := opts.CancelPoll
	if poll <= 0 {
		poll = defaultCancelPoll
	}
	var deadline <-chan time.Time
	if opts.Wait > 0 {
		t := time.NewTimer(opts.Wait)
		defer t.Stop()
		deadline = t.C
	}
	for {
		resp, err := b.Lock(ctx, req)
		if err == nil {
			return hold(ctx, b, req, resp.Info, poll, opts.Hook), nil
		}
		var le *LockedError
		if !errors.As(err, &le) {
			return nil, err
		}
		if le.Holder.ID == req.Info.ID {
			// Our own lock: an earlier try succeeded but its reply was
			// lost (a network backend), so this one was refused.
			return hold(ctx, b, req, le.Holder, poll, opts.Hook), nil
		}
		if opts.Wait <= 0 {
			return nil, err
		}
		retry := time.NewTimer(lockRetryInterval)
		select {
		case <-ctx.Done():
			retry.Stop()
			return nil, fmt.Errorf("waiting for the lock of %s: %w", req.Ref, ctx.Err())
		case <-deadline:
			retry.Stop()
			return nil, fmt.Errorf("%w after %v: %w", ErrLockWaitTimeout, opts.Wait, err)
		case <-retry.C:
		}
	}
}

func hold(ctx context.Context, b Backend, req LockRequest, info LockInfo, poll time.Duration, hook func(string) error) *Held {
	h := &Held{
		b:         b,
		ref:       req.Ref,
		info:      info,
		lease:     req.Lease,
		cancelled: make(chan struct{}),
		lost:      make(chan struct{}),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		hook:      hook,
	}
	go h.renew(context.WithoutCancel(ctx), min(req.Lease/3, poll))
	return h
}

// renew renews the lease every interval until stopped or the lock is lost.
// Failed renewals (I/O errors) are retried; if none succeeds for a whole
// lease, someone may have taken the lock over, so it counts as lost.
func (h *Held) renew(ctx context.Context, interval time.Duration) {
	defer close(h.done)
	ticker := time.NewTicker(max(interval, time.Millisecond))
	defer ticker.Stop()
	lastRenewed := time.Now()
	for {
		select {
		case <-h.stop:
			return
		case <-ticker.C:
		}
		if h.hook != nil {
			if err := h.hook("lock.renew"); err != nil {
				continue
			}
		}
		callCtx, cancel := context.WithTimeout(ctx, max(h.lease/2, time.Second))
		resp, err := h.b.RenewLock(callCtx, RenewLockRequest{Ref: h.ref, ID: h.info.ID, Lease: h.lease})
		cancel()
		switch {
		case err == nil:
			lastRenewed = time.Now()
			if resp.CancelRequested {
				select {
				case <-h.cancelled:
				default:
					close(h.cancelled)
				}
			}
		case errors.Is(err, ErrLockLost), errors.Is(err, ErrStackNotFound):
			h.fail(err)
			return
		case time.Since(lastRenewed) >= h.lease:
			h.fail(fmt.Errorf("%w: no renewal succeeded for the %v lease: %w", ErrLockLost, h.lease, err))
			return
		}
	}
}

func (h *Held) fail(err error) {
	h.mu.Lock()
	h.lostErr = fmt.Errorf("lock of %s: %w", h.ref, err)
	h.mu.Unlock()
	close(h.lost)
}

// Info returns the lock as it was granted.
func (h *Held) Info() LockInfo { return h.info }

// Cancelled is closed once a cancel was requested (plinth cancel): the
// holder should stop starting new steps, finish the ones in flight, and
// Release.
func (h *Held) Cancelled() <-chan struct{} { return h.cancelled }

// Lost is closed if the lock stopped being ours: it was broken, taken over
// after the lease expired, or could not be renewed for a whole lease. The
// holder must stop writing state at once; Err says why.
func (h *Held) Lost() <-chan struct{} { return h.lost }

// Err returns why the lock was lost (matching ErrLockLost or
// ErrStackNotFound), or nil while it is held.
func (h *Held) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lostErr
}

// Release stops renewing and unlocks. It is ErrLockLost (wrapped) if the
// lock was no longer ours. Calling it again returns the first result.
func (h *Held) Release(ctx context.Context) error {
	h.release.Do(func() {
		close(h.stop)
		<-h.done
		if _, err := h.b.Unlock(ctx, UnlockRequest{Ref: h.ref, ID: h.info.ID}); err != nil {
			h.releaseErr = fmt.Errorf("releasing the lock of %s: %w", h.ref, err)
		}
	})
	return h.releaseErr
}
