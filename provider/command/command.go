package command

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
)

// CommandType is the type token of command:Command.
const CommandType = "command:Command"

// MaxOutput is how much of stdout and of stderr is recorded.
const MaxOutput = 1 << 20

// waitDelay bounds the wait for output after a command exits, when a
// background child it started still holds stdout or stderr open.
const waitDelay = 2 * time.Second

// StdoutVariable carries the recorded stdout to the update and delete
// commands.
const StdoutVariable = "PLINTH_STDOUT"

// rerunInputs are the inputs that change what the create or update command
// does: a change runs update, or replaces when there is no update command.
func rerunInputs() [5]string {
	return [5]string{"create", "dir", "environment", "stdin", "update"}
}

// Provider serves the command package.
type Provider struct {
	baseDir string
	environ []string
	schema  provider.PackageSchema
}

var _ provider.Provider = (*Provider)(nil)

// Option configures New.
type Option func(*Provider)

// WithEnviron sets the environment commands start from, instead of the
// environment of the process when New is called.
func WithEnviron(env []string) Option {
	return func(p *Provider) { p.environ = slices.Clone(env) }
}

// New returns the command provider for a project in baseDir: commands run
// there unless dir says otherwise. A relative baseDir is made absolute now.
func New(baseDir string, opts ...Option) *Provider {
	if abs, err := filepath.Abs(baseDir); err == nil {
		baseDir = abs
	}
	all := []string{"create", "delete", "dir", "environment", "stdin", "triggers", "update"}
	p := &Provider{
		baseDir: baseDir,
		environ: os.Environ(),
		schema: provider.PackageSchema{
			Name:        "command",
			Description: "Shell commands that create, update and delete what no other provider manages.",
			Resources: map[string]provider.ResourceSchema{
				CommandType: {
					Token:       CommandType,
					Description: "Runs create when the resource is created, update when its inputs change (if given; otherwise a change replaces it) and delete when it is deleted, each with /bin/sh -c in its own process group. A non-zero exit fails the step. The effects cannot be read back, so refresh keeps what was recorded.",
					Inputs: map[string]provider.Property{
						"create":      {Type: provider.TypeString, Required: true, Description: "The command that creates the thing. Without an update command, changing it replaces the resource."},
						"update":      {Type: provider.TypeString, Description: "The command to run in place when create, update, dir, environment or stdin changes. $PLINTH_STDOUT holds the recorded stdout."},
						"delete":      {Type: provider.TypeString, Description: "The command that deletes the thing. $PLINTH_STDOUT holds the recorded stdout. It may run again on a retry, so it should succeed when there is nothing left to delete."},
						"dir":         {Type: provider.TypeString, Description: "The directory to run in; a relative path is relative to the project directory, which is the default."},
						"environment": {Type: provider.TypeMap, Items: &provider.Property{Type: provider.TypeString}, Description: "Variables added to Plinth's environment. Their values never appear in errors."},
						"triggers":    {Type: provider.TypeAny, ReplaceOnChange: true, Description: "Any value, recorded only to force a replacement (create and delete run again) when it changes."},
						"stdin":       {Type: provider.TypeString, Description: "Fed to create and update on standard input. Without it, standard input is empty."},
					},
					Outputs: map[string]provider.Property{
						"stdout": {Type: provider.TypeString, DerivedFrom: all, Description: "Standard output of the last create or update, up to 1 MiB."},
						"stderr": {Type: provider.TypeString, DerivedFrom: all, Description: "Standard error of the last create or update, up to 1 MiB."},
					},
				},
			},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Schema describes command:Command.
func (p *Provider) Schema() provider.PackageSchema { return p.schema }

// Configure accepts no config.
func (p *Provider) Configure(ctx context.Context, req provider.ConfigureRequest) (provider.ConfigureResponse, error) {
	return provider.NoConfig("command", req)
}

func (p *Provider) resourceType(typ string) error {
	if typ != CommandType {
		return fmt.Errorf("the command provider has no resource type %q (it has %s)", typ, CommandType)
	}
	return nil
}

// Check validates the commands, dir and environment.
func (p *Provider) Check(ctx context.Context, req provider.CheckRequest) (provider.CheckResponse, error) {
	if err := p.resourceType(req.Type); err != nil {
		return provider.CheckResponse{}, err
	}
	inputs, fails := provider.CheckInputs(p.schema.Resources[CommandType], req.Inputs)
	fail := func(prop, format string, args ...any) {
		fails = append(fails, provider.CheckFailure{Property: prop, Reason: fmt.Sprintf(format, args...)})
	}
	for _, k := range []string{"create", "update", "delete", "dir"} {
		if s, ok := inputs[k].(string); ok && strings.ContainsRune(s, 0) {
			fail(k, "%s must not contain NUL bytes", k)
		}
	}
	if s, ok := inputs["create"].(string); ok && strings.TrimSpace(s) == "" {
		fail("create", "create must not be empty")
	}
	if s, ok := inputs["update"].(string); ok && strings.TrimSpace(s) == "" {
		fail("update", "update must not be empty: leave it out to replace the resource on change instead")
	}
	if env, ok := inputs["environment"].(map[string]any); ok {
		keys := make([]string, 0, len(env))
		for k := range env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch v, _ := env[k].(string); {
			case k == "" || strings.ContainsAny(k, "=\x00"):
				fail("environment", "environment variable name %q must be non-empty, without = or NUL", k)
			case strings.ContainsRune(v, 0):
				fail("environment", "environment variable %s must not contain NUL bytes", k)
			}
		}
	}
	return provider.CheckResponse{Inputs: inputs, Failures: fails}, nil
}

// Diff replaces on triggers, and on a change of what create does when there
// is no update command to apply it in place.
func (p *Provider) Diff(ctx context.Context, req provider.DiffRequest) (provider.DiffResponse, error) {
	if err := p.resourceType(req.Type); err != nil {
		return provider.DiffResponse{}, err
	}
	d := provider.DiffInputs(p.schema.Resources[CommandType], req.OldInputs, req.NewInputs)
	if req.NewInputs["update"] == nil {
		for _, k := range rerunInputs() {
			if slices.Contains(d.Changed, k) && !slices.Contains(d.Replace, k) {
				d.Replace = append(d.Replace, k)
			}
		}
		sort.Strings(d.Replace)
	}
	return d, nil
}

// Create runs the create command.
func (p *Provider) Create(ctx context.Context, req provider.CreateRequest) (provider.CreateResponse, error) {
	if err := p.resourceType(req.Type); err != nil {
		return provider.CreateResponse{}, err
	}
	script, _ := req.Inputs["create"].(string)
	outputs, err := p.run(ctx, script, req.Inputs, "", true)
	if err != nil {
		return provider.CreateResponse{}, err
	}
	return provider.CreateResponse{ID: newID(), Outputs: outputs}, nil
}

// Read returns what was recorded: a command's effects cannot be read back.
func (p *Provider) Read(ctx context.Context, req provider.ReadRequest) (provider.ReadResponse, error) {
	if err := p.resourceType(req.Type); err != nil {
		return provider.ReadResponse{}, err
	}
	if req.Outputs == nil {
		return provider.ReadResponse{}, fmt.Errorf("%s %q cannot be imported: a command's effects cannot be read back", CommandType, req.ID)
	}
	return provider.ReadResponse{Inputs: req.Inputs, Outputs: req.Outputs}, nil
}

// Update runs the update command when what it would do changed; a change of
// the delete command alone is only recorded.
func (p *Provider) Update(ctx context.Context, req provider.UpdateRequest) (provider.UpdateResponse, error) {
	if err := p.resourceType(req.Type); err != nil {
		return provider.UpdateResponse{}, err
	}
	rerun := false
	for _, k := range rerunInputs() {
		rerun = rerun || !resource.Equal(req.OldInputs[k], req.NewInputs[k])
	}
	if !rerun {
		return provider.UpdateResponse{Outputs: req.OldOutputs}, nil
	}
	script, ok := req.NewInputs["update"].(string)
	if !ok {
		return provider.UpdateResponse{}, fmt.Errorf("%s %s has no update command: a change of create replaces it", CommandType, req.ID)
	}
	stdout, _ := req.OldOutputs["stdout"].(string)
	outputs, err := p.run(ctx, script, req.NewInputs, stdout, true)
	if err != nil {
		return provider.UpdateResponse{}, err
	}
	return provider.UpdateResponse{Outputs: outputs}, nil
}

// Delete runs the delete command, if there is one.
func (p *Provider) Delete(ctx context.Context, req provider.DeleteRequest) (provider.DeleteResponse, error) {
	if err := p.resourceType(req.Type); err != nil {
		return provider.DeleteResponse{}, err
	}
	script, ok := req.Inputs["delete"].(string)
	if !ok || strings.TrimSpace(script) == "" {
		return provider.DeleteResponse{}, nil
	}
	stdout, _ := req.Outputs["stdout"].(string)
	_, err := p.run(ctx, script, req.Inputs, stdout, false)
	return provider.DeleteResponse{}, err
}

// run runs script with inputs' dir, environment and (when withStdin) stdin.
// A non-empty recorded stdout is passed in PLINTH_STDOUT.
func (p *Provider) run(ctx context.Context, script string, inputs resource.PropertyMap, recorded string, withStdin bool) (resource.PropertyMap, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("command cancelled: %w", err)
	}
	if strings.TrimSpace(script) == "" || strings.ContainsRune(script, 0) {
		return nil, fmt.Errorf("%s needs a non-empty command without NUL bytes", CommandType)
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", script)
	cmd.Dir = p.baseDir
	if dir, ok := inputs["dir"].(string); ok && dir != "" {
		cmd.Dir = dir
		if !filepath.IsAbs(dir) {
			cmd.Dir = filepath.Join(p.baseDir, dir)
		}
	}
	// exec blames a missing directory on /bin/sh; say what is missing.
	if fi, err := os.Stat(cmd.Dir); err != nil {
		return nil, fmt.Errorf("cannot run in %s: %w", cmd.Dir, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("cannot run in %s: not a directory", cmd.Dir)
	}
	env, secrets := p.env(inputs, recorded)
	cmd.Env = env
	if s, ok := inputs["stdin"].(string); ok && withStdin {
		cmd.Stdin = strings.NewReader(s)
	}
	var stdout, stderr capture
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = waitDelay
	inProcessGroup(cmd)
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
		// ErrWaitDelay: the command succeeded, and left a background child
		// holding its output; that child is the user's to keep.
	case ctx.Err() != nil:
		return nil, fmt.Errorf("command cancelled: %w", ctx.Err())
	case errors.As(err, &exitErr) && exitErr.ExitCode() >= 0:
		msg := fmt.Sprintf("command exited with status %d", exitErr.ExitCode())
		if line := stderr.lastLine(secrets); line != "" {
			msg += ": " + line
		}
		return nil, errors.New(msg)
	case errors.As(err, &exitErr):
		return nil, fmt.Errorf("command was killed (%s)", exitErr.ProcessState)
	default:
		return nil, fmt.Errorf("starting command: %w", err)
	}
	return resource.PropertyMap{"stdout": stdout.String(), "stderr": stderr.String()}, nil
}

// env is Plinth's environment plus the environment input, and the values to
// keep out of errors.
func (p *Provider) env(inputs resource.PropertyMap, recorded string) (env, secrets []string) {
	vars, _ := inputs["environment"].(map[string]any)
	env = make([]string, 0, len(p.environ)+len(vars)+1)
	env = append(env, p.environ...)
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, _ := vars[k].(string)
		env = append(env, k+"="+v)
		secrets = append(secrets, v)
	}
	if recorded != "" {
		env = append(env, StdoutVariable+"="+recorded)
	}
	return env, secrets
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand crashes the program rather than fail
	return hex.EncodeToString(b[:])
}
