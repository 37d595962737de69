package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/backend/open"
	"github.com/plinth-iac/plinth/failpoint"
	"github.com/plinth-iac/plinth/program"
	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/provider/builtin"
	"github.com/plinth-iac/plinth/secrets"
	"github.com/plinth-iac/plinth/stack"
	"github.com/plinth-iac/plinth/workspace"
)

// app holds what commands share: streams, environment, global flags, and
// what was loaded on demand.
type app struct {
	io         IOStreams
	env        Env
	flags      globalFlags
	silentCode int

	project *program.Project
	be      backend.Backend
	fp      *failpoint.Set
}

// hit reaches a failpoint (see package failpoint); a no-op unless
// PLINTH_FAILPOINTS is set.
func (a *app) hit(point string) error { return a.fp.Hit(point) }

// dir is the project directory (-C, else the working directory).
func (a *app) dir() string {
	if a.flags.cwd == "" {
		return a.env.Cwd
	}
	if filepath.IsAbs(a.flags.cwd) {
		return a.flags.cwd
	}
	return filepath.Join(a.env.Cwd, a.flags.cwd)
}

func (a *app) plinthHome() string { return filepath.Join(a.env.HomeDir, ".plinth") }

func (a *app) secretsEnv() secrets.Env {
	return secrets.Env{Lookup: a.env.Lookup, HomeDir: a.env.HomeDir}
}

// loadProject reads Plinth.yaml.
func (a *app) loadProject() (*program.Project, error) {
	if a.project != nil {
		return a.project, nil
	}
	if _, err := os.Stat(filepath.Join(a.dir(), "Plinth.yaml")); errors.Is(err, os.ErrNotExist) {
		return nil, usageErr("no Plinth.yaml in %s: run plinth new, or use -C DIR", a.dir())
	}
	p, err := program.LoadProject(a.dir())
	if err != nil {
		return nil, err
	}
	a.project = p
	return p, nil
}

// projectBackend loads the project and opens its backend: what every
// command that lists or creates stacks needs first.
func (a *app) projectBackend(ctx context.Context) (*program.Project, backend.Backend, error) {
	p, err := a.loadProject()
	if err != nil {
		return nil, nil, err
	}
	b, err := a.backend(ctx)
	if err != nil {
		return nil, nil, err
	}
	return p, b, nil
}

// nonInteractive reports whether prompts are forbidden.
func (a *app) nonInteractive() bool {
	if a.flags.nonInteractive || !a.io.InTerminal {
		return true
	}
	if v := a.env.get("CI"); v != "" && v != "false" && v != "0" {
		return true
	}
	return false
}

// credentials is the file `plinth login` writes.
type credentials struct {
	Current string `json:"current"`
}

func (a *app) credentialsPath() string { return filepath.Join(a.plinthHome(), "credentials.json") }

func (a *app) readCredentials() credentials {
	var c credentials
	if data, err := os.ReadFile(a.credentialsPath()); err == nil {
		_ = json.Unmarshal(data, &c)
	}
	return c
}

// backendURL chooses the backend: --backend, PLINTH_BACKEND_URL,
// backend.url in Plinth.yaml, plinth login, the default.
func (a *app) backendURL() (string, string) {
	if a.flags.backend != "" {
		return a.flags.backend, "--backend"
	}
	if v := a.env.get("PLINTH_BACKEND_URL"); v != "" {
		return v, "PLINTH_BACKEND_URL"
	}
	if p, err := a.loadProject(); err == nil && p.BackendURL != "" {
		return p.BackendURL, "Plinth.yaml"
	}
	if c := a.readCredentials(); c.Current != "" {
		return c.Current, "plinth login"
	}
	return "file://~/.plinth", "default"
}

func (a *app) backend(ctx context.Context) (backend.Backend, error) {
	if a.be != nil {
		return a.be, nil
	}
	url, from := a.backendURL()
	if strings.IndexFunc(url, unicode.IsControl) >= 0 {
		return nil, usageErr("backend URL %q (from %s) contains a control character", open.Redact(url), from)
	}
	b, err := open.Open(ctx, url, open.Options{HomeDir: a.env.HomeDir})
	if err != nil {
		return nil, flatten(err)
	}
	if a.env.get("PLINTH_METER_FILE") != "" {
		b = backend.NewMetered(b)
	}
	a.be = b
	return b, nil
}

// close closes the backend. With PLINTH_METER_FILE set (the benchmark
// harness), it first writes the bytes written to the backend there.
func (a *app) close() {
	if a.be == nil {
		return
	}
	if m, ok := a.be.(*backend.Metered); ok {
		_ = os.WriteFile(a.env.get("PLINTH_METER_FILE"), []byte(fmt.Sprintf("{\"bytesWritten\": %d}\n", m.BytesWritten())), 0o644)
	}
	a.be.Close()
	a.be = nil
}

var stackName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func validStackName(s string) error {
	if !stackName.MatchString(s) || s == "." || s == ".." || len(s) > 100 {
		return usageErr("invalid stack name %q: use letters, digits, '.', '_' and '-' (at most 100)", s)
	}
	return nil
}

// workspaceFile remembers the selected stack of each project on this
// machine.
func (a *app) workspaceFile() (string, error) {
	p, err := a.loadProject()
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(p.Dir))
	return filepath.Join(a.plinthHome(), "workspaces", p.Name+"-"+hex.EncodeToString(h[:8])+".json"), nil
}

func (a *app) selectStack(name string) error {
	path, err := a.workspaceFile()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	data, _ := json.Marshal(map[string]string{"stack": name})
	return workspace.WriteFileAtomic(path, data, 0o600)
}

func (a *app) selectedStack() string {
	path, err := a.workspaceFile()
	if err != nil {
		return ""
	}
	var w struct{ Stack string }
	if data, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(data, &w)
	}
	return w.Stack
}

// stackName returns the stack to work on: -s, PLINTH_STACK, the selected
// one; else exit 6 listing the stacks.
func (a *app) stackName(ctx context.Context) (string, error) {
	name := a.flags.stack
	if name == "" {
		name = a.env.get("PLINTH_STACK")
	}
	if name == "" {
		name = a.selectedStack()
	}
	if name != "" {
		return name, validStackName(name)
	}
	p, b, err := a.projectBackend(ctx)
	if err != nil {
		return "", err
	}
	r, err := b.ListStacks(ctx, backend.ListStacksRequest{Project: p.Name})
	if err != nil {
		return "", err
	}
	var names []string
	for _, s := range r.Stacks {
		names = append(names, s.Ref.Stack)
	}
	if len(names) == 0 {
		return "", withCode(ExitStackNotFound, fmt.Errorf("no stack selected and project %s has none: run plinth stack init NAME", p.Name))
	}
	return "", withCode(ExitStackNotFound, fmt.Errorf("no stack selected: use -s NAME or plinth stack select NAME (stacks: %s)", strings.Join(names, ", ")))
}

func (a *app) stackFilePath(name string) string {
	return filepath.Join(a.dir(), "Plinth."+name+".yaml")
}

// readStackFile reads Plinth.<name>.yaml; missing is (nil, nil).
func (a *app) readStackFile(name string) (*workspace.StackFile, error) {
	path := a.stackFilePath(name)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f, err := workspace.ParseStackFile(filepath.Base(path), data)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	return f, nil
}

// lockStackFile serialises read-modify-write of a stack file among this
// user's processes.
func (a *app) lockStackFile(ctx context.Context, name string) (func(), error) {
	dir := filepath.Join(a.plinthHome(), "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	h := sha256.Sum256([]byte(a.stackFilePath(name)))
	return workspace.LockFile(ctx, filepath.Join(dir, hex.EncodeToString(h[:12])+".lock"))
}

func (a *app) writeStackFile(name string, f *workspace.StackFile) error {
	data, err := f.Bytes()
	if err != nil {
		return err
	}
	return workspace.WriteFileAtomic(a.stackFilePath(name), data, 0o644)
}

// openKey opens the stack's data key from its stack file.
func (a *app) openKey(ctx context.Context, name string, f *workspace.StackFile) (*secrets.Key, error) {
	if f == nil {
		return nil, withCode(ExitStackNotFound, fmt.Errorf("stack %s has no %s: it was not created here (plinth stack init %s)", name, filepath.Base(a.stackFilePath(name)), name))
	}
	k, err := secrets.Open(ctx, f.Wrapped(), a.secretsEnv())
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", name, err)
	}
	return k, nil
}

func (a *app) registry() *provider.Registry { return builtin.New(a.dir()) }

func (a *app) user() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return a.env.get("USER")
}

// openStack resolves the stack, its backend and its key. needKey: the
// stack file's key must open (operations that read or write secrets).
func (a *app) openStack(ctx context.Context, needKey bool) (*stack.Stack, *workspace.StackFile, error) {
	p, err := a.loadProject()
	if err != nil {
		return nil, nil, err
	}
	name, err := a.stackName(ctx)
	if err != nil {
		return nil, nil, err
	}
	b, err := a.backend(ctx)
	if err != nil {
		return nil, nil, err
	}
	ref := backend.Ref{Project: p.Name, Stack: name}
	if _, err := b.ReadSnapshot(ctx, backend.ReadSnapshotRequest{Ref: ref}); errors.Is(err, backend.ErrStackNotFound) {
		return nil, nil, withCode(ExitStackNotFound, fmt.Errorf("stack %s does not exist in %s: run plinth stack init %s", name, b.URL(), name))
	} else if err != nil {
		return nil, nil, err
	}
	f, err := a.readStackFile(name)
	if err != nil {
		return nil, nil, err
	}
	lease, err := a.lockLease()
	if err != nil {
		return nil, nil, err
	}
	s := &stack.Stack{Ref: ref, Backend: b, Providers: a.registry(), Now: a.env.Now, User: a.user(), LockWait: a.flags.lockWait, Lease: lease, Hook: a.hit}
	if needKey {
		ring, err := a.openRing(ctx, name, f)
		if err != nil {
			return nil, nil, err
		}
		s.Crypter = ring
		s.Rekey = a.rekey(name, f, ring)
	}
	return s, f, nil
}

// lockLease is the lock lease PLINTH_LOCK_LEASE asks for (a Go duration
// such as 2s), or 0 for backend.DefaultLease. It is meant for tests and CI
// jobs that kill a holder on purpose and should not wait 30s for its lease
// to expire; a lease shorter than a few backend round trips risks losing
// the lock to a slow renewal.
func (a *app) lockLease() (time.Duration, error) {
	v := a.env.get("PLINTH_LOCK_LEASE")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, usageErr("PLINTH_LOCK_LEASE=%q: want a positive duration such as 2s or 1m", v)
	}
	return d, nil
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// readFileLimited reads a file of at most 16 MiB (CI event payloads).
func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 16<<20+1))
	if err != nil {
		return nil, err
	}
	if len(data) > 16<<20 {
		return nil, fmt.Errorf("%s is larger than 16 MiB", path)
	}
	return data, nil
}
