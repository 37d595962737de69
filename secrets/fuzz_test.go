package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// fuzzKey is a fixed key, so that the seed corpus in
// testdata/fuzz/FuzzDecrypt can hold values that really decrypt.
func fuzzKey(t testing.TB) *Key {
	raw := make([]byte, keySize)
	for i := range raw {
		raw[i] = byte(i)
	}
	k, err := newKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// FuzzDecrypt checks that Decrypt never panics, that every failure is one
// of the sentinel kinds with a one-line message, and that whatever
// decrypts is the canonical text of its ciphertext.
func FuzzDecrypt(f *testing.F) {
	k := fuzzKey(f)
	for _, p := range []string{"", "hello", "\x00\xff"} {
		ct, err := k.Encrypt([]byte(p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(ct)
	}
	f.Add("v1:")
	f.Add("v2:AAAA")
	f.Add("no colon")
	f.Fuzz(func(t *testing.T, in string) {
		plain, err := k.Decrypt(in)
		if err != nil {
			if plain != nil {
				t.Fatal("plaintext returned with an error")
			}
			if !errors.Is(err, ErrTampered) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %q is neither ErrTampered nor ErrMalformed", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q spans lines", err)
			}
			return
		}
		if !strings.HasPrefix(in, "v1:") {
			t.Fatalf("decrypted %q, which lacks the v1: prefix", in)
		}
		raw, _ := base64.StdEncoding.DecodeString(in[3:])
		if canonical := "v1:" + base64.StdEncoding.EncodeToString(raw); in != canonical {
			t.Fatalf("decrypted non-canonical text %q (canonical %q)", in, canonical)
		}
		again, err := k.Decrypt(in)
		if err != nil || !bytes.Equal(again, plain) {
			t.Fatalf("second Decrypt differs: %v", err)
		}
		ct, err := k.Encrypt(plain)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := k.Decrypt(ct); err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("re-encrypted value does not round-trip: %v", err)
		}
	})
}
