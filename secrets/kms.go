package secrets

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	cloudsecrets "gocloud.dev/secrets"

	// The schemes a stack's secretsprovider may name. Each registers itself
	// on gocloud's default URL mux.
	_ "gocloud.dev/secrets/awskms"
	_ "gocloud.dev/secrets/azurekeyvault"
	_ "gocloud.dev/secrets/gcpkms"
	_ "gocloud.dev/secrets/hashivault"
	_ "gocloud.dev/secrets/localsecrets"
)

// openKeeper opens the gocloud.dev/secrets keeper for a provider URL. The
// URL is parsed here rather than by gocloud so that parse errors, which
// quote the URL, cannot leak a base64key:// key.
func openKeeper(ctx context.Context, p string) (*cloudsecrets.Keeper, error) {
	u, err := url.Parse(p)
	if err != nil {
		return nil, fmt.Errorf("secrets provider %s is not a valid URL", redactProvider(p))
	}
	if u.Scheme == "base64key" && u.Host == "" {
		// gocloud would make up a random key, which nobody could open again.
		return nil, fmt.Errorf("secrets provider base64key:// needs a key: base64key://<URL-safe base64 of 32 bytes>")
	}
	k, err := cloudsecrets.DefaultURLMux().OpenKeeperURL(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("open secrets provider %s: %v", redactProvider(p), err)
	}
	return k, nil
}

// wrapKMS encrypts raw with the KMS key named by p. EncryptedKey is the
// base64 of the KMS ciphertext.
func wrapKMS(ctx context.Context, raw []byte, p string) (Wrapped, error) {
	k, err := openKeeper(ctx, p)
	if err != nil {
		return Wrapped{}, err
	}
	defer k.Close()
	ct, err := k.Encrypt(ctx, raw)
	if err != nil {
		if ctx.Err() != nil {
			return Wrapped{}, ctx.Err()
		}
		return Wrapped{}, errorf(ErrAccess, "cannot encrypt the data key with %s: %v", redactProvider(p), err)
	}
	return Wrapped{Provider: p, EncryptedKey: base64.StdEncoding.EncodeToString(ct)}, nil
}

func openKMS(ctx context.Context, w Wrapped) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(w.EncryptedKey)
	if err != nil {
		return nil, errorf(ErrMalformed, "the stack's encryptedkey is not valid base64")
	}
	k, err := openKeeper(ctx, w.Provider)
	if err != nil {
		return nil, err
	}
	defer k.Close()
	raw, err := k.Decrypt(ctx, ct)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errorf(ErrAccess, "cannot decrypt the data key with %s: %v", redactProvider(w.Provider), err)
	}
	if len(raw) != keySize {
		clear(raw)
		return nil, errorf(ErrMalformed, "the stack's encryptedkey does not hold a %d-byte data key", keySize)
	}
	return raw, nil
}

// RedactProvider shows a secrets provider fit to print: the name of age
// and passphrase, a KMS URL without user info and query, and nothing of a
// base64key:// key or of an age secret key pasted by mistake.
func RedactProvider(p string) string { return redactProvider(p) }

// redactProvider names a provider in an error message without what could
// be secret in it: a base64key:// URL is a key, and other URLs may carry
// credentials in user info or query parameters.
func redactProvider(p string) string {
	switch p {
	case ProviderAge, ProviderPassphrase:
		return p
	}
	if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(p)), "AGE-SECRET-KEY-") {
		return "(an age secret key)"
	}
	scheme, _, ok := strings.Cut(p, "://")
	if !ok {
		if len(p) > 40 {
			p = p[:40] + "…"
		}
		return fmt.Sprintf("%q", p)
	}
	u, err := url.Parse(p)
	if scheme == "base64key" || err != nil {
		return fmt.Sprintf("%q", scheme+"://…")
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}
