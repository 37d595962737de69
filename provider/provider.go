package provider

import (
	"context"

	"github.com/plinth-iac/plinth/resource"
)

// Provider manages the resources of one package.
type Provider interface {
	// Schema describes the package, its config and its resource types.
	Schema() PackageSchema
	// Configure passes provider config (<package>:<key> stack config). It is
	// called once before any other method except Schema.
	Configure(ctx context.Context, req ConfigureRequest) (ConfigureResponse, error)
	// Check validates inputs and fills in defaults. Problems with the
	// inputs are Failures, not an error; an error means Check itself failed.
	Check(ctx context.Context, req CheckRequest) (CheckResponse, error)
	// Diff compares recorded and new inputs.
	Diff(ctx context.Context, req DiffRequest) (DiffResponse, error)
	// Create creates the resource and returns its ID and outputs.
	Create(ctx context.Context, req CreateRequest) (CreateResponse, error)
	// Read reads the real resource. A resource that no longer exists is
	// reported with Gone, not an error.
	Read(ctx context.Context, req ReadRequest) (ReadResponse, error)
	// Update changes the resource in place.
	Update(ctx context.Context, req UpdateRequest) (UpdateResponse, error)
	// Delete deletes the resource. Deleting one that is already gone succeeds.
	Delete(ctx context.Context, req DeleteRequest) (DeleteResponse, error)
}

// ConfigureRequest carries provider config keys (without the package prefix).
type ConfigureRequest struct {
	Config resource.PropertyMap
}

// ConfigureResponse is empty for now.
type ConfigureResponse struct{}

// CheckRequest asks a provider to validate a resource's inputs.
type CheckRequest struct {
	Type   string
	Name   string
	Inputs resource.PropertyMap
	// Olds are the recorded inputs, nil for a new resource.
	Olds resource.PropertyMap
}

// CheckFailure is one problem with one input.
type CheckFailure struct {
	Property string
	Reason   string
}

// CheckResponse returns the inputs with defaults applied.
type CheckResponse struct {
	Inputs   resource.PropertyMap
	Failures []CheckFailure
}

// DiffRequest compares recorded inputs and outputs with new inputs.
type DiffRequest struct {
	Type       string
	ID         string
	OldInputs  resource.PropertyMap
	OldOutputs resource.PropertyMap
	NewInputs  resource.PropertyMap
}

// DiffResponse says what changed.
type DiffResponse struct {
	// Changed lists the inputs that differ, sorted.
	Changed []string
	// Replace lists the changed inputs that force a replacement, sorted.
	Replace []string
	// DeleteBeforeReplace says the old resource must go before the new one
	// can exist (for example both would hold the same unique name).
	DeleteBeforeReplace bool
}

// HasChanges reports whether anything changed.
func (d DiffResponse) HasChanges() bool { return len(d.Changed) > 0 }

// CreateRequest creates a resource.
type CreateRequest struct {
	Type   string
	Name   string
	Inputs resource.PropertyMap
}

// CreateResponse returns the new resource's identity and outputs.
type CreateResponse struct {
	ID      string
	Outputs resource.PropertyMap
}

// ReadRequest reads a resource by ID. Inputs and Outputs are the recorded
// ones (nil on import).
type ReadRequest struct {
	Type    string
	ID      string
	Inputs  resource.PropertyMap
	Outputs resource.PropertyMap
}

// ReadResponse is the resource as it really is.
type ReadResponse struct {
	// Gone is true when the resource no longer exists.
	Gone bool
	// Inputs are the inputs that would produce this resource (for import
	// and to record drift).
	Inputs  resource.PropertyMap
	Outputs resource.PropertyMap
}

// UpdateRequest changes a resource in place.
type UpdateRequest struct {
	Type       string
	ID         string
	OldInputs  resource.PropertyMap
	OldOutputs resource.PropertyMap
	NewInputs  resource.PropertyMap
}

// UpdateResponse returns the new outputs.
type UpdateResponse struct {
	Outputs resource.PropertyMap
}

// DeleteRequest deletes a resource.
type DeleteRequest struct {
	Type    string
	ID      string
	Inputs  resource.PropertyMap
	Outputs resource.PropertyMap
}

// DeleteResponse is empty for now.
type DeleteResponse struct{}

// Looker is implemented by providers that can tell, from a resource's
// inputs alone, whether it exists: file:File's ID is its path. Recovery
// uses it to settle a create that was interrupted before its ID was
// recorded. Providers whose resources live only in state (core, random,
// tls) implement it by answering Found: false — nothing outside state
// can exist.
type Looker interface {
	Lookup(ctx context.Context, req LookupRequest) (LookupResponse, error)
}

// LookupRequest asks whether the resource these inputs describe exists.
type LookupRequest struct {
	Type   string
	Inputs resource.PropertyMap
}

// LookupResponse answers a LookupRequest.
type LookupResponse struct {
	Found   bool
	ID      string
	Outputs resource.PropertyMap
}
