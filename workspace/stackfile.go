package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/plinth-iac/plinth/secrets"
)

// MaxStackFileSize is the largest stack file ParseStackFile reads. Stack
// files hold a key and config; a bigger one is a mistake or an attack.
const MaxStackFileSize = 1 << 20

// The top-level keys of a stack file, in the order new files get them.
const (
	keySecretsProvider = "secretsprovider"
	keyEncryptedKey    = "encryptedkey"
	keyRecipients      = "recipients"
	keyEncryptionSalt  = "encryptionsalt"
	keyConfig          = "config"
)

// TooLargeError is a stack file over MaxStackFileSize: ParseStackFile
// returns it for a file read, Bytes for a file that an edit (a huge config
// value) would make too large to read back.
type TooLargeError struct {
	Path string
	Size int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: stack file too large (%d bytes; the limit is %d)", e.Path, e.Size, MaxStackFileSize)
}

// ParseError is an error at a place in a stack file. Its message is one
// line: "path:line:col: message".
type ParseError struct {
	Path   string
	Line   int // 1-based
	Column int // 1-based
	Msg    string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Column, e.Msg)
}

// StackFile is a parsed Plinth.<stack>.yaml. Edits change its YAML node
// tree in place, so Bytes keeps everything the user wrote that they do not
// touch. A StackFile is not safe for concurrent use.
type StackFile struct {
	path string
	doc  *yaml.Node // a DocumentNode holding one MappingNode
}

// NewStackFile returns an empty stack file.
func NewStackFile() *StackFile {
	return &StackFile{path: "stack file", doc: newDoc()}
}

func newDoc() *yaml.Node {
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{newMap()}}
}

func newMap() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }

func newStr(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// ParseStackFile parses a stack file; path is used in error messages only.
// It checks everything up front, so that later reads cannot fail.
func ParseStackFile(path string, data []byte) (*StackFile, error) {
	if len(data) > MaxStackFileSize {
		return nil, &TooLargeError{Path: path, Size: len(data)}
	}
	doc, err := decodeOne(path, data)
	if err != nil {
		return nil, err
	}
	f := &StackFile{path: path, doc: doc}
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

// decodeOne decodes exactly one YAML document. An empty file, or one with
// only comments, is an empty stack file.
func decodeOne(path string, data []byte) (doc *yaml.Node, err error) {
	defer func() {
		// yaml.v3 has panicked on hostile input before; a stack file comes
		// from whoever can open a pull request.
		if r := recover(); r != nil {
			doc, err = nil, &ParseError{Path: path, Line: 1, Column: 1, Msg: "cannot parse YAML"}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	doc = new(yaml.Node)
	switch err := dec.Decode(doc); {
	case errors.Is(err, io.EOF):
		return newDoc(), nil
	case err != nil:
		return nil, syntaxError(path, data, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(path, data, err)
	default:
		return nil, &ParseError{Path: path, Line: max(extra.Line, 1), Column: max(extra.Column, 1), Msg: "a stack file holds one YAML document, not several"}
	}
	spellNulls(doc, false)
	if len(doc.Content) == 1 && doc.Content[0].ShortTag() == "!!null" && doc.Content[0].Kind == yaml.ScalarNode {
		// "~" or "null": keep its comments on an empty mapping.
		m := newMap()
		copyComments(m, doc.Content[0])
		doc.Content[0] = m
	}
	return doc, nil
}

// spellNulls writes out empty null values inside flow collections
// ({a: } becomes {a: null}): yaml.v3 would write them back as an empty
// quoted string. Mapping keys are left alone, since their text is the key.
func spellNulls(n *yaml.Node, inFlow bool) {
	inFlow = inFlow || n.Style&yaml.FlowStyle != 0
	for i, c := range n.Content {
		isKey := n.Kind == yaml.MappingNode && i%2 == 0
		if inFlow && !isKey && c.Kind == yaml.ScalarNode && c.Value == "" && c.Tag == "!!null" {
			c.Value = "null"
		}
		spellNulls(c, inFlow)
	}
}

var (
	yamlLineRE   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlAnchorRE = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// yamlParserProblems are the messages of yaml.v3's parser (as opposed to
// its scanner). yaml.v3 reports their line counting from 0, and leaves the
// line out when it is 0; scanner errors count from 1.
var yamlParserProblems = regexp.MustCompile(`^(did not find expected (',' or '\]'|',' or '\}'|'-' indicator|<document start>|<stream-start>|key|node content)|found duplicate %(TAG|YAML) directive|found incompatible YAML document|found undefined tag handle)$`)

// syntaxError turns a yaml.v3 error into a ParseError. yaml.v3 reports a
// line only; the column given is where that line's text starts, which is
// where an editor should land. For parser errors the line is where the
// enclosing construct starts (an unclosed "[" for example).
func syntaxError(path string, data []byte, err error) error {
	msg := err.Error()
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if yamlParserProblems.MatchString(msg) {
			line++
		}
	} else if m := yamlAnchorRE.FindStringSubmatch(msg); m != nil {
		msg = "unknown anchor " + strconv.Quote(m[1])
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line = 1 + bytes.Count(data[:i], []byte("\n"))
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	msg = strings.Join(strings.Fields(msg), " ") // one line, always
	return &ParseError{Path: path, Line: line, Column: firstColumn(data, line), Msg: "invalid YAML: " + msg}
}

// firstColumn returns the 1-based column of the first non-blank character
// on a 1-based line, or 1.
func firstColumn(data []byte, line int) int {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return 1
	}
	l := lines[line-1]
	return len(l) - len(bytes.TrimLeft(l, " \t")) + 1
}

func (f *StackFile) errorAt(n *yaml.Node, format string, args ...any) error {
	return &ParseError{Path: f.path, Line: max(n.Line, 1), Column: max(n.Column, 1), Msg: fmt.Sprintf(format, args...)}
}

func (f *StackFile) root() *yaml.Node { return f.doc.Content[0] }

// check validates the whole file.
func (f *StackFile) check() error {
	if len(f.doc.Content) != 1 {
		return f.errorAt(f.doc, "a stack file holds one YAML document")
	}
	root := f.root()
	if root.Kind != yaml.MappingNode {
		return f.errorAt(root, "a stack file is a mapping with the keys secretsprovider, encryptedkey, recipients, encryptionsalt and config")
	}
	if err := f.checkMapKeys(root); err != nil {
		return err
	}
	for i := 0; i < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case keySecretsProvider, keyEncryptedKey, keyEncryptionSalt:
			if !isNull(v) && !isString(v) {
				return f.errorAt(v, "%s must be a string", k.Value)
			}
		case keyRecipients:
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.SequenceNode {
				return f.errorAt(v, "recipients must be a list of age public keys (age1…)")
			}
			for j, r := range v.Content {
				if !isString(r) {
					return f.errorAt(r, "recipients[%d] must be a string (an age public key, age1…)", j)
				}
			}
		case keyConfig:
			if err := f.checkConfig(v); err != nil {
				return err
			}
		case keyPreviousKeys:
			if err := f.checkPreviousKeys(v); err != nil {
				return err
			}
		default:
			return f.errorAt(k, "unknown key %q (a stack file has secretsprovider, encryptedkey, recipients, encryptionsalt and config)", k.Value)
		}
		if err := f.checkNoAlias(v); err != nil {
			return err
		}
	}
	return nil
}

// checkMapKeys checks that a mapping's keys are plain scalars and unique.
func (f *StackFile) checkMapKeys(m *yaml.Node) error {
	seen := make(map[string]*yaml.Node, len(m.Content)/2)
	for i := 0; i < len(m.Content); i += 2 {
		k := m.Content[i]
		switch {
		case k.Kind == yaml.AliasNode:
			return f.errorAt(k, "aliases are not supported in stack files")
		case k.Kind != yaml.ScalarNode:
			return f.errorAt(k, "keys must be strings")
		case k.ShortTag() == "!!merge":
			return f.errorAt(k, "merge keys (<<) are not supported in stack files")
		}
		if first, ok := seen[k.Value]; ok {
			return f.errorAt(k, "duplicate key %q (first at line %d)", k.Value, first.Line)
		}
		seen[k.Value] = k
	}
	return nil
}

func (f *StackFile) checkNoAlias(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		return f.errorAt(n, "aliases are not supported in stack files")
	}
	for _, c := range n.Content {
		if err := f.checkNoAlias(c); err != nil {
			return err
		}
	}
	return nil
}

func (f *StackFile) checkConfig(cfg *yaml.Node) error {
	if isNull(cfg) {
		return nil
	}
	if cfg.Kind != yaml.MappingNode {
		return f.errorAt(cfg, "config must be a mapping of ns:key to values")
	}
	if err := f.checkMapKeys(cfg); err != nil {
		return err
	}
	for i := 0; i < len(cfg.Content); i += 2 {
		k, v := cfg.Content[i], cfg.Content[i+1]
		if !isString(k) {
			return f.errorAt(k, "config key %q must be a string of the form ns:key", k.Value)
		}
		if err := CheckKey(k.Value); err != nil {
			return f.errorAt(k, "%v", err)
		}
		if err := f.checkValue(v); err != nil {
			return err
		}
	}
	return nil
}

// checkValue checks that a config value converts to a Go value.
func (f *StackFile) checkValue(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if _, err := scalarValue(n); err != nil {
			return f.errorAt(n, "%v", err)
		}
	case yaml.MappingNode:
		if err := f.checkMapKeys(n); err != nil {
			return err
		}
		if len(n.Content) == 2 && n.Content[0].Value == "secure" && !isString(n.Content[1]) {
			return f.errorAt(n.Content[1], "a secure value must be a string (secure: v1:…)")
		}
		for i := 1; i < len(n.Content); i += 2 {
			if err := f.checkValue(n.Content[i]); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if err := f.checkValue(c); err != nil {
				return err
			}
		}
	case yaml.AliasNode:
		return f.errorAt(n, "aliases are not supported in stack files")
	default:
		return f.errorAt(n, "unsupported YAML node")
	}
	return nil
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func isString(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" }

// findKey returns the index of key's key node in mapping m, or -1.
func findKey(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// top returns the value of a top-level key, or nil.
func (f *StackFile) top(key string) *yaml.Node {
	root := f.root()
	if i := findKey(root, key); i >= 0 {
		return root.Content[i+1]
	}
	return nil
}

// setTop replaces a top-level value in place, or adds the key before
// config, so that the key material stays at the top of the file.
func (f *StackFile) setTop(key string, v *yaml.Node) {
	root := f.root()
	if i := findKey(root, key); i >= 0 {
		replaceNode(root.Content[i+1], v)
		return
	}
	at := len(root.Content)
	if i := findKey(root, keyConfig); i >= 0 {
		at = i
	}
	root.Content = append(root.Content[:at], append([]*yaml.Node{newStr(key), v}, root.Content[at:]...)...)
}

func (f *StackFile) removeTop(key string) {
	root := f.root()
	if i := findKey(root, key); i >= 0 {
		root.Content = append(root.Content[:i], root.Content[i+2:]...)
	}
}

// Wrapped returns what the file says about the stack's data key.
func (f *StackFile) Wrapped() secrets.Wrapped {
	var w secrets.Wrapped
	str := func(key string) string {
		if n := f.top(key); n != nil && isString(n) {
			return n.Value
		}
		return ""
	}
	w.Provider = str(keySecretsProvider)
	w.EncryptedKey = str(keyEncryptedKey)
	w.Salt = str(keyEncryptionSalt)
	if n := f.top(keyRecipients); n != nil && n.Kind == yaml.SequenceNode {
		for _, r := range n.Content {
			w.Recipients = append(w.Recipients, r.Value)
		}
	}
	return w
}

// SetWrapped records a (new or re-wrapped) data key. Keys the provider
// does not use (recipients, encryptionsalt) are removed; keys already in the
// file are changed in place, keeping their comments.
func (f *StackFile) SetWrapped(w secrets.Wrapped) {
	f.setTop(keySecretsProvider, newStr(w.Provider))
	f.setTop(keyEncryptedKey, newStr(w.EncryptedKey))
	if len(w.Recipients) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, r := range w.Recipients {
			seq.Content = append(seq.Content, newStr(r))
		}
		f.setTop(keyRecipients, seq)
	} else {
		f.removeTop(keyRecipients)
	}
	if w.Salt != "" {
		f.setTop(keyEncryptionSalt, newStr(w.Salt))
	} else {
		f.removeTop(keyEncryptionSalt)
	}
}

// Bytes returns the file's YAML, indented by two spaces. It parses its own
// output back and fails rather than return YAML that would read back as a
// different stack file.
func (f *StackFile) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f.doc); err != nil {
		return nil, fmt.Errorf("%s: encode: %v", f.path, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("%s: encode: %v", f.path, err)
	}
	if buf.Len() > MaxStackFileSize {
		return nil, &TooLargeError{Path: f.path, Size: buf.Len()}
	}
	back, err := ParseStackFile(f.path, buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: the rewritten file would not read back: %w", f.path, err)
	}
	if !f.sameAs(back) {
		return nil, fmt.Errorf("%s: the rewritten file would read back differently; nothing was written (please report this)", f.path)
	}
	return buf.Bytes(), nil
}

// sameAs reports whether g holds the same key and config as f.
func (f *StackFile) sameAs(g *StackFile) bool {
	a, b := f.Wrapped(), g.Wrapped()
	if a.Provider != b.Provider || a.EncryptedKey != b.EncryptedKey || a.Salt != b.Salt || !slices.Equal(a.Recipients, b.Recipients) {
		return false
	}
	ka, kb := f.Keys(), g.Keys()
	if !slices.Equal(ka, kb) {
		return false
	}
	for _, k := range ka {
		va, _ := f.Get(k)
		vb, _ := g.Get(k)
		if !valuesEqual(va, vb) {
			return false
		}
	}
	return true
}
