package program

import (
	"testing"

	"github.com/plinth-iac/plinth/resource"
)

func TestSmoke(t *testing.T) {
	p := mustLoad(t, header+`config:
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
      protect: false
      ignoreChanges: [content]
      replaceOnChanges: [path]
      deleteBeforeReplace: false
      retainOnDelete: false
outputs:
  pagePath: ${page.path}
`)
	cfg, _, err := p.ResolveConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	e := p.NewEvaluator(Env{Stack: "dev", Config: cfg})
	in, err := e.Inputs("suffix")
	t.Logf("%v %v", resource.Format(in, true), err)
	e.SetResource("suffix", map[string]any{"id": resource.Unknown{}, "length": int64(8)})
	in, err = e.Inputs("page")
	t.Logf("%v %v", resource.Format(in, true), err)
	e.SetResource("suffix", map[string]any{"id": "x", "result": "abc"})
	in, err = e.Inputs("page")
	t.Logf("%v %v deps=%v opts=%+v", resource.Format(in, true), err, p.Resources[1].Deps, p.Resources[1].Options)
	e.SetResource("page", map[string]any{"id": "x", "path": "p"})
	out, err := e.Outputs()
	t.Logf("%v %v", out, err)
}
