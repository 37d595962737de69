package program

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A template is a string scalar split into literal text and ${…}
// references. Templates are parsed once, at load; evaluation never looks
// at the source text again.
type template []tmplPart

// A tmplPart is literal text (ref == nil) or one ${…} reference.
type tmplPart struct {
	lit string
	ref *refSyntax
	off int // byte offset of the part in the source string
}

// refSyntax is the inside of ${…}: a root name and a path into its value.
type refSyntax struct {
	src   string // the text between ${ and }
	elems []pathElem
	buf   [3]pathElem // backs elems for short references: one allocation
}

// A pathElem is one step of a reference: .name, ["key"] or [index].
type pathElem struct {
	key     string
	index   int
	isIndex bool
	// bare is true for a name written without quotes (the root, or after
	// a dot): such names may join into a dotted resource name.
	bare bool
}

// templateError is a syntax error at byte offset off of the source.
type templateError struct {
	off int
	msg string
}

func (e *templateError) Error() string { return e.msg }

// parseTemplate splits s into literal text and references. "$${" is a
// literal "${"; any other "$" is literal.
func parseTemplate(s string) (template, error) {
	if !strings.Contains(s, "${") {
		return template{{lit: s}}, nil
	}
	parts := make(template, 0, 3)
	var lit strings.Builder
	litStart := 0
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, tmplPart{lit: lit.String(), off: litStart})
			lit.Reset()
		}
	}
	i := 0
	for i < len(s) {
		j := strings.IndexByte(s[i:], '$')
		if j < 0 {
			lit.WriteString(s[i:])
			break
		}
		j += i
		lit.WriteString(s[i:j])
		switch {
		case strings.HasPrefix(s[j:], "$${"):
			lit.WriteString("${")
			i = j + 3
		case strings.HasPrefix(s[j:], "${"):
			flush()
			ref, end, err := parseRef(s, j+2)
			if err != nil {
				return nil, err
			}
			parts = append(parts, tmplPart{ref: ref, off: j})
			i, litStart = end, end
		default:
			lit.WriteByte('$')
			i = j + 1
		}
	}
	flush()
	if len(parts) == 0 {
		parts = template{{lit: ""}}
	}
	return parts, nil
}

// literal reports whether t holds no reference, and its text.
func (t template) literal() (string, bool) {
	if len(t) == 1 && t[0].ref == nil {
		return t[0].lit, true
	}
	return "", false
}

// String writes t back as template source (escaping literal "${").
func (t template) String() string {
	var b strings.Builder
	for _, p := range t {
		if p.ref == nil {
			b.WriteString(strings.ReplaceAll(p.lit, "${", "$${"))
			continue
		}
		b.WriteString("${")
		b.WriteString(p.ref.String())
		b.WriteString("}")
	}
	return b.String()
}

// parseRef parses the reference starting at s[start] (just after "${") and
// returns it with the offset just past its closing "}".
func parseRef(s string, start int) (*refSyntax, int, error) {
	open := start - 2
	ref := &refSyntax{}
	ref.elems = ref.buf[:0]
	i := start
	name, i := scanName(s, i)
	if name == "" {
		switch {
		case i >= len(s):
			return nil, 0, &templateError{open, "unterminated ${: missing }"}
		case s[i] == '}':
			return nil, 0, &templateError{open, "empty ${}: write a name, like ${name}"}
		}
		return nil, 0, unexpected(s, i, "a name")
	}
	ref.elems = append(ref.elems, pathElem{key: name, bare: true})
	for {
		if i >= len(s) {
			return nil, 0, &templateError{open, "unterminated ${: missing }"}
		}
		switch s[i] {
		case '}':
			ref.src = s[start:i]
			return ref, i + 1, nil
		case '.':
			name, i = scanName(s, i+1)
			if name == "" {
				if i >= len(s) {
					return nil, 0, &templateError{open, "unterminated ${: missing }"}
				}
				return nil, 0, unexpected(s, i, "a name after '.'")
			}
			ref.elems = append(ref.elems, pathElem{key: name, bare: true})
		case '[':
			e, next, err := parseIndex(s, i+1, open)
			if err != nil {
				return nil, 0, err
			}
			ref.elems = append(ref.elems, e)
			i = next
		default:
			return nil, 0, unexpected(s, i, "'.', '[' or '}'")
		}
	}
}

// parseIndex parses what follows "[": a non-negative integer or a quoted
// key, then "]".
func parseIndex(s string, i, open int) (pathElem, int, error) {
	if i >= len(s) {
		return pathElem{}, 0, &templateError{open, "unterminated ${: missing }"}
	}
	var e pathElem
	switch c := s[i]; {
	case c >= '0' && c <= '9':
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(s[i:j])
		if err != nil || n > 1<<31 {
			return pathElem{}, 0, &templateError{i, fmt.Sprintf("index %s is too large", s[i:j])}
		}
		e, i = pathElem{index: n, isIndex: true}, j
	case c == '"' || c == '\'':
		var b strings.Builder
		j := i + 1
		for {
			if j >= len(s) {
				return pathElem{}, 0, &templateError{i, "unterminated quoted key"}
			}
			d := s[j]
			if d == c {
				break
			}
			if d == '\\' {
				if j+1 >= len(s) {
					return pathElem{}, 0, &templateError{i, "unterminated quoted key"}
				}
				switch s[j+1] {
				case '\\', '"', '\'':
					b.WriteByte(s[j+1])
					j += 2
					continue
				}
				return pathElem{}, 0, &templateError{j, fmt.Sprintf(`unknown escape \%c in quoted key (only \\, \" and \' are allowed)`, s[j+1])}
			}
			b.WriteByte(d)
			j++
		}
		e, i = pathElem{key: b.String()}, j+1
	default:
		return pathElem{}, 0, unexpected(s, i, `an index or a quoted key after '['`)
	}
	if i >= len(s) {
		return pathElem{}, 0, &templateError{open, "unterminated ${: missing }"}
	}
	if s[i] != ']' {
		return pathElem{}, 0, unexpected(s, i, "']'")
	}
	return e, i + 1, nil
}

func unexpected(s string, i int, want string) error {
	r, _ := utf8.DecodeRuneInString(s[i:])
	hint := ""
	if r == ' ' || r == '\t' {
		hint = " (no spaces inside ${…})"
	} else if r == ':' || r == '/' || r == '@' {
		hint = ` (quote keys with other characters: ["a:b"])`
	}
	what := fmt.Sprintf("%q", r)
	if r > unicode.MaxASCII {
		what += fmt.Sprintf(" (%U)", r) // a homoglyph of an ASCII letter looks like one
	}
	return &templateError{i, fmt.Sprintf("unexpected %s in ${…}, want %s%s", what, want, hint)}
}

// scanName scans [A-Za-z0-9_-]* from i.
func scanName(s string, i int) (string, int) {
	j := i
	for j < len(s) && isNameByte(s[j]) {
		j++
	}
	return s[i:j], j
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// String writes the reference back as source.
func (r *refSyntax) String() string {
	var b strings.Builder
	writePath(&b, r.elems)
	return b.String()
}

// writePath renders path elements the way they are written in ${…}.
func writePath(b *strings.Builder, elems []pathElem) {
	for i, e := range elems {
		switch {
		case e.isIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.index))
			b.WriteByte(']')
		case e.bare && plainName(e.key):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(e.key)
		default:
			b.WriteString(`["`)
			b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(e.key))
			b.WriteString(`"]`)
		}
	}
}

func plainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}

// parsePropertyPath parses an ignoreChanges or replaceOnChanges entry:
// a property name followed by a path, like tags.team or items[0].
func parsePropertyPath(s string) ([]pathElem, error) {
	ref, end, err := parseRef(s+"}", 0)
	if err != nil {
		return nil, err
	}
	if end != len(s)+1 {
		return nil, &templateError{end, "unexpected text"}
	}
	return ref.elems, nil
}
