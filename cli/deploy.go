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
	"slices"
	"strings"
	"time"

	"github.com/plinth-iac/plinth/ci"
	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/stack"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

// deployConfig is the `deploy:` block of Plinth.yaml (spec section 7).
type deployConfig struct {
	Branches  map[string]string `yaml:"branches"`
	Review    *reviewConfig     `yaml:"review"`
	Verify    []verifyCheck     `yaml:"verify"`
	OnFailure string            `yaml:"onFailure"`
}

// reviewConfig is `deploy.review`: the name pattern of review stacks, the
// stack their config is copied from, and how long they live unused.
type reviewConfig struct {
	Stack string `yaml:"stack"`
	From  string `yaml:"from"`
	TTL   string `yaml:"ttl"`
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

// deployFields, reviewFields and checkFields are the keys each part of the
// deploy block may have: anything else is a typo that would otherwise be
// ignored in silence.
func deployFields() []string { return []string{"branches", "review", "verify", "onFailure"} }
func reviewFields() []string { return []string{"stack", "from", "ttl"} }
func checkFields() []string {
	return []string{"name", "http", "expectStatus", "expectBody", "run", "timeout", "interval"}
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
	if err := parseDeploy(p.Deploy, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// at is a usage error at n's place in Plinth.yaml.
func at(n *yaml.Node, format string, args ...any) error {
	return usageErr("Plinth.yaml:%d:%d: %s", n.Line, n.Column, fmt.Sprintf(format, args...))
}

// field returns the value of key in mapping n, or nil.
func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// knownFields rejects keys of mapping n that are not in allowed.
func knownFields(n *yaml.Node, where string, allowed []string) error {
	if n.Kind != yaml.MappingNode {
		return at(n, "%s must be a map with %s", where, strings.Join(allowed, ", "))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !slices.Contains(allowed, k.Value) {
			return at(k, "%s: unknown field %q (fields: %s)", where, k.Value, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// parseDeploy decodes and checks the deploy block; every error names its
// place in Plinth.yaml, and nothing has been changed when it is returned.
func parseDeploy(n *yaml.Node, cfg *deployConfig) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if err := knownFields(n, "deploy", deployFields()); err != nil {
		return err
	}
	if r := field(n, "review"); r != nil && r.Tag != "!!null" {
		if err := knownFields(r, "deploy.review", reviewFields()); err != nil {
			return err
		}
	}
	checks := field(n, "verify")
	if checks != nil && checks.Kind == yaml.SequenceNode {
		for i, c := range checks.Content {
			if err := knownFields(c, fmt.Sprintf("deploy.verify[%d]", i), checkFields()); err != nil {
				return err
			}
		}
	}
	// Each part is decoded on its own so that a value of the wrong kind is
	// reported with the part it is in.
	for _, p := range []struct {
		key  string
		into any
	}{{"branches", &cfg.Branches}, {"review", &cfg.Review}, {"verify", &cfg.Verify}, {"onFailure", &cfg.OnFailure}} {
		v := field(n, p.key)
		if v == nil {
			continue
		}
		if p.key == "verify" && v.Kind == yaml.SequenceNode {
			cfg.Verify = make([]verifyCheck, len(v.Content))
			for i, c := range v.Content {
				if err := c.Decode(&cfg.Verify[i]); err != nil {
					return decodeErr(err, fmt.Sprintf("deploy.verify[%d]", i))
				}
			}
			continue
		}
		if err := v.Decode(p.into); err != nil {
			return decodeErr(err, "deploy."+p.key)
		}
	}
	switch cfg.OnFailure {
	case "", "none", "rollback":
	default:
		return at(field(n, "onFailure"), "deploy.onFailure must be rollback or none, not %q", cfg.OnFailure)
	}
	for _, b := range sortedKeys(cfg.Branches) {
		if err := validStackName(cfg.Branches[b]); err != nil {
			return at(field(field(n, "branches"), b), "deploy.branches.%s: %v", b, err)
		}
	}
	if cfg.Review != nil {
		if err := checkReview(cfg.Review, field(n, "review")); err != nil {
			return err
		}
	}
	for i := range cfg.Verify {
		c := &cfg.Verify[i]
		cn := checks.Content[i]
		if c.Name == "" {
			c.Name = fmt.Sprintf("verify[%d]", i)
		}
		where := fmt.Sprintf("deploy.verify[%d] (%s)", i, c.Name)
		if (c.HTTP == "") == (c.Run == "") {
			return at(cn, "%s needs exactly one of http or run", where)
		}
		for _, d := range []struct{ key, value string }{{"timeout", c.Timeout}, {"interval", c.Interval}} {
			if d.value == "" {
				continue
			}
			if v, err := time.ParseDuration(d.value); err != nil || v <= 0 {
				return at(field(cn, d.key), "%s: %s must be a positive duration like 30s or 2m, not %q", where, d.key, d.value)
			}
		}
		if c.ExpectStatus != 0 && (c.ExpectStatus < 100 || c.ExpectStatus > 599) {
			return at(field(cn, "expectStatus"), "%s: expectStatus %d is not an HTTP status", where, c.ExpectStatus)
		}
		if c.ExpectBody != "" {
			if _, err := regexp.Compile(c.ExpectBody); err != nil {
				return at(field(cn, "expectBody"), "%s: expectBody is not a regular expression: %v", where, err)
			}
		}
	}
	return nil
}

// checkReview checks deploy.review, found at n.
func checkReview(r *reviewConfig, n *yaml.Node) error {
	if r.Stack == "" {
		return at(n, "deploy.review needs stack, a pattern like review-{branch} or review-{pr}")
	}
	if !strings.Contains(r.Stack, "{branch}") && !strings.Contains(r.Stack, "{pr}") {
		return at(field(n, "stack"), "deploy.review.stack %q must contain {branch} or {pr}, or every pull request would share one stack", r.Stack)
	}
	if err := validStackName(reviewStackName(r.Stack, "b", 1)); err != nil {
		return at(field(n, "stack"), "deploy.review.stack %q: use letters, digits, '.', '_' and '-' around {branch} and {pr}", r.Stack)
	}
	if r.From != "" {
		if err := validStackName(r.From); err != nil {
			return at(field(n, "from"), "deploy.review.from: %v", err)
		}
	}
	if r.TTL != "" {
		if d, err := time.ParseDuration(r.TTL); err != nil || d <= 0 {
			return at(field(n, "ttl"), "deploy.review.ttl must be a positive duration like 72h, not %q", r.TTL)
		}
	}
	return nil
}

// decodeErr turns the YAML decoder's type errors, which name Go types, into
// errors in Plinth.yaml's terms.
func decodeErr(err error, where string) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		return usageErr("Plinth.yaml: %s: %v", where, err)
	}
	m := yamlTypeErr.FindStringSubmatch(te.Errors[0])
	if m == nil {
		return usageErr("Plinth.yaml: %s: %s", where, te.Errors[0])
	}
	found := map[string]string{"str": "a string", "int": "a number", "float": "a number", "bool": "true or false", "map": "a map", "seq": "a list", "null": "nothing"}[m[2]]
	if found == "" {
		found = "!!" + m[2]
	}
	want := "a value of another kind"
	switch t := m[4]; {
	case strings.HasPrefix(t, "[]"):
		want = "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "cli."), strings.HasPrefix(t, "*cli."):
		want = "a map"
	case t == "int":
		want = "a whole number"
	case t == "string":
		want = "a string"
	}
	return usageErr("Plinth.yaml:%s: %s: found %s%s where %s belongs", m[1], where, found, m[3], want)
}

// yamlTypeErr matches one of yaml.v3's type errors: "line 7: cannot
// unmarshal !!str `abc` into int".
var yamlTypeErr = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+)( `.*`)? into (.+)$")

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
	info, detected, err := a.ciInfo()
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
		return a.deployStack(ctx, cfg, st, "plinth deploy")
	case ci.EventPullRequest:
		target, ok := cfg.Branches[info.TargetBranch]
		review, why := "", "no review stack is configured"
		if cfg.Review != nil {
			var err error
			if review, err = reviewStackFor(cfg, info.Branch, info.PullRequest); err != nil {
				review, why = "", err.Error()
			}
		}
		if !ok && review == "" {
			say("decision: nothing to do — target branch %q has no stack in deploy.branches and %s", info.TargetBranch, why)
			return nil
		}
		if ok {
			say("decision: preview stack %s — %s into %s", target, pullRequest(info.PullRequest), info.TargetBranch)
		} else {
			say("decision: no preview — target branch %q has no stack in deploy.branches", info.TargetBranch)
		}
		if review != "" {
			say("decision: deploy review stack %s — %s from %s", review, pullRequest(info.PullRequest), info.Branch)
		} else {
			say("decision: no review stack — %s", why)
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
			return a.upReviewStack(ctx, cfg, review, "plinth deploy")
		}
		return nil
	case ci.EventPullRequestClosed:
		if cfg.Review == nil {
			say("decision: nothing to do — no review stacks are configured")
			return nil
		}
		review, err := reviewStackFor(cfg, info.Branch, info.PullRequest)
		if err != nil {
			say("decision: nothing to do — %v", err)
			return nil
		}
		say("decision: destroy and remove review stack %s — pull request closed or branch deleted", review)
		if o.dryRun {
			return nil
		}
		return a.removeReviewStack(ctx, cfg, review)
	}
	switch {
	case !detected && info.Event == ci.EventUnknown:
		say("decision: nothing to do — no CI system detected (docs/ci.md) and no --event given")
	case info.Event == ci.EventUnknown:
		say("decision: nothing to do — %s did not say what started this build (a schedule, a release, another event plinth deploy does not act on)", info.System)
	default:
		say("decision: nothing to do — %s event %q is not a push, pull request or closed pull request", info.System, info.Event)
	}
	return nil
}

// pullRequest names a pull request for people: its number when known.
func pullRequest(n int) string {
	if n > 0 {
		return fmt.Sprintf("pull request #%d", n)
	}
	return "pull request"
}

// deployStack runs up on a stack, then verification; a failed check rolls
// back when configured and exits 11 either way. message is recorded in
// history.
func (a *app) deployStack(ctx context.Context, cfg *deployConfig, name, message string) error {
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
	res, err := sess.Run(ctx, stack.RunRequest{Operation: engine.OpUpdate, Source: src, Events: r.Event, CI: a.ciMetadata(), Message: message})
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
	if ctx.Err() != nil {
		// Interrupted, not failed: no verdict, no rollback.
		return verr
	}
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
		url := ""
		if c.HTTP != "" {
			var err error
			if url, err = expandOutputs(c.HTTP, plain, str); err != nil {
				return fmt.Errorf("check %s: %w", c.Name, err)
			}
		}
		attempt := func(ctx context.Context) error {
			if c.HTTP != "" {
				return checkHTTP(ctx, url, c)
			}
			cmd := exec.CommandContext(ctx, "/bin/sh", "-c", c.Run)
			cmd.Dir = a.dir()
			cmd.Env = os.Environ()
			for k, v := range plain {
				cmd.Env = append(cmd.Env, "PLINTH_OUTPUT_"+strings.ToUpper(k)+"="+str(v))
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("%v: %s", err, lastLine(string(out)))
			}
			return nil
		}
		cctx, cancel := context.WithTimeout(ctx, timeout)
		var last error
		attempts := 0
		for {
			attempts++
			err := attempt(cctx)
			if err != nil && cctx.Err() != nil && last != nil {
				// The timeout cut this attempt short; the one before
				// says more than "context deadline exceeded".
				err = last
			}
			if last = err; last == nil {
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
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("verification interrupted: %w", err)
		}
		if last != nil {
			return fmt.Errorf("check %s: %w (%d attempt(s) in %s)", c.Name, last, attempts, timeout)
		}
	}
	return nil
}

// expandOutputs fills ${outputs.NAME} in s; an output the stack does not
// have fails the check at once rather than after its timeout.
func expandOutputs(s string, outputs map[string]any, str func(any) string) (string, error) {
	var missing []string
	out := outputRef.ReplaceAllStringFunc(s, func(m string) string {
		name := outputRef.FindStringSubmatch(m)[1]
		v, ok := outputs[name]
		if !ok {
			missing = append(missing, name)
		}
		return str(v)
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("%s: the stack has no output %s (outputs: %s)", s, strings.Join(missing, ", "), strings.Join(sortedKeys(outputs), ", "))
	}
	return out, nil
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
