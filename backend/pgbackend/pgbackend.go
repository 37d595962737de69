package pgbackend

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plinth-iac/plinth/backend"
)

// Options configures a Backend.
type Options struct {
	// Now is the clock for lock leases and checkpoint times; nil means
	// time.Now.
	Now func() time.Time
}

// Backend keeps stacks in a PostgreSQL database. It is safe for concurrent
// use, by goroutines and by processes sharing the database.
type Backend struct {
	pool    *pgxpool.Pool
	url     string   // redacted
	secrets []string // what errors must not show
	now     func() time.Time
}

var _ backend.Backend = (*Backend)(nil)

// Open connects to the database at rawURL (postgres:// or postgresql://,
// with libpq's parameters) and creates or migrates Plinth's tables. Close
// the Backend when done.
func Open(ctx context.Context, rawURL string, opts Options) (*Backend, error) {
	// Schemes are case-insensitive; pgx knows only the lower-case ones.
	if scheme, rest, ok := strings.Cut(rawURL, "://"); ok {
		rawURL = strings.ToLower(scheme) + "://" + rest
	}
	secrets := passwords(rawURL)
	redactedURL := redactURL(rawURL)
	if !strings.HasPrefix(rawURL, "postgres://") && !strings.HasPrefix(rawURL, "postgresql://") {
		// Not echoed: it may hold a password we cannot find.
		return nil, errors.New("pgbackend: the URL must start with postgres:// or postgresql://")
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, scrub(fmt.Errorf("pgbackend: invalid URL: %w", parseCause(err)), secrets)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, scrub(fmt.Errorf("pgbackend: %s: %w", redactedURL, err), secrets)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	b := &Backend{pool: pool, url: redactedURL, secrets: secrets, now: now}
	if err := b.migrate(ctx); err != nil {
		pool.Close()
		return nil, b.fail(fmt.Sprintf("preparing the database at %s", redactedURL), err)
	}
	return b, nil
}

// URL returns the database URL without its password.
func (b *Backend) URL() string { return b.url }

// Close closes the connection pool.
func (b *Backend) Close() error {
	b.pool.Close()
	return nil
}

// clock returns the backend's time at the precision PostgreSQL keeps.
func (b *Backend) clock() time.Time {
	return b.now().Truncate(time.Microsecond)
}

// fail wraps a driver error for op, with every password removed.
func (b *Backend) fail(op string, err error) error {
	return scrub(fmt.Errorf("pgbackend: %s: %w", op, err), b.secrets)
}

// validName reports whether s can name a project or stack: the same rule
// as the file backend, so stacks can move between backends.
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

func checkRef(ref backend.Ref) error {
	if !validName(ref.Project) {
		return fmt.Errorf("pgbackend: invalid project name %q: use letters, digits, '_', '.' and '-'", ref.Project)
	}
	if !validName(ref.Stack) {
		return fmt.Errorf("pgbackend: invalid stack name %q: use letters, digits, '_', '.' and '-'", ref.Stack)
	}
	return nil
}

func stackNotFound(ref backend.Ref) error {
	return fmt.Errorf("stack %s: %w", ref, backend.ErrStackNotFound)
}

// querier is a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// stackID returns ref's id, ErrStackNotFound, or the driver's error. suffix is appended to the
// query (FOR SHARE, FOR UPDATE).
func (b *Backend) stackID(ctx context.Context, q querier, ref backend.Ref, suffix string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM plinth_stacks WHERE project = $1 AND name = $2 `+suffix,
		ref.Project, ref.Stack).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, stackNotFound(ref)
	}
	return id, err
}

// missing explains why a statement on ref's stack touched no row:
// ErrStackNotFound if the stack does not exist, else otherwise.
func (b *Backend) missing(ctx context.Context, ref backend.Ref, otherwise error) error {
	_, err := b.stackID(ctx, b.pool, ref, "")
	switch {
	case errors.Is(err, backend.ErrStackNotFound):
		return err
	case err != nil:
		return b.fail("looking up stack "+ref.String(), err)
	}
	return otherwise
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// isForeignKeyViolation reports whether err is foreign_key_violation: the
// stack was removed under us.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}

// scrub returns err with secrets removed from its message.
func scrub(err error, secrets []string) error { return backend.Scrub(err, secrets) }

// parseCause returns what is wrong with a URL pgx could not parse, if it
// can without quoting the URL. (pgx quotes it, with passwords redacted
// only best-effort; scrub is the second line of defence when it must.)
func parseCause(err error) error {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return err
	}
	cause := errors.Unwrap(pe)
	if cause == nil {
		return pe
	}
	var ue *url.Error
	if errors.As(cause, &ue) {
		return ue.Err // url.Error quotes the URL too
	}
	return cause
}

// passwords returns the passwords in a connection URL, as written and
// unescaped: from the user info and from password and sslpassword query
// parameters. It works on URLs that do not parse, as far as it can.
func passwords(rawURL string) []string {
	var found []string
	add := func(s string) {
		if s == "" {
			return
		}
		found = append(found, s)
		if u, err := url.PathUnescape(s); err == nil && u != s {
			found = append(found, u)
		}
		if u, err := url.QueryUnescape(s); err == nil && u != s {
			found = append(found, u)
		}
	}
	_, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil
	}
	authority, query := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		if _, pw, ok := strings.Cut(authority[:at], ":"); ok {
			add(pw)
		}
	}
	if _, q, ok := strings.Cut(rest, "?"); ok {
		query, _, _ = strings.Cut(q, "#")
	}
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if k == "password" || k == "sslpassword" {
			add(v)
		}
	}
	return found
}

// redactURL returns rawURL with its passwords replaced by xxxxx, or a
// placeholder when it does not parse.
func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	q := u.Query()
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
		}
	}
	if u.RawQuery != "" {
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
