package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValueRoundTrip(t *testing.T) {
	k := mustKey(t)
	tests := []struct {
		name      string
		plaintext []byte
	}{
		{"empty", nil},
		{"text", []byte("hunter2")},
		{"binary", []byte{0, 1, 2, 0xff, 0xfe, '\n'}},
		{"large", bytes.Repeat([]byte("x"), 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, err := k.Encrypt(tt.plaintext)
			if err != nil {
				t.Fatal(err)
			}
			body, ok := strings.CutPrefix(ct, "v1:")
			if !ok {
				t.Fatalf("Encrypt = %.20q…, want the v1: prefix", ct)
			}
			raw, err := base64.StdEncoding.DecodeString(body)
			if err != nil {
				t.Fatalf("body is not standard base64: %v", err)
			}
			if got, want := len(raw), 24+len(tt.plaintext)+16; got != want {
				t.Errorf("decoded length = %d, want %d (24-byte nonce + plaintext + 16-byte tag)", got, want)
			}
			got, err := k.Decrypt(ct)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("Decrypt(Encrypt(p)) != p")
			}
		})
	}
}

func TestEncryptUsesFreshNonces(t *testing.T) {
	k := mustKey(t)
	seen := map[string]bool{}
	for range 100 {
		ct := mustEncrypt(t, k, "same plaintext")
		if seen[ct[:3+32]] {
			t.Fatalf("nonce repeated: %s", ct)
		}
		seen[ct[:3+32]] = true
	}
}

func TestDecryptErrors(t *testing.T) {
	k := mustKey(t)
	const plaintext = "very secret plaintext"
	ct := mustEncrypt(t, k, plaintext)
	raw, err := base64.StdEncoding.DecodeString(ct[3:])
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 0x01
		return "v1:" + base64.StdEncoding.EncodeToString(b)
	}
	other := mustKey(t)

	tests := []struct {
		name    string
		key     *Key
		in      string
		want    error
		wantMsg string // a substring of the message
	}{
		{"nonce flipped", k, flip(0), ErrTampered, "failed authentication"},
		{"ciphertext flipped", k, flip(24 + 3), ErrTampered, "failed authentication"},
		{"tag flipped", k, flip(len(raw) - 1), ErrTampered, "failed authentication"},
		{"truncated", k, "v1:" + base64.StdEncoding.EncodeToString(raw[:len(raw)-1]), ErrTampered, "failed authentication"},
		{"extended", k, "v1:" + base64.StdEncoding.EncodeToString(append(bytes.Clone(raw), 0)), ErrTampered, "failed authentication"},
		{"other key", other, ct, ErrTampered, "encrypted under another key"},
		{"no version", k, "aGVsbG8=", ErrMalformed, "not an encrypted value"},
		{"empty", k, "", ErrMalformed, "not an encrypted value"},
		{"unknown version", k, "v2:" + ct[3:], ErrMalformed, `unknown format version "v2"`},
		{"version that is not a version", k, "this is my password: " + ct[3:], ErrMalformed, "unknown format version (unrecognised)"},
		{"bad base64", k, "v1:!!!!", ErrMalformed, "not valid base64"},
		{"line break in base64", k, "v1:" + ct[3:10] + "\r\n" + ct[10:], ErrMalformed, "not valid base64"},
		{"too short", k, "v1:" + base64.StdEncoding.EncodeToString(raw[:39]), ErrMalformed, "too short"},
		{"only prefix", k, "v1:", ErrMalformed, "too short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.key.Decrypt(tt.in)
			if got != nil {
				t.Errorf("Decrypt returned %d bytes with an error", len(got))
			}
			assertErr(t, err, tt.want, append(keyForms(tt.key), plaintext)...)
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}
}

func TestMalformedIsAlsoTampered(t *testing.T) {
	_, err := mustKey(t).Decrypt("v9:AAAA")
	if !errors.Is(err, ErrMalformed) || !errors.Is(err, ErrTampered) {
		t.Fatalf("error %v: want both ErrMalformed and ErrTampered (callers map ErrTampered to an exit code)", err)
	}
	if errors.Is(err, ErrAccess) || errors.Is(err, ErrNoIdentity) {
		t.Fatalf("error %v matches ErrAccess or ErrNoIdentity", err)
	}
}

func TestNonCanonicalBase64(t *testing.T) {
	// Padding bits that are not zero decode to the same bytes under lenient
	// base64; strict decoding keeps one text per ciphertext.
	k := mustKey(t)
	ct := mustEncrypt(t, k, "x") // 24+1+16 = 41 bytes: "…X=", X has 2 padding bits
	body := []byte(ct[3:])
	last := bytes.IndexByte(body, '=') - 1
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	body[last] = alphabet[strings.IndexByte(alphabet, body[last])^1]
	if _, err := k.Decrypt("v1:" + string(body)); err == nil {
		t.Fatal("Decrypt accepted base64 with non-zero padding bits")
	}
}

func TestKeyDoesNotPrint(t *testing.T) {
	k := mustKey(t)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, k)
		for _, form := range keyForms(k) {
			if strings.Contains(out, form) {
				t.Errorf("fmt.Sprintf(%q, key) = %q shows the key", format, out)
			}
		}
	}
}

func TestUnknownProvider(t *testing.T) {
	ctx := t.Context()
	env := testEnv(t, nil)
	secret := mustIdentity(t).String()
	tests := []struct {
		provider string
		wantMsg  string
	}{
		{"agee", `unknown secrets provider "agee"`},
		{"s3://bucket", `unknown secrets provider s3://bucket`},
		{"", `unknown secrets provider ""`},
		{secret, "unknown secrets provider (an age secret key)"},
	}
	for _, tt := range tests {
		t.Run(tt.wantMsg, func(t *testing.T) {
			_, _, err := NewKey(ctx, tt.provider, nil, env)
			if err == nil {
				t.Fatal("NewKey succeeded")
			}
			assertCleanError(t, err, secret)
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
			if !errors.Is(err, ErrUnknownProvider) {
				t.Errorf("NewKey error %v is not ErrUnknownProvider", err)
			}
			_, err = Open(ctx, Wrapped{Provider: tt.provider, EncryptedKey: "AAAA"}, env)
			if tt.provider != "" && !errors.Is(err, ErrUnknownProvider) {
				t.Errorf("Open error %v is not ErrUnknownProvider", err)
			}
		})
	}
}

func TestOpenIncompleteWrapped(t *testing.T) {
	ctx := t.Context()
	env := testEnv(t, nil)
	for _, w := range []Wrapped{
		{},
		{Provider: "age"},
		{EncryptedKey: "AAAA"},
	} {
		_, err := Open(ctx, w, env)
		assertErr(t, err, ErrMalformed)
	}
}

func TestRecipientsOnlyForAge(t *testing.T) {
	env := testEnv(t, map[string]string{envPassphrase: "pw"})
	r := mustIdentity(t).Recipient().String()
	_, _, err := NewKey(t.Context(), "passphrase", []string{r}, env)
	if err == nil || !strings.Contains(err.Error(), "only for the age secrets provider") {
		t.Fatalf("NewKey(passphrase, recipients) error = %v, want a refusal", err)
	}
}
