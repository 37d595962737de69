package secrets

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// Crypter encrypts and decrypts single values under a stack's data key.
// Implementations are safe for concurrent use.
type Crypter interface {
	// Encrypt returns "v1:" + base64(nonce || ciphertext). Each call uses a
	// fresh random nonce, so equal plaintexts give different ciphertexts.
	Encrypt(plaintext []byte) (string, error)
	// Decrypt reverses Encrypt. A value that was modified or encrypted
	// under another key gives an error wrapping ErrTampered; a value that
	// is not in a known format gives an error wrapping ErrMalformed.
	Decrypt(ciphertext string) ([]byte, error)
}

var _ Crypter = (*Key)(nil)

// Env is how the package reads the user's environment. Nothing in the
// package reads the process environment directly.
type Env struct {
	// Lookup returns an environment variable (os.LookupEnv). Nil means no
	// variables are set.
	Lookup func(string) (string, bool)
	// HomeDir is the user's home directory; the default age identity lives
	// in HomeDir/.plinth/age.key. Empty means there is none.
	HomeDir string
	// ReadFile reads identity and passphrase files (os.ReadFile when nil).
	ReadFile func(string) ([]byte, error)
}

func (e Env) lookup(name string) (string, bool) {
	if e.Lookup == nil {
		return "", false
	}
	return e.Lookup(name)
}

func (e Env) readFile(path string) ([]byte, error) {
	if e.ReadFile == nil {
		return os.ReadFile(path)
	}
	return e.ReadFile(path)
}

// Wrapped is what a stack file stores about its data key.
type Wrapped struct {
	// Provider is "age", "passphrase", or a gocloud.dev/secrets URL.
	Provider string
	// EncryptedKey is the wrapped data key; its format depends on Provider
	// (see docs/secrets.md).
	EncryptedKey string
	// Recipients are the age recipients (age1…) the key is wrapped to;
	// empty for other providers.
	Recipients []string
	// Salt is the passphrase provider's KDF salt and parameters; empty for
	// other providers.
	Salt string
}

// Provider names that are not URLs.
const (
	ProviderAge        = "age"
	ProviderPassphrase = "passphrase"
)

// Key is a stack's 256-bit data key. It implements Crypter and is safe for
// concurrent use. Its String and GoString methods never show the key.
type Key struct {
	raw  [keySize]byte // kept only to re-wrap the key
	aead cipher.AEAD
}

const (
	keySize   = chacha20poly1305.KeySize    // 32
	nonceSize = chacha20poly1305.NonceSizeX // 24
	tagSize   = chacha20poly1305.Overhead   // 16

	// valuePrefix is the format version of encrypted values.
	valuePrefix = "v1:"
)

// newKey wraps raw key bytes; raw must be keySize long.
func newKey(raw []byte) (*Key, error) {
	if len(raw) != keySize {
		return nil, errorf(ErrMalformed, "data key is %d bytes, want %d", len(raw), keySize)
	}
	aead, err := chacha20poly1305.NewX(raw)
	if err != nil {
		return nil, err
	}
	k := &Key{aead: aead}
	copy(k.raw[:], raw)
	return k, nil
}

// generateKey returns a new random data key and its raw bytes, which the
// caller wraps and then discards.
func generateKey() (*Key, []byte, error) {
	raw := make([]byte, keySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, nil, fmt.Errorf("generate data key: %w", err)
	}
	k, err := newKey(raw)
	return k, raw, err
}

// String hides the key, so that printing a Key by mistake leaks nothing.
func (k *Key) String() string { return "secrets.Key{…}" }

// GoString hides the key from %#v.
func (k *Key) GoString() string { return k.String() }

// Encrypt implements Crypter.
func (k *Key) Encrypt(plaintext []byte) (string, error) {
	return sealValue(k.aead, plaintext)
}

// Decrypt implements Crypter.
func (k *Key) Decrypt(ciphertext string) ([]byte, error) {
	return openValue(k.aead, ciphertext, "secret value")
}

// sealValue encrypts plaintext in the v1 value format. It is also how the
// passphrase provider wraps the data key.
func sealValue(aead cipher.AEAD, plaintext []byte) (string, error) {
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+tagSize)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("generate nonce: %w", err)
	}
	buf = aead.Seal(buf, buf[:nonceSize], plaintext, nil)
	return valuePrefix + base64.StdEncoding.EncodeToString(buf), nil
}

// openValue decrypts a v1 value; what names the thing in error messages.
func openValue(aead cipher.AEAD, s, what string) ([]byte, error) {
	version, body, ok := strings.Cut(s, ":")
	if !ok {
		return nil, errorf(ErrMalformed, "%s is not an encrypted value (want v1:<base64>)", what)
	}
	if version != "v1" {
		return nil, errorf(ErrMalformed, "%s has unknown format version %s (this Plinth reads v1; upgrade Plinth?)", what, quoteVersion(version))
	}
	raw, err := decodeStrict(body)
	if err != nil {
		return nil, errorf(ErrMalformed, "%s is not valid base64", what)
	}
	if len(raw) < nonceSize+tagSize {
		return nil, errorf(ErrMalformed, "%s is too short (%d bytes, want at least %d)", what, len(raw), nonceSize+tagSize)
	}
	plaintext, err := aead.Open(nil, raw[:nonceSize], raw[nonceSize:], nil)
	if err != nil {
		return nil, errorf(ErrTampered, "%s failed authentication: it was modified, or encrypted under another key", what)
	}
	return plaintext, nil
}

// decodeStrict decodes standard base64 so that one byte string has exactly
// one text form: no non-zero padding bits, and none of the line breaks that
// encoding/base64 otherwise skips.
func decodeStrict(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, base64.CorruptInputError(strings.IndexAny(s, "\r\n"))
	}
	return base64.StdEncoding.Strict().DecodeString(s)
}

// quoteVersion shows a version tag in an error only when it looks like one,
// so that an arbitrary string pasted into a secure value is not echoed.
func quoteVersion(v string) string {
	if len(v) == 0 || len(v) > 8 {
		return "(unrecognised)"
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "(unrecognised)"
		}
	}
	return fmt.Sprintf("%q", v)
}

// NewKey generates a data key and wraps it for provider p: "age",
// "passphrase", or a gocloud.dev/secrets URL (awskms://, gcpkms://,
// azurekeyvault://, hashivault://, base64key://). recipients are age
// recipients; for age with none given, the recipient is the current user's
// identity (see CurrentRecipient), which is created on first use.
func NewKey(ctx context.Context, p string, recipients []string, env Env) (Wrapped, *Key, error) {
	k, raw, err := generateKey()
	if err != nil {
		return Wrapped{}, nil, err
	}
	w, err := wrap(ctx, raw, p, recipients, env)
	clear(raw)
	if err != nil {
		return Wrapped{}, nil, err
	}
	return w, k, nil
}

// Wrap wraps k for provider p and recipients, as NewKey does for a new key.
// It is how a stack changes secrets provider or recipients without
// re-encrypting its values.
func (k *Key) Wrap(ctx context.Context, p string, recipients []string, env Env) (Wrapped, error) {
	return wrap(ctx, k.raw[:], p, recipients, env)
}

func wrap(ctx context.Context, raw []byte, p string, recipients []string, env Env) (Wrapped, error) {
	switch kind, err := providerKind(p); {
	case err != nil:
		return Wrapped{}, err
	case kind == ProviderAge:
		return wrapAge(raw, recipients, env)
	case len(recipients) > 0:
		return Wrapped{}, fmt.Errorf("recipients are only for the age secrets provider, not %s", redactProvider(p))
	case kind == ProviderPassphrase:
		pass, err := passphrase(env)
		if err != nil {
			return Wrapped{}, err
		}
		return wrapPassphrase(raw, pass, defaultKDF())
	default:
		return wrapKMS(ctx, raw, p)
	}
}

// Open unwraps the data key described by w. For age, the user's identity
// is found as CurrentRecipient finds it, and created on first use, so that
// a user who is not yet a recipient is told the public key to ask for.
func Open(ctx context.Context, w Wrapped, env Env) (*Key, error) {
	if w.Provider == "" {
		return nil, errorf(ErrMalformed, "the stack has no secrets provider")
	}
	if w.EncryptedKey == "" {
		return nil, errorf(ErrMalformed, "the stack has no encrypted key")
	}
	kind, err := providerKind(w.Provider)
	if err != nil {
		return nil, err
	}
	var raw []byte
	switch kind {
	case ProviderAge:
		raw, err = openAge(w, env)
	case ProviderPassphrase:
		raw, err = openPassphrase(w, env)
	default:
		raw, err = openKMS(ctx, w)
	}
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	return newKey(raw)
}

// providerKind returns ProviderAge, ProviderPassphrase or "kms".
func providerKind(p string) (string, error) {
	switch p {
	case ProviderAge, ProviderPassphrase:
		return p, nil
	}
	// The gocloud.dev/secrets schemes registered in kms.go.
	if scheme, _, ok := strings.Cut(p, "://"); ok {
		switch scheme {
		case "awskms", "gcpkms", "azurekeyvault", "hashivault", "base64key":
			return "kms", nil
		}
	}
	return "", errorf(ErrUnknownProvider, "unknown secrets provider %s (want age, passphrase, or an awskms://, gcpkms://, azurekeyvault://, hashivault:// or base64key:// URL)", redactProvider(p))
}
