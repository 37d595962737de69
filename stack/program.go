package stack

import (
	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/program"
	"github.com/plinth-iac/plinth/resource"
)

// ProgramSource adapts a loaded YAML program and its evaluator to the
// engine.
type ProgramSource struct {
	prog  *program.Program
	ev    *program.Evaluator
	goals []engine.GoalResource
}

var _ engine.Source = (*ProgramSource)(nil)

// NewProgramSource returns the engine's view of prog.
func NewProgramSource(prog *program.Program, ev *program.Evaluator) *ProgramSource {
	src := &ProgramSource{prog: prog, ev: ev}
	for _, r := range prog.Resources {
		src.goals = append(src.goals, engine.GoalResource{
			Name: r.Name, Type: r.Type, Deps: r.Deps,
			Protect: r.Options.Protect, DeleteBeforeReplace: r.Options.DeleteBeforeReplace,
			RetainOnDelete: r.Options.RetainOnDelete, IgnoreChanges: r.Options.IgnoreChanges,
			ReplaceOnChanges: r.Options.ReplaceOnChanges, Import: r.Options.Import,
		})
	}
	return src
}

// Resources implements engine.Source.
func (s *ProgramSource) Resources() []engine.GoalResource { return s.goals }

// Inputs implements engine.Source.
func (s *ProgramSource) Inputs(name string) (resource.PropertyMap, error) { return s.ev.Inputs(name) }

// SetResource implements engine.Source.
func (s *ProgramSource) SetResource(name string, v map[string]any) { s.ev.SetResource(name, v) }

// Outputs implements engine.Source.
func (s *ProgramSource) Outputs() (resource.PropertyMap, error) {
	o, err := s.ev.Outputs()
	return resource.PropertyMap(o), err
}
