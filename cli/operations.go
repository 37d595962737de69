package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/display"
	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/program"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/stack"
	"github.com/plinth-iac/plinth/workspace"
	"github.com/spf13/cobra"
)

// opOptions are the flags of preview, up, destroy and refresh.
type opOptions struct {
	yes             bool
	skipPreview     bool
	refresh         bool
	diff            bool
	expectNoChanges bool
	targets         []string
	parallel        int
	message         string
	continueOnError bool
	json            bool
	showSecrets     bool
}

func addOpFlags(c *cobra.Command, o *opOptions, apply bool) {
	f := c.Flags()
	f.StringSliceVar(&o.targets, "target", nil, "limit to this resource `URN` (or name) and its dependents; repeatable")
	f.BoolVar(&o.json, "json", false, "write engine events as JSON lines")
	f.BoolVar(&o.showSecrets, "show-secrets", false, "show secret values")
	f.BoolVar(&o.diff, "diff", false, "show property-level changes")
	f.BoolVar(&o.expectNoChanges, "expect-no-changes", false, "exit 7 if there are changes")
	if apply {
		f.BoolVarP(&o.yes, "yes", "y", false, "apply without asking")
		f.BoolVar(&o.skipPreview, "skip-preview", false, "do not show the plan before applying")
		o.parallel = engine.DefaultParallel
		f.Var((*positiveInt)(&o.parallel), "parallel", "how many steps may run at once")
		f.StringVarP(&o.message, "message", "m", "", "a message recorded in history")
		f.BoolVar(&o.continueOnError, "continue-on-error", false, "keep going past a failed step (its dependents are skipped)")
	}
}

func newPreviewCmd(a *app) *cobra.Command {
	o := &opOptions{}
	c := &cobra.Command{
		Use:   "preview",
		Short: "Show what up would do; changes nothing",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.runOperation(c.Context(), engine.OpUpdate, true, o)
		},
	}
	addOpFlags(c, o, false)
	c.Flags().BoolVar(&o.refresh, "refresh", false, "refresh state first (recorded)")
	return c
}

func newUpCmd(a *app) *cobra.Command {
	o := &opOptions{}
	c := &cobra.Command{
		Use:     "up",
		Aliases: []string{"update"},
		Short:   "Make the infrastructure match the program",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.runOperation(c.Context(), engine.OpUpdate, false, o)
		},
	}
	addOpFlags(c, o, true)
	c.Flags().BoolVar(&o.refresh, "refresh", false, "refresh state before planning")
	return c
}

func newDestroyCmd(a *app) *cobra.Command {
	o := &opOptions{}
	c := &cobra.Command{
		Use:   "destroy",
		Short: "Delete every resource of the stack, dependents first",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.runOperation(c.Context(), engine.OpDestroy, false, o)
		},
	}
	addOpFlags(c, o, true)
	return c
}

func newRefreshCmd(a *app) *cobra.Command {
	o := &opOptions{}
	c := &cobra.Command{
		Use:   "refresh",
		Short: "Read the real resources and record drift into state",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.runOperation(c.Context(), engine.OpRefresh, false, o)
		},
	}
	addOpFlags(c, o, true)
	return c
}

// renderer returns the display for an operation.
func (a *app) renderer(o *opOptions, preview bool) *display.Renderer {
	mode := display.ModePlain
	switch {
	case o.json:
		mode = display.ModeJSON
	case a.io.Terminal && !preview:
		mode = display.ModeLive
	}
	color := a.flags.color == "always" || (a.flags.color == "auto" && a.io.Terminal && a.env.get("NO_COLOR") == "")
	return display.New(display.Options{Out: a.io.Out, Mode: mode, Color: color && !o.json, ShowSecrets: o.showSecrets, Diff: o.diff, Now: a.env.Now})
}

// loadProgram loads the program and resolves the stack's config.
func (a *app) loadProgram(ctx context.Context, s *stack.Stack, f *workspace.StackFile) (*stack.ProgramSource, error) {
	prog, err := program.Load(a.dir(), s.Providers)
	if err != nil {
		return nil, err
	}
	values, err := a.configValues(f, s.Crypter)
	if err != nil {
		return nil, err
	}
	cfg, provCfg, err := prog.ResolveConfig(values)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	for pkg, m := range provCfg {
		p, ok := s.Providers.Provider(pkg)
		if !ok {
			return nil, usageErr("config for unknown provider %q (keys %s:…)", pkg, pkg)
		}
		plain, _ := resource.RevealMap(m)
		if _, err := p.Configure(ctx, providerConfigure(plain)); err != nil {
			return nil, fmt.Errorf("configuring provider %s: %w", pkg, err)
		}
	}
	ev := prog.NewEvaluator(program.Env{
		Stack: s.Ref.Stack, Project: s.Ref.Project, Cwd: a.dir(), Config: cfg,
		StackOutput: func(name, output string) (any, error) { return a.stackOutput(ctx, s, name, output) },
	})
	return stack.NewProgramSource(prog, ev), nil
}

// stackOutput reads another stack's output (fn::stackOutput). Secrets of
// that stack stay secret: they are decrypted with its own key.
func (a *app) stackOutput(ctx context.Context, s *stack.Stack, name, output string) (any, error) {
	other := &stack.Stack{Ref: backend.Ref{Project: s.Ref.Project, Stack: name}, Backend: s.Backend}
	f, err := a.readStackFile(name)
	if err != nil {
		return nil, err
	}
	if f != nil {
		if k, err := a.openKey(ctx, name, f); err == nil {
			other.Crypter = k
		}
	}
	snap, err := other.Snapshot(ctx, other.Crypter)
	if err != nil {
		return nil, err
	}
	v, ok := snap.Outputs[output]
	if !ok {
		return nil, fmt.Errorf("stack %s has no output %q", name, output)
	}
	if _, enc := v.(resource.Secret); enc && other.Crypter == nil {
		return nil, fmt.Errorf("stack %s output %q is secret and this identity cannot decrypt it", name, output)
	}
	return v, nil
}

func (a *app) runOperation(ctx context.Context, op engine.Operation, preview bool, o *opOptions) error {
	defer a.close()
	if !preview && !o.yes && a.nonInteractive() {
		return usageErr("refusing to %s without --yes in non-interactive mode", op)
	}
	s, f, err := a.openStack(ctx, true)
	if err != nil {
		return err
	}
	var src engine.Source
	if op == engine.OpUpdate {
		ps, err := a.loadProgram(ctx, s, f)
		if err != nil {
			return err
		}
		src = ps
	}
	var targets []resource.URN
	for _, t := range o.targets {
		targets = append(targets, resource.URN(t))
	}
	lockOp := string(op)
	if preview {
		lockOp = "preview"
	}
	sess, err := s.Open(ctx, lockOp)
	if err != nil {
		return err
	}
	defer sess.Close()
	r := a.renderer(o, preview)
	if o.refresh {
		if _, err := sess.Run(ctx, stack.RunRequest{Operation: engine.OpRefresh, Events: r.Event}); err != nil {
			r.Close()
			return err
		}
	}
	req := stack.RunRequest{
		Operation: op, Source: src, Targets: targets, Preview: preview,
		Parallel: o.parallel, ContinueOnError: o.continueOnError, Events: r.Event, Message: o.message,
		CI: a.ciMetadata(),
	}
	if !preview && o.expectNoChanges && op != engine.OpRefresh {
		req.Confirm = func(p *engine.Plan) (bool, error) {
			if p.HasChanges() {
				p.EmitPreview(r.Event, a.env.Now)
				return false, withCode(ExitChanges, errors.New("--expect-no-changes: the plan has changes; nothing was applied"))
			}
			return true, nil
		}
	} else if !preview && !o.skipPreview && !o.yes {
		req.Confirm = func(p *engine.Plan) (bool, error) {
			pr := a.renderer(&opOptions{diff: o.diff, showSecrets: o.showSecrets}, true)
			p.EmitPreview(pr.Event, a.env.Now)
			pr.Close()
			if !p.HasChanges() {
				return true, nil
			}
			return a.confirm(fmt.Sprintf("Do you want to perform this %s?", op))
		}
	}
	res, err := sess.Run(ctx, req)
	r.Close()
	if errors.Is(err, stack.ErrDeclined) {
		fmt.Fprintln(a.io.Err, "cancelled: nothing changed")
		return withCode(ExitCancelled, errors.New("declined"))
	}
	if err != nil {
		return err
	}
	if o.expectNoChanges && (res.Plan.HasChanges() || op == engine.OpRefresh && res.Result != nil && res.Result.Counts[engine.StepRead] > 0) {
		return withCode(ExitChanges, errors.New("--expect-no-changes: the plan has changes"))
	}
	if res.Result != nil {
		if res.Result.Cancelled {
			return withCode(ExitCancelled, fmt.Errorf("cancelled: in-flight steps finished and were recorded (version %d)", res.Version))
		}
		if err := res.Result.Err(); err != nil {
			var se *engine.StepError
			if errors.As(err, &se) && se.Journal {
				return withCode(ExitResource, err)
			}
			return withCode(ExitResource, fmt.Errorf("%d step(s) failed: %w", len(res.Result.Failures), err))
		}
	}
	return nil
}

// confirm asks a yes/no question on the terminal.
func (a *app) confirm(q string) (bool, error) {
	if a.nonInteractive() {
		return false, usageErr("%s (pass --yes in non-interactive mode)", q)
	}
	fmt.Fprintf(a.io.Err, "%s [y/N] ", q)
	line, _ := bufio.NewReader(a.io.In).ReadString('\n')
	line = strings.ToLower(strings.TrimSpace(line))
	return line == "y" || line == "yes", nil
}
