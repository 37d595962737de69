package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/backend/filebackend"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/state"
)

// tagCrypter "encrypts" by tagging: it reads only values it tagged, like a
// key reads only its own ciphertexts.
type tagCrypter string

func (c tagCrypter) Encrypt(p []byte) (string, error) { return string(c) + ":" + string(p), nil }
func (c tagCrypter) Decrypt(s string) ([]byte, error) {
	p, ok := strings.CutPrefix(s, string(c)+":")
	if !ok {
		return nil, fmt.Errorf("not under key %s", string(c))
	}
	return []byte(p), nil
}

// eitherCrypter reads with any of its crypters and writes with the first.
type eitherCrypter []tagCrypter

func (e eitherCrypter) Encrypt(p []byte) (string, error) { return e[0].Encrypt(p) }
func (e eitherCrypter) Decrypt(s string) ([]byte, error) {
	for _, c := range e {
		if p, err := c.Decrypt(s); err == nil {
			return p, nil
		}
	}
	return nil, errors.New("under no key")
}

// hiddenLast is a backend whose history leaves out the last version, as a
// crash between a checkpoint and its history record can (blobbackend).
type hiddenLast struct{ backend.Backend }

func (h hiddenLast) ListHistory(ctx context.Context, req backend.ListHistoryRequest) (backend.ListHistoryResponse, error) {
	r, err := h.Backend.ListHistory(ctx, req)
	if len(r.Records) > 0 {
		r.Records = r.Records[:len(r.Records)-1]
	}
	return r, err
}

// mustStack makes a stack with versions 1..n, each adding a resource with a
// secret input, all under key old.
func mustStack(t *testing.T, b backend.Backend, old tagCrypter, n int) *Stack {
	t.Helper()
	ctx := t.Context()
	s := &Stack{Ref: backend.Ref{Project: "p", Stack: "dev"}, Backend: b, Crypter: old, Now: time.Now}
	if err := s.Create(ctx); err != nil {
		t.Fatal(err)
	}
	sess, err := s.Open(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for i := 1; i <= n; i++ {
		_, err := sess.Edit(ctx, KindStateEdit, "add", func(snap *state.Snapshot) error {
			name := fmt.Sprintf("r%d", i)
			snap.Resources = append(snap.Resources, &state.Resource{
				URN: resource.NewURN("dev", "p", "core:Data", name), Type: "core:Data", ID: name,
				Inputs: resource.PropertyMap{"pw": resource.Secret{Value: name}},
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// readable counts the versions 1..n that dec reads.
func readable(t *testing.T, b backend.Backend, n int, dec resource.Decrypter) int {
	t.Helper()
	got := 0
	for v := 1; v <= n; v++ {
		c, err := b.ReadCheckpoint(t.Context(), backend.ReadCheckpointRequest{Ref: backend.Ref{Project: "p", Stack: "dev"}, Version: v})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := state.Decode(c.Data, dec); err == nil {
			got++
		}
	}
	return got
}

func TestReencrypt(t *testing.T) {
	ctx := t.Context()
	fb, err := filebackend.New(t.TempDir(), filebackend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := hiddenLast{fb}
	old, next := tagCrypter("old"), tagCrypter("new")
	s := mustStack(t, b, old, 4)
	hits := 0
	s.Hook = func(point string) error {
		if point != "rotation.checkpoint" {
			return nil
		}
		hits++
		if hits == 2 {
			return errors.New("injected")
		}
		return nil
	}
	s.Crypter = eitherCrypter{next, old}
	sess, err := s.Open(ctx, "rotate")
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.CheckVersions(ctx, old); err != nil {
		t.Fatalf("CheckVersions with the old key: %v", err)
	}
	if err := sess.CheckVersions(ctx, next); err == nil || !strings.Contains(err.Error(), "version 1: ") {
		t.Errorf("CheckVersions with the new key = %v, want an error naming version 1", err)
	}

	// Stopped after the second version (the hook fails), then run again.
	n, err := sess.Reencrypt(ctx, s.Crypter, next)
	if n != 2 || err == nil {
		t.Fatalf("Reencrypt with a failing hook = %d, %v; want 2 and the hook's error", n, err)
	}
	if got := readable(t, b, 4, next); got != 2 {
		t.Errorf("after the interrupted Reencrypt the new key reads %d versions, want 2", got)
	}
	n, err = sess.Reencrypt(ctx, s.Crypter, next)
	if err != nil || n != 2 {
		t.Fatalf("Reencrypt again = %d, %v; want the 2 versions left (the last one hidden from history included)", n, err)
	}
	if got := readable(t, b, 4, next); got != 4 {
		t.Errorf("the new key reads %d of 4 versions, want all", got)
	}
	if got := readable(t, b, 4, old); got != 0 {
		t.Errorf("the old key still reads %d versions", got)
	}
	if n, err := sess.Reencrypt(ctx, s.Crypter, next); n != 0 || err != nil {
		t.Errorf("Reencrypt with nothing left to do = %d, %v; want 0, nil", n, err)
	}
	hist, err := fb.ListHistory(ctx, backend.ListHistoryRequest{Ref: s.Ref})
	if err != nil || len(hist.Records) != 4 {
		t.Errorf("history after Reencrypt: %d records, %v; want the 4 untouched", len(hist.Records), err)
	}
}
