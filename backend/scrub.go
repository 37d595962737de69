package backend

import "strings"

// Scrub returns err with every one of secrets (a URL's password, a secret
// query value) replaced by xxxxx in its message. errors.Is and errors.As
// still see the original. Backends wrap errors from their drivers with it,
// since drivers quote the URLs they were given.
func Scrub(err error, secrets []string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	return &scrubbedError{err: err, secrets: secrets}
}

type scrubbedError struct {
	err     error
	secrets []string
}

func (e *scrubbedError) Error() string {
	s := e.err.Error()
	for _, secret := range e.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "xxxxx")
		}
	}
	return s
}

func (e *scrubbedError) Unwrap() error { return e.err }
