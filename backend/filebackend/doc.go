// Package filebackend keeps stacks in a local (or shared) folder: the
// file:// backend, and Plinth's default (file://~/.plinth).
//
// # Layout
//
//	<dir>/backend.json                       {"version":1}, read first; a newer version is refused
//	<dir>/stacks/<project>/<stack>/
//	    snapshot.json                        the current snapshot
//	    journal.ndjson                       one journal entry per line
//	    checkpoints/<version>.json           version N's snapshot (replaced only by key rotation)
//	    history/<version>.json               version N's history record
//	    tags.json                            {"version":1,"tags":{...}}
//	    lock.json                            {"version":1,"lock":{...}} while locked
//	    lock.guard, history.guard            empty files for flock(2)
//	<dir>/trash/                             stacks being removed
//
// A stack exists while its directory does. Project and stack names are
// [A-Za-z0-9_.-]+ and neither "." nor "..", so a name is always exactly one
// path element. On a case-insensitive filesystem "Dev" and "dev" are the
// same stack.
//
// # Durability
//
// Whole files are replaced atomically: written to a temporary file in the
// same directory, fsynced, renamed over the old one, and the directory
// fsynced. A reader sees the old bytes or the new, and after a crash the
// file is one or the other. The journal is appended with O_APPEND and
// fdatasync before AppendJournal returns. A crash in the middle of an append
// leaves a last line without its newline; that entry was never acknowledged,
// so ReadJournal leaves it out and the next append cuts it off first.
//
// Checkpoints are created with link(2) from a fsynced temporary file, which
// fails if the version exists, so WriteCheckpoint never replaces a version.
// Only ReplaceCheckpoint (key rotation, under the stack's lock) does, by
// rename, keeping the file's modification time.
// The history record is written before the checkpoint that commits it, and
// both happen under flock(2) on history.guard, so a crash between the two
// leaves a history file that no checkpoint refers to (ignored, and replaced
// when the version is written again) rather than a checkpoint without
// history.
//
// RemoveStack renames the stack's directory into <dir>/trash (atomic: the
// stack is there or gone) and then deletes it.
//
// # Locks
//
// Lock creates lock.json with link(2) from a complete temporary file, so of
// two callers exactly one succeeds, and a reader never sees half a lock.
// Every other change to lock.json (renewal, release, takeover, break,
// cancel request) happens under flock(2) on lock.guard after re-reading it,
// so a takeover cannot replace a lock that changed since it looked.
//
// A lock whose lease has expired (by Options.Now) is taken over. So is a
// lock whose holder recorded this machine's host name and a PID that no
// longer exists (kill(pid, 0) reports ESRCH): a `plinth up` killed with
// kill -9 frees its stack at once on the machine it ran on, without waiting
// for the lease. That check trusts host names to be unique among machines
// sharing the folder, and is skipped when they differ; containers that share
// a folder and a host name but not a PID namespace should not rely on it.
//
// Both link(2) and flock(2) work on local filesystems and on NFSv3/v4 with
// locking enabled; filesystems without hard links (some SMB and FUSE mounts)
// are not supported.
//
// Files are created 0600 and directories 0700: state holds resource
// outputs, which may be sensitive even where secrets are encrypted.
package filebackend
