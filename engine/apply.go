package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/state"
)

// DefaultParallel is how many steps run at once unless told otherwise.
const DefaultParallel = 64

// ApplyOptions says how to run a plan.
type ApplyOptions struct {
	Parallel        int
	ContinueOnError bool
	Journal         Journal
	Events          EventSink
	Now             func() time.Time
	// Cancel, when closed, stops new steps from starting; steps in flight
	// finish and are recorded.
	Cancel <-chan struct{}
	// Hook is called at named points around provider calls
	// (provider.create, provider.created, provider.delete) so tests can
	// inject failures; nil in production.
	Hook func(point string) error
}

// StepError is a failed step.
type StepError struct {
	URN resource.URN
	Op  StepKind
	Err error
	// Journal is set when the failure was writing the journal, not the
	// provider operation.
	Journal bool
}

func (e *StepError) Error() string {
	if e.Journal {
		return fmt.Sprintf("recording %s of %s: %v", e.Op, e.URN.Name(), e.Err)
	}
	return fmt.Sprintf("%s %s: %v", e.Op, e.URN.Name(), e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// Result is what Apply did.
type Result struct {
	Counts    map[StepKind]int
	Failures  []*StepError
	Cancelled bool
	// Skipped counts steps that never ran because of a failure or cancel.
	Skipped int
	Outputs resource.PropertyMap
	// OutputsSet says whether stack outputs were recorded.
	OutputsSet bool
}

// Err summarises the failures, nil when there were none.
func (r *Result) Err() error {
	if len(r.Failures) == 0 {
		return nil
	}
	errs := make([]error, len(r.Failures))
	for i, f := range r.Failures {
		errs[i] = f
	}
	return errors.Join(errs...)
}

type executor struct {
	p       *Plan
	opts    ApplyOptions
	emitMu  sync.Mutex
	countMu sync.Mutex
	counts  map[StepKind]int
}

func (x *executor) emit(e Event) {
	if x.opts.Events == nil {
		return
	}
	e.Time = x.opts.Now()
	x.emitMu.Lock()
	defer x.emitMu.Unlock()
	x.opts.Events(e)
}

func (x *executor) hook(point string) error {
	if x.opts.Hook == nil {
		return nil
	}
	return x.opts.Hook(point)
}

func (x *executor) count(k StepKind) {
	x.countMu.Lock()
	x.counts[k]++
	x.countMu.Unlock()
}

// Apply executes the plan's steps, exactly.
func (p *Plan) Apply(ctx context.Context, opts ApplyOptions) *Result {
	if opts.Parallel <= 0 {
		opts.Parallel = DefaultParallel
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	x := &executor{p: p, opts: opts, counts: map[StepKind]int{}}
	res := &Result{}
	n := len(p.Steps)
	waiting := make([]int, n)
	dependents := make([][]int, n)
	for i, s := range p.Steps {
		after := slices.Compact(slices.Sorted(slices.Values(s.After)))
		waiting[i] = len(after)
		for _, a := range after {
			dependents[a] = append(dependents[a], i)
		}
	}
	ready := make([]int, 0, n)
	for i := range p.Steps {
		if waiting[i] == 0 {
			ready = append(ready, i)
		}
	}
	type done struct {
		i   int
		err *StepError
	}
	finished := make(chan done, opts.Parallel)
	skipped := make([]bool, n)
	running, completed := 0, 0
	stopped := false
	var skip func(i int)
	skip = func(i int) {
		if skipped[i] {
			return
		}
		skipped[i] = true
		res.Skipped++
		for _, d := range dependents[i] {
			skip(d)
		}
	}
	cancel := opts.Cancel
	for {
		for !stopped && running < opts.Parallel && len(ready) > 0 {
			i := ready[0]
			ready = ready[1:]
			if skipped[i] {
				continue
			}
			running++
			go func(i int) {
				finished <- done{i, x.run(ctx, p.Steps[i])}
			}(i)
		}
		if running == 0 {
			break
		}
		select {
		case d := <-finished:
			running--
			completed++
			if d.err != nil {
				res.Failures = append(res.Failures, d.err)
				if !opts.ContinueOnError || d.err.Journal {
					stopped = true
				}
				for _, dep := range dependents[d.i] {
					skip(dep)
				}
				continue
			}
			for _, dep := range dependents[d.i] {
				waiting[dep]--
				if waiting[dep] == 0 {
					ready = append(ready, dep)
				}
			}
		case <-cancel:
			cancel = nil
			stopped = true
			res.Cancelled = true
		case <-ctx.Done():
			stopped = true
			res.Cancelled = true
		}
	}
	for i := range p.Steps {
		if waiting[i] > 0 && !skipped[i] {
			res.Skipped++
		}
	}
	for _, i := range ready {
		if !skipped[i] {
			res.Skipped++ // ready but never started
		}
	}
	res.Counts = x.counts
	if p.Operation == OpUpdate && len(res.Failures) == 0 && !res.Cancelled {
		if err := x.setOutputs(res); err != nil {
			res.Failures = append(res.Failures, err)
		}
	}
	return res
}

func (x *executor) setOutputs(res *Result) *StepError {
	outs, err := x.p.source.Outputs()
	if err != nil {
		return &StepError{URN: "outputs", Op: "evaluate", Err: err}
	}
	res.Outputs = outs
	if resource.Equal(map[string]any(outs), map[string]any(x.p.snapshot.Outputs)) {
		return nil
	}
	b := &state.Entry{Kind: state.Begin, Op: state.OpSet, SetOutputs: true, StackOutputs: outs, Time: x.opts.Now()}
	if err := x.opts.Journal.Append(b); err != nil {
		return &StepError{URN: "outputs", Op: "record", Err: err, Journal: true}
	}
	if err := x.opts.Journal.Append(&state.Entry{Kind: state.Success, Op: state.OpSet, Begin: b.Seq, Time: x.opts.Now()}); err != nil {
		return &StepError{URN: "outputs", Op: "record", Err: err, Journal: true}
	}
	res.OutputsSet = true
	return nil
}

// run executes one step.
func (x *executor) run(ctx context.Context, s *Step) *StepError {
	start := x.opts.Now()
	info := &StepInfo{Op: s.Kind, URN: s.URN, Type: s.Type, Name: s.Name, New: s.Inputs, Changed: s.Diff.Changed, Replace: s.Diff.Replace}
	if s.Old != nil {
		info.Old = s.Old.Inputs
	}
	var err *StepError
	var outputs resource.PropertyMap
	announce := func(inputs resource.PropertyMap) {
		info.New = inputs
		x.emit(Event{Type: EventResourcePre, Step: info})
	}
	switch s.Kind {
	case StepSame:
		err = x.same(s)
		if err == nil {
			x.count(StepSame)
		}
		return err
	case StepCreate, StepReplace, StepImport, StepUpdate:
		var k StepKind
		outputs, k, err = x.createOrUpdate(ctx, s, announce)
		if err == nil {
			x.count(k)
			if k == StepSame {
				return nil
			}
		}
	case StepDelete, StepDeleteReplaced:
		announce(nil)
		err = x.delete(ctx, s, s.Old)
		if err == nil && s.Kind == StepDelete {
			x.count(StepDelete)
		}
	case StepDiscard:
		announce(nil)
		err = x.record(s, state.OpDiscard, &state.Entry{URN: s.URN, Type: s.Type, ID: s.Old.ID}, nil)
		if err == nil {
			x.count(StepDelete)
		}
	case StepRead:
		var changed bool
		outputs, changed, err = x.read(ctx, s)
		if err == nil {
			if changed {
				x.count(StepRead)
				info.Changed = s.Diff.Changed
				x.emit(Event{Type: EventResourcePre, Step: info})
			} else {
				x.count(StepSame)
				return nil
			}
		}
	}
	info.Duration = x.opts.Now().Sub(start)
	if err != nil {
		info.Error = err.Err.Error()
		x.emit(Event{Type: EventResourceFailed, Step: info})
		return err
	}
	info.Outputs = outputs
	x.emit(Event{Type: EventResourceOutputs, Step: info})
	return nil
}

// same records a resource whose inputs did not change, and any change to
// what only state knows (dependencies, protect, retainOnDelete).
func (x *executor) same(s *Step) *StepError {
	old := s.Old
	x.p.source.SetResource(s.Name, resourceValue(old.URN, old.ID, old.Inputs, old.Outputs))
	if s.Goal == nil {
		return nil
	}
	deps := x.depURNs(s)
	if old.Protect == s.Goal.Protect && old.RetainOnDelete == s.Goal.RetainOnDelete && slices.Equal(old.Dependencies, deps) {
		return nil
	}
	e := &state.Entry{URN: old.URN, Type: old.Type, ID: old.ID, Inputs: old.Inputs, Outputs: old.Outputs,
		Dependencies: deps, Protect: s.Goal.Protect, RetainOnDelete: s.Goal.RetainOnDelete}
	return x.record(s, state.OpSet, e, nil)
}

func (x *executor) depURNs(s *Step) []resource.URN {
	if len(s.Deps) == 0 {
		return nil
	}
	deps := slices.Clone(s.Deps)
	slices.Sort(deps)
	return slices.Compact(deps)
}

// record journals an operation that needs no provider call.
func (x *executor) record(s *Step, op state.Op, b *state.Entry, outputs resource.PropertyMap) *StepError {
	b.Kind, b.Op, b.Time = state.Begin, op, x.opts.Now()
	if err := x.opts.Journal.Append(b); err != nil {
		return &StepError{URN: s.URN, Op: s.Kind, Err: err, Journal: true}
	}
	if err := x.opts.Journal.Append(&state.Entry{Kind: state.Success, Op: op, Begin: b.Seq, ID: b.ID, Outputs: outputs, Time: x.opts.Now()}); err != nil {
		return &StepError{URN: s.URN, Op: s.Kind, Err: err, Journal: true}
	}
	return nil
}

// call journals begin, runs fn, and journals its end. The end entry is
// durable before call returns.
func (x *executor) call(s *Step, b *state.Entry, fn func() (id string, inputs, outputs resource.PropertyMap, err error)) (string, resource.PropertyMap, *StepError) {
	b.Kind, b.Time = state.Begin, x.opts.Now()
	if err := x.opts.Journal.Append(b); err != nil {
		return "", nil, &StepError{URN: s.URN, Op: s.Kind, Err: err, Journal: true}
	}
	id, inputs, outputs, err := fn()
	if err != nil {
		// Provider errors quote what failed (a command's stderr, a
		// path): never a secret of this resource.
		var old []resource.PropertyMap
		if s.Old != nil {
			old = append(old, s.Old.Inputs, s.Old.Outputs)
		}
		err = maskSecrets(err, append(old, b.Inputs, s.Inputs)...)
	}
	if err == nil && b.Op == state.OpCreate {
		err = x.hook("provider.created")
	}
	end := &state.Entry{Op: b.Op, Begin: b.Seq, ID: id, Inputs: inputs, Outputs: outputs, Time: x.opts.Now()}
	if err != nil {
		end.Kind, end.Error = state.Failure, err.Error()
		end.ID, end.Inputs, end.Outputs = "", nil, nil
		if jerr := x.opts.Journal.Append(end); jerr != nil {
			return "", nil, &StepError{URN: s.URN, Op: s.Kind, Err: errors.Join(err, jerr), Journal: true}
		}
		return "", nil, &StepError{URN: s.URN, Op: s.Kind, Err: err}
	}
	end.Kind = state.Success
	if err := x.opts.Journal.Append(end); err != nil {
		return "", nil, &StepError{URN: s.URN, Op: s.Kind, Err: err, Journal: true}
	}
	return id, outputs, nil
}

func (x *executor) createOrUpdate(ctx context.Context, s *Step, announce func(resource.PropertyMap)) (resource.PropertyMap, StepKind, *StepError) {
	fail := func(err error) (resource.PropertyMap, StepKind, *StepError) {
		return nil, s.Kind, &StepError{URN: s.URN, Op: s.Kind, Err: err}
	}
	prov, schema, err := x.p.providers.Resource(s.Type)
	if err != nil {
		return fail(err)
	}
	inputs := s.Inputs
	if hasUnknown(inputs) {
		if inputs, err = x.p.source.Inputs(s.Name); err != nil {
			return fail(err)
		}
		if inputs, err = check(ctx, prov, s.Type, s.Name, inputs, oldInputs(s.Old)); err != nil {
			return fail(err)
		}
		if hasUnknown(inputs) {
			return fail(fmt.Errorf("inputs are still unknown after the resources they depend on were applied"))
		}
		if s.Kind == StepUpdate {
			inputs = ignore(s.Goal, s.Old, inputs)
		}
	}
	kind := s.Kind
	if kind == StepUpdate {
		// Unknowns are now known: re-check the planned diff. Fewer
		// changes are fine; a replacement the plan did not show is not.
		d, err := diff(ctx, prov, schema, s.Goal, s.Old, inputs)
		if err != nil {
			return fail(err)
		}
		if !d.HasChanges() {
			old := s.Old
			x.p.source.SetResource(s.Name, resourceValue(old.URN, old.ID, old.Inputs, old.Outputs))
			return old.Outputs, StepSame, x.same(&Step{Kind: StepSame, URN: s.URN, Name: s.Name, Goal: s.Goal, Old: old, Deps: s.Deps})
		}
		if len(d.Replace) > 0 {
			return fail(fmt.Errorf("the plan said update, but now that earlier steps ran it needs a replacement (%v); run preview again", d.Replace))
		}
		s.Diff = d
	}
	announce(inputs)
	plain, secretIn := resource.RevealMap(inputs)
	deps := x.depURNs(s)
	b := &state.Entry{URN: s.URN, Type: s.Type, Inputs: inputs, Dependencies: deps, Protect: s.Goal.Protect, RetainOnDelete: s.Goal.RetainOnDelete}
	var outputs resource.PropertyMap
	var id string
	var serr *StepError
	switch kind {
	case StepCreate:
		b.Op = state.OpCreate
		id, outputs, serr = x.call(s, b, func() (string, resource.PropertyMap, resource.PropertyMap, error) {
			if err := x.hook("provider.create"); err != nil {
				return "", nil, nil, err
			}
			r, err := prov.Create(ctx, provider.CreateRequest{Type: s.Type, Name: s.Name, Inputs: plain})
			return r.ID, nil, MarkSecrets(schema, secretIn, r.Outputs), nonEmptyID(r.ID, err)
		})
	case StepImport:
		b.Op, b.ID = state.OpImport, s.Goal.Import
		id, outputs, serr = x.call(s, b, func() (string, resource.PropertyMap, resource.PropertyMap, error) {
			r, err := prov.Read(ctx, provider.ReadRequest{Type: s.Type, ID: s.Goal.Import})
			if err == nil && r.Gone {
				err = fmt.Errorf("cannot import: no %s with ID %q exists", s.Type, s.Goal.Import)
			}
			return s.Goal.Import, nil, MarkSecrets(schema, secretIn, r.Outputs), err
		})
	case StepUpdate:
		b.Op, b.ID = state.OpUpdate, s.Old.ID
		oldIn, _ := resource.RevealMap(s.Old.Inputs)
		oldOut, _ := resource.RevealMap(s.Old.Outputs)
		id, outputs, serr = x.call(s, b, func() (string, resource.PropertyMap, resource.PropertyMap, error) {
			r, err := prov.Update(ctx, provider.UpdateRequest{Type: s.Type, ID: s.Old.ID, OldInputs: oldIn, OldOutputs: oldOut, NewInputs: plain})
			return s.Old.ID, nil, MarkSecrets(schema, secretIn, r.Outputs), err
		})
	case StepReplace:
		if s.DeleteBeforeReplace {
			if serr = x.delete(ctx, s, s.Old); serr != nil {
				return nil, kind, serr
			}
		} else {
			b.Replace = true
		}
		b.Op = state.OpCreate
		id, outputs, serr = x.call(s, b, func() (string, resource.PropertyMap, resource.PropertyMap, error) {
			r, err := prov.Create(ctx, provider.CreateRequest{Type: s.Type, Name: s.Name, Inputs: plain})
			return r.ID, nil, MarkSecrets(schema, secretIn, r.Outputs), nonEmptyID(r.ID, err)
		})
	}
	if serr != nil {
		return nil, kind, serr
	}
	x.p.source.SetResource(s.Name, resourceValue(s.URN, id, inputs, outputs))
	return outputs, kind, nil
}

func nonEmptyID(id string, err error) error {
	if err == nil && id == "" {
		return fmt.Errorf("provider returned no ID")
	}
	return err
}

func (x *executor) delete(ctx context.Context, s *Step, old *state.Resource) *StepError {
	prov, _, err := x.p.providers.Resource(old.Type)
	if err != nil {
		return &StepError{URN: s.URN, Op: s.Kind, Err: err}
	}
	in, _ := resource.RevealMap(old.Inputs)
	out, _ := resource.RevealMap(old.Outputs)
	_, _, serr := x.call(s, &state.Entry{Op: state.OpDelete, URN: old.URN, Type: old.Type, ID: old.ID}, func() (string, resource.PropertyMap, resource.PropertyMap, error) {
		if err := x.hook("provider.delete"); err != nil {
			return "", nil, nil, err
		}
		_, err := prov.Delete(ctx, provider.DeleteRequest{Type: old.Type, ID: old.ID, Inputs: in, Outputs: out})
		return "", nil, nil, err
	})
	return serr
}

// read refreshes one resource: what the provider reads back replaces what
// state recorded, and a resource that is gone is forgotten.
func (x *executor) read(ctx context.Context, s *Step) (resource.PropertyMap, bool, *StepError) {
	old := s.Old
	prov, schema, err := x.p.providers.Resource(old.Type)
	if err != nil {
		return nil, false, &StepError{URN: s.URN, Op: s.Kind, Err: err}
	}
	in, secretIn := resource.RevealMap(old.Inputs)
	out, _ := resource.RevealMap(old.Outputs)
	r, err := prov.Read(ctx, provider.ReadRequest{Type: old.Type, ID: old.ID, Inputs: in, Outputs: out})
	if err != nil {
		return nil, false, &StepError{URN: s.URN, Op: s.Kind, Err: err}
	}
	if r.Gone {
		s.Diff = provider.DiffResponse{Changed: []string{"(deleted)"}}
		serr := x.record(s, state.OpDiscard, &state.Entry{URN: old.URN, Type: old.Type, ID: old.ID}, nil)
		return nil, true, serr
	}
	newIn := r.Inputs
	if newIn == nil {
		newIn = in
	}
	for _, k := range secretIn {
		if v, ok := newIn[k]; ok {
			newIn[k] = resource.MakeSecret(v)
		}
	}
	newOut := MarkSecrets(schema, secretIn, r.Outputs)
	if resource.Equal(map[string]any(newIn), map[string]any(old.Inputs)) && resource.Equal(map[string]any(newOut), map[string]any(old.Outputs)) {
		return nil, false, nil
	}
	d := provider.DiffInputs(schema, old.Inputs, newIn)
	for k := range newOut {
		if !resource.Equal(newOut[k], old.Outputs[k]) && !slices.Contains(d.Changed, k) {
			d.Changed = append(d.Changed, k)
		}
	}
	slices.Sort(d.Changed)
	s.Diff = d
	b := &state.Entry{Op: state.OpRead, URN: old.URN, Type: old.Type, ID: old.ID, Inputs: newIn}
	b.Kind, b.Time = state.Begin, x.opts.Now()
	if err := x.opts.Journal.Append(b); err != nil {
		return nil, false, &StepError{URN: s.URN, Op: s.Kind, Err: err, Journal: true}
	}
	if err := x.opts.Journal.Append(&state.Entry{Kind: state.Success, Op: state.OpRead, Begin: b.Seq, Outputs: newOut, Time: x.opts.Now()}); err != nil {
		return nil, false, &StepError{URN: s.URN, Op: s.Kind, Err: err, Journal: true}
	}
	return newOut, true, nil
}

// MarkSecrets re-marks a provider's plain outputs: secret when the schema
// says so, when an input of the same name was secret, or when any input
// it is derived from was.
func MarkSecrets(schema provider.ResourceSchema, secretIn []string, outputs resource.PropertyMap) resource.PropertyMap {
	if outputs == nil {
		return nil
	}
	out := make(resource.PropertyMap, len(outputs))
	for k, v := range outputs {
		p := schema.Outputs[k]
		if p.Secret || slices.Contains(secretIn, k) || slices.Contains(secretIn, p.FromInput) || intersects(p.DerivedFrom, secretIn) {
			v = resource.MakeSecret(v)
		}
		out[k] = v
	}
	return out
}
