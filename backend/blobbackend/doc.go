// Package blobbackend keeps stacks in object storage — Amazon S3 and
// S3-compatible servers (s3://), Google Cloud Storage (gs://) and Azure
// Blob Storage (azblob://) — through gocloud.dev/blob.
//
// # URLs
//
// The URL is gocloud.dev's for the bucket, credentials coming from the
// environment as gocloud.dev describes. A path after the bucket, or a
// prefix query parameter, puts everything under that key prefix:
//
//	s3://bucket/team-a?region=eu-west-1
//	s3://bucket?prefix=team-a&endpoint=http://127.0.0.1:7070&s3ForcePathStyle=true
//	gs://bucket/team-a
//	azblob://container/team-a
//
// # Layout
//
//	<prefix>/stacks/<project>/<stack>/
//	    stack.json                   {"version":1,...}: the stack exists while this does
//	    snapshot.json                the current snapshot, replaced whole
//	    journal/<20-digit seq>.json  one object per AppendJournal batch
//	    checkpoints/<version>.json   version N's snapshot, created once (replaced only by key rotation)
//	    history/<version>.json       version N's history record
//	    tags.json                    {"version":1,"tags":{...}}
//	    lock.json                    {"version":1,"lock":{...},"nonce":"..."}
//	<prefix>/probes/<random>.json    short-lived: the conditional-write check (see Locks)
//
// Project and stack names are [A-Za-z0-9_.-]+ and neither "." nor "..",
// the file backend's rule, so a name is one key segment and stacks move
// between backends.
//
// Object stores replace an object atomically, so a reader sees a whole
// snapshot, old or new. AppendJournal writes a new numbered object and never
// rewrites earlier ones: its cost is O(size of the batch). ReadJournal lists
// the numbers and reads the objects in order.
//
// WriteCheckpoint creates the checkpoint with If-None-Match: * and then
// writes the history record, so WriteCheckpoint never replaces a version.
// A crash between the two leaves a version without a history record, which
// ListHistory leaves out.
// ReplaceCheckpoint (key rotation only, under the stack's lock) overwrites
// an existing checkpoint.
//
// RemoveStack deletes the stack's objects and stack.json last, so an
// interrupted removal leaves a stack that still exists and can be removed
// again.
//
// # Locks
//
// lock.json is created with If-None-Match: *, so of two callers exactly one
// creates it. Every later change — renewal, release, takeover of an expired
// lease, break, cancel request — reads lock.json, and writes it back only
// if it is unchanged since: If-Match on the ETag read for S3 and Azure, the
// generation for Cloud Storage. A release writes a lock.json without a
// holder rather than deleting it, so no change ever needs a conditional
// delete. Each write carries a random nonce, so two writes of equal content
// still have different ETags.
//
// gocloud.dev has a portable option for If-None-Match but none for
// If-Match; this package sets it through each driver's As types, so only
// S3, Cloud Storage and Azure buckets can hold locks. Before the first lock
// operation a Backend checks with a probe object that the store really
// honours both conditions — some S3-compatible servers ignore them — and
// refuses to lock, with an error saying so, if it does not. Every other
// method works on any gocloud.dev bucket.
//
// # Secrets
//
// URL and every error hide the password and the values of query
// parameters that look secret (token, secret, key, sig, ...): gocloud.dev
// quotes the whole URL in its own errors, so they are scrubbed.
//
// Leases are measured with Options.Now, so the clocks of the machines that
// share a bucket must roughly agree.
package blobbackend
