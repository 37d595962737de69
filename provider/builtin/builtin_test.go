package builtin

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
)

func TestPackages(t *testing.T) {
	r := New(t.TempDir())
	if diff := cmp.Diff([]string{"command", "core", "file", "random", "tls"}, r.Packages()); diff != "" {
		t.Errorf("Packages (-want +got):\n%s", diff)
	}
}

func TestEveryTypeResolves(t *testing.T) {
	r := New(t.TempDir())
	var tokens []string
	for _, pkg := range r.Packages() {
		p, _ := r.Provider(pkg)
		for tok := range p.Schema().Resources {
			tokens = append(tokens, tok)
		}
	}
	want := []string{
		"command:Command", "core:Data", "file:Directory", "file:File",
		"random:Integer", "random:Password", "random:String", "random:Uuid",
		"tls:PrivateKey", "tls:SelfSignedCert",
	}
	sort.Strings(tokens)
	if diff := cmp.Diff(want, tokens); diff != "" {
		t.Errorf("type tokens (-want +got):\n%s", diff)
	}
	for _, tok := range want {
		p, s, err := r.Resource(tok)
		if err != nil {
			t.Errorf("Resource(%q): %v", tok, err)
			continue
		}
		if pkg, _, _ := provider.Split(tok); p.Schema().Name != pkg || s.Token != tok {
			t.Errorf("Resource(%q) = provider %q, schema %q", tok, p.Schema().Name, s.Token)
		}
	}
	for _, bad := range []string{"file:Dir", "aws:Bucket", "File"} {
		if _, _, err := r.Resource(bad); err == nil {
			t.Errorf("Resource(%q) resolved", bad)
		}
	}
}

// TestTogether runs a small program's worth of resources through the
// registry, the way the engine will: a password fed to a command's
// environment, whose output lands in a file in the project directory.
func TestTogether(t *testing.T) {
	base := t.TempDir()
	r := New(base)
	create := func(typ string, inputs resource.PropertyMap) resource.PropertyMap {
		t.Helper()
		p, _, err := r.Resource(typ)
		if err != nil {
			t.Fatal(err)
		}
		c, err := p.Check(t.Context(), provider.CheckRequest{Type: typ, Inputs: inputs})
		if err != nil || len(c.Failures) > 0 {
			t.Fatalf("Check(%s) = %+v, %v", typ, c.Failures, err)
		}
		resp, err := p.Create(t.Context(), provider.CreateRequest{Type: typ, Inputs: c.Inputs})
		if err != nil {
			t.Fatalf("Create(%s): %v", typ, err)
		}
		return resp.Outputs
	}
	pw := create("random:Password", resource.PropertyMap{"length": int64(20), "special": false})["result"].(string)
	out := create("command:Command", resource.PropertyMap{"create": `printf '%s' "$PW" | wc -c`, "environment": map[string]any{"PW": pw}})["stdout"].(string)
	create("file:File", resource.PropertyMap{"path": "out/length.txt", "content": strings.TrimSpace(out)})
	data, err := os.ReadFile(filepath.Join(base, "out", "length.txt"))
	if err != nil || string(data) != "20" {
		t.Errorf("out/length.txt = %q, %v, want 20", data, err)
	}
}
