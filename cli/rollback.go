package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/plinth-iac/plinth/state"

	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/stack"
	"github.com/spf13/cobra"
)

func newRollbackCmd(a *app) *cobra.Command {
	o := &opOptions{}
	var to int
	c := &cobra.Command{
		Use:   "rollback",
		Short: "Make the infrastructure match an earlier version's recorded inputs, without the old program",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			defer a.close()
			ctx := c.Context()
			if !o.yes && a.nonInteractive() {
				return usageErr("refusing to roll back without --yes in non-interactive mode")
			}
			s, _, err := a.openStack(ctx, true)
			if err != nil {
				return err
			}
			v, err := a.rollback(ctx, s, to, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "Rolled back to version %d\n", v)
			return nil
		},
	}
	addOpFlags(c, o, true)
	c.Flags().IntVar(&to, "to", 0, "the version to return to (default: the last verified one, else the previous one)")
	return c
}

// rollbackTarget picks the version to return to.
func rollbackTarget(hist []*state.Update, current int) (int, error) {
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		if h.Version < current && h.Verified != nil && *h.Verified && h.Result == "succeeded" {
			return h.Version, nil
		}
	}
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		if h.Version < current && h.Result == "succeeded" && (h.Kind == stack.KindUpdate || h.Kind == stack.KindRollback) {
			return h.Version, nil
		}
	}
	return 0, errors.New("there is no earlier successful version to roll back to")
}

func (a *app) rollback(ctx context.Context, s *stack.Stack, to int, o *opOptions) (int, error) {
	hist, err := s.History(ctx)
	if err != nil {
		return 0, err
	}
	sess, err := s.Open(ctx, "rollback")
	if err != nil {
		return 0, err
	}
	defer sess.Close()
	if to == 0 {
		if to, err = rollbackTarget(hist, sess.Snapshot.Version); err != nil {
			return 0, withCode(ExitUsage, err)
		}
	}
	target, err := s.Checkpoint(ctx, to, s.Crypter)
	if err != nil {
		return 0, withCode(ExitUsage, err)
	}
	src, err := stack.NewSnapshotSource(target)
	if err != nil {
		return 0, err
	}
	r := a.renderer(o, false)
	res, err := sess.Run(ctx, stack.RunRequest{Operation: engine.OpUpdate, Source: src, Events: r.Event,
		Kind: stack.KindRollback, RollbackTo: to, Message: fmt.Sprintf("rollback to version %d", to), CI: a.ciMetadata(), Parallel: o.parallel})
	r.Close()
	if err != nil {
		return 0, err
	}
	if err := res.Result.Err(); err != nil {
		return 0, withCode(ExitResource, err)
	}
	return to, nil
}
