package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
)

// Where an age identity comes from, first found wins.
const (
	envAgeKey     = "PLINTH_AGE_KEY"      // the identity itself (CI secrets)
	envAgeKeyFile = "PLINTH_AGE_KEY_FILE" // a file holding it
	// defaultAgeKey is relative to Env.HomeDir.
	defaultAgeKey = ".plinth/age.key"
)

// identity is the user's age identity: one or more age secret keys (a key
// file may hold several), their public keys, and where they came from.
type identity struct {
	ids        []age.Identity
	recipients []string
	source     string
}

// CurrentRecipient returns the age public key (age1…) of the user's
// identity, creating HomeDir/.plinth/age.key if no identity exists yet.
// When the identity holds several keys, the first one's is returned.
func CurrentRecipient(env Env) (string, error) {
	id, err := loadIdentity(env)
	if err != nil {
		return "", err
	}
	return id.recipients[0], nil
}

// loadIdentity finds the user's age identity: PLINTH_AGE_KEY, then
// PLINTH_AGE_KEY_FILE, then HomeDir/.plinth/age.key (generated if missing).
// A variable that is set but empty is an error rather than a reason to fall
// through: in CI it usually means a secret was not passed, and a freshly
// generated identity would only hide that.
func loadIdentity(env Env) (identity, error) {
	if v, ok := env.lookup(envAgeKey); ok {
		if strings.TrimSpace(v) == "" {
			return identity{}, errorf(ErrNoIdentity, "%s is set but empty", envAgeKey)
		}
		return parseIdentity([]byte(v), envAgeKey)
	}
	if path, ok := env.lookup(envAgeKeyFile); ok {
		if path == "" {
			return identity{}, errorf(ErrNoIdentity, "%s is set but empty", envAgeKeyFile)
		}
		data, err := env.readFile(path)
		if err != nil {
			return identity{}, errorf(ErrNoIdentity, "cannot read the age identity in %s: %v", envAgeKeyFile, err)
		}
		return parseIdentity(data, path)
	}
	if env.HomeDir == "" {
		return identity{}, errorf(ErrNoIdentity, "no age identity: set %s or %s (there is no home directory for ~/%s)", envAgeKey, envAgeKeyFile, defaultAgeKey)
	}
	path := filepath.Join(env.HomeDir, filepath.FromSlash(defaultAgeKey))
	data, err := env.readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createIdentity(path, env)
	}
	if err != nil {
		return identity{}, errorf(ErrNoIdentity, "cannot read the age identity: %v", err)
	}
	return parseIdentity(data, path)
}

// parseIdentity parses age secret keys, one per line, "#" comments allowed.
// age's parse errors never include key material.
func parseIdentity(data []byte, source string) (identity, error) {
	text := strings.TrimSpace(strings.ReplaceAll(string(data), "\r\n", "\n"))
	ids, err := age.ParseIdentities(strings.NewReader(text))
	if err != nil {
		return identity{}, errorf(ErrNoIdentity, "the age identity in %s is not valid: %s", source, identityProblem(text))
	}
	id := identity{ids: ids, source: source}
	for _, i := range ids {
		switch i := i.(type) {
		case *age.X25519Identity:
			id.recipients = append(id.recipients, i.Recipient().String())
		case *age.HybridIdentity:
			id.recipients = append(id.recipients, i.Recipient().String())
		default:
			return identity{}, errorf(ErrNoIdentity, "the age identity in %s is of an unsupported type", source)
		}
	}
	return id, nil
}

// identityProblem says, in one phrase that quotes none of it, what is
// wrong with identity text age refused. (age's own messages name its parser
// states.)
func identityProblem(text string) string {
	n := 0
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		if !strings.HasPrefix(strings.ToUpper(line), "AGE-SECRET-KEY-") {
			return fmt.Sprintf("line %d is not an age secret key (AGE-SECRET-KEY-1…)", i+1)
		}
		if _, err := age.ParseX25519Identity(line); err == nil {
			continue
		}
		if _, err := age.ParseHybridIdentity(line); err == nil {
			continue
		}
		return fmt.Sprintf("line %d is a damaged or truncated age secret key", i+1)
	}
	if n == 0 {
		return "it holds no age secret key"
	}
	return "it is not in age's identity format"
}

// createIdentity generates an X25519 identity and stores it at path, mode
// 0600 in a 0700 directory. The file appears complete or not at all (it is
// written aside and hard-linked into place), and when two processes race,
// both end up using the one that was linked first.
func createIdentity(path string, env Env) (identity, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return identity{}, errorf(ErrNoIdentity, "cannot create a directory for the age identity: %v", err)
	}
	gen, err := age.GenerateX25519Identity()
	if err != nil {
		return identity{}, fmt.Errorf("generate age identity: %w", err)
	}
	content := fmt.Sprintf("# Plinth's age identity: it decrypts the secrets of every stack it is a recipient of.\n# Keep it secret and back it up.\n# public key: %s\n%s\n", gen.Recipient(), gen)

	tmp, err := os.CreateTemp(dir, ".age.key.tmp-*") // mode 0600
	if err != nil {
		return identity{}, errorf(ErrNoIdentity, "cannot create the age identity: %v", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return identity{}, errorf(ErrNoIdentity, "cannot write the age identity: %v", err)
	}
	switch err := os.Link(tmp.Name(), path); {
	case errors.Is(err, fs.ErrExist):
		// Another process created it first: use theirs.
		data, err := env.readFile(path)
		if err != nil {
			return identity{}, errorf(ErrNoIdentity, "cannot read the age identity: %v", err)
		}
		return parseIdentity(data, path)
	case err != nil:
		// No hard links on this file system: create exclusively instead.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return identity{}, errorf(ErrNoIdentity, "cannot create the age identity: %v", err)
		}
		_, err = f.WriteString(content)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return identity{}, errorf(ErrNoIdentity, "cannot write the age identity: %v", err)
		}
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: the key file's name should survive a crash
		d.Close()
	}
	return identity{ids: []age.Identity{gen}, recipients: []string{gen.Recipient().String()}, source: path}, nil
}

// parseRecipients validates age recipients, trimming spaces and dropping
// duplicates while keeping the order given.
func parseRecipients(in []string) ([]age.Recipient, []string, error) {
	var recs []age.Recipient
	var names []string
	seen := map[string]bool{}
	for i, s := range in {
		s = strings.TrimSpace(s)
		if seen[s] {
			continue
		}
		seen[s] = true
		var r age.Recipient
		var err error
		switch {
		case strings.HasPrefix(strings.ToUpper(s), "AGE-SECRET-KEY-"):
			// Never echo it: it is someone's secret key.
			return nil, nil, fmt.Errorf("recipient #%d is an age secret key; give its public key (age1…) instead, and treat the secret key as leaked", i+1)
		case strings.HasPrefix(s, "age1pq1"):
			r, err = age.ParseHybridRecipient(s)
		case strings.HasPrefix(s, "age1"):
			r, err = age.ParseX25519Recipient(s)
		default:
			return nil, nil, fmt.Errorf("recipient #%d is not an age public key (age1…)", i+1)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("recipient #%d: %v", i+1, err)
		}
		recs = append(recs, r)
		names = append(names, s)
	}
	return recs, names, nil
}

// wrapAge encrypts raw with age to every recipient, or to the current
// user's identity when there are none. EncryptedKey is the base64 of the
// binary (not armored) age file.
func wrapAge(raw []byte, recipients []string, env Env) (Wrapped, error) {
	if len(recipients) == 0 {
		r, err := CurrentRecipient(env)
		if err != nil {
			return Wrapped{}, err
		}
		recipients = []string{r}
	}
	recs, names, err := parseRecipients(recipients)
	if err != nil {
		return Wrapped{}, err
	}
	var buf bytes.Buffer
	wc, err := age.Encrypt(&buf, recs...)
	if err != nil {
		return Wrapped{}, fmt.Errorf("encrypt data key with age: %v", err)
	}
	if _, err := wc.Write(raw); err != nil {
		return Wrapped{}, fmt.Errorf("encrypt data key with age: %v", err)
	}
	if err := wc.Close(); err != nil {
		return Wrapped{}, fmt.Errorf("encrypt data key with age: %v", err)
	}
	return Wrapped{
		Provider:     ProviderAge,
		EncryptedKey: base64.StdEncoding.EncodeToString(buf.Bytes()),
		Recipients:   names,
	}, nil
}

// openAge decrypts an age-wrapped data key with the user's identity.
func openAge(w Wrapped, env Env) ([]byte, error) {
	data, err := base64.StdEncoding.DecodeString(w.EncryptedKey)
	if err != nil {
		return nil, errorf(ErrMalformed, "the stack's encryptedkey is not valid base64")
	}
	// Parse the header first, so that garbage is reported as malformed and
	// every later failure is about keys or authentication.
	// age's messages describe its parser; the user needs to know which
	// value is damaged, so they are not passed on.
	if _, err := age.ExtractHeader(bytes.NewReader(data)); err != nil {
		return nil, errorf(ErrMalformed, "the stack's encryptedkey is damaged: it is not an age file")
	}
	id, err := loadIdentity(env)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(data), id.ids...)
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch) && len(id.recipients) == 1:
		return nil, errorf(ErrAccess, "this identity (%s) is not a recipient of this stack; a recipient can add it with: plinth stack access grant %s", id.recipients[0], id.recipients[0])
	case errors.As(err, &noMatch):
		return nil, errorf(ErrAccess, "none of these identities (%s) is a recipient of this stack", strings.Join(id.recipients, ", "))
	case err != nil:
		return nil, errorf(ErrTampered, "the stack's encryptedkey failed authentication: it was modified")
	}
	raw, err := io.ReadAll(io.LimitReader(r, keySize+1))
	if err != nil {
		return nil, errorf(ErrTampered, "the stack's encryptedkey failed authentication: it was modified")
	}
	if len(raw) != keySize {
		clear(raw)
		return nil, errorf(ErrMalformed, "the stack's encryptedkey does not hold a %d-byte data key", keySize)
	}
	return raw, nil
}
