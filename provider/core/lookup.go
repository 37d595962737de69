package core

import (
	"context"

	"github.com/plinth-iac/plinth/provider"
)

var _ provider.Looker = (*Provider)(nil)

// Lookup implements provider.Looker. These resources exist only in state:
// a create that was interrupted before it was recorded left nothing
// behind, so recovery can drop it and the next up creates it again.
func (p *Provider) Lookup(context.Context, provider.LookupRequest) (provider.LookupResponse, error) {
	return provider.LookupResponse{}, nil
}
