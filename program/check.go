package program

import (
	"slices"
	"sort"
	"strings"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
)

// builtins are the names under ${plinth.…}.
func builtins() []string { return []string{"stack", "project", "cwd"} }

// bind resolves the root of a reference. The root is the longest run of
// leading bare names that, joined with dots, is a declared name, so a
// resource may be called web.server and still be referenced.
func (l *loader) bind(x *refExpr) {
	elems := x.syn.elems
	if elems[0].key == "plinth" {
		l.bindBuiltin(x)
		return
	}
	n := 1
	if l.dotted {
		for n < len(elems) && elems[n].bare {
			n++
		}
	}
	for k := n; k >= 1; k-- {
		name := elems[0].key
		if k > 1 {
			keys := make([]string, k)
			for i := range keys {
				keys[i] = elems[i].key
			}
			name = strings.Join(keys, ".")
		}
		info, ok := l.names[name]
		if !ok {
			continue
		}
		x.kind, x.name, x.path, x.v, x.r = info.kind, name, elems[k:], info.v, info.r
		if x.kind == refResource {
			l.checkResourcePath(x)
		}
		return
	}
	l.errs.add(x.p, "${%s}: no config key, variable or resource is called %q%s", x.syn.src, elems[0].key, suggest(elems[0].key, l.declaredNames()))
}

func (l *loader) declaredNames() []string {
	if l.nameList == nil {
		for n := range l.names {
			l.nameList = append(l.nameList, n)
		}
		l.nameList = append(l.nameList, "plinth")
		sort.Strings(l.nameList)
	}
	return l.nameList
}

func (l *loader) bindBuiltin(x *refExpr) {
	elems := x.syn.elems
	if len(elems) < 2 || elems[1].isIndex {
		l.errs.add(x.p, "${%s}: plinth is not a value: use ${plinth.stack}, ${plinth.project} or ${plinth.cwd}", x.syn.src)
		return
	}
	name := elems[1].key
	if !slices.Contains(builtins(), name) {
		l.errs.add(x.p, "${%s}: unknown built-in plinth.%s (want plinth.stack, plinth.project or plinth.cwd)%s", x.syn.src, name, suggest(name, builtins()))
		return
	}
	x.kind, x.name, x.path = refBuiltin, name, elems[2:]
	if len(x.path) > 0 {
		l.errs.errs = append(l.errs.errs, x.errorf("cannot walk into plinth.%s: it is a string", name))
	}
}

// checkResourcePath checks the first step into a resource against its
// schema: a misspelt output is a load error, not a surprise during up.
func (l *loader) checkResourcePath(x *refExpr) {
	if len(x.path) == 0 {
		return
	}
	first := x.path[0]
	switch {
	case first.isIndex:
		l.errs.errs = append(l.errs.errs, x.errorf("%s is a resource: use .property, not [%d]", x.name, first.index))
	case first.key == "id" || first.key == "urn":
		if len(x.path) > 1 {
			l.errs.errs = append(l.errs.errs, x.errorf("cannot walk into %s.%s: it is a string", x.name, first.key))
		}
	case x.r.schema != nil && !x.r.declares(first.key):
		names := []string{"id", "urn"}
		names = append(names, sortedKeys(x.r.schema.Inputs)...)
		names = append(names, sortedKeys(x.r.schema.Outputs)...)
		l.errs.errs = append(l.errs.errs, x.errorf("%s has no property %q%s", x.r.Type, first.key, suggest(first.key, names)))
	}
}

// checkAll computes what is known at load time of every variable, resource
// and output, which checks function arguments and paths into literals, and
// checks resource properties against their schemas.
func (l *loader) checkAll() {
	l.varState = make([]uint8, len(l.prog.vars))
	l.varStatic = make([]any, len(l.prog.vars))
	for _, v := range l.prog.vars {
		l.staticVar(v)
	}
	for _, r := range l.prog.Resources {
		l.checkResource(r)
	}
	for _, o := range l.prog.outputs {
		o.static(l)
	}
}

func (l *loader) staticVar(v *variable) any {
	const (
		unvisited = iota
		visiting
		done
	)
	switch l.varState[v.index] {
	case visiting:
		return resource.Unknown{} // a cycle, reported by graph
	case done:
		return l.varStatic[v.index]
	}
	l.varState[v.index] = visiting
	s := v.value.static(l)
	l.varStatic[v.index], l.varState[v.index] = s, done
	return s
}

// staticWalk walks a path into a load-time value, reporting steps that
// cannot work whatever the stack.
func (l *loader) staticWalk(x *refExpr, v any, path []pathElem, done int) any {
	if len(path) == 0 {
		return v
	}
	out, err := x.walk(v, path, done)
	if err != nil {
		l.errs.errs = append(l.errs.errs, err.(*Error))
		return resource.Unknown{}
	}
	return out
}

// staticPath is what is known at load time of ${r.path}: the resource
// itself is a map, id and urn are strings, and a property has its
// schema's type.
func (r *Resource) staticPath(path []pathElem) any {
	if len(path) == 0 {
		return typed{provider.TypeMap}
	}
	if len(path) != 1 || path[0].isIndex {
		return resource.Unknown{}
	}
	k := path[0].key
	if k == "id" || k == "urn" {
		return typed{provider.TypeString}
	}
	if r.schema == nil {
		return resource.Unknown{}
	}
	p, ok := r.schema.Outputs[k]
	if !ok {
		p, ok = r.schema.Inputs[k]
	}
	if !ok || p.Type == "" || p.Type == provider.TypeAny {
		return resource.Unknown{}
	}
	return typed{p.Type}
}

// checkResource checks a resource's properties against its schema.
// Values not known at load time pass, except that their type is checked
// when it is known (a typed config key, an interpolated string).
func (l *loader) checkResource(r *Resource) {
	var inputs map[string]any
	switch x := r.props.(type) {
	case *literalExpr:
		inputs, _ = x.v.(map[string]any)
	case *mapExpr:
		inputs = make(map[string]any, len(x.entries))
		for _, en := range x.entries {
			st := en.val.static(l)
			if r.schema != nil {
				if p, ok := r.schema.Inputs[en.key]; ok && (p.Type == "" || p.Type == provider.TypeAny) {
					st = resource.Unknown{} // nothing to check
				}
			}
			inputs[en.key] = placeholder(st)
		}
	}
	for _, d := range r.dependsOn {
		switch {
		case d.kind == refUnbound:
		case d.kind != refResource:
			l.errs.errs = append(l.errs.errs, d.errorf("dependsOn needs a resource, and %s is %s", d.syn.src, kindArticle(d.kind)))
		case len(d.path) > 0:
			l.errs.errs = append(l.errs.errs, d.errorf("dependsOn needs the resource itself: write ${%s}", d.name))
		case !slices.Contains(r.Options.DependsOn, d.name):
			r.Options.DependsOn = append(r.Options.DependsOn, d.name)
		}
	}
	if r.schema == nil {
		return
	}
	_, fails := provider.CheckInputs(*r.schema, inputs)
	for _, f := range fails {
		pp, written := r.findProp(f.Property)
		switch {
		case !written:
			l.errs.add(r.propsPos, "resource %q (%s): %s", r.Name, r.Type, f.Reason)
		case !hasInput(r.schema, f.Property):
			l.errs.add(pp.key, "%s", f.Reason)
		default:
			l.errs.add(pp.value, "%s", f.Reason)
		}
	}
}

func hasInput(s *provider.ResourceSchema, k string) bool {
	_, ok := s.Inputs[k]
	return ok
}

// placeholder replaces typed values with a value of their type, so that
// provider.CheckInputs, which checks concrete values, checks their type.
func placeholder(v any) any {
	switch t := v.(type) {
	case typed:
		switch t.typ {
		case provider.TypeString:
			return ""
		case provider.TypeInteger:
			return int64(0)
		case provider.TypeNumber:
			return 0.5
		case provider.TypeBoolean:
			return false
		case provider.TypeList:
			return []any{}
		case provider.TypeMap:
			return map[string]any{}
		}
		return resource.Unknown{}
	case resource.Secret:
		return resource.Secret{Value: placeholder(t.Value)}
	case []any:
		if known(t) {
			return t
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = placeholder(e)
		}
		return out
	case map[string]any:
		if known(t) {
			return t
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = placeholder(e)
		}
		return out
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
