package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/state"
)

// StepKind is what a step does.
type StepKind string

// Step kinds.
const (
	StepSame           StepKind = "same"
	StepCreate         StepKind = "create"
	StepUpdate         StepKind = "update"
	StepReplace        StepKind = "replace"         // create the replacement (or delete then create)
	StepDeleteReplaced StepKind = "delete-replaced" // delete the resource a replacement superseded
	StepDelete         StepKind = "delete"
	StepImport         StepKind = "import"
	StepRead           StepKind = "read"    // refresh
	StepDiscard        StepKind = "discard" // retainOnDelete: forget without deleting
)

// Operation is what a plan is for.
type Operation string

// Operations.
const (
	OpUpdate  Operation = "update"
	OpDestroy Operation = "destroy"
	OpRefresh Operation = "refresh"
)

// GoalResource is what the program wants of one resource.
type GoalResource struct {
	Name                string
	Type                string
	Deps                []string // names of resources it depends on
	Protect             bool
	DeleteBeforeReplace bool
	RetainOnDelete      bool
	IgnoreChanges       []string
	ReplaceOnChanges    []string
	Import              string
}

// Source is the program as the engine sees it: its resources, and an
// evaluator that computes inputs once the resources they refer to are known.
// Source implementations must be safe for concurrent use.
type Source interface {
	// Resources lists the program's resources.
	Resources() []GoalResource
	// Inputs evaluates a resource's inputs; every resource it depends on
	// has been given to SetResource.
	Inputs(name string) (resource.PropertyMap, error)
	// SetResource records a resource's value: outputs over inputs, plus
	// "id" and "urn".
	SetResource(name string, value map[string]any)
	// Outputs evaluates the stack outputs.
	Outputs() (resource.PropertyMap, error)
}

// PlanRequest asks for a plan.
type PlanRequest struct {
	Operation Operation
	Project   string
	Stack     string
	// Source is the program; nil for destroy and refresh.
	Source    Source
	Snapshot  *state.Snapshot
	Providers *provider.Registry
	// Targets limits the operation to these resources and their dependents.
	Targets []resource.URN
}

// Step is one unit of work in a plan.
type Step struct {
	Kind StepKind
	URN  resource.URN
	Type string
	Name string
	Goal *GoalResource   // nil for deletes, reads and discards
	Old  *state.Resource // nil for creates and imports
	// Inputs are the planned inputs, with Unknown where a value only
	// exists after an earlier step.
	Inputs resource.PropertyMap
	// Outputs are the predicted outputs (Unknown where not predictable).
	Outputs resource.PropertyMap
	Diff    provider.DiffResponse
	// DeleteBeforeReplace makes a replace delete first.
	DeleteBeforeReplace bool
	// Deps are the URNs the new resource depends on.
	Deps []resource.URN
	// After are the indexes of steps that must finish first.
	After []int
	// Meta marks a same step whose inputs are unchanged but whose
	// state-only settings (protect, retainOnDelete, dependencies) changed:
	// nothing is called, but state must record it.
	Meta  bool
	index int
}

// Plan is an explicit graph of steps.
type Plan struct {
	Operation Operation
	Project   string
	Stack     string
	Steps     []*Step
	// Outputs are the predicted stack outputs (update only).
	Outputs   resource.PropertyMap
	source    Source
	snapshot  *state.Snapshot
	providers *provider.Registry
	byName    map[string]*Step
}

// Counts tallies the plan's steps by kind, counting a replacement once.
func (p *Plan) Counts() map[StepKind]int {
	c := map[StepKind]int{}
	for _, s := range p.Steps {
		if s.Kind == StepDeleteReplaced {
			continue
		}
		if s.Kind == StepDiscard {
			c[StepDelete]++
			continue
		}
		c[s.Kind]++
	}
	return c
}

// Work counts the steps that do something (every kind but same).
func (p *Plan) Work() int {
	n := 0
	for _, s := range p.Steps {
		if s.Kind != StepSame {
			n++
		}
	}
	return n
}

// HasChanges reports whether applying the plan would change anything.
func (p *Plan) HasChanges() bool {
	for _, s := range p.Steps {
		if s.Kind != StepSame && s.Kind != StepRead || s.Meta {
			return true
		}
		if s.Kind == StepRead && s.Diff.HasChanges() {
			return true
		}
	}
	if p.Operation == OpUpdate && p.snapshot != nil && !resource.Equal(map[string]any(p.snapshot.Outputs), map[string]any(p.Outputs)) {
		return len(p.snapshot.Outputs) != 0 || len(p.Outputs) != 0
	}
	return false
}

// PlanError is a problem found while planning: nothing has changed.
type PlanError struct {
	URN resource.URN
	Msg string
	// Protected is set when the plan would delete or replace a protected
	// resource.
	Protected bool
}

func (e *PlanError) Error() string {
	if e.URN == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s: %s", e.URN.Name(), e.Msg)
}

// NewPlan plans an operation. It calls providers' Check and Diff only.
func NewPlan(ctx context.Context, req PlanRequest) (*Plan, error) {
	p := &Plan{
		Operation: req.Operation, Project: req.Project, Stack: req.Stack,
		source: req.Source, snapshot: req.Snapshot, providers: req.Providers,
		byName: map[string]*Step{},
	}
	if p.snapshot == nil {
		p.snapshot = &state.Snapshot{}
	}
	var err error
	switch req.Operation {
	case OpUpdate:
		err = p.planUpdate(ctx, req.Targets)
	case OpDestroy:
		err = p.planDestroy(req.Targets)
	case OpRefresh:
		err = p.planRefresh()
	default:
		err = fmt.Errorf("unknown operation %q", req.Operation)
	}
	if err != nil {
		return nil, err
	}
	for i, s := range p.Steps {
		s.index = i
	}
	return p, nil
}

func (p *Plan) urn(typ, name string) resource.URN {
	return resource.NewURN(p.Stack, p.Project, typ, name)
}

func (p *Plan) add(s *Step) *Step {
	s.index = len(p.Steps)
	p.Steps = append(p.Steps, s)
	return s
}

// topo orders goals so that every resource comes after what it depends on,
// keeping declaration order otherwise. The program has already rejected
// cycles; one here is an internal error.
func topo(goals []GoalResource) ([]*GoalResource, error) {
	index := make(map[string]int, len(goals))
	for i := range goals {
		index[goals[i].Name] = i
	}
	out := make([]*GoalResource, 0, len(goals))
	state := make([]byte, len(goals)) // 0 new, 1 visiting, 2 done
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("dependency cycle through %s", goals[i].Name)
		case 2:
			return nil
		}
		state[i] = 1
		for _, d := range goals[i].Deps {
			j, ok := index[d]
			if !ok {
				return fmt.Errorf("%s depends on unknown resource %s", goals[i].Name, d)
			}
			if err := visit(j); err != nil {
				return err
			}
		}
		state[i] = 2
		out = append(out, &goals[i])
		return nil
	}
	for i := range goals {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// targetSet returns the targets plus every resource that depends on one,
// by name, using the program's dependencies (for up) or state's (for
// destroy). types gives each name's type. A target written as a URN must
// be this stack's URN of that resource: the name alone could pick a
// resource the URN does not mean (another stack's, or another type's).
func (p *Plan) targetSet(targets []resource.URN, deps map[string][]string, types map[string]string) (map[string]bool, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	set := map[string]bool{}
	for _, t := range targets {
		stack, project, typ, name, err := t.Parts()
		if err != nil {
			name = string(t) // a bare name is accepted too
		}
		_, ok := deps[name]
		if ok && err == nil && (stack != p.Stack || project != p.Project || typ != types[name]) {
			return nil, &PlanError{Msg: fmt.Sprintf("--target %s: no such resource in this stack (did you mean %s?)", t, resource.NewURN(p.Stack, p.Project, types[name], name))}
		}
		if !ok {
			return nil, &PlanError{Msg: fmt.Sprintf("--target %s: no such resource in this stack", t)}
		}
		set[name] = true
	}
	for changed := true; changed; {
		changed = false
		for n, ds := range deps {
			if set[n] {
				continue
			}
			for _, d := range ds {
				if set[d] {
					set[n], changed = true, true
					break
				}
			}
		}
	}
	return set, nil
}

func (p *Plan) planUpdate(ctx context.Context, targets []resource.URN) error {
	goals, err := topo(p.source.Resources())
	if err != nil {
		return err
	}
	live := map[resource.URN]*state.Resource{}
	for _, r := range p.snapshot.Resources {
		if !r.Delete {
			live[r.URN] = r
		}
	}
	depNames := map[string][]string{}
	types := map[string]string{}
	for _, g := range goals {
		depNames[g.Name] = g.Deps
		types[g.Name] = g.Type
	}
	for _, r := range p.snapshot.Resources {
		if _, ok := depNames[r.URN.Name()]; !ok {
			depNames[r.URN.Name()] = nil
			types[r.URN.Name()] = r.Type
		}
	}
	only, err := p.targetSet(targets, depNames, types)
	if err != nil {
		return err
	}
	wanted := map[resource.URN]bool{}
	for _, g := range goals {
		urn := p.urn(g.Type, g.Name)
		wanted[urn] = true
		old := live[urn]
		if old == nil {
			// a resource of the same name but another type is replaced
			for u, r := range live {
				if u.Name() == g.Name && !wanted[u] {
					old = r
					break
				}
			}
		}
		if only != nil && !only[g.Name] {
			if old == nil {
				continue // not targeted and not created: leave it out
			}
			s := p.add(&Step{Kind: StepSame, URN: old.URN, Type: old.Type, Name: g.Name, Goal: g, Old: old, Inputs: old.Inputs, Outputs: old.Outputs, Deps: old.Dependencies})
			p.byName[g.Name] = s
			wanted[old.URN] = true
			p.source.SetResource(g.Name, resourceValue(old.URN, old.ID, old.Inputs, old.Outputs))
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		s, err := p.planResource(ctx, g, urn, old)
		if err != nil {
			return err
		}
		if old != nil {
			wanted[old.URN] = true
		}
		for _, d := range g.Deps {
			ds, ok := p.byName[d]
			if !ok {
				return &PlanError{URN: urn, Msg: fmt.Sprintf("depends on %s, which is not targeted and does not exist yet (add --target for it)", d)}
			}
			s.After = append(s.After, ds.index)
			s.Deps = append(s.Deps, ds.URN)
		}
		if s.Kind == StepSame && old != nil {
			deps := slices.Compact(slices.Sorted(slices.Values(s.Deps)))
			s.Meta = old.Protect != g.Protect || old.RetainOnDelete != g.RetainOnDelete || !slices.Equal(old.Dependencies, deps)
		}
		p.byName[g.Name] = s
		id := ""
		if s.Old != nil && s.Kind != StepReplace {
			id = s.Old.ID
		}
		p.source.SetResource(g.Name, resourceValue(urn, idOrUnknown(id, s.Kind), s.Inputs, s.Outputs))
	}
	outs, err := p.source.Outputs()
	if err != nil {
		return err
	}
	p.Outputs = outs
	// Deletes: resources that left the program, and leftovers of earlier
	// replacements. They wait for every create and update.
	var gone []*state.Resource
	for _, r := range p.snapshot.Resources {
		if r.Delete || !wanted[r.URN] {
			if only != nil && !only[r.URN.Name()] && !r.Delete {
				continue
			}
			gone = append(gone, r)
		}
	}
	for _, s := range p.Steps {
		if s.Kind == StepReplace && !s.DeleteBeforeReplace {
			gone = append(gone, s.Old)
		}
	}
	return p.planDeletes(gone, true)
}

func idOrUnknown(id string, k StepKind) any {
	if id != "" {
		return id
	}
	return resource.Unknown{}
}

func resourceValue(urn resource.URN, id any, inputs, outputs resource.PropertyMap) map[string]any {
	v := make(map[string]any, len(inputs)+len(outputs)+2)
	for k, x := range inputs {
		v[k] = x
	}
	for k, x := range outputs {
		v[k] = x
	}
	v["id"] = id
	v["urn"] = string(urn)
	return v
}

// planResource chooses the step for one program resource.
func (p *Plan) planResource(ctx context.Context, g *GoalResource, urn resource.URN, old *state.Resource) (*Step, error) {
	prov, schema, err := p.providers.Resource(g.Type)
	if err != nil {
		return nil, &PlanError{URN: urn, Msg: err.Error()}
	}
	inputs, err := p.source.Inputs(g.Name)
	if err != nil {
		return nil, err
	}
	inputs, err = check(ctx, prov, g.Type, g.Name, inputs, oldInputs(old))
	if err != nil {
		return nil, &PlanError{URN: urn, Msg: err.Error()}
	}
	if old != nil && old.Type == g.Type {
		inputs = ignore(g, old, inputs)
	}
	s := &Step{URN: urn, Type: g.Type, Name: g.Name, Goal: g, Old: old, Inputs: inputs}
	switch {
	case old == nil && g.Import != "":
		s.Kind = StepImport
		s.Outputs = predictOutputs(schema, inputs, nil, nil)
	case old == nil:
		s.Kind = StepCreate
		s.Outputs = predictOutputs(schema, inputs, nil, nil)
	case old.Type != g.Type:
		s.Kind = StepReplace
		s.Diff = provider.DiffResponse{Changed: []string{"type"}, Replace: []string{"type"}}
		s.Outputs = predictOutputs(schema, inputs, nil, nil)
	default:
		d, err := diff(ctx, prov, schema, g, old, inputs)
		if err != nil {
			return nil, &PlanError{URN: urn, Msg: err.Error()}
		}
		s.Diff = d
		switch {
		case !d.HasChanges():
			s.Kind = StepSame
			s.Outputs = old.Outputs
		case len(d.Replace) > 0:
			s.Kind = StepReplace
			s.Outputs = predictOutputs(schema, inputs, nil, nil)
			s.DeleteBeforeReplace = g.DeleteBeforeReplace || d.DeleteBeforeReplace
		default:
			s.Kind = StepUpdate
			s.Outputs = predictOutputs(schema, inputs, old.Outputs, d.Changed)
		}
	}
	if s.Kind == StepReplace && old.Protect {
		return nil, &PlanError{URN: urn, Msg: fmt.Sprintf("is protected and would be replaced (because %s changed); run plinth state unprotect %s first", strings.Join(s.Diff.Replace, ", "), urn), Protected: true}
	}
	return p.add(s), nil
}

func oldInputs(old *state.Resource) resource.PropertyMap {
	if old == nil {
		return nil
	}
	return old.Inputs
}

// check runs the provider's Check on revealed inputs and puts the secret
// markers back.
func check(ctx context.Context, prov provider.Provider, typ, name string, inputs, olds resource.PropertyMap) (resource.PropertyMap, error) {
	plain, secret := resource.RevealMap(inputs)
	plainOld, _ := resource.RevealMap(olds)
	resp, err := prov.Check(ctx, provider.CheckRequest{Type: typ, Name: name, Inputs: plain, Olds: plainOld})
	if err != nil {
		return nil, err
	}
	if len(resp.Failures) > 0 {
		var msgs []string
		for _, f := range resp.Failures {
			msgs = append(msgs, f.Reason)
		}
		return nil, fmt.Errorf("invalid inputs: %s", strings.Join(msgs, "; "))
	}
	out := resp.Inputs
	if out == nil {
		out = plain
	}
	for _, k := range secret {
		if v, ok := out[k]; ok {
			out[k] = resource.MakeSecret(v)
		}
	}
	return out, nil
}

// ignore keeps the recorded value of every input named in ignoreChanges,
// so it is neither diffed nor written to state.
func ignore(g *GoalResource, old *state.Resource, inputs resource.PropertyMap) resource.PropertyMap {
	if old == nil || len(g.IgnoreChanges) == 0 {
		return inputs
	}
	out := make(resource.PropertyMap, len(inputs))
	for k, v := range inputs {
		out[k] = v
	}
	for _, k := range g.IgnoreChanges {
		if ov, ok := old.Inputs[k]; ok {
			out[k] = ov
		} else {
			delete(out, k)
		}
	}
	return out
}

// diff compares a resource's recorded inputs with new ones (after
// ignore), honouring replaceOnChanges.
func diff(ctx context.Context, prov provider.Provider, schema provider.ResourceSchema, g *GoalResource, old *state.Resource, inputs resource.PropertyMap) (provider.DiffResponse, error) {
	news := inputs
	var d provider.DiffResponse
	if hasUnknown(news) {
		// Providers see only known values: compare generically.
		d = provider.DiffInputs(schema, old.Inputs, news)
	} else {
		plainOld, _ := resource.RevealMap(old.Inputs)
		plainOut, _ := resource.RevealMap(old.Outputs)
		plainNew, _ := resource.RevealMap(news)
		var err error
		d, err = prov.Diff(ctx, provider.DiffRequest{Type: g.Type, ID: old.ID, OldInputs: plainOld, OldOutputs: plainOut, NewInputs: plainNew})
		if err != nil {
			return d, err
		}
		// A value that became secret (or stopped being) is a change to
		// record even when the plain value is the same.
		for k := range news {
			if resource.IsSecret(news[k]) != resource.IsSecret(old.Inputs[k]) && !slices.Contains(d.Changed, k) {
				d.Changed = append(d.Changed, k)
			}
		}
	}
	for _, k := range g.ReplaceOnChanges {
		if slices.Contains(d.Changed, k) && !slices.Contains(d.Replace, k) {
			d.Replace = append(d.Replace, k)
		}
	}
	sort.Strings(d.Changed)
	sort.Strings(d.Replace)
	return d, nil
}

func hasUnknown(m resource.PropertyMap) bool {
	for _, v := range m {
		if resource.IsUnknown(v) {
			return true
		}
	}
	return false
}

// predictOutputs guesses a step's outputs for preview: outputs that equal an
// input are that input; on an update, outputs computed only from unchanged
// inputs keep their value; everything else is unknown.
func predictOutputs(s provider.ResourceSchema, inputs, old resource.PropertyMap, changed []string) resource.PropertyMap {
	out := make(resource.PropertyMap, len(s.Outputs))
	for name, o := range s.Outputs {
		switch {
		case o.FromInput != "":
			if v, ok := inputs[o.FromInput]; ok {
				out[name] = v
			} else {
				out[name] = nil
			}
		case old != nil && len(o.DerivedFrom) > 0 && !intersects(o.DerivedFrom, changed):
			out[name] = old[name]
		default:
			out[name] = resource.Unknown{}
		}
	}
	return out
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// planDeletes adds delete steps for rs, ordered so that a resource is
// deleted only after everything that depends on it. With afterAll they
// also wait for every step planned so far.
func (p *Plan) planDeletes(rs []*state.Resource, afterAll bool) error {
	if len(rs) == 0 {
		return nil
	}
	var barrier []int
	if afterAll {
		for _, s := range p.Steps {
			if s.Kind != StepSame {
				barrier = append(barrier, s.index)
			}
		}
	}
	// Protected resources fail the plan before anything changes.
	for _, r := range rs {
		if r.Protect && !r.Delete {
			return &PlanError{URN: r.URN, Msg: fmt.Sprintf("is protected and would be deleted; run plinth state unprotect %s first", r.URN), Protected: true}
		}
	}
	steps := make(map[*state.Resource]*Step, len(rs))
	for _, r := range rs {
		kind := StepDelete
		if r.RetainOnDelete {
			kind = StepDiscard
		}
		if r.Delete || p.replaced(r) {
			kind = StepDeleteReplaced
		}
		steps[r] = p.add(&Step{Kind: kind, URN: r.URN, Type: r.Type, Name: r.URN.Name(), Old: r, Inputs: r.Inputs, Outputs: r.Outputs, After: slices.Clone(barrier)})
	}
	// r waits for the deletion of every resource being deleted that
	// depends on r.
	byURN := map[resource.URN][]*state.Resource{}
	for _, r := range rs {
		byURN[r.URN] = append(byURN[r.URN], r)
	}
	for _, r := range rs {
		for _, d := range r.Dependencies {
			for _, dep := range byURN[d] {
				if dep != r {
					steps[dep].After = append(steps[dep].After, steps[r].index)
				}
			}
		}
	}
	return nil
}

func (p *Plan) replaced(r *state.Resource) bool {
	for _, s := range p.Steps {
		if s.Kind == StepReplace && s.Old == r {
			return true
		}
	}
	return false
}

func (p *Plan) planDestroy(targets []resource.URN) error {
	deps := map[string][]string{}
	types := map[string]string{}
	for _, r := range p.snapshot.Resources {
		var ds []string
		for _, d := range r.Dependencies {
			ds = append(ds, d.Name())
		}
		deps[r.URN.Name()] = append(deps[r.URN.Name()], ds...)
		types[r.URN.Name()] = r.Type
	}
	only, err := p.targetSet(targets, deps, types)
	if err != nil {
		return err
	}
	var rs []*state.Resource
	for _, r := range p.snapshot.Resources {
		if only == nil || only[r.URN.Name()] {
			rs = append(rs, r)
		}
	}
	return p.planDeletes(rs, false)
}

func (p *Plan) planRefresh() error {
	for _, r := range p.snapshot.Resources {
		p.add(&Step{Kind: StepRead, URN: r.URN, Type: r.Type, Name: r.URN.Name(), Old: r, Inputs: r.Inputs, Outputs: r.Outputs})
	}
	return nil
}
