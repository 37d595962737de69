package program

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/resource"
)

// evalHeader declares config keys the eval tests use; values come from
// evalConfig.
const evalHeader = header + `config:
  str: {type: string}
  num: {type: integer}
  list: {type: list}
  obj: {type: map}
  pw: {type: string, secret: true}
  slist: {type: list, secret: true}
  smap: {type: map, secret: true}
  json: {type: string}
  any: {}
  dyn: {}
`

func evalConfig() map[string]any {
	return map[string]any{
		"test:str":   "hello",
		"test:num":   "42",
		"test:list":  []any{"a", "b", "c"},
		"test:obj":   map[string]any{"k": "v", "n": int64(1), "nested": map[string]any{"deep": []any{int64(10), int64(20)}}, "key.with.dots": "dots"},
		"test:pw":    "hunter2",
		"test:slist": []any{"x", "y"},
		"test:smap":  map[string]any{"user": "admin"},
		"test:json":  `{"a": [1, 2.5, "x", null, true]}`,
		"test:any":   resource.Secret{Value: "from the stack file"},
		"test:dyn":   map[string]any{"list": []any{"a"}, "obj": map[string]any{"k": "v"}, "str": "s", "nested": []any{[]any{"x"}}},
	}
}

// evalVariable loads a program whose variable v is src and evaluates it.
func evalVariable(t *testing.T, src string, env Env) (any, error) {
	t.Helper()
	p := mustLoad(t, evalHeader+"variables:\n  v: "+src+"\n")
	cfg, _, err := p.ResolveConfig(evalConfig())
	if err != nil {
		t.Fatal(err)
	}
	env.Config = cfg
	e := p.NewEvaluator(env)
	return e.variable(p.vars[indexOfVar(p, "v")])
}

func TestEvalExpressions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want any
	}{
		// References keep the value's type when alone.
		{"string", "${str}", "hello"},
		{"integer from CLI string", "${num}", int64(42)},
		{"list", "${list}", []any{"a", "b", "c"}},
		{"built-ins", "${plinth.stack}/${plinth.project}/${plinth.cwd}", "dev/test/work"},
		// Paths.
		{"index", "${list[1]}", "b"},
		{"key", "${obj.k}", "v"},
		{"quoted key", `'${obj["key.with.dots"]}'`, "dots"},
		{"deep", "${obj.nested.deep[1]}", int64(20)},
		{"mixed", `'${obj["nested"].deep[0]}'`, int64(10)},
		// Interpolation.
		{"interpolate string", "x-${str}-y", "x-hello-y"},
		{"interpolate integer", "n=${num}", "n=42"},
		{"interpolate list as JSON", "l=${list}", `l=["a","b","c"]`},
		{"interpolate map as JSON", "m=${obj.nested}", `m={"deep":[10,20]}`},
		{"escape", "'$${str} ${str}'", "${str} hello"},
		{"literal list", "[1, '${num}', {a: '${str}'}]", []any{int64(1), int64(42), map[string]any{"a": "hello"}}},
		// Functions with values known only at run time.
		{"join", `{fn::join: ["-", ["${str}", 1, true, 2.5]]}`, "hello-1-true-2.5"},
		{"join config list", `{fn::join: [",", "${list}"]}`, "a,b,c"},
		{"split", `{fn::split: ["l", "${str}"]}`, []any{"he", "", "o"}},
		{"select", `{fn::select: ["${num}", [a]]}`, nil}, // replaced below: out of range is an error
		{"select from config", `{fn::select: [2, "${list}"]}`, "c"},
		{"toJSON", `{fn::toJSON: {a: "${list}", b: "${num}"}}`, `{"a":["a","b","c"],"b":42}`},
		{"toJSON no HTML escaping", `{fn::toJSON: "<&>"}`, `"<&>"`},
		{"fromJSON", `{fn::fromJSON: "${json}"}`, map[string]any{"a": []any{int64(1), 2.5, "x", nil, true}}},
		{"toBase64", `{fn::toBase64: "${str}"}`, "aGVsbG8="},
		{"fromBase64", `{fn::fromBase64: {fn::toBase64: "${str}"}}`, "hello"},
		{"sha256", `{fn::sha256: "${str}"}`, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
		{"nested calls", `{fn::join: ["+", {fn::split: [",", "a,b"]}]}`, "a+b"},
	}
	env := Env{Stack: "dev", Cwd: "work"}
	for _, tt := range tests {
		if tt.name == "select" {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalVariable(t, tt.src, env)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

func TestEvalLiteralFunctions(t *testing.T) {
	// Functions of literals are checked at load and evaluated the same
	// way at run time.
	tests := []struct {
		src  string
		want any
	}{
		{`{fn::join: [", ", [a, b]]}`, "a, b"},
		{`{fn::join: ["", []]}`, ""},
		{`{fn::split: [",", ""]}`, []any{""}},
		{`{fn::select: [0, [{a: 1}]]}`, map[string]any{"a": int64(1)}},
		{`{fn::select: [1.0, [x, y]]}`, "y"},
		{`{fn::toJSON: [1, 2.5, null, "s", {b: true}]}`, `[1,2.5,null,"s",{"b":true}]`},
		{`{fn::fromJSON: '"just a string"'}`, "just a string"},
		{`{fn::fromJSON: "12345678901234567890"}`, 12345678901234567890.0},
		{`{fn::toBase64: ""}`, ""},
		{`{fn::fromBase64: "w6k="}`, "é"},
		{`{fn::sha256: ""}`, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tt := range tests {
		got, err := evalVariable(t, tt.src, Env{})
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.src, diff)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"missing key", "${obj.nope}", `Plinth.yaml:15:6: ${obj.nope}: obj has no key "nope"`},
		{"index out of range", "${list[7]}", "Plinth.yaml:15:6: ${list[7]}: index 7 out of range: list has 3 elements"},
		{"key into list", "${dyn.list.x}", "Plinth.yaml:15:6: ${dyn.list.x}: dyn.list is a list: use [index], not .x"},
		{"index into map", "${dyn.obj[0]}", `Plinth.yaml:15:6: ${dyn.obj[0]}: dyn.obj is a map: use .key or ["key"], not [0]`},
		{"walk into scalar", "${obj.k.x}", "Plinth.yaml:15:6: ${obj.k.x}: cannot walk into obj.k: it is a string"},
		{"position inside interpolation", "'abc ${obj.nope}'", `Plinth.yaml:15:11: ${obj.nope}: obj has no key "nope"`},
		{"join shape", `{fn::join: "${dyn.list}"}`, "Plinth.yaml:15:7: fn::join: takes [separator, list], got a list of 1"},
		{"join element", `{fn::join: [",", "${dyn.nested}"]}`, "Plinth.yaml:15:7: fn::join: element 0 of the list must be a string, number or boolean, got a list"},
		{"select range", `{fn::select: ["${num}", [a]]}`, "Plinth.yaml:15:7: fn::select: index 42 out of range: the list has 1 elements"},
		{"select type", `{fn::select: [0, "${dyn.str}"]}`, "Plinth.yaml:15:7: fn::select: the second argument must be a list, got a string"},
		{"fromJSON", `{fn::fromJSON: "${str}"}`, "Plinth.yaml:15:7: fn::fromJSON: the value is not valid JSON: invalid character 'h' looking for beginning of value"},
		{"fromJSON trailing", `{fn::fromJSON: "${num} 1"}`, "Plinth.yaml:15:7: fn::fromJSON: the value is not valid JSON: unexpected data after the first value"},
		{"fromJSON secret", `{fn::fromJSON: "${pw}"}`, "Plinth.yaml:15:7: fn::fromJSON: the value is not valid JSON (details hidden: it is secret)"},
		{"fromBase64", `{fn::fromBase64: "${str}"}`, "Plinth.yaml:15:7: fn::fromBase64: the value is not valid base64"},
		{"fromBase64 binary", `{fn::fromBase64: "/w${dyn.str}="}`, "Plinth.yaml:15:7: fn::fromBase64: the decoded value is not UTF-8 text"},
		{"toBase64 of list", `{fn::toBase64: "${dyn.list}"}`, "Plinth.yaml:15:7: fn::toBase64: the argument must be a string, got a list"},
		{"stackOutput not available", `{fn::stackOutput: {stack: prod, output: url}}`, "Plinth.yaml:15:7: fn::stackOutput: reading other stacks' outputs is not available here"},
	}
	for _, tt := range tests {
		if tt.want == "" {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			_, err := evalVariable(t, tt.src, Env{})
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("%s: got %v, want an *Error", tt.src, err)
			}
			if got := relativeErrors(err, pe.File[:len(pe.File)-len(ProjectFile)-1]).Error(); got != tt.want {
				t.Errorf("%s:\n got %s\nwant %s", tt.src, got, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows a secret: %v", err)
			}
		})
	}
}

func TestUnknownPropagation(t *testing.T) {
	p := mustLoad(t, header+`variables:
  whole: ${r}
  id: ${r.id}
  out: ${r.output}
  deep: ${r.output.a.b[3]}
  interp: "x-${r.output}-y"
  list: [1, "${r.output}"]
  fn: {fn::join: [",", [a, "${r.output}"]]}
  secretFn: {fn::secret: "${r.output}"}
  sel: {fn::select: [0, "${r.output}"]}
  toJSON: {fn::toJSON: {a: "${r.output}"}}
  partly: ${s.output.a.b}
resources:
  r:
    type: core:Data
  s:
    type: core:Data
`)
	e := p.NewEvaluator(Env{})
	e.SetResource("r", map[string]any{"id": resource.Unknown{}, "urn": "urn:r", "input": "in"})
	e.SetResource("s", map[string]any{"id": "s", "output": map[string]any{"a": resource.Unknown{}}})
	want := map[string]any{
		"whole":    map[string]any{"id": resource.Unknown{}, "urn": "urn:r", "input": "in"},
		"id":       resource.Unknown{},
		"out":      resource.Unknown{},
		"deep":     resource.Unknown{},
		"interp":   resource.Unknown{},
		"list":     []any{int64(1), resource.Unknown{}},
		"fn":       resource.Unknown{},
		"secretFn": resource.Secret{Value: resource.Unknown{}},
		"sel":      resource.Unknown{},
		"toJSON":   resource.Unknown{},
		"partly":   resource.Unknown{},
	}
	for name, w := range want {
		got, err := e.variable(p.vars[indexOfVar(p, name)])
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !resource.Equal(got, w) {
			t.Errorf("%s = %s, want %s", name, resource.Format(got, true), resource.Format(w, true))
		}
	}
}

func TestSecretPropagation(t *testing.T) {
	tests := []struct {
		src  string
		want any
	}{
		{"${pw}", resource.Secret{Value: "hunter2"}},
		{"user:${pw}", resource.Secret{Value: "user:hunter2"}},
		{"${slist[1]}", resource.Secret{Value: "y"}},
		{"${smap.user}", resource.Secret{Value: "admin"}},
		{"${any}", resource.Secret{Value: "from the stack file"}},
		{`{fn::secret: plain}`, resource.Secret{Value: "plain"}},
		{`{fn::secret: "${pw}"}`, resource.Secret{Value: "hunter2"}},
		{`{fn::join: ["-", [a, "${pw}"]]}`, resource.Secret{Value: "a-hunter2"}},
		{`{fn::toJSON: {p: "${pw}", q: 1}}`, resource.Secret{Value: `{"p":"hunter2","q":1}`}},
		{`{fn::toBase64: "${pw}"}`, resource.Secret{Value: "aHVudGVyMg=="}},
		{`{fn::sha256: "${pw}"}`, resource.Secret{Value: "f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7"}},
		{`{fn::select: [0, "${slist}"]}`, resource.Secret{Value: "x"}},
		{`{fn::split: [",", "${pw}"]}`, resource.Secret{Value: []any{"hunter2"}}},
		{"[a, '${pw}']", []any{"a", resource.Secret{Value: "hunter2"}}},
		{"${obj.k}", "v"}, // no secret, no wrapper
	}
	for _, tt := range tests {
		got, err := evalVariable(t, tt.src, Env{})
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if !resource.Equal(got, tt.want) {
			t.Errorf("%s = %s, want %s", tt.src, resource.Format(got, true), resource.Format(tt.want, true))
		}
	}
}

func TestEvalResources(t *testing.T) {
	p := mustLoad(t, header+`config:
  name: {type: string, default: site}
variables:
  dir: out/${plinth.stack}
resources:
  suffix:
    type: random:String
    properties: {length: 8, special: false}
  page:
    type: file:File
    properties:
      path: ${dir}/${name}-${suffix.result}.html
      content: r=${suffix}
  empty:
    type: core:Data
outputs:
  path: ${page.path}
  size: ${page.size}
  id: ${page.id}
`)
	cfg, _, err := p.ResolveConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	e := p.NewEvaluator(Env{Stack: "dev", Config: cfg})
	in, err := e.Inputs("suffix")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(resource.PropertyMap{"length": int64(8), "special": false}, in); diff != "" {
		t.Errorf("suffix inputs (-want +got):\n%s", diff)
	}
	in["length"] = int64(99) // the caller owns the map
	if again, _ := e.Inputs("suffix"); again["length"] != int64(8) {
		t.Error("Inputs returned a shared map")
	}
	if in, err := e.Inputs("empty"); err != nil || len(in) != 0 {
		t.Errorf("Inputs(empty) = %v, %v", in, err)
	}
	if _, err := e.Inputs("nope"); err == nil {
		t.Error("Inputs(nope) succeeded")
	}

	// Before suffix is set, page cannot be evaluated.
	_, err = e.Inputs("page")
	if err == nil || !strings.Contains(err.Error(), `${suffix.result}: resource "suffix" has no value yet`) {
		t.Errorf("Inputs(page) before suffix = %v", err)
	}

	// Preview: suffix is being created.
	e.SetResource("suffix", map[string]any{"id": resource.Unknown{}, "urn": "urn:suffix", "length": int64(8), "special": false})
	in, err = e.Inputs("page")
	if err != nil {
		t.Fatal(err)
	}
	if !resource.Equal(in["path"], resource.Unknown{}) {
		t.Errorf("path = %s, want unknown", resource.Format(in["path"], true))
	}

	// Up: suffix exists.
	e.SetResource("suffix", map[string]any{"id": "s1", "urn": "urn:suffix", "length": int64(8), "result": "abc"})
	in, err = e.Inputs("page")
	if err != nil {
		t.Fatal(err)
	}
	want := resource.PropertyMap{
		"path":    "out/dev/site-abc.html",
		"content": `r={"id":"s1","length":8,"result":"abc","urn":"urn:suffix"}`,
	}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Errorf("page inputs (-want +got):\n%s", diff)
	}

	// A declared output the resource did not return is null once it exists.
	e.SetResource("page", map[string]any{"id": "p1", "urn": "urn:page", "path": "out/dev/site-abc.html"})
	out, err := e.Outputs()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"path": "out/dev/site-abc.html", "size": nil, "id": "p1"}, out); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestEvalUndeclaredPropertyWithoutSchema(t *testing.T) {
	dir := mustWriteFiles(t, map[string]string{ProjectFile: header + "resources:\n  a:\n    type: x:Y\n  b:\n    type: x:Y\n    properties: {v: \"${a.missing}\"}\n"})
	p, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := p.NewEvaluator(Env{})
	e.SetResource("a", map[string]any{"id": resource.Unknown{}})
	if in, err := e.Inputs("b"); err != nil || !resource.Equal(in["v"], resource.Unknown{}) {
		t.Errorf("while a is created: %v, %v; want unknown", in, err)
	}
	e.SetResource("a", map[string]any{"id": "a1"})
	if _, err := e.Inputs("b"); err == nil || !strings.Contains(err.Error(), `resource a has no property "missing"`) {
		t.Errorf("after a is created: %v", err)
	}
}

func TestVariablesAreLazyAndRemembered(t *testing.T) {
	var reads atomic.Int32
	dir := mustWriteFiles(t, map[string]string{
		ProjectFile: header + `variables:
  text: {fn::readFile: notes/a.txt}
  unused: {fn::readFile: missing.txt}
  fromRes: ${r.output}-suffix
resources:
  r:
    type: core:Data
  a:
    type: core:Data
    properties: {input: "${text}"}
  b:
    type: core:Data
    properties: {input: "${text}", triggersReplace: "${fromRes}"}
`,
		"notes/a.txt": "file content",
	})
	p, err := Load(dir, testSchemas())
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	var mu sync.Mutex
	e := p.NewEvaluator(Env{ReadFile: func(path string) ([]byte, error) {
		reads.Add(1)
		mu.Lock()
		paths = append(paths, path)
		mu.Unlock()
		return readFileLimited(path)
	}})
	e.SetResource("r", map[string]any{"id": "r", "output": "one"})
	for _, name := range []string{"a", "b"} {
		in, err := e.Inputs(name)
		if err != nil {
			t.Fatal(err)
		}
		if in["input"] != "file content" {
			t.Errorf("%s input = %v", name, in["input"])
		}
	}
	if n := reads.Load(); n != 1 {
		t.Errorf("read %d files, want 1 (lazily, once): %v", n, paths)
	}
	if want := dir + "/notes/a.txt"; len(paths) != 1 || paths[0] != want {
		t.Errorf("read %v, want %s", paths, want)
	}
	// Setting r again refreshes the variables that depend on it.
	e.SetResource("r", map[string]any{"id": "r", "output": "two"})
	in, err := e.Inputs("b")
	if err != nil {
		t.Fatal(err)
	}
	if in["triggersReplace"] != "two-suffix" {
		t.Errorf("triggersReplace = %v after SetResource, want two-suffix", in["triggersReplace"])
	}
	if n := reads.Load(); n != 1 {
		t.Errorf("read %d files, want 1: variables not depending on r are kept", n)
	}
}

func TestReadFile(t *testing.T) {
	dir := mustWriteFiles(t, map[string]string{
		ProjectFile: header + `variables:
  ok: {fn::readFile: a.txt}
  missing: {fn::readFile: nope.txt}
  binary: {fn::readFile: b.bin}
  big: {fn::readFile: big.txt}
`,
		"a.txt":   "hello\n",
		"b.bin":   "\xff\xfe",
		"big.txt": strings.Repeat("x", maxReadFile+1),
	})
	p, err := Load(dir, testSchemas())
	if err != nil {
		t.Fatal(err)
	}
	e := p.NewEvaluator(Env{})
	tests := map[string]string{
		"ok":      "",
		"missing": "fn::readFile: open " + dir + "/nope.txt: no such file or directory",
		"binary":  "fn::readFile: b.bin is not UTF-8 text",
		"big":     "fn::readFile: big.txt is larger than 16 MiB",
	}
	for name, want := range tests {
		v, err := e.variable(p.vars[indexOfVar(p, name)])
		if want == "" {
			if err != nil || v != "hello\n" {
				t.Errorf("%s = %v, %v", name, v, err)
			}
			continue
		}
		if err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%s: got %v, want …%s", name, err, want)
		}
	}
}

func TestStackOutput(t *testing.T) {
	p := mustLoad(t, header+`variables:
  url: {fn::stackOutput: {stack: prod, output: url}}
  pw: {fn::stackOutput: {stack: prod, output: password}}
  bad: {fn::stackOutput: {stack: prod, output: nope}}
`)
	e := p.NewEvaluator(Env{StackOutput: func(stack, output string) (any, error) {
		switch output {
		case "url":
			return "https://" + stack, nil
		case "password":
			return resource.Secret{Value: "pw"}, nil
		}
		return nil, fmt.Errorf("stack %s has no output %q", stack, output)
	}})
	for name, want := range map[string]any{"url": "https://prod", "pw": resource.Secret{Value: "pw"}} {
		got, err := e.variable(p.vars[indexOfVar(p, name)])
		if err != nil || !resource.Equal(got, want) {
			t.Errorf("%s = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := e.variable(p.vars[indexOfVar(p, "bad")]); err == nil || !strings.HasSuffix(err.Error(), `fn::stackOutput: stack prod has no output "nope"`) {
		t.Errorf("bad: %v", err)
	}
}

func TestEvaluatorConcurrent(t *testing.T) {
	p := mustLoad(t, bigProgram(200))
	cfg, _, err := p.ResolveConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	e := p.NewEvaluator(Env{Stack: "dev", Config: cfg})
	// Resources become ready in dependency order; evaluate each as soon as
	// its dependencies are set, many at once.
	done := make(map[string]chan struct{}, len(p.Resources))
	for _, r := range p.Resources {
		done[r.Name] = make(chan struct{})
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(p.Resources))
	for _, r := range p.Resources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[r.Name])
			for _, d := range r.Deps {
				<-done[d]
			}
			in, err := e.Inputs(r.Name)
			if err != nil {
				errs <- err
				return
			}
			e.SetResource(r.Name, map[string]any{"id": r.Name, "urn": "urn:" + r.Name, "output": in["input"]})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	out, err := e.Outputs()
	if err != nil {
		t.Fatal(err)
	}
	last := out["last"].(map[string]any)
	if last["name"] != "dev-dev-data-199" || last["previous"] != "dev-dev-data-198" {
		t.Errorf("last = %v", last)
	}
}

func TestDottedNames(t *testing.T) {
	p := mustLoad(t, header+`variables:
  web: {server: {port: 1}}
  viaVar: ${web.server}
  viaRes: ${web.server.output.port}
resources:
  web.server:
    type: core:Data
    properties: {input: {port: 2}}
`)
	e := p.NewEvaluator(Env{})
	e.SetResource("web.server", map[string]any{"id": "w", "output": map[string]any{"port": int64(2)}})
	// The longest declared name wins: web.server is the resource.
	for name, want := range map[string]any{"viaVar": map[string]any{"id": "w", "output": map[string]any{"port": int64(2)}}, "viaRes": int64(2)} {
		got, err := e.variable(p.vars[indexOfVar(p, name)])
		if err != nil || !resource.Equal(got, want) {
			t.Errorf("%s = %v, %v; want %v", name, got, err, want)
		}
	}
	_, err := loadSource(t, header+`variables:
  web: {server: {port: 1}}
  viaVar: ${web.server.port}
resources:
  web.server:
    type: core:Data
`)
	want := []string{`Plinth.yaml:5:11: ${web.server.port}: core:Data has no property "port"`}
	if diff := cmp.Diff(want, errorLines(err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}
