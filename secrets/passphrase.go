package secrets

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// Where a passphrase comes from, first found wins.
const (
	envPassphrase     = "PLINTH_CONFIG_PASSPHRASE"
	envPassphraseFile = "PLINTH_CONFIG_PASSPHRASE_FILE"
)

// The argon2id cost every new passphrase-wrapped key gets: about a quarter
// of a second and 64 MiB on a laptop, per stack opened.
const (
	kdfTime      = 3
	kdfMemoryKiB = 64 * 1024
	kdfThreads   = 4
	kdfSaltSize  = 16
)

// Bounds on the cost read back from a stack file. A stack file is committed
// by anyone who can open a pull request, so a hostile one must not be able
// to make CI spend gigabytes or minutes.
const (
	maxKDFTime      = 16
	maxKDFMemoryKiB = 1024 * 1024 // 1 GiB
	maxKDFThreads   = 16
)

// kdfParams are argon2id's cost parameters. Production code only ever
// writes the defaults (defaultKDF); tests write cheaper ones through
// wrapPassphrase so that they run fast, and Open honours what the salt says.
type kdfParams struct {
	time      uint32
	memoryKiB uint32
	threads   uint8
}

func defaultKDF() kdfParams {
	return kdfParams{time: kdfTime, memoryKiB: kdfMemoryKiB, threads: kdfThreads}
}

// passphrase returns the user's passphrase. An empty variable counts as
// unset, so a CI secret that was not passed gives the clear "set one of
// these" error.
func passphrase(env Env) ([]byte, error) {
	if v, ok := env.lookup(envPassphrase); ok && v != "" {
		return []byte(v), nil
	}
	if path, ok := env.lookup(envPassphraseFile); ok && path != "" {
		data, err := env.readFile(path)
		if err != nil {
			return nil, errorf(ErrNoIdentity, "cannot read %s: %v", envPassphraseFile, err)
		}
		// Editors end files with a newline; it is not part of the passphrase.
		data = bytes.TrimSuffix(data, []byte("\n"))
		data = bytes.TrimSuffix(data, []byte("\r"))
		if len(data) == 0 {
			return nil, errorf(ErrNoIdentity, "the file in %s is empty", envPassphraseFile)
		}
		return data, nil
	}
	return nil, errorf(ErrNoIdentity, "the passphrase secrets provider needs a passphrase: set %s or %s", envPassphrase, envPassphraseFile)
}

// wrapPassphrase wraps raw under a key derived from pass with argon2id and
// a fresh salt, using cost p.
func wrapPassphrase(raw, pass []byte, p kdfParams) (Wrapped, error) {
	salt := make([]byte, kdfSaltSize)
	if _, err := rand.Read(salt); err != nil {
		return Wrapped{}, fmt.Errorf("generate salt: %w", err)
	}
	kek, err := deriveKEK(pass, salt, p)
	if err != nil {
		return Wrapped{}, err
	}
	ek, err := sealValue(kek, raw)
	if err != nil {
		return Wrapped{}, err
	}
	return Wrapped{Provider: ProviderPassphrase, EncryptedKey: ek, Salt: formatSalt(p, salt)}, nil
}

func openPassphrase(w Wrapped, env Env) ([]byte, error) {
	p, salt, err := parseSalt(w.Salt)
	if err != nil {
		return nil, err
	}
	pass, err := passphrase(env)
	if err != nil {
		return nil, err
	}
	kek, err := deriveKEK(pass, salt, p)
	if err != nil {
		return nil, err
	}
	raw, err := openValue(kek, w.EncryptedKey, "the stack's encryptedkey")
	if errors.Is(err, ErrTampered) && !errors.Is(err, ErrMalformed) {
		// A wrong passphrase and a modified encryptedkey look the same;
		// the first is by far the likelier.
		return nil, errorf(ErrAccess, "incorrect passphrase")
	}
	return raw, err
}

// deriveKEK derives the key-encryption key that wraps the data key.
func deriveKEK(pass, salt []byte, p kdfParams) (cipher.AEAD, error) {
	kek := argon2.IDKey(pass, salt, p.time, p.memoryKiB, p.threads, keySize)
	defer clear(kek)
	return chacha20poly1305.NewX(kek)
}

// formatSalt gives "v1:argon2id:t=3,m=65536,p=4:<base64 salt>".
func formatSalt(p kdfParams, salt []byte) string {
	return fmt.Sprintf("v1:argon2id:t=%d,m=%d,p=%d:%s", p.time, p.memoryKiB, p.threads, base64.StdEncoding.EncodeToString(salt))
}

// parseSalt reads what formatSalt writes, version first, and refuses costs
// outside sane bounds.
func parseSalt(s string) (kdfParams, []byte, error) {
	bad := func(why string) (kdfParams, []byte, error) {
		return kdfParams{}, nil, errorf(ErrMalformed, "the stack's encryptionsalt is not valid: %s", why)
	}
	if s == "" {
		return bad("it is missing")
	}
	parts := strings.Split(s, ":")
	if parts[0] != "v1" {
		return bad("unknown format version " + quoteVersion(parts[0]) + " (this Plinth reads v1; upgrade Plinth?)")
	}
	if len(parts) != 4 {
		return bad("want v1:argon2id:t=…,m=…,p=…:<base64>")
	}
	if parts[1] != "argon2id" {
		return bad("unknown key derivation function (want argon2id)")
	}
	fields := strings.Split(parts[2], ",")
	if len(fields) != 3 {
		return bad("want parameters t=…,m=…,p=…")
	}
	var vals [3]uint64
	for i, name := range [3]string{"t=", "m=", "p="} {
		v, ok := strings.CutPrefix(fields[i], name)
		if !ok {
			return bad("want parameters t=…,m=…,p=…")
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return bad("parameter " + name + " is not a number")
		}
		vals[i] = n
	}
	p := kdfParams{time: uint32(vals[0]), memoryKiB: uint32(vals[1])}
	switch {
	case vals[0] < 1 || vals[0] > maxKDFTime:
		return bad(fmt.Sprintf("t must be 1 to %d", maxKDFTime))
	case vals[2] < 1 || vals[2] > maxKDFThreads:
		return bad(fmt.Sprintf("p must be 1 to %d", maxKDFThreads))
	case vals[1] < 8*vals[2] || vals[1] > maxKDFMemoryKiB:
		return bad(fmt.Sprintf("m must be 8*p to %d KiB", maxKDFMemoryKiB))
	}
	p.threads = uint8(vals[2])
	salt, err := decodeStrict(parts[3])
	if err != nil {
		return bad("the salt is not valid base64")
	}
	if len(salt) < 8 || len(salt) > 64 {
		return bad("the salt must be 8 to 64 bytes")
	}
	return p, salt, nil
}
