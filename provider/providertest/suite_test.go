package providertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
)

// memory is a provider whose "real world" is a map: the smallest honest
// provider, and the one the suite's own tests break on purpose.
type memory struct {
	broken string // which rule to break, "" for none

	mu    sync.Mutex
	world map[string]string // name → value
}

const thing = "mem:Thing"

func (m *memory) Schema() provider.PackageSchema {
	rs := provider.ResourceSchema{
		Token:       thing,
		Description: "A named value kept in memory.",
		Inputs: map[string]provider.Property{
			"name":  {Type: provider.TypeString, Required: true, ReplaceOnChange: true, Description: "The name."},
			"value": {Type: provider.TypeString, Default: "v", Description: "The value."},
			"tags":  {Type: provider.TypeList, Items: &provider.Property{Type: provider.TypeString}, Description: "Tags."},
		},
		Outputs: map[string]provider.Property{
			"name":   {Type: provider.TypeString, FromInput: "name", Description: "The name."},
			"length": {Type: provider.TypeInteger, DerivedFrom: []string{"value"}, Description: "The value's length."},
		},
	}
	if m.broken == "no-description" {
		rs.Description = ""
	}
	return provider.PackageSchema{Name: "mem", Description: "Values in memory.", Resources: map[string]provider.ResourceSchema{thing: rs}}
}

func (m *memory) Configure(ctx context.Context, req provider.ConfigureRequest) (provider.ConfigureResponse, error) {
	if len(req.Config) > 0 {
		return provider.ConfigureResponse{}, fmt.Errorf("mem takes no config")
	}
	return provider.ConfigureResponse{}, nil
}

func (m *memory) Check(ctx context.Context, req provider.CheckRequest) (provider.CheckResponse, error) {
	if _, ok := req.Inputs[unknownProperty]; ok && m.broken == "check-error" {
		return provider.CheckResponse{}, fmt.Errorf("unknown property")
	}
	inputs, fails := provider.CheckInputs(m.Schema().Resources[thing], req.Inputs)
	if m.broken == "no-default" {
		delete(inputs, "value")
	}
	return provider.CheckResponse{Inputs: inputs, Failures: fails}, nil
}

func (m *memory) Diff(ctx context.Context, req provider.DiffRequest) (provider.DiffResponse, error) {
	d := provider.DiffInputs(m.Schema().Resources[thing], req.OldInputs, req.NewInputs)
	if m.broken == "unsorted-diff" {
		slices.Reverse(d.Changed)
	}
	return d, nil
}

func (m *memory) outputs(inputs resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{"name": inputs["name"], "length": int64(len(inputs["value"].(string)))}
	switch m.broken {
	case "secret-output":
		out["length"] = resource.Secret{Value: out["length"]}
	case "undeclared-output":
		out["extra"] = true
	}
	return out
}

func (m *memory) Create(ctx context.Context, req provider.CreateRequest) (provider.CreateResponse, error) {
	if err := ctx.Err(); err != nil {
		return provider.CreateResponse{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	name := req.Inputs["name"].(string)
	m.world[name] = req.Inputs["value"].(string)
	return provider.CreateResponse{ID: name, Outputs: m.outputs(req.Inputs)}, nil
}

func (m *memory) Read(ctx context.Context, req provider.ReadRequest) (provider.ReadResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.world[req.ID]
	if !ok && m.broken != "no-gone" {
		return provider.ReadResponse{Gone: true}, nil
	}
	inputs := resource.PropertyMap{"name": req.ID, "value": v}
	if recorded, ok := req.Inputs["value"]; ok && m.broken == "drift-blind" {
		inputs["value"] = recorded
	}
	if tags, ok := req.Inputs["tags"]; ok {
		inputs["tags"] = tags
	}
	return provider.ReadResponse{Inputs: inputs, Outputs: m.outputs(inputs)}, nil
}

func (m *memory) Update(ctx context.Context, req provider.UpdateRequest) (provider.UpdateResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.world[req.ID] = req.NewInputs["value"].(string)
	return provider.UpdateResponse{Outputs: m.outputs(req.NewInputs)}, nil
}

func (m *memory) Delete(ctx context.Context, req provider.DeleteRequest) (provider.DeleteResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.world[req.ID]; !ok && m.broken == "delete-twice-fails" {
		return provider.DeleteResponse{}, fmt.Errorf("no such thing")
	}
	delete(m.world, req.ID)
	return provider.DeleteResponse{}, nil
}

var _ provider.Provider = (*memory)(nil)

func memoryCases(m *memory) []Case {
	return []Case{{
		Type:    thing,
		Inputs:  resource.PropertyMap{"name": "a", "tags": []any{"x"}},
		Update:  resource.PropertyMap{"name": "a", "value": "longer", "tags": []any{"y"}},
		Replace: resource.PropertyMap{"name": "b"},
		Exists: func(t *testing.T, id string, _ resource.PropertyMap) bool {
			m.mu.Lock()
			defer m.mu.Unlock()
			_, ok := m.world[id]
			return ok
		},
		Drift: func(t *testing.T, id string) {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.world[id] = "changed behind Plinth's back"
		},
	}}
}

func TestMemoryPasses(t *testing.T) {
	m := &memory{world: map[string]string{}}
	Run(t, m, memoryCases(m))
	if len(m.world) != 0 {
		t.Errorf("the suite left %v behind", m.world)
	}
}

// brokenEnv names the rule TestBrokenHelper breaks, in a child process.
const brokenEnv = "PLINTH_PROVIDERTEST_BROKEN"

// TestBrokenHelper runs the suite on a broken provider; it only does so in
// the child processes TestSuiteCatches starts.
func TestBrokenHelper(t *testing.T) {
	broken := os.Getenv(brokenEnv)
	if broken == "" {
		t.Skip("run by TestSuiteCatches")
	}
	m := &memory{broken: broken, world: map[string]string{}}
	Run(t, m, memoryCases(m))
}

// TestSuiteCatches checks the suite fails each broken provider, saying why.
func TestSuiteCatches(t *testing.T) {
	tests := []struct {
		broken, want string
	}{
		{"check-error", "unknown property: Check error unknown property, want Failures"},
		{"no-default", `Check left "value" = null, want the default "v"`},
		{"unsorted-diff", "Changed and Replace must be sorted"},
		{"secret-output", `Create outputs: "length" holds a Secret or Unknown`},
		{"undeclared-output", `Create returned output "extra", which the schema does not declare`},
		{"no-description", "mem:Thing has no Description"},
		{"drift-blind", "Read after drift reports no change"},
		{"no-gone", "Read after Delete = "},
		{"delete-twice-fails", "Delete of a deleted resource: no such thing, want success"},
	}
	for _, tt := range tests {
		t.Run(tt.broken, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tt.broken)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a provider that breaks %q:\n%s", tt.broken, out)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("the suite failed without saying %q:\n%s", tt.want, out)
			}
		})
	}
}
