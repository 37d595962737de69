package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/plinth-iac/plinth/ci/pipeline"
	"github.com/plinth-iac/plinth/workspace"
	"github.com/spf13/cobra"
)

func newCICmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "ci", Short: "Set up continuous deployment in a CI system", Args: cobra.NoArgs}
	var force bool
	var dir, version string
	initCmd := &cobra.Command{
		Use:   "init PROVIDER",
		Short: "Write a pipeline file that runs plinth deploy (" + strings.Join(pipeline.Providers(), ", ") + ")",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if version == "" {
				version = Version
				if version == "dev" {
					version = "latest"
				}
			}
			path, content, err := pipeline.File(args[0], pipeline.Options{PlinthVersion: version, Dir: dir})
			if err != nil {
				return usageErr("%v", err)
			}
			full := filepath.Join(a.dir(), path)
			if _, err := os.Stat(full); err == nil && !force {
				return usageErr("%s already exists (use --force to overwrite it)", path)
			}
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				return err
			}
			if err := workspace.WriteFileAtomic(full, content, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "Wrote %s: it runs plinth deploy on pushes and pull requests.\nStore the stack identity (an age secret key, see docs/ci.md) as the secret PLINTH_AGE_KEY in %s.\n", path, args[0])
			return nil
		},
	}
	initCmd.Flags().BoolVar(&force, "force", false, "overwrite an existing pipeline file")
	initCmd.Flags().StringVar(&dir, "dir", "", "the project's folder relative to the repository root")
	initCmd.Flags().StringVar(&version, "plinth-version", "", "the plinth version the pipeline installs (default: this one)")
	c.AddCommand(initCmd)
	return c
}
