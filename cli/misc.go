package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/plinth-iac/plinth/ci"
	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X github.com/plinth-iac/plinth/cli.Version=…".
var Version = "dev"

func newVersionCmd(a *app) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			commit := "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						commit = s.Value
					}
				}
			}
			if asJSON {
				return writeJSON(a.io.Out, map[string]string{"version": Version, "commit": commit, "go": runtime.Version()})
			}
			fmt.Fprintf(a.io.Out, "plinth %s (commit %s, %s)\n", Version, commit, runtime.Version())
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}

func writeJSON(w io.Writer, v any) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	e.SetEscapeHTML(false)
	return e.Encode(v)
}

func providerConfigure(m resource.PropertyMap) provider.ConfigureRequest {
	return provider.ConfigureRequest{Config: m}
}

// ciInfo detects the CI system from the environment.
func (a *app) ciInfo() (ci.Info, bool, error) {
	return ci.Detect(a.env.Lookup, readFileLimited)
}

// ciMetadata is what history records about the CI build, nil outside CI.
func (a *app) ciMetadata() map[string]any {
	info, ok, err := a.ciInfo()
	if err != nil || !ok {
		return nil
	}
	data, _ := json.Marshal(info)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return m
}
