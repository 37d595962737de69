package file

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
)

func TestLookup(t *testing.T) {
	dir := t.TempDir()
	p := New(dir)
	in := resource.PropertyMap{"path": "a/b.txt", "content": "hi", "mode": "0644"}
	r, err := p.Lookup(context.Background(), provider.LookupRequest{Type: FileType, Inputs: in})
	if err != nil || r.Found {
		t.Fatalf("Lookup before create = %+v, %v; want not found", r, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a/b.txt"), []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err = p.Lookup(context.Background(), provider.LookupRequest{Type: FileType, Inputs: in})
	if err != nil || !r.Found || r.ID != "a/b.txt" || r.Outputs["size"] == nil {
		t.Fatalf("Lookup after create = %+v, %v", r, err)
	}
}
