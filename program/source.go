package program

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Limits on program files. They bound the work a hostile or broken file
// can cause before anything runs.
const (
	// maxFileSize is the largest program file Load reads.
	maxFileSize = 8 << 20
	// maxDepth is the deepest nesting of lists and maps.
	maxDepth = 256
	// maxAliasNodes is how many nodes alias expansion may produce in one
	// file, so that a "billion laughs" document fails fast.
	maxAliasNodes = 250_000
)

// readSource reads a program file. A file over maxFileSize is reported as
// an *Error at its first line; other errors are the os package's.
func readSource(path string) ([]byte, error) {
	if err := regularFile(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := 4096
	if fi, err := f.Stat(); err == nil && fi.Size() < maxFileSize {
		size = int(fi.Size()) + 1 // +1 to see EOF without growing
	}
	data := make([]byte, 0, size)
	r := io.LimitReader(f, maxFileSize+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(data) > maxFileSize {
		return nil, &Error{File: path, Line: 1, Col: 1, Msg: fmt.Sprintf("file is larger than %d MiB", maxFileSize>>20)}
	}
	return data, nil
}

// checkText reports the first byte sequence that cannot be in a YAML file
// Plinth reads: invalid UTF-8, NUL and the control characters YAML
// forbids. yaml.v3 rejects these too, but without a position.
func checkText(file string, data []byte) *Error {
	line, col := 1, 1
	for i := 0; i < len(data); {
		if c := data[i]; c >= 0x20 && c < 0x7F || c == '\t' || c == '\r' {
			i++
			col++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		var msg string
		switch {
		case r == utf8.RuneError && size <= 1:
			msg = "invalid UTF-8: program files must be UTF-8 text"
		case r == 0:
			msg = "NUL byte: program files must be text"
		case r == '\n':
			line, col = line+1, 1
			i += size
			continue
		case r == 0xFEFF && i == 0:
			// A byte order mark at the start is allowed.
		case !printable(r):
			msg = fmt.Sprintf("character %U is not allowed in YAML", r)
		}
		if msg != "" {
			return &Error{File: file, Line: line, Col: col, Msg: msg}
		}
		i += size
		col++
	}
	return nil
}

// printable is YAML 1.2's c-printable set.
func printable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r >= 0x20 && r <= 0x7E:
		return true
	case r == 0x85:
		return true
	case r >= 0xA0 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD && r != 0xFEFF:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// parseYAML parses one YAML document. It returns nil (and no error) for an
// empty document. Errors carry yaml.v3's line, corrected (see yamlError).
func parseYAML(file string, data []byte) (root *yaml.Node, err *Error) {
	if e := checkText(file, data); e != nil {
		return nil, e
	}
	defer func() {
		// yaml.v3 turns its own failures into errors; anything else is a
		// parser bug, still reported as a YAML error rather than a crash.
		if r := recover(); r != nil {
			root, err = nil, &Error{File: file, Line: 1, Col: 1, Msg: oneLine(fmt.Sprintf("YAML: parser failed: %v", r))}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if e := dec.Decode(&doc); e != nil {
		if errors.Is(e, io.EOF) {
			return nil, nil
		}
		return nil, yamlError(file, data, e)
	}
	var next yaml.Node
	switch e := dec.Decode(&next); {
	case e == nil:
		line := next.Line
		if len(next.Content) > 0 {
			line = next.Content[0].Line
		}
		return nil, &Error{File: file, Line: max(line, 1), Col: 1, Msg: "YAML: a second document (after ---) is not allowed: a program file holds one document"}
	case !errors.Is(e, io.EOF):
		return nil, yamlError(file, data, e)
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		return doc.Content[0], nil
	}
	return &doc, nil
}

// parserProblem reports whether msg is one of yaml.v3's parser (not
// scanner) messages. For these it reports a zero-based line, for scanner
// messages a one-based one.
func parserProblem(msg string) bool {
	switch msg {
	case "did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected '-' indicator",
		"did not find expected <document start>",
		"did not find expected <stream-start>",
		"did not find expected key",
		"did not find expected node content",
		"found duplicate %TAG directive",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found undefined tag handle":
		return true
	}
	return false
}

// yamlError turns a yaml.v3 error ("yaml: line 3: did not find …") into
// an *Error. yaml.v3 knows no column, so the column is 1.
func yamlError(file string, data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if v, err := strconv.Atoi(n); err == nil {
				line, msg = v, after
			}
		}
	}
	if parserProblem(msg) {
		line++
	}
	if line < 1 {
		line = 1
	}
	hint := longKeyHint(data, line, msg)
	msg = "YAML: " + msg
	if hint == "" {
		hint = flowTemplateHint(data, line)
	}
	msg += hint
	return &Error{File: file, Line: line, Col: 1, Msg: oneLine(msg)}
}

// maxYAMLKey is the longest map key YAML allows without "? " before it.
const maxYAMLKey = 1024

// longKeyHint explains yaml.v3's message for a key over maxYAMLKey
// characters, which says nothing about length.
func longKeyHint(data []byte, line int, msg string) string {
	if msg != "mapping values are not allowed in this context" && msg != "could not find expected ':'" {
		return ""
	}
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) || utf8.RuneCount(bytes.TrimSpace(lines[line-1])) <= maxYAMLKey {
		return ""
	}
	return fmt.Sprintf(" (a key on this line is longer than YAML's limit of %d characters; names are at most %d)", maxYAMLKey, maxNameLen)
}

// flowTemplateHint explains the most common YAML error in programs: an
// unquoted ${…} inside [ ] or { }, where YAML reads the braces as a map.
func flowTemplateHint(data []byte, line int) string {
	lines := bytes.Split(data, []byte("\n"))
	for i := line - 1; i >= 0 && i < len(lines) && i < line+4; i++ {
		if ref := unquotedFlowTemplate(string(lines[i])); ref != "" {
			return fmt.Sprintf(` (quote ${…} inside [ ] and { }: write "%s")`, ref)
		}
	}
	return ""
}

// unquotedFlowTemplate returns the first ${…} on the line that follows an
// unquoted [ or { (or a comma in one), outside quotes.
func unquotedFlowTemplate(s string) string {
	flow := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || s[i-1] == ' '):
			return ""
		case c == '[' || c == '{':
			flow++
		case c == ']' || c == '}':
			flow = max(flow-1, 0)
		case c == '$' && flow > 0 && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return s[i:]
			}
			return s[i : i+end+1]
		}
	}
	return ""
}

// A snode is a YAML node after alias expansion, merge keys, scalar typing
// and the structural checks every file gets (nesting depth, duplicate keys).
type snode struct {
	kind  snodeKind
	isStr bool       // a string scalar (or a map key), held in str
	style yaml.Style // helps place positions inside strings
	pos   position
	str   string
	value any      // other scalars: nil, bool, int64 or float64
	keys  []skey   // maps: the keys, in order
	vals  []*snode // maps: the values of keys; lists: the items
}

// skey is a map key.
type skey struct {
	str string
	pos position
}

type snodeKind uint8

const (
	sScalar snodeKind = iota // includes null
	sList
	sMap
)

// isString reports whether n is a string scalar.
func (n *snode) isString() bool { return n.kind == sScalar && n.isStr }

// isNull reports whether n is null (or empty).
func (n *snode) isNull() bool { return n.kind == sScalar && !n.isStr && n.value == nil }

// scalar returns a scalar's value.
func (n *snode) scalar() any {
	if n.isStr {
		return n.str
	}
	return n.value
}

// get returns the value of key k in a map node.
func (n *snode) get(k string) *snode {
	for i, key := range n.keys {
		if key.str == k {
			return n.vals[i]
		}
	}
	return nil
}

// describe names n's kind for error messages.
func (n *snode) describe() string {
	switch {
	case n.kind == sList:
		return "a list"
	case n.kind == sMap:
		return "a map"
	case n.isStr:
		return "a string"
	}
	switch n.value.(type) {
	case bool:
		return "a boolean"
	case int64:
		return "an integer"
	case float64:
		return "a number"
	}
	return "null"
}

// converter turns yaml.Nodes of one file into snodes, sharing one alias
// budget and collecting errors.
type converter struct {
	file       string
	errs       *errorList
	aliasNodes int
	expanding  map[*yaml.Node]bool
	outerAlias *yaml.Node // the alias being expanded from non-aliased text
	overBudget bool
	slab       []snode // snodes are allocated in blocks: a program has many
}

func (c *converter) pos(n *yaml.Node) position {
	return position{file: c.file, line: max(n.Line, 1), col: max(n.Column, 1)}
}

func (c *converter) alloc() *snode {
	if len(c.slab) == 0 {
		c.slab = make([]snode, 256)
	}
	n := &c.slab[0]
	c.slab = c.slab[1:]
	return n
}

// convert converts n at nesting depth. It returns nil only when it has
// reported an error that makes n meaningless.
func (c *converter) convert(n *yaml.Node, depth int, aliased bool) *snode {
	if c.overBudget {
		return nil
	}
	if aliased {
		c.aliasNodes++
		if c.aliasNodes > maxAliasNodes {
			c.overBudget = true
			c.errs.add(c.pos(c.outerAlias), "YAML: aliases expand to more than %d nodes: simplify the anchors and aliases", maxAliasNodes)
			return nil
		}
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			c.errs.add(c.pos(n), "YAML: unknown alias *%s", n.Value)
			return nil
		}
		if c.expanding[n.Alias] {
			c.errs.add(c.pos(n), "YAML: alias *%s refers to itself", n.Value)
			return nil
		}
		if c.expanding == nil {
			c.expanding = map[*yaml.Node]bool{}
		}
		if !aliased {
			c.outerAlias = n
		}
		c.expanding[n.Alias] = true
		out := c.convert(n.Alias, depth, true)
		delete(c.expanding, n.Alias)
		return out
	case yaml.ScalarNode:
		return c.scalar(n)
	case yaml.SequenceNode, yaml.MappingNode:
		if depth >= maxDepth {
			c.errs.add(c.pos(n), "nesting deeper than %d levels", maxDepth)
			return nil
		}
		if tag := n.ShortTag(); tag != "!!seq" && tag != "!!map" {
			c.errs.add(c.pos(n), "YAML: tag %s is not supported", tag)
			return nil
		}
		if n.Kind == yaml.SequenceNode {
			out := c.alloc()
			out.kind, out.pos, out.vals = sList, c.pos(n), make([]*snode, 0, len(n.Content))
			for _, item := range n.Content {
				s := c.convert(item, depth+1, aliased)
				if s == nil {
					s = c.null(item)
				}
				out.vals = append(out.vals, s)
			}
			return out
		}
		return c.mapping(n, depth, aliased)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return c.null(n)
		}
		return c.convert(n.Content[0], depth, aliased)
	}
	c.errs.add(c.pos(n), "YAML: unexpected node")
	return nil
}

// null stands in for a node that had an error, so its parent stays whole.
func (c *converter) null(n *yaml.Node) *snode {
	out := c.alloc()
	out.pos = c.pos(n)
	return out
}

func (c *converter) mapping(n *yaml.Node, depth int, aliased bool) *snode {
	out := c.alloc()
	out.kind, out.pos = sMap, c.pos(n)
	size := len(n.Content) / 2
	out.keys = make([]skey, 0, size)
	out.vals = make([]*snode, 0, size)
	// Small maps (nearly all of them) find duplicates by scanning.
	var seen map[string]int
	if size > 16 {
		seen = make(map[string]int, size)
	}
	lookup := func(k string) (skey, bool) {
		if seen != nil {
			i, ok := seen[k]
			if ok {
				return out.keys[i], true
			}
			return skey{}, false
		}
		for _, key := range out.keys {
			if key.str == k {
				return key, true
			}
		}
		return skey{}, false
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn.Kind == yaml.AliasNode && kn.Alias != nil {
			kn = kn.Alias
		}
		if kn.Kind != yaml.ScalarNode {
			c.errs.add(c.pos(kn), "YAML: map keys must be strings, not %s", kindName(kn))
			continue
		}
		if kn.Tag == "!!merge" {
			merges = append(merges, vn)
			continue
		}
		if first, dup := lookup(kn.Value); dup {
			c.errs.add(c.pos(kn), "duplicate key %q (first at line %d)", kn.Value, first.pos.line)
			continue
		}
		key := skey{str: kn.Value, pos: c.pos(kn)}
		if seen != nil {
			seen[kn.Value] = len(out.keys)
		}
		v := c.convert(vn, depth+1, aliased)
		if v == nil {
			v = c.null(vn)
		}
		out.keys = append(out.keys, key)
		out.vals = append(out.vals, v)
	}
	// Merge keys (<<: *base): explicit keys win, then earlier sources.
	for _, m := range merges {
		var sources []*yaml.Node
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		} else {
			sources = []*yaml.Node{m}
		}
		for _, src := range sources {
			s := c.convert(src, depth, aliased)
			if s == nil {
				continue
			}
			if s.kind != sMap {
				c.errs.add(c.pos(src), "YAML: << must merge a map or a list of maps, not %s", s.describe())
				continue
			}
			for i, k := range s.keys {
				if _, dup := lookup(k.str); dup {
					continue
				}
				if seen != nil {
					seen[k.str] = len(out.keys)
				}
				out.keys = append(out.keys, k)
				out.vals = append(out.vals, s.vals[i])
			}
		}
	}
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a map"
	}
	return "this"
}

// scalar types a scalar the way YAML 1.2's core schema does (as yaml.v3
// resolved it), with integers as int64 and floats as float64.
func (c *converter) scalar(n *yaml.Node) *snode {
	out := c.alloc()
	out.kind, out.pos, out.style = sScalar, c.pos(n), n.Style
	v := n.Value
	tag := n.Tag // the parser has resolved plain scalars' tags
	if tag == "" || tag == "!" {
		tag = n.ShortTag()
	}
	switch tag {
	case "!!str", "!!timestamp":
		out.isStr, out.str = true, v
	case "!!null":
	case "!!bool":
		switch v {
		case "true", "True", "TRUE":
			out.value = true
		case "false", "False", "FALSE":
			out.value = false
		default:
			c.errs.add(out.pos, "YAML: %q is not a boolean", v)
			return nil
		}
	case "!!int":
		plain := strings.ReplaceAll(v, "_", "")
		i, err := strconv.ParseInt(plain, 0, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				c.errs.add(out.pos, "integer %s does not fit in 64 bits", v)
			} else {
				c.errs.add(out.pos, "YAML: %q is not an integer", v)
			}
			return nil
		}
		out.value = i
	case "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			c.errs.add(out.pos, "number %s is not a finite number", v)
			return nil
		}
		out.value = f
	default:
		c.errs.add(out.pos, "YAML: tag %s is not supported", tag)
		return nil
	}
	return out
}

// stringPos returns the position of byte offset off inside string scalar
// n when it can be computed (a single-line scalar), else n's position.
func (n *snode) stringPos(off int) position {
	if off < 0 || strings.ContainsAny(n.str, "\n\r") {
		return n.pos
	}
	p := n.pos
	switch n.style {
	case 0, yaml.TaggedStyle:
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		p.col++
	default:
		return p
	}
	if !n.isStr || off > len(n.str) {
		return n.pos
	}
	p.col += utf8.RuneCountInString(n.str[:off])
	return p
}
