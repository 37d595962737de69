package secrets

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAgeTwoIdentities(t *testing.T) {
	ctx := t.Context()
	alice, bob := mustIdentity(t), mustIdentity(t)
	recipients := []string{alice.Recipient().String(), bob.Recipient().String()}

	w, k, err := NewKey(ctx, "age", recipients, ageEnv(t, alice))
	if err != nil {
		t.Fatal(err)
	}
	if w.Provider != "age" || w.Salt != "" {
		t.Errorf("Wrapped = %+v, want provider age and no salt", w)
	}
	if diff := cmp.Diff(recipients, w.Recipients); diff != "" {
		t.Errorf("Recipients (-want +got):\n%s", diff)
	}
	// EncryptedKey is base64 of a binary age file, not an armored one.
	raw, err := base64.StdEncoding.DecodeString(w.EncryptedKey)
	if err != nil {
		t.Fatalf("EncryptedKey is not base64: %v", err)
	}
	if !bytes.HasPrefix(raw, []byte("age-encryption.org/v1\n")) {
		t.Errorf("EncryptedKey decodes to %.30q…, want a binary age file", raw)
	}

	for name, id := range map[string]string{"alice": alice.String(), "bob": bob.String()} {
		t.Run(name, func(t *testing.T) {
			got, err := Open(ctx, w, testEnv(t, map[string]string{envAgeKey: id}))
			if err != nil {
				t.Fatal(err)
			}
			assertSameKey(t, k, got)
		})
	}
}

func TestAgeNotARecipient(t *testing.T) {
	ctx := t.Context()
	alice, mallory := mustIdentity(t), mustIdentity(t)
	w, k, err := NewKey(ctx, "age", []string{alice.Recipient().String()}, ageEnv(t, alice))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, w, ageEnv(t, mallory))
	assertErr(t, err, ErrAccess, append(keyForms(k), mallory.String(), alice.String())...)
	want := "this identity (" + mallory.Recipient().String() + ") is not a recipient of this stack"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want it to start %q", err, want)
	}
}

func TestAgeDefaultIdentityCreatedOnFirstUse(t *testing.T) {
	ctx := t.Context()
	env := testEnv(t, nil)
	path := filepath.Join(env.HomeDir, ".plinth", "age.key")

	w, k, err := NewKey(ctx, "age", nil, env)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("identity file not created: %v", err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("identity file mode = %v, want 0600", got)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if got := di.Mode().Perm(); got != 0o700 {
		t.Errorf("identity directory mode = %v, want 0700", got)
	}

	me, err := CurrentRecipient(env)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{me}, w.Recipients); diff != "" {
		t.Errorf("Recipients (-want +got):\n%s", diff)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "# public key: "+me+"\n") {
		t.Errorf("identity file does not name its public key:\n%s", data)
	}
	got, err := Open(ctx, w, env)
	if err != nil {
		t.Fatal(err)
	}
	assertSameKey(t, k, got)

	// The same file serves the next command; and the identity works as
	// PLINTH_AGE_KEY_FILE too.
	again, err := CurrentRecipient(env)
	if err != nil || again != me {
		t.Errorf("second CurrentRecipient = %q, %v; want %q", again, err, me)
	}
	fileEnv := testEnv(t, map[string]string{envAgeKeyFile: path})
	if _, err := Open(ctx, w, fileEnv); err != nil {
		t.Errorf("Open with %s: %v", envAgeKeyFile, err)
	}
}

func TestAgeDefaultIdentityConcurrentCreation(t *testing.T) {
	env := testEnv(t, nil)
	const n = 8
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := CurrentRecipient(env)
			if err != nil {
				t.Error(err)
			}
			got[i] = r
		})
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] {
			t.Fatalf("concurrent first use made different identities: %q", got)
		}
	}
	entries, err := os.ReadDir(filepath.Join(env.HomeDir, ".plinth"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("~/.plinth holds %d entries, want only age.key", len(entries))
	}
}

func TestAgeIdentitySources(t *testing.T) {
	a, b := mustIdentity(t), mustIdentity(t)
	dir := t.TempDir()
	writeFile := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bFile := writeFile("b.key", "# created by age-keygen\r\n# public key: "+b.Recipient().String()+"\r\n"+b.String()+"\r\n")
	badFile := writeFile("bad.key", "AGE-SECRET-KEY-1NOTAKEY\n")
	emptyFile := writeFile("empty.key", "")

	tests := []struct {
		name    string
		vars    map[string]string
		want    string // recipient, when the identity loads
		wantErr error
	}{
		{"key in variable", map[string]string{envAgeKey: a.String()}, a.Recipient().String(), nil},
		{"key with surrounding space", map[string]string{envAgeKey: "  " + a.String() + "\n"}, a.Recipient().String(), nil},
		{"key file with comments and CRLF", map[string]string{envAgeKeyFile: bFile}, b.Recipient().String(), nil},
		{"variable before file", map[string]string{envAgeKey: a.String(), envAgeKeyFile: bFile}, a.Recipient().String(), nil},
		{"variable set but empty", map[string]string{envAgeKey: ""}, "", ErrNoIdentity},
		{"file variable set but empty", map[string]string{envAgeKeyFile: ""}, "", ErrNoIdentity},
		{"file missing", map[string]string{envAgeKeyFile: filepath.Join(dir, "missing")}, "", ErrNoIdentity},
		{"file invalid", map[string]string{envAgeKeyFile: badFile}, "", ErrNoIdentity},
		{"file empty", map[string]string{envAgeKeyFile: emptyFile}, "", ErrNoIdentity},
		{"variable invalid", map[string]string{envAgeKey: "AGE-SECRET-KEY-1SECRETBUTBROKEN"}, "", ErrNoIdentity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CurrentRecipient(testEnv(t, tt.vars))
			if tt.wantErr != nil {
				assertErr(t, err, tt.wantErr, a.String(), b.String(), "SECRETBUTBROKEN")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CurrentRecipient = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAgeIdentityProblems: an identity age refuses is described in words,
// with the line, never with age's parser messages or the key text.
func TestAgeIdentityProblems(t *testing.T) {
	a := mustIdentity(t)
	good := a.String()
	tests := []struct {
		name, text, want string
	}{
		{"not a key", "hello world", "line 1 is not an age secret key (AGE-SECRET-KEY-1…)"},
		{"public key given", "# mine\n" + a.Recipient().String(), "line 2 is not an age secret key"},
		{"truncated key", good[:len(good)-4], "line 1 is a damaged or truncated age secret key"},
		{"second line bad", good + "\n\nAGE-SECRET-KEY-1BROKEN", "line 3 is a damaged or truncated age secret key"},
		{"only comments", "# nothing here\n", "it holds no age secret key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CurrentRecipient(testEnv(t, map[string]string{envAgeKey: tt.text}))
			assertErr(t, err, ErrNoIdentity, good, "BROKEN")
			if want := "the age identity in " + envAgeKey + " is not valid: " + tt.want; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error = %q, want it to start %q", err, want)
			}
		})
	}
}

func TestAgeNoHomeDir(t *testing.T) {
	_, err := CurrentRecipient(Env{})
	assertErr(t, err, ErrNoIdentity)
	for _, v := range []string{envAgeKey, envAgeKeyFile} {
		if !strings.Contains(err.Error(), v) {
			t.Errorf("error %q does not name %s", err, v)
		}
	}
}

func TestAgeRecipientValidation(t *testing.T) {
	ctx := t.Context()
	a, b := mustIdentity(t), mustIdentity(t)
	env := ageEnv(t, a)
	ra, rb := a.Recipient().String(), b.Recipient().String()

	w, _, err := NewKey(ctx, "age", []string{ra, " " + rb + " ", ra}, env)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{ra, rb}, w.Recipients); diff != "" {
		t.Errorf("recipients are trimmed and deduplicated (-want +got):\n%s", diff)
	}

	tests := []struct {
		name       string
		recipients []string
		wantMsg    string
	}{
		{"secret key", []string{ra, b.String()}, "recipient #2 is an age secret key"},
		{"not age", []string{"ssh-ed25519 AAAA"}, "recipient #1 is not an age public key"},
		{"bad checksum", []string{ra[:len(ra)-1] + "q"}, "recipient #1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := NewKey(ctx, "age", tt.recipients, env)
			if err == nil {
				t.Fatal("NewKey succeeded")
			}
			assertCleanError(t, err, b.String())
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}
}
