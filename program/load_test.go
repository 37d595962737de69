package program

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadByteLevelErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"nul", header + "variables:\n  a: x\x00y\n", "Plinth.yaml:4:7: NUL byte: program files must be text"},
		{"utf8", header + "variables:\n  a: caf\xe9\n", "Plinth.yaml:4:9: invalid UTF-8: program files must be UTF-8 text"},
		{"control", header + "variables:\n  \u00e9: \x01\n", "Plinth.yaml:4:6: character U+0001 is not allowed in YAML"},
		{"del", header + "variables:\n  a: \x7f\n", "Plinth.yaml:4:6: character U+007F is not allowed in YAML"},
		{"second document", header + "---\nname: other\n", "Plinth.yaml:4:1: YAML: a second document (after ---) is not allowed: a program file holds one document"},
		{"not a map", "- a\n- b\n", "Plinth.yaml:1:1: Plinth.yaml must be a map of keys (name, runtime, description, main, backend, config, variables, resources, outputs, deploy), not a list"},
		{"tab indent", header + "variables:\n\ta: 1\n", "Plinth.yaml:4:1: YAML: found character that cannot start any token"},
		{"unknown tag", header + "variables:\n  a: !Ref b\n", "Plinth.yaml:4:6: YAML: tag !Ref is not supported"},
		{"binary", header + "variables:\n  a: !!binary aGk=\n", "Plinth.yaml:4:6: YAML: tag !!binary is not supported"},
		{"nan", header + "variables:\n  a: .nan\n", "Plinth.yaml:4:6: number .nan is not a finite number"},
		{"big int", header + "variables:\n  a: 18446744073709551615\n", "Plinth.yaml:4:6: integer 18446744073709551615 does not fit in 64 bits"},
		{"bad bool", header + "variables:\n  a: !!bool yes\n", `Plinth.yaml:4:6: YAML: "yes" is not a boolean`},
		{"unknown anchor", header + "variables:\n  a: *nope\n", "Plinth.yaml:1:1: YAML: unknown anchor 'nope' referenced"},
		{"complex key", header + "variables:\n  ? [a]\n  : 1\n", "Plinth.yaml:4:5: YAML: map keys must be strings, not a list"},
		{"bad merge", header + "variables:\n  a: &x 1\n  b:\n    <<: *x\n", "Plinth.yaml:6:9: YAML: << must merge a map or a list of maps, not an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadSource(t, tt.src)
			if got := strings.Join(errorLines(err), "\n"); got != tt.want {
				t.Errorf("Load:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestLoadTooLarge(t *testing.T) {
	src := header + "description: " + strings.Repeat("x", maxFileSize) + "\n"
	_, err := loadSource(t, src)
	if got, want := strings.Join(errorLines(err), "\n"), "Plinth.yaml:1:1: file is larger than 8 MiB"; got != want {
		t.Errorf("Load: got %q, want %q", got, want)
	}
}

func TestLoadByteOrderMark(t *testing.T) {
	mustLoad(t, "\ufeff"+header)
}

func TestLoadErrorsAreOneLineErrors(t *testing.T) {
	_, err := loadSource(t, header+"variables:\n  a: ${b}\n  c: ${d}\n")
	errs := unjoin(err)
	if len(errs) != 2 {
		t.Fatalf("got %d errors, want 2: %v", len(errs), err)
	}
	for _, e := range errs {
		var pe *Error
		if !errors.As(e, &pe) {
			t.Errorf("%v is %T, want *Error", e, e)
		}
		if strings.Contains(e.Error(), "\n") {
			t.Errorf("%q spans lines", e.Error())
		}
	}
}

func TestLoadNoProject(t *testing.T) {
	_, err := Load(t.TempDir(), testSchemas())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(empty dir) = %v, want fs.ErrNotExist", err)
	}
	_, err = LoadProject(t.TempDir())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadProject(empty dir) = %v, want fs.ErrNotExist", err)
	}
}

func TestLoadMainFile(t *testing.T) {
	p := mustLoad(t, header+"main: infra.yaml\nconfig:\n  n: {type: integer, default: 2}\n",
		"infra.yaml", "resources:\n  d:\n    type: core:Data\n    properties:\n      input: ${n}\noutputs:\n  out: ${d.output}\n")
	if got := len(p.Resources); got != 1 {
		t.Fatalf("got %d resources, want 1", got)
	}
	if got, want := p.Resources[0].File, filepath.Join(p.Project.Dir, "infra.yaml"); got != want {
		t.Errorf("Resource.File = %q, want %q", got, want)
	}

	tests := []struct {
		name  string
		src   string
		files []string
		want  []string
	}{
		{
			name:  "errors name the main file",
			src:   header + "main: infra.yaml\n",
			files: []string{"infra.yaml", "resources:\n  d:\n    type: core:Data\n    properties: {input: ${nope}}\n"},
			want:  []string{"infra.yaml:4:1: YAML: did not find expected ',' or '}' (quote ${…} inside [ ] and { }: write \"${nope}\")"},
		},
		{
			name:  "unknown reference in main",
			src:   header + "main: infra.yaml\n",
			files: []string{"infra.yaml", "variables:\n  a: ${nope}\n"},
			want:  []string{`infra.yaml:2:6: ${nope}: no config key, variable or resource is called "nope"`},
		},
		{
			name:  "program in both files",
			src:   header + "main: infra.yaml\nresources: {}\n",
			files: []string{"infra.yaml", "resources: {}\n"},
			want:  []string{"Plinth.yaml:4:1: resources: not allowed in Plinth.yaml when main is set: the program lives in infra.yaml"},
		},
		{
			name:  "project keys in main",
			src:   header + "main: infra.yaml\n",
			files: []string{"infra.yaml", "name: x\nresources: {}\n"},
			want:  []string{`infra.yaml:1:1: unknown key "name" in infra.yaml`},
		},
		{
			name:  "main is a directory",
			src:   header + "main: infra\n",
			files: []string{"infra/x.yaml", ""},
			want:  []string{"Plinth.yaml:3:7: main infra is a directory: name the program file, like infra/main.yaml"},
		},
		{
			name: "empty main",
			src:  header + "main: ''\n",
			want: []string{"Plinth.yaml:3:7: main must name the program file, like main: infra.yaml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadSource(t, tt.src, tt.files...)
			if diff := cmp.Diff(tt.want, errorLines(err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadProject(t *testing.T) {
	dir := mustWriteFiles(t, map[string]string{ProjectFile: `name: webapp
runtime: yaml
description: Example
backend:
  url: s3://bucket/prefix
config:
  port: {type: integer, default: 8080}
  dbPassword: {type: string, secret: true, description: the password}
  tags: [a, b]
  anything:
  region: eu-west-1
resources:
  broken: ${this is not checked by LoadProject}
deploy:
  branches:
    main: production
  verify:
    - http: http://${outputs.url}/healthz
`})
	p, err := LoadProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "webapp" || p.Runtime != "yaml" || p.Description != "Example" || p.BackendURL != "s3://bucket/prefix" {
		t.Errorf("project = %+v", p)
	}
	if p.File != filepath.Join(dir, ProjectFile) || p.Dir != dir {
		t.Errorf("Dir, File = %q, %q", p.Dir, p.File)
	}
	want := map[string]ConfigDecl{
		"port":       {Type: "integer", Default: int64(8080), HasDefault: true, Line: 7, Col: 3},
		"dbPassword": {Type: "string", Secret: true, Description: "the password", Line: 8, Col: 3},
		"tags":       {Type: "list", Default: []any{"a", "b"}, HasDefault: true, Line: 9, Col: 3},
		"anything":   {Line: 10, Col: 3},
		"region":     {Type: "string", Default: "eu-west-1", HasDefault: true, Line: 11, Col: 3},
	}
	if diff := cmp.Diff(want, p.Config); diff != "" {
		t.Errorf("Config (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"port", "dbPassword", "tags", "anything", "region"}, p.ConfigOrder); diff != "" {
		t.Errorf("ConfigOrder (-want +got):\n%s", diff)
	}
	if p.Deploy == nil || p.Deploy.Line != 15 {
		t.Errorf("Deploy = %+v, want the raw node at line 15", p.Deploy)
	}
	if _, err := Load(dir, testSchemas()); err == nil {
		t.Error("Load accepted the broken program")
	}
}

func TestLoadStructure(t *testing.T) {
	p := mustLoad(t, header+`config:
  n: {type: integer, default: 1}
variables:
  base: ${a.output}
  both: ["${base}", "${c.id}"]
  plain: ${n}
resources:
  c:
    type: core:Data
  a:
    type: core:Data
    properties:
      input: ${plain}
  b:
    type: core:Data
    properties:
      input: {x: "${both}", y: "${a.urn}"}
    options:
      dependsOn: ["${c}", "${c}"]
      protect: true
      retainOnDelete: true
      deleteBeforeReplace: true
      ignoreChanges: [input.x, "triggersReplace"]
      replaceOnChanges: [input]
      import: existing-id
  web.server:
    type: core:Data
  user:
    type: core:Data
    properties:
      input: ${web.server.output.port}
    options:
      dependsOn:
        - ${b}
outputs:
  z: ${b.output}
  a: 1
`)
	var names []string
	for _, r := range p.Resources {
		names = append(names, r.Name)
	}
	if diff := cmp.Diff([]string{"c", "a", "b", "web.server", "user"}, names); diff != "" {
		t.Errorf("resource order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"z", "a"}, p.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	deps := map[string][]string{}
	for _, r := range p.Resources {
		deps[r.Name] = r.Deps
	}
	wantDeps := map[string][]string{"c": nil, "a": nil, "b": {"a", "c"}, "web.server": nil, "user": {"b", "web.server"}}
	if diff := cmp.Diff(wantDeps, deps); diff != "" {
		t.Errorf("Deps (-want +got):\n%s", diff)
	}
	b, _ := p.Resource("b")
	wantOpts := Options{
		DependsOn: []string{"c"}, Protect: true, RetainOnDelete: true, DeleteBeforeReplace: true,
		IgnoreChanges: []string{"input.x", "triggersReplace"}, ReplaceOnChanges: []string{"input"}, Import: "existing-id",
	}
	if diff := cmp.Diff(wantOpts, b.Options); diff != "" {
		t.Errorf("Options (-want +got):\n%s", diff)
	}
	if b.Type != "core:Data" || b.Line != 16 || b.Col != 3 {
		t.Errorf("b = %s at %d:%d, want core:Data at 16:3", b.Type, b.Line, b.Col)
	}
	if _, ok := p.Resource("nope"); ok {
		t.Error("Resource(nope) found something")
	}
}

func TestLoadWithoutSchemas(t *testing.T) {
	dir := mustWriteFiles(t, map[string]string{ProjectFile: header + "resources:\n  x:\n    type: any:Thing\n    properties: {whatever: 1}\n  y:\n    type: other:Thing\n    properties: {v: \"${x.anything}\"}\n"})
	p, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"x"}, p.Resources[1].Deps); diff != "" {
		t.Errorf("Deps (-want +got):\n%s", diff)
	}
}

func TestLoadAliasesAndMerges(t *testing.T) {
	p := mustLoad(t, header+`variables:
  common: &common {a: 1, b: 2}
  merged:
    <<: *common
    b: 3
  many:
    <<: [{x: 1}, *common]
  list: &l [1, 2]
  again: *l
`)
	e := p.NewEvaluator(Env{})
	for name, want := range map[string]any{
		"merged": map[string]any{"a": int64(1), "b": int64(3)},
		"many":   map[string]any{"x": int64(1), "a": int64(1), "b": int64(2)},
		"again":  []any{int64(1), int64(2)},
	} {
		v, err := e.variable(p.vars[indexOfVar(p, name)])
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, v); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func indexOfVar(p *Program, name string) int {
	for i, v := range p.vars {
		if v.name == name {
			return i
		}
	}
	return -1
}

func TestLoadEmptySections(t *testing.T) {
	p := mustLoad(t, header+"config:\nvariables:\nresources:\noutputs:\n")
	if len(p.Resources) != 0 || len(p.Outputs) != 0 {
		t.Errorf("got %d resources, %d outputs", len(p.Resources), len(p.Outputs))
	}
}

func TestLoadReadsOnlyItsFiles(t *testing.T) {
	// A file the program does not name is never read, even when broken.
	dir := mustWriteFiles(t, map[string]string{ProjectFile: header, "other.yaml": "{{{"})
	if _, err := Load(dir, testSchemas()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "other.yaml")); err != nil {
		t.Fatal(err)
	}
}
