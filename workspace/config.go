package workspace

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Secure is an encrypted config value, written {secure: v1:…} in the file.
// Ciphertext is in secrets' value format; this package does not look
// inside it.
type Secure struct {
	Ciphertext string
}

// CheckKey reports whether key is a valid config key: namespace:key, both
// parts non-empty, one colon, printable UTF-8.
func CheckKey(key string) error {
	ns, name, ok := strings.Cut(key, ":")
	switch {
	case !utf8.ValidString(key):
		return fmt.Errorf("config key %q is not valid UTF-8", key)
	case strings.IndexFunc(key, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("config key %q has unprintable characters", key)
	case !ok:
		return fmt.Errorf("config key %q must be of the form namespace:key", key)
	case ns == "":
		return fmt.Errorf("config key %q has an empty namespace (want namespace:key)", key)
	case name == "":
		return fmt.Errorf("config key %q has an empty key (want namespace:key)", key)
	case strings.Contains(name, ":"):
		return fmt.Errorf("config key %q has more than one colon (want namespace:key)", key)
	}
	return nil
}

// CheckValue reports whether v can be stored as a config value: nil,
// string (UTF-8), bool, any integer type that fits in int64, float32,
// float64, Secure, []any, []string, map[string]any or map[string]string,
// nested.
func CheckValue(v any) error {
	_, err := toNode(v)
	return err
}

// config returns the config mapping, or nil. With create, a missing or
// empty (null) config becomes an empty mapping first.
func (f *StackFile) config(create bool) *yaml.Node {
	cfg := f.top(keyConfig)
	switch {
	case cfg != nil && cfg.Kind == yaml.MappingNode:
		return cfg
	case !create:
		return nil
	case cfg != nil: // config: with no value
		replaceNode(cfg, newMap())
		return cfg
	default:
		m := newMap()
		f.root().Content = append(f.root().Content, newStr(keyConfig), m)
		return m
	}
}

// Keys returns the config keys ("ns:key") in file order.
func (f *StackFile) Keys() []string {
	cfg := f.config(false)
	if cfg == nil {
		return nil
	}
	keys := make([]string, 0, len(cfg.Content)/2)
	for i := 0; i < len(cfg.Content); i += 2 {
		keys = append(keys, cfg.Content[i].Value)
	}
	return keys
}

// Get returns a config value (see the package doc for its Go types).
func (f *StackFile) Get(key string) (any, bool) {
	cfg := f.config(false)
	if cfg == nil {
		return nil, false
	}
	i := findKey(cfg, key)
	if i < 0 {
		return nil, false
	}
	return nodeValue(cfg.Content[i+1]), true
}

// Position returns where key's entry starts in the parsed file, or 0, 0
// if it was not in the file as read.
func (f *StackFile) Position(key string) (line, col int) {
	cfg := f.config(false)
	if cfg == nil {
		return 0, 0
	}
	i := findKey(cfg, key)
	if i < 0 {
		return 0, 0
	}
	return cfg.Content[i].Line, cfg.Content[i].Column
}

// Set sets a config value. An existing entry is replaced in place and
// keeps its comments (and, for strings, its quoting style); a new one goes
// at the end of config.
//
// Set panics if key fails CheckKey or v fails CheckValue: callers check
// user input with those first (or use SetPath, which returns the error).
func (f *StackFile) Set(key string, v any) {
	if err := f.SetPath(key, nil, v); err != nil {
		panic("workspace: StackFile.Set: " + err.Error())
	}
}

// SetPath sets a value inside a structured config value: path segments
// name map keys ("tags", "team") and list indexes ("items", "0"). Missing
// maps are created along the way, including the config value itself; an
// index equal to the list's length appends. An empty path is Set.
func (f *StackFile) SetPath(key string, path []string, v any) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	n, err := toNode(v)
	if err != nil {
		return fmt.Errorf("config %s: %w", key, err)
	}
	cfg := f.config(true)
	i := findKey(cfg, key)
	if len(path) == 0 {
		if i >= 0 {
			replaceNode(cfg.Content[i+1], n)
		} else {
			cfg.Content = append(cfg.Content, newStr(key), n)
		}
		return nil
	}

	var root *yaml.Node
	if i >= 0 {
		root = cfg.Content[i+1]
	} else {
		root = newMap()
	}
	// Walk existing nodes first: every error happens before anything is
	// created or changed, so a failed SetPath leaves the file as it was.
	cur := root
	for j, seg := range path {
		where := key + formatPath(path[:j])
		last := j == len(path)-1
		if isNull(cur) {
			replaceNode(cur, newMap())
		}
		switch {
		case isSecureNode(cur):
			return f.pathError(cur, "config %s is a secret; set it as a whole", where)
		case cur.Kind == yaml.MappingNode:
			k := findKey(cur, seg)
			switch {
			case k >= 0 && last:
				replaceNode(cur.Content[k+1], n)
			case k >= 0:
				cur = cur.Content[k+1]
			case last:
				cur.Content = append(cur.Content, newStr(seg), n)
			default:
				child := newMap()
				cur.Content = append(cur.Content, newStr(seg), child)
				cur = child
			}
		case cur.Kind == yaml.SequenceNode:
			idx, err := parseIndex(seg)
			if err != nil {
				return f.pathError(cur, "config %s is a list; %q is not an index", where, seg)
			}
			if idx > len(cur.Content) {
				return f.pathError(cur, "config %s has %d items; index %d is out of range (%d appends)", where, len(cur.Content), idx, len(cur.Content))
			}
			switch {
			case idx < len(cur.Content) && last:
				replaceNode(cur.Content[idx], n)
			case idx < len(cur.Content):
				cur = cur.Content[idx]
			case last:
				cur.Content = append(cur.Content, n)
			default:
				child := newMap()
				cur.Content = append(cur.Content, child)
				cur = child
			}
		default:
			return f.pathError(cur, "config %s is %s, not a map or list", where, kindName(cur))
		}
	}
	if i < 0 {
		cfg.Content = append(cfg.Content, newStr(key), root)
	}
	return nil
}

// pathError places an error at n when n came from the file.
func (f *StackFile) pathError(n *yaml.Node, format string, args ...any) error {
	if n.Line > 0 {
		return f.errorAt(n, format, args...)
	}
	return fmt.Errorf(format, args...)
}

// parseIndex reads a list index: a decimal integer without sign or leading
// zeros.
func parseIndex(s string) (int, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("not an index: %q", s)
	}
	return strconv.Atoi(s)
}

func kindName(n *yaml.Node) string {
	switch n.ShortTag() {
	case "!!str", "!!timestamp":
		return "a string"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	}
	return "a value"
}

// Remove deletes a config entry, with its comments; it reports whether
// there was one.
func (f *StackFile) Remove(key string) bool {
	cfg := f.config(false)
	if cfg == nil {
		return false
	}
	i := findKey(cfg, key)
	if i < 0 {
		return false
	}
	cfg.Content = append(cfg.Content[:i], cfg.Content[i+2:]...)
	return true
}

// replaceNode puts n where old is, keeping what the user wrote around the
// parts that stay: old's comments; the style (flow or block, quoting of
// single-line strings) where it still fits; and, for a map replaced by a
// map, the order of its keys and the comments of the entries that remain;
// and a scalar's text when its value does not change. So Set(k, Get(k))
// leaves the file unchanged.
func replaceNode(old, n *yaml.Node) {
	if old.Kind == yaml.ScalarNode && n.Kind == yaml.ScalarNode && sameScalar(old, n) {
		return // keep the user's spelling: 0x1F, ~, an unquoted date
	}
	copyComments(n, old)
	switch {
	case old.Kind == yaml.MappingNode && n.Kind == yaml.MappingNode:
		n.Style = old.Style & yaml.FlowStyle
		n.Content = mergeMap(old, n)
	case old.Kind == yaml.SequenceNode && n.Kind == yaml.SequenceNode:
		n.Style = old.Style & yaml.FlowStyle
		n.Content = mergeSeq(old, n)
	case isString(old) && n.Tag == "!!str" && !strings.ContainsAny(n.Value, "\n\r") &&
		old.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0:
		n.Style = old.Style & (yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle)
	}
	*old = *n
}

// mergeMap returns n's entries with the keys old also has first, in old's
// order and reusing old's key and value nodes, then n's other entries.
func mergeMap(old, n *yaml.Node) []*yaml.Node {
	content := make([]*yaml.Node, 0, len(n.Content))
	used := make([]bool, len(n.Content)/2)
	for i := 0; i+1 < len(old.Content); i += 2 {
		j := findKey(n, old.Content[i].Value)
		if j < 0 {
			continue
		}
		used[j/2] = true
		replaceNode(old.Content[i+1], n.Content[j+1])
		content = append(content, old.Content[i], old.Content[i+1])
	}
	for j := 0; j+1 < len(n.Content); j += 2 {
		if !used[j/2] {
			content = append(content, n.Content[j], n.Content[j+1])
		}
	}
	return content
}

// mergeSeq returns n's items, each scalar reusing an equal old item (and
// so its comments), each list or map merged with the old item at its index.
func mergeSeq(old, n *yaml.Node) []*yaml.Node {
	content := make([]*yaml.Node, len(n.Content))
	used := make([]bool, len(old.Content))
	for j, item := range n.Content {
		content[j] = item
		if item.Kind == yaml.ScalarNode {
			for i, o := range old.Content {
				if !used[i] && o.Kind == yaml.ScalarNode && o.Value == item.Value && o.ShortTag() == item.ShortTag() {
					used[i] = true
					content[j] = o
					break
				}
			}
		} else if j < len(old.Content) && old.Content[j].Kind == item.Kind && !used[j] {
			used[j] = true
			replaceNode(old.Content[j], item)
			content[j] = old.Content[j]
		}
	}
	return content
}

// sameScalar reports whether two scalars hold the same config value.
func sameScalar(a, b *yaml.Node) bool {
	va, errA := scalarValue(a)
	vb, errB := scalarValue(b)
	return errA == nil && errB == nil && valuesEqual(va, vb)
}

func copyComments(dst, src *yaml.Node) {
	dst.HeadComment, dst.LineComment, dst.FootComment = src.HeadComment, src.LineComment, src.FootComment
}

func isSecureNode(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode && len(n.Content) == 2 &&
		isString(n.Content[0]) && n.Content[0].Value == "secure" && isString(n.Content[1])
}

// scalarValue converts a scalar by its resolved tag. Timestamps stay the
// strings they were written as: config has no time type.
func scalarValue(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!str", "!!timestamp":
		return n.Value, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("%s is not a boolean", short(n.Value))
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, fmt.Errorf("%s is not a 64-bit integer", short(n.Value))
		}
		return i, nil
	case "!!float":
		var x float64
		if err := n.Decode(&x); err != nil {
			return nil, fmt.Errorf("%s is not a number", short(n.Value))
		}
		return x, nil
	}
	return nil, fmt.Errorf("unsupported tag %s (config values are strings, numbers, booleans, lists and maps)", short(n.Tag))
}

// short quotes s for an error message, cut to a readable length.
func short(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// nodeValue converts a checked config value to Go.
func nodeValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.ScalarNode:
		v, _ := scalarValue(n)
		return v
	case yaml.MappingNode:
		if isSecureNode(n) {
			return Secure{Ciphertext: n.Content[1].Value}
		}
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = nodeValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			s = append(s, nodeValue(c))
		}
		return s
	}
	return nil
}

// toNode converts a Go config value to YAML.
func toNode(v any) (*yaml.Node, error) {
	scalar := func(tag, value string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	}
	switch v := v.(type) {
	case nil:
		return scalar("!!null", "null"), nil
	case string:
		if !utf8.ValidString(v) {
			return nil, fmt.Errorf("value is not valid UTF-8")
		}
		return newStr(v), nil
	case Secure:
		if !utf8.ValidString(v.Ciphertext) {
			return nil, fmt.Errorf("secure value is not valid UTF-8")
		}
		m := newMap()
		m.Content = []*yaml.Node{newStr("secure"), newStr(v.Ciphertext)}
		return m, nil
	case bool:
		return scalar("!!bool", strconv.FormatBool(v)), nil
	case int:
		return scalar("!!int", strconv.FormatInt(int64(v), 10)), nil
	case int8:
		return scalar("!!int", strconv.FormatInt(int64(v), 10)), nil
	case int16:
		return scalar("!!int", strconv.FormatInt(int64(v), 10)), nil
	case int32:
		return scalar("!!int", strconv.FormatInt(int64(v), 10)), nil
	case int64:
		return scalar("!!int", strconv.FormatInt(v, 10)), nil
	case uint, uint8, uint16, uint32, uint64:
		u, _ := strconv.ParseUint(fmt.Sprint(v), 10, 64)
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("integer %d does not fit in 64 signed bits", u)
		}
		return scalar("!!int", strconv.FormatUint(u, 10)), nil
	case float32:
		return scalar("!!float", formatFloat(float64(v))), nil
	case float64:
		return scalar("!!float", formatFloat(v)), nil
	case []any:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range v {
			n, err := toNode(e)
			if err != nil {
				return nil, err
			}
			seq.Content = append(seq.Content, n)
		}
		return seq, nil
	case []string:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range v {
			n, err := toNode(e)
			if err != nil {
				return nil, err
			}
			seq.Content = append(seq.Content, n)
		}
		return seq, nil
	case map[string]any:
		return mapNode(v)
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = e
		}
		return mapNode(m)
	}
	return nil, fmt.Errorf("unsupported config value type %T", v)
}

// mapNode converts a map with its keys sorted, so output is stable.
func mapNode(v map[string]any) (*yaml.Node, error) {
	m := newMap()
	keys := make([]string, 0, len(v))
	for k := range v {
		if !utf8.ValidString(k) {
			return nil, fmt.Errorf("map key %q is not valid UTF-8", k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n, err := toNode(v[k])
		if err != nil {
			return nil, err
		}
		m.Content = append(m.Content, newStr(k), n)
	}
	return m, nil
}

// formatFloat writes a float that reads back as a float: 1.0 stays "1.0",
// not "1", which YAML would read as an integer.
func formatFloat(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return ".inf"
	case math.IsInf(x, -1):
		return "-.inf"
	case math.IsNaN(x):
		return ".nan"
	}
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// valuesEqual compares config values, with NaN equal to NaN.
func valuesEqual(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && (a == b || math.IsNaN(a) && math.IsNaN(b))
	case []any:
		b, ok := b.([]any)
		return ok && slices.EqualFunc(a, b, valuesEqual)
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, va := range a {
			vb, ok := b[k]
			if !ok || !valuesEqual(va, vb) {
				return false
			}
		}
		return true
	}
	return a == b
}
