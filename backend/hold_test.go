package backend_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/backend/backendtest"
	"github.com/plinth-iac/plinth/backend/filebackend"
)

// These tests use real timers only to bound waiting: each waits for an
// event (a channel closing, a call being made) and fails only if it does
// not happen within bound, which is far longer than it ever takes.
const bound = 30 * time.Second

var ref = backend.Ref{Project: "p", Stack: "s"}

// spy wraps a backend, reporting each Lock and RenewLock call and
// optionally failing renewals.
type spy struct {
	backend.Backend
	locks  chan backend.LockRequest
	renews chan backend.RenewLockRequest

	mu        sync.Mutex
	renewFail error
}

func (s *spy) Lock(ctx context.Context, req backend.LockRequest) (backend.LockResponse, error) {
	resp, err := s.Backend.Lock(ctx, req)
	select {
	case s.locks <- req:
	default:
	}
	return resp, err
}

func (s *spy) RenewLock(ctx context.Context, req backend.RenewLockRequest) (backend.RenewLockResponse, error) {
	s.mu.Lock()
	fail := s.renewFail
	s.mu.Unlock()
	var resp backend.RenewLockResponse
	err := fail
	if err == nil {
		resp, err = s.Backend.RenewLock(ctx, req)
	}
	select {
	case s.renews <- req:
	default:
	}
	return resp, err
}

func newSpy(t *testing.T, clock *backendtest.Clock) *spy {
	t.Helper()
	b, err := filebackend.New(t.TempDir(), filebackend.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateStack(t.Context(), backend.CreateStackRequest{Ref: ref}); err != nil {
		t.Fatal(err)
	}
	return &spy{Backend: b, locks: make(chan backend.LockRequest, 100), renews: make(chan backend.RenewLockRequest, 100)}
}

func mustHold(t *testing.T, b backend.Backend, req backend.LockRequest, opts backend.HoldOptions) *backend.Held {
	t.Helper()
	h, err := backend.Hold(t.Context(), b, req, opts)
	if err != nil {
		t.Fatalf("Hold: %v", err)
	}
	t.Cleanup(func() { h.Release(context.Background()) })
	return h
}

func waitFor[T any](t *testing.T, what string, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(bound):
		t.Fatalf("%s did not happen within %v", what, bound)
		panic("unreachable")
	}
}

func readLock(t *testing.T, b backend.Backend) *backend.LockInfo {
	t.Helper()
	resp, err := b.ReadLock(t.Context(), backend.ReadLockRequest{Ref: ref})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Info
}

func otherHolder(t *testing.T, b backend.Backend) {
	t.Helper()
	req := backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "other", Operation: "update", Host: "elsewhere.invalid"}, Lease: time.Hour}
	if _, err := b.Lock(t.Context(), req); err != nil {
		t.Fatal(err)
	}
}

func TestHoldAndRelease(t *testing.T) {
	clock := backendtest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	b := newSpy(t, clock)
	h := mustHold(t, b, backend.LockRequest{Ref: ref, Info: backend.LockInfo{Operation: "up"}}, backend.HoldOptions{})

	info := h.Info()
	if info.ID == "" || info.Operation != "up" {
		t.Errorf("Info() = %+v, want a generated ID and operation up", info)
	}
	if got := info.Expires.Sub(info.Acquired); got != backend.DefaultLease {
		t.Errorf("lease = %v, want DefaultLease %v", got, backend.DefaultLease)
	}
	if l := readLock(t, b); l == nil || l.ID != info.ID {
		t.Errorf("ReadLock = %v, want %s", l, info.ID)
	}
	select {
	case <-h.Cancelled():
		t.Error("Cancelled() closed without a cancel request")
	case <-h.Lost():
		t.Error("Lost() closed while held")
	default:
	}
	if err := h.Release(t.Context()); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if l := readLock(t, b); l != nil {
		t.Errorf("ReadLock after Release = %v, want none", l)
	}
	if err := h.Release(t.Context()); err != nil {
		t.Errorf("second Release: %v", err)
	}
	if h.Err() != nil {
		t.Errorf("Err() after Release = %v, want nil", h.Err())
	}
}

func TestHoldRenews(t *testing.T) {
	clock := backendtest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	b := newSpy(t, clock)
	const lease = 300 * time.Millisecond
	h := mustHold(t, b, backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "me"}, Lease: lease}, backend.HoldOptions{CancelPoll: time.Hour})
	// Each renewal asks for the same lease, and moves its end on the
	// backend's clock.
	for i := range 3 {
		clock.Advance(time.Minute)
		req := waitFor(t, "a renewal", b.renews)
		if req.ID != "me" || req.Lease != lease {
			t.Errorf("renewal %d = %+v, want ID me and lease %v", i, req, lease)
		}
	}
	// A renewal that started after the clock last moved sets the lease's
	// end to now + lease; renewals already under way may report first.
	deadline := time.After(bound)
	for {
		l := readLock(t, b)
		if l != nil && l.Expires.Equal(clock.Now().Add(lease)) {
			break
		}
		select {
		case <-b.renews:
		case <-deadline:
			t.Fatalf("lock after renewals = %+v, want it to expire at %v", l, clock.Now().Add(lease))
		}
	}
	if err := h.Release(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestHoldLockedElsewhere(t *testing.T) {
	b := newSpy(t, backendtest.NewClock(time.Now()))
	otherHolder(t, b)
	_, err := backend.Hold(t.Context(), b, backend.LockRequest{Ref: ref}, backend.HoldOptions{})
	var le *backend.LockedError
	if !errors.As(err, &le) || le.Holder.ID != "other" {
		t.Errorf("Hold of a held lock: got %v, want *LockedError naming other", err)
	}
	if errors.Is(err, backend.ErrLockWaitTimeout) {
		t.Errorf("Hold without Wait: got %v, which should not be a wait timeout", err)
	}
}

func TestHoldWaitTimesOut(t *testing.T) {
	b := newSpy(t, backendtest.NewClock(time.Now()))
	otherHolder(t, b)
	_, err := backend.Hold(t.Context(), b, backend.LockRequest{Ref: ref}, backend.HoldOptions{Wait: 300 * time.Millisecond})
	var le *backend.LockedError
	if !errors.Is(err, backend.ErrLockWaitTimeout) || !errors.As(err, &le) || le.Holder.ID != "other" {
		t.Errorf("Hold with a wait on a lock that stays held: got %v, want ErrLockWaitTimeout and *LockedError naming other", err)
	}
}

func TestHoldWaitsForRelease(t *testing.T) {
	b := newSpy(t, backendtest.NewClock(time.Now()))
	otherHolder(t, b)
	type result struct {
		h   *backend.Held
		err error
	}
	done := make(chan result, 1)
	go func() {
		h, err := backend.Hold(t.Context(), b, backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "waiter"}}, backend.HoldOptions{Wait: time.Hour})
		done <- result{h, err}
	}()
	// Let it be refused twice, so it is really waiting, then free the lock.
	waitFor(t, "a first Lock attempt", b.locks)
	waitFor(t, "a retried Lock attempt", b.locks)
	if _, err := b.Unlock(t.Context(), backend.UnlockRequest{Ref: ref, ID: "other"}); err != nil {
		t.Fatal(err)
	}
	r := waitFor(t, "Hold returning", done)
	if r.err != nil {
		t.Fatalf("Hold after the lock was freed: %v", r.err)
	}
	defer r.h.Release(context.Background())
	if l := readLock(t, b); l == nil || l.ID != "waiter" {
		t.Errorf("ReadLock = %v, want waiter", l)
	}
}

func TestHoldWaitContextCancelled(t *testing.T) {
	b := newSpy(t, backendtest.NewClock(time.Now()))
	otherHolder(t, b)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := backend.Hold(ctx, b, backend.LockRequest{Ref: ref}, backend.HoldOptions{Wait: time.Hour})
		done <- err
	}()
	waitFor(t, "a first Lock attempt", b.locks)
	cancel()
	if err := waitFor(t, "Hold returning", done); !errors.Is(err, context.Canceled) {
		t.Errorf("Hold whose context was cancelled while waiting: got %v, want context.Canceled", err)
	}
}

func TestHoldCancelRequested(t *testing.T) {
	b := newSpy(t, backendtest.NewClock(time.Now()))
	h := mustHold(t, b, backend.LockRequest{Ref: ref, Lease: time.Hour}, backend.HoldOptions{CancelPoll: 10 * time.Millisecond})
	if _, err := b.RequestCancel(t.Context(), backend.RequestCancelRequest{Ref: ref}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Cancelled() closing", h.Cancelled())
	// A cancel request is not a loss: the holder finishes and releases.
	select {
	case <-h.Lost():
		t.Errorf("Lost() closed after a cancel request: %v", h.Err())
	default:
	}
	if err := h.Release(t.Context()); err != nil {
		t.Errorf("Release after a cancel request: %v", err)
	}
}

func TestHoldLostWhenBroken(t *testing.T) {
	b := newSpy(t, backendtest.NewClock(time.Now()))
	h := mustHold(t, b, backend.LockRequest{Ref: ref, Lease: time.Hour}, backend.HoldOptions{CancelPoll: 10 * time.Millisecond})
	if _, err := b.BreakLock(t.Context(), backend.BreakLockRequest{Ref: ref}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Lost() closing", h.Lost())
	if !errors.Is(h.Err(), backend.ErrLockLost) {
		t.Errorf("Err() = %v, want ErrLockLost", h.Err())
	}
	// Someone else locks meanwhile; releasing must not remove their lock.
	otherHolder(t, b)
	if err := h.Release(t.Context()); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("Release of a lost lock: got %v, want ErrLockLost", err)
	}
	if l := readLock(t, b); l == nil || l.ID != "other" {
		t.Errorf("ReadLock after releasing a lost lock = %v, want other", l)
	}
}

// TestHoldLostWhenRenewalsFail: renewals that fail for a whole lease (the
// backend unreachable) mean the lock may have been taken over.
func TestHoldLostWhenRenewalsFail(t *testing.T) {
	b := newSpy(t, backendtest.NewClock(time.Now()))
	h := mustHold(t, b, backend.LockRequest{Ref: ref, Lease: 150 * time.Millisecond}, backend.HoldOptions{})
	b.mu.Lock()
	b.renewFail = errors.New("network unreachable")
	b.mu.Unlock()
	waitFor(t, "Lost() closing", h.Lost())
	if !errors.Is(h.Err(), backend.ErrLockLost) {
		t.Errorf("Err() = %v, want ErrLockLost", h.Err())
	}
	select {
	case <-h.Cancelled():
		t.Error("Cancelled() closed without a cancel request")
	default:
	}
}

// TestHoldOwnLock: a refusal that names our own ID means an earlier Lock
// got through, so Hold has the lock.
func TestHoldOwnLock(t *testing.T) {
	b := newSpy(t, backendtest.NewClock(time.Now()))
	req := backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "mine"}, Lease: time.Hour}
	if _, err := b.Lock(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	h := mustHold(t, b, req, backend.HoldOptions{})
	if h.Info().ID != "mine" {
		t.Errorf("Info().ID = %q, want mine", h.Info().ID)
	}
	if err := h.Release(t.Context()); err != nil {
		t.Errorf("Release: %v", err)
	}
}
