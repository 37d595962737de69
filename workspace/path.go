package workspace

import (
	"fmt"
	"strings"
)

// ParsePath splits a --path expression into segments: "a.b[0].c" gives
// a, b, 0, c, and a quoted key in brackets holds any characters:
// `tags["team.name"]` gives tags, team.name. Indexes are returned as their
// decimal text; SetPath decides from the value it meets whether a segment
// is a map key or a list index.
func ParsePath(s string) ([]string, error) {
	bad := func(i int, format string, args ...any) ([]string, error) {
		return nil, fmt.Errorf("invalid path %q: %s at column %d", s, fmt.Sprintf(format, args...), i+1)
	}
	if s == "" {
		return nil, fmt.Errorf("invalid path: it is empty")
	}
	var segs []string
	i := 0
	for {
		// At the start of a segment: a bracket, or a bare name.
		if i < len(s) && s[i] == '[' {
			start := i
			i++
			if i < len(s) && s[i] == '"' {
				key, n, err := unquote(s[i:])
				if err != nil {
					return bad(i, "%v", err)
				}
				if key == "" {
					return bad(i, "empty key")
				}
				segs = append(segs, key)
				i += n
			} else {
				end := strings.IndexByte(s[i:], ']')
				if end < 0 {
					return bad(start, "unclosed [")
				}
				idx := s[i : i+end]
				if _, err := parseIndex(idx); err != nil {
					return bad(i, "%q is not an index (want [0], [1], … or [\"key\"])", idx)
				}
				segs = append(segs, idx)
				i += end
			}
			if i >= len(s) || s[i] != ']' {
				return bad(i, "missing ]")
			}
			i++
		} else {
			start := i
			for i < len(s) && s[i] != '.' && s[i] != '[' {
				if s[i] == ']' || s[i] == '"' {
					return bad(i, "unexpected %c", s[i])
				}
				i++
			}
			if i == start {
				return bad(i, "empty segment")
			}
			segs = append(segs, s[start:i])
		}
		// Between segments: end, '.', or '['.
		switch {
		case i == len(s):
			return segs, nil
		case s[i] == '.':
			i++
			if i == len(s) || s[i] == '.' || s[i] == '[' {
				return bad(i, "empty segment")
			}
		case s[i] == '[':
		default:
			return bad(i, "unexpected %c (want . or [ after ])", s[i])
		}
	}
}

// unquote reads a double-quoted key at the start of s, with \" and \\ as
// the only escapes, and returns it and the bytes consumed.
func unquote(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				b.WriteByte(s[i+1])
				i++
				continue
			}
			return "", 0, fmt.Errorf(`unknown escape (only \" and \\)`)
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("unclosed quote")
}

// formatPath writes segments back as a path for messages: ".a.b[0]",
// with all-digit segments shown as indexes.
func formatPath(path []string) string {
	var b strings.Builder
	for _, seg := range path {
		switch {
		case seg != "" && strings.Trim(seg, "0123456789") == "":
			fmt.Fprintf(&b, "[%s]", seg)
		case strings.ContainsAny(seg, `.[]"`):
			fmt.Fprintf(&b, "[%q]", seg)
		default:
			b.WriteString("." + seg)
		}
	}
	return b.String()
}
