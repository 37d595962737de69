package program

import (
	"fmt"
	"maps"
	"sync"

	"github.com/plinth-iac/plinth/resource"
)

// Env is what expressions can see beyond the program.
type Env struct {
	Stack   string
	Project string // "" means the project's name
	Cwd     string // ${plinth.cwd}; "" means the project directory
	// Config is the project's config, from ResolveConfig.
	Config map[string]any
	// ReadFile reads a file for fn::readFile; nil reads from disk. Paths
	// are already made absolute against the project directory.
	ReadFile func(path string) ([]byte, error)
	// StackOutput reads another stack's output for fn::stackOutput; nil
	// makes fn::stackOutput an error.
	StackOutput func(stack, output string) (any, error)
}

// Evaluator evaluates a program's expressions against the values of its
// resources as the engine learns them. It is safe for concurrent use.
//
// Values returned share structure with the program's literals and with
// the values given to SetResource: treat all of them as immutable.
type Evaluator struct {
	p   *Program
	env Env

	mu        sync.RWMutex
	resources map[string]map[string]any

	vars []varMemo
}

// varMemo holds a variable's value once computed. Its mutex is held while
// the variable is evaluated, so a variable is computed once even when
// several resources need it at the same time; variables form a DAG, so
// these locks are always taken in dependency order.
type varMemo struct {
	mu   sync.Mutex
	done bool
	v    any
}

// NewEvaluator returns an evaluator for p in env.
func (p *Program) NewEvaluator(env Env) *Evaluator {
	if env.Project == "" {
		env.Project = p.Project.Name
	}
	if env.Cwd == "" {
		env.Cwd = p.Project.Dir
	}
	return &Evaluator{
		p:         p,
		env:       env,
		resources: make(map[string]map[string]any, len(p.Resources)),
		vars:      make([]varMemo, len(p.vars)),
	}
}

// SetResource records a resource's value once the engine knows it: its
// outputs merged over its inputs, with "id" and "urn". During preview
// values may contain resource.Unknown. Setting a resource again (after a
// replace, say) makes variables that depend on it be evaluated afresh.
func (e *Evaluator) SetResource(name string, value map[string]any) {
	e.mu.Lock()
	e.resources[name] = value
	e.mu.Unlock()
	for _, i := range e.p.varsByResource[name] {
		m := &e.vars[i]
		m.mu.Lock()
		m.done, m.v = false, nil
		m.mu.Unlock()
	}
}

func (e *Evaluator) resource(name string) (map[string]any, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	v, ok := e.resources[name]
	return v, ok
}

// variable evaluates a variable once and remembers its value. Errors are
// not remembered: a variable that needs a resource not set yet can be
// evaluated again later.
func (e *Evaluator) variable(v *variable) (any, error) {
	m := &e.vars[v.index]
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done {
		return m.v, nil
	}
	val, err := v.value.eval(e)
	if err != nil {
		return nil, err
	}
	m.v, m.done = val, true
	return val, nil
}

func (e *Evaluator) builtin(name string) string {
	switch name {
	case "stack":
		return e.env.Stack
	case "project":
		return e.env.Project
	}
	return e.env.Cwd
}

// Inputs evaluates the properties of resource name. Every resource in its
// Deps must have been given to SetResource. Errors are *Error at the
// expression that failed. The returned map is the caller's; the values in
// it are shared (see Evaluator).
func (e *Evaluator) Inputs(name string) (resource.PropertyMap, error) {
	r, ok := e.p.byName[name]
	if !ok {
		return nil, fmt.Errorf("the program has no resource %q", name)
	}
	if r.props == nil {
		return resource.PropertyMap{}, nil
	}
	v, err := r.props.eval(e)
	if err != nil {
		return nil, err
	}
	return maps.Clone(v.(map[string]any)), nil
}

// Outputs evaluates the outputs: section. The error is the first output's
// that failed, an *Error.
func (e *Evaluator) Outputs() (map[string]any, error) {
	out := make(map[string]any, len(e.p.outputs))
	for i, x := range e.p.outputs {
		v, err := x.eval(e)
		if err != nil {
			return nil, err
		}
		out[e.p.Outputs[i]] = v
	}
	return out, nil
}
