package filebackend

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/backend/backendtest"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T, now func() time.Time) backend.Backend {
		return mustNew(t, t.TempDir(), now)
	})
}

func mustNew(t *testing.T, dir string, now func() time.Time) *Backend {
	t.Helper()
	b, err := New(dir, Options{Now: now})
	if err != nil {
		t.Fatalf("New(%s): %v", dir, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func mustCreate(t *testing.T, b *Backend, ref backend.Ref) {
	t.Helper()
	if _, err := b.CreateStack(t.Context(), backend.CreateStackRequest{Ref: ref}); err != nil {
		t.Fatalf("CreateStack(%s): %v", ref, err)
	}
}

var start = time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)

func TestURL(t *testing.T) {
	dir := t.TempDir()
	b := mustNew(t, dir+"/", nil)
	if got, want := b.URL(), "file://"+dir; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
}

func TestInvalidNames(t *testing.T) {
	dir := t.TempDir()
	b := mustNew(t, filepath.Join(dir, "backend"), nil)
	ctx := t.Context()
	mustCreate(t, b, backend.Ref{Project: "p", Stack: "ok"})
	bad := []string{"", ".", "..", "../x", "a/b", `a\b`, "/abs", "a b", "a\x00b", "ü", "a:b", strings.Repeat("x", 201)}
	for _, name := range bad {
		for _, ref := range []backend.Ref{{Project: "p", Stack: name}, {Project: name, Stack: "ok"}} {
			if _, err := b.CreateStack(ctx, backend.CreateStackRequest{Ref: ref}); err == nil {
				t.Errorf("CreateStack(%q) succeeded, want an error", ref)
			}
			if _, err := b.WriteSnapshot(ctx, backend.WriteSnapshotRequest{Ref: ref, Data: []byte("x")}); err == nil || errors.Is(err, backend.ErrStackNotFound) {
				t.Errorf("WriteSnapshot(%q) = %v, want an invalid-name error", ref, err)
			}
			if _, err := b.RemoveStack(ctx, backend.RemoveStackRequest{Ref: ref}); err == nil || errors.Is(err, backend.ErrStackNotFound) {
				t.Errorf("RemoveStack(%q) = %v, want an invalid-name error", ref, err)
			}
		}
		if _, err := b.ListStacks(ctx, backend.ListStacksRequest{Project: name}); err == nil {
			t.Errorf("ListStacks(%q) succeeded, want an error", name)
		}
	}
	// Nothing escaped the backend's folder, and the valid stack is intact.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "backend" {
		t.Errorf("files outside the backend folder: %v", entries)
	}
	resp, err := b.ListStacks(ctx, backend.ListStacksRequest{Project: "p"})
	if err != nil || len(resp.Stacks) != 1 {
		t.Errorf("ListStacks(p) = %+v, %v; want the one stack", resp.Stacks, err)
	}
}

// TestLayout pins where things are stored; other tools and older or newer
// plinths read these files.
func TestLayout(t *testing.T) {
	dir := t.TempDir()
	b := mustNew(t, dir, func() time.Time { return start })
	ctx := t.Context()
	ref := backend.Ref{Project: "web", Stack: "prod.eu"}
	mustCreate(t, b, ref)
	calls := []error{
		func() error {
			_, err := b.WriteSnapshot(ctx, backend.WriteSnapshotRequest{Ref: ref, Data: []byte(`{"serial":1}`)})
			return err
		}(),
		func() error {
			_, err := b.AppendJournal(ctx, backend.AppendJournalRequest{Ref: ref, Entries: [][]byte{[]byte(`{"a":1}`), []byte(`{"b":2}`)}})
			return err
		}(),
		func() error {
			_, err := b.WriteCheckpoint(ctx, backend.WriteCheckpointRequest{Ref: ref, Version: 1, Data: []byte("v1"), History: []byte("h1")})
			return err
		}(),
		func() error {
			_, err := b.WriteTags(ctx, backend.WriteTagsRequest{Ref: ref, Tags: map[string]string{"k": "v"}})
			return err
		}(),
		func() error {
			_, err := b.Lock(ctx, backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "id1", Operation: "update", User: "u", Host: "h.invalid", PID: 7}, Lease: time.Minute})
			return err
		}(),
	}
	for i, err := range calls {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	stack := filepath.Join(dir, "stacks", "web", "prod.eu")
	want := map[string]string{
		filepath.Join(dir, "backend.json"):                  `{"version":1}`,
		filepath.Join(stack, "snapshot.json"):               `{"serial":1}`,
		filepath.Join(stack, "journal.ndjson"):              "{\"a\":1}\n{\"b\":2}\n",
		filepath.Join(stack, "checkpoints", "1.json"):       "v1",
		filepath.Join(stack, "history", "1.json"):           "h1",
		filepath.Join(stack, "tags.json"):                   "{\n  \"version\": 1,\n  \"tags\": {\n    \"k\": \"v\"\n  }\n}\n",
		filepath.Join(stack, "lock.json"):                   "",
		filepath.Join(stack, "history.guard"):               "",
		filepath.Join(dir, "stacks", "web", "prod.eu", "x"): "absent",
	}
	for path, content := range want {
		data, err := os.ReadFile(path)
		switch {
		case content == "absent":
			if err == nil {
				t.Errorf("%s exists", path)
			}
		case err != nil:
			t.Errorf("reading %s: %v", path, err)
		case content != "" && string(data) != content:
			t.Errorf("%s = %q, want %q", path, data, content)
		}
	}
	data, err := os.ReadFile(filepath.Join(stack, "lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Version int            `json:"version"`
		Lock    map[string]any `json:"lock"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		t.Fatalf("lock.json: %v", err)
	}
	if lock.Version != 1 || lock.Lock["id"] != "id1" || lock.Lock["expires"] != "2030-01-02T03:05:05Z" {
		t.Errorf("lock.json = %s, want version 1, id id1, expires 2030-01-02T03:05:05Z", data)
	}
	// No temporary files are left behind.
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", path)
		}
		return nil
	})
	// LastUpdate is the checkpoint's time on the backend's clock.
	resp, err := b.ListStacks(ctx, backend.ListStacksRequest{Project: "web"})
	if err != nil {
		t.Fatal(err)
	}
	want2 := []backend.StackSummary{{Ref: ref, LastVersion: 1, LastUpdate: start}}
	if diff := cmp.Diff(want2, resp.Stacks); diff != "" {
		t.Errorf("ListStacks mismatch (-want +got):\n%s", diff)
	}
}

func TestNewerLayoutRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "backend.json"), []byte(`{"version":2}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("New on a version 2 folder: got %v, want an error naming version 2", err)
	}
}

func TestJournalTornTail(t *testing.T) {
	dir := t.TempDir()
	b := mustNew(t, dir, nil)
	ctx := t.Context()
	ref := backend.Ref{Project: "p", Stack: "s"}
	mustCreate(t, b, ref)
	path := filepath.Join(dir, "stacks", "p", "s", journalName)
	read := func() []string {
		t.Helper()
		resp, err := b.ReadJournal(ctx, backend.ReadJournalRequest{Ref: ref})
		if err != nil {
			t.Fatalf("ReadJournal: %v", err)
		}
		var out []string
		for _, e := range resp.Entries {
			out = append(out, string(e))
		}
		return out
	}
	appendEntries := func(entries ...string) {
		t.Helper()
		var req backend.AppendJournalRequest
		req.Ref = ref
		for _, e := range entries {
			req.Entries = append(req.Entries, []byte(e))
		}
		if _, err := b.AppendJournal(ctx, req); err != nil {
			t.Fatalf("AppendJournal: %v", err)
		}
	}

	tests := []struct {
		name    string
		content string // the file as a crash left it
		want    []string
	}{
		{"torn first entry", `{"half`, nil},
		{"torn after entries", "{\"a\":1}\n{\"b\":2}\n{\"c\":", []string{`{"a":1}`, `{"b":2}`}},
		{"long torn entry", "{\"a\":1}\n" + strings.Repeat("x", 200<<10), []string{`{"a":1}`}},
		{"clean", "{\"a\":1}\n", []string{`{"a":1}`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, read()); diff != "" {
				t.Errorf("ReadJournal of a torn journal mismatch (-want +got):\n%s", diff)
			}
			appendEntries(`{"next":1}`, `{"next":2}`)
			want := append(append([]string(nil), tc.want...), `{"next":1}`, `{"next":2}`)
			if diff := cmp.Diff(want, read()); diff != "" {
				t.Errorf("ReadJournal after appending to a torn journal mismatch (-want +got):\n%s", diff)
			}
		})
	}

	_, err := b.AppendJournal(ctx, backend.AppendJournalRequest{Ref: ref, Entries: [][]byte{[]byte("a\nb")}})
	if err == nil {
		t.Error("AppendJournal of an entry with a newline succeeded")
	}
}

// TestCheckpointCrashBetweenHistoryAndCheckpoint: a history file without
// its checkpoint is not a version, and writing the version replaces it.
func TestCheckpointCrashBetweenHistoryAndCheckpoint(t *testing.T) {
	dir := t.TempDir()
	b := mustNew(t, dir, nil)
	ctx := t.Context()
	ref := backend.Ref{Project: "p", Stack: "s"}
	mustCreate(t, b, ref)
	if _, err := b.WriteCheckpoint(ctx, backend.WriteCheckpointRequest{Ref: ref, Version: 1, Data: []byte("v1"), History: []byte("h1")}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stacks", "p", "s", "history", "2.json"), []byte("orphan"), 0o600); err != nil {
		t.Fatal(err)
	}
	list := func() []string {
		resp, err := b.ListHistory(ctx, backend.ListHistoryRequest{Ref: ref})
		if err != nil {
			t.Fatalf("ListHistory: %v", err)
		}
		var out []string
		for _, r := range resp.Records {
			out = append(out, string(r))
		}
		return out
	}
	if diff := cmp.Diff([]string{"h1"}, list()); diff != "" {
		t.Errorf("ListHistory with an orphan history file (-want +got):\n%s", diff)
	}
	if _, err := b.UpdateHistory(ctx, backend.UpdateHistoryRequest{Ref: ref, Version: 2, History: []byte("x")}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("UpdateHistory of an orphan: got %v, want ErrNotFound", err)
	}
	if _, err := b.WriteCheckpoint(ctx, backend.WriteCheckpointRequest{Ref: ref, Version: 2, Data: []byte("v2"), History: []byte("h2")}); err != nil {
		t.Fatalf("WriteCheckpoint over an orphan: %v", err)
	}
	if diff := cmp.Diff([]string{"h1", "h2"}, list()); diff != "" {
		t.Errorf("ListHistory after rewriting the orphan (-want +got):\n%s", diff)
	}
}

// TestLockRaceInstances races Lock through separate Backend values over
// one folder, as separate commands would.
func TestLockRaceInstances(t *testing.T) {
	dir := t.TempDir()
	ref := backend.Ref{Project: "p", Stack: "s"}
	mustCreate(t, mustNew(t, dir, nil), ref)
	for round := range 5 {
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			b := mustNew(t, dir, nil)
			wg.Go(func() {
				_, errs[i] = b.Lock(t.Context(), backend.LockRequest{
					Ref:   ref,
					Info:  backend.LockInfo{ID: string(rune('a' + i)), Host: "elsewhere.invalid", PID: 1},
					Lease: time.Hour,
				})
			})
		}
		wg.Wait()
		winners := 0
		for i, err := range errs {
			var le *backend.LockedError
			switch {
			case err == nil:
				winners++
			case !errors.As(err, &le):
				t.Errorf("round %d holder %d: %v", round, i, err)
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d holders took the lock, want 1", round, winners)
		}
		if _, err := mustNew(t, dir, nil).BreakLock(t.Context(), backend.BreakLockRequest{Ref: ref}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestExpiredTakeoverRace races takeovers of one expired lock.
func TestExpiredTakeoverRace(t *testing.T) {
	dir := t.TempDir()
	clock := backendtest.NewClock(start)
	ref := backend.Ref{Project: "p", Stack: "s"}
	first := mustNew(t, dir, clock.Now)
	mustCreate(t, first, ref)
	if _, err := first.Lock(t.Context(), backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "old"}, Lease: time.Minute}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		b := mustNew(t, dir, clock.Now)
		wg.Go(func() {
			_, errs[i] = b.Lock(t.Context(), backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: string(rune('a' + i))}, Lease: time.Minute})
		})
	}
	wg.Wait()
	winners := 0
	for i, err := range errs {
		var le *backend.LockedError
		switch {
		case err == nil:
			winners++
		case errors.As(err, &le):
			if le.Holder.ID == "old" {
				t.Errorf("holder %d was refused by the expired lock", i)
			}
		default:
			t.Errorf("holder %d: %v", i, err)
		}
	}
	if winners != 1 {
		t.Errorf("%d holders took over the expired lock, want 1", winners)
	}
}

func TestSameHostLiveHolderKeepsLock(t *testing.T) {
	dir := t.TempDir()
	b := mustNew(t, dir, nil)
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no host name:", err)
	}
	ref := backend.Ref{Project: "p", Stack: "s"}
	mustCreate(t, b, ref)
	// This process is alive, so its lock holds even on the same host.
	if _, err := b.Lock(t.Context(), backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "me", Host: host, PID: os.Getpid()}, Lease: time.Hour}); err != nil {
		t.Fatal(err)
	}
	_, err = b.Lock(t.Context(), backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "other", Host: host, PID: os.Getpid()}, Lease: time.Hour})
	var le *backend.LockedError
	if !errors.As(err, &le) || le.Holder.ID != "me" {
		t.Errorf("Lock against a live same-host holder: got %v, want *LockedError naming me", err)
	}
}

func TestDamagedLock(t *testing.T) {
	dir := t.TempDir()
	b := mustNew(t, dir, nil)
	ctx := t.Context()
	ref := backend.Ref{Project: "p", Stack: "s"}
	mustCreate(t, b, ref)
	if err := os.WriteFile(filepath.Join(dir, "stacks", "p", "s", lockName), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lock(ctx, backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "x"}, Lease: time.Minute}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("Lock over a damaged lock file: got %v, want an error saying it is damaged", err)
	}
	resp, err := b.BreakLock(ctx, backend.BreakLockRequest{Ref: ref})
	if err != nil || resp.Info != nil {
		t.Errorf("BreakLock of a damaged lock = %v, %v; want nil, nil", resp.Info, err)
	}
	if _, err := b.Lock(ctx, backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "x"}, Lease: time.Minute}); err != nil {
		t.Errorf("Lock after breaking a damaged lock: %v", err)
	}
}

// TestReplaceCheckpointKeepsLastUpdate: the version's LastUpdate is the
// checkpoint file's modification time, and key rotation must not move it;
// nor may it leave temporary files behind.
func TestReplaceCheckpointKeepsLastUpdate(t *testing.T) {
	now := start
	dir := t.TempDir()
	b := mustNew(t, dir, func() time.Time { return now })
	ctx := t.Context()
	ref := backend.Ref{Project: "p", Stack: "dev"}
	mustCreate(t, b, ref)
	if _, err := b.WriteCheckpoint(ctx, backend.WriteCheckpointRequest{Ref: ref, Version: 1, Data: []byte("old"), History: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	now = start.Add(time.Hour)
	if _, err := b.ReplaceCheckpoint(ctx, backend.ReplaceCheckpointRequest{Ref: ref, Version: 1, Data: []byte("new")}); err != nil {
		t.Fatal(err)
	}
	r, err := b.ListStacks(ctx, backend.ListStacksRequest{Project: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Stacks[0].LastUpdate; !got.Equal(start) {
		t.Errorf("LastUpdate after ReplaceCheckpoint = %v, want %v", got, start)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "stacks", "p", "dev", "checkpoints"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"1.json"}, names); diff != "" {
		t.Errorf("checkpoints folder after ReplaceCheckpoint (-want +got):\n%s", diff)
	}
}
