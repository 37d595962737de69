package secrets

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestPassphraseProductionParameters(t *testing.T) {
	if testing.Short() {
		t.Skip("argon2id with 64 MiB takes a while")
	}
	ctx := t.Context()
	env := testEnv(t, map[string]string{envPassphrase: "correct horse"})
	w, k, err := NewKey(ctx, "passphrase", nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^v1:argon2id:t=3,m=65536,p=4:[A-Za-z0-9+/]{22}==$`).MatchString(w.Salt) {
		t.Errorf("Salt = %q, want v1:argon2id:t=3,m=65536,p=4:<16 bytes of base64>", w.Salt)
	}
	if !strings.HasPrefix(w.EncryptedKey, "v1:") || w.Provider != "passphrase" || len(w.Recipients) != 0 {
		t.Errorf("Wrapped = %+v, want provider passphrase and a v1: encrypted key", w)
	}
	got, err := Open(ctx, w, env)
	if err != nil {
		t.Fatal(err)
	}
	assertSameKey(t, k, got)
}

func TestPassphraseSources(t *testing.T) {
	ctx := t.Context()
	k := mustKey(t)
	w := wrapPassphraseCheap(t, k, "correct horse")
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := file("good", "correct horse\n")
	goodCRLF := file("crlf", "correct horse\r\n")
	wrong := file("wrong", "battery staple\n")
	empty := file("empty", "\n")

	tests := []struct {
		name    string
		vars    map[string]string
		wantErr error
		wantMsg string
	}{
		{"variable", map[string]string{envPassphrase: "correct horse"}, nil, ""},
		{"file, newline trimmed", map[string]string{envPassphraseFile: good}, nil, ""},
		{"file, CRLF trimmed", map[string]string{envPassphraseFile: goodCRLF}, nil, ""},
		{"variable before file", map[string]string{envPassphrase: "correct horse", envPassphraseFile: wrong}, nil, ""},
		{"empty variable counts as unset", map[string]string{envPassphrase: "", envPassphraseFile: good}, nil, ""},
		{"wrong variable", map[string]string{envPassphrase: "battery staple"}, ErrAccess, "incorrect passphrase"},
		{"wrong file", map[string]string{envPassphraseFile: wrong}, ErrAccess, "incorrect passphrase"},
		{"passphrase with extra newline", map[string]string{envPassphrase: "correct horse\n"}, ErrAccess, "incorrect passphrase"},
		{"none", nil, ErrNoIdentity, "set PLINTH_CONFIG_PASSPHRASE or PLINTH_CONFIG_PASSPHRASE_FILE"},
		{"both empty", map[string]string{envPassphrase: "", envPassphraseFile: ""}, ErrNoIdentity, "set PLINTH_CONFIG_PASSPHRASE or PLINTH_CONFIG_PASSPHRASE_FILE"},
		{"file missing", map[string]string{envPassphraseFile: filepath.Join(dir, "missing")}, ErrNoIdentity, "cannot read PLINTH_CONFIG_PASSPHRASE_FILE"},
		{"file empty", map[string]string{envPassphraseFile: empty}, ErrNoIdentity, "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Open(ctx, w, testEnv(t, tt.vars))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				assertSameKey(t, k, got)
				return
			}
			assertErr(t, err, tt.wantErr, append(keyForms(k), "correct horse", "battery staple")...)
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}
}

func TestPassphraseIncorrectIsOneLine(t *testing.T) {
	w := wrapPassphraseCheap(t, mustKey(t), "right")
	_, err := Open(t.Context(), w, testEnv(t, map[string]string{envPassphrase: "wrong"}))
	if err == nil || err.Error() != "incorrect passphrase" {
		t.Fatalf("error = %v, want exactly %q", err, "incorrect passphrase")
	}
}

func TestPassphraseSaltsDiffer(t *testing.T) {
	k := mustKey(t)
	a, b := wrapPassphraseCheap(t, k, "pw"), wrapPassphraseCheap(t, k, "pw")
	if a.Salt == b.Salt || a.EncryptedKey == b.EncryptedKey {
		t.Errorf("two wraps share a salt or ciphertext: %+v %+v", a, b)
	}
}

func TestParseSalt(t *testing.T) {
	const salt16 = "AAECAwQFBgcICQoLDA0ODw=="
	tests := []struct {
		name    string
		in      string
		want    kdfParams
		wantMsg string // empty: valid
	}{
		{"production", "v1:argon2id:t=3,m=65536,p=4:" + salt16, kdfParams{3, 65536, 4}, ""},
		{"cheap", "v1:argon2id:t=1,m=64,p=1:" + salt16, kdfParams{1, 64, 1}, ""},
		{"empty", "", kdfParams{}, "missing"},
		{"unknown version", "v2:argon2id:t=3,m=65536,p=4:" + salt16, kdfParams{}, `unknown format version "v2"`},
		{"pulumi-style salt", "v1:" + salt16 + ":v1:abc", kdfParams{}, "want argon2id"},
		{"other kdf", "v1:scrypt:t=3,m=65536,p=4:" + salt16, kdfParams{}, "want argon2id"},
		{"params out of order", "v1:argon2id:m=65536,t=3,p=4:" + salt16, kdfParams{}, "want parameters"},
		{"params missing", "v1:argon2id:t=3,m=65536:" + salt16, kdfParams{}, "want parameters"},
		{"param not a number", "v1:argon2id:t=x,m=65536,p=4:" + salt16, kdfParams{}, "not a number"},
		{"param negative", "v1:argon2id:t=-1,m=65536,p=4:" + salt16, kdfParams{}, "not a number"},
		{"t zero", "v1:argon2id:t=0,m=65536,p=4:" + salt16, kdfParams{}, "t must be"},
		{"t huge", "v1:argon2id:t=1000,m=65536,p=4:" + salt16, kdfParams{}, "t must be"},
		{"memory huge", "v1:argon2id:t=3,m=4194304,p=4:" + salt16, kdfParams{}, "m must be"},
		{"memory below 8p", "v1:argon2id:t=3,m=16,p=4:" + salt16, kdfParams{}, "m must be"},
		{"p zero", "v1:argon2id:t=3,m=65536,p=0:" + salt16, kdfParams{}, "p must be"},
		{"p over uint8", "v1:argon2id:t=3,m=65536,p=257:" + salt16, kdfParams{}, "p must be"},
		{"salt not base64", "v1:argon2id:t=3,m=65536,p=4:!!!", kdfParams{}, "not valid base64"},
		{"salt short", "v1:argon2id:t=3,m=65536,p=4:AAAA", kdfParams{}, "8 to 64 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, salt, err := parseSalt(tt.in)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want || len(salt) != 16 {
					t.Errorf("parseSalt = %+v, %d-byte salt; want %+v, 16 bytes", got, len(salt), tt.want)
				}
				if back := formatSalt(got, salt); back != tt.in {
					t.Errorf("formatSalt(parseSalt(s)) = %q, want %q", back, tt.in)
				}
				return
			}
			assertErr(t, err, ErrMalformed)
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}
}

func TestPassphraseMalformedEncryptedKey(t *testing.T) {
	ctx := t.Context()
	env := testEnv(t, map[string]string{envPassphrase: "pw"})
	w := wrapPassphraseCheap(t, mustKey(t), "pw")
	for _, ek := range []string{"", "garbage", "v1:!!!", "v9:AAAA", "v1:AAAA"} {
		bad := w
		bad.EncryptedKey = ek
		_, err := Open(ctx, bad, env)
		assertErr(t, err, ErrMalformed, "pw")
	}
	bad := w
	bad.Salt = ""
	_, err := Open(ctx, bad, env)
	assertErr(t, err, ErrMalformed)
}
