package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	agelib "filippo.io/age"

	"github.com/plinth-iac/plinth/secrets"
	"github.com/plinth-iac/plinth/stack"
	"github.com/plinth-iac/plinth/state"
)

// accessFixture is a project run in-process, with two age identities.
type accessFixture struct {
	dir, home                       string
	first, second                   string // identity files
	firstRecipient, secondRecipient string
}

func newAccessFixture(t *testing.T) *accessFixture {
	t.Helper()
	dir := t.TempDir()
	fx := &accessFixture{dir: dir, home: filepath.Join(dir, "home")}
	key := func(name string) (string, string) {
		id, err := agelib.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(id.String()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p, id.Recipient().String()
	}
	fx.first, fx.firstRecipient = key("first.key")
	fx.second, fx.secondRecipient = key("second.key")
	program := "name: fx\nruntime: yaml\nconfig:\n  pw: {type: string, secret: true}\nresources:\n  d:\n    type: core:Data\n    properties: {input: \"${pw}\"}\noutputs:\n  out: ${d.output}\n"
	if err := os.WriteFile(filepath.Join(dir, "Plinth.yaml"), []byte(program), 0o644); err != nil {
		t.Fatal(err)
	}
	fx.run(t, fx.first, 0, "stack", "init", "dev")
	fx.run(t, fx.first, 0, "config", "set", "--secret", "pw", "hunter2")
	fx.run(t, fx.first, 0, "up", "--yes")
	fx.run(t, fx.first, 0, "stack", "access", "grant", fx.secondRecipient)
	return fx
}

func (fx *accessFixture) env(keyFile string) Env {
	vars := map[string]string{"PLINTH_AGE_KEY_FILE": keyFile, "PLINTH_CI": "false", "NO_COLOR": "1"}
	return Env{
		Lookup:  func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		HomeDir: fx.home, Cwd: fx.dir, Now: time.Now,
	}
}

// run runs plinth in-process as the identity in keyFile and checks its
// exit code.
func (fx *accessFixture) run(t *testing.T, keyFile string, want int, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	got := Run(t.Context(), args, IOStreams{In: strings.NewReader(""), Out: &out, Err: &out}, fx.env(keyFile))
	if got != want {
		t.Fatalf("plinth %s exited %d, want %d:\n%s", strings.Join(args, " "), got, want, out.String())
	}
	return out.String()
}

// openStack opens the stack as a command does before it waits for the
// lock: the stack file is read and its key opened now.
func (fx *accessFixture) openStack(t *testing.T, keyFile string) *stack.Stack {
	t.Helper()
	var out bytes.Buffer
	a := &app{io: IOStreams{In: strings.NewReader(""), Out: &out, Err: &out}, env: fx.env(keyFile)}
	t.Cleanup(a.close)
	s, _, err := a.openStack(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRotationWhileWaitingForTheLock: a command that opened the stack's
// key and then waited for the lock while a rotation ran reads the stack
// file again once it holds the lock. A revoked identity is refused; a
// remaining one writes under the new key, never the rotated-away one.
func TestRotationWhileWaitingForTheLock(t *testing.T) {
	fx := newAccessFixture(t)
	revoked := fx.openStack(t, fx.first)
	remaining := fx.openStack(t, fx.second)
	fx.run(t, fx.second, 0, "stack", "access", "revoke", fx.firstRecipient)

	if sess, err := revoked.Open(t.Context(), "test"); !errors.Is(err, secrets.ErrAccess) {
		if err == nil {
			sess.Close()
		}
		t.Fatalf("Open as the revoked identity after the rotation: got %v, want ErrAccess", err)
	}

	sess, err := remaining.Open(t.Context(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Edit(t.Context(), stack.KindStateEdit, "written after the rotation", func(*state.Snapshot) error { return nil }); err != nil {
		t.Fatal(err)
	}
	sess.Close()
	// Had it written under the old key, the new one could not read it.
	if out := fx.run(t, fx.second, 0, "stack", "output", "--show-secrets"); !strings.Contains(out, `out: "hunter2"`) {
		t.Errorf("stack output --show-secrets = %q", out)
	}
	fx.run(t, fx.first, ExitSecrets, "stack", "output", "--show-secrets")
}

// TestRekeyKeepsKeyWhenUnchanged: with the stack file as it was, Open
// keeps the key it has (no second unwrap: a passphrase costs a KDF run).
func TestRekeyKeepsKeyWhenUnchanged(t *testing.T) {
	fx := newAccessFixture(t)
	s := fx.openStack(t, fx.first)
	before := s.Crypter
	sess, err := s.Open(t.Context(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if s.Crypter != before {
		t.Errorf("Open replaced the key although the stack file did not change")
	}
}
