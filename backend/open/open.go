package open

import (
	"context"
	"errors"
	"fmt"
	"github.com/plinth-iac/plinth/backend/blobbackend"
	"github.com/plinth-iac/plinth/backend/pgbackend"
	"path/filepath"
	"strings"
	"time"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/backend/filebackend"
)

// Options carries what opening a backend needs from the environment.
type Options struct {
	// HomeDir is what a leading ~ in a file path means; when empty, a ~
	// is an error.
	HomeDir string
	// WorkDir is what relative file paths are relative to; when empty,
	// the process's working directory.
	WorkDir string
	// Now is the clock backends read lock leases from; time.Now when nil.
	Now func() time.Time
}

// Open opens the backend url names. See the package documentation for the
// schemes.
func Open(ctx context.Context, url string, opts Options) (backend.Backend, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(url) == "" {
		return nil, &URLError{Err: errors.New("no backend URL given")}
	}
	scheme, rest, ok := splitScheme(url)
	if !ok {
		if s, _, found := strings.Cut(url, ":"); found && knownScheme(strings.ToLower(s)) {
			return nil, &URLError{Err: fmt.Errorf("backend URL %s: write %s://…", Redact(url), strings.ToLower(s))}
		}
		return openFile(url, opts)
	}
	switch scheme {
	case "file":
		return openFile(rest, opts)
	case "s3", "gs", "azblob":
		b, err := blobbackend.Open(ctx, url, blobbackend.Options{Now: opts.Now})
		if err != nil {
			return nil, err
		}
		return b, nil
	case "postgres", "postgresql":
		b, err := pgbackend.Open(ctx, url, pgbackend.Options{Now: opts.Now})
		if err != nil {
			return nil, err
		}
		return b, nil
	case "http", "https":
		return nil, &URLError{Err: errors.New("the http(s) backend needs plinth server, which this build does not include")}
	}
	return nil, &URLError{Err: fmt.Errorf("unknown backend scheme %q in %s: use file://, s3://, gs://, azblob://, postgres:// or http(s)://", scheme, Redact(url))}
}

func knownScheme(s string) bool {
	switch s {
	case "file", "s3", "gs", "azblob", "postgres", "postgresql", "http", "https":
		return true
	}
	return false
}

// splitScheme splits "scheme://rest", lowercasing the scheme. ok is false
// when url has no valid scheme followed by "://".
func splitScheme(url string) (scheme, rest string, ok bool) {
	i := strings.Index(url, "://")
	if i < 0 || !validScheme(url[:i]) {
		return "", "", false
	}
	return strings.ToLower(url[:i]), url[i+3:], true
}

// validScheme reports whether s is a URL scheme: a letter, then letters,
// digits, '+', '-' or '.' (RFC 3986).
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func openFile(path string, opts Options) (backend.Backend, error) {
	dir, err := filePath(path, opts)
	if err != nil {
		return nil, err
	}
	b, err := filebackend.New(dir, filebackend.Options{Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// filePath expands ~ and makes path absolute.
func filePath(path string, opts Options) (string, error) {
	if path == "" {
		return "", errors.New("file backend URL without a path: use file://PATH, e.g. file://~/.plinth")
	}
	if path == "~" || strings.HasPrefix(path, "~/") {
		if opts.HomeDir == "" {
			return "", fmt.Errorf("file backend path %s: no home directory to expand ~ to", path)
		}
		path = filepath.Join(opts.HomeDir, path[1:])
	} else if strings.HasPrefix(path, "~") {
		return "", fmt.Errorf("file backend path %s: only ~ and ~/ are expanded, not ~user", path)
	}
	if filepath.IsAbs(path) {
		return filepath.Clean(path), nil
	}
	if opts.WorkDir != "" {
		return filepath.Join(opts.WorkDir, path), nil
	}
	return filepath.Abs(path)
}

// URLError is a backend URL that cannot name a backend at all (empty, an
// unknown scheme, one this build does not include): bad input, as opposed
// to a backend that cannot be reached.
type URLError struct{ Err error }

func (e *URLError) Error() string { return e.Err.Error() }
func (e *URLError) Unwrap() error { return e.Err }
