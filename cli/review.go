package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/stack"
	"github.com/plinth-iac/plinth/workspace"
	"github.com/spf13/cobra"
)

// Review stacks are throw-away stacks named by deploy.review.stack, one per
// branch or pull request (spec section 7). They are marked at creation with
// backend tags, so that `review gc` removes only stacks a review created,
// never a long-lived stack whose name happens to fit the pattern.
const (
	// tagReview is "true" on every stack a review created.
	tagReview = "plinth:review"
	// tagCreated is when it was created, RFC 3339: its age until its first
	// update is recorded.
	tagCreated = "plinth:created"
	// tagStackFile holds the stack's Plinth.<stack>.yaml, base64: review
	// stacks are created by CI jobs whose checkouts do not keep the file, and
	// the jobs that update, close or collect them later need its key.
	tagStackFile = "plinth:stackfile"
)

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

// reviewPattern matches every name reviewStackName can make from pattern.
func reviewPattern(pattern string) *regexp.Regexp {
	q := regexp.QuoteMeta(pattern)
	q = strings.ReplaceAll(q, regexp.QuoteMeta("{branch}"), `[a-z0-9-]*`)
	q = strings.ReplaceAll(q, regexp.QuoteMeta("{pr}"), `[0-9]+`)
	return regexp.MustCompile("^" + q + "$")
}

// reviewStackFor names the review stack of a branch or pull request, or
// says why it cannot: the pattern needs a value this build does not have.
func reviewStackFor(cfg *deployConfig, branch string, pr int) (string, error) {
	if cfg.Review == nil {
		return "", usageErr("Plinth.yaml has no deploy.review block: there are no review stacks")
	}
	pattern := cfg.Review.Stack
	if strings.Contains(pattern, "{branch}") && branch == "" {
		return "", usageErr("the review stack pattern %s needs a branch and none is known", pattern)
	}
	if strings.Contains(pattern, "{pr}") && pr <= 0 {
		return "", usageErr("the review stack pattern %s needs a pull request number and none is known", pattern)
	}
	name := reviewStackName(pattern, branch, pr)
	if err := validStackName(name); err != nil {
		return "", err
	}
	if err := reviewGuard(cfg, name); err != nil {
		return "", err
	}
	return name, nil
}

// reviewGuard refuses a review stack name that is also a stack deploy
// pushes to or copies from: with a pattern like {branch}, a pull request
// from a branch named production would otherwise deploy to production, and
// closing it would destroy it.
func reviewGuard(cfg *deployConfig, name string) error {
	for b, s := range cfg.Branches {
		if s == name {
			return usageErr("review stack %s is also the stack of branch %s in deploy.branches: refusing to use it as a review stack", name, b)
		}
	}
	if cfg.Review != nil && cfg.Review.From == name {
		return usageErr("review stack %s is deploy.review.from: refusing to use it as a review stack", name)
	}
	return nil
}

// upReviewStack creates the review stack if needed, then deploys and
// verifies it like a branch stack.
func (a *app) upReviewStack(ctx context.Context, cfg *deployConfig, name, message string) error {
	if err := reviewGuard(cfg, name); err != nil {
		return err
	}
	if err := a.ensureReviewStack(ctx, cfg, name); err != nil {
		return err
	}
	return a.deployStack(ctx, cfg, name, message)
}

// ensureReviewStack creates the review stack unless it exists: its key is
// wrapped for the same secrets provider and recipients as deploy.review.from,
// whose config is copied and re-encrypted, and it is tagged as a review
// stack. An existing one gets its stack file back from the backend when this
// checkout does not have it.
func (a *app) ensureReviewStack(ctx context.Context, cfg *deployConfig, name string) error {
	p, b, err := a.projectBackend(ctx)
	if err != nil {
		return err
	}
	ref := backend.Ref{Project: p.Name, Stack: name}
	if _, err := b.ReadSnapshot(ctx, backend.ReadSnapshotRequest{Ref: ref}); err == nil {
		return a.syncReviewStackFile(ctx, b, ref)
	} else if !errors.Is(err, backend.ErrStackNotFound) {
		return err
	}
	o := &stackInitOptions{
		name:            name,
		secretsProvider: "age",
		copyFrom:        cfg.Review.From,
		keepSelection:   true,
		tags:            map[string]string{tagReview: "true", tagCreated: a.now().UTC().Format(time.RFC3339)},
	}
	if o.copyFrom != "" {
		from, err := a.readStackFile(o.copyFrom)
		if err != nil {
			return err
		}
		if from == nil {
			return withCode(ExitStackNotFound, fmt.Errorf("deploy.review.from is %s, but this checkout has no Plinth.%s.yaml to copy config from", o.copyFrom, o.copyFrom))
		}
		w := from.Wrapped()
		o.secretsProvider, o.recipients = w.Provider, w.Recipients
	}
	if err := a.stackInit(ctx, o); err != nil {
		return err
	}
	if o.copyFrom != "" {
		fmt.Fprintf(a.io.Out, "Copied config of stack %s into review stack %s\n", o.copyFrom, name)
	}
	return a.syncReviewStackFile(ctx, b, ref)
}

// syncReviewStackFile keeps the backend's copy of a review stack's stack
// file (tag plinth:stackfile) and this checkout's file the same: a local
// file is copied up, a missing one is restored from the copy. Stacks that
// are not tagged as review stacks are never written to.
func (a *app) syncReviewStackFile(ctx context.Context, b backend.Backend, ref backend.Ref) error {
	unlock, err := a.lockStackFile(ctx, ref.Stack)
	if err != nil {
		return err
	}
	defer unlock()
	r, err := b.ReadTags(ctx, backend.ReadTagsRequest{Ref: ref})
	if err != nil {
		return err
	}
	path := a.stackFilePath(ref.Stack)
	local, err := os.ReadFile(path)
	switch {
	case err == nil:
		enc := base64.StdEncoding.EncodeToString(local)
		if r.Tags[tagReview] != "true" || r.Tags[tagStackFile] == enc {
			return nil
		}
		tags := maps.Clone(r.Tags)
		tags[tagStackFile] = enc
		_, err = b.WriteTags(ctx, backend.WriteTagsRequest{Ref: ref, Tags: tags})
		return err
	case errors.Is(err, os.ErrNotExist):
		enc, ok := r.Tags[tagStackFile]
		if !ok {
			return nil // openStack says the file is missing
		}
		data, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return fmt.Errorf("stack %s: tag %s is not base64: %v", ref.Stack, tagStackFile, err)
		}
		if _, err := workspace.ParseStackFile(filepath.Base(path), data); err != nil {
			return fmt.Errorf("stack %s: the stack file kept in tag %s: %w", ref.Stack, tagStackFile, err)
		}
		if err := workspace.WriteFileAtomic(path, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(a.io.Out, "Restored %s from the backend\n", filepath.Base(path))
		return nil
	}
	return err
}

// removeReviewStack destroys the review stack's resources, then removes
// the stack and its stack file. A stack that does not exist is not an
// error: closing a pull request twice is fine.
func (a *app) removeReviewStack(ctx context.Context, cfg *deployConfig, name string) error {
	if err := reviewGuard(cfg, name); err != nil {
		return err
	}
	p, b, err := a.projectBackend(ctx)
	if err != nil {
		return err
	}
	ref := backend.Ref{Project: p.Name, Stack: name}
	if _, err := b.ReadSnapshot(ctx, backend.ReadSnapshotRequest{Ref: ref}); errors.Is(err, backend.ErrStackNotFound) {
		fmt.Fprintf(a.io.Out, "review stack %s does not exist: nothing to remove\n", name)
		return nil
	} else if err != nil {
		return err
	}
	if err := a.syncReviewStackFile(ctx, b, ref); err != nil {
		return err
	}
	a.flags.stack = name
	s, _, err := a.openStack(ctx, true)
	if err != nil {
		return err
	}
	sess, err := s.Open(ctx, "destroy")
	if err != nil {
		return err
	}
	r := a.renderer(&opOptions{}, false)
	res, err := sess.Run(ctx, stack.RunRequest{Operation: engine.OpDestroy, Events: r.Event, CI: a.ciMetadata(), Message: "plinth review: remove " + name})
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
	if a.selectedStack() == name {
		_ = a.selectStack("")
	}
	fmt.Fprintf(a.io.Out, "Removed review stack %s\n", name)
	return nil
}

// now is the CLI's clock (tests move it with PLINTH_NOW, see Main).
func (a *app) now() time.Time {
	if a.env.Now == nil {
		return time.Now()
	}
	return a.env.Now()
}

func newReviewCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "review",
		Short: "Throw-away stacks per branch or pull request (deploy.review)",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(newReviewUpCmd(a), newReviewDownCmd(a), newReviewLsCmd(a), newReviewGCCmd(a))
	return c
}

// reviewOptions name the branch and pull request of review up and down;
// what is not given comes from the CI environment, else from git.
type reviewOptions struct {
	branch string
	pr     int
}

func addReviewFlags(c *cobra.Command, o *reviewOptions) {
	c.Flags().StringVar(&o.branch, "branch", "", "the branch (default: from the CI system, else the current git branch)")
	c.Flags().IntVar(&o.pr, "pr", 0, "the pull request number (default: from the CI system)")
}

func newReviewUpCmd(a *app) *cobra.Command {
	o := &reviewOptions{}
	c := &cobra.Command{
		Use:   "up",
		Short: "Create or update the review stack of a branch or pull request, then verify it",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			defer a.close()
			ctx := c.Context()
			cfg, name, err := a.reviewTarget(ctx, o)
			if err != nil {
				return err
			}
			return a.upReviewStack(ctx, cfg, name, "plinth review up")
		},
	}
	addReviewFlags(c, o)
	return c
}

func newReviewDownCmd(a *app) *cobra.Command {
	o := &reviewOptions{}
	c := &cobra.Command{
		Use:   "down",
		Short: "Destroy and remove the review stack of a branch or pull request",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			defer a.close()
			ctx := c.Context()
			cfg, name, err := a.reviewTarget(ctx, o)
			if err != nil {
				return err
			}
			return a.removeReviewStack(ctx, cfg, name)
		},
	}
	addReviewFlags(c, o)
	return c
}

// reviewTarget reads deploy.review and names the review stack of the
// branch and pull request: flags first, then the CI system, then git.
func (a *app) reviewTarget(ctx context.Context, o *reviewOptions) (*deployConfig, string, error) {
	cfg, err := a.deployConfig()
	if err != nil {
		return nil, "", err
	}
	if cfg.Review == nil {
		return nil, "", usageErr("Plinth.yaml has no deploy.review block: add one (docs/deploy.md) to use review stacks")
	}
	if o.pr < 0 {
		return nil, "", usageErr("--pr must be a pull request number, not %d", o.pr)
	}
	pattern := cfg.Review.Stack
	branch, pr := o.branch, o.pr
	needBranch := strings.Contains(pattern, "{branch}")
	needPR := strings.Contains(pattern, "{pr}")
	if (needBranch && branch == "") || (needPR && pr == 0) {
		info, ok, err := a.ciInfo()
		if err != nil {
			return nil, "", usageErr("%v", err)
		}
		if ok {
			if branch == "" {
				branch = info.Branch
			}
			if pr == 0 {
				pr = info.PullRequest
			}
		}
	}
	if needBranch && branch == "" {
		if branch, err = a.gitBranch(ctx); err != nil {
			return nil, "", err
		}
	}
	if needPR && pr == 0 {
		return nil, "", usageErr("the review stack pattern %s needs a pull request number and the CI environment has none: use --pr N", pattern)
	}
	name, err := reviewStackFor(cfg, branch, pr)
	if err != nil {
		return nil, "", err
	}
	var of []string
	if needBranch {
		of = append(of, "branch "+branch)
	}
	if needPR {
		of = append(of, fmt.Sprintf("pull request #%d", pr))
	}
	fmt.Fprintf(a.io.Out, "review stack %s — %s\n", name, strings.Join(of, ", "))
	return cfg, name, nil
}

// gitBranch is the branch checked out in the project directory.
func (a *app) gitBranch(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--abbrev-ref", "HEAD")
	cmd.Dir = a.dir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", usageErr("cannot tell the branch of the review stack: git rev-parse --abbrev-ref HEAD: %v: %s (use --branch)", err, lastLine(string(out)))
	}
	b := strings.TrimSpace(string(out))
	if b == "HEAD" || b == "" {
		return "", usageErr("cannot tell the branch of the review stack: the checkout is on a detached HEAD (use --branch)")
	}
	return b, nil
}

// reviewStack is one line of review ls.
type reviewStack struct {
	Name string `json:"name"`
	// Review is true for stacks a review created (tag plinth:review):
	// the only ones gc removes.
	Review  bool      `json:"review"`
	Created time.Time `json:"created,omitzero"`
	// LastUpdate is the end of the newest version in history, else Created;
	// the ttl counts from it.
	LastUpdate time.Time `json:"lastUpdate,omitzero"`
	Expires    time.Time `json:"expires,omitzero"`
	Expired    bool      `json:"expired"`
}

// reviewStacks lists the project's stacks whose names fit the review
// pattern, with their age against deploy.review.ttl.
func (a *app) reviewStacks(ctx context.Context, cfg *deployConfig) ([]reviewStack, error) {
	p, b, err := a.projectBackend(ctx)
	if err != nil {
		return nil, err
	}
	var ttl time.Duration
	if cfg.Review.TTL != "" {
		ttl, _ = time.ParseDuration(cfg.Review.TTL) // checked by parseDeploy
	}
	match := reviewPattern(cfg.Review.Stack)
	list, err := b.ListStacks(ctx, backend.ListStacksRequest{Project: p.Name})
	if err != nil {
		return nil, err
	}
	now := a.now()
	out := []reviewStack{}
	for _, sum := range list.Stacks {
		if !match.MatchString(sum.Ref.Stack) || reviewGuard(cfg, sum.Ref.Stack) != nil {
			continue
		}
		tags, err := b.ReadTags(ctx, backend.ReadTagsRequest{Ref: sum.Ref})
		if err != nil {
			return nil, err
		}
		rs := reviewStack{Name: sum.Ref.Stack, Review: tags.Tags[tagReview] == "true"}
		if t, err := time.Parse(time.RFC3339, tags.Tags[tagCreated]); err == nil {
			rs.Created = t.UTC()
		}
		hist, err := (&stack.Stack{Ref: sum.Ref, Backend: b}).History(ctx)
		if err != nil {
			return nil, err
		}
		rs.LastUpdate = rs.Created
		if len(hist) > 0 {
			rs.LastUpdate = hist[len(hist)-1].End.UTC()
		}
		if ttl > 0 && !rs.LastUpdate.IsZero() {
			rs.Expires = rs.LastUpdate.Add(ttl)
			rs.Expired = now.Sub(rs.LastUpdate) > ttl
		}
		out = append(out, rs)
	}
	return out, nil
}

func newReviewLsCmd(a *app) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "ls",
		Short: "List the review stacks, with their last update and whether they expired",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			defer a.close()
			cfg, err := a.deployConfig()
			if err != nil {
				return err
			}
			if cfg.Review == nil {
				return usageErr("Plinth.yaml has no deploy.review block: there are no review stacks")
			}
			list, err := a.reviewStacks(c.Context(), cfg)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.io.Out, list)
			}
			w := tabwriter.NewWriter(a.io.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tLAST UPDATE\tEXPIRES\tSTATUS")
			for _, s := range list {
				last, expires := "never", "-"
				if !s.LastUpdate.IsZero() {
					last = s.LastUpdate.Format(time.RFC3339)
				}
				if !s.Expires.IsZero() {
					expires = s.Expires.Format(time.RFC3339)
				}
				status := "active"
				switch {
				case !s.Review:
					status = "not a review stack (no " + tagReview + " tag): gc leaves it"
				case s.Expired:
					status = "expired"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.Name, last, expires, status)
			}
			return w.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}

func newReviewGCCmd(a *app) *cobra.Command {
	var dryRun, yes bool
	c := &cobra.Command{
		Use:   "gc",
		Short: "Destroy and remove review stacks not updated within deploy.review.ttl",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			defer a.close()
			return a.reviewGC(c.Context(), dryRun, yes)
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print what would be removed and change nothing")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "remove without asking")
	return c
}

func (a *app) reviewGC(ctx context.Context, dryRun, yes bool) error {
	cfg, err := a.deployConfig()
	if err != nil {
		return err
	}
	if cfg.Review == nil {
		return usageErr("Plinth.yaml has no deploy.review block: there are no review stacks")
	}
	if cfg.Review.TTL == "" {
		return usageErr("deploy.review.ttl is not set: review stacks never expire, so gc has nothing to remove")
	}
	list, err := a.reviewStacks(ctx, cfg)
	if err != nil {
		return err
	}
	now := a.now()
	var expired []reviewStack
	for _, s := range list {
		switch {
		case !s.Expired:
		case !s.Review:
			fmt.Fprintf(a.io.Out, "skipping %s: not updated for %s, but it has no %s tag, so a review did not create it\n", s.Name, elapsed(now, s.LastUpdate), tagReview)
		default:
			expired = append(expired, s)
		}
	}
	if len(expired) == 0 {
		fmt.Fprintf(a.io.Out, "no review stack is older than the ttl (%s)\n", cfg.Review.TTL)
		return nil
	}
	for _, s := range expired {
		fmt.Fprintf(a.io.Out, "decision: destroy and remove review stack %s — last update %s, %s ago, ttl %s\n", s.Name, s.LastUpdate.Format(time.RFC3339), elapsed(now, s.LastUpdate), cfg.Review.TTL)
	}
	if dryRun {
		return nil
	}
	if !yes {
		ok, err := a.confirm(fmt.Sprintf("Destroy and remove %d review stack(s)?", len(expired)))
		if err != nil {
			return err
		}
		if !ok {
			return withCode(ExitCancelled, errors.New("nothing removed"))
		}
	}
	// One stack that cannot be removed does not keep the others.
	var errs []error
	for _, s := range expired {
		if err := a.removeReviewStack(ctx, cfg, s.Name); err != nil {
			fmt.Fprintf(a.io.Err, "review stack %s: %s\n", s.Name, oneLine(err.Error()))
			errs = append(errs, fmt.Errorf("review stack %s: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}

// elapsed says how long ago t was, to the nearest minute.
func elapsed(now, t time.Time) string {
	return now.Sub(t).Round(time.Minute).String()
}
