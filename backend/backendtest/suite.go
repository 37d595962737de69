package backendtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/plinth-iac/plinth/backend"
)

// start is where every subtest's clock begins: whole seconds in UTC, so a
// backend that stores times with microsecond precision still round-trips
// them exactly.
var start = time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)

// lease is the lease the suite asks for; the clock is only ever moved by
// whole seconds.
const lease = time.Minute

// harness is what one subtest works with.
type harness struct {
	b       backend.Backend
	clock   *Clock
	project string
}

// ref names a stack in the subtest's own project.
func (h *harness) ref(stack string) backend.Ref {
	return backend.Ref{Project: h.project, Stack: stack}
}

// Run runs the conformance suite against the backends newBackend returns,
// one per subtest. See the package documentation for what newBackend must
// provide.
func Run(t *testing.T, newBackend func(t *testing.T, now func() time.Time) backend.Backend) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, h *harness)
	}{
		{"StackCreateListRemove", testStackCreateListRemove},
		{"StackNames", testStackNames},
		{"StackSummary", testStackSummary},
		{"MissingStack", testMissingStack},
		{"RemoveStackClearsEverything", testRemoveStackClearsEverything},
		{"Snapshot", testSnapshot},
		{"SnapshotLarge", testSnapshotLarge},
		{"JournalBatches", testJournalBatches},
		{"JournalAppendIsAppend", testJournalAppendIsAppend},
		{"Checkpoints", testCheckpoints},
		{"ReplaceCheckpoint", testReplaceCheckpoint},
		{"History", testHistory},
		{"Tags", testTags},
		{"LockHeld", testLockHeld},
		{"LockUnlockWrongID", testLockUnlockWrongID},
		{"LockRenewExtends", testLockRenewExtends},
		{"LockExpiredTakeover", testLockExpiredTakeover},
		{"LockCancel", testLockCancel},
		{"LockBreak", testLockBreak},
		{"LockRead", testLockRead},
		{"LockRace", testLockRace},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock(start)
			b := newBackend(t, clock.Now)
			t.Cleanup(func() {
				if err := b.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.run(t, &harness{b: b, clock: clock, project: "conformance-" + tc.name})
		})
	}
}

func mustCreate(t *testing.T, h *harness, ref backend.Ref) {
	t.Helper()
	if _, err := h.b.CreateStack(t.Context(), backend.CreateStackRequest{Ref: ref}); err != nil {
		t.Fatalf("CreateStack(%s): %v", ref, err)
	}
}

func mustWriteSnapshot(t *testing.T, h *harness, ref backend.Ref, data []byte) {
	t.Helper()
	if _, err := h.b.WriteSnapshot(t.Context(), backend.WriteSnapshotRequest{Ref: ref, Data: data}); err != nil {
		t.Fatalf("WriteSnapshot(%s): %v", ref, err)
	}
}

func mustReadSnapshot(t *testing.T, h *harness, ref backend.Ref) []byte {
	t.Helper()
	resp, err := h.b.ReadSnapshot(t.Context(), backend.ReadSnapshotRequest{Ref: ref})
	if err != nil {
		t.Fatalf("ReadSnapshot(%s): %v", ref, err)
	}
	return resp.Data
}

func mustAppend(t *testing.T, h *harness, ref backend.Ref, entries ...[]byte) {
	t.Helper()
	if _, err := h.b.AppendJournal(t.Context(), backend.AppendJournalRequest{Ref: ref, Entries: entries}); err != nil {
		t.Fatalf("AppendJournal(%s, %d entries): %v", ref, len(entries), err)
	}
}

func mustReadJournal(t *testing.T, h *harness, ref backend.Ref) [][]byte {
	t.Helper()
	resp, err := h.b.ReadJournal(t.Context(), backend.ReadJournalRequest{Ref: ref})
	if err != nil {
		t.Fatalf("ReadJournal(%s): %v", ref, err)
	}
	return resp.Entries
}

func mustWriteCheckpoint(t *testing.T, h *harness, ref backend.Ref, version int, data, history []byte) {
	t.Helper()
	req := backend.WriteCheckpointRequest{Ref: ref, Version: version, Data: data, History: history}
	if _, err := h.b.WriteCheckpoint(t.Context(), req); err != nil {
		t.Fatalf("WriteCheckpoint(%s, %d): %v", ref, version, err)
	}
}

func mustReadCheckpoint(t *testing.T, h *harness, ref backend.Ref, version int) []byte {
	t.Helper()
	resp, err := h.b.ReadCheckpoint(t.Context(), backend.ReadCheckpointRequest{Ref: ref, Version: version})
	if err != nil {
		t.Fatalf("ReadCheckpoint(%s, %d): %v", ref, version, err)
	}
	return resp.Data
}

func mustListHistory(t *testing.T, h *harness, ref backend.Ref) [][]byte {
	t.Helper()
	resp, err := h.b.ListHistory(t.Context(), backend.ListHistoryRequest{Ref: ref})
	if err != nil {
		t.Fatalf("ListHistory(%s): %v", ref, err)
	}
	return resp.Records
}

func mustReadTags(t *testing.T, h *harness, ref backend.Ref) map[string]string {
	t.Helper()
	resp, err := h.b.ReadTags(t.Context(), backend.ReadTagsRequest{Ref: ref})
	if err != nil {
		t.Fatalf("ReadTags(%s): %v", ref, err)
	}
	return resp.Tags
}

func mustListStacks(t *testing.T, h *harness, project string) []backend.StackSummary {
	t.Helper()
	resp, err := h.b.ListStacks(t.Context(), backend.ListStacksRequest{Project: project})
	if err != nil {
		t.Fatalf("ListStacks(%s): %v", project, err)
	}
	return resp.Stacks
}

func stackNames(stacks []backend.StackSummary) []string {
	var names []string
	for _, s := range stacks {
		names = append(names, s.Ref.Stack)
	}
	return names
}

// holder is the lock request of holder n; its host never matches a real
// machine, so no backend's same-host stale-lock detection applies.
func holder(ref backend.Ref, n int) backend.LockRequest {
	return backend.LockRequest{
		Ref: ref,
		Info: backend.LockInfo{
			ID:        fmt.Sprintf("lock-id-%d", n),
			Operation: "update",
			User:      fmt.Sprintf("user%d", n),
			Host:      fmt.Sprintf("host%d.conformance.invalid", n),
			PID:       1000 + n,
		},
		Lease: lease,
	}
}

func mustLock(t *testing.T, h *harness, req backend.LockRequest) backend.LockInfo {
	t.Helper()
	resp, err := h.b.Lock(t.Context(), req)
	if err != nil {
		t.Fatalf("Lock(%s, %s): %v", req.Ref, req.Info.ID, err)
	}
	return resp.Info
}

func mustReadLock(t *testing.T, h *harness, ref backend.Ref) *backend.LockInfo {
	t.Helper()
	resp, err := h.b.ReadLock(t.Context(), backend.ReadLockRequest{Ref: ref})
	if err != nil {
		t.Fatalf("ReadLock(%s): %v", ref, err)
	}
	return resp.Info
}

// wantLocked checks that err is a *LockedError naming want's holder.
func wantLocked(t *testing.T, err error, ref backend.Ref, want backend.LockInfo) {
	t.Helper()
	var le *backend.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("Lock on a held lock: got error %v, want a *backend.LockedError", err)
	}
	if le.Ref != ref {
		t.Errorf("LockedError.Ref = %v, want %v", le.Ref, ref)
	}
	if diff := cmp.Diff(want, le.Holder); diff != "" {
		t.Errorf("LockedError.Holder mismatch (-want +got):\n%s", diff)
	}
}

// granted is the LockInfo a backend should record for req at now.
func granted(req backend.LockRequest, now time.Time) backend.LockInfo {
	info := req.Info
	info.Acquired = now
	info.Expires = now.Add(req.Lease)
	return info
}

func testStackCreateListRemove(t *testing.T, h *harness) {
	ctx := t.Context()
	if got := mustListStacks(t, h, h.project); len(got) != 0 {
		t.Errorf("ListStacks on an empty project = %v, want none", stackNames(got))
	}
	// Byte order, not a locale's: "B" < "a", "a-b" < "a.b" < "a_b".
	for _, s := range []string{"prod", "dev", "a_b", "B", "a.b", "a-b", "staging"} {
		mustCreate(t, h, h.ref(s))
	}
	other := backend.Ref{Project: h.project + "-other", Stack: "elsewhere"}
	mustCreate(t, h, other)

	want := []string{"B", "a-b", "a.b", "a_b", "dev", "prod", "staging"}
	got := mustListStacks(t, h, h.project)
	if diff := cmp.Diff(want, stackNames(got)); diff != "" {
		t.Errorf("ListStacks mismatch (-want +got):\n%s", diff)
	}
	for _, s := range got {
		if s.Ref.Project != h.project {
			t.Errorf("ListStacks(%s) returned %v from another project", h.project, s.Ref)
		}
	}
	if diff := cmp.Diff([]string{"elsewhere"}, stackNames(mustListStacks(t, h, other.Project))); diff != "" {
		t.Errorf("ListStacks(other project) mismatch (-want +got):\n%s", diff)
	}

	_, err := h.b.CreateStack(ctx, backend.CreateStackRequest{Ref: h.ref("dev")})
	if !errors.Is(err, backend.ErrStackExists) {
		t.Errorf("CreateStack of an existing stack: got %v, want ErrStackExists", err)
	}
	// The same stack name in another project is another stack.
	mustCreate(t, h, backend.Ref{Project: other.Project, Stack: "dev"})

	if _, err := h.b.RemoveStack(ctx, backend.RemoveStackRequest{Ref: h.ref("dev")}); err != nil {
		t.Fatalf("RemoveStack: %v", err)
	}
	want = []string{"B", "a-b", "a.b", "a_b", "prod", "staging"}
	if diff := cmp.Diff(want, stackNames(mustListStacks(t, h, h.project))); diff != "" {
		t.Errorf("ListStacks after RemoveStack mismatch (-want +got):\n%s", diff)
	}
	_, err = h.b.RemoveStack(ctx, backend.RemoveStackRequest{Ref: h.ref("dev")})
	if !errors.Is(err, backend.ErrStackNotFound) {
		t.Errorf("RemoveStack of a removed stack: got %v, want ErrStackNotFound", err)
	}
	if diff := cmp.Diff([]string{"dev", "elsewhere"}, stackNames(mustListStacks(t, h, other.Project))); diff != "" {
		t.Errorf("RemoveStack touched another project (-want +got):\n%s", diff)
	}
	mustCreate(t, h, h.ref("dev"))
}

// testStackNames checks that names with dots, dashes and underscores work
// end to end and never collide with each other.
func testStackNames(t *testing.T, h *harness) {
	ctx := t.Context()
	project := h.project + ".with-all_kinds"
	names := []string{"a.b", "a-b", "a_b", "ab", "a..b", ".hidden", "trailing.", "-x", "_", "Prod.EU-1_a", "0"}
	for _, name := range names {
		mustCreate(t, h, backend.Ref{Project: project, Stack: name})
	}
	for i, name := range names {
		ref := backend.Ref{Project: project, Stack: name}
		mustWriteSnapshot(t, h, ref, []byte("snapshot of "+name))
		mustAppend(t, h, ref, []byte("entry of "+name))
		mustWriteCheckpoint(t, h, ref, 1, []byte("checkpoint of "+name), []byte("history of "+name))
		if _, err := h.b.WriteTags(ctx, backend.WriteTagsRequest{Ref: ref, Tags: map[string]string{"name": name}}); err != nil {
			t.Fatalf("WriteTags(%s): %v", ref, err)
		}
		req := holder(ref, i)
		mustLock(t, h, req)
	}
	for i, name := range names {
		ref := backend.Ref{Project: project, Stack: name}
		if got, want := string(mustReadSnapshot(t, h, ref)), "snapshot of "+name; got != want {
			t.Errorf("ReadSnapshot(%s) = %q, want %q", ref, got, want)
		}
		if diff := cmp.Diff([]string{"entry of " + name}, toStrings(mustReadJournal(t, h, ref))); diff != "" {
			t.Errorf("ReadJournal(%s) mismatch (-want +got):\n%s", ref, diff)
		}
		if got, want := string(mustReadCheckpoint(t, h, ref, 1)), "checkpoint of "+name; got != want {
			t.Errorf("ReadCheckpoint(%s, 1) = %q, want %q", ref, got, want)
		}
		if diff := cmp.Diff([]string{"history of " + name}, toStrings(mustListHistory(t, h, ref))); diff != "" {
			t.Errorf("ListHistory(%s) mismatch (-want +got):\n%s", ref, diff)
		}
		if diff := cmp.Diff(map[string]string{"name": name}, mustReadTags(t, h, ref)); diff != "" {
			t.Errorf("ReadTags(%s) mismatch (-want +got):\n%s", ref, diff)
		}
		if l := mustReadLock(t, h, ref); l == nil || l.ID != holder(ref, i).Info.ID {
			t.Errorf("ReadLock(%s) = %v, want holder %s", ref, l, holder(ref, i).Info.ID)
		}
	}
	want := slices.Sorted(slices.Values(names))
	if diff := cmp.Diff(want, stackNames(mustListStacks(t, h, project))); diff != "" {
		t.Errorf("ListStacks mismatch (-want +got):\n%s", diff)
	}
}

// testStackSummary checks LastVersion and LastUpdate in listings.
func testStackSummary(t *testing.T, h *harness) {
	fresh, updated := h.ref("fresh"), h.ref("updated")
	mustCreate(t, h, fresh)
	mustCreate(t, h, updated)
	for v := 1; v <= 11; v++ {
		mustWriteCheckpoint(t, h, updated, v, []byte(fmt.Sprintf("snapshot %d", v)), []byte(fmt.Sprintf("history %d", v)))
		h.clock.Advance(time.Second)
	}
	got := mustListStacks(t, h, h.project)
	if len(got) != 2 {
		t.Fatalf("ListStacks = %v, want fresh and updated", stackNames(got))
	}
	if got[0].Ref != fresh || got[0].LastVersion != 0 || !got[0].LastUpdate.IsZero() {
		t.Errorf("never-updated stack summary = %+v, want LastVersion 0 and zero LastUpdate", got[0])
	}
	if got[1].Ref != updated || got[1].LastVersion != 11 || got[1].LastUpdate.IsZero() {
		t.Errorf("updated stack summary = %+v, want LastVersion 11 and a LastUpdate", got[1])
	}
}

// testMissingStack checks that every method on a stack that does not exist
// says so, whether or not its project exists.
func testMissingStack(t *testing.T, h *harness) {
	mustCreate(t, h, h.ref("exists"))
	refs := []backend.Ref{h.ref("missing"), {Project: h.project + "-missing", Stack: "exists"}}
	for _, ref := range refs {
		calls := []struct {
			name string
			call func(ctx context.Context) error
		}{
			{"RemoveStack", func(ctx context.Context) error {
				_, err := h.b.RemoveStack(ctx, backend.RemoveStackRequest{Ref: ref})
				return err
			}},
			{"ReadSnapshot", func(ctx context.Context) error {
				_, err := h.b.ReadSnapshot(ctx, backend.ReadSnapshotRequest{Ref: ref})
				return err
			}},
			{"WriteSnapshot", func(ctx context.Context) error {
				_, err := h.b.WriteSnapshot(ctx, backend.WriteSnapshotRequest{Ref: ref, Data: []byte("{}")})
				return err
			}},
			{"AppendJournal", func(ctx context.Context) error {
				_, err := h.b.AppendJournal(ctx, backend.AppendJournalRequest{Ref: ref, Entries: [][]byte{[]byte("{}")}})
				return err
			}},
			{"ReadJournal", func(ctx context.Context) error {
				_, err := h.b.ReadJournal(ctx, backend.ReadJournalRequest{Ref: ref})
				return err
			}},
			{"ResetJournal", func(ctx context.Context) error {
				_, err := h.b.ResetJournal(ctx, backend.ResetJournalRequest{Ref: ref})
				return err
			}},
			{"WriteCheckpoint", func(ctx context.Context) error {
				_, err := h.b.WriteCheckpoint(ctx, backend.WriteCheckpointRequest{Ref: ref, Version: 1, Data: []byte("{}"), History: []byte("{}")})
				return err
			}},
			{"ReadCheckpoint", func(ctx context.Context) error {
				_, err := h.b.ReadCheckpoint(ctx, backend.ReadCheckpointRequest{Ref: ref, Version: 1})
				return err
			}},
			{"ReplaceCheckpoint", func(ctx context.Context) error {
				_, err := h.b.ReplaceCheckpoint(ctx, backend.ReplaceCheckpointRequest{Ref: ref, Version: 1, Data: []byte("{}")})
				return err
			}},
			{"UpdateHistory", func(ctx context.Context) error {
				_, err := h.b.UpdateHistory(ctx, backend.UpdateHistoryRequest{Ref: ref, Version: 1, History: []byte("{}")})
				return err
			}},
			{"ListHistory", func(ctx context.Context) error {
				_, err := h.b.ListHistory(ctx, backend.ListHistoryRequest{Ref: ref})
				return err
			}},
			{"ReadTags", func(ctx context.Context) error {
				_, err := h.b.ReadTags(ctx, backend.ReadTagsRequest{Ref: ref})
				return err
			}},
			{"WriteTags", func(ctx context.Context) error {
				_, err := h.b.WriteTags(ctx, backend.WriteTagsRequest{Ref: ref, Tags: map[string]string{"a": "b"}})
				return err
			}},
			{"Lock", func(ctx context.Context) error {
				_, err := h.b.Lock(ctx, holder(ref, 1))
				return err
			}},
			{"RenewLock", func(ctx context.Context) error {
				_, err := h.b.RenewLock(ctx, backend.RenewLockRequest{Ref: ref, ID: "lock-id-1", Lease: lease})
				return err
			}},
			{"Unlock", func(ctx context.Context) error {
				_, err := h.b.Unlock(ctx, backend.UnlockRequest{Ref: ref, ID: "lock-id-1"})
				return err
			}},
			{"ReadLock", func(ctx context.Context) error {
				_, err := h.b.ReadLock(ctx, backend.ReadLockRequest{Ref: ref})
				return err
			}},
			{"BreakLock", func(ctx context.Context) error {
				_, err := h.b.BreakLock(ctx, backend.BreakLockRequest{Ref: ref})
				return err
			}},
			{"RequestCancel", func(ctx context.Context) error {
				_, err := h.b.RequestCancel(ctx, backend.RequestCancelRequest{Ref: ref})
				return err
			}},
		}
		for _, c := range calls {
			if err := c.call(t.Context()); !errors.Is(err, backend.ErrStackNotFound) {
				t.Errorf("%s(%s): got %v, want ErrStackNotFound", c.name, ref, err)
			}
		}
	}
	// None of those calls may have created anything.
	if diff := cmp.Diff([]string{"exists"}, stackNames(mustListStacks(t, h, h.project))); diff != "" {
		t.Errorf("calls on missing stacks changed the listing (-want +got):\n%s", diff)
	}
	if got := mustListStacks(t, h, h.project+"-missing"); len(got) != 0 {
		t.Errorf("calls on a missing project created stacks %v", stackNames(got))
	}
}

func testRemoveStackClearsEverything(t *testing.T, h *harness) {
	ctx := t.Context()
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	mustWriteSnapshot(t, h, ref, []byte(`{"serial":3}`))
	mustAppend(t, h, ref, []byte(`{"op":1}`), []byte(`{"op":2}`))
	mustWriteCheckpoint(t, h, ref, 1, []byte("v1"), []byte("h1"))
	mustWriteCheckpoint(t, h, ref, 2, []byte("v2"), []byte("h2"))
	if _, err := h.b.WriteTags(ctx, backend.WriteTagsRequest{Ref: ref, Tags: map[string]string{"team": "infra"}}); err != nil {
		t.Fatalf("WriteTags: %v", err)
	}
	old := holder(ref, 1)
	mustLock(t, h, old)
	if _, err := h.b.RequestCancel(ctx, backend.RequestCancelRequest{Ref: ref}); err != nil {
		t.Fatalf("RequestCancel: %v", err)
	}

	if _, err := h.b.RemoveStack(ctx, backend.RemoveStackRequest{Ref: ref}); err != nil {
		t.Fatalf("RemoveStack: %v", err)
	}
	if _, err := h.b.ReadSnapshot(ctx, backend.ReadSnapshotRequest{Ref: ref}); !errors.Is(err, backend.ErrStackNotFound) {
		t.Errorf("ReadSnapshot after RemoveStack: got %v, want ErrStackNotFound", err)
	}
	mustCreate(t, h, ref)

	if got := mustReadSnapshot(t, h, ref); got != nil {
		t.Errorf("re-created stack's snapshot = %q, want nil", got)
	}
	if got := mustReadJournal(t, h, ref); len(got) != 0 {
		t.Errorf("re-created stack's journal = %q, want empty", got)
	}
	for _, v := range []int{1, 2} {
		if _, err := h.b.ReadCheckpoint(ctx, backend.ReadCheckpointRequest{Ref: ref, Version: v}); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("re-created stack's ReadCheckpoint(%d): got %v, want ErrNotFound", v, err)
		}
	}
	if got := mustListHistory(t, h, ref); len(got) != 0 {
		t.Errorf("re-created stack's history = %q, want empty", got)
	}
	if got := mustReadTags(t, h, ref); len(got) != 0 {
		t.Errorf("re-created stack's tags = %v, want none", got)
	}
	if got := mustReadLock(t, h, ref); got != nil {
		t.Errorf("re-created stack's lock = %v, want none", got)
	}
	if got := mustListStacks(t, h, h.project); len(got) != 1 || got[0].LastVersion != 0 {
		t.Errorf("re-created stack's summary = %+v, want LastVersion 0", got)
	}
	// The old holder's lock went with the old stack.
	if _, err := h.b.RenewLock(ctx, backend.RenewLockRequest{Ref: ref, ID: old.Info.ID, Lease: lease}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("old holder's RenewLock on the re-created stack: got %v, want ErrLockLost", err)
	}
	req := holder(ref, 2)
	if got, want := mustLock(t, h, req), granted(req, h.clock.Now()); !cmp.Equal(want, got) {
		t.Errorf("Lock on the re-created stack = %+v, want %+v (no cancel request carried over)", got, want)
	}
	mustWriteCheckpoint(t, h, ref, 1, []byte("new v1"), []byte("new h1"))
	if got := string(mustReadCheckpoint(t, h, ref, 1)); got != "new v1" {
		t.Errorf("re-created stack's checkpoint 1 = %q, want %q", got, "new v1")
	}
}

func testSnapshot(t *testing.T, h *harness) {
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	if got := mustReadSnapshot(t, h, ref); got != nil {
		t.Errorf("ReadSnapshot of a new stack = %q, want nil Data", got)
	}
	first := []byte(`{"version":1,"lineage":"l","serial":1}`)
	mustWriteSnapshot(t, h, ref, first)
	if got := mustReadSnapshot(t, h, ref); !bytes.Equal(got, first) {
		t.Errorf("ReadSnapshot = %q, want %q", got, first)
	}
	// Shorter than the first, so a backend that overwrites in place
	// without truncating shows a tail of the old bytes.
	second := []byte(`{"serial":2}`)
	mustWriteSnapshot(t, h, ref, second)
	if got := mustReadSnapshot(t, h, ref); !bytes.Equal(got, second) {
		t.Errorf("ReadSnapshot after replace = %q, want %q", got, second)
	}
	// Snapshots are per stack.
	other := h.ref("other")
	mustCreate(t, h, other)
	if got := mustReadSnapshot(t, h, other); got != nil {
		t.Errorf("another stack's snapshot = %q, want nil", got)
	}
}

func testSnapshotLarge(t *testing.T, h *harness) {
	ref := h.ref("big")
	mustCreate(t, h, ref)
	data := make([]byte, 1<<20)
	// Every byte value, newlines and NULs included, in a pattern that does
	// not repeat with any small period.
	x := uint32(2463534242)
	for i := range data {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		data[i] = byte(x)
	}
	mustWriteSnapshot(t, h, ref, data)
	got := mustReadSnapshot(t, h, ref)
	if !bytes.Equal(got, data) {
		t.Errorf("1 MiB snapshot did not round-trip: got %d bytes, first difference at %d", len(got), firstDiff(got, data))
	}
}

func testJournalBatches(t *testing.T, h *harness) {
	ctx := t.Context()
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	if got := mustReadJournal(t, h, ref); len(got) != 0 {
		t.Errorf("journal of a new stack = %q, want empty", got)
	}
	var want []string
	n := 0
	for batch, size := range []int{1, 3, 0, 7, 1, 50, 2} {
		var entries [][]byte
		for range size {
			e := fmt.Sprintf(`{"seq":%d,"batch":%d,"text":"tab\there, ünïcödé ☃, quote \" and \\ backslash"}`, n, batch)
			entries = append(entries, []byte(e))
			want = append(want, e)
			n++
		}
		mustAppend(t, h, ref, entries...)
		if diff := cmp.Diff(want, toStrings(mustReadJournal(t, h, ref)), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("ReadJournal after batch %d mismatch (-want +got):\n%s", batch, diff)
		}
	}

	if _, err := h.b.ResetJournal(ctx, backend.ResetJournalRequest{Ref: ref}); err != nil {
		t.Fatalf("ResetJournal: %v", err)
	}
	if got := mustReadJournal(t, h, ref); len(got) != 0 {
		t.Errorf("journal after reset = %q, want empty", got)
	}
	if _, err := h.b.ResetJournal(ctx, backend.ResetJournalRequest{Ref: ref}); err != nil {
		t.Errorf("ResetJournal of an empty journal: %v", err)
	}
	mustAppend(t, h, ref, []byte(`{"after":"reset"}`))
	mustAppend(t, h, ref, []byte(`{"after":"again"}`))
	if diff := cmp.Diff([]string{`{"after":"reset"}`, `{"after":"again"}`}, toStrings(mustReadJournal(t, h, ref))); diff != "" {
		t.Errorf("ReadJournal after reset and append mismatch (-want +got):\n%s", diff)
	}

	// Journals are per stack.
	other := h.ref("other")
	mustCreate(t, h, other)
	if got := mustReadJournal(t, h, other); len(got) != 0 {
		t.Errorf("another stack's journal = %q, want empty", got)
	}
}

// testJournalAppendIsAppend appends 2,000 entries one at a time after a
// large first entry. A backend that rewrites the journal on each append
// still passes but takes long enough (2,000 rewrites of 256 KiB and more)
// to be noticed; the suite makes no assertion on time.
func testJournalAppendIsAppend(t *testing.T, h *harness) {
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	big := `{"big":"` + strings.Repeat("x", 256<<10) + `"}`
	mustAppend(t, h, ref, []byte(big))
	want := []string{big}
	for i := range 2000 {
		e := fmt.Sprintf(`{"seq":%d}`, i)
		mustAppend(t, h, ref, []byte(e))
		want = append(want, e)
	}
	got := toStrings(mustReadJournal(t, h, ref))
	if len(got) != len(want) {
		t.Fatalf("ReadJournal returned %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("journal entry %d = %.80q, want %.80q", i, got[i], want[i])
		}
	}
}

func testCheckpoints(t *testing.T, h *harness) {
	ctx := t.Context()
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	if _, err := h.b.ReadCheckpoint(ctx, backend.ReadCheckpointRequest{Ref: ref, Version: 1}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("ReadCheckpoint with none written: got %v, want ErrNotFound", err)
	}
	v1, v2 := []byte("snapshot\x00one\n"), []byte(`{"serial":2}`)
	mustWriteCheckpoint(t, h, ref, 1, v1, []byte(`{"version":1}`))
	mustWriteCheckpoint(t, h, ref, 2, v2, []byte(`{"version":2}`))
	if got := mustReadCheckpoint(t, h, ref, 1); !bytes.Equal(got, v1) {
		t.Errorf("ReadCheckpoint(1) = %q, want %q", got, v1)
	}
	if got := mustReadCheckpoint(t, h, ref, 2); !bytes.Equal(got, v2) {
		t.Errorf("ReadCheckpoint(2) = %q, want %q", got, v2)
	}

	_, err := h.b.WriteCheckpoint(ctx, backend.WriteCheckpointRequest{Ref: ref, Version: 1, Data: []byte("overwrite"), History: []byte(`{"overwritten":true}`)})
	if !errors.Is(err, backend.ErrExists) {
		t.Errorf("WriteCheckpoint of an existing version: got %v, want ErrExists", err)
	}
	if got := mustReadCheckpoint(t, h, ref, 1); !bytes.Equal(got, v1) {
		t.Errorf("ReadCheckpoint(1) after a refused rewrite = %q, want the original %q", got, v1)
	}
	if diff := cmp.Diff([]string{`{"version":1}`, `{"version":2}`}, toStrings(mustListHistory(t, h, ref))); diff != "" {
		t.Errorf("history after a refused rewrite mismatch (-want +got):\n%s", diff)
	}

	for _, v := range []int{3, 0, -1} {
		if _, err := h.b.ReadCheckpoint(ctx, backend.ReadCheckpointRequest{Ref: ref, Version: v}); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("ReadCheckpoint(%d): got %v, want ErrNotFound", v, err)
		}
	}
	// The snapshot is separate from the checkpoints.
	if got := mustReadSnapshot(t, h, ref); got != nil {
		t.Errorf("ReadSnapshot after WriteCheckpoint = %q, want nil", got)
	}
}

func mustReplaceCheckpoint(t *testing.T, h *harness, ref backend.Ref, version int, data []byte) {
	t.Helper()
	if _, err := h.b.ReplaceCheckpoint(t.Context(), backend.ReplaceCheckpointRequest{Ref: ref, Version: version, Data: data}); err != nil {
		t.Fatalf("ReplaceCheckpoint(%s, %d): %v", ref, version, err)
	}
}

// testReplaceCheckpoint pins what key rotation relies on: an existing
// checkpoint's bytes are replaced, and nothing else changes — not its
// history record, not other versions, not the snapshot — and a version that
// does not exist is ErrNotFound and is not created.
func testReplaceCheckpoint(t *testing.T, h *harness) {
	ctx := t.Context()
	ref, other := h.ref("dev"), h.ref("prod")
	mustCreate(t, h, ref)
	mustCreate(t, h, other)
	mustWriteSnapshot(t, h, ref, []byte(`{"pointer":2}`))
	mustWriteCheckpoint(t, h, ref, 1, []byte("one"), []byte(`{"version":1}`))
	mustWriteCheckpoint(t, h, ref, 2, []byte("two"), []byte(`{"version":2}`))
	mustWriteCheckpoint(t, h, other, 1, []byte("other one"), []byte(`{"version":1,"stack":"prod"}`))
	before := mustListStacks(t, h, h.project)

	re := []byte("one, re-encrypted\x00\n")
	mustReplaceCheckpoint(t, h, ref, 1, re)
	if got := mustReadCheckpoint(t, h, ref, 1); !bytes.Equal(got, re) {
		t.Errorf("ReadCheckpoint(1) after ReplaceCheckpoint = %q, want %q", got, re)
	}
	// Replacing again, with something shorter, leaves no tail of the old.
	mustReplaceCheckpoint(t, h, ref, 1, []byte("1"))
	if got := mustReadCheckpoint(t, h, ref, 1); string(got) != "1" {
		t.Errorf("ReadCheckpoint(1) after a shorter ReplaceCheckpoint = %q, want %q", got, "1")
	}
	if got := mustReadCheckpoint(t, h, ref, 2); string(got) != "two" {
		t.Errorf("ReplaceCheckpoint(1) changed version 2 to %q", got)
	}
	if got := mustReadCheckpoint(t, h, other, 1); string(got) != "other one" {
		t.Errorf("ReplaceCheckpoint on %s changed %s version 1 to %q", ref, other, got)
	}
	if got := mustReadSnapshot(t, h, ref); string(got) != `{"pointer":2}` {
		t.Errorf("ReplaceCheckpoint changed the snapshot to %q", got)
	}
	if diff := cmp.Diff([]string{`{"version":1}`, `{"version":2}`}, toStrings(mustListHistory(t, h, ref))); diff != "" {
		t.Errorf("history after ReplaceCheckpoint mismatch (-want +got):\n%s", diff)
	}
	after := mustListStacks(t, h, h.project)
	if diff := cmp.Diff(stackNames(before), stackNames(after)); diff != "" {
		t.Errorf("ListStacks after ReplaceCheckpoint mismatch (-want +got):\n%s", diff)
	}
	for i := range after {
		if after[i].LastVersion != before[i].LastVersion {
			t.Errorf("LastVersion of %s after ReplaceCheckpoint = %d, want %d", after[i].Ref, after[i].LastVersion, before[i].LastVersion)
		}
	}

	for _, v := range []int{3, 0, -1} {
		_, err := h.b.ReplaceCheckpoint(ctx, backend.ReplaceCheckpointRequest{Ref: ref, Version: v, Data: []byte("new")})
		if !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("ReplaceCheckpoint(%d) of a missing version: got %v, want ErrNotFound", v, err)
		}
	}
	if _, err := h.b.ReadCheckpoint(ctx, backend.ReadCheckpointRequest{Ref: ref, Version: 3}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("ReadCheckpoint(3) after a refused ReplaceCheckpoint: got %v, want ErrNotFound (it must not create the version)", err)
	}
	if got := mustListHistory(t, h, ref); len(got) != 2 {
		t.Errorf("history after a refused ReplaceCheckpoint has %d records, want 2", len(got))
	}
	// Version 3 can still be written normally.
	mustWriteCheckpoint(t, h, ref, 3, []byte("three"), []byte(`{"version":3}`))
	if got := mustReadCheckpoint(t, h, ref, 3); string(got) != "three" {
		t.Errorf("ReadCheckpoint(3) = %q, want %q", got, "three")
	}
}

func testHistory(t *testing.T, h *harness) {
	ctx := t.Context()
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	if got := mustListHistory(t, h, ref); len(got) != 0 {
		t.Errorf("history of a new stack = %q, want empty", got)
	}
	// Twelve versions, so ordering by key text ("10" < "2") shows.
	var want []string
	for v := 1; v <= 12; v++ {
		rec := fmt.Sprintf(`{"version":%d,"kind":"update"}`, v)
		mustWriteCheckpoint(t, h, ref, v, []byte(fmt.Sprintf("snapshot %d", v)), []byte(rec))
		want = append(want, rec)
	}
	if diff := cmp.Diff(want, toStrings(mustListHistory(t, h, ref))); diff != "" {
		t.Errorf("ListHistory mismatch (-want +got):\n%s", diff)
	}

	updated := `{"version":2,"kind":"update","verified":true}`
	if _, err := h.b.UpdateHistory(ctx, backend.UpdateHistoryRequest{Ref: ref, Version: 2, History: []byte(updated)}); err != nil {
		t.Fatalf("UpdateHistory(2): %v", err)
	}
	want[1] = updated
	if diff := cmp.Diff(want, toStrings(mustListHistory(t, h, ref))); diff != "" {
		t.Errorf("ListHistory after UpdateHistory mismatch (-want +got):\n%s", diff)
	}
	if got := string(mustReadCheckpoint(t, h, ref, 2)); got != "snapshot 2" {
		t.Errorf("UpdateHistory changed checkpoint 2 to %q", got)
	}
	if _, err := h.b.UpdateHistory(ctx, backend.UpdateHistoryRequest{Ref: ref, Version: 13, History: []byte(`{}`)}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("UpdateHistory of a missing version: got %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff(want, toStrings(mustListHistory(t, h, ref))); diff != "" {
		t.Errorf("ListHistory after a refused UpdateHistory mismatch (-want +got):\n%s", diff)
	}
	// A checkpoint can still be written after the refused update.
	mustWriteCheckpoint(t, h, ref, 13, []byte("snapshot 13"), []byte(`{"version":13}`))
	if got := mustListHistory(t, h, ref); len(got) != 13 || string(got[12]) != `{"version":13}` {
		t.Errorf("ListHistory after version 13 = %q, want 13 records ending in version 13", got)
	}
}

func testTags(t *testing.T, h *harness) {
	ctx := t.Context()
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	if got := mustReadTags(t, h, ref); len(got) != 0 {
		t.Errorf("tags of a new stack = %v, want none", got)
	}
	for _, tags := range []map[string]string{
		{"team": "infra", "env": "dev", "unicode": "☃", "empty": ""},
		{"only": "this"}, // replaces, does not merge
		{},
	} {
		if _, err := h.b.WriteTags(ctx, backend.WriteTagsRequest{Ref: ref, Tags: tags}); err != nil {
			t.Fatalf("WriteTags(%v): %v", tags, err)
		}
		if diff := cmp.Diff(tags, mustReadTags(t, h, ref), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ReadTags after WriteTags(%v) mismatch (-want +got):\n%s", tags, diff)
		}
	}
}

func testLockHeld(t *testing.T, h *harness) {
	ctx := t.Context()
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	first := holder(ref, 1)
	got := mustLock(t, h, first)
	want := granted(first, start)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Lock response mismatch (-want +got):\n%s", diff)
	}

	h.clock.Advance(10 * time.Second)
	_, err := h.b.Lock(ctx, holder(ref, 2))
	wantLocked(t, err, ref, want)
	// The same ID again is not re-entrant: a second Lock is a second
	// operation.
	_, err = h.b.Lock(ctx, first)
	wantLocked(t, err, ref, want)

	if _, err := h.b.Unlock(ctx, backend.UnlockRequest{Ref: ref, ID: first.Info.ID}); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if got := mustReadLock(t, h, ref); got != nil {
		t.Errorf("ReadLock after Unlock = %v, want none", got)
	}
	second := holder(ref, 2)
	if got, want := mustLock(t, h, second), granted(second, h.clock.Now()); !cmp.Equal(want, got) {
		t.Errorf("Lock after Unlock = %+v, want %+v", got, want)
	}
	// The first holder's ID means nothing any more.
	if _, err := h.b.Unlock(ctx, backend.UnlockRequest{Ref: ref, ID: first.Info.ID}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("Unlock by a former holder: got %v, want ErrLockLost", err)
	}
	if _, err := h.b.RenewLock(ctx, backend.RenewLockRequest{Ref: ref, ID: first.Info.ID, Lease: lease}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("RenewLock by a former holder: got %v, want ErrLockLost", err)
	}
	// Locks are per stack.
	other := h.ref("other")
	mustCreate(t, h, other)
	mustLock(t, h, holder(other, 3))
}

func testLockUnlockWrongID(t *testing.T, h *harness) {
	ctx := t.Context()
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	req := holder(ref, 1)
	want := mustLock(t, h, req)

	if _, err := h.b.Unlock(ctx, backend.UnlockRequest{Ref: ref, ID: "not-the-holder"}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("Unlock with a wrong ID: got %v, want ErrLockLost", err)
	}
	got := mustReadLock(t, h, ref)
	if got == nil {
		t.Fatal("Unlock with a wrong ID removed the lock")
	}
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("lock after Unlock with a wrong ID mismatch (-want +got):\n%s", diff)
	}
	if _, err := h.b.Unlock(ctx, backend.UnlockRequest{Ref: ref, ID: req.Info.ID}); err != nil {
		t.Fatalf("Unlock by the holder: %v", err)
	}
	if _, err := h.b.Unlock(ctx, backend.UnlockRequest{Ref: ref, ID: req.Info.ID}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("second Unlock: got %v, want ErrLockLost", err)
	}
	if _, err := h.b.RenewLock(ctx, backend.RenewLockRequest{Ref: ref, ID: req.Info.ID, Lease: lease}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("RenewLock after Unlock: got %v, want ErrLockLost", err)
	}
	if got := mustReadLock(t, h, ref); got != nil {
		t.Errorf("RenewLock after Unlock created lock %v", got)
	}
}

func testLockRenewExtends(t *testing.T, h *harness) {
	ctx := t.Context()
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	req := holder(ref, 1)
	want := mustLock(t, h, req)

	h.clock.Advance(50 * time.Second)
	resp, err := h.b.RenewLock(ctx, backend.RenewLockRequest{Ref: ref, ID: req.Info.ID, Lease: 2 * lease})
	if err != nil {
		t.Fatalf("RenewLock: %v", err)
	}
	if resp.CancelRequested {
		t.Error("RenewLock reported a cancel nobody requested")
	}
	want.Expires = h.clock.Now().Add(2 * lease)
	got := mustReadLock(t, h, ref)
	if got == nil {
		t.Fatal("ReadLock after RenewLock = none")
	}
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("lock after RenewLock mismatch (-want +got; only Expires moves):\n%s", diff)
	}

	// Past the first lease, within the renewed one: still held.
	h.clock.Advance(lease)
	_, err = h.b.Lock(ctx, holder(ref, 2))
	wantLocked(t, err, ref, want)

	// Renewing with the wrong ID changes nothing.
	if _, err := h.b.RenewLock(ctx, backend.RenewLockRequest{Ref: ref, ID: "not-the-holder", Lease: 10 * lease}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("RenewLock with a wrong ID: got %v, want ErrLockLost", err)
	}
	if got := mustReadLock(t, h, ref); got == nil || !got.Expires.Equal(want.Expires) || got.ID != want.ID {
		t.Errorf("lock after RenewLock with a wrong ID = %v, want %v", got, want)
	}

	// Past the renewed lease: someone else may take it.
	h.clock.Advance(lease + time.Second)
	next := holder(ref, 2)
	if got, want := mustLock(t, h, next), granted(next, h.clock.Now()); !cmp.Equal(want, got) {
		t.Errorf("Lock after the renewed lease expired = %+v, want %+v", got, want)
	}
}

func testLockExpiredTakeover(t *testing.T, h *harness) {
	ctx := t.Context()
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	old := holder(ref, 1)
	oldInfo := mustLock(t, h, old)

	// Just before expiry: held.
	h.clock.Advance(lease - time.Second)
	_, err := h.b.Lock(ctx, holder(ref, 2))
	wantLocked(t, err, ref, oldInfo)

	h.clock.Advance(2 * time.Second)
	if !h.clock.Now().After(oldInfo.Expires) {
		t.Fatalf("test bug: clock %v not past the lease %v", h.clock.Now(), oldInfo.Expires)
	}
	next := holder(ref, 2)
	got := mustLock(t, h, next)
	want := granted(next, h.clock.Now())
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("takeover Lock response mismatch (-want +got):\n%s", diff)
	}

	if _, err := h.b.RenewLock(ctx, backend.RenewLockRequest{Ref: ref, ID: old.Info.ID, Lease: lease}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("old holder's RenewLock after takeover: got %v, want ErrLockLost", err)
	}
	if _, err := h.b.Unlock(ctx, backend.UnlockRequest{Ref: ref, ID: old.Info.ID}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("old holder's Unlock after takeover: got %v, want ErrLockLost", err)
	}
	if l := mustReadLock(t, h, ref); l == nil || !cmp.Equal(want, *l) {
		t.Errorf("lock after the old holder's calls = %v, want %+v", l, want)
	}
	// The new holder's lease is live again.
	_, err = h.b.Lock(ctx, holder(ref, 3))
	wantLocked(t, err, ref, want)
	if _, err := h.b.RenewLock(ctx, backend.RenewLockRequest{Ref: ref, ID: next.Info.ID, Lease: lease}); err != nil {
		t.Errorf("new holder's RenewLock: %v", err)
	}
	if _, err := h.b.Unlock(ctx, backend.UnlockRequest{Ref: ref, ID: next.Info.ID}); err != nil {
		t.Errorf("new holder's Unlock: %v", err)
	}
}

func testLockCancel(t *testing.T, h *harness) {
	ctx := t.Context()
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	if _, err := h.b.RequestCancel(ctx, backend.RequestCancelRequest{Ref: ref}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("RequestCancel with no lock held: got %v, want ErrNotFound", err)
	}
	if got := mustReadLock(t, h, ref); got != nil {
		t.Errorf("RequestCancel with no lock created lock %v", got)
	}

	req := holder(ref, 1)
	want := mustLock(t, h, req)
	renew := backend.RenewLockRequest{Ref: ref, ID: req.Info.ID, Lease: lease}
	if resp, err := h.b.RenewLock(ctx, renew); err != nil || resp.CancelRequested {
		t.Fatalf("RenewLock before a cancel = %+v, %v; want no cancel", resp, err)
	}
	if _, err := h.b.RequestCancel(ctx, backend.RequestCancelRequest{Ref: ref}); err != nil {
		t.Fatalf("RequestCancel: %v", err)
	}
	got := mustReadLock(t, h, ref)
	want.CancelRequested = true
	if got == nil || !cmp.Equal(want, *got) {
		t.Errorf("ReadLock after RequestCancel = %+v, want %+v", got, want)
	}
	// The request stays until the lock is released, however often the
	// holder renews.
	for i := range 2 {
		h.clock.Advance(time.Second)
		resp, err := h.b.RenewLock(ctx, renew)
		if err != nil {
			t.Fatalf("RenewLock after RequestCancel: %v", err)
		}
		if !resp.CancelRequested {
			t.Errorf("RenewLock %d after RequestCancel: CancelRequested = false, want true", i+1)
		}
	}
	// A cancel request does not release the lock.
	_, err := h.b.Lock(ctx, holder(ref, 2))
	var le *backend.LockedError
	if !errors.As(err, &le) || le.Holder.ID != req.Info.ID || !le.Holder.CancelRequested {
		t.Errorf("Lock after RequestCancel: got %v, want *LockedError naming %s with CancelRequested", err, req.Info.ID)
	}
	if _, err := h.b.Unlock(ctx, backend.UnlockRequest{Ref: ref, ID: req.Info.ID}); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	next := holder(ref, 2)
	if got := mustLock(t, h, next); got.CancelRequested {
		t.Errorf("the next holder inherited the cancel request: %+v", got)
	}
	if resp, err := h.b.RenewLock(ctx, backend.RenewLockRequest{Ref: ref, ID: next.Info.ID, Lease: lease}); err != nil || resp.CancelRequested {
		t.Errorf("next holder's RenewLock = %+v, %v; want no cancel", resp, err)
	}
}

func testLockBreak(t *testing.T, h *harness) {
	ctx := t.Context()
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	resp, err := h.b.BreakLock(ctx, backend.BreakLockRequest{Ref: ref})
	if err != nil || resp.Info != nil {
		t.Errorf("BreakLock with no lock = %v, %v; want nil, nil", resp.Info, err)
	}

	req := holder(ref, 1)
	want := mustLock(t, h, req)
	resp, err = h.b.BreakLock(ctx, backend.BreakLockRequest{Ref: ref})
	if err != nil {
		t.Fatalf("BreakLock: %v", err)
	}
	if resp.Info == nil || !cmp.Equal(want, *resp.Info) {
		t.Errorf("BreakLock returned %+v, want the old holder %+v", resp.Info, want)
	}
	if got := mustReadLock(t, h, ref); got != nil {
		t.Errorf("ReadLock after BreakLock = %v, want none", got)
	}
	if _, err := h.b.RenewLock(ctx, backend.RenewLockRequest{Ref: ref, ID: req.Info.ID, Lease: lease}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("broken holder's RenewLock: got %v, want ErrLockLost", err)
	}
	next := holder(ref, 2)
	mustLock(t, h, next)
	if _, err := h.b.Unlock(ctx, backend.UnlockRequest{Ref: ref, ID: req.Info.ID}); !errors.Is(err, backend.ErrLockLost) {
		t.Errorf("broken holder's Unlock: got %v, want ErrLockLost", err)
	}
	if got := mustReadLock(t, h, ref); got == nil || got.ID != next.Info.ID {
		t.Errorf("lock after the broken holder's Unlock = %v, want %s", got, next.Info.ID)
	}
}

func testLockRead(t *testing.T, h *harness) {
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	if got := mustReadLock(t, h, ref); got != nil {
		t.Errorf("ReadLock of a new stack = %v, want none", got)
	}
	req := holder(ref, 1)
	req.Info.Operation = "destroy"
	req.Info.User = "Zoë O'Brien"
	req.Info.Host = "build-7.ci.conformance.invalid"
	req.Info.PID = 2147483647
	mustLock(t, h, req)
	h.clock.Advance(5 * time.Second)
	got := mustReadLock(t, h, ref)
	want := granted(req, start)
	if got == nil || !cmp.Equal(want, *got) {
		t.Errorf("ReadLock = %+v, want %+v", got, want)
	}
	// An expired lock is still reported until someone takes it over.
	h.clock.Advance(2 * lease)
	if got := mustReadLock(t, h, ref); got == nil || got.ID != req.Info.ID {
		t.Errorf("ReadLock of an expired lock = %v, want %s", got, req.Info.ID)
	}
}

func testLockRace(t *testing.T, h *harness) {
	ref := h.ref("dev")
	mustCreate(t, h, ref)
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-ready
			_, errs[i] = h.b.Lock(t.Context(), holder(ref, i))
		})
	}
	close(ready)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		var le *backend.LockedError
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("both holder %d and holder %d took the lock", winner, i)
			}
			winner = i
		case errors.As(err, &le):
		default:
			t.Errorf("holder %d: got %v, want success or a *LockedError", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no holder took the lock")
	}
	for i, err := range errs {
		var le *backend.LockedError
		if errors.As(err, &le) && le.Holder.ID != holder(ref, winner).Info.ID {
			t.Errorf("holder %d was told %s holds the lock, but %s won", i, le.Holder.ID, holder(ref, winner).Info.ID)
		}
	}
	if got := mustReadLock(t, h, ref); got == nil || got.ID != holder(ref, winner).Info.ID {
		t.Errorf("ReadLock after the race = %v, want the winner %s", got, holder(ref, winner).Info.ID)
	}
}

func toStrings(bs [][]byte) []string {
	var out []string
	for _, b := range bs {
		out = append(out, string(b))
	}
	return out
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
