package stack

import (
	"fmt"
	"slices"

	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/state"
)

// SnapshotSource is an engine.Source whose goal is a recorded snapshot:
// every resource with exactly the inputs, options and dependencies it was
// recorded with. Rollback plans against it, so an earlier version is
// restored without the program that produced it.
type SnapshotSource struct {
	snap   *state.Snapshot
	goals  []engine.GoalResource
	byName map[string]*state.Resource
}

var _ engine.Source = (*SnapshotSource)(nil)

// NewSnapshotSource returns a source for snap. Resources marked for
// deletion in snap are left out: they were on their way out.
func NewSnapshotSource(snap *state.Snapshot) (*SnapshotSource, error) {
	src := &SnapshotSource{snap: snap, byName: map[string]*state.Resource{}}
	for _, r := range snap.Resources {
		if r.Delete {
			continue
		}
		name := r.URN.Name()
		if _, dup := src.byName[name]; dup {
			return nil, fmt.Errorf("version %d records two resources named %s", snap.Version, name)
		}
		src.byName[name] = r
	}
	for _, r := range snap.Resources {
		if r.Delete {
			continue
		}
		var deps []string
		for _, d := range r.Dependencies {
			if _, ok := src.byName[d.Name()]; ok {
				deps = append(deps, d.Name())
			}
		}
		slices.Sort(deps)
		src.goals = append(src.goals, engine.GoalResource{
			Name: r.URN.Name(), Type: r.Type, Deps: slices.Compact(deps),
			Protect: r.Protect, RetainOnDelete: r.RetainOnDelete,
		})
	}
	return src, nil
}

// Resources implements engine.Source.
func (s *SnapshotSource) Resources() []engine.GoalResource { return s.goals }

// Inputs implements engine.Source: the recorded inputs.
func (s *SnapshotSource) Inputs(name string) (resource.PropertyMap, error) {
	r, ok := s.byName[name]
	if !ok {
		return nil, fmt.Errorf("no resource %s in version %d", name, s.snap.Version)
	}
	return r.Inputs, nil
}

// SetResource implements engine.Source; recorded inputs need no values.
func (s *SnapshotSource) SetResource(string, map[string]any) {}

// Outputs implements engine.Source: the recorded stack outputs.
func (s *SnapshotSource) Outputs() (resource.PropertyMap, error) { return s.snap.Outputs, nil }
