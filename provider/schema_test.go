package provider

import (
	"strings"
	"testing"

	"github.com/plinth-iac/plinth/resource"
)

var testSchema = ResourceSchema{
	Token: "t:Thing",
	Inputs: map[string]Property{
		"path":   {Type: TypeString, Required: true, ReplaceOnChange: true},
		"length": {Type: TypeInteger, Default: int64(8)},
		"tags":   {Type: TypeMap, Items: &Property{Type: TypeString}},
	},
}

func TestCheckInputs(t *testing.T) {
	tests := []struct {
		in   resource.PropertyMap
		want string
	}{
		{resource.PropertyMap{"path": "a"}, ""},
		{resource.PropertyMap{"path": "a", "lenght": int64(3)}, `t:Thing has no property "lenght" (did you mean "length"?)`},
		{resource.PropertyMap{}, `missing required property "path"`},
		{resource.PropertyMap{"path": int64(3)}, `property "path": expected string, got integer`},
		{resource.PropertyMap{"path": "a", "tags": map[string]any{"x": true}}, `property "tags": .x: expected string, got boolean`},
		{resource.PropertyMap{"path": resource.Unknown{}, "length": 2.0}, ""},
		{resource.PropertyMap{"path": resource.Secret{Value: 5.5}}, `property "path": expected string, got number`},
	}
	for _, tt := range tests {
		out, fails := CheckInputs(testSchema, tt.in)
		var got []string
		for _, f := range fails {
			got = append(got, f.Reason)
		}
		if g := strings.Join(got, "; "); g != tt.want {
			t.Errorf("CheckInputs(%v) = %q, want %q", resource.Format(tt.in, true), g, tt.want)
		}
		if tt.want == "" && out["length"] == nil {
			t.Errorf("CheckInputs(%v) did not default length", tt.in)
		}
	}
}

func TestDiffInputs(t *testing.T) {
	d := DiffInputs(testSchema, resource.PropertyMap{"path": "a", "length": int64(8)}, resource.PropertyMap{"path": "b", "length": 8.0})
	if strings.Join(d.Changed, ",") != "path" || strings.Join(d.Replace, ",") != "path" {
		t.Fatalf("DiffInputs = %+v", d)
	}
	if d := DiffInputs(testSchema, resource.PropertyMap{"tags": map[string]any{}}, resource.PropertyMap{}); strings.Join(d.Changed, ",") != "tags" || len(d.Replace) != 0 {
		t.Fatalf("DiffInputs removed key = %+v", d)
	}
}
