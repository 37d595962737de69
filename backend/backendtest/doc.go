// Package backendtest is the one conformance suite every backend.Backend
// passes. A backend is done when Run passes against it; the suite, not each
// backend's own tests, is where the promises of package backend are pinned.
//
// Use it from a backend's tests:
//
//	func TestConformance(t *testing.T) {
//		backendtest.Run(t, func(t *testing.T, now func() time.Time) backend.Backend {
//			b, err := filebackend.New(t.TempDir(), filebackend.Options{Now: now})
//			if err != nil {
//				t.Fatal(err)
//			}
//			return b
//		})
//	}
//
// newBackend is called once per subtest and must return a backend over
// empty storage (a fresh directory, schema or bucket prefix) that reads the
// time only through now: the suite moves that clock to expire leases, so a
// backend that reads the wall clock for leases fails the lock tests. Run
// closes each backend when its subtest ends; cleanups newBackend registers
// with t.Cleanup run after that. Every subtest also uses its own project
// name, so storage shared by mistake shows up as a clear failure rather than
// as flakiness.
//
// The suite never sleeps and never looks at the wall clock, so it is not
// timing sensitive; it does run real concurrency (goroutines racing Lock).
//
// Things the suite holds backends to that are easy to get wrong:
//
//   - Bytes are stored verbatim: snapshots, checkpoints and journal entries
//     are arbitrary bytes, not JSON to normalise (a PostgreSQL jsonb column
//     fails; bytea passes).
//   - ListStacks sorts by Go string order (bytes), not by a locale collation
//     (in PostgreSQL, ORDER BY name COLLATE "C", or sort in Go).
//   - ListHistory orders by version number (9 before 10), not by key text.
//   - Every method on a stack that does not exist is ErrStackNotFound,
//     RenewLock and Unlock included.
//   - Stack names with dots, dashes and underscores are distinct stacks
//     ("a.b", "a-b" and "a_b" must not collide in a key or path mapping),
//     and names may start with a dot or a dash.
//   - Lock is not re-entrant: Lock with the current holder's own ID is a
//     *LockedError naming it. (backend.Hold relies on this to recognise a
//     Lock that got through but whose reply was lost.)
//   - Acquired and Expires come from now and read back exactly (Equal);
//     the suite's clock only holds whole seconds.
//   - A cancel request stays on the lock, reported by every RenewLock,
//     until the lock is released; the next holder starts without one.
//   - RemoveStack removes the stack's lock too, held or not.
//   - ReplaceCheckpoint of a version that was never written is ErrNotFound
//     and creates nothing (an upsert fails); it changes only that
//     version's snapshot bytes, not its history record.
//
// StackSummary.LastUpdate is only required to be zero for a stack with no
// checkpoint and set for one with checkpoints; which clock sets it is the
// backend's choice.
package backendtest
