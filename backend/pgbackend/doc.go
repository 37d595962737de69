// Package pgbackend keeps stacks in PostgreSQL: the postgres:// backend.
//
// Open connects with a pgx connection pool and, on first use of a
// database, creates Plinth's tables (all named plinth_*) inside one
// transaction that holds a transaction-scoped advisory lock, so two
// processes opening a new database at once do not race. The schema carries
// its version in plinth_schema_version; a database whose schema is newer
// than this Plinth is refused rather than misread.
//
// # Tables
//
//	plinth_schema_version  (version)                          one row: 1
//	plinth_stacks          (id, project, name, created)       one row per stack
//	plinth_snapshots       (stack_id, data, written)          the current snapshot
//	plinth_journal         (stack_id, seq, entry)             one row per journal entry
//	plinth_checkpoints     (stack_id, version, data, history, written)
//	plinth_tags            (stack_id, key, value)
//	plinth_locks           (stack_id, id, operation, ..., expires, cancel_requested)
//
// Every table but the first refers to plinth_stacks with ON DELETE
// CASCADE, so RemoveStack is one DELETE. Bytes (snapshots, entries, history
// records) are bytea, stored verbatim.
//
// AppendJournal inserts its entries in one statement, so a batch is durable
// as a whole when it returns and costs O(entries) whatever the journal's
// length; seq (a bigserial) keeps them in order.
//
// # Locks
//
// A stack's lock is its row in plinth_locks. Lock is a single
// INSERT ... ON CONFLICT (stack_id) DO UPDATE ... WHERE expires < $now:
// PostgreSQL serialises concurrent upserts on the key, so of two callers
// exactly one gets the row, and an expired holder is replaced in the same
// statement that checks it. $now is the backend's clock (Options.Now), not
// the server's now(), so leases mean the same thing in every backend and
// tests can move time. The lock does not depend on the holder's session: a
// holder killed with kill -9 keeps the lock until its lease runs out.
//
// Times are stored as timestamptz, which keeps microseconds: a lock's
// Acquired and Expires come back truncated to the microsecond.
//
// # Passwords
//
// URL redacts the password, and no error this package returns contains it:
// errors from the driver have every occurrence of the password replaced.
package pgbackend
