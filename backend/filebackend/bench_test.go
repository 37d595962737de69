package filebackend

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/backend"
)

func benchBackend(b *testing.B) (*Backend, backend.Ref) {
	b.Helper()
	be, err := New(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	ref := backend.Ref{Project: "p", Stack: "s"}
	if _, err := be.CreateStack(context.Background(), backend.CreateStackRequest{Ref: ref}); err != nil {
		b.Fatal(err)
	}
	return be, ref
}

// BenchmarkJournalAppend is one durable append of a batch of 8 entries
// (the group commit of 8 parallel steps): one write and one fdatasync.
func BenchmarkJournalAppend(b *testing.B) {
	be, ref := benchBackend(b)
	batch := make([][]byte, 8)
	for i := range batch {
		batch[i] = []byte(fmt.Sprintf(`{"v":1,"seq":%d,"kind":"begin","op":"create","urn":"urn:plinth:s::p::core:Data::r%d","inputs":{"input":"v"}}`, i, i))
	}
	for b.Loop() {
		if _, err := be.AppendJournal(context.Background(), backend.AppendJournalRequest{Ref: ref, Entries: batch}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLockRenew is the holder's periodic lease renewal.
func BenchmarkLockRenew(b *testing.B) {
	be, ref := benchBackend(b)
	if _, err := be.Lock(context.Background(), backend.LockRequest{Ref: ref, Info: backend.LockInfo{ID: "me", Operation: "bench"}, Lease: time.Minute}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := be.RenewLock(context.Background(), backend.RenewLockRequest{Ref: ref, ID: "me", Lease: time.Minute}); err != nil {
			b.Fatal(err)
		}
	}
}
