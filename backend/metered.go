package backend

import (
	"context"
	"sync/atomic"
)

// Metered wraps a Backend and counts the bytes written to it (snapshots,
// journal entries, checkpoints, history records), for the benchmark
// harness's "bytes written" figure. It adds one atomic add per write.
type Metered struct {
	Backend
	written atomic.Int64
}

var _ Backend = (*Metered)(nil)

// NewMetered wraps b.
func NewMetered(b Backend) *Metered { return &Metered{Backend: b} }

// BytesWritten is the total written so far.
func (m *Metered) BytesWritten() int64 { return m.written.Load() }

// WriteSnapshot implements Backend.
func (m *Metered) WriteSnapshot(ctx context.Context, req WriteSnapshotRequest) (WriteSnapshotResponse, error) {
	m.written.Add(int64(len(req.Data)))
	return m.Backend.WriteSnapshot(ctx, req)
}

// AppendJournal implements Backend.
func (m *Metered) AppendJournal(ctx context.Context, req AppendJournalRequest) (AppendJournalResponse, error) {
	for _, e := range req.Entries {
		m.written.Add(int64(len(e)) + 1)
	}
	return m.Backend.AppendJournal(ctx, req)
}

// WriteCheckpoint implements Backend.
func (m *Metered) WriteCheckpoint(ctx context.Context, req WriteCheckpointRequest) (WriteCheckpointResponse, error) {
	m.written.Add(int64(len(req.Data) + len(req.History)))
	return m.Backend.WriteCheckpoint(ctx, req)
}

// ReplaceCheckpoint implements Backend.
func (m *Metered) ReplaceCheckpoint(ctx context.Context, req ReplaceCheckpointRequest) (ReplaceCheckpointResponse, error) {
	m.written.Add(int64(len(req.Data)))
	return m.Backend.ReplaceCheckpoint(ctx, req)
}

// UpdateHistory implements Backend.
func (m *Metered) UpdateHistory(ctx context.Context, req UpdateHistoryRequest) (UpdateHistoryResponse, error) {
	m.written.Add(int64(len(req.History)))
	return m.Backend.UpdateHistory(ctx, req)
}
