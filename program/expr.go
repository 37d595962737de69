package program

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/plinth-iac/plinth/resource"
)

// An expr is a parsed value of a program: a literal, a list or map of
// expressions, a ${…} reference, an interpolated string or a function
// call. Loading builds the tree once; evaluation walks it.
type expr interface {
	// eval computes the value. Errors are *Error at the failing
	// expression.
	eval(e *Evaluator) (any, error)
	// static computes what is known at load time (see typed), reporting
	// problems found on the way to l.
	static(l *loader) any
}

// typed stands, at load time, for a value whose type is known but whose
// value is not (a config key declared with a type, an interpolation).
// resource.Unknown stands for a value of any type.
type typed struct{ typ string }

// literalExpr is a value with nothing to evaluate. Lists and maps made only
// of literals are folded into one literalExpr.
type literalExpr struct {
	p position
	v any
}

func (x *literalExpr) eval(*Evaluator) (any, error) { return x.v, nil }
func (x *literalExpr) static(*loader) any           { return x.v }

type listExpr struct {
	p     position
	items []expr
}

func (x *listExpr) eval(e *Evaluator) (any, error) {
	out := make([]any, len(x.items))
	for i, item := range x.items {
		v, err := item.eval(e)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (x *listExpr) static(l *loader) any {
	out := make([]any, len(x.items))
	for i, item := range x.items {
		out[i] = item.static(l)
	}
	return out
}

type mapExpr struct {
	p       position
	entries []mapEntry
}

type mapEntry struct {
	key string
	val expr
	lit any // the value while building, when val is nil
}

func (x *mapExpr) eval(e *Evaluator) (any, error) {
	out := make(map[string]any, len(x.entries))
	for _, en := range x.entries {
		v, err := en.val.eval(e)
		if err != nil {
			return nil, err
		}
		out[en.key] = v
	}
	return out, nil
}

func (x *mapExpr) static(l *loader) any {
	out := make(map[string]any, len(x.entries))
	for _, en := range x.entries {
		out[en.key] = en.val.static(l)
	}
	return out
}

// refKind says what the root name of a reference is.
type refKind uint8

const (
	refUnbound refKind = iota
	refConfig
	refVariable
	refResource
	refBuiltin
)

// refExpr is ${root.path…}. Loading binds the root to a config key,
// variable, resource or plinth.* built-in.
type refExpr struct {
	p    position
	syn  *refSyntax
	kind refKind
	name string     // the root name (for built-ins: stack, project or cwd)
	path []pathElem // the path after the root
	v    *variable
	r    *Resource
}

func (x *refExpr) errorf(format string, args ...any) *Error {
	return x.p.errorf("${%s}: %s", x.syn.src, fmt.Sprintf(format, args...))
}

func (x *refExpr) eval(e *Evaluator) (any, error) {
	switch x.kind {
	case refConfig:
		v, ok := e.env.Config[x.name]
		if !ok {
			return nil, x.errorf("config %q has no value", x.name)
		}
		return x.walk(v, x.path, x.rootLen())
	case refVariable:
		v, err := e.variable(x.v)
		if err != nil {
			return nil, err
		}
		return x.walk(v, x.path, x.rootLen())
	case refResource:
		v, ok := e.resource(x.name)
		if !ok {
			return nil, x.errorf("resource %q has no value yet", x.name)
		}
		return x.walkResource(v)
	case refBuiltin:
		return e.builtin(x.name), nil
	}
	return nil, x.errorf("unresolved reference")
}

// walkResource walks into a resource's value. A property the value lacks
// is unknown while the resource is being created or updated (its id is
// unknown); after that it is null when the schema declares it, an error
// otherwise.
func (x *refExpr) walkResource(v map[string]any) (any, error) {
	if len(x.path) == 0 {
		return v, nil
	}
	first := x.path[0]
	if first.isIndex {
		return nil, x.errorf("%s is a resource: use .property, not [%d]", x.name, first.index)
	}
	val, ok := v[first.key]
	if !ok {
		switch {
		case resource.IsUnknown(v["id"]):
			return resource.Unknown{}, nil
		case !x.r.declares(first.key):
			return nil, x.errorf("resource %s has no property %q", x.name, first.key)
		}
		val = nil
	}
	return x.walk(val, x.path[1:], x.rootLen()+1)
}

// walk follows path into v. done is how many elements of the written
// reference lead to v, for messages. Secrets on the way make the result
// secret; an unknown on the way makes it unknown.
func (x *refExpr) walk(v any, path []pathElem, done int) (any, error) {
	secret := false
	for i, el := range path {
		if s, ok := v.(resource.Secret); ok {
			v, secret = s.Value, true
		}
		here := done + i
		switch t := v.(type) {
		case resource.Unknown:
			return wrapSecret(t, secret), nil
		case typed: // only at load time
			switch {
			case t.typ == "list" && !el.isIndex:
				return nil, x.errorf("%s is a list: use [index], not .%s", x.pathText(here), el.key)
			case t.typ == "map" && el.isIndex:
				return nil, x.errorf("%s is a map: use .key or [\"key\"], not [%d]", x.pathText(here), el.index)
			case t.typ != "list" && t.typ != "map":
				return nil, x.errorf("cannot walk into %s: it is %s", x.pathText(here), article(t.typ))
			}
			return wrapSecret(resource.Unknown{}, secret), nil
		case map[string]any:
			if el.isIndex {
				return nil, x.errorf("%s is a map: use .key or [\"key\"], not [%d]", x.pathText(here), el.index)
			}
			next, ok := t[el.key]
			if !ok {
				return nil, x.errorf("%s has no key %q", x.pathText(here), el.key)
			}
			v = next
		case []any:
			if !el.isIndex {
				return nil, x.errorf("%s is a list: use [index], not .%s", x.pathText(here), el.key)
			}
			if el.index >= len(t) {
				return nil, x.errorf("index %d out of range: %s has %d elements", el.index, x.pathText(here), len(t))
			}
			v = t[el.index]
		default:
			return nil, x.errorf("cannot walk into %s: it is %s", x.pathText(here), article(resource.TypeName(v)))
		}
	}
	return wrapSecret(v, secret), nil
}

// rootLen is how many written elements make up the root name (more than
// one for a dotted name like ${web.server.id}).
func (x *refExpr) rootLen() int { return len(x.syn.elems) - len(x.path) }

// pathText renders the first n elements of the reference.
func (x *refExpr) pathText(n int) string {
	var b strings.Builder
	writePath(&b, x.syn.elems[:n])
	return b.String()
}

func (x *refExpr) static(l *loader) any {
	switch x.kind {
	case refConfig:
		var v any = resource.Unknown{}
		if d := l.project.Config[x.name]; d.Type != "" {
			v = typed{d.Type}
		}
		return l.staticWalk(x, v, x.path, x.rootLen())
	case refVariable:
		return l.staticWalk(x, l.staticVar(x.v), x.path, x.rootLen())
	case refResource:
		return x.r.staticPath(x.path)
	case refBuiltin:
		return typed{"string"}
	}
	return resource.Unknown{}
}

// interpExpr is a string with ${…} inside other text.
type interpExpr struct {
	p     position
	parts []interpPart
}

type interpPart struct {
	lit string
	ref *refExpr
}

func (x *interpExpr) eval(e *Evaluator) (any, error) {
	var b strings.Builder
	secret, unknown := false, false
	for _, part := range x.parts {
		if part.ref == nil {
			b.WriteString(part.lit)
			continue
		}
		v, err := part.ref.eval(e)
		if err != nil {
			return nil, err
		}
		if resource.IsUnknown(v) {
			unknown = true
			secret = secret || resource.IsSecret(v)
			continue
		}
		plain, s := resource.Reveal(v)
		secret = secret || s
		if !unknown {
			if err := writeText(&b, plain); err != nil {
				return nil, part.ref.errorf("%v", err)
			}
		}
	}
	if unknown {
		return wrapSecret(resource.Unknown{}, secret), nil
	}
	return wrapSecret(b.String(), secret), nil
}

func (x *interpExpr) static(l *loader) any {
	for _, part := range x.parts {
		if part.ref != nil {
			part.ref.static(l)
		}
	}
	return typed{"string"}
}

// writeText writes v as it appears inside an interpolated string: strings
// as they are, other scalars as written in JSON, lists and maps as JSON.
func writeText(b *strings.Builder, v any) error {
	switch t := v.(type) {
	case string:
		b.WriteString(t)
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case int:
		b.WriteString(strconv.Itoa(t))
	case float64:
		b.WriteString(resource.FormatFloat(t))
	default:
		s, err := toJSON(v)
		if err != nil {
			return err
		}
		b.WriteString(s)
	}
	return nil
}

// toJSON encodes a revealed, known value as compact JSON with sorted keys.
func toJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("cannot encode %s as JSON", article(resource.TypeName(v)))
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// callExpr is a function call: a one-key map fn::name: argument.
type callExpr struct {
	p   position
	fn  *function
	arg expr
}

func (x *callExpr) eval(e *Evaluator) (any, error) {
	arg, err := x.arg.eval(e)
	if err != nil {
		return nil, err
	}
	if x.fn.name == fnSecret {
		return resource.MakeSecret(arg), nil
	}
	if resource.IsUnknown(arg) {
		return wrapSecret(resource.Unknown{}, resource.IsSecret(arg)), nil
	}
	plain, secret := resource.Reveal(arg)
	if err := x.fn.check(plain); err != nil {
		return nil, x.p.errorf("%s: %v", x.fn.name, err)
	}
	out, err := x.fn.apply(e, plain, secret)
	if err != nil {
		return nil, x.p.errorf("%s: %v", x.fn.name, err)
	}
	return wrapSecret(out, secret), nil
}

func (x *callExpr) static(l *loader) any {
	arg := x.arg.static(l)
	if x.fn.name == fnSecret {
		return resource.MakeSecret(arg)
	}
	if err := x.fn.check(arg); err != nil {
		l.errs.add(x.p, "%s: %v", x.fn.name, err)
		return resource.Unknown{}
	}
	if x.fn.pure && known(arg) {
		plain, secret := resource.Reveal(arg)
		out, err := x.fn.apply(nil, plain, secret)
		if err != nil {
			l.errs.add(x.p, "%s: %v", x.fn.name, err)
			return resource.Unknown{}
		}
		return wrapSecret(out, secret)
	}
	if x.fn.result == "" {
		return resource.Unknown{}
	}
	return typed{x.fn.result}
}

// known reports whether v is fully known at load time.
func known(v any) bool {
	switch t := v.(type) {
	case resource.Unknown, typed:
		return false
	case resource.Secret:
		return known(t.Value)
	case []any:
		for _, e := range t {
			if !known(e) {
				return false
			}
		}
	case map[string]any:
		for _, e := range t {
			if !known(e) {
				return false
			}
		}
	}
	return true
}

func wrapSecret(v any, secret bool) any {
	if secret {
		return resource.MakeSecret(v)
	}
	return v
}

// article puts "a" or "an" before a type name ("null" stays as it is).
func article(typ string) string {
	switch typ {
	case "null", "unknown":
		return typ
	case "integer":
		return "an integer"
	}
	return "a " + typ
}
