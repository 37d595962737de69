package program

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/resource"
)

const configProject = `name: webapp
runtime: yaml
config:
  port: {type: integer, default: 8080}
  ratio: {type: number, default: 0.5}
  debug: {type: boolean, default: false}
  name: {type: string}
  tags: {type: list, default: [a]}
  labels: {type: map}
  dbPassword: {type: string, secret: true}
  token: {type: string, secret: true, default: dev-token}
  anything:
`

func TestResolveConfig(t *testing.T) {
	p := mustLoad(t, configProject)
	project, providers, err := p.ResolveConfig(map[string]any{
		"webapp:port":       "9090", // the CLI stores strings
		"webapp:debug":      "true",
		"webapp:name":       int64(7),
		"webapp:labels":     `{"team": "infra"}`,
		"webapp:dbPassword": resource.Secret{Value: "hunter2"},
		"webapp:anything":   []any{int64(1)},
		"webapp:extra":      "not declared",
		"anything2":         "bare key: the project's",
		"postgresql:host":   "localhost",
		"postgresql:port":   int64(5432),
		"aws:region":        "eu-west-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"port":       int64(9090),
		"ratio":      0.5,
		"debug":      true,
		"name":       "7",
		"tags":       []any{"a"},
		"labels":     map[string]any{"team": "infra"},
		"dbPassword": resource.Secret{Value: "hunter2"},
		"token":      resource.Secret{Value: "dev-token"},
		"anything":   []any{int64(1)},
		"extra":      "not declared",
		"anything2":  "bare key: the project's",
	}
	if diff := cmp.Diff(want, project); diff != "" {
		t.Errorf("project config (-want +got):\n%s", diff)
	}
	wantProviders := map[string]map[string]any{
		"postgresql": {"host": "localhost", "port": int64(5432)},
		"aws":        {"region": "eu-west-1"},
	}
	if diff := cmp.Diff(wantProviders, providers); diff != "" {
		t.Errorf("provider config (-want +got):\n%s", diff)
	}
}

func TestResolveConfigSecretWrap(t *testing.T) {
	p := mustLoad(t, configProject)
	project, _, err := p.ResolveConfig(map[string]any{
		"webapp:name":       resource.Secret{Value: "secret even if not declared so"},
		"webapp:labels":     map[string]any{},
		"webapp:dbPassword": "set in plain text",
		"webapp:port":       resource.Secret{Value: "8081"},
		"webapp:anything":   nil,
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"name":       resource.Secret{Value: "secret even if not declared so"},
		"dbPassword": resource.Secret{Value: "set in plain text"},
		"port":       resource.Secret{Value: int64(8081)},
	} {
		if !resource.Equal(project[k], want) {
			t.Errorf("%s = %s, want %s", k, resource.Format(project[k], true), resource.Format(want, true))
		}
	}
}

func TestResolveConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]any
		want   []string
	}{
		{
			name:   "every missing key in one error",
			values: map[string]any{},
			want:   []string{"missing required config: name, labels, dbPassword, anything (set with plinth config set KEY VALUE)"},
		},
		{
			name: "types name the key",
			values: map[string]any{
				"webapp:name": "n", "webapp:labels": "[1]", "webapp:dbPassword": resource.Secret{Value: "notanint"}, "webapp:anything": 1,
				"webapp:port": "eighty", "webapp:ratio": "x", "webapp:debug": "yes", "webapp:tags": map[string]any{},
			},
			want: []string{
				`config "debug" must be a boolean, got "yes"`,
				`config "labels" must be a map, got "[1]"`,
				`config "port" must be an integer, got "eighty"`,
				`config "ratio" must be a number, got "x"`,
				`config "tags" must be a list, got {}`,
			},
		},
		{
			name:   "missing first, then types",
			values: map[string]any{"webapp:port": 1.5, "webapp:labels": map[string]any{}, "webapp:anything": nil},
			want: []string{
				"missing required config: name, dbPassword (set with plinth config set KEY VALUE)",
				`config "port" must be an integer, got 1.5`,
			},
		},
	}
	p := mustLoad(t, configProject)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := p.ResolveConfig(tt.values)
			if diff := cmp.Diff(tt.want, errorLines(err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveConfigHidesSecrets(t *testing.T) {
	p := mustLoad(t, header+"config:\n  pin: {type: integer, secret: true}\n  n: {type: integer}\n")
	_, _, err := p.ResolveConfig(map[string]any{"test:pin": "hunter2", "test:n": resource.Secret{Value: "swordfish"}})
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{"hunter2", "swordfish"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error shows the secret %q: %v", s, err)
		}
	}
	want := []string{`config "n" must be an integer, got a secret string`, `config "pin" must be an integer, got a secret string`}
	if diff := cmp.Diff(want, errorLines(err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestConfigTypeCheckedAtLoad(t *testing.T) {
	// A typed config key flows into the properties it feeds.
	_, err := loadSource(t, header+`config:
  count: {type: integer}
  label: {type: string}
resources:
  f:
    type: file:File
    properties:
      path: ${count}
      content: "${count} items"
  r:
    type: random:String
    properties:
      length: ${count}
      special: ${label}
`)
	want := []string{
		`Plinth.yaml:10:13: property "path": expected string, got integer`,
		`Plinth.yaml:16:16: property "special": expected boolean, got string`,
	}
	if diff := cmp.Diff(want, errorLines(err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}
