package provider

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plinth-iac/plinth/resource"
)

// Property types.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeNumber  = "number"
	TypeBoolean = "boolean"
	TypeList    = "list"
	TypeMap     = "map"
	TypeAny     = "any"
)

// PackageSchema describes a provider package.
type PackageSchema struct {
	Name        string
	Description string
	Config      map[string]Property
	Resources   map[string]ResourceSchema // by full type token, e.g. "file:File"
}

// ResourceSchema describes one resource type.
type ResourceSchema struct {
	Token       string
	Description string
	Inputs      map[string]Property
	Outputs     map[string]Property
}

// Property describes one input or output.
type Property struct {
	Type        string
	Items       *Property // element type of a list or map, nil for any
	Description string
	Required    bool
	Default     any
	// Secret outputs are always secret (random:Password's result).
	Secret bool
	// ReplaceOnChange inputs force a replacement when they change.
	ReplaceOnChange bool
	// FromInput names the input an output always equals, so preview can
	// show it before the resource exists (core:Data's output).
	FromInput string
	// DerivedFrom lists the inputs an output is computed from: the output
	// is secret when any of them is.
	DerivedFrom []string
}

// CheckValue reports whether v fits p's type. Unknown values fit anything.
// The error names the problem but never the value (it may be secret).
func CheckValue(p Property, v any) error {
	if s, ok := v.(resource.Secret); ok {
		v = s.Value
	}
	if _, ok := v.(resource.Unknown); ok || v == nil || p.Type == TypeAny || p.Type == "" {
		return nil
	}
	ok := false
	switch p.Type {
	case TypeString:
		_, ok = v.(string)
	case TypeInteger:
		switch n := v.(type) {
		case int64, int:
			ok = true
		case float64:
			ok = n == float64(int64(n))
		}
	case TypeNumber:
		switch v.(type) {
		case int64, int, float64:
			ok = true
		}
	case TypeBoolean:
		_, ok = v.(bool)
	case TypeList:
		var l []any
		if l, ok = v.([]any); ok && p.Items != nil {
			for i, e := range l {
				if err := CheckValue(*p.Items, e); err != nil {
					return fmt.Errorf("[%d]: %w", i, err)
				}
			}
		}
	case TypeMap:
		var m map[string]any
		if m, ok = v.(map[string]any); ok && p.Items != nil {
			for _, k := range sortedKeys(m) {
				if err := CheckValue(*p.Items, m[k]); err != nil {
					return fmt.Errorf(".%s: %w", k, err)
				}
			}
		}
	default:
		return fmt.Errorf("schema has unknown type %q", p.Type)
	}
	if !ok {
		return fmt.Errorf("expected %s, got %s", p.Type, resource.TypeName(v))
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// CheckInputs validates inputs against a schema: unknown properties,
// missing required ones and type mismatches, one failure each, sorted.
// It returns the inputs with schema defaults filled in.
func CheckInputs(s ResourceSchema, inputs resource.PropertyMap) (resource.PropertyMap, []CheckFailure) {
	out := make(resource.PropertyMap, len(inputs))
	var fails []CheckFailure
	for _, k := range sortedKeys(inputs) {
		p, ok := s.Inputs[k]
		if !ok {
			fails = append(fails, CheckFailure{Property: k, Reason: fmt.Sprintf("%s has no property %q%s", s.Token, k, suggest(k, s.Inputs))})
			continue
		}
		if err := CheckValue(p, inputs[k]); err != nil {
			fails = append(fails, CheckFailure{Property: k, Reason: fmt.Sprintf("property %q: %v", k, err)})
			continue
		}
		out[k] = inputs[k]
	}
	names := make([]string, 0, len(s.Inputs))
	for k := range s.Inputs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p := s.Inputs[k]
		if _, ok := inputs[k]; ok && inputs[k] != nil {
			continue
		}
		if p.Default != nil {
			out[k] = p.Default
		} else if p.Required {
			fails = append(fails, CheckFailure{Property: k, Reason: fmt.Sprintf("missing required property %q", k)})
		}
	}
	return out, fails
}

func suggest(k string, props map[string]Property) string {
	best, bestD := "", 3
	for name := range props {
		if d := distance(strings.ToLower(k), strings.ToLower(name)); d < bestD || (d == bestD && name < best) {
			best, bestD = name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance, for "did you mean" hints.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// DiffInputs is the diff most providers want: every input that differs is
// changed, and those marked ReplaceOnChange force a replacement.
func DiffInputs(s ResourceSchema, olds, news resource.PropertyMap) DiffResponse {
	var d DiffResponse
	seen := map[string]bool{}
	for _, m := range []resource.PropertyMap{olds, news} {
		for k := range m {
			if seen[k] {
				continue
			}
			seen[k] = true
			if resource.Equal(olds[k], news[k]) {
				continue
			}
			d.Changed = append(d.Changed, k)
			if s.Inputs[k].ReplaceOnChange {
				d.Replace = append(d.Replace, k)
			}
		}
	}
	sort.Strings(d.Changed)
	sort.Strings(d.Replace)
	return d
}

// Split splits a type token "pkg:Type" into its package and type name.
func Split(token string) (pkg, name string, ok bool) {
	pkg, name, ok = strings.Cut(token, ":")
	return pkg, name, ok && pkg != "" && name != ""
}
