package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
)

// DataType is the type token of core:Data.
const DataType = "core:Data"

// Provider serves the core package.
type Provider struct {
	schema provider.PackageSchema
}

var _ provider.Provider = (*Provider)(nil)

// New returns the core provider.
func New() *Provider {
	data := provider.ResourceSchema{
		Token:       DataType,
		Description: "A value recorded in state and returned unchanged as output. It has no side effect; use it to keep a value stable between runs, or to make other resources replace when triggersReplace changes.",
		Inputs: map[string]provider.Property{
			"input": {
				Type:        provider.TypeAny,
				Description: "The value to record. Changing it updates the resource in place.",
			},
			"triggersReplace": {
				Type:            provider.TypeAny,
				Description:     "Any value, recorded only to force a replacement (a new ID) when it changes.",
				ReplaceOnChange: true,
			},
		},
		Outputs: map[string]provider.Property{
			"output": {
				Type:        provider.TypeAny,
				Description: "The input, unchanged.",
				FromInput:   "input",
				DerivedFrom: []string{"input"},
			},
		},
	}
	return &Provider{schema: provider.PackageSchema{
		Name:        "core",
		Description: "Resources that live only in Plinth's state.",
		Resources:   map[string]provider.ResourceSchema{DataType: data},
	}}
}

// Schema describes core:Data.
func (p *Provider) Schema() provider.PackageSchema { return p.schema }

// Configure accepts no config.
func (p *Provider) Configure(ctx context.Context, req provider.ConfigureRequest) (provider.ConfigureResponse, error) {
	return provider.NoConfig("core", req)
}

func (p *Provider) resourceType(typ string) error {
	if typ != DataType {
		return fmt.Errorf("the core provider has no resource type %q (it has %s)", typ, DataType)
	}
	return nil
}

// Check accepts any values for input and triggersReplace. The common case
// costs one small map; only bad inputs take the general (slower) path, for
// its messages.
func (p *Provider) Check(ctx context.Context, req provider.CheckRequest) (provider.CheckResponse, error) {
	if err := p.resourceType(req.Type); err != nil {
		return provider.CheckResponse{}, err
	}
	out := make(resource.PropertyMap, len(req.Inputs))
	for k, v := range req.Inputs {
		if k != "input" && k != "triggersReplace" {
			checked, fails := provider.CheckInputs(p.schema.Resources[DataType], req.Inputs)
			return provider.CheckResponse{Inputs: checked, Failures: fails}, nil
		}
		out[k] = v
	}
	return provider.CheckResponse{Inputs: out}, nil
}

// Diff updates on a new input and replaces on new triggersReplace.
func (p *Provider) Diff(ctx context.Context, req provider.DiffRequest) (provider.DiffResponse, error) {
	if err := p.resourceType(req.Type); err != nil {
		return provider.DiffResponse{}, err
	}
	var d provider.DiffResponse
	if !resource.Equal(req.OldInputs["input"], req.NewInputs["input"]) {
		d.Changed = append(d.Changed, "input")
	}
	if !resource.Equal(req.OldInputs["triggersReplace"], req.NewInputs["triggersReplace"]) {
		d.Changed = append(d.Changed, "triggersReplace")
		d.Replace = []string{"triggersReplace"}
	}
	return d, nil
}

// Create records the input under a fresh random ID.
func (p *Provider) Create(ctx context.Context, req provider.CreateRequest) (provider.CreateResponse, error) {
	if err := p.resourceType(req.Type); err != nil {
		return provider.CreateResponse{}, err
	}
	return provider.CreateResponse{
		ID:      newID(),
		Outputs: resource.PropertyMap{"output": req.Inputs["input"]},
	}, nil
}

// Read returns what state recorded: there is nothing else to read.
func (p *Provider) Read(ctx context.Context, req provider.ReadRequest) (provider.ReadResponse, error) {
	if err := p.resourceType(req.Type); err != nil {
		return provider.ReadResponse{}, err
	}
	if req.Outputs == nil {
		return provider.ReadResponse{}, fmt.Errorf("%s %q cannot be imported: it exists only in state", DataType, req.ID)
	}
	return provider.ReadResponse{Inputs: req.Inputs, Outputs: req.Outputs}, nil
}

// Update records the new input.
func (p *Provider) Update(ctx context.Context, req provider.UpdateRequest) (provider.UpdateResponse, error) {
	if err := p.resourceType(req.Type); err != nil {
		return provider.UpdateResponse{}, err
	}
	return provider.UpdateResponse{Outputs: resource.PropertyMap{"output": req.NewInputs["input"]}}, nil
}

// Delete has nothing to delete.
func (p *Provider) Delete(ctx context.Context, req provider.DeleteRequest) (provider.DeleteResponse, error) {
	return provider.DeleteResponse{}, p.resourceType(req.Type)
}

// newID returns 16 random hex characters.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails: crypto/rand crashes the program rather than return short
	var h [16]byte
	hex.Encode(h[:], b[:])
	return string(h[:])
}
