package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/state"
)

// Unresolved is a pending operation recovery could not settle by itself,
// with the command that settles it.
type Unresolved struct {
	Pending *state.Pending
	Advice  string
}

// Recover settles the pending operations of s — operations that began and
// whose end was never recorded because the process died — by reading the
// real world back through the providers. It returns a new snapshot with
// every settled operation applied and removed from Pending, and the ones it
// could not settle.
//
//   - An interrupted create is looked up by its inputs where the provider
//     can (file:File, whose ID is its path); if found it is recorded, if not
//     it never happened. Otherwise the user is told how to settle it.
//   - An interrupted update, delete, read or import is read back by ID: the
//     resource is recorded as it is now, or forgotten if it is gone.
func Recover(ctx context.Context, s *state.Snapshot, reg *provider.Registry, now func() time.Time) (*state.Snapshot, []Unresolved, error) {
	if len(s.Pending) == 0 {
		return s, nil, nil
	}
	out := s.Clone()
	out.Pending = nil
	var unresolved []Unresolved
	t := now()
	for _, p := range s.Pending {
		prov, schema, err := reg.Resource(p.Type)
		if err != nil {
			if p.Op == state.OpDiscard || p.Op == state.OpSet {
				continue
			}
			unresolved = append(unresolved, Unresolved{Pending: p, Advice: fmt.Sprintf("plinth state delete %s", p.URN)})
			out.Pending = append(out.Pending, p)
			continue
		}
		plainIn, secretIn := resource.RevealMap(p.Inputs)
		switch p.Op {
		case state.OpCreate:
			look, ok := prov.(provider.Looker)
			if !ok {
				unresolved = append(unresolved, Unresolved{Pending: p, Advice: fmt.Sprintf(
					"a create of %s was interrupted and %s cannot tell whether it happened: if it exists, run plinth import %s %s <ID>; then run plinth state delete %s to settle the interrupted create",
					p.URN.Name(), p.Type, p.Type, p.URN.Name(), p.URN)})
				out.Pending = append(out.Pending, p)
				continue
			}
			r, err := look.Lookup(ctx, provider.LookupRequest{Type: p.Type, Inputs: plainIn})
			if err != nil {
				return nil, nil, fmt.Errorf("settling the interrupted create of %s: %w", p.URN.Name(), err)
			}
			if r.Found {
				res := &state.Resource{URN: p.URN, Type: p.Type, ID: r.ID, Inputs: p.Inputs, Outputs: MarkSecrets(schema, secretIn, r.Outputs), Created: t, Modified: t}
				replaceOrAppend(out, res, hasDeleteMarked(out, p.URN) || out.Find(p.URN) != nil)
			}
		case state.OpUpdate, state.OpRead, state.OpImport, state.OpDelete:
			cur := findID(out, p.URN, p.ID)
			var in, outs resource.PropertyMap
			if cur != nil {
				in, _ = resource.RevealMap(cur.Inputs)
				outs, _ = resource.RevealMap(cur.Outputs)
			}
			r, err := prov.Read(ctx, provider.ReadRequest{Type: p.Type, ID: p.ID, Inputs: in, Outputs: outs})
			if err != nil {
				return nil, nil, fmt.Errorf("settling the interrupted %s of %s: %w", p.Op, p.URN.Name(), err)
			}
			if r.Gone {
				removeID(out, p.URN, p.ID)
				continue
			}
			if p.Op == state.OpDelete && cur != nil {
				continue // still there: the delete did not happen
			}
			inputs := p.Inputs
			if p.Op == state.OpRead && r.Inputs != nil {
				inputs = r.Inputs
			}
			if cur != nil && p.Op == state.OpRead {
				inputs = cur.Inputs
			}
			res := &state.Resource{URN: p.URN, Type: p.Type, ID: p.ID, Inputs: inputs, Outputs: MarkSecrets(schema, secretIn, r.Outputs), Created: t, Modified: t}
			if cur != nil {
				res.Dependencies, res.Protect, res.RetainOnDelete, res.Created = cur.Dependencies, cur.Protect, cur.RetainOnDelete, cur.Created
				*cur = *res
			} else {
				out.Resources = append(out.Resources, res)
			}
		}
	}
	return out, unresolved, nil
}

func hasDeleteMarked(s *state.Snapshot, urn resource.URN) bool {
	for _, r := range s.Resources {
		if r.URN == urn && r.Delete {
			return true
		}
	}
	return false
}

// replaceOrAppend records a recovered create. When the create was a
// replacement (a live resource of that URN exists), the old one is marked
// for deletion and the new one added.
func replaceOrAppend(s *state.Snapshot, r *state.Resource, replacing bool) {
	if old := s.Find(r.URN); old != nil && replacing {
		old.Delete = true
	}
	s.Resources = append(s.Resources, r)
}

func findID(s *state.Snapshot, urn resource.URN, id string) *state.Resource {
	for _, r := range s.Resources {
		if r.URN == urn && r.ID == id {
			return r
		}
	}
	return nil
}

func removeID(s *state.Snapshot, urn resource.URN, id string) {
	for i, r := range s.Resources {
		if r.URN == urn && r.ID == id {
			s.Resources = append(s.Resources[:i], s.Resources[i+1:]...)
			return
		}
	}
}

// EmitPreview sends the events a preview shows: one resource-pre per step
// that changes something.
func (p *Plan) EmitPreview(sink EventSink, now func() time.Time) {
	if sink == nil {
		return
	}
	for _, s := range p.Steps {
		if s.Kind == StepSame || s.Kind == StepDeleteReplaced || (s.Kind == StepRead && !s.Diff.HasChanges()) {
			continue
		}
		info := &StepInfo{Op: s.Kind, URN: s.URN, Type: s.Type, Name: s.Name, New: s.Inputs, Outputs: s.Outputs, Changed: s.Diff.Changed, Replace: s.Diff.Replace, Preview: true}
		if s.Old != nil {
			info.Old = s.Old.Inputs
		}
		if s.Kind == StepDelete || s.Kind == StepDiscard {
			info.New = nil
		}
		sink(Event{Type: EventResourcePre, Time: now(), Step: info})
	}
}
