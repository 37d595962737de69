package program

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
)

// ResolveConfig is Project.ResolveConfig for the program's project.
func (p *Program) ResolveConfig(values map[string]any) (project map[string]any, providers map[string]map[string]any, err error) {
	return p.Project.ResolveConfig(values)
}

// ResolveConfig turns a stack's config into what a program sees. values
// are keyed "namespace:key" as in the stack file (a key without a
// namespace is the project's), already decrypted, with secrets as
// resource.Secret.
//
// project holds the project's keys by bare name: declared keys converted
// to their declared type (the CLI stores "8080" for an integer), defaults
// filled in, and secret-declared keys wrapped as secrets; keys set but not
// declared are passed through. providers holds the other namespaces'
// keys, grouped by package.
//
// The error lists every problem at once: one error naming all missing
// required keys, and one per value of the wrong type. Messages never show
// a secret value.
func (pr *Project) ResolveConfig(values map[string]any) (project map[string]any, providers map[string]map[string]any, err error) {
	project = map[string]any{}
	providers = map[string]map[string]any{}
	set := map[string]bool{}
	var errs []error
	for _, full := range sortedKeys(values) {
		ns, key, ok := strings.Cut(full, ":")
		if !ok {
			ns, key = pr.Name, full
		}
		v := values[full]
		if ns != pr.Name {
			if providers[ns] == nil {
				providers[ns] = map[string]any{}
			}
			providers[ns][key] = v
			continue
		}
		set[key] = true
		d, declared := pr.Config[key]
		if !declared {
			project[key] = v
			continue
		}
		cv, err := convertConfig(key, d, v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		project[key] = cv
	}
	var missing []string
	for _, key := range pr.ConfigOrder {
		d := pr.Config[key]
		if set[key] {
			continue
		}
		if !d.HasDefault {
			missing = append(missing, key)
			continue
		}
		project[key] = wrapSecret(resource.Copy(d.Default), d.Secret)
	}
	if len(missing) > 0 {
		errs = append([]error{fmt.Errorf("missing required config: %s (set with plinth config set KEY VALUE)", strings.Join(missing, ", "))}, errs...)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return project, providers, nil
}

// convertConfig converts a set value to its declared type.
func convertConfig(key string, d ConfigDecl, v any) (any, error) {
	plain, secret := resource.Reveal(v)
	secret = secret || d.Secret
	if d.Type == "" {
		return wrapSecret(plain, secret), nil
	}
	out, ok := convertTo(d.Type, plain)
	if !ok {
		got := resource.Format(plain, false)
		if secret {
			got = "a secret " + resource.TypeName(plain)
		}
		return nil, fmt.Errorf("config %q must be %s, got %s", key, article(d.Type), got)
	}
	return wrapSecret(out, secret), nil
}

// convertTo converts v to type t, accepting the string forms the CLI
// stores.
func convertTo(t string, v any) (any, bool) {
	if i, ok := v.(int); ok {
		v = int64(i)
	}
	s, isString := v.(string)
	s = strings.TrimSpace(s)
	switch t {
	case provider.TypeString:
		switch n := v.(type) {
		case string:
			return n, true
		case int64, float64, bool:
			var b strings.Builder
			_ = writeText(&b, n)
			return b.String(), true
		}
		return nil, false
	case provider.TypeInteger:
		switch n := v.(type) {
		case int64:
			return n, true
		case float64:
			if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
				return int64(n), true
			}
			return nil, false
		}
		if isString {
			i, err := strconv.ParseInt(s, 10, 64)
			return i, err == nil
		}
	case provider.TypeNumber:
		switch v.(type) {
		case int64, float64:
			return v, true
		}
		if isString {
			n, err := resource.ParseNumber(s)
			return n, err == nil
		}
	case provider.TypeBoolean:
		if b, ok := v.(bool); ok {
			return b, true
		}
		if isString {
			b, err := strconv.ParseBool(s)
			return b, err == nil && (s == "true" || s == "false")
		}
	case provider.TypeList, provider.TypeMap:
		if isString {
			j, err := fromJSON(s)
			if err != nil {
				return nil, false
			}
			v = j
		}
		if err := provider.CheckValue(provider.Property{Type: t}, v); err != nil || v == nil {
			return nil, false
		}
		return v, true
	}
	return nil, false
}
