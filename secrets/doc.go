// Package secrets encrypts a stack's secret values and keeps the key that
// encrypts them.
//
// # Data keys and values
//
// Every stack has one data key: 32 random bytes. Secret values (config
// secrets, secret values in state) are encrypted under it, one value at a
// time, with XChaCha20-Poly1305. A [Key] is that data key; it implements
// [Crypter]. An encrypted value is the string
//
//	v1:<base64(24-byte nonce || ciphertext || 16-byte tag)>
//
// The "v1:" prefix is the format version and is read before anything else, so
// a later format can be added beside it. The nonce is random per value, which
// is safe for XChaCha20's 192-bit nonces. Decrypting a value that was changed,
// truncated, or encrypted under another stack's key fails with an error
// wrapping [ErrTampered]; nothing is returned in that case.
//
// # Wrapping
//
// The data key is never stored in the clear. [NewKey] creates one and wraps
// it for a secrets provider; [Open] unwraps it; [Key.Wrap] wraps an existing
// key for another provider or another set of recipients (used by
// `plinth stack change-secrets-provider` and `plinth stack access`). What a
// stack file stores about its key is a [Wrapped]. The providers are:
//
//   - "age": the key is encrypted with age (filippo.io/age) to every
//     recipient in Wrapped.Recipients. Only holders of a recipient's identity
//     can open it.
//   - "passphrase": the key is encrypted under a key derived with argon2id
//     from a passphrase and a per-stack salt.
//   - a gocloud.dev/secrets URL: awskms://, gcpkms://, azurekeyvault://,
//     hashivault://, or base64key:// (a local key inside the URL, for tests).
//
// docs/secrets.md describes every byte of these formats and the threat model.
//
// # Environment
//
// The package never reads the process environment itself: callers pass an
// [Env], built in the CLI as
//
//	secrets.Env{Lookup: os.LookupEnv, HomeDir: home, ReadFile: os.ReadFile}
//
// An age identity comes from PLINTH_AGE_KEY (the key text), then
// PLINTH_AGE_KEY_FILE, then HomeDir/.plinth/age.key, which is generated on
// first use. A passphrase comes from PLINTH_CONFIG_PASSPHRASE, then
// PLINTH_CONFIG_PASSPHRASE_FILE.
//
// # Errors
//
// Errors are one line and never contain key material, passphrases or
// plaintext. They wrap one of the sentinels so that callers can choose an
// exit code: [ErrAccess] (wrong key, not a recipient, wrong passphrase),
// [ErrNoIdentity] (no identity or passphrase is configured), [ErrTampered]
// (authentication failed) and [ErrMalformed] (the stored data cannot be
// parsed at all; these errors also match ErrTampered).
package secrets
