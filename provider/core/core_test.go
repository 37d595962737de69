package core

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/provider/providertest"
	"github.com/plinth-iac/plinth/resource"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, New(), []providertest.Case{
		{
			Name:    "scalar",
			Type:    DataType,
			Inputs:  resource.PropertyMap{"input": "hello"},
			Update:  resource.PropertyMap{"input": "bye"},
			Replace: resource.PropertyMap{"input": "bye", "triggersReplace": int64(2)},
		},
		{
			Name:    "structured",
			Type:    DataType,
			Inputs:  resource.PropertyMap{"input": map[string]any{"a": []any{int64(1), 2.5, true, nil}}, "triggersReplace": "v1"},
			Update:  resource.PropertyMap{"input": map[string]any{"a": []any{}}, "triggersReplace": "v1"},
			Replace: resource.PropertyMap{"input": map[string]any{"a": []any{}}, "triggersReplace": "v2"},
		},
		{
			Name:   "empty",
			Type:   DataType,
			Inputs: resource.PropertyMap{},
			Update: resource.PropertyMap{"input": int64(0)},
		},
	})
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name       string
		olds, news resource.PropertyMap
		want       provider.DiffResponse
	}{
		{"same", resource.PropertyMap{"input": int64(8)}, resource.PropertyMap{"input": 8.0}, provider.DiffResponse{}},
		{"input", resource.PropertyMap{"input": "a"}, resource.PropertyMap{"input": "b"}, provider.DiffResponse{Changed: []string{"input"}}},
		{"input removed", resource.PropertyMap{"input": "a"}, resource.PropertyMap{}, provider.DiffResponse{Changed: []string{"input"}}},
		{"trigger", resource.PropertyMap{"triggersReplace": "a"}, resource.PropertyMap{"triggersReplace": "b"},
			provider.DiffResponse{Changed: []string{"triggersReplace"}, Replace: []string{"triggersReplace"}}},
		{"both", resource.PropertyMap{"input": "x", "triggersReplace": "a"}, resource.PropertyMap{"input": "y", "triggersReplace": "b"},
			provider.DiffResponse{Changed: []string{"input", "triggersReplace"}, Replace: []string{"triggersReplace"}}},
		{"unknown", resource.PropertyMap{"input": "x"}, resource.PropertyMap{"input": resource.Unknown{}}, provider.DiffResponse{Changed: []string{"input"}}},
	}
	p := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Diff(t.Context(), provider.DiffRequest{Type: DataType, OldInputs: tt.olds, NewInputs: tt.news})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckFailures(t *testing.T) {
	p := New()
	tests := []struct {
		inputs resource.PropertyMap
		want   []provider.CheckFailure
	}{
		{resource.PropertyMap{"inputs": "x"}, []provider.CheckFailure{{Property: "inputs", Reason: `core:Data has no property "inputs" (did you mean "input"?)`}}},
		{resource.PropertyMap{"input": "x", "trigger": true}, []provider.CheckFailure{{Property: "trigger", Reason: `core:Data has no property "trigger"`}}},
	}
	for _, tt := range tests {
		resp, err := p.Check(t.Context(), provider.CheckRequest{Type: DataType, Inputs: tt.inputs})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, resp.Failures); diff != "" {
			t.Errorf("Check(%s) failures (-want +got):\n%s", resource.Format(tt.inputs, true), diff)
		}
	}
}

func TestWrongType(t *testing.T) {
	p := New()
	if _, err := p.Check(t.Context(), provider.CheckRequest{Type: "core:Thing"}); err == nil || !strings.Contains(err.Error(), "core:Data") {
		t.Errorf("Check(core:Thing) = %v, want an error naming core:Data", err)
	}
	if _, err := p.Create(t.Context(), provider.CreateRequest{Type: "core:Thing"}); err == nil {
		t.Error("Create(core:Thing) succeeded")
	}
	if _, err := p.Read(t.Context(), provider.ReadRequest{Type: DataType, ID: "abc"}); err == nil || !strings.Contains(err.Error(), "cannot be imported") {
		t.Errorf("Read(import) = %v, want cannot be imported", err)
	}
}

func TestIDs(t *testing.T) {
	p := New()
	seen := map[string]bool{}
	re := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for range 1000 {
		resp, err := p.Create(t.Context(), provider.CreateRequest{Type: DataType})
		if err != nil {
			t.Fatal(err)
		}
		if !re.MatchString(resp.ID) || seen[resp.ID] {
			t.Fatalf("ID %q: want 16 fresh hex characters", resp.ID)
		}
		seen[resp.ID] = true
	}
}

// TestCheap pins the allocation budget that keeps 10,000-resource stacks
// dominated by the engine, not by core:Data.
func TestCheap(t *testing.T) {
	p := New()
	ctx := t.Context()
	inputs := resource.PropertyMap{"input": "x", "triggersReplace": int64(1)}
	tests := []struct {
		name string
		max  float64
		f    func()
	}{
		{"Check", 2, func() { _, _ = p.Check(ctx, provider.CheckRequest{Type: DataType, Inputs: inputs}) }},
		{"Diff", 0, func() {
			_, _ = p.Diff(ctx, provider.DiffRequest{Type: DataType, OldInputs: inputs, NewInputs: inputs})
		}},
		{"Create", 4, func() { _, _ = p.Create(ctx, provider.CreateRequest{Type: DataType, Inputs: inputs}) }},
		{"Delete", 0, func() { _, _ = p.Delete(ctx, provider.DeleteRequest{Type: DataType, ID: "x"}) }},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(100, tt.f); got > tt.max {
			t.Errorf("%s allocates %v times per call, want at most %v", tt.name, got, tt.max)
		}
	}
}

func BenchmarkLifecycle(b *testing.B) {
	p := New()
	ctx := b.Context()
	inputs := resource.PropertyMap{"input": "x", "triggersReplace": int64(1)}
	b.ReportAllocs()
	for b.Loop() {
		c, _ := p.Check(ctx, provider.CheckRequest{Type: DataType, Inputs: inputs})
		_, _ = p.Diff(ctx, provider.DiffRequest{Type: DataType, OldInputs: inputs, NewInputs: c.Inputs})
		r, _ := p.Create(ctx, provider.CreateRequest{Type: DataType, Inputs: c.Inputs})
		_, _ = p.Delete(ctx, provider.DeleteRequest{Type: DataType, ID: r.ID, Inputs: c.Inputs, Outputs: r.Outputs})
	}
}
