package builtin

import (
	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/provider/command"
	"github.com/plinth-iac/plinth/provider/core"
	"github.com/plinth-iac/plinth/provider/file"
	"github.com/plinth-iac/plinth/provider/random"
	"github.com/plinth-iac/plinth/provider/tls"
)

// New returns a registry of the built-in providers for a project in
// baseDir: file and command resolve relative paths against it.
func New(baseDir string) *provider.Registry {
	return provider.NewRegistry(
		core.New(),
		command.New(baseDir),
		file.New(baseDir),
		random.New(),
		tls.New(),
	)
}
