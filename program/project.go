package program

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/plinth-iac/plinth/provider"
)

// ProjectFile is the name of the project file in a project directory.
const ProjectFile = "Plinth.yaml"

// Project is the project part of Plinth.yaml: everything but the program.
type Project struct {
	Dir  string // the project directory
	File string // the path of Plinth.yaml

	Name        string
	Runtime     string
	Description string
	// Main is the file holding the program when it is not in Plinth.yaml,
	// as written (relative to Dir).
	Main string
	// BackendURL is backend.url, "" when not set.
	BackendURL string

	// Config holds the declared config keys, by bare name.
	Config map[string]ConfigDecl
	// ConfigOrder lists Config's keys in declaration order.
	ConfigOrder []string

	// Deploy is the raw deploy: block, nil when absent. Package deploy
	// parses it.
	Deploy *yaml.Node
}

// ConfigDecl declares a config key of the project.
type ConfigDecl struct {
	// Type is string, integer, number, boolean, list or map; "" accepts
	// any value.
	Type    string
	Default any
	// HasDefault is true when a default was given (even null); a key
	// without a default must be set in every stack.
	HasDefault bool
	// Secret keys are always secret, whatever the stack file says.
	Secret      bool
	Description string
	Line, Col   int
}

// configTypes are the types a config key may declare.
func configTypes() []string {
	return []string{provider.TypeString, provider.TypeInteger, provider.TypeNumber, provider.TypeBoolean, provider.TypeList, provider.TypeMap}
}

// projectKeys are the top-level keys of Plinth.yaml.
func projectKeys() []string {
	return []string{"name", "runtime", "description", "main", "backend", "config", "variables", "resources", "outputs", "deploy"}
}

// programKeys are the top-level keys of a main file.
func programKeys() []string {
	return []string{"variables", "resources", "outputs"}
}

// LoadProject reads the project part of dir/Plinth.yaml: name, runtime,
// description, main, backend and the config declarations. It does not look
// at the program, so commands that only need the project (config, stack)
// work while the program is broken. Errors are errors.Join of *Error; a
// missing Plinth.yaml is an error wrapping fs.ErrNotExist.
func LoadProject(dir string) (*Project, error) {
	l := &loader{dir: dir}
	p, _, err := l.loadProject()
	if err != nil {
		return nil, err
	}
	if err := l.errs.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// section is a top-level key of a file and its value.
type section struct {
	key   *yaml.Node
	value *yaml.Node
	conv  *converter
}

func (s section) pos() position { return s.conv.pos(s.key) }

// readTopLevel reads a YAML file and returns its top-level keys, checking
// them against allowed. It returns ok=false when the file cannot be used
// at all (errors are recorded).
func (l *loader) readTopLevel(path string, allowed []string) (map[string]section, []string, bool) {
	data, err := readSource(path)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			l.errs.errs = append(l.errs.errs, e)
		} else {
			l.errs.add(position{path, 1, 1}, "%v", err)
		}
		return nil, nil, false
	}
	root, yerr := parseYAML(path, data)
	if yerr != nil {
		l.errs.errs = append(l.errs.errs, yerr)
		return nil, nil, false
	}
	conv := &converter{file: path, errs: &l.errs}
	sections := map[string]section{}
	if root == nil {
		return sections, nil, true
	}
	if root.Kind == yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		l.errs.add(conv.pos(root), "%s must be a map of keys (%s), not %s", filepath.Base(path), strings.Join(allowed, ", "), kindName(root))
		return nil, nil, false
	}
	var order []string
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		p := conv.pos(k)
		if k.Kind != yaml.ScalarNode {
			l.errs.add(p, "YAML: map keys must be strings, not %s", kindName(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			l.errs.add(p, "YAML: << is not supported at the top level")
			continue
		}
		if !slices.Contains(allowed, k.Value) {
			l.errs.add(p, "unknown key %q in %s%s", k.Value, filepath.Base(path), suggest(k.Value, allowed))
			continue
		}
		if first, dup := sections[k.Value]; dup {
			l.errs.add(p, "duplicate key %q (first at line %d)", k.Value, first.key.Line)
			continue
		}
		sections[k.Value] = section{key: k, value: v, conv: conv}
		order = append(order, k.Value)
	}
	return sections, order, true
}

// loadProject reads Plinth.yaml. A missing file is returned as err; other
// problems are recorded in l.errs. The sections are returned for Load.
func (l *loader) loadProject() (*Project, map[string]section, error) {
	path := filepath.Join(l.dir, ProjectFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("no %s in %s: %w", ProjectFile, l.dir, fs.ErrNotExist)
	}
	p := &Project{Dir: l.dir, File: path, Config: map[string]ConfigDecl{}}
	l.project = p
	sections, _, ok := l.readTopLevel(path, projectKeys())
	if !ok {
		return p, nil, nil
	}
	top := position{path, 1, 1}
	p.Name = l.scalarString(sections, "name", true, top)
	if p.Name != "" && !validName(p.Name) {
		l.errs.add(sections["name"].conv.pos(sections["name"].value), "project name %q must be letters, digits, '_', '.' and '-' only", p.Name)
	}
	p.Runtime = l.scalarString(sections, "runtime", true, top)
	switch p.Runtime {
	case "", "yaml":
	case "go":
		l.errs.add(sections["runtime"].conv.pos(sections["runtime"].value), "runtime go is not supported yet: use runtime: yaml")
	default:
		l.errs.add(sections["runtime"].conv.pos(sections["runtime"].value), "unknown runtime %q: want yaml", p.Runtime)
	}
	p.Description = l.scalarString(sections, "description", false, top)
	p.Main = l.scalarString(sections, "main", false, top)
	if s, ok := sections["main"]; ok && p.Main == "" && s.value.Kind == yaml.ScalarNode {
		l.errs.add(s.conv.pos(s.value), "main must name the program file, like main: infra.yaml")
	}
	if s, ok := sections["backend"]; ok {
		p.BackendURL = l.backend(s)
	}
	if s, ok := sections["config"]; ok {
		l.configDecls(p, s)
	}
	if s, ok := sections["deploy"]; ok {
		p.Deploy = s.value
	}
	return p, sections, nil
}

// scalarString reads a top-level string key.
func (l *loader) scalarString(sections map[string]section, key string, required bool, top position) string {
	s, ok := sections[key]
	if !ok {
		if required {
			if key == "runtime" {
				l.errs.add(top, "missing runtime: add runtime: yaml")
			} else {
				l.errs.add(top, "missing %s", key)
			}
		}
		return ""
	}
	n := s.conv.convert(s.value, 1, false)
	if n == nil {
		return ""
	}
	if !n.isString() {
		if n.isNull() && !required {
			return ""
		}
		l.errs.add(n.pos, "%s must be a string, not %s", key, n.describe())
		return ""
	}
	return n.str
}

func (l *loader) backend(s section) string {
	n := s.conv.convert(s.value, 1, false)
	if n == nil || (n.isNull()) {
		return ""
	}
	if n.kind != sMap {
		l.errs.add(n.pos, "backend must be a map like {url: s3://bucket/prefix}, not %s", n.describe())
		return ""
	}
	url := ""
	for i, k := range n.keys {
		key := k.str
		if key != "url" {
			l.errs.add(k.pos, "unknown key %q in backend (want url)", key)
			continue
		}
		if v := n.vals[i]; v.isString() {
			url = v.str
		} else {
			l.errs.add(v.pos, "backend.url must be a string, not %s", v.describe())
		}
	}
	return url
}

// configDecls reads the config: block.
func (l *loader) configDecls(p *Project, s section) {
	n := s.conv.convert(s.value, 1, false)
	if n == nil || (n.isNull()) {
		return
	}
	if n.kind != sMap {
		l.errs.add(n.pos, "config must be a map of key declarations, not %s", n.describe())
		return
	}
	for i, k := range n.keys {
		name := k.str
		if !l.checkName("config key", name, k.pos) {
			continue
		}
		// A key with a broken declaration is still declared, so its uses
		// are not reported as unknown names too.
		d := l.configDecl(name, n.vals[i])
		d.Line, d.Col = k.pos.line, k.pos.col
		p.Config[name] = d
		p.ConfigOrder = append(p.ConfigOrder, name)
	}
}

// configDecl reads one declaration, reporting problems; the parts that
// are wrong are left empty.
func (l *loader) configDecl(name string, v *snode) ConfigDecl {
	var d ConfigDecl
	switch {
	case v.isNull():
		return d
	case v.kind != sMap:
		// Shorthand: the value is the default, and its type the type.
		d.Default, d.HasDefault = plainValue(v), true
		d.Type = resourceTypeName(d.Default)
		return d
	}
	var def *snode
	for i, k := range v.keys {
		key, val := k.str, v.vals[i]
		switch key {
		case "type":
			if !val.isString() {
				l.errs.add(val.pos, "config %q: type must be a string, not %s", name, val.describe())
				continue
			}
			t := val.str
			if !slices.Contains(configTypes(), t) {
				hint := suggest(t, configTypes())
				switch t {
				case "array":
					hint = ` (did you mean "list"?)`
				case "object":
					hint = ` (did you mean "map"?)`
				case "int":
					hint = ` (did you mean "integer"?)`
				case "bool":
					hint = ` (did you mean "boolean"?)`
				}
				l.errs.add(val.pos, "config %q: unknown type %q (want %s)%s", name, t, strings.Join(configTypes(), ", "), hint)
				continue
			}
			d.Type = t
		case "default":
			def = val
			d.Default, d.HasDefault = plainValue(val), true
		case "secret":
			b, isBool := val.value.(bool)
			if val.kind != sScalar || !isBool {
				l.errs.add(val.pos, "config %q: secret must be true or false, not %s", name, val.describe())
				continue
			}
			d.Secret = b
		case "description":
			if !val.isString() {
				l.errs.add(val.pos, "config %q: description must be a string, not %s", name, val.describe())
				continue
			}
			d.Description = val.str
		default:
			l.errs.add(k.pos, "config %q: unknown key %q (want type, default, secret or description)%s", name, key, suggest(key, []string{"type", "default", "secret", "description"}))
		}
	}
	if def != nil && d.Type != "" && d.Default != nil {
		if err := provider.CheckValue(provider.Property{Type: d.Type}, d.Default); err != nil {
			l.errs.add(def.pos, "config %q: default: %v", name, err)
		}
	}
	return d
}

// resourceTypeName is the config type of a default value, "" for null.
func resourceTypeName(v any) string {
	switch v.(type) {
	case nil:
		return ""
	case string:
		return provider.TypeString
	case int64:
		return provider.TypeInteger
	case float64:
		return provider.TypeNumber
	case bool:
		return provider.TypeBoolean
	case []any:
		return provider.TypeList
	}
	return provider.TypeMap
}

// plainValue converts an snode to a value, with no templates.
func plainValue(n *snode) any {
	switch n.kind {
	case sList:
		out := make([]any, len(n.vals))
		for i, item := range n.vals {
			out[i] = plainValue(item)
		}
		return out
	case sMap:
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			out[k.str] = plainValue(n.vals[i])
		}
		return out
	}
	return n.scalar()
}

// maxNameLen is the longest name of a resource, variable or config key.
const maxNameLen = 255

// validName reports whether s is a valid project, resource, variable or
// config key name: [A-Za-z0-9_.-]+.
func validName(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isNameByte(c) && c != '.' {
			return false
		}
	}
	return true
}

// checkName validates a declared name and reports problems.
func (l *loader) checkName(what, name string, p position) bool {
	switch {
	case name == "":
		l.errs.add(p, "%s name must not be empty", what)
	case len(name) > maxNameLen:
		l.errs.add(p, "%s name is %d characters long: at most %d are allowed", what, len(name), maxNameLen)
	case !validName(name):
		hint := ""
		if strings.Contains(name, ":") && what == "config key" {
			hint = " (provider config like pkg:key is set per stack with plinth config set, not declared here)"
		}
		// %+q: a homoglyph (Cyrillic а for a) or a bidi control shows as
		// the escape it is, not as the letter it imitates.
		l.errs.add(p, "%s name %+q must be letters, digits, '_', '.' and '-' only%s", what, name, hint)
	case name == "plinth" || strings.HasPrefix(name, "plinth."):
		l.errs.add(p, "%s name %q is reserved: ${plinth.…} names the stack, project and directory", what, name)
	default:
		return true
	}
	return false
}
