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

// keyRing decrypts with the stack's current key or, for state written
// before a rotation, with one of its previous keys. It encrypts with the
// current key only.
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

// openRing opens the current key and every previous key of a stack file.
func (a *app) openRing(ctx context.Context, name string, f *workspace.StackFile) (*keyRing, error) {
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

func newStackAccessCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "access", Short: "Who can decrypt this stack's secrets (age)", Args: cobra.NoArgs}
	var asJSON bool
	ls := &cobra.Command{Use: "ls", Short: "List the recipients", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, f, _, err := a.configTarget(c.Context(), false)
			if err != nil {
				return err
			}
			w := f.Wrapped()
			if asJSON {
				return writeJSON(a.io.Out, map[string]any{"secretsProvider": w.Provider, "recipients": nonNil(w.Recipients)})
			}
			if w.Provider != secrets.ProviderAge {
				fmt.Fprintf(a.io.Out, "secrets provider %s: access is whoever can use it\n", w.Provider)
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
		}}
	ls.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	grant := &cobra.Command{Use: "grant RECIPIENT", Short: "Let an age recipient decrypt this stack", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.changeAccess(c.Context(), func(w secrets.Wrapped) (string, []string, bool, error) {
				if w.Provider != secrets.ProviderAge {
					return "", nil, false, usageErr("stack access works with the age secrets provider; this stack uses %s", w.Provider)
				}
				if !strings.HasPrefix(args[0], "age1") {
					return "", nil, false, usageErr("%q is not an age recipient (age1…)", args[0])
				}
				if slices.Contains(w.Recipients, args[0]) {
					return "", nil, false, usageErr("%s is already a recipient", args[0])
				}
				return secrets.ProviderAge, append(slices.Clone(w.Recipients), args[0]), false, nil
			})
		}}
	revoke := &cobra.Command{Use: "revoke RECIPIENT", Short: "Remove a recipient: rotates the data key and re-encrypts config and state", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.changeAccess(c.Context(), func(w secrets.Wrapped) (string, []string, bool, error) {
				if w.Provider != secrets.ProviderAge {
					return "", nil, false, usageErr("stack access works with the age secrets provider; this stack uses %s", w.Provider)
				}
				i := slices.Index(w.Recipients, args[0])
				if i < 0 {
					return "", nil, false, usageErr("%s is not a recipient of this stack", args[0])
				}
				rest := slices.Delete(slices.Clone(w.Recipients), i, i+1)
				if len(rest) == 0 {
					return "", nil, false, usageErr("refusing to revoke the last recipient: nobody could decrypt the stack")
				}
				return secrets.ProviderAge, rest, true, nil
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
			return a.changeAccess(c.Context(), func(w secrets.Wrapped) (string, []string, bool, error) {
				return args[0], nil, true, nil
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

// changeAccess re-wraps the stack's key (grant) or rotates it (revoke,
// change of provider). A rotation writes, in order: the stack file with the
// new key, the old keys re-wrapped to the new recipients only, and config
// re-encrypted; then a new version of the state under the new key. If it
// stops in between, the stack file's previous keys still read the state,
// and the next command's version is written under the new key.
func (a *app) changeAccess(ctx context.Context, decide func(secrets.Wrapped) (provider string, recipients []string, rotate bool, err error)) error {
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
	ring, err := a.openRing(ctx, name, f)
	if err != nil {
		return err
	}
	prov, recipients, rotate, err := decide(f.Wrapped())
	if err != nil {
		return err
	}
	env := a.secretsEnv()
	if !rotate {
		w, err := ring.current.Wrap(ctx, prov, recipients, env)
		if err != nil {
			return err
		}
		f.SetWrapped(w)
		if err := a.writeStackFile(name, f); err != nil {
			return err
		}
		fmt.Fprintf(a.io.Out, "Granted: %s now has %d recipient(s)\n", name, len(recipients))
		return nil
	}
	// Rotation: the stack lock keeps operations out while state changes.
	s.Crypter = ring
	sess, err := s.Open(ctx, "rotate key")
	if err != nil {
		return err
	}
	defer sess.Close()
	neww, newKey, err := secrets.NewKey(ctx, prov, recipients, env)
	if err != nil {
		return err
	}
	var prev []secrets.Wrapped
	for _, k := range append([]*secrets.Key{ring.current}, ring.previous...) {
		w, err := k.Wrap(ctx, neww.Provider, neww.Recipients, env)
		if err != nil {
			return err
		}
		prev = append(prev, w)
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
	f.SetPreviousKeys(prev)
	if err := a.writeStackFile(name, f); err != nil {
		return err
	}
	if err := a.hit("rotation.state"); err != nil {
		return err
	}
	s.Crypter = &keyRing{current: newKey, previous: ring.previous}
	if _, err := sess.Edit(ctx, stack.KindStateEdit, "rotated the data key", func(*state.Snapshot) error { return nil }); err != nil {
		return err
	}
	fmt.Fprintf(a.io.Out, "Rotated the data key of stack %s: config and current state re-encrypted\n", name)
	return nil
}
