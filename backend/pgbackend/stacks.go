package pgbackend

import (
	"context"
	"fmt"
	"time"

	"github.com/plinth-iac/plinth/backend"
)

// ListStacks lists a project's stacks in byte order of their names.
func (b *Backend) ListStacks(ctx context.Context, req backend.ListStacksRequest) (backend.ListStacksResponse, error) {
	rows, err := b.pool.Query(ctx, `
SELECT s.name, coalesce(max(c.version), 0), max(c.written)
FROM plinth_stacks s LEFT JOIN plinth_checkpoints c ON c.stack_id = s.id
WHERE s.project = $1
GROUP BY s.id, s.name
ORDER BY s.name COLLATE "C"`, req.Project)
	if err != nil {
		return backend.ListStacksResponse{}, b.fail("listing stacks of "+req.Project, err)
	}
	defer rows.Close()
	var out []backend.StackSummary
	for rows.Next() {
		var (
			name    string
			version int
			written *time.Time
		)
		if err := rows.Scan(&name, &version, &written); err != nil {
			return backend.ListStacksResponse{}, b.fail("listing stacks of "+req.Project, err)
		}
		sum := backend.StackSummary{Ref: backend.Ref{Project: req.Project, Stack: name}, LastVersion: version}
		if written != nil {
			sum.LastUpdate = *written
		}
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return backend.ListStacksResponse{}, b.fail("listing stacks of "+req.Project, err)
	}
	return backend.ListStacksResponse{Stacks: out}, nil
}

// CreateStack creates an empty stack; ErrStackExists if it exists.
func (b *Backend) CreateStack(ctx context.Context, req backend.CreateStackRequest) (backend.CreateStackResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.CreateStackResponse{}, err
	}
	_, err := b.pool.Exec(ctx, `INSERT INTO plinth_stacks (project, name, created) VALUES ($1, $2, $3)`,
		req.Ref.Project, req.Ref.Stack, b.clock())
	if isUniqueViolation(err) {
		return backend.CreateStackResponse{}, fmt.Errorf("stack %s: %w", req.Ref, backend.ErrStackExists)
	}
	if err != nil {
		return backend.CreateStackResponse{}, b.fail("creating stack "+req.Ref.String(), err)
	}
	return backend.CreateStackResponse{}, nil
}

// RemoveStack removes a stack; its snapshot, journal, checkpoints, tags
// and lock go with it (ON DELETE CASCADE).
func (b *Backend) RemoveStack(ctx context.Context, req backend.RemoveStackRequest) (backend.RemoveStackResponse, error) {
	if err := checkRef(req.Ref); err != nil {
		return backend.RemoveStackResponse{}, err
	}
	tag, err := b.pool.Exec(ctx, `DELETE FROM plinth_stacks WHERE project = $1 AND name = $2`, req.Ref.Project, req.Ref.Stack)
	if err != nil {
		return backend.RemoveStackResponse{}, b.fail("removing stack "+req.Ref.String(), err)
	}
	if tag.RowsAffected() == 0 {
		return backend.RemoveStackResponse{}, stackNotFound(req.Ref)
	}
	return backend.RemoveStackResponse{}, nil
}
