package backendtest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/backend"
)

// TestMemory runs the suite against memoryBackend, the simplest backend
// that keeps every promise, so a failure here is a bug in the suite.
func TestMemory(t *testing.T) {
	Run(t, func(t *testing.T, now func() time.Time) backend.Backend {
		return &memoryBackend{now: now, stacks: map[backend.Ref]*memoryStack{}}
	})
}

var _ backend.Backend = (*memoryBackend)(nil)

// memoryBackend keeps stacks in maps behind one mutex.
type memoryBackend struct {
	now    func() time.Time
	mu     sync.Mutex
	stacks map[backend.Ref]*memoryStack
}

type memoryStack struct {
	snapshot    []byte
	journal     [][]byte
	checkpoints map[int][]byte
	history     map[int][]byte
	tags        map[string]string
	lock        *backend.LockInfo
	lastUpdate  time.Time
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// stack returns ref's stack; the caller holds mu.
func (m *memoryBackend) stack(ref backend.Ref) (*memoryStack, error) {
	s, ok := m.stacks[ref]
	if !ok {
		return nil, fmt.Errorf("stack %s: %w", ref, backend.ErrStackNotFound)
	}
	return s, nil
}

func (m *memoryBackend) URL() string  { return "memory://" }
func (m *memoryBackend) Close() error { return nil }

func (m *memoryBackend) ListStacks(_ context.Context, req backend.ListStacksRequest) (backend.ListStacksResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []backend.StackSummary
	for ref, s := range m.stacks {
		if ref.Project != req.Project {
			continue
		}
		sum := backend.StackSummary{Ref: ref, LastUpdate: s.lastUpdate}
		for v := range s.checkpoints {
			sum.LastVersion = max(sum.LastVersion, v)
		}
		out = append(out, sum)
	}
	slices.SortFunc(out, func(a, b backend.StackSummary) int {
		switch {
		case a.Ref.Stack < b.Ref.Stack:
			return -1
		case a.Ref.Stack > b.Ref.Stack:
			return 1
		}
		return 0
	})
	return backend.ListStacksResponse{Stacks: out}, nil
}

func (m *memoryBackend) CreateStack(_ context.Context, req backend.CreateStackRequest) (backend.CreateStackResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.stacks[req.Ref]; ok {
		return backend.CreateStackResponse{}, fmt.Errorf("stack %s: %w", req.Ref, backend.ErrStackExists)
	}
	m.stacks[req.Ref] = &memoryStack{checkpoints: map[int][]byte{}, history: map[int][]byte{}}
	return backend.CreateStackResponse{}, nil
}

func (m *memoryBackend) RemoveStack(_ context.Context, req backend.RemoveStackRequest) (backend.RemoveStackResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.stack(req.Ref); err != nil {
		return backend.RemoveStackResponse{}, err
	}
	delete(m.stacks, req.Ref)
	return backend.RemoveStackResponse{}, nil
}

func (m *memoryBackend) ReadSnapshot(_ context.Context, req backend.ReadSnapshotRequest) (backend.ReadSnapshotResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.ReadSnapshotResponse{}, err
	}
	if s.snapshot == nil {
		return backend.ReadSnapshotResponse{}, nil
	}
	return backend.ReadSnapshotResponse{Data: clone(s.snapshot)}, nil
}

func (m *memoryBackend) WriteSnapshot(_ context.Context, req backend.WriteSnapshotRequest) (backend.WriteSnapshotResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.WriteSnapshotResponse{}, err
	}
	s.snapshot = append([]byte{}, req.Data...)
	return backend.WriteSnapshotResponse{}, nil
}

func (m *memoryBackend) AppendJournal(_ context.Context, req backend.AppendJournalRequest) (backend.AppendJournalResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.AppendJournalResponse{}, err
	}
	for _, e := range req.Entries {
		s.journal = append(s.journal, clone(e))
	}
	return backend.AppendJournalResponse{}, nil
}

func (m *memoryBackend) ReadJournal(_ context.Context, req backend.ReadJournalRequest) (backend.ReadJournalResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.ReadJournalResponse{}, err
	}
	var out [][]byte
	for _, e := range s.journal {
		out = append(out, clone(e))
	}
	return backend.ReadJournalResponse{Entries: out}, nil
}

func (m *memoryBackend) ResetJournal(_ context.Context, req backend.ResetJournalRequest) (backend.ResetJournalResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.ResetJournalResponse{}, err
	}
	s.journal = nil
	return backend.ResetJournalResponse{}, nil
}

func (m *memoryBackend) WriteCheckpoint(_ context.Context, req backend.WriteCheckpointRequest) (backend.WriteCheckpointResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.WriteCheckpointResponse{}, err
	}
	if _, ok := s.checkpoints[req.Version]; ok {
		return backend.WriteCheckpointResponse{}, fmt.Errorf("version %d: %w", req.Version, backend.ErrExists)
	}
	s.checkpoints[req.Version] = clone(req.Data)
	s.history[req.Version] = clone(req.History)
	s.lastUpdate = m.now()
	return backend.WriteCheckpointResponse{}, nil
}

func (m *memoryBackend) ReadCheckpoint(_ context.Context, req backend.ReadCheckpointRequest) (backend.ReadCheckpointResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.ReadCheckpointResponse{}, err
	}
	data, ok := s.checkpoints[req.Version]
	if !ok {
		return backend.ReadCheckpointResponse{}, fmt.Errorf("version %d: %w", req.Version, backend.ErrNotFound)
	}
	return backend.ReadCheckpointResponse{Data: clone(data)}, nil
}

func (m *memoryBackend) ReplaceCheckpoint(_ context.Context, req backend.ReplaceCheckpointRequest) (backend.ReplaceCheckpointResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.ReplaceCheckpointResponse{}, err
	}
	if _, ok := s.checkpoints[req.Version]; !ok {
		return backend.ReplaceCheckpointResponse{}, fmt.Errorf("version %d: %w", req.Version, backend.ErrNotFound)
	}
	s.checkpoints[req.Version] = clone(req.Data)
	return backend.ReplaceCheckpointResponse{}, nil
}

func (m *memoryBackend) UpdateHistory(_ context.Context, req backend.UpdateHistoryRequest) (backend.UpdateHistoryResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.UpdateHistoryResponse{}, err
	}
	if _, ok := s.checkpoints[req.Version]; !ok {
		return backend.UpdateHistoryResponse{}, fmt.Errorf("version %d: %w", req.Version, backend.ErrNotFound)
	}
	s.history[req.Version] = clone(req.History)
	return backend.UpdateHistoryResponse{}, nil
}

func (m *memoryBackend) ListHistory(_ context.Context, req backend.ListHistoryRequest) (backend.ListHistoryResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.ListHistoryResponse{}, err
	}
	var out [][]byte
	for _, v := range slices.Sorted(maps.Keys(s.history)) {
		out = append(out, clone(s.history[v]))
	}
	return backend.ListHistoryResponse{Records: out}, nil
}

func (m *memoryBackend) ReadTags(_ context.Context, req backend.ReadTagsRequest) (backend.ReadTagsResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.ReadTagsResponse{}, err
	}
	return backend.ReadTagsResponse{Tags: maps.Clone(s.tags)}, nil
}

func (m *memoryBackend) WriteTags(_ context.Context, req backend.WriteTagsRequest) (backend.WriteTagsResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.WriteTagsResponse{}, err
	}
	s.tags = maps.Clone(req.Tags)
	return backend.WriteTagsResponse{}, nil
}

func (m *memoryBackend) Lock(_ context.Context, req backend.LockRequest) (backend.LockResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.LockResponse{}, err
	}
	now := m.now()
	if s.lock != nil && !now.After(s.lock.Expires) {
		return backend.LockResponse{}, &backend.LockedError{Ref: req.Ref, Holder: *s.lock}
	}
	info := req.Info
	info.Acquired, info.Expires, info.CancelRequested = now, now.Add(req.Lease), false
	s.lock = &info
	return backend.LockResponse{Info: info}, nil
}

func (m *memoryBackend) RenewLock(_ context.Context, req backend.RenewLockRequest) (backend.RenewLockResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.RenewLockResponse{}, err
	}
	if s.lock == nil || s.lock.ID != req.ID {
		return backend.RenewLockResponse{}, backend.ErrLockLost
	}
	s.lock.Expires = m.now().Add(req.Lease)
	return backend.RenewLockResponse{CancelRequested: s.lock.CancelRequested}, nil
}

func (m *memoryBackend) Unlock(_ context.Context, req backend.UnlockRequest) (backend.UnlockResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.UnlockResponse{}, err
	}
	if s.lock == nil || s.lock.ID != req.ID {
		return backend.UnlockResponse{}, backend.ErrLockLost
	}
	s.lock = nil
	return backend.UnlockResponse{}, nil
}

func (m *memoryBackend) ReadLock(_ context.Context, req backend.ReadLockRequest) (backend.ReadLockResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil || s.lock == nil {
		return backend.ReadLockResponse{}, err
	}
	info := *s.lock
	return backend.ReadLockResponse{Info: &info}, nil
}

func (m *memoryBackend) BreakLock(_ context.Context, req backend.BreakLockRequest) (backend.BreakLockResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.BreakLockResponse{}, err
	}
	old := s.lock
	s.lock = nil
	return backend.BreakLockResponse{Info: old}, nil
}

func (m *memoryBackend) RequestCancel(_ context.Context, req backend.RequestCancelRequest) (backend.RequestCancelResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.stack(req.Ref)
	if err != nil {
		return backend.RequestCancelResponse{}, err
	}
	if s.lock == nil {
		return backend.RequestCancelResponse{}, fmt.Errorf("lock of %s: %w", req.Ref, backend.ErrNotFound)
	}
	s.lock.CancelRequested = true
	return backend.RequestCancelResponse{}, nil
}
