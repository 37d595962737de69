package program_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/plinth-iac/plinth/program"
	"github.com/plinth-iac/plinth/resource"
)

// The spec's example program, evaluated the way the engine does: preview
// first (the suffix does not exist yet), then up.
func Example() {
	dir, _ := os.MkdirTemp("", "plinth")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "Plinth.yaml"), []byte(`name: webapp
runtime: yaml
config:
  greeting: {type: string, default: Hello}
variables:
  message: "${greeting}, ${plinth.stack}!"
resources:
  suffix:
    type: random:String
    properties: {length: 8, special: false}
  page:
    type: file:File
    properties:
      path: out/${plinth.stack}/index-${suffix.result}.html
      content: ${message}
    options:
      dependsOn: ["${suffix}"]
outputs:
  pagePath: ${page.path}
`), 0o644)

	// A nil Schemas skips type and property checks; the engine passes its
	// provider registry.
	p, err := program.Load(dir, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, _, err := p.ResolveConfig(map[string]any{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range p.Resources {
		fmt.Println(r.Name, r.Type, r.Deps)
	}

	ev := p.NewEvaluator(program.Env{Stack: "dev", Config: cfg})
	ev.SetResource("suffix", map[string]any{"id": resource.Unknown{}, "urn": "urn:suffix", "length": int64(8)})
	in, _ := ev.Inputs("page")
	fmt.Println("preview:", resource.Format(in, false))

	ev.SetResource("suffix", map[string]any{"id": "x1", "urn": "urn:suffix", "length": int64(8), "result": "k3j9a0qz"})
	in, _ = ev.Inputs("page")
	fmt.Println("up:", resource.Format(in, false))
	// Output:
	// suffix random:String []
	// page file:File [suffix]
	// preview: {content: "Hello, dev!", path: (known after up)}
	// up: {content: "Hello, dev!", path: "out/dev/index-k3j9a0qz.html"}
}
