package builtin

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
)

var update = flag.Bool("update", false, "rewrite docs/providers.md from the schemas")

// docsPath is docs/providers.md, from this package's directory.
const docsPath = "../../docs/providers.md"

// TestDocs keeps docs/providers.md equal to what the schemas say.
func TestDocs(t *testing.T) {
	got := renderDocs(New(t.TempDir()))
	if *update {
		if err := os.WriteFile(docsPath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./provider/builtin -run Docs -update)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("docs/providers.md is stale; regenerate it with: go test ./provider/builtin -run Docs -update\n(-file +schemas):\n%s", diff)
	}
}

// renderDocs writes the reference of every provider in r: one section per
// package, one per type, with its inputs and outputs.
func renderDocs(r *provider.Registry) string {
	var b strings.Builder
	b.WriteString("<!-- Generated from the provider schemas by `go test ./provider/builtin -run Docs -update`. Do not edit. -->\n\n")
	b.WriteString("# Built-in providers\n\n")
	b.WriteString("These providers ship inside `plinth`. A resource's `type` is `<package>:<Type>`.\n")
	b.WriteString("Inputs marked *replaces* force a replacement when they change.\n")
	b.WriteString("An output is secret when it says so, or when an input it is derived from is secret.\n\n")
	for _, pkg := range r.Packages() {
		p, _ := r.Provider(pkg)
		s := p.Schema()
		fmt.Fprintf(&b, "- [%s](#%s): %s\n", pkg, pkg, s.Description)
	}
	for _, pkg := range r.Packages() {
		p, _ := r.Provider(pkg)
		s := p.Schema()
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", pkg, s.Description)
		for _, tok := range sortedKeys(s.Resources) {
			renderType(&b, s.Resources[tok])
		}
	}
	return b.String()
}

func renderType(b *strings.Builder, rs provider.ResourceSchema) {
	fmt.Fprintf(b, "\n### %s\n\n%s\n", rs.Token, rs.Description)
	names := sortedKeys(rs.Inputs)
	allReplace := len(names) > 0
	for _, k := range names {
		allReplace = allReplace && rs.Inputs[k].ReplaceOnChange
	}
	b.WriteString("\n#### Inputs\n\n")
	if len(names) == 0 {
		b.WriteString("None.\n")
	} else {
		if allReplace {
			b.WriteString("Every input replaces the resource when it changes.\n\n")
		}
		b.WriteString("| name | type | required | default | description |\n| --- | --- | --- | --- | --- |\n")
		for _, k := range names {
			in := rs.Inputs[k]
			desc := in.Description
			if in.ReplaceOnChange && !allReplace {
				desc = "*replaces* " + desc
			}
			required, def := "", ""
			if in.Required {
				required = "yes"
			}
			if in.Default != nil {
				def = "`" + resource.Format(in.Default, true) + "`"
			}
			fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n", k, typeName(in), required, def, cell(desc))
		}
	}
	b.WriteString("\n#### Outputs\n\n| name | type | description |\n| --- | --- | --- |\n")
	for _, k := range sortedKeys(rs.Outputs) {
		out := rs.Outputs[k]
		desc := out.Description
		switch {
		case out.Secret:
			desc += " Always secret."
		case len(out.DerivedFrom) > 0 && len(out.DerivedFrom) == len(names):
			desc += " Secret when any input is."
		case len(out.DerivedFrom) > 0:
			desc += " Secret when " + orList(out.DerivedFrom) + " is."
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", k, typeName(out), cell(desc))
	}
}

func typeName(p provider.Property) string {
	if p.Items != nil {
		return p.Type + " of " + typeName(*p.Items)
	}
	return p.Type
}

// orList writes `a`, `b` or `c`.
func orList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + n + "`"
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// cell makes text safe inside a table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
