package secrets

import (
	"errors"
	"fmt"
)

// The sentinel errors. Every error this package returns for a secrets
// problem wraps exactly one of them; test with errors.Is.
var (
	// ErrTampered means authenticated decryption failed: the data was
	// modified, or it was encrypted under a different key.
	ErrTampered = errors.New("encrypted data failed authentication")
	// ErrAccess means the caller's identity, passphrase or KMS credentials
	// cannot unwrap the stack's data key.
	ErrAccess = errors.New("no access to the stack's secrets")
	// ErrNoIdentity means no age identity or passphrase is configured, or
	// the configured one cannot be read or parsed.
	ErrNoIdentity = errors.New("no secrets identity configured")
	// ErrMalformed means stored encrypted data (a value, an encrypted key,
	// a salt) is not in a format this version of Plinth can read. Every
	// error wrapping it also wraps ErrTampered: to the user, data that
	// cannot even be parsed was changed or corrupted, and callers that only
	// know ErrTampered (for the exit code) treat it right.
	ErrMalformed = errors.New("malformed encrypted data")
	// ErrUnknownProvider means a secrets provider name (from a flag or a
	// stack file) is not one this version of Plinth knows: bad input, not
	// a failure to decrypt.
	ErrUnknownProvider = errors.New("unknown secrets provider")
)

// kindError gives an error a sentinel kind without putting the sentinel's
// text into the message: users see one plain sentence, errors.Is still works.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }

func (e *kindError) Unwrap() []error {
	if e.kind == ErrMalformed {
		return []error{ErrMalformed, ErrTampered, e.err}
	}
	return []error{e.kind, e.err}
}

// errorf is fmt.Errorf whose result also matches kind under errors.Is.
func errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, err: fmt.Errorf(format, args...)}
}
