package provider

import (
	"fmt"
	"sort"
	"strings"
)

// Registry maps package names to providers.
type Registry struct {
	byName map[string]Provider
}

// NewRegistry returns a registry holding ps, keyed by their schema's name.
func NewRegistry(ps ...Provider) *Registry {
	r := &Registry{byName: map[string]Provider{}}
	for _, p := range ps {
		r.byName[p.Schema().Name] = p
	}
	return r
}

// Provider returns the provider of package pkg.
func (r *Registry) Provider(pkg string) (Provider, bool) {
	p, ok := r.byName[pkg]
	return p, ok
}

// Resource returns the provider and schema of a type token.
func (r *Registry) Resource(token string) (Provider, ResourceSchema, error) {
	pkg, _, ok := Split(token)
	if !ok {
		return nil, ResourceSchema{}, fmt.Errorf("%q is not a resource type: want <package>:<Type>", token)
	}
	p, ok := r.byName[pkg]
	if !ok {
		return nil, ResourceSchema{}, fmt.Errorf("unknown resource type %q: no provider %q (providers: %s)", token, pkg, strings.Join(r.Packages(), ", "))
	}
	s, ok := p.Schema().Resources[token]
	if !ok {
		var types []string
		for t := range p.Schema().Resources {
			types = append(types, t)
		}
		sort.Strings(types)
		return nil, ResourceSchema{}, fmt.Errorf("unknown resource type %q (%s has: %s)", token, pkg, strings.Join(types, ", "))
	}
	return p, s, nil
}

// Packages lists the package names, sorted.
func (r *Registry) Packages() []string {
	var names []string
	for n := range r.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ResourceSchema returns the schema of a type token (the program loader's
// view of the registry).
func (r *Registry) ResourceSchema(token string) (ResourceSchema, error) {
	_, s, err := r.Resource(token)
	return s, err
}
