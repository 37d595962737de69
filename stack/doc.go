// Package stack runs operations on one stack: it takes the stack's lock,
// brings its state up to date (folding the journal of an interrupted
// operation and settling what was in flight), runs the engine, and records
// the result as a new version.
//
// Recording a version writes, in order: the checkpoint and history record of
// version N (create-only), the current snapshot (a small pointer to
// checkpoint N), then resets the journal. A crash between any two of these
// leaves a journal that the next operation folds again into a snapshot that
// is recorded as its own "recover" version — versions are never reused and
// nothing that was journaled is lost.
package stack
