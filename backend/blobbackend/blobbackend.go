package blobbackend

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/s3blob"    // s3://
	"gocloud.dev/gcerrors"

	"github.com/plinth-iac/plinth/backend"
)

// Options configures a Backend.
type Options struct {
	// Now is the clock for lock leases; nil means time.Now.
	Now func() time.Time
}

// Backend keeps stacks in a bucket. It is safe for concurrent use, by
// goroutines and by processes sharing the bucket.
type Backend struct {
	bucket  *blob.Bucket
	prefix  string   // "" or ending in "/"
	url     string   // redacted
	secrets []string // what error messages must not show
	now     func() time.Time
	cond    condKind

	// condOK records that the store passed the conditional-write probe.
	condMu sync.Mutex
	condOK bool

	// nextSeq caches, per stack directory, the journal number the next
	// AppendJournal writes. A stale guess is harmless: journal objects are
	// created with If-None-Match, so a taken number is noticed and the
	// directory listed again.
	seqMu   sync.Mutex
	nextSeq map[string]int64
}

var _ backend.Backend = (*Backend)(nil)

// pathIsPrefix reports whether scheme's URL path is a key prefix. For
// other gocloud.dev schemes, such as file://, the path means something
// else; ?prefix= works for all.
func pathIsPrefix(scheme string) bool {
	switch scheme {
	case "s3", "gs", "azblob":
		return true
	}
	return false
}

// Open opens the bucket at rawURL. Close the Backend when done.
func Open(ctx context.Context, rawURL string, opts Options) (*Backend, error) {
	redacted, secrets := redact(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL
		}
		return nil, scrub(fmt.Errorf("blobbackend: invalid URL: %w", err), secrets)
	}
	var parts []string
	q := u.Query()
	if pathIsPrefix(u.Scheme) {
		parts = append(parts, strings.Trim(u.Path, "/"))
		u.Path, u.RawPath = "", ""
	}
	if q.Has("prefix") {
		parts = append(parts, strings.Trim(q.Get("prefix"), "/"))
		q.Del("prefix")
		u.RawQuery = q.Encode()
	}
	prefix := strings.Trim(path.Join(parts...), "/")
	if prefix != "" {
		prefix += "/"
	}
	bucket, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		// gocloud.dev quotes the URL, secrets and all.
		return nil, scrub(fmt.Errorf("blobbackend: opening %s: %w", redacted, err), secrets)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Backend{
		bucket:  bucket,
		prefix:  prefix,
		url:     redacted,
		secrets: secrets,
		now:     now,
		cond:    detectCond(bucket),
		nextSeq: map[string]int64{},
	}, nil
}

// URL returns the bucket URL without secrets.
func (b *Backend) URL() string { return b.url }

// Close closes the bucket.
func (b *Backend) Close() error { return b.bucket.Close() }

// secretParam reports whether a query parameter's value is secret, by its
// name.
func secretParam(name string) bool {
	if u, err := url.QueryUnescape(name); err == nil {
		name = u
	}
	name = strings.ToLower(name)
	for _, s := range []string{"secret", "token", "password", "sig", "credential", "key"} {
		if strings.Contains(name, s) && name != "kmskeyid" {
			return true
		}
	}
	return false
}

// redact returns rawURL with the password in its user info and the values
// of secret-looking query parameters replaced by xxxxx, leaving the rest
// as written; and the secret values (as written and unescaped), which no
// error message may show.
func redact(rawURL string) (string, []string) {
	var secrets []string
	hide := func(v string) string {
		if v == "" {
			return v
		}
		secrets = append(secrets, v)
		if u, err := url.QueryUnescape(v); err == nil && u != v {
			secrets = append(secrets, u)
		}
		return "xxxxx"
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return rawURL, nil
	}
	end := len(rest)
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		end = i
	}
	authority, tail := rest[:end], rest[end:]
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		if user, pw, ok := strings.Cut(authority[:at], ":"); ok {
			authority = user + ":" + hide(pw) + authority[at:]
		}
	}
	path, query, hasQuery := strings.Cut(tail, "?")
	if !hasQuery {
		return scheme + "://" + authority + tail, secrets
	}
	query, fragment, hasFragment := strings.Cut(query, "#")
	var b strings.Builder
	for query != "" {
		i := strings.IndexAny(query, "&;")
		part, sep := query, ""
		if i >= 0 {
			part, sep, query = query[:i], query[i:i+1], query[i+1:]
		} else {
			query = ""
		}
		if k, v, ok := strings.Cut(part, "="); ok && secretParam(k) {
			part = k + "=" + hide(v)
		}
		b.WriteString(part + sep)
	}
	out := scheme + "://" + authority + path + "?" + b.String()
	if hasFragment {
		out += "#" + fragment
	}
	return out, secrets
}

// scrub returns err with secrets removed from its message.
func scrub(err error, secrets []string) error { return backend.Scrub(err, secrets) }

// validName reports whether s can name a project or stack: the file
// backend's rule, which keeps a name one key segment.
func validName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 200 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

// projectDir returns the key prefix of project's stacks.
func (b *Backend) projectDir(project string) (string, error) {
	if !validName(project) {
		return "", fmt.Errorf("blobbackend: invalid project name %q: use letters, digits, '_', '.' and '-'", project)
	}
	return b.prefix + "stacks/" + project + "/", nil
}

// stackDir validates ref and returns the key prefix of its objects.
func (b *Backend) stackDir(ref backend.Ref) (string, error) {
	dir, err := b.projectDir(ref.Project)
	if err != nil {
		return "", err
	}
	if !validName(ref.Stack) {
		return "", fmt.Errorf("blobbackend: invalid stack name %q: use letters, digits, '_', '.' and '-'", ref.Stack)
	}
	return dir + ref.Stack + "/", nil
}

func stackNotFound(ref backend.Ref) error {
	return fmt.Errorf("stack %s: %w", ref, backend.ErrStackNotFound)
}

// requireStack returns ErrStackNotFound unless ref's stack exists.
func (b *Backend) requireStack(ctx context.Context, ref backend.Ref, dir string) error {
	ok, err := b.bucket.Exists(ctx, dir+"stack.json")
	if err != nil {
		return b.fail("looking up stack "+ref.String(), err)
	}
	if !ok {
		return stackNotFound(ref)
	}
	return nil
}

// missing explains an object that was not there: ErrStackNotFound if the
// stack is gone, else otherwise.
func (b *Backend) missing(ctx context.Context, ref backend.Ref, dir string, otherwise error) error {
	if err := b.requireStack(ctx, ref, dir); err != nil {
		return err
	}
	return otherwise
}

// fail wraps a storage error for op.
func (b *Backend) fail(op string, err error) error {
	return scrub(fmt.Errorf("blobbackend: %s: %w", op, err), b.secrets)
}

// read returns an object's bytes; found is false when it does not exist.
func (b *Backend) read(ctx context.Context, key string) (data []byte, found bool, err error) {
	data, err = b.bucket.ReadAll(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

// put writes data to key with opts. It goes through Bucket.Upload, the
// drivers' single-request path, not WriteAll: gocloud.dev v0.47's azureblob
// writer dereferences a nil pipe in Close when a streamed upload fails (as
// a failed precondition does), and panics.
func (b *Backend) put(ctx context.Context, key string, data []byte, opts *blob.WriterOptions) error {
	return b.bucket.Upload(ctx, key, bytes.NewReader(data), opts)
}

// write replaces an object.
func (b *Backend) write(ctx context.Context, key string, data []byte) error {
	return b.put(ctx, key, data, &blob.WriterOptions{ContentType: contentType})
}

// create writes an object only if none exists at key; an existing one is
// errConflict.
func (b *Backend) create(ctx context.Context, key string, data []byte) error {
	err := b.put(ctx, key, data, &blob.WriterOptions{ContentType: contentType, IfNotExist: true})
	if isConflict(err) {
		return fmt.Errorf("%s: %w", key, errConflict)
	}
	return err
}

// contentType is every object's: JSON, or bytes the caller gave, which are
// JSON in practice. Fixed so no driver sniffs it from the content.
const contentType = "application/json"

// keys lists the keys under prefix (recursively), in byte order.
func (b *Backend) keys(ctx context.Context, prefix string) ([]*blob.ListObject, error) {
	var out []*blob.ListObject
	it := b.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if !obj.IsDir {
			out = append(out, obj)
		}
	}
	return out, nil
}

// nonce returns a random string that makes a write's bytes unique.
func nonce() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
