package resource

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Secret marks a value that is secret. The zero Secret wraps nil.
type Secret struct{ Value any }

// Unknown marks a value that is not known until apply.
type Unknown struct{}

// PropertyMap is a resource's inputs or outputs.
type PropertyMap = map[string]any

// MakeSecret wraps v as a secret unless it already is one.
func MakeSecret(v any) any {
	if _, ok := v.(Secret); ok {
		return v
	}
	return Secret{Value: v}
}

// IsSecret reports whether v is a secret or contains one.
func IsSecret(v any) bool {
	switch t := v.(type) {
	case Secret:
		return true
	case []any:
		for _, e := range t {
			if IsSecret(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if IsSecret(e) {
				return true
			}
		}
	}
	return false
}

// IsUnknown reports whether v is or contains an Unknown.
func IsUnknown(v any) bool {
	switch t := v.(type) {
	case Unknown:
		return true
	case Secret:
		return IsUnknown(t.Value)
	case []any:
		for _, e := range t {
			if IsUnknown(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if IsUnknown(e) {
				return true
			}
		}
	}
	return false
}

// Reveal returns v with every Secret wrapper removed, and whether any was.
// Maps and slices are copied only when they contain a secret.
func Reveal(v any) (any, bool) {
	switch t := v.(type) {
	case Secret:
		inner, _ := Reveal(t.Value)
		return inner, true
	case []any:
		var out []any
		found := false
		for i, e := range t {
			r, s := Reveal(e)
			if s && out == nil {
				out = make([]any, len(t))
				copy(out, t[:i])
			}
			found = found || s
			if out != nil {
				out[i] = r
			}
		}
		if out == nil {
			return t, found
		}
		return out, true
	case map[string]any:
		var out map[string]any
		for k, e := range t {
			r, s := Reveal(e)
			if s && out == nil {
				out = make(map[string]any, len(t))
				for k2, e2 := range t {
					out[k2] = e2
				}
			}
			if out != nil {
				out[k] = r
			}
		}
		if out == nil {
			return t, false
		}
		return out, true
	}
	return v, false
}

// RevealMap reveals every property of m and lists the properties that held
// a secret.
func RevealMap(m PropertyMap) (PropertyMap, []string) {
	if m == nil {
		return nil, nil
	}
	out := make(PropertyMap, len(m))
	var secret []string
	for k, v := range m {
		r, s := Reveal(v)
		out[k] = r
		if s {
			secret = append(secret, k)
		}
	}
	sort.Strings(secret)
	return out, secret
}

// Equal reports whether a and b are the same value, secrets and unknowns
// included. Numbers compare by value across int64 and float64.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64, float64, int:
		fa, oka := number(a)
		fb, okb := number(b)
		return oka && okb && fa == fb
	case Secret:
		y, ok := b.(Secret)
		return ok && Equal(x.Value, y.Value)
	case Unknown:
		_, ok := b.(Unknown)
		return ok
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// Copy returns a deep copy of v.
func Copy(v any) any {
	switch t := v.(type) {
	case Secret:
		return Secret{Value: Copy(t.Value)}
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = Copy(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = Copy(e)
		}
		return out
	}
	return v
}

// TypeName names v's type the way errors and schemas do.
func TypeName(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case int64, int:
		return "integer"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "list"
	case map[string]any:
		return "map"
	case Secret:
		return TypeName(t.Value)
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("%T", v)
}

// Format renders v for people: strings quoted, secrets as [secret] unless
// showSecrets, unknowns as (known after up). Maps print with sorted keys.
func Format(v any, showSecrets bool) string {
	var b strings.Builder
	format(&b, v, showSecrets)
	return b.String()
}

func format(b *strings.Builder, v any, show bool) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case int:
		b.WriteString(strconv.Itoa(t))
	case float64:
		b.WriteString(FormatFloat(t))
	case string:
		b.WriteString(strconv.Quote(t))
	case Secret:
		if !show {
			b.WriteString("[secret]")
			return
		}
		format(b, t.Value, show)
	case Unknown:
		b.WriteString("(known after up)")
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			format(b, e, show)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteString(": ")
			format(b, t[k], show)
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "%v", t)
	}
}

// FormatFloat prints a number the shortest way that reads back the same.
func FormatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
