// Package backend defines where stacks live: their state snapshot, the
// journal of the operation in progress, one checkpoint and history record
// per version, tags, and the lock that makes one operation at a time.
//
// A Backend stores bytes; package state decides what they mean. That keeps
// every backend small and lets one conformance suite (backend/backendtest)
// hold them all to the same promises:
//
//   - AppendJournal is durable when it returns, and costs O(size of the
//     entries), never a rewrite of what was appended before.
//   - WriteSnapshot replaces the snapshot atomically: a reader sees the old
//     bytes or the new, never a mix.
//   - WriteCheckpoint never overwrites: a version, once recorded, stays.
//     Only ReplaceCheckpoint changes a version's bytes, atomically, for key
//     rotation under the stack's lock.
//   - Lock is atomic: of two callers exactly one succeeds; the other gets a
//     *LockedError naming the holder. A lock carries a lease the holder
//     renews; a lease that has expired may be taken over, atomically.
package backend
