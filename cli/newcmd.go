package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/plinth-iac/plinth/backend/open"
	"github.com/plinth-iac/plinth/workspace"
	"github.com/spf13/cobra"
)

// yamlTemplate is the project `plinth new yaml` writes: a random suffix and
// a page written to a file, which exercises references, config and outputs
// without any cloud account.
const yamlTemplate = `name: %s
runtime: yaml
description: A Plinth project
config:
  greeting: {type: string, default: Hello}
variables:
  message: "${greeting}, ${plinth.stack}!"
resources:
  suffix:
    type: random:String
    properties: {length: 6, special: false, upper: false}
  page:
    type: file:File
    properties:
      path: out/${plinth.stack}/index-${suffix.result}.html
      content: "<h1>${message}</h1>\n"
outputs:
  pagePath: ${page.path}
`

var projectName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func newNewCmd(a *app) *cobra.Command {
	var name, stackName string
	c := &cobra.Command{
		Use:   "new TEMPLATE [DIR]",
		Short: "Scaffold a project from a built-in template (yaml)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(c *cobra.Command, args []string) error {
			if args[0] != "yaml" {
				return usageErr("unknown template %q (templates: yaml)", args[0])
			}
			dir := a.dir()
			if len(args) == 2 {
				dir = args[1]
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(a.dir(), dir)
				}
			}
			if name == "" {
				name = filepath.Base(dir)
			}
			if !projectName.MatchString(name) {
				return usageErr("invalid project name %q: use letters, digits, '.', '_' and '-' (or pass --name)", name)
			}
			if _, err := os.Stat(filepath.Join(dir, "Plinth.yaml")); err == nil {
				return usageErr("%s already has a Plinth.yaml", dir)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			if err := workspace.WriteFileAtomic(filepath.Join(dir, "Plinth.yaml"), []byte(fmt.Sprintf(yamlTemplate, name)), 0o644); err != nil {
				return err
			}
			gi := filepath.Join(dir, ".gitignore")
			if _, err := os.Stat(gi); os.IsNotExist(err) {
				_ = workspace.WriteFileAtomic(gi, []byte("out/\n"), 0o644)
			}
			fmt.Fprintf(a.io.Out, "Created project %s in %s\n", name, dir)
			if stackName != "" {
				a.flags.cwd = dir
				return a.stackInit(c.Context(), &stackInitOptions{name: stackName, secretsProvider: "age"})
			}
			return nil
		},
	}
	c.Flags().StringVar(&name, "name", "", "project name (default: the directory's name)")
	c.Flags().StringVar(&stackName, "stack", "", "also create this stack")
	return c
}

func newLoginCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "login [URL]",
		Short: "Choose the backend (default file://~/.plinth)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			url := "file://~/.plinth"
			if len(args) == 1 {
				url = args[0]
			}
			b, err := open.Open(c.Context(), url, open.Options{HomeDir: a.env.HomeDir})
			if err != nil {
				return usageErr("%v", err)
			}
			defer b.Close()
			if err := a.writeCredentials(credentials{Current: url}); err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "Logged in to %s\n", b.URL())
			return nil
		},
	}
}

func (a *app) writeCredentials(c credentials) error {
	if err := os.MkdirAll(a.plinthHome(), 0o700); err != nil {
		return err
	}
	data := fmt.Sprintf("{\"current\": %q}\n", c.Current)
	return workspace.WriteFileAtomic(a.credentialsPath(), []byte(data), 0o600)
}

func newLogoutCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Forget the backend chosen with login",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := os.Remove(a.credentialsPath()); err != nil && !os.IsNotExist(err) {
				return err
			}
			fmt.Fprintln(a.io.Out, "Logged out")
			return nil
		},
	}
}

func newWhoamiCmd(a *app) *cobra.Command {
	var verbose bool
	c := &cobra.Command{
		Use:   "whoami",
		Short: "Show the user and the backend in use",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			url, from := a.backendURL()
			b, err := open.Open(context.WithoutCancel(c.Context()), url, open.Options{HomeDir: a.env.HomeDir})
			if err != nil {
				return err
			}
			defer b.Close()
			fmt.Fprintf(a.io.Out, "User: %s\nBackend: %s (from %s)\n", a.user(), b.URL(), strings.TrimSpace(from))
			return nil
		},
	}
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "more detail")
	return c
}
