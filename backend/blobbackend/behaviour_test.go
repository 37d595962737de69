package blobbackend

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/backend/backendtest"
	"github.com/plinth-iac/plinth/internal/testservice"
)

var ref = backend.Ref{Project: "p", Stack: "dev"}

func mustCreate(t *testing.T, b *Backend, ref backend.Ref) {
	t.Helper()
	if _, err := b.CreateStack(t.Context(), backend.CreateStackRequest{Ref: ref}); err != nil {
		t.Fatalf("CreateStack(%s): %v", ref, err)
	}
}

func mustAppend(t *testing.T, b *Backend, entries ...string) {
	t.Helper()
	var req backend.AppendJournalRequest
	req.Ref = ref
	for _, e := range entries {
		req.Entries = append(req.Entries, []byte(e))
	}
	if _, err := b.AppendJournal(t.Context(), req); err != nil {
		t.Fatalf("AppendJournal: %v", err)
	}
}

func readJournal(t *testing.T, b *Backend) []string {
	t.Helper()
	resp, err := b.ReadJournal(t.Context(), backend.ReadJournalRequest{Ref: ref})
	if err != nil {
		t.Fatalf("ReadJournal: %v", err)
	}
	var out []string
	for _, e := range resp.Entries {
		out = append(out, string(e))
	}
	return out
}

// openBucket opens the raw bucket behind a test URL, to look at the keys.
func openBucket(t *testing.T, url string) *blob.Bucket {
	t.Helper()
	bucket, err := blob.OpenBucket(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bucket.Close() })
	return bucket
}

func listKeys(t *testing.T, bucket *blob.Bucket, prefix string) []string {
	t.Helper()
	var keys []string
	it := bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(t.Context())
		if err != nil {
			break
		}
		keys = append(keys, obj.Key)
	}
	return keys
}

// TestJournalObjectsAreNeverRewritten checks the layout: one new object per
// batch, earlier objects untouched.
func TestJournalObjectsAreNeverRewritten(t *testing.T) {
	url := testservice.S3(t)
	b := mustOpen(t, url, nil)
	bucket := openBucket(t, url)
	mustCreate(t, b, ref)
	mustAppend(t, b, "one", "two")
	first := "stacks/p/dev/journal/00000000000000000001.json"
	before, err := bucket.Attributes(t.Context(), first)
	if err != nil {
		t.Fatalf("the first batch is not at %s: %v", first, err)
	}
	mustAppend(t, b, "three")
	mustAppend(t, b) // an empty batch writes nothing
	mustAppend(t, b, "four")

	want := []string{
		"stacks/p/dev/journal/00000000000000000001.json",
		"stacks/p/dev/journal/00000000000000000002.json",
		"stacks/p/dev/journal/00000000000000000003.json",
	}
	if diff := cmp.Diff(want, listKeys(t, bucket, "stacks/p/dev/journal/")); diff != "" {
		t.Errorf("journal objects mismatch (-want +got):\n%s", diff)
	}
	after, err := bucket.Attributes(t.Context(), first)
	if err != nil {
		t.Fatal(err)
	}
	if after.ETag != before.ETag {
		t.Errorf("the first batch was rewritten: ETag %s, then %s", before.ETag, after.ETag)
	}
	if diff := cmp.Diff([]string{"one", "two", "three", "four"}, readJournal(t, b)); diff != "" {
		t.Errorf("ReadJournal mismatch (-want +got):\n%s", diff)
	}
}

// TestJournalSharedByTwoBackends appends through two Backends in turn:
// each one's guess of the next number goes stale, and the conditional
// create sorts it out.
func TestJournalSharedByTwoBackends(t *testing.T) {
	url := testservice.S3(t)
	a, b := mustOpen(t, url, nil), mustOpen(t, url, nil)
	mustCreate(t, a, ref)
	var want []string
	for i := range 6 {
		e := fmt.Sprintf("entry %d", i)
		mustAppend(t, []*Backend{a, b}[i%2], e)
		want = append(want, e)
	}
	if diff := cmp.Diff(want, readJournal(t, a)); diff != "" {
		t.Errorf("ReadJournal mismatch (-want +got):\n%s", diff)
	}
	if _, err := b.ResetJournal(t.Context(), backend.ResetJournalRequest{Ref: ref}); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, a, "after reset")
	mustAppend(t, b, "again")
	if diff := cmp.Diff([]string{"after reset", "again"}, readJournal(t, b)); diff != "" {
		t.Errorf("ReadJournal after reset mismatch (-want +got):\n%s", diff)
	}
}

// TestLockTakeoverRace has two Backends race, round after round, for a
// lock that is free, expired, or released: exactly one wins each time.
func TestLockTakeoverRace(t *testing.T) {
	url := testservice.S3(t)
	clock := backendtest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	backends := []*Backend{mustOpen(t, url, clock.Now), mustOpen(t, url, clock.Now)}
	mustCreate(t, backends[0], ref)
	for round := range 12 {
		var wg sync.WaitGroup
		errs := make([]error, len(backends))
		for i, b := range backends {
			wg.Go(func() {
				_, errs[i] = b.Lock(t.Context(), backend.LockRequest{
					Ref: ref, Info: backend.LockInfo{ID: fmt.Sprintf("r%d-b%d", round, i)}, Lease: time.Minute,
				})
			})
		}
		wg.Wait()
		winner := ""
		for i, err := range errs {
			var le *backend.LockedError
			switch {
			case err == nil:
				if winner != "" {
					t.Fatalf("round %d: both backends took the lock", round)
				}
				winner = fmt.Sprintf("r%d-b%d", round, i)
			case !errors.As(err, &le):
				t.Fatalf("round %d, backend %d: %v", round, i, err)
			}
		}
		if winner == "" {
			t.Fatalf("round %d: nobody took the lock", round)
		}
		// Odd rounds release the lock; even ones let the lease run out.
		if round%2 == 1 {
			if _, err := backends[0].Unlock(t.Context(), backend.UnlockRequest{Ref: ref, ID: winner}); err != nil {
				t.Fatalf("round %d: Unlock: %v", round, err)
			}
		} else {
			clock.Advance(2 * time.Minute)
		}
	}
}

// TestLockNeedsConditionalReplace checks that a bucket without If-Match
// (memblob and fileblob: gocloud.dev gives them If-None-Match only)
// refuses to lock, with an error that says why, while everything else
// works.
func TestLockNeedsConditionalReplace(t *testing.T) {
	for _, url := range []string{
		"mem://",
		"file://" + t.TempDir() + "?no_tmp_dir=true",
	} {
		t.Run(strings.SplitN(url, ":", 2)[0], func(t *testing.T) {
			b := mustOpen(t, url, nil)
			ctx := t.Context()
			mustCreate(t, b, ref)
			if _, err := b.CreateStack(ctx, backend.CreateStackRequest{Ref: ref}); !errors.Is(err, backend.ErrStackExists) {
				t.Errorf("second CreateStack: got %v, want ErrStackExists (If-None-Match works here)", err)
			}
			mustAppend(t, b, "entry")
			if diff := cmp.Diff([]string{"entry"}, readJournal(t, b)); diff != "" {
				t.Errorf("ReadJournal mismatch (-want +got):\n%s", diff)
			}
			_, err := b.Lock(ctx, backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "x"}, Lease: time.Minute})
			if err == nil || !strings.Contains(err.Error(), "If-Match") {
				t.Errorf("Lock: got %v, want an error explaining that If-Match is missing", err)
			}
			if l, err := b.ReadLock(ctx, backend.ReadLockRequest{Ref: ref}); err != nil || l.Info != nil {
				t.Errorf("ReadLock after the refused Lock = %+v, %v; want no lock", l.Info, err)
			}
		})
	}
}

// TestConditionalProbe checks the probe passes on a real S3 server and
// leaves nothing behind.
func TestConditionalProbe(t *testing.T) {
	url := testservice.S3(t)
	b := mustOpen(t, url, nil)
	if b.cond != condS3 {
		t.Fatalf("an s3:// bucket was detected as kind %d", b.cond)
	}
	if err := b.checkConditional(t.Context()); err != nil {
		t.Fatalf("checkConditional on versitygw: %v", err)
	}
	if keys := listKeys(t, openBucket(t, url), ""); len(keys) != 0 {
		t.Errorf("the probe left %q behind", keys)
	}
}

// TestPrefix checks that the URL's path and prefix parameter keep
// backends on one bucket apart.
func TestPrefix(t *testing.T) {
	base := testservice.S3(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	withPath := *u
	withPath.Path = "/team-a/"
	withParam := *u
	q := withParam.Query()
	q.Set("prefix", "team-b")
	withParam.RawQuery = q.Encode()

	a, bb, root := mustOpen(t, withPath.String(), nil), mustOpen(t, withParam.String(), nil), mustOpen(t, base, nil)
	mustCreate(t, a, ref)
	mustCreate(t, bb, ref) // no clash: another prefix
	if got, err := root.ListStacks(t.Context(), backend.ListStacksRequest{Project: "p"}); err != nil || len(got.Stacks) != 0 {
		t.Errorf("ListStacks without a prefix = %v, %v; want none", got.Stacks, err)
	}
	want := []string{"team-a/stacks/p/dev/stack.json", "team-b/stacks/p/dev/stack.json"}
	if diff := cmp.Diff(want, listKeys(t, openBucket(t, base), "")); diff != "" {
		t.Errorf("keys mismatch (-want +got):\n%s", diff)
	}
	if got := a.URL(); got != withPath.String() {
		t.Errorf("URL() = %q, want %q", got, withPath.String())
	}
}

func TestURLRedactsSecrets(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"s3://bucket/prefix?region=eu-west-1", "s3://bucket/prefix?region=eu-west-1"},
		{"s3://user:hunter2@bucket?region=x", "s3://user:xxxxx@bucket?region=x"},
		{"azblob://c?sas_token=hunter2&domain=d", "azblob://c?sas_token=xxxxx&domain=d"},
		{"gs://b?access_id=a&private_key_secret=hunter2#frag", "gs://b?access_id=a&private_key_secret=xxxxx#frag"},
		{"s3://b?endpoint=http://127.0.0.1:9000;X-Amz-Signature=hunter2", "s3://b?endpoint=http://127.0.0.1:9000;X-Amz-Signature=xxxxx"},
		{"s3://b?kmskeyid=k1&aws_secret_access_key=hunter%32", "s3://b?kmskeyid=k1&aws_secret_access_key=xxxxx"},
	} {
		if got, _ := redact(tc.in); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// gocloud.dev's own errors quote the whole URL; none of it may show.
	// (s3:// and mem:// open without any request.)
	for _, u := range []string{
		"s3://bucket/prefix?region=eu-west-1&secret=hunter2",
		"s3://bucket?region=us-east-1&endpoint=http://127.0.0.1:1&aws_secret_access_key=hunter%32",
		"s3://u:hunter2@[bad/x",
		"mem://?token=hunter2",
	} {
		_, err := Open(t.Context(), u, Options{})
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q): got %v, want an error without the secret", u, err)
		}
	}
}

func TestInvalidNames(t *testing.T) {
	b := mustOpen(t, "mem://", nil)
	for _, r := range []backend.Ref{
		{Project: "p", Stack: ""}, {Project: "p", Stack: ".."}, {Project: "p", Stack: "a/b"},
		{Project: "", Stack: "s"}, {Project: "a/b", Stack: "s"}, {Project: "p", Stack: "sp ace"},
	} {
		_, err := b.CreateStack(t.Context(), backend.CreateStackRequest{Ref: r})
		if err == nil || !strings.Contains(err.Error(), "invalid") {
			t.Errorf("CreateStack(%q/%q): got %v, want an invalid-name error", r.Project, r.Stack, err)
		}
	}
}

// TestDetectCond checks that each cloud's bucket is recognised, so that
// its own If-Match mechanism is used. Opening makes no request: the
// emulator settings below only keep the drivers from looking for cloud
// credentials (which would probe metadata servers).
func TestDetectCond(t *testing.T) {
	t.Setenv("STORAGE_EMULATOR_HOST", "127.0.0.1:1")
	t.Setenv("AZURE_STORAGE_ACCOUNT", "devstoreaccount1")
	t.Setenv("AZURE_STORAGE_KEY", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==")
	for _, tc := range []struct {
		url  string
		want condKind
	}{
		{"s3://bucket?region=us-east-1&endpoint=http://127.0.0.1:1", condS3},
		{"gs://bucket", condGCS},
		{"azblob://container?localemu=true&domain=127.0.0.1:1&protocol=http", condAzure},
		{"mem://", condNone},
	} {
		b := mustOpen(t, tc.url, nil)
		if b.cond != tc.want {
			t.Errorf("Open(%s): conditional kind %d, want %d", tc.url, b.cond, tc.want)
		}
	}
}
