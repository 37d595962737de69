package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/secrets"
	"github.com/plinth-iac/plinth/workspace"
	"github.com/spf13/cobra"
)

// configValues reads every config value of a stack file, decrypting
// secrets with key (which may be nil when there are none).
func (a *app) configValues(f *workspace.StackFile, key resource.Decrypter) (map[string]any, error) {
	out := map[string]any{}
	if f == nil {
		return out, nil
	}
	for _, k := range f.Keys() {
		v, _ := f.Get(k)
		d, err := decryptConfig(v, key)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", k, err)
		}
		out[k] = d
	}
	return out, nil
}

func decryptConfig(v any, key resource.Decrypter) (any, error) {
	return mapSecure(v, func(sec workspace.Secure) (any, error) {
		if key == nil {
			return nil, fmt.Errorf("is secret and the stack's key is not open")
		}
		plain, err := key.Decrypt(sec.Ciphertext)
		if err != nil {
			return nil, err
		}
		d := json.NewDecoder(bytes.NewReader(plain))
		d.UseNumber()
		var x any
		if err := d.Decode(&x); err != nil {
			return nil, fmt.Errorf("secret does not hold JSON: %v", err)
		}
		val, err := resource.FromJSON(x, nil)
		if err != nil {
			return nil, err
		}
		return resource.Secret{Value: val}, nil
	})
}

// mapSecure returns a copy of a config value with every secure value
// replaced by fn's result; maps and lists are walked.
func mapSecure(v any, fn func(workspace.Secure) (any, error)) (any, error) {
	switch t := v.(type) {
	case workspace.Secure:
		return fn(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			r, err := mapSecure(e, fn)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			r, err := mapSecure(e, fn)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// hasSecureValue reports whether a config value holds a secure value.
func hasSecureValue(v any) bool {
	found := false
	_, _ = mapSecure(v, func(s workspace.Secure) (any, error) { found = true; return s, nil })
	return found
}

// fullKey turns a bare key into <project>:key.
func (a *app) fullKey(k string) (string, error) {
	if k == "" {
		return "", usageErr("empty config key")
	}
	if strings.Contains(k, ":") {
		ns, key, _ := strings.Cut(k, ":")
		if ns == "" || key == "" {
			return "", usageErr("invalid config key %q: want KEY or NAMESPACE:KEY", k)
		}
		return k, nil
	}
	p, err := a.loadProject()
	if err != nil {
		return "", err
	}
	return p.Name + ":" + k, nil
}

type configOptions struct {
	secret, path, asJSON, showSecrets bool
}

func newConfigCmd(a *app) *cobra.Command {
	o := &configOptions{}
	ls := func(c *cobra.Command, _ []string) error { return a.configLs(c.Context(), o) }
	c := &cobra.Command{Use: "config", Short: "Stack config", Args: cobra.NoArgs, RunE: ls}
	c.Flags().BoolVar(&o.asJSON, "json", false, "print as JSON")
	c.Flags().BoolVar(&o.showSecrets, "show-secrets", false, "show secret values")
	lsCmd := &cobra.Command{Use: "ls", Short: "List config", Args: cobra.NoArgs, RunE: ls}
	lsCmd.Flags().BoolVar(&o.asJSON, "json", false, "print as JSON")
	lsCmd.Flags().BoolVar(&o.showSecrets, "show-secrets", false, "show secret values")
	get := &cobra.Command{Use: "get KEY", Short: "Print one value (secrets decrypted)", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return a.configGet(c.Context(), args[0], o) }}
	get.Flags().BoolVar(&o.asJSON, "json", false, "print as JSON")
	get.Flags().BoolVar(&o.path, "path", false, "KEY is a path into a structured value")
	set := &cobra.Command{Use: "set KEY VALUE", Short: "Set a value", Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error { return a.configSet(c.Context(), args[0], &args[1], o) }}
	set.Flags().BoolVar(&o.secret, "secret", false, "encrypt the value")
	set.Flags().BoolVar(&o.path, "path", false, "KEY is a path into a structured value (a.b[0])")
	rm := &cobra.Command{Use: "rm KEY", Short: "Remove a value", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return a.configSet(c.Context(), args[0], nil, o) }}
	rm.Flags().BoolVar(&o.path, "path", false, "KEY is a path into a structured value")
	c.AddCommand(lsCmd, get, set, rm)
	return c
}

// configTarget opens the current stack's file and, when needed, its key.
func (a *app) configTarget(ctx context.Context, needKey bool) (string, *workspace.StackFile, *secrets.Key, error) {
	name, err := a.stackName(ctx)
	if err != nil {
		return "", nil, nil, err
	}
	f, err := a.readStackFile(name)
	if err != nil {
		return "", nil, nil, err
	}
	if f == nil {
		return "", nil, nil, withCode(ExitStackNotFound, fmt.Errorf("no Plinth.%s.yaml here: run plinth stack init %s", name, name))
	}
	var key *secrets.Key
	if needKey {
		if key, err = a.openKey(ctx, name, f); err != nil {
			return "", nil, nil, err
		}
	}
	return name, f, key, nil
}

func hasSecure(f *workspace.StackFile) bool {
	for _, k := range f.Keys() {
		v, _ := f.Get(k)
		if hasSecureValue(v) {
			return true
		}
	}
	return false
}

func (a *app) configLs(ctx context.Context, o *configOptions) error {
	_, f, _, err := a.configTarget(ctx, false)
	if err != nil {
		return err
	}
	var key *secrets.Key
	if o.showSecrets && hasSecure(f) {
		if _, _, key, err = a.configTarget(ctx, true); err != nil {
			return err
		}
	}
	var dec resource.Decrypter
	if key != nil {
		dec = key
	}
	vals := map[string]any{}
	for _, k := range f.Keys() {
		v, _ := f.Get(k)
		if dec == nil {
			v = maskSecure(v)
		} else if v, err = decryptConfig(v, dec); err != nil {
			return fmt.Errorf("config %s: %w", k, err)
		}
		vals[k] = v
	}
	if o.asJSON {
		m := map[string]any{}
		for k, v := range vals {
			m[k] = jsonValue(v, o.showSecrets)
		}
		return writeJSON(a.io.Out, m)
	}
	fmt.Fprintln(a.io.Out, "KEY  VALUE")
	for _, k := range f.Keys() {
		v := vals[k]
		if s, ok := v.(string); ok {
			fmt.Fprintf(a.io.Out, "%s  %s\n", k, s)
			continue
		}
		fmt.Fprintf(a.io.Out, "%s  %s\n", k, resource.Format(v, o.showSecrets))
	}
	return nil
}

// maskSecure turns ciphertexts into secrets that print as [secret].
func maskSecure(v any) any {
	out, _ := mapSecure(v, func(s workspace.Secure) (any, error) {
		return resource.Secret{Value: resource.Encrypted(s.Ciphertext)}, nil
	})
	return out
}

func (a *app) configGet(ctx context.Context, k string, o *configOptions) error {
	key, path, err := a.splitConfigKey(k, o.path)
	if err != nil {
		return err
	}
	_, f, _, err := a.configTarget(ctx, false)
	if err != nil {
		return err
	}
	v, ok := f.Get(key)
	if ok {
		for _, seg := range path {
			v, ok = walkSeg(v, seg)
			if !ok {
				break
			}
		}
	}
	if !ok {
		return usageErr("config %s is not set", k)
	}
	if hasSecureValue(v) {
		_, _, sk, err := a.configTarget(ctx, true)
		if err != nil {
			return err
		}
		if v, err = decryptConfig(v, sk); err != nil {
			return fmt.Errorf("config %s: %w", k, err)
		}
	}
	if o.asJSON {
		return writeJSON(a.io.Out, jsonValue(v, true))
	}
	if r, _ := resource.Reveal(v); true {
		if s, ok := r.(string); ok {
			fmt.Fprintln(a.io.Out, s)
			return nil
		}
		fmt.Fprintln(a.io.Out, resource.Format(r, true))
	}
	return nil
}

func walkSeg(v any, seg string) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		e, ok := t[seg]
		return e, ok
	case []any:
		i, err := strconv.Atoi(seg)
		if err != nil || i < 0 || i >= len(t) {
			return nil, false
		}
		return t[i], true
	}
	return nil, false
}

// splitConfigKey splits KEY (or, with --path, KEY.a.b[0]) into the stack
// file key and a path inside its value.
func (a *app) splitConfigKey(k string, usePath bool) (string, []string, error) {
	if !usePath {
		fk, err := a.fullKey(k)
		return fk, nil, err
	}
	ns := ""
	rest := k
	if i := strings.Index(k, ":"); i >= 0 {
		ns, rest = k[:i], k[i+1:]
	}
	segs, err := workspace.ParsePath(rest)
	if err != nil {
		return "", nil, usageErr("config path %q: %v", k, err)
	}
	if len(segs) == 0 {
		return "", nil, usageErr("empty config path")
	}
	first := segs[0]
	if ns != "" {
		first = ns + ":" + first
	}
	fk, err := a.fullKey(first)
	return fk, segs[1:], err
}

// parseConfigValue types a command-line value by the project's declared
// type for the key; undeclared keys are strings.
func (a *app) parseConfigValue(fullKey string, path []string, raw string) (any, error) {
	p, err := a.loadProject()
	if err != nil {
		return nil, err
	}
	ns, key, _ := strings.Cut(fullKey, ":")
	typ := ""
	if ns == p.Name && len(path) == 0 {
		if d, ok := p.Config[key]; ok {
			typ = d.Type
		}
	}
	switch typ {
	case "integer":
		i, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, usageErr("config %s is declared integer; %q is not one", key, raw)
		}
		return i, nil
	case "number":
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || f != f || f > 1e308 || f < -1e308 {
			return nil, usageErr("config %s is declared number; %q is not a finite number", key, raw)
		}
		return f, nil
	case "boolean":
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, usageErr("config %s is declared boolean; %q is not true or false", key, raw)
		}
		return b, nil
	case "list", "map":
		d := json.NewDecoder(strings.NewReader(raw))
		d.UseNumber()
		var x any
		if err := d.Decode(&x); err != nil {
			return nil, usageErr("config %s is declared %s; give it as JSON: %v", key, typ, err)
		}
		v, err := resource.FromJSON(x, nil)
		if err != nil {
			return nil, usageErr("config %s: %v", key, err)
		}
		if _, ok := v.([]any); typ == "list" && !ok {
			return nil, usageErr("config %s is declared list; give a JSON list", key)
		}
		if _, ok := v.(map[string]any); typ == "map" && !ok {
			return nil, usageErr("config %s is declared map; give a JSON object", key)
		}
		return v, nil
	}
	return raw, nil
}

// configSet sets (raw != nil) or removes a config value under the stack
// file lock, re-reading the file so concurrent edits are not lost.
func (a *app) configSet(ctx context.Context, k string, raw *string, o *configOptions) error {
	key, path, err := a.splitConfigKey(k, o.path)
	if err != nil {
		return err
	}
	name, err := a.stackName(ctx)
	if err != nil {
		return err
	}
	var val any
	if raw != nil {
		// Checked here, not only by the stack file: a secret is encrypted
		// as JSON first, which would quietly turn bad bytes into U+FFFD.
		if !utf8.ValidString(*raw) {
			return usageErr("config %s: value is not valid UTF-8", key)
		}
		if val, err = a.parseConfigValue(key, path, *raw); err != nil {
			return err
		}
	}
	unlock, err := a.lockStackFile(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	_, f, sk, err := a.configTarget(ctx, raw != nil && o.secret)
	if err != nil {
		return err
	}
	if raw != nil && o.secret {
		plain, _ := json.Marshal(val)
		ct, err := sk.Encrypt(plain)
		if err != nil {
			return err
		}
		val = workspace.Secure{Ciphertext: ct}
	}
	switch {
	case raw == nil && len(path) == 0:
		if !f.Remove(key) {
			return usageErr("config %s is not set", k)
		}
	case raw == nil:
		v, ok := f.Get(key)
		if !ok {
			return usageErr("config %s is not set", k)
		}
		nv, ok := removePath(v, path)
		if !ok {
			return usageErr("config %s is not set", k)
		}
		f.Set(key, nv)
	case len(path) == 0:
		// The key and value come from the command line: SetPath checks
		// them (a control character, invalid UTF-8) where Set panics.
		if err := f.SetPath(key, nil, val); err != nil {
			return usageErr("%v", err)
		}
	default:
		if err := f.SetPath(key, path, val); err != nil {
			return usageErr("config %s: %v", k, err)
		}
	}
	err = a.writeStackFile(name, f)
	var tooLarge *workspace.TooLargeError
	if errors.As(err, &tooLarge) {
		return usageErr("config %s: the value would make %s %d bytes, over the limit of %d; nothing was written", k, filepath.Base(a.stackFilePath(name)), tooLarge.Size, workspace.MaxStackFileSize)
	}
	return err
}

func removePath(v any, path []string) (any, bool) {
	if len(path) == 0 {
		return nil, false
	}
	switch t := v.(type) {
	case map[string]any:
		e, ok := t[path[0]]
		if !ok {
			return nil, false
		}
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = x
		}
		if len(path) == 1 {
			delete(out, path[0])
			return out, true
		}
		ne, ok := removePath(e, path[1:])
		if !ok {
			return nil, false
		}
		out[path[0]] = ne
		return out, true
	case []any:
		i, err := strconv.Atoi(path[0])
		if err != nil || i < 0 || i >= len(t) {
			return nil, false
		}
		out := append([]any{}, t...)
		if len(path) == 1 {
			return append(out[:i], out[i+1:]...), true
		}
		ne, ok := removePath(t[i], path[1:])
		if !ok {
			return nil, false
		}
		out[i] = ne
		return out, true
	}
	return nil, false
}
