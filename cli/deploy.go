package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/ci"
	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/stack"
	"github.com/spf13/cobra"
)

// deployConfig is the `deploy:` block of Plinth.yaml (spec section 7).
type deployConfig struct {
	Branches map[string]string `yaml:"branches"`
	Review   *struct {
		Stack string `yaml:"stack"`
		From  string `yaml:"from"`
		TTL   string `yaml:"ttl"`
	} `yaml:"review"`
	Verify    []verifyCheck `yaml:"verify"`
	OnFailure string        `yaml:"onFailure"`
}

type verifyCheck struct {
	Name         string `yaml:"name"`
	HTTP         string `yaml:"http"`
	ExpectStatus int    `yaml:"expectStatus"`
	ExpectBody   string `yaml:"expectBody"`
	Run          string `yaml:"run"`
	Timeout      string `yaml:"timeout"`
	Interval     string `yaml:"interval"`
}

func (a *app) deployConfig() (*deployConfig, error) {
	p, err := a.loadProject()
	if err != nil {
		return nil, err
	}
	cfg := &deployConfig{}
	if p.Deploy == nil {
		return cfg, nil
	}
	if err := p.Deploy.Decode(cfg); err != nil {
		return nil, usageErr("Plinth.yaml:%d:%d: deploy: %v", p.Deploy.Line, p.Deploy.Column, err)
	}
	switch cfg.OnFailure {
	case "", "none", "rollback":
	default:
		return nil, usageErr("Plinth.yaml:%d:%d: deploy.onFailure must be rollback or none, not %q", p.Deploy.Line, p.Deploy.Column, cfg.OnFailure)
	}
	for i, c := range cfg.Verify {
		if (c.HTTP == "") == (c.Run == "") {
			return nil, usageErr("Plinth.yaml: deploy.verify[%d] (%s) needs exactly one of http or run", i, c.Name)
		}
		for _, d := range []string{c.Timeout, c.Interval} {
			if d != "" {
				if _, err := time.ParseDuration(d); err != nil {
					return nil, usageErr("Plinth.yaml: deploy.verify[%d] (%s): %v", i, c.Name, err)
				}
			}
		}
	}
	if cfg.Review != nil && cfg.Review.TTL != "" {
		if _, err := time.ParseDuration(cfg.Review.TTL); err != nil {
			return nil, usageErr("Plinth.yaml: deploy.review.ttl: %v", err)
		}
	}
	return cfg, nil
}

var unsafeName = regexp.MustCompile(`[^a-z0-9-]+`)

// reviewStackName fills the review pattern: {branch} sanitised, {pr} the
// pull request number.
func reviewStackName(pattern, branch string, pr int) string {
	b := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(branch), "-"), "-")
	if len(b) > 40 {
		b = strings.Trim(b[:40], "-")
	}
	s := strings.ReplaceAll(pattern, "{branch}", b)
	return strings.ReplaceAll(s, "{pr}", strconv.Itoa(pr))
}

type deployOptions struct {
	dryRun      bool
	event       string
	branch      string
	summaryFile string
}

func newDeployCmd(a *app) *cobra.Command {
	o := &deployOptions{}
	c := &cobra.Command{
		Use:   "deploy",
		Short: "The CI entry point: work out from the CI environment what to deploy, then verify",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return a.deploy(c.Context(), o) },
	}
	c.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the decision and change nothing")
	c.Flags().StringVar(&o.event, "event", "", "override the event: push, pull_request or closed")
	c.Flags().StringVar(&o.branch, "branch", "", "override the branch")
	c.Flags().StringVar(&o.summaryFile, "summary-file", "", "write the pull request preview as Markdown to `FILE`")
	return c
}

func (a *app) deploy(ctx context.Context, o *deployOptions) error {
	defer a.close()
	cfg, err := a.deployConfig()
	if err != nil {
		return err
	}
	info, _, err := a.ciInfo()
	if err != nil {
		return usageErr("%v", err)
	}
	if o.event != "" {
		switch ci.Event(o.event) {
		case ci.EventPush, ci.EventPullRequest, ci.EventPullRequestClosed:
			info.Event = ci.Event(o.event)
		default:
			return usageErr("--event must be push, pull_request or closed, not %q", o.event)
		}
	}
	if o.branch != "" {
		info.Branch = o.branch
	}
	say := func(format string, args ...any) { fmt.Fprintf(a.io.Out, format+"\n", args...) }
	switch info.Event {
	case ci.EventPush:
		st, ok := cfg.Branches[info.Branch]
		if !ok {
			say("decision: nothing to do — branch %q has no stack in deploy.branches", info.Branch)
			return nil
		}
		say("decision: deploy stack %s — push to branch %s", st, info.Branch)
		if o.dryRun {
			return nil
		}
		return a.deployStack(ctx, cfg, st)
	case ci.EventPullRequest:
		target, ok := cfg.Branches[info.TargetBranch]
		review := ""
		if cfg.Review != nil && cfg.Review.Stack != "" {
			review = reviewStackName(cfg.Review.Stack, info.Branch, info.PullRequest)
		}
		if !ok && review == "" {
			say("decision: nothing to do — target branch %q has no stack and no review stack is configured", info.TargetBranch)
			return nil
		}
		if ok {
			say("decision: preview stack %s — pull request #%d into %s", target, info.PullRequest, info.TargetBranch)
		}
		if review != "" {
			say("decision: deploy review stack %s — pull request #%d from %s", review, info.PullRequest, info.Branch)
		}
		if o.dryRun {
			return nil
		}
		if ok {
			if err := a.previewSummary(ctx, target, info, o); err != nil {
				return err
			}
		}
		if review != "" {
			if err := a.ensureReviewStack(ctx, cfg, review); err != nil {
				return err
			}
			return a.deployStack(ctx, cfg, review)
		}
		return nil
	case ci.EventPullRequestClosed:
		if cfg.Review == nil || cfg.Review.Stack == "" {
			say("decision: nothing to do — no review stacks are configured")
			return nil
		}
		review := reviewStackName(cfg.Review.Stack, info.Branch, info.PullRequest)
		say("decision: destroy and remove review stack %s — pull request closed", review)
		if o.dryRun {
			return nil
		}
		return a.removeReviewStack(ctx, review)
	}
	say("decision: nothing to do — event %q is not a push, pull request or closed pull request", info.Event)
	return nil
}

// deployStack runs up on a stack, then verification; a failed check rolls
// back when configured and exits 11 either way.
func (a *app) deployStack(ctx context.Context, cfg *deployConfig, name string) error {
	a.flags.stack = name
	s, f, err := a.openStack(ctx, true)
	if err != nil {
		return err
	}
	src, err := a.loadProgram(ctx, s, f)
	if err != nil {
		return err
	}
	sess, err := s.Open(ctx, "deploy")
	if err != nil {
		return err
	}
	r := a.renderer(&opOptions{}, false)
	res, err := sess.Run(ctx, stack.RunRequest{Operation: engine.OpUpdate, Source: src, Events: r.Event, CI: a.ciMetadata(), Message: "plinth deploy"})
	r.Close()
	sess.Close()
	if err != nil {
		return err
	}
	if err := res.Result.Err(); err != nil {
		return withCode(ExitResource, err)
	}
	if len(cfg.Verify) == 0 {
		return nil
	}
	outputs := res.Result.Outputs
	if outputs == nil {
		outputs = sess.Snapshot.Outputs
	}
	verr := a.verify(ctx, cfg.Verify, outputs)
	if res.Version > 0 {
		if err := s.MarkVerified(ctx, res.Version, verr == nil); err != nil {
			return err
		}
	}
	if verr == nil {
		fmt.Fprintln(a.io.Out, "verification passed")
		return nil
	}
	fmt.Fprintf(a.io.Err, "verification failed: %v\n", verr)
	if cfg.OnFailure == "rollback" {
		to, err := a.rollback(ctx, s, 0, &opOptions{yes: true})
		if err != nil {
			return withCode(ExitVerifyFailed, fmt.Errorf("verification failed (%v) and the rollback failed too: %w", verr, err))
		}
		fmt.Fprintf(a.io.Err, "rolled back to version %d\n", to)
	}
	return withCode(ExitVerifyFailed, fmt.Errorf("verification failed: %w", verr))
}

var outputRef = regexp.MustCompile(`\$\{outputs\.([A-Za-z0-9_]+)\}`)

// verify runs the checks; outputs fill ${outputs.NAME} in URLs and reach
// run checks as PLINTH_OUTPUT_<NAME>.
func (a *app) verify(ctx context.Context, checks []verifyCheck, outputs resource.PropertyMap) error {
	plain, _ := resource.RevealMap(outputs)
	str := func(v any) string {
		if s, ok := v.(string); ok {
			return s
		}
		return resource.Format(v, true)
	}
	for _, c := range checks {
		timeout, interval := 2*time.Minute, 5*time.Second
		if c.Timeout != "" {
			timeout, _ = time.ParseDuration(c.Timeout)
		}
		if c.Interval != "" {
			interval, _ = time.ParseDuration(c.Interval)
		}
		cctx, cancel := context.WithTimeout(ctx, timeout)
		var last error
		for {
			if c.HTTP != "" {
				url := outputRef.ReplaceAllStringFunc(c.HTTP, func(m string) string { return str(plain[outputRef.FindStringSubmatch(m)[1]]) })
				last = checkHTTP(cctx, url, c)
			} else {
				cmd := exec.CommandContext(cctx, "/bin/sh", "-c", c.Run)
				cmd.Dir = a.dir()
				cmd.Env = os.Environ()
				for k, v := range plain {
					cmd.Env = append(cmd.Env, "PLINTH_OUTPUT_"+strings.ToUpper(k)+"="+str(v))
				}
				out, err := cmd.CombinedOutput()
				if err != nil {
					last = fmt.Errorf("%v: %s", err, lastLine(string(out)))
				} else {
					last = nil
				}
			}
			if last == nil {
				fmt.Fprintf(a.io.Out, "check %s passed\n", c.Name)
				break
			}
			select {
			case <-cctx.Done():
			case <-time.After(interval):
				continue
			}
			break
		}
		cancel()
		if last != nil {
			return fmt.Errorf("check %s: %w", c.Name, last)
		}
	}
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func checkHTTP(ctx context.Context, url string, c verifyCheck) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	want := c.ExpectStatus
	if want == 0 {
		want = 200
	}
	if resp.StatusCode != want {
		return fmt.Errorf("GET %s: status %d, want %d", url, resp.StatusCode, want)
	}
	if c.ExpectBody != "" {
		re, err := regexp.Compile(c.ExpectBody)
		if err != nil {
			return fmt.Errorf("expectBody: %v", err)
		}
		if !re.Match(body) {
			return fmt.Errorf("GET %s: body does not match %q", url, c.ExpectBody)
		}
	}
	return nil
}

// previewSummary previews the target branch's stack and writes the
// Markdown summary.
func (a *app) previewSummary(ctx context.Context, name string, info ci.Info, o *deployOptions) error {
	a.flags.stack = name
	s, f, err := a.openStack(ctx, true)
	if err != nil {
		return err
	}
	src, err := a.loadProgram(ctx, s, f)
	if err != nil {
		return err
	}
	sess, err := s.Open(ctx, "preview")
	if err != nil {
		return err
	}
	defer sess.Close()
	r := a.renderer(&opOptions{diff: true}, true)
	res, err := sess.Run(ctx, stack.RunRequest{Operation: engine.OpUpdate, Source: src, Preview: true, Events: r.Event})
	r.Close()
	if err != nil {
		return err
	}
	md := markdownSummary(name, info, res.Plan, sess.Snapshot.Outputs)
	for _, path := range []string{o.summaryFile, a.env.get("GITHUB_STEP_SUMMARY")} {
		if path == "" {
			continue
		}
		fh, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		_, err = fh.WriteString(md)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func markdownSummary(name string, info ci.Info, p *engine.Plan, old resource.PropertyMap) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Plinth preview of `%s`", name)
	if info.PullRequest > 0 {
		fmt.Fprintf(&b, " for pull request #%d", info.PullRequest)
	}
	b.WriteString("\n\n")
	c := p.Counts()
	fmt.Fprintf(&b, "**%d to create, %d to update, %d to replace, %d to delete**, %d unchanged\n\n", c[engine.StepCreate], c[engine.StepUpdate], c[engine.StepReplace], c[engine.StepDelete], c[engine.StepSame])
	if p.HasChanges() {
		b.WriteString("| change | resource | type | properties |\n| --- | --- | --- | --- |\n")
		for _, s := range p.Steps {
			if s.Kind == engine.StepSame || s.Kind == engine.StepDeleteReplaced {
				continue
			}
			fmt.Fprintf(&b, "| %s | `%s` | `%s` | %s |\n", s.Kind, s.Name, s.Type, strings.Join(s.Diff.Changed, ", "))
		}
		b.WriteString("\n")
	}
	var changed []string
	for _, k := range sortedKeys(p.Outputs) {
		if !resource.Equal(p.Outputs[k], old[k]) {
			changed = append(changed, fmt.Sprintf("| `%s` | %s | %s |", k, mdValue(old[k]), mdValue(p.Outputs[k])))
		}
	}
	if len(changed) > 0 {
		b.WriteString("Outputs that would change:\n\n| output | now | after |\n| --- | --- | --- |\n")
		b.WriteString(strings.Join(changed, "\n") + "\n\n")
	}
	return b.String()
}

func mdValue(v any) string {
	if v == nil {
		return "—"
	}
	return "`" + strings.ReplaceAll(resource.Format(v, false), "|", "\\|") + "`"
}

// ensureReviewStack creates the review stack (config copied from `from`)
// unless it exists.
func (a *app) ensureReviewStack(ctx context.Context, cfg *deployConfig, name string) error {
	p, err := a.loadProject()
	if err != nil {
		return err
	}
	b, err := a.backend(ctx)
	if err != nil {
		return err
	}
	if _, err := b.ReadSnapshot(ctx, backend.ReadSnapshotRequest{Ref: backend.Ref{Project: p.Name, Stack: name}}); err == nil {
		return nil
	} else if !errors.Is(err, backend.ErrStackNotFound) {
		return err
	}
	saved := a.be
	err = a.stackInit(ctx, &stackInitOptions{name: name, secretsProvider: "age", copyFrom: cfg.Review.From})
	a.be = saved
	return err
}

func (a *app) removeReviewStack(ctx context.Context, name string) error {
	a.flags.stack = name
	s, _, err := a.openStack(ctx, true)
	if err != nil {
		if exitCode(err) == ExitStackNotFound {
			fmt.Fprintf(a.io.Out, "review stack %s does not exist: nothing to remove\n", name)
			return nil
		}
		return err
	}
	sess, err := s.Open(ctx, "destroy")
	if err != nil {
		return err
	}
	r := a.renderer(&opOptions{}, false)
	res, err := sess.Run(ctx, stack.RunRequest{Operation: engine.OpDestroy, Events: r.Event, CI: a.ciMetadata()})
	r.Close()
	if err == nil {
		err = res.Result.Err()
	}
	if err != nil {
		sess.Close()
		return withCode(ExitResource, err)
	}
	if _, err := s.Backend.RemoveStack(ctx, backend.RemoveStackRequest{Ref: s.Ref}); err != nil {
		sess.Close()
		return err
	}
	sess.Close()
	_ = os.Remove(a.stackFilePath(name))
	fmt.Fprintf(a.io.Out, "Removed review stack %s\n", name)
	return nil
}
