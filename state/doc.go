// Package state defines what Plinth persists about a stack and how: the
// snapshot (every resource with its inputs and outputs), the journal of the
// operation in progress, and the history record of each version.
//
// Every format is JSON with a "version" field that is read first; a newer
// version than this build understands is refused, never guessed at. Secret
// values are written through resource.ToJSON, so they are encrypted under the
// stack's data key or the write fails.
//
// The journal is how state survives a crash. Before a provider operation
// starts, a begin entry records what is about to happen; when it ends, a
// success or failure entry records the result. Replay folds a journal into
// the snapshot it started from: completed operations are applied, and begin
// entries without an end become Pending operations that the next command
// resolves. A torn final entry (a crash mid-write) was never acknowledged and
// is dropped; damage anywhere else is an error.
package state
