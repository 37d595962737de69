package file

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/plinth-iac/plinth/provider"
)

var _ provider.Looker = (*Provider)(nil)

// Lookup implements provider.Looker: a file's ID is its path, so an
// interrupted create is settled by looking at the path.
func (p *Provider) Lookup(ctx context.Context, req provider.LookupRequest) (provider.LookupResponse, error) {
	path, ok := req.Inputs["path"].(string)
	if !ok {
		return provider.LookupResponse{}, fmt.Errorf("%s has no path to look up", req.Type)
	}
	id := filepath.Clean(path)
	r, err := p.Read(ctx, provider.ReadRequest{Type: req.Type, ID: id, Inputs: req.Inputs})
	if err != nil || r.Gone {
		return provider.LookupResponse{}, err
	}
	return provider.LookupResponse{Found: true, ID: id, Outputs: r.Outputs}, nil
}
