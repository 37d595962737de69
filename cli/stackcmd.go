package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/secrets"
	"github.com/plinth-iac/plinth/stack"
	"github.com/plinth-iac/plinth/state"
	"github.com/plinth-iac/plinth/workspace"
	"github.com/spf13/cobra"
)

func newStackCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "stack", Short: "Manage stacks", Args: cobra.NoArgs}
	c.AddCommand(newStackInitCmd(a), newStackLsCmd(a), newStackSelectCmd(a), newStackRmCmd(a),
		newStackOutputCmd(a), newStackHistoryCmd(a), newStackExportCmd(a), newStackImportCmd(a),
		newStackTagCmd(a), newStackUnlockCmd(a), newStackAccessCmd(a), newChangeSecretsProviderCmd(a))
	return c
}

type stackInitOptions struct {
	name            string
	secretsProvider string
	copyFrom        string
	// recipients are the age recipients of a new key (none: the current
	// identity).
	recipients []string
	// tags are written to the new stack before its stack file.
	tags map[string]string
	// keepSelection leaves the selected stack as it was.
	keepSelection bool
}

func newStackInitCmd(a *app) *cobra.Command {
	o := &stackInitOptions{}
	c := &cobra.Command{
		Use:   "init NAME",
		Short: "Create a stack and its Plinth.NAME.yaml",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.name = args[0]
			return a.stackInit(c.Context(), o)
		},
	}
	c.Flags().StringVar(&o.secretsProvider, "secrets-provider", "age", "age, passphrase, or a KMS URL")
	c.Flags().StringVar(&o.copyFrom, "copy-config-from", "", "copy config (re-encrypting secrets) from this stack")
	return c
}

func (a *app) stackInit(ctx context.Context, o *stackInitOptions) error {
	// Close the backend only if this call opens it: deploy creates review
	// stacks through here and goes on using its open backend (closing it
	// is a no-op for file:// but ends a postgres pool or an s3 bucket).
	if a.be == nil {
		defer a.close()
	}
	if err := validStackName(o.name); err != nil {
		return err
	}
	p, b, err := a.projectBackend(ctx)
	if err != nil {
		return err
	}
	unlock, err := a.lockStackFile(ctx, o.name)
	if err != nil {
		return err
	}
	defer unlock()
	existing, err := a.readStackFile(o.name)
	if err != nil {
		return err
	}
	var src *workspace.StackFile
	var srcKey *secrets.Key
	if o.copyFrom != "" {
		if src, err = a.readStackFile(o.copyFrom); err != nil {
			return err
		}
		if srcKey, err = a.openKey(ctx, o.copyFrom, src); err != nil {
			return err
		}
	}
	// Open or create the data key before touching the backend, so a
	// failure here changes nothing.
	f := existing
	var key *secrets.Key
	if f != nil && f.Wrapped().EncryptedKey != "" {
		// A stack file committed by a teammate: join it.
		if key, err = a.openKey(ctx, o.name, f); err != nil {
			return err
		}
	} else {
		var w secrets.Wrapped
		w, key, err = secrets.NewKey(ctx, o.secretsProvider, o.recipients, a.secretsEnv())
		if err != nil {
			return withCode(exitCode(err), fmt.Errorf("creating the key of stack %s: %w", o.name, err))
		}
		if f == nil {
			f = workspace.NewStackFile()
		}
		f.SetWrapped(w)
	}
	if src != nil {
		if err := copyConfig(src, srcKey, f, key); err != nil {
			return err
		}
	}
	s := &stack.Stack{Ref: backend.Ref{Project: p.Name, Stack: o.name}, Backend: b, Crypter: key, Now: a.env.Now}
	if err := s.Create(ctx); err != nil {
		if errors.Is(err, backend.ErrStackExists) {
			return usageErr("stack %s already exists in %s", o.name, b.URL())
		}
		return err
	}
	if len(o.tags) > 0 {
		if _, err := b.WriteTags(ctx, backend.WriteTagsRequest{Ref: s.Ref, Tags: o.tags}); err != nil {
			return err
		}
	}
	if err := a.writeStackFile(o.name, f); err != nil {
		return err
	}
	if !o.keepSelection {
		if err := a.selectStack(o.name); err != nil {
			return err
		}
	}
	fmt.Fprintf(a.io.Out, "Created stack %s in %s\nStack file: Plinth.%s.yaml\n", o.name, b.URL(), o.name)
	return nil
}

// copyConfig copies every config value of src into dst, re-encrypting
// secrets under dst's key.
func copyConfig(src *workspace.StackFile, srcKey *secrets.Key, dst *workspace.StackFile, dstKey *secrets.Key) error {
	for _, k := range src.Keys() {
		v, _ := src.Get(k)
		nv, err := reencrypt(v, srcKey, dstKey)
		if err != nil {
			return fmt.Errorf("config %s: %w", k, err)
		}
		dst.Set(k, nv)
	}
	return nil
}

func reencrypt(v any, from, to secrets.Crypter) (any, error) {
	return mapSecure(v, func(sec workspace.Secure) (any, error) {
		plain, err := from.Decrypt(sec.Ciphertext)
		if err != nil {
			return nil, err
		}
		ct, err := to.Encrypt(plain)
		if err != nil {
			return nil, err
		}
		return workspace.Secure{Ciphertext: ct}, nil
	})
}

func newStackLsCmd(a *app) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "ls",
		Short: "List the project's stacks",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			defer a.close()
			ctx := c.Context()
			p, b, err := a.projectBackend(ctx)
			if err != nil {
				return err
			}
			r, err := b.ListStacks(ctx, backend.ListStacksRequest{Project: p.Name})
			if err != nil {
				return err
			}
			current := a.selectedStack()
			if asJSON {
				var out []map[string]any
				for _, s := range r.Stacks {
					m := map[string]any{"name": s.Ref.Stack, "current": s.Ref.Stack == current, "version": s.LastVersion}
					if !s.LastUpdate.IsZero() {
						m["lastUpdate"] = s.LastUpdate.Format(time.RFC3339)
					}
					out = append(out, m)
				}
				if out == nil {
					out = []map[string]any{}
				}
				return writeJSON(a.io.Out, out)
			}
			w := tabwriter.NewWriter(a.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tVERSION\tLAST UPDATE")
			for _, s := range r.Stacks {
				name := s.Ref.Stack
				if name == current {
					name += "*"
				}
				last := "never"
				if !s.LastUpdate.IsZero() {
					last = s.LastUpdate.Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%s\t%d\t%s\n", name, s.LastVersion, last)
			}
			return w.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}

func newStackSelectCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "select NAME",
		Short: "Choose the stack commands work on",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			defer a.close()
			ctx := c.Context()
			if err := validStackName(args[0]); err != nil {
				return err
			}
			p, b, err := a.projectBackend(ctx)
			if err != nil {
				return err
			}
			if _, err := b.ReadSnapshot(ctx, backend.ReadSnapshotRequest{Ref: backend.Ref{Project: p.Name, Stack: args[0]}}); err != nil {
				if errors.Is(err, backend.ErrStackNotFound) {
					return withCode(ExitStackNotFound, fmt.Errorf("stack %s does not exist", args[0]))
				}
				return err
			}
			return a.selectStack(args[0])
		},
	}
}

func newStackRmCmd(a *app) *cobra.Command {
	var yes, force bool
	c := &cobra.Command{
		Use:   "rm NAME",
		Short: "Remove a stack (refuses while it has resources, unless --force)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			defer a.close()
			ctx := c.Context()
			a.flags.stack = args[0]
			if err := validStackName(args[0]); err != nil {
				return err
			}
			s, _, err := a.openStack(ctx, false)
			if err != nil {
				return err
			}
			if !yes {
				ok, err := a.confirm(fmt.Sprintf("Remove stack %s and all its history?", args[0]))
				if err != nil {
					return err // non-interactive without --yes: exit 2
				}
				if !ok {
					return withCode(ExitCancelled, errors.New("nothing removed"))
				}
			}
			sess, err := s.Open(ctx, "stack rm")
			if err != nil {
				return err
			}
			n := 0
			for _, r := range sess.Snapshot.Resources {
				if !r.Delete {
					n++
				}
			}
			if (n > 0 || len(sess.Snapshot.Pending) > 0) && !force {
				sess.Close()
				return usageErr("stack %s still has %d resource(s): run plinth destroy first, or use --force to forget them", args[0], n)
			}
			// The lock is part of the stack: removing the stack removes it.
			if _, err := s.Backend.RemoveStack(ctx, backend.RemoveStackRequest{Ref: s.Ref}); err != nil {
				sess.Close()
				return err
			}
			_ = sess.Close()
			if a.selectedStack() == args[0] {
				_ = a.selectStack("")
			}
			fmt.Fprintf(a.io.Out, "Removed stack %s (Plinth.%s.yaml was kept)\n", args[0], args[0])
			return nil
		},
	}
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	c.Flags().BoolVar(&force, "force", false, "remove even if resources remain (they are forgotten, not deleted)")
	return c
}

func newStackOutputCmd(a *app) *cobra.Command {
	var asJSON, show bool
	c := &cobra.Command{
		Use:   "output [NAME]",
		Short: "Show the stack's outputs",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			defer a.close()
			ctx := c.Context()
			s, _, err := a.openStack(ctx, show)
			if err != nil {
				return err
			}
			snap, err := s.Snapshot(ctx, s.Crypter)
			if err != nil {
				return err
			}
			outs := snap.Outputs
			if len(args) == 1 {
				v, ok := outs[args[0]]
				if !ok {
					return usageErr("stack %s has no output %q (outputs: %s)", s.Ref.Stack, args[0], strings.Join(sortedKeys(outs), ", "))
				}
				if asJSON {
					return writeJSON(a.io.Out, jsonValue(v, show))
				}
				if str, ok := v.(string); ok {
					fmt.Fprintln(a.io.Out, str)
				} else {
					fmt.Fprintln(a.io.Out, resource.Format(v, show))
				}
				return nil
			}
			if asJSON {
				m := map[string]any{}
				for k, v := range outs {
					m[k] = jsonValue(v, show)
				}
				return writeJSON(a.io.Out, m)
			}
			for _, k := range sortedKeys(outs) {
				fmt.Fprintf(a.io.Out, "%s: %s\n", k, resource.Format(outs[k], show))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	c.Flags().BoolVar(&show, "show-secrets", false, "show secret values")
	return c
}

// jsonValue converts a value for JSON output, hiding secrets.
func jsonValue(v any, show bool) any {
	switch t := v.(type) {
	case resource.Secret:
		if !show {
			return "[secret]"
		}
		return jsonValue(t.Value, show)
	case resource.Encrypted:
		return "[secret]"
	case resource.Unknown:
		return "(known after up)"
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = jsonValue(e, show)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = jsonValue(e, show)
		}
		return out
	}
	return v
}

func newStackHistoryCmd(a *app) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "history",
		Short: "Every update: version, kind, result, start, duration, changes, message, CI metadata",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			defer a.close()
			ctx := c.Context()
			s, _, err := a.openStack(ctx, false)
			if err != nil {
				return err
			}
			hist, err := s.History(ctx)
			if err != nil {
				return err
			}
			slices.Reverse(hist)
			if asJSON {
				if hist == nil {
					hist = []*state.Update{}
				}
				return writeJSON(a.io.Out, hist)
			}
			w := tabwriter.NewWriter(a.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "VERSION\tKIND\tRESULT\tSTART\tDURATION\tCHANGES\tMESSAGE")
			for _, h := range hist {
				result := h.Result
				if h.Verified != nil {
					result += map[bool]string{true: ", verified", false: ", verification failed"}[*h.Verified]
				}
				msg := h.Message
				if h.CI != nil {
					msg = strings.TrimSpace(fmt.Sprintf("%s [%v %v %v]", msg, h.CI["system"], h.CI["branch"], h.CI["commit"]))
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", h.Version, h.Kind, result, h.Start.Format(time.RFC3339),
					h.End.Sub(h.Start).Round(time.Millisecond), formatChanges(h.Changes), msg)
			}
			return w.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}

func formatChanges(c map[string]int) string {
	var parts []string
	for _, k := range []string{"create", "update", "replace", "delete", "read", "import", "same"} {
		if c[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func newStackExportCmd(a *app) *cobra.Command {
	var version int
	var file string
	c := &cobra.Command{
		Use:   "export",
		Short: "Write the stack's state as JSON (secrets stay encrypted)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			defer a.close()
			ctx := c.Context()
			s, _, err := a.openStack(ctx, false)
			if err != nil {
				return err
			}
			var snap *state.Snapshot
			if version > 0 {
				snap, err = s.Checkpoint(ctx, version, nil)
			} else {
				snap, err = s.Snapshot(ctx, nil)
			}
			if err != nil {
				return err
			}
			data, err := state.Encode(snap, nil)
			if err != nil {
				return err
			}
			if file == "" {
				_, err = a.io.Out.Write(data)
				return err
			}
			return workspace.WriteFileAtomic(file, data, 0o600)
		},
	}
	c.Flags().IntVar(&version, "version", 0, "export this version instead of the current state")
	c.Flags().StringVar(&file, "file", "", "write to `FILE` instead of standard output")
	return c
}

func newStackImportCmd(a *app) *cobra.Command {
	var file string
	var force bool
	c := &cobra.Command{
		Use:   "import",
		Short: "Replace the stack's state with exported JSON",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			defer a.close()
			ctx := c.Context()
			var data []byte
			var err error
			if file == "" || file == "-" {
				data, err = io.ReadAll(io.LimitReader(a.io.In, 512<<20))
			} else if data, err = os.ReadFile(file); err != nil {
				return withCode(ExitUsage, fmt.Errorf("--file: %w", err))
			}
			if err != nil {
				return err
			}
			in, err := state.Decode(data, nil)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("%s: %w", orStdin(file), err))
			}
			s, _, err := a.openStack(ctx, false)
			if err != nil {
				return err
			}
			sess, err := s.Open(ctx, "stack import")
			if err != nil {
				return err
			}
			defer sess.Close()
			if in.Lineage != sess.Snapshot.Lineage && !force {
				return usageErr("%s has lineage %s but stack %s has %s: it is another stack's state (use --force to import it anyway)", orStdin(file), in.Lineage, s.Ref.Stack, sess.Snapshot.Lineage)
			}
			if in.Project != "" && in.Project != s.Ref.Project && !force {
				return usageErr("%s is state of project %s, not %s (use --force)", orStdin(file), in.Project, s.Ref.Project)
			}
			v, err := sess.Edit(ctx, stack.KindImportState, "imported from "+orStdin(file), func(snap *state.Snapshot) error {
				serial := snap.Serial
				*snap = *in.Clone()
				snap.Serial = max(serial, in.Serial)
				snap.Project, snap.Stack = s.Ref.Project, s.Ref.Stack
				if force {
					snap.Lineage = in.Lineage
				}
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "Imported %d resource(s) into stack %s as version %d\n", len(in.Resources), s.Ref.Stack, v)
			return nil
		},
	}
	c.Flags().StringVar(&file, "file", "", "read from `FILE` (default standard input)")
	c.Flags().BoolVar(&force, "force", false, "import state of another lineage or project")
	return c
}

func orStdin(f string) string {
	if f == "" || f == "-" {
		return "standard input"
	}
	return f
}

func newStackTagCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "tag", Short: "Free-form tags on a stack", Args: cobra.NoArgs}
	edit := func(ctx context.Context, fn func(map[string]string) error) error {
		defer a.close()
		s, _, err := a.openStack(ctx, false)
		if err != nil {
			return err
		}
		sess, err := s.Open(ctx, "stack tag")
		if err != nil {
			return err
		}
		defer sess.Close()
		r, err := s.Backend.ReadTags(ctx, backend.ReadTagsRequest{Ref: s.Ref})
		if err != nil {
			return err
		}
		tags := r.Tags
		if tags == nil {
			tags = map[string]string{}
		}
		if err := fn(tags); err != nil {
			return err
		}
		_, err = s.Backend.WriteTags(ctx, backend.WriteTagsRequest{Ref: s.Ref, Tags: tags})
		return err
	}
	read := func(ctx context.Context) (map[string]string, error) {
		defer a.close()
		s, _, err := a.openStack(ctx, false)
		if err != nil {
			return nil, err
		}
		r, err := s.Backend.ReadTags(ctx, backend.ReadTagsRequest{Ref: s.Ref})
		return r.Tags, err
	}
	set := &cobra.Command{Use: "set NAME VALUE", Short: "Set a tag", Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			if args[0] == "" || len(args[0]) > 256 || len(args[1]) > 4096 {
				return usageErr("tag names are 1–256 characters and values at most 4096")
			}
			return edit(c.Context(), func(t map[string]string) error { t[args[0]] = args[1]; return nil })
		}}
	rm := &cobra.Command{Use: "rm NAME", Short: "Remove a tag", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return edit(c.Context(), func(t map[string]string) error {
				if _, ok := t[args[0]]; !ok {
					return usageErr("stack has no tag %q", args[0])
				}
				delete(t, args[0])
				return nil
			})
		}}
	get := &cobra.Command{Use: "get NAME", Short: "Print a tag's value", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			tags, err := read(c.Context())
			if err != nil {
				return err
			}
			v, ok := tags[args[0]]
			if !ok {
				return usageErr("stack has no tag %q", args[0])
			}
			fmt.Fprintln(a.io.Out, v)
			return nil
		}}
	var asJSON bool
	ls := &cobra.Command{Use: "ls", Short: "List tags", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			tags, err := read(c.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if tags == nil {
					tags = map[string]string{}
				}
				return writeJSON(a.io.Out, tags)
			}
			for _, k := range sortedKeys(tags) {
				fmt.Fprintf(a.io.Out, "%s=%s\n", k, tags[k])
			}
			return nil
		}}
	ls.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	c.AddCommand(set, rm, get, ls)
	return c
}

func newStackUnlockCmd(a *app) *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "unlock",
		Short: "Remove a stale lock, saying whose it was",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			defer a.close()
			ctx := c.Context()
			s, _, err := a.openStack(ctx, false)
			if err != nil {
				return err
			}
			r, err := s.Backend.ReadLock(ctx, backend.ReadLockRequest{Ref: s.Ref})
			if err != nil {
				return err
			}
			if r.Info == nil {
				fmt.Fprintf(a.io.Out, "stack %s is not locked\n", s.Ref.Stack)
				return nil
			}
			now := time.Now()
			if a.env.Now != nil {
				now = a.env.Now()
			}
			if r.Info.Expires.After(now) && !force {
				return withCode(ExitLocked, fmt.Errorf("stack %s is locked by a live operation (%s; lease until %s): use plinth cancel, or --force if you are sure it is dead", s.Ref.Stack, r.Info, r.Info.Expires.Format(time.RFC3339)))
			}
			b, err := s.Backend.BreakLock(ctx, backend.BreakLockRequest{Ref: s.Ref})
			if err != nil {
				return err
			}
			if b.Info != nil {
				fmt.Fprintf(a.io.Out, "Removed the lock of stack %s: %s\n", s.Ref.Stack, b.Info)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "remove the lock even though its lease has not expired")
	return c
}

func newCancelCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel",
		Short: "Ask a running update on this stack to stop",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			defer a.close()
			ctx := c.Context()
			s, _, err := a.openStack(ctx, false)
			if err != nil {
				return err
			}
			if _, err := s.Backend.RequestCancel(ctx, backend.RequestCancelRequest{Ref: s.Ref}); err != nil {
				if errors.Is(err, backend.ErrNotFound) {
					return usageErr("nothing to cancel: stack %s has no operation running", s.Ref.Stack)
				}
				return err
			}
			fmt.Fprintf(a.io.Out, "Asked the operation on stack %s to stop; it finishes the steps in flight and records them\n", s.Ref.Stack)
			return nil
		},
	}
}

func newStateCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "state", Short: "State surgery, recorded in history", Args: cobra.NoArgs}
	var yes bool
	del := &cobra.Command{
		Use:   "delete URN",
		Short: "Forget a resource (or settle its interrupted operation) without touching it",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.stateEdit(c.Context(), "state delete", args[0], func(snap *state.Snapshot, urn resource.URN) (string, error) {
				for i, p := range snap.Pending {
					if p.URN == urn {
						snap.Pending = slices.Delete(snap.Pending, i, i+1)
						return "settled the interrupted " + string(p.Op) + " of " + string(urn), nil
					}
				}
				for i, r := range snap.Resources {
					if r.URN == urn {
						if r.Protect {
							return "", withCode(ExitResource, fmt.Errorf("%s is protected: run plinth state unprotect first", urn))
						}
						for _, o := range snap.Resources {
							if slices.Contains(o.Dependencies, urn) && o != r {
								return "", usageErr("%s is depended on by %s: delete that first", urn, o.URN)
							}
						}
						snap.Resources = slices.Delete(snap.Resources, i, i+1)
						return "forgot " + string(urn), nil
					}
				}
				return "", usageErr("no resource %s in stack state", urn)
			})
		},
	}
	del.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	unprotect := &cobra.Command{
		Use:   "unprotect URN",
		Short: "Clear a resource's protect flag in state",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.stateEdit(c.Context(), "state unprotect", args[0], func(snap *state.Snapshot, urn resource.URN) (string, error) {
				r := snap.Find(urn)
				if r == nil {
					return "", usageErr("no resource %s in stack state", urn)
				}
				r.Protect = false
				return "unprotected " + string(urn), nil
			})
		},
	}
	c.AddCommand(del, unprotect)
	return c
}

func (a *app) stateEdit(ctx context.Context, op, arg string, fn func(*state.Snapshot, resource.URN) (string, error)) error {
	defer a.close()
	s, _, err := a.openStack(ctx, true)
	if err != nil {
		return err
	}
	sess, err := s.Open(ctx, op)
	if err != nil {
		return err
	}
	defer sess.Close()
	urn := resource.URN(arg)
	if !strings.HasPrefix(arg, "urn:") {
		// a bare name: find the one resource with that name
		var found []resource.URN
		for _, r := range sess.Snapshot.Resources {
			if r.URN.Name() == arg {
				found = append(found, r.URN)
			}
		}
		for _, p := range sess.Snapshot.Pending {
			if p.URN.Name() == arg {
				found = append(found, p.URN)
			}
		}
		found = slices.Compact(found)
		if len(found) != 1 {
			return usageErr("%q names %d resources; give the URN", arg, len(found))
		}
		urn = found[0]
	}
	var msg string
	v, err := sess.Edit(ctx, stack.KindStateEdit, op+" "+string(urn), func(snap *state.Snapshot) error {
		m, err := fn(snap, urn)
		msg = m
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.io.Out, "%s%s (version %d)\n", strings.ToUpper(msg[:1]), msg[1:], v)
	return nil
}

func newImportCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "import TYPE NAME ID",
		Short: "Adopt an existing resource into state",
		Args:  cobra.ExactArgs(3),
		RunE: func(c *cobra.Command, args []string) error {
			defer a.close()
			ctx := c.Context()
			typ, name, id := args[0], args[1], args[2]
			s, _, err := a.openStack(ctx, true)
			if err != nil {
				return err
			}
			prov, schema, err := s.Providers.Resource(typ)
			if err != nil {
				return usageErr("%v", err)
			}
			sess, err := s.Open(ctx, "import")
			if err != nil {
				return err
			}
			defer sess.Close()
			urn := resource.NewURN(s.Ref.Stack, s.Ref.Project, typ, name)
			if sess.Snapshot.Find(urn) != nil {
				return usageErr("%s is already in state", urn)
			}
			r, err := prov.Read(ctx, provider.ReadRequest{Type: typ, ID: id})
			if err != nil {
				return withCode(ExitResource, fmt.Errorf("reading %s %s: %w", typ, id, err))
			}
			if r.Gone {
				return withCode(ExitResource, fmt.Errorf("no %s with ID %q exists", typ, id))
			}
			now := s.Now()
			v, err := sess.Edit(ctx, stack.KindImport, fmt.Sprintf("import %s %s %s", typ, name, id), func(snap *state.Snapshot) error {
				for i, p := range snap.Pending {
					if p.URN == urn {
						snap.Pending = slices.Delete(snap.Pending, i, i+1)
						break
					}
				}
				// Outputs the schema marks secret (a password, a private
				// key) are stored encrypted, as if created here.
				snap.Resources = append(snap.Resources, &state.Resource{URN: urn, Type: typ, ID: id, Inputs: r.Inputs, Outputs: engine.MarkSecrets(schema, nil, r.Outputs), Created: now, Modified: now})
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "Imported %s %s (ID %s) as version %d; declare it in the program (with options.import: %s) so up keeps it\n", typ, name, id, v, id)
			return nil
		},
	}
}
