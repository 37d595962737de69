package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/plinth-iac/plinth/secrets"
	"github.com/plinth-iac/plinth/stack"
	"github.com/plinth-iac/plinth/state"
	"github.com/plinth-iac/plinth/workspace"
	"github.com/spf13/cobra"
)

// keyRing decrypts with the stack's current key or, while a key rotation
// is unfinished, with one of the keys it replaces (the stack file's
// previouskeys). It encrypts with the current key only.
type keyRing struct {
	current  *secrets.Key
	previous []*secrets.Key
}

func (r *keyRing) Encrypt(p []byte) (string, error) { return r.current.Encrypt(p) }

func (r *keyRing) Decrypt(c string) ([]byte, error) {
	p, err := r.current.Decrypt(c)
	if err == nil || !errors.Is(err, secrets.ErrTampered) {
		return p, err
	}
	for _, k := range r.previous {
		if p, perr := k.Decrypt(c); perr == nil {
			return p, nil
		}
	}
	return nil, err
}

// openRing opens the current key and every previous key of a stack file,
// warning when a key rotation was left unfinished.
func (a *app) openRing(ctx context.Context, name string, f *workspace.StackFile) (*keyRing, error) {
	ring, err := a.ringOf(ctx, name, f)
	if err != nil {
		return nil, err
	}
	if len(ring.previous) > 0 {
		fmt.Fprintf(a.io.Err, "warning: a rotation of stack %s's data key was interrupted; run plinth stack access ls to finish it\n", name)
	}
	return ring, nil
}

// ringOf opens the current key and every previous key of a stack file.
func (a *app) ringOf(ctx context.Context, name string, f *workspace.StackFile) (*keyRing, error) {
	k, err := a.openKey(ctx, name, f)
	if err != nil {
		return nil, err
	}
	ring := &keyRing{current: k}
	for i, w := range f.PreviousKeys() {
		pk, err := secrets.Open(ctx, w, a.secretsEnv())
		if err != nil {
			return nil, fmt.Errorf("stack %s: previous key %d: %w", name, i+1, err)
		}
		ring.previous = append(ring.previous, pk)
	}
	return ring, nil
}

// rekey returns the stack.Stack Rekey of a command that opened ring from
// f: once the stack's lock is held it reads the stack file again and, if
// its keys changed meanwhile (a rotation ran while the command waited for
// the lock), opens the new ones, so that nothing is written under a key
// that was rotated away, and a revoked identity is refused.
func (a *app) rekey(name string, f *workspace.StackFile, ring *keyRing) func(context.Context) (stack.Crypter, error) {
	return func(ctx context.Context) (stack.Crypter, error) {
		now, err := a.readStackFile(name)
		if err != nil {
			return nil, err
		}
		if now != nil && sameWrapped(f.Wrapped(), now.Wrapped()) &&
			slices.EqualFunc(f.PreviousKeys(), now.PreviousKeys(), sameWrapped) {
			return ring, nil
		}
		return a.openRing(ctx, name, now)
	}
}

func sameWrapped(x, y secrets.Wrapped) bool {
	return x.Provider == y.Provider && x.EncryptedKey == y.EncryptedKey && x.Salt == y.Salt && slices.Equal(x.Recipients, y.Recipients)
}

func newStackAccessCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "access", Short: "Who can decrypt this stack's secrets (age)", Args: cobra.NoArgs}
	var asJSON bool
	ls := &cobra.Command{Use: "ls", Short: "List the recipients (finishing an interrupted key rotation first)", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return a.accessLs(c.Context(), asJSON) }}
	ls.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	grant := &cobra.Command{Use: "grant RECIPIENT", Short: "Let an age recipient decrypt this stack", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.changeAccess(c.Context(), func(w secrets.Wrapped, _ bool) (accessChange, error) {
				if w.Provider != secrets.ProviderAge {
					return accessChange{}, usageErr("stack access works with the age secrets provider; this stack uses %s", secrets.RedactProvider(w.Provider))
				}
				if !strings.HasPrefix(args[0], "age1") {
					return accessChange{}, usageErr("%q is not an age recipient (age1…)", args[0])
				}
				if slices.Contains(w.Recipients, args[0]) {
					return accessChange{}, usageErr("%s is already a recipient", args[0])
				}
				return accessChange{provider: secrets.ProviderAge, recipients: append(slices.Clone(w.Recipients), args[0])}, nil
			})
		}}
	revoke := &cobra.Command{Use: "revoke RECIPIENT", Short: "Remove a recipient: rotates the data key and re-encrypts config and every version of state", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.changeAccess(c.Context(), func(w secrets.Wrapped, resumed bool) (accessChange, error) {
				if w.Provider != secrets.ProviderAge {
					return accessChange{}, usageErr("stack access works with the age secrets provider; this stack uses %s", secrets.RedactProvider(w.Provider))
				}
				i := slices.Index(w.Recipients, args[0])
				if i < 0 && resumed {
					// Run again after it was interrupted: the rotation
					// just finished was this revocation.
					return accessChange{done: fmt.Sprintf("%s is no longer a recipient", args[0])}, nil
				}
				if i < 0 {
					return accessChange{}, usageErr("%s is not a recipient of this stack", args[0])
				}
				rest := slices.Delete(slices.Clone(w.Recipients), i, i+1)
				if len(rest) == 0 {
					return accessChange{}, usageErr("refusing to revoke the last recipient: nobody could decrypt the stack")
				}
				return accessChange{provider: secrets.ProviderAge, recipients: rest, rotate: true, reason: "revoked " + args[0]}, nil
			})
		}}
	c.AddCommand(ls, grant, revoke)
	return c
}

func newChangeSecretsProviderCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "change-secrets-provider PROVIDER",
		Short: "Re-wrap the stack's secrets under another provider (rotating the data key)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.changeAccess(c.Context(), func(w secrets.Wrapped, resumed bool) (accessChange, error) {
				if resumed && w.Provider == args[0] {
					return accessChange{done: "the secrets provider is " + args[0]}, nil
				}
				return accessChange{provider: args[0], rotate: true, reason: "changed the secrets provider to " + secrets.RedactProvider(args[0])}, nil
			})
		},
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *app) accessLs(ctx context.Context, asJSON bool) error {
	defer a.close()
	name, f, _, err := a.configTarget(ctx, false)
	if err != nil {
		return err
	}
	if len(f.PreviousKeys()) > 0 {
		nf, err := a.finishInterruptedRotation(ctx, name)
		switch {
		case err == nil:
			f = nf
		case exitCode(err) == ExitSecrets:
			// Only someone with access can finish it; anyone may still see
			// who has access.
			fmt.Fprintf(a.io.Err, "warning: a rotation of stack %s's data key was interrupted, and only a recipient can finish it: %v\n", name, err)
		default:
			return err
		}
	}
	w := f.Wrapped()
	if asJSON {
		return writeJSON(a.io.Out, map[string]any{"secretsProvider": w.Provider, "recipients": nonNil(w.Recipients)})
	}
	if w.Provider != secrets.ProviderAge {
		fmt.Fprintf(a.io.Out, "secrets provider %s: access is whoever can use it\n", secrets.RedactProvider(w.Provider))
		return nil
	}
	me, _ := secrets.CurrentRecipient(a.secretsEnv())
	for _, r := range w.Recipients {
		mark := ""
		if r == me {
			mark = "  (you)"
		}
		fmt.Fprintf(a.io.Out, "%s%s\n", r, mark)
	}
	return nil
}

// accessChange is what an access command decided to do.
type accessChange struct {
	provider   string
	recipients []string
	// rotate makes a new data key; otherwise the current one is re-wrapped.
	rotate bool
	// reason is the rotation's history message.
	reason string
	// done, when set, means there is nothing to do; it says why.
	done string
}

// finishInterruptedRotation finishes a rotation of stack name's data key
// that a crash or an error left unfinished (see finishRotation), under the
// stack file's lock and the stack's, and returns the stack file as it is
// then.
func (a *app) finishInterruptedRotation(ctx context.Context, name string) (*workspace.StackFile, error) {
	unlock, err := a.lockStackFile(ctx, name)
	if err != nil {
		return nil, err
	}
	defer unlock()
	s, f, err := a.openStack(ctx, false)
	if err != nil {
		return nil, err
	}
	ring, err := a.ringOf(ctx, name, f)
	if err != nil {
		return nil, err
	}
	if len(ring.previous) == 0 {
		return f, nil // someone else finished it meanwhile
	}
	s.Crypter = ring
	sess, err := s.Open(ctx, "finish key rotation")
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	return f, a.resumeRotation(ctx, name, f, s, sess, ring)
}

func (a *app) resumeRotation(ctx context.Context, name string, f *workspace.StackFile, s *stack.Stack, sess *stack.Session, ring *keyRing) error {
	n, err := a.finishRotation(ctx, name, f, s, sess, ring, "finished an interrupted key rotation")
	if err != nil {
		return err
	}
	fmt.Fprintf(a.io.Err, "Finished the interrupted rotation of stack %s's data key: %d version(s) of state re-encrypted\n", name, n)
	return nil
}

// finishRotation is the second half of a key rotation: f already holds the
// new key (ring.current) and, in previouskeys, the keys it replaces
// (ring.previous). Every version of state that the new key cannot read is
// re-encrypted under it, the current state is recorded as a new version
// under it, and previouskeys is removed from the stack file. The caller
// holds the stack file's lock, and sess (opened with ring) holds the
// stack's. It returns how many versions were re-encrypted. See "Rotation"
// in docs/secrets.md for what a crash at each step leaves.
func (a *app) finishRotation(ctx context.Context, name string, f *workspace.StackFile, s *stack.Stack, sess *stack.Session, ring *keyRing, message string) (int, error) {
	n, err := sess.Reencrypt(ctx, ring, ring.current)
	if err != nil {
		return n, err
	}
	s.Crypter = ring.current
	if _, err := sess.Edit(ctx, stack.KindRotateKey, message, func(*state.Snapshot) error { return nil }); err != nil {
		return n, err
	}
	if err := a.hit("rotation.done"); err != nil {
		return n, err
	}
	f.SetPreviousKeys(nil)
	return n, a.writeStackFile(name, f)
}

// changeAccess re-wraps the stack's key (grant) or rotates it (revoke,
// change of provider). A rotation happens under the stack file's lock and
// the stack's, in three durable steps:
//
//  1. the stack file is written with the new key, the old key re-wrapped
//     to the new recipients or provider only (previouskeys), and config
//     re-encrypted under the new key;
//  2. every version of state is re-encrypted under the new key, and the
//     current state recorded as a new version;
//  3. previouskeys is removed from the stack file.
//
// While previouskeys is there, every command reads with both keys, and the
// next access command first finishes steps 2 and 3.
func (a *app) changeAccess(ctx context.Context, decide func(w secrets.Wrapped, resumed bool) (accessChange, error)) error {
	defer a.close()
	name, err := a.stackName(ctx)
	if err != nil {
		return err
	}
	unlock, err := a.lockStackFile(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	s, f, err := a.openStack(ctx, false)
	if err != nil {
		return err
	}
	if f == nil {
		return withCode(ExitStackNotFound, fmt.Errorf("no Plinth.%s.yaml here", name))
	}
	ring, err := a.ringOf(ctx, name, f)
	if err != nil {
		return err
	}
	var sess *stack.Session
	defer func() {
		if sess != nil {
			sess.Close()
		}
	}()
	resumed := false
	if len(ring.previous) > 0 {
		s.Crypter = ring
		if sess, err = s.Open(ctx, "finish key rotation"); err != nil {
			return err
		}
		if err := a.resumeRotation(ctx, name, f, s, sess, ring); err != nil {
			return err
		}
		ring = &keyRing{current: ring.current}
		resumed = true
	}
	ch, err := decide(f.Wrapped(), resumed)
	if err != nil {
		return err
	}
	if ch.done != "" {
		fmt.Fprintf(a.io.Out, "Nothing more to do: %s\n", ch.done)
		return nil
	}
	env := a.secretsEnv()
	if !ch.rotate {
		w, err := ring.current.Wrap(ctx, ch.provider, ch.recipients, env)
		if err != nil {
			return err
		}
		f.SetWrapped(w)
		if err := a.writeStackFile(name, f); err != nil {
			return err
		}
		fmt.Fprintf(a.io.Out, "Granted: %s now has %d recipient(s)\n", name, len(ch.recipients))
		return nil
	}
	if sess == nil {
		s.Crypter = ring
		if sess, err = s.Open(ctx, "rotate key"); err != nil {
			return err
		}
	}
	// Everything that can fail for want of a key, a passphrase or a
	// recipient, or on a value that does not decrypt, happens before the
	// first write.
	if err := sess.CheckVersions(ctx, ring); err != nil {
		return err
	}
	neww, newKey, err := secrets.NewKey(ctx, ch.provider, ch.recipients, env)
	if err != nil {
		return err
	}
	old, err := ring.current.Wrap(ctx, neww.Provider, neww.Recipients, env)
	if err != nil {
		return err
	}
	for _, k := range f.Keys() {
		v, _ := f.Get(k)
		nv, err := reencrypt(v, ring, newKey)
		if err != nil {
			return fmt.Errorf("config %s: %w", k, err)
		}
		f.Set(k, nv)
	}
	f.SetWrapped(neww)
	f.SetPreviousKeys([]secrets.Wrapped{old})
	if err := a.writeStackFile(name, f); err != nil {
		return err
	}
	if err := a.hit("rotation.file"); err != nil {
		return err
	}
	n, err := a.finishRotation(ctx, name, f, s, sess, &keyRing{current: newKey, previous: []*secrets.Key{ring.current}}, ch.reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.io.Out, "Rotated the data key of stack %s: config and %d earlier version(s) of state re-encrypted; commit Plinth.%s.yaml\n", name, n, name)
	return nil
}
