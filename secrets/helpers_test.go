package secrets

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"filippo.io/age"
)

// testEnv is an Env with only vars set and a fresh home directory.
func testEnv(t *testing.T, vars map[string]string) Env {
	t.Helper()
	return Env{
		Lookup: func(name string) (string, bool) {
			v, ok := vars[name]
			return v, ok
		},
		HomeDir:  t.TempDir(),
		ReadFile: os.ReadFile,
	}
}

// ageEnv is an Env whose identity is id, given as PLINTH_AGE_KEY.
func ageEnv(t *testing.T, id *age.X25519Identity) Env {
	t.Helper()
	return testEnv(t, map[string]string{envAgeKey: id.String()})
}

func mustIdentity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// mustKey returns a fresh data key.
func mustKey(t *testing.T) *Key {
	t.Helper()
	k, _, err := generateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// cheapKDF is argon2id at its cheapest, so that tests spend milliseconds,
// not seconds, per passphrase-wrapped key. Production never writes it.
func cheapKDF() kdfParams { return kdfParams{time: 1, memoryKiB: 64, threads: 1} }

// wrapPassphraseCheap wraps k under pass with cheapKDF.
func wrapPassphraseCheap(t *testing.T, k *Key, pass string) Wrapped {
	t.Helper()
	w, err := wrapPassphrase(k.raw[:], []byte(pass), cheapKDF())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// mustEncrypt encrypts plaintext with c.
func mustEncrypt(t *testing.T, c Crypter, plaintext string) string {
	t.Helper()
	ct, err := c.Encrypt([]byte(plaintext))
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

// assertSameKey fails unless a and b are the same data key: each decrypts
// what the other encrypts.
func assertSameKey(t *testing.T, a, b *Key) {
	t.Helper()
	for _, pair := range [][2]*Key{{a, b}, {b, a}} {
		ct := mustEncrypt(t, pair[0], "same key?")
		got, err := pair[1].Decrypt(ct)
		if err != nil {
			t.Fatalf("keys differ: Decrypt: %v", err)
		}
		if string(got) != "same key?" {
			t.Fatalf("keys differ: Decrypt = %q", got)
		}
	}
}

// assertErr fails unless err wraps want, is one line, and shows none of
// the secrets given.
func assertErr(t *testing.T, err, want error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("got error %q, want one wrapping %q", err, want)
	}
	assertCleanError(t, err, secrets...)
}

// assertCleanError fails if err's message spans lines or contains any of
// secrets.
func assertCleanError(t *testing.T, err error, secrets ...string) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error %q spans several lines", msg)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("error %q contains secret %q", msg, s)
		}
	}
}

// keyForms are the ways raw key bytes could show up in a message.
func keyForms(k *Key) []string {
	return []string{
		hex.EncodeToString(k.raw[:]),
		base64.StdEncoding.EncodeToString(k.raw[:]),
		base64.URLEncoding.EncodeToString(k.raw[:]),
		string(k.raw[:]),
	}
}
