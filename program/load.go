package program

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/plinth-iac/plinth/provider"
)

// Schemas gives the loader the schema of a resource type, so that types,
// property names and literal property types are checked at load time.
type Schemas interface {
	// ResourceSchema returns the schema of a type token such as
	// "file:File", or an error (shown to the user as is) when there is no
	// such type.
	ResourceSchema(token string) (provider.ResourceSchema, error)
}

var _ Schemas = (*provider.Registry)(nil)

// Program is a loaded and checked YAML program. It is immutable and may be
// shared; evaluation state lives in an Evaluator.
type Program struct {
	Project *Project
	// Resources are in declaration order.
	Resources []*Resource
	// Outputs are the output names in declaration order.
	Outputs []string

	byName         map[string]*Resource
	vars           []*variable
	outputs        []expr
	varsByResource map[string][]int // resource name -> variables that depend on it
}

// Resource is one declared resource.
type Resource struct {
	Name, Type string
	File       string
	Line, Col  int
	Options    Options
	// Deps names the resources this one depends on: every resource it
	// references, directly or through variables, and its dependsOn;
	// sorted, without duplicates.
	Deps []string

	props     expr // a map expression or literal; nil without properties
	propPos   []propPos
	propsPos  position // the properties: key, or the name when absent
	schema    *provider.ResourceSchema
	refs      []*refExpr
	dependsOn []*refExpr
	index     int
}

// propPos is where a property's key and value are written.
type propPos struct {
	name       string
	key, value position
}

func (r *Resource) findProp(name string) (propPos, bool) {
	for _, p := range r.propPos {
		if p.name == name {
			return p, true
		}
	}
	return propPos{}, false
}

// Options are a resource's options.
type Options struct {
	DependsOn           []string
	Protect             bool
	DeleteBeforeReplace bool
	RetainOnDelete      bool
	IgnoreChanges       []string
	ReplaceOnChanges    []string
	// Import is the ID of an existing resource to adopt instead of
	// creating one, "" for none.
	Import string
}

// resourceKeys are the keys of a resource declaration.
func resourceKeys() []string { return []string{"type", "properties", "options"} }

// optionKeys are the resource options.
func optionKeys() []string {
	return []string{"dependsOn", "protect", "deleteBeforeReplace", "retainOnDelete", "ignoreChanges", "replaceOnChanges", "import"}
}

// Resource returns the resource called name.
func (p *Program) Resource(name string) (*Resource, bool) {
	r, ok := p.byName[name]
	return r, ok
}

// declares reports whether the resource's value may hold property k: id,
// urn, or an input or output of its schema.
func (r *Resource) declares(k string) bool {
	if k == "id" || k == "urn" {
		return true
	}
	if r.schema == nil {
		return false
	}
	_, in := r.schema.Inputs[k]
	_, out := r.schema.Outputs[k]
	return in || out
}

// variable is one entry of variables:.
type variable struct {
	name  string
	pos   position
	index int
	value expr
	refs  []*refExpr
}

// nameInfo is what a declared name stands for.
type nameInfo struct {
	kind refKind
	pos  position
	v    *variable
	r    *Resource
}

// loader holds the state of one Load.
type loader struct {
	dir     string
	schemas Schemas
	errs    errorList
	project *Project
	prog    *Program

	names  map[string]nameInfo
	dotted bool // some declared name contains a dot
	refs   []*refExpr
	cur    *[]*refExpr // references of the declaration being built

	varState  []uint8
	varStatic []any
	nameList  []string
	refSlab   []refExpr

	schemaCache map[string]*provider.ResourceSchema
}

// Load reads and checks the program in dir: Plinth.yaml and, when it
// names one, the main file. Everything that can be checked without running
// is checked here: YAML, names, types and properties (with schemas; nil
// skips those checks), references, function arguments, options and
// cycles. Errors are errors.Join of at most 20 *Error sorted by position;
// a missing Plinth.yaml is an error wrapping fs.ErrNotExist.
func Load(dir string, schemas Schemas) (*Program, error) {
	l := &loader{dir: dir, schemas: schemas, names: map[string]nameInfo{}}
	proj, sections, err := l.loadProject()
	if err != nil {
		return nil, err
	}
	if sections == nil {
		return nil, l.errs.err()
	}
	l.prog = &Program{Project: proj, byName: map[string]*Resource{}, varsByResource: map[string][]int{}}
	if proj.Main != "" {
		sections = l.mainFile(proj, sections)
		if sections == nil {
			return nil, l.errs.err()
		}
	}
	for _, name := range proj.ConfigOrder {
		d := proj.Config[name]
		l.declare(name, nameInfo{kind: refConfig, pos: position{proj.File, d.Line, d.Col}})
	}
	if s, ok := sections["variables"]; ok {
		l.variables(s)
	}
	if s, ok := sections["resources"]; ok {
		l.resources(s)
	}
	if s, ok := sections["outputs"]; ok {
		l.outputs(s)
	}
	for _, r := range l.refs {
		l.bind(r)
	}
	l.checkAll()
	l.graph()
	if err := l.errs.err(); err != nil {
		return nil, err
	}
	return l.prog, nil
}

// mainFile reads the program from the main file.
func (l *loader) mainFile(proj *Project, sections map[string]section) map[string]section {
	for _, k := range programKeys() {
		if s, ok := sections[k]; ok {
			l.errs.add(s.pos(), "%s: not allowed in %s when main is set: the program lives in %s", k, ProjectFile, proj.Main)
		}
	}
	path := proj.Main
	if !filepath.IsAbs(path) {
		path = filepath.Join(proj.Dir, path)
	}
	mainPos := sections["main"].conv.pos(sections["main"].value)
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		l.errs.add(mainPos, "main file %s does not exist", proj.Main)
		return nil
	case err != nil:
		l.errs.add(mainPos, "main file: %v", err)
		return nil
	case fi.IsDir():
		l.errs.add(mainPos, "main %s is a directory: name the program file, like %s", proj.Main, filepath.Join(proj.Main, "main.yaml"))
		return nil
	case !fi.Mode().IsRegular():
		l.errs.add(mainPos, "main %s is not a regular file", proj.Main)
		return nil
	}
	main, _, ok := l.readTopLevel(path, programKeys())
	if !ok {
		return nil
	}
	return main
}

// declare records a name, reporting one declared twice across config,
// variables and resources.
func (l *loader) declare(name string, info nameInfo) bool {
	if first, dup := l.names[name]; dup {
		l.errs.add(info.pos, "%s %q is already declared as %s at %s:%d:%d; config keys, variables and resources share one namespace",
			kindWord(info.kind), name, kindArticle(first.kind), filepath.Base(first.pos.file), first.pos.line, first.pos.col)
		return false
	}
	l.names[name] = info
	if strings.Contains(name, ".") {
		l.dotted = true
	}
	return true
}

func kindWord(k refKind) string {
	switch k {
	case refConfig:
		return "config key"
	case refVariable:
		return "variable"
	case refBuiltin:
		return "built-in value"
	}
	return "resource"
}

func kindArticle(k refKind) string {
	return "a " + kindWord(k)
}

// sectionMap converts a program section and checks it is a map.
func (l *loader) sectionMap(s section, what string) *snode {
	n := s.conv.convert(s.value, 1, false)
	if n == nil || n.isNull() {
		return nil
	}
	if n.kind != sMap {
		l.errs.add(n.pos, "%s must be a map of names to %s, not %s", s.key.Value, what, n.describe())
		return nil
	}
	return n
}

func (l *loader) variables(s section) {
	n := l.sectionMap(s, "values")
	if n == nil {
		return
	}
	for i, k := range n.keys {
		name := k.str
		if !l.checkName("variable", name, k.pos) {
			continue
		}
		v := &variable{name: name, pos: k.pos, index: len(l.prog.vars)}
		if !l.declare(name, nameInfo{kind: refVariable, pos: k.pos, v: v}) {
			continue
		}
		l.cur = &v.refs
		v.value = l.build(n.vals[i])
		l.prog.vars = append(l.prog.vars, v)
	}
}

func (l *loader) outputs(s section) {
	n := l.sectionMap(s, "values")
	if n == nil {
		return
	}
	var refs []*refExpr
	l.cur = &refs
	for i, k := range n.keys {
		name := k.str
		if !validName(name) {
			l.errs.add(k.pos, "output name %q must be letters, digits, '_', '.' and '-' only, at most %d characters", name, maxNameLen)
			continue
		}
		l.prog.Outputs = append(l.prog.Outputs, name)
		l.prog.outputs = append(l.prog.outputs, l.build(n.vals[i]))
	}
}

func (l *loader) resources(s section) {
	n := l.sectionMap(s, "resource declarations")
	if n == nil {
		return
	}
	l.prog.Resources = make([]*Resource, 0, len(n.keys))
	l.prog.byName = make(map[string]*Resource, len(n.keys))
	if len(l.names) < len(n.keys) {
		names := make(map[string]nameInfo, len(l.names)+len(n.keys))
		maps.Copy(names, l.names)
		l.names = names
	}
	for i, k := range n.keys {
		name := k.str
		if !l.checkName("resource", name, k.pos) {
			continue
		}
		r := &Resource{Name: name, File: k.pos.file, Line: k.pos.line, Col: k.pos.col, index: len(l.prog.Resources), propsPos: k.pos}
		if !l.declare(name, nameInfo{kind: refResource, pos: k.pos, r: r}) {
			continue
		}
		l.resource(r, n.vals[i])
		l.prog.Resources = append(l.prog.Resources, r)
		l.prog.byName[name] = r
	}
}

// schema returns the schema of a type, asking Schemas once per type.
func (l *loader) schema(token string) (*provider.ResourceSchema, error) {
	if s, ok := l.schemaCache[token]; ok {
		return s, nil
	}
	s, err := l.schemas.ResourceSchema(token)
	if err != nil {
		return nil, err
	}
	if l.schemaCache == nil {
		l.schemaCache = map[string]*provider.ResourceSchema{}
	}
	l.schemaCache[token] = &s
	return &s, nil
}

// resource reads one resource declaration.
func (l *loader) resource(r *Resource, n *snode) {
	self := position{r.File, r.Line, r.Col}
	if n.kind != sMap {
		l.errs.add(n.pos, "resource %q must be a map with type: and properties:, not %s", r.Name, n.describe())
		return
	}
	var props, opts *snode
	for i, k := range n.keys {
		v := n.vals[i]
		switch key := k.str; key {
		case "type":
			if !v.isString() {
				l.errs.add(v.pos, "resource %q: type must be a string like file:File, not %s", r.Name, v.describe())
				continue
			}
			r.Type = v.str
			if _, _, ok := provider.Split(r.Type); !ok {
				l.errs.add(v.pos, "%q is not a resource type: want <package>:<Type>, like file:File", r.Type)
				continue
			}
			if l.schemas != nil {
				s, err := l.schema(r.Type)
				if err != nil {
					l.errs.add(v.pos, "%v", err)
					continue
				}
				r.schema = s
			}
		case "properties":
			props = v
			r.propsPos = k.pos
		case "options":
			opts = v
		default:
			l.errs.add(k.pos, "resource %q: unknown key %q (want type, properties or options)%s", r.Name, key, suggest(key, resourceKeys()))
		}
	}
	if n.get("type") == nil {
		l.errs.add(self, "resource %q: missing type", r.Name)
	}
	l.cur = &r.refs
	if props != nil {
		l.properties(r, props)
	}
	if opts != nil {
		l.options(r, opts)
	}
}

func (l *loader) properties(r *Resource, n *snode) {
	if n.isNull() {
		return
	}
	if n.kind != sMap {
		l.errs.add(n.pos, "resource %q: properties must be a map, not %s", r.Name, n.describe())
		return
	}
	r.propPos = make([]propPos, len(n.keys))
	for i, k := range n.keys {
		r.propPos[i] = propPos{name: k.str, key: k.pos, value: n.vals[i].pos}
	}
	if x, v, lit := l.buildMap(n); lit {
		r.props = &literalExpr{p: n.pos, v: v}
	} else {
		r.props = x
	}
}

func (l *loader) options(r *Resource, n *snode) {
	if n.isNull() {
		return
	}
	if n.kind != sMap {
		l.errs.add(n.pos, "resource %q: options must be a map, not %s", r.Name, n.describe())
		return
	}
	o := &r.Options
	for i, k := range n.keys {
		v := n.vals[i]
		switch key := k.str; key {
		case "dependsOn":
			l.dependsOn(r, v)
		case "protect":
			o.Protect = l.boolOption(key, v)
		case "deleteBeforeReplace":
			o.DeleteBeforeReplace = l.boolOption(key, v)
		case "retainOnDelete":
			o.RetainOnDelete = l.boolOption(key, v)
		case "ignoreChanges":
			o.IgnoreChanges = l.pathsOption(r, key, v)
		case "replaceOnChanges":
			o.ReplaceOnChanges = l.pathsOption(r, key, v)
		case "import":
			if !v.isString() || v.str == "" {
				l.errs.add(v.pos, "import must be the ID of the resource to adopt, not %s", v.describe())
				continue
			}
			if strings.Contains(v.str, "${") {
				l.errs.add(v.pos, "import must be a literal ID: ${…} is not allowed here")
				continue
			}
			o.Import = v.str
		default:
			l.errs.add(k.pos, "unknown resource option %q (want %s)%s", key, strings.Join(optionKeys(), ", "), suggest(key, optionKeys()))
		}
	}
}

func (l *loader) boolOption(key string, v *snode) bool {
	b, ok := v.value.(bool)
	if v.kind != sScalar || !ok {
		l.errs.add(v.pos, "%s must be true or false, not %s", key, v.describe())
	}
	return b
}

// dependsOn reads a list of ${resource} references.
func (l *loader) dependsOn(r *Resource, v *snode) {
	if v.isNull() {
		return
	}
	if v.kind != sList {
		l.errs.add(v.pos, `dependsOn must be a list of references, like ["${other}"], not %s`, v.describe())
		return
	}
	for _, item := range v.vals {
		if !item.isString() {
			l.errs.add(item.pos, `dependsOn entries must be references like "${other}", not %s`, item.describe())
			continue
		}
		s := item.str
		t, err := parseTemplate(s)
		if err != nil {
			te := err.(*templateError)
			l.errs.add(item.stringPos(te.off), "%s", te.msg)
			continue
		}
		if len(t) != 1 || t[0].ref == nil {
			l.errs.add(item.pos, `dependsOn entries must be references like "${%s}", not %q`, dependsOnHint(s), s)
			continue
		}
		ref := l.newRef(t[0].ref, item.stringPos(t[0].off))
		r.dependsOn = append(r.dependsOn, ref)
	}
}

func dependsOnHint(s string) string {
	if validName(s) {
		return s
	}
	return "other"
}

// pathsOption reads ignoreChanges or replaceOnChanges: property paths.
func (l *loader) pathsOption(r *Resource, key string, v *snode) []string {
	if v.isNull() {
		return nil
	}
	if v.kind != sList {
		l.errs.add(v.pos, "%s must be a list of property names, like [content], not %s", key, v.describe())
		return nil
	}
	var out []string
	for _, item := range v.vals {
		if !item.isString() || item.str == "" {
			l.errs.add(item.pos, "%s entries must be property names, not %s", key, item.describe())
			continue
		}
		s := item.str
		elems, err := parsePropertyPath(s)
		if err != nil {
			l.errs.add(item.pos, "%s: %q is not a property path like tags.team or items[0]", key, s)
			continue
		}
		if r.schema != nil {
			if _, ok := r.schema.Inputs[elems[0].key]; !ok {
				l.errs.add(item.pos, "%s: %s has no property %q%s", key, r.Type, elems[0].key, suggest(elems[0].key, sortedKeys(r.schema.Inputs)))
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// newRef records a reference of the declaration being built.
func (l *loader) newRef(syn *refSyntax, p position) *refExpr {
	if len(l.refSlab) == 0 {
		l.refSlab = make([]refExpr, 256)
	}
	x := &l.refSlab[0]
	l.refSlab = l.refSlab[1:]
	x.p, x.syn = p, syn
	*l.cur = append(*l.cur, x)
	l.refs = append(l.refs, x)
	return x
}

// build turns a YAML value into an expression.
func (l *loader) build(n *snode) expr {
	x, v, lit := l.buildValue(n)
	if lit {
		return &literalExpr{p: n.pos, v: v}
	}
	return x
}

// buildValue returns an expression for n or, when n holds nothing to
// evaluate, its value (lit is true): literal subtrees fold into one value
// without intermediate nodes.
func (l *loader) buildValue(n *snode) (x expr, v any, lit bool) {
	switch n.kind {
	case sList:
		var items []expr // nil while every item is literal
		vals := make([]any, len(n.vals))
		for i, item := range n.vals {
			x, v, lit := l.buildValue(item)
			if lit && items == nil {
				vals[i] = v
				continue
			}
			if items == nil {
				items = make([]expr, len(n.vals))
				for j := range i {
					items[j] = &literalExpr{p: n.vals[j].pos, v: vals[j]}
				}
			}
			if lit {
				x = &literalExpr{p: item.pos, v: v}
			}
			items[i] = x
		}
		if items == nil {
			return nil, vals, true
		}
		return &listExpr{p: n.pos, items: items}, nil, false
	case sMap:
		for i, k := range n.keys {
			name := k.str
			if !strings.HasPrefix(name, "fn::") {
				continue
			}
			if len(n.keys) != 1 {
				l.errs.add(k.pos, "%s must be the only key in its map: a function call is a one-key map", name)
				return nil, nil, true
			}
			f, ok := lookupFunction(name)
			if !ok {
				l.errs.add(k.pos, "unknown function %s%s", name, suggest(name, functionNames()))
				return nil, nil, true
			}
			return &callExpr{p: k.pos, fn: f, arg: l.build(n.vals[i])}, nil, false
		}
		return l.buildMap(n)
	}
	if !n.isStr {
		return nil, n.value, true
	}
	t, err := parseTemplate(n.str)
	if err != nil {
		te := err.(*templateError)
		l.errs.add(n.stringPos(te.off), "%s", te.msg)
		return nil, n.str, true
	}
	if s, ok := t.literal(); ok {
		return nil, s, true
	}
	if len(t) == 1 {
		return l.newRef(t[0].ref, n.stringPos(t[0].off)), nil, false
	}
	parts := make([]interpPart, len(t))
	for i, part := range t {
		if part.ref == nil {
			parts[i].lit = part.lit
		} else {
			parts[i].ref = l.newRef(part.ref, n.stringPos(part.off))
		}
	}
	return &interpExpr{p: n.pos, parts: parts}, nil, false
}

// buildMap builds a map whose keys are not function names.
func (l *loader) buildMap(n *snode) (expr, any, bool) {
	entries := make([]mapEntry, len(n.keys))
	lit := true
	for i, k := range n.keys {
		x, v, isLit := l.buildValue(n.vals[i])
		entries[i] = mapEntry{key: k.str, val: x, lit: v}
		lit = lit && isLit
	}
	if lit {
		vals := make(map[string]any, len(entries))
		for _, en := range entries {
			vals[en.key] = en.lit
		}
		return nil, vals, true
	}
	for i := range entries {
		if entries[i].val == nil {
			entries[i].val = &literalExpr{p: n.vals[i].pos, v: entries[i].lit}
			entries[i].lit = nil
		}
	}
	return &mapExpr{p: n.pos, entries: entries}, nil, false
}
