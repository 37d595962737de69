package pgbackend

import (
	"context"
	"fmt"
)

// schemaVersion is the version of the tables this package reads and
// writes.
const schemaVersion = 1

// schemaLockKey is the advisory lock taken while the schema is created or
// migrated ("plinth" in ASCII), so concurrent Opens take turns.
const schemaLockKey = 0x706c696e7468

// migration returns the statements that take the schema from version v to
// v+1. Each step is written once and never edited: a database at version v
// has run exactly steps 0..v-1.
func migration(v int) string {
	switch v {
	case 0:
		return `
CREATE TABLE plinth_stacks (
	id      bigserial PRIMARY KEY,
	project text NOT NULL,
	name    text NOT NULL,
	created timestamptz NOT NULL,
	UNIQUE (project, name)
);
CREATE TABLE plinth_snapshots (
	stack_id bigint PRIMARY KEY REFERENCES plinth_stacks (id) ON DELETE CASCADE,
	data     bytea NOT NULL,
	written  timestamptz NOT NULL
);
CREATE TABLE plinth_journal (
	stack_id bigint NOT NULL REFERENCES plinth_stacks (id) ON DELETE CASCADE,
	seq      bigserial,
	entry    bytea NOT NULL,
	PRIMARY KEY (stack_id, seq)
);
CREATE TABLE plinth_checkpoints (
	stack_id bigint NOT NULL REFERENCES plinth_stacks (id) ON DELETE CASCADE,
	version  integer NOT NULL,
	data     bytea NOT NULL,
	history  bytea NOT NULL,
	written  timestamptz NOT NULL,
	PRIMARY KEY (stack_id, version)
);
CREATE TABLE plinth_tags (
	stack_id bigint NOT NULL REFERENCES plinth_stacks (id) ON DELETE CASCADE,
	key      text NOT NULL,
	value    text NOT NULL,
	PRIMARY KEY (stack_id, key)
);
CREATE TABLE plinth_locks (
	stack_id         bigint PRIMARY KEY REFERENCES plinth_stacks (id) ON DELETE CASCADE,
	id               text NOT NULL,
	operation        text NOT NULL,
	username         text NOT NULL,
	host             text NOT NULL,
	pid              integer NOT NULL,
	acquired         timestamptz NOT NULL,
	expires          timestamptz NOT NULL,
	cancel_requested boolean NOT NULL DEFAULT false
);
`
	}
	panic(fmt.Sprintf("pgbackend: no migration from schema version %d", v))
}

// migrate brings the database's schema to schemaVersion, in one
// transaction under an advisory lock.
func (b *Backend) migrate(ctx context.Context) error {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLockKey)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS plinth_schema_version (version integer NOT NULL)`); err != nil {
		return err
	}
	var have int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM plinth_schema_version`).Scan(&have); err != nil {
		return err
	}
	if have > schemaVersion {
		return fmt.Errorf("the database's Plinth schema is version %d, newer than this Plinth knows (%d): upgrade Plinth", have, schemaVersion)
	}
	if have == schemaVersion {
		return tx.Commit(ctx)
	}
	for v := have; v < schemaVersion; v++ {
		if _, err := tx.Exec(ctx, migration(v)); err != nil {
			return fmt.Errorf("migrating the schema from version %d: %w", v, err)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM plinth_schema_version`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO plinth_schema_version (version) VALUES ($1)`, schemaVersion); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
