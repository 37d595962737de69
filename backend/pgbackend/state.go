package pgbackend

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/plinth-iac/plinth/backend"
)

// orEmpty returns b, or an empty slice for nil: the columns are NOT NULL,
// and a nil []byte is sent as NULL.
func orEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// ReadSnapshot returns the stack's snapshot, nil if none was written.
func (b *Backend) ReadSnapshot(ctx context.Context, req backend.ReadSnapshotRequest) (backend.ReadSnapshotResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.ReadSnapshotResponse{}, err
	}
	var (
		found bool
		data  []byte
	)
	err := b.pool.QueryRow(ctx, `
SELECT sn.stack_id IS NOT NULL, sn.data
FROM plinth_stacks s LEFT JOIN plinth_snapshots sn ON sn.stack_id = s.id
WHERE s.project = $1 AND s.name = $2`, req.Ref.Project, req.Ref.Stack).Scan(&found, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return backend.ReadSnapshotResponse{}, stackNotFound(req.Ref)
	}
	if err != nil {
		return backend.ReadSnapshotResponse{}, b.fail("reading the snapshot of "+req.Ref.String(), err)
	}
	if !found {
		return backend.ReadSnapshotResponse{}, nil
	}
	return backend.ReadSnapshotResponse{Data: orEmpty(data)}, nil
}

// WriteSnapshot replaces the snapshot in one statement.
func (b *Backend) WriteSnapshot(ctx context.Context, req backend.WriteSnapshotRequest) (backend.WriteSnapshotResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.WriteSnapshotResponse{}, err
	}
	tag, err := b.pool.Exec(ctx, `
INSERT INTO plinth_snapshots (stack_id, data, written)
SELECT id, $3, $4 FROM plinth_stacks WHERE project = $1 AND name = $2
ON CONFLICT (stack_id) DO UPDATE SET data = excluded.data, written = excluded.written`,
		req.Ref.Project, req.Ref.Stack, orEmpty(req.Data), b.clock())
	if err != nil {
		return backend.WriteSnapshotResponse{}, b.fail("writing the snapshot of "+req.Ref.String(), err)
	}
	if tag.RowsAffected() == 0 {
		return backend.WriteSnapshotResponse{}, stackNotFound(req.Ref)
	}
	return backend.WriteSnapshotResponse{}, nil
}

// AppendJournal inserts the entries, in order, in one transaction: COPY
// sends them in one stream and assigns seq in the order sent.
func (b *Backend) AppendJournal(ctx context.Context, req backend.AppendJournalRequest) (backend.AppendJournalResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.AppendJournalResponse{}, err
	}
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		// FOR KEY SHARE keeps the stack from being removed until we commit.
		id, err := b.stackID(ctx, tx, req.Ref, "FOR KEY SHARE")
		if err != nil || len(req.Entries) == 0 {
			return err
		}
		rows := make([][]any, len(req.Entries))
		for i, e := range req.Entries {
			rows[i] = []any{id, orEmpty(e)}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"plinth_journal"}, []string{"stack_id", "entry"}, pgx.CopyFromRows(rows))
		return err
	})
	if errors.Is(err, backend.ErrStackNotFound) {
		return backend.AppendJournalResponse{}, err
	}
	if err != nil {
		return backend.AppendJournalResponse{}, b.fail("appending to the journal of "+req.Ref.String(), err)
	}
	return backend.AppendJournalResponse{}, nil
}

// ReadJournal returns the journal's entries in the order appended.
func (b *Backend) ReadJournal(ctx context.Context, req backend.ReadJournalRequest) (backend.ReadJournalResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.ReadJournalResponse{}, err
	}
	entries, err := b.column(ctx, req.Ref, "reading the journal of", `
SELECT j.entry FROM plinth_journal j JOIN plinth_stacks s ON s.id = j.stack_id
WHERE s.project = $1 AND s.name = $2 ORDER BY j.seq`)
	return backend.ReadJournalResponse{Entries: entries}, err
}

// ResetJournal deletes the journal's entries.
func (b *Backend) ResetJournal(ctx context.Context, req backend.ResetJournalRequest) (backend.ResetJournalResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.ResetJournalResponse{}, err
	}
	tag, err := b.pool.Exec(ctx, `
DELETE FROM plinth_journal j USING plinth_stacks s
WHERE s.id = j.stack_id AND s.project = $1 AND s.name = $2`, req.Ref.Project, req.Ref.Stack)
	if err != nil {
		return backend.ResetJournalResponse{}, b.fail("resetting the journal of "+req.Ref.String(), err)
	}
	if tag.RowsAffected() == 0 {
		return backend.ResetJournalResponse{}, b.missing(ctx, req.Ref, nil)
	}
	return backend.ResetJournalResponse{}, nil
}

// WriteCheckpoint inserts version N's row; the primary key makes a second
// write of N fail, so WriteCheckpoint never replaces a checkpoint.
func (b *Backend) WriteCheckpoint(ctx context.Context, req backend.WriteCheckpointRequest) (backend.WriteCheckpointResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.WriteCheckpointResponse{}, err
	}
	tag, err := b.pool.Exec(ctx, `
INSERT INTO plinth_checkpoints (stack_id, version, data, history, written)
SELECT id, $3, $4, $5, $6 FROM plinth_stacks WHERE project = $1 AND name = $2`,
		req.Ref.Project, req.Ref.Stack, req.Version, orEmpty(req.Data), orEmpty(req.History), b.clock())
	if isUniqueViolation(err) {
		return backend.WriteCheckpointResponse{}, fmt.Errorf("stack %s: version %d: %w", req.Ref, req.Version, backend.ErrExists)
	}
	if err != nil {
		return backend.WriteCheckpointResponse{}, b.fail(fmt.Sprintf("writing version %d of %s", req.Version, req.Ref), err)
	}
	if tag.RowsAffected() == 0 {
		return backend.WriteCheckpointResponse{}, stackNotFound(req.Ref)
	}
	return backend.WriteCheckpointResponse{}, nil
}

// ReadCheckpoint returns version N's snapshot.
func (b *Backend) ReadCheckpoint(ctx context.Context, req backend.ReadCheckpointRequest) (backend.ReadCheckpointResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.ReadCheckpointResponse{}, err
	}
	var (
		found bool
		data  []byte
	)
	err := b.pool.QueryRow(ctx, `
SELECT c.stack_id IS NOT NULL, c.data
FROM plinth_stacks s LEFT JOIN plinth_checkpoints c ON c.stack_id = s.id AND c.version = $3
WHERE s.project = $1 AND s.name = $2`, req.Ref.Project, req.Ref.Stack, req.Version).Scan(&found, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return backend.ReadCheckpointResponse{}, stackNotFound(req.Ref)
	}
	if err != nil {
		return backend.ReadCheckpointResponse{}, b.fail(fmt.Sprintf("reading version %d of %s", req.Version, req.Ref), err)
	}
	if !found {
		return backend.ReadCheckpointResponse{}, fmt.Errorf("stack %s: version %d: %w", req.Ref, req.Version, backend.ErrNotFound)
	}
	return backend.ReadCheckpointResponse{Data: orEmpty(data)}, nil
}

// ReplaceCheckpoint replaces version N's snapshot in one UPDATE, leaving
// its history record and written time alone.
func (b *Backend) ReplaceCheckpoint(ctx context.Context, req backend.ReplaceCheckpointRequest) (backend.ReplaceCheckpointResponse, error) {
	return backend.ReplaceCheckpointResponse{}, b.updateCheckpoint(ctx, req.Ref, req.Version, "data", req.Data, "replacing version %d of %s")
}

// UpdateHistory replaces version N's history record.
func (b *Backend) UpdateHistory(ctx context.Context, req backend.UpdateHistoryRequest) (backend.UpdateHistoryResponse, error) {
	return backend.UpdateHistoryResponse{}, b.updateCheckpoint(ctx, req.Ref, req.Version, "history", req.History, "updating the history of version %d of %s")
}

// updateCheckpoint sets one column (data or history, never user input)
// of an existing version: ErrNotFound if there is none.
func (b *Backend) updateCheckpoint(ctx context.Context, ref backend.Ref, version int, column string, value []byte, what string) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	tag, err := b.pool.Exec(ctx, `
UPDATE plinth_checkpoints c SET `+column+` = $4 FROM plinth_stacks s
WHERE s.id = c.stack_id AND s.project = $1 AND s.name = $2 AND c.version = $3`,
		ref.Project, ref.Stack, version, orEmpty(value))
	if err != nil {
		return b.fail(fmt.Sprintf(what, version, ref), err)
	}
	if tag.RowsAffected() == 0 {
		return b.missing(ctx, ref, fmt.Errorf("stack %s: version %d: %w", ref, version, backend.ErrNotFound))
	}
	return nil
}

// ListHistory returns every version's history record, by version.
func (b *Backend) ListHistory(ctx context.Context, req backend.ListHistoryRequest) (backend.ListHistoryResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.ListHistoryResponse{}, err
	}
	records, err := b.column(ctx, req.Ref, "listing the history of", `
SELECT c.history FROM plinth_checkpoints c JOIN plinth_stacks s ON s.id = c.stack_id
WHERE s.project = $1 AND s.name = $2 ORDER BY c.version`)
	return backend.ListHistoryResponse{Records: records}, err
}

// column runs a query on ref's stack that returns one bytea column. No rows
// means either an empty result or a missing stack; it tells which.
func (b *Backend) column(ctx context.Context, ref backend.Ref, what, sql string) ([][]byte, error) {
	rows, err := b.pool.Query(ctx, sql, ref.Project, ref.Stack)
	if err != nil {
		return nil, b.fail(what+" "+ref.String(), err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) ([]byte, error) {
		var data []byte
		err := row.Scan(&data)
		return orEmpty(data), err
	})
	if err != nil {
		return nil, b.fail(what+" "+ref.String(), err)
	}
	if len(out) == 0 {
		return nil, b.missing(ctx, ref, nil)
	}
	return out, nil
}

// ReadTags returns the stack's tags.
func (b *Backend) ReadTags(ctx context.Context, req backend.ReadTagsRequest) (backend.ReadTagsResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.ReadTagsResponse{}, err
	}
	rows, err := b.pool.Query(ctx, `
SELECT t.key, t.value FROM plinth_tags t JOIN plinth_stacks s ON s.id = t.stack_id
WHERE s.project = $1 AND s.name = $2`, req.Ref.Project, req.Ref.Stack)
	if err != nil {
		return backend.ReadTagsResponse{}, b.fail("reading the tags of "+req.Ref.String(), err)
	}
	tags := map[string]string{}
	var k, v string
	_, err = pgx.ForEachRow(rows, []any{&k, &v}, func() error {
		tags[k] = v
		return nil
	})
	if err != nil {
		return backend.ReadTagsResponse{}, b.fail("reading the tags of "+req.Ref.String(), err)
	}
	if len(tags) == 0 {
		if err := b.missing(ctx, req.Ref, nil); err != nil {
			return backend.ReadTagsResponse{}, err
		}
	}
	return backend.ReadTagsResponse{Tags: tags}, nil
}

// WriteTags replaces the stack's tags in one transaction.
func (b *Backend) WriteTags(ctx context.Context, req backend.WriteTagsRequest) (backend.WriteTagsResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.WriteTagsResponse{}, err
	}
	keys := make([]string, 0, len(req.Tags))
	values := make([]string, 0, len(req.Tags))
	for k, v := range req.Tags {
		keys, values = append(keys, k), append(values, v)
	}
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		// FOR UPDATE: concurrent WriteTags take turns, so the last one wins
		// whole rather than two merging.
		id, err := b.stackID(ctx, tx, req.Ref, "FOR UPDATE")
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM plinth_tags WHERE stack_id = $1`, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO plinth_tags (stack_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)`,
			id, keys, values)
		return err
	})
	if errors.Is(err, backend.ErrStackNotFound) {
		return backend.WriteTagsResponse{}, err
	}
	if err != nil {
		return backend.WriteTagsResponse{}, b.fail("writing the tags of "+req.Ref.String(), err)
	}
	return backend.WriteTagsResponse{}, nil
}
