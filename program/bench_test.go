package program

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// typicalProgram writes a program of n core:Data resources as programs
// usually have them: an interpolated input and a reference to another
// resource, which makes a dependency chain n long.
func typicalProgram(n int) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("config:\n  env: {type: string, default: dev}\n")
	b.WriteString("variables:\n  prefix: ${plinth.stack}-${env}\n")
	b.WriteString("resources:\n")
	for i := range n {
		fmt.Fprintf(&b, "  data-%d:\n    type: core:Data\n    properties:\n      input: ${prefix}-%d\n", i, i)
		if i > 0 {
			fmt.Fprintf(&b, "      triggersReplace: ${data-%d.id}\n", i-1)
		}
	}
	b.WriteString("outputs:\n  last: ${data-" + fmt.Sprint(n-1) + ".output}\n")
	return b.String()
}

// bigProgram writes a program of n core:Data resources with nested
// inputs: literals, interpolations, config and variable references, a
// reference to the previous resource, a function every tenth resource.
func bigProgram(n int) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("config:\n  env: {type: string, default: dev}\n  replicas: {type: integer, default: 3}\n")
	b.WriteString("variables:\n  prefix: ${plinth.stack}-${env}\n  tags: {team: infra, env: \"${env}\"}\n")
	b.WriteString("resources:\n")
	for i := range n {
		fmt.Fprintf(&b, "  data-%d:\n    type: core:Data\n    properties:\n      input:\n        name: ${prefix}-data-%d\n        replicas: ${replicas}\n        tags: ${tags}\n", i, i)
		if i > 0 {
			fmt.Fprintf(&b, "        previous: ${data-%d.output.name}\n", i-1)
		}
		if i%10 == 0 {
			fmt.Fprintf(&b, "        joined:\n          fn::join: [\",\", [a, \"${env}\", c]]\n")
		}
		fmt.Fprintf(&b, "      triggersReplace: [1, 2, 3]\n")
	}
	b.WriteString("outputs:\n  last: ${data-" + fmt.Sprint(n-1) + ".output}\n")
	return b.String()
}

func benchmarkLoad(b *testing.B, src string) {
	dir := mustWriteFiles(b, map[string]string{ProjectFile: src})
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := Load(dir, testSchemas())
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Resources) != 10000 {
			b.Fatalf("got %d resources", len(p.Resources))
		}
	}
}

// BenchmarkLoad10k loads 10,000 typical core:Data resources (1.2 MB).
func BenchmarkLoad10k(b *testing.B) { benchmarkLoad(b, typicalProgram(10000)) }

// BenchmarkLoad10kNested loads 10,000 resources with nested inputs
// (2.3 MB).
func BenchmarkLoad10kNested(b *testing.B) { benchmarkLoad(b, bigProgram(10000)) }

// BenchmarkYAML10k is the floor under BenchmarkLoad10k: yaml.v3 parsing
// the same file, and nothing else.
func BenchmarkYAML10k(b *testing.B) {
	src := []byte(typicalProgram(10000))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		var n yaml.Node
		if err := yaml.Unmarshal(src, &n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalInputs evaluates the nested inputs of one resource (an
// interpolation, typed config, a variable holding a map, a reference to
// another resource and, for one in ten, a function call).
func BenchmarkEvalInputs(b *testing.B) {
	p := mustLoad(b, bigProgram(1000))
	cfg, _, err := p.ResolveConfig(nil)
	if err != nil {
		b.Fatal(err)
	}
	e := p.NewEvaluator(Env{Stack: "dev", Config: cfg})
	for _, r := range p.Resources {
		in, err := e.Inputs(r.Name)
		if err != nil {
			b.Fatal(err)
		}
		e.SetResource(r.Name, map[string]any{"id": r.Name, "urn": "urn:" + r.Name, "output": in["input"]})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := e.Inputs(p.Resources[i%len(p.Resources)].Name); err != nil {
			b.Fatal(err)
		}
	}
}
