package providertest

import (
	"context"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
)

// Case is one resource the suite takes from Check to Delete.
type Case struct {
	// Name names the subtest; it defaults to Type. Give one when a type has
	// several cases.
	Name string
	// Type is the resource type token, e.g. "file:File".
	Type string
	// Inputs create the resource. They are plain values, as the engine
	// passes them: no Secret or Unknown.
	Inputs resource.PropertyMap
	// Update are inputs that update the resource in place, nil if none.
	Update resource.PropertyMap
	// Replace are inputs whose diff must say replace, nil if none.
	Replace resource.PropertyMap
	// Exists checks the real world, nil for resources that live only in
	// state or cannot be read back.
	Exists func(t *testing.T, id string, outputs resource.PropertyMap) bool
	// Drift changes the real thing behind the provider's back, nil if the
	// resource has nothing to drift.
	Drift func(t *testing.T, id string)
}

// cancelBound is how long Create may take to notice a cancelled context.
const cancelBound = 10 * time.Second

// unknownProperty is an input no schema declares.
const unknownProperty = "plinthNoSuchProperty"

// validTypes lists the property types a schema may use.
func validTypes() []string {
	return []string{
		provider.TypeString, provider.TypeInteger, provider.TypeNumber, provider.TypeBoolean,
		provider.TypeList, provider.TypeMap, provider.TypeAny,
	}
}

// Run runs the conformance suite against p. Every resource type of p's
// schema needs at least one case.
func Run(t *testing.T, p provider.Provider, cases []Case) {
	t.Helper()
	s := p.Schema()
	t.Run("Schema", func(t *testing.T) { checkSchema(t, s) })
	t.Run("Coverage", func(t *testing.T) {
		covered := map[string]bool{}
		for _, c := range cases {
			covered[c.Type] = true
			if _, ok := s.Resources[c.Type]; !ok {
				t.Errorf("case for %q: the schema has no such type", c.Type)
			}
		}
		for _, tok := range sortedKeys(s.Resources) {
			if !covered[tok] {
				t.Errorf("no case for resource type %q", tok)
			}
		}
	})
	if len(s.Config) == 0 {
		t.Run("Configure", func(t *testing.T) {
			if _, err := p.Configure(t.Context(), provider.ConfigureRequest{}); err != nil {
				t.Errorf("Configure(empty) = %v, want nil", err)
			}
			if _, err := p.Configure(t.Context(), provider.ConfigureRequest{Config: resource.PropertyMap{unknownProperty: "x"}}); err == nil {
				t.Errorf("Configure(%s) succeeded, want an error: %s declares no config", unknownProperty, s.Name)
			}
		})
	}
	for _, c := range cases {
		name := c.Name
		if name == "" {
			name = c.Type
		}
		t.Run(name, func(t *testing.T) {
			rs, ok := s.Resources[c.Type]
			if !ok {
				t.Fatalf("the schema has no type %q", c.Type)
			}
			(&run{p: p, rs: rs, c: c}).all(t)
		})
	}
}

func checkSchema(t *testing.T, s provider.PackageSchema) {
	if s.Name == "" {
		t.Error("package schema has no Name")
	}
	if s.Description == "" {
		t.Errorf("package %q has no Description", s.Name)
	}
	if len(s.Resources) == 0 {
		t.Errorf("package %q has no resource types", s.Name)
	}
	for _, k := range sortedKeys(s.Config) {
		checkProperty(t, "config "+k, s.Config[k])
	}
	for _, key := range sortedKeys(s.Resources) {
		rs := s.Resources[key]
		if rs.Token != key {
			t.Errorf("resource %q has Token %q, want the map key", key, rs.Token)
		}
		pkg, _, ok := provider.Split(key)
		if !ok || pkg != s.Name {
			t.Errorf("resource %q is not a type token of package %q", key, s.Name)
		}
		if rs.Description == "" {
			t.Errorf("%s has no Description", key)
		}
		if len(rs.Outputs) == 0 {
			t.Errorf("%s has no outputs", key)
		}
		for _, k := range sortedKeys(rs.Inputs) {
			p := rs.Inputs[k]
			where := key + " input " + k
			checkProperty(t, where, p)
			if p.Default != nil {
				if p.Required {
					t.Errorf("%s is Required and has a Default: one of them is wrong", where)
				}
				if err := provider.CheckValue(p, p.Default); err != nil {
					t.Errorf("%s: Default does not fit: %v", where, err)
				}
			}
			if p.Secret || p.FromInput != "" || len(p.DerivedFrom) > 0 {
				t.Errorf("%s: Secret, FromInput and DerivedFrom are for outputs", where)
			}
		}
		for _, k := range sortedKeys(rs.Outputs) {
			p := rs.Outputs[k]
			where := key + " output " + k
			checkProperty(t, where, p)
			if p.Required || p.Default != nil || p.ReplaceOnChange {
				t.Errorf("%s: Required, Default and ReplaceOnChange are for inputs", where)
			}
			if p.FromInput != "" {
				if _, ok := rs.Inputs[p.FromInput]; !ok {
					t.Errorf("%s: FromInput names %q, which is not an input", where, p.FromInput)
				}
			}
			for _, d := range p.DerivedFrom {
				if _, ok := rs.Inputs[d]; !ok {
					t.Errorf("%s: DerivedFrom names %q, which is not an input", where, d)
				}
			}
		}
	}
}

func checkProperty(t *testing.T, where string, p provider.Property) {
	t.Helper()
	if !slices.Contains(validTypes(), p.Type) {
		t.Errorf("%s has Type %q, want one of %v", where, p.Type, validTypes())
	}
	if p.Description == "" {
		t.Errorf("%s has no Description", where)
	}
	if p.Items != nil {
		if p.Type != provider.TypeList && p.Type != provider.TypeMap {
			t.Errorf("%s has Items but is a %s", where, p.Type)
		}
		if !slices.Contains(validTypes(), p.Items.Type) {
			t.Errorf("%s has Items of Type %q, want one of %v", where, p.Items.Type, validTypes())
		}
	}
}

// run is one case's way through the suite.
type run struct {
	p  provider.Provider
	rs provider.ResourceSchema
	c  Case

	// The resource as last created or updated, while it exists.
	id      string
	inputs  resource.PropertyMap
	outputs resource.PropertyMap
	live    bool
}

func (r *run) all(t *testing.T) {
	assertPlain(t, "Case.Inputs", r.c.Inputs)
	assertPlain(t, "Case.Update", r.c.Update)
	assertPlain(t, "Case.Replace", r.c.Replace)
	if t.Failed() {
		return
	}
	t.Cleanup(func() {
		if r.live {
			_, _ = r.p.Delete(context.Background(), provider.DeleteRequest{Type: r.c.Type, ID: r.id, Inputs: r.inputs, Outputs: r.outputs})
		}
	})
	if !t.Run("Check", r.check) {
		return
	}
	t.Run("CheckRejects", r.checkRejects)
	t.Run("CheckUnknowns", r.checkUnknowns)
	t.Run("DiffUnknowns", r.diffUnknowns)
	if !t.Run("Create", r.create) {
		return
	}
	t.Run("Read", r.read)
	if r.c.Exists != nil {
		t.Run("Import", r.importRead)
	}
	t.Run("DiffSame", r.diffSame)
	if r.c.Update != nil && !t.Run("Update", r.update) {
		return
	}
	if r.c.Replace != nil {
		t.Run("DiffReplace", r.diffReplace)
	}
	if r.c.Drift != nil {
		t.Run("Drift", r.drift)
	}
	if !t.Run("Delete", r.delete) {
		return
	}
	t.Run("CreateCancelled", r.createCancelled)
}

// mustCheck checks inputs that must pass.
func (r *run) mustCheck(t *testing.T, inputs resource.PropertyMap) resource.PropertyMap {
	t.Helper()
	before := resource.Copy(inputs)
	resp, err := r.p.Check(t.Context(), provider.CheckRequest{Type: r.c.Type, Name: "test", Inputs: inputs})
	if err != nil {
		t.Fatalf("Check(%s) error: %v", resource.Format(inputs, true), err)
	}
	if len(resp.Failures) > 0 {
		t.Fatalf("Check(%s) failures: %+v", resource.Format(inputs, true), resp.Failures)
	}
	if !resource.Equal(map[string]any(inputs), before) {
		t.Errorf("Check modified its inputs: %s", cmp.Diff(before, map[string]any(inputs)))
	}
	return resp.Inputs
}

func (r *run) check(t *testing.T) {
	checked := r.mustCheck(t, r.c.Inputs)
	for _, k := range sortedKeys(r.c.Inputs) {
		if _, ok := checked[k]; !ok {
			t.Errorf("Check dropped input %q", k)
		}
	}
	for _, k := range sortedKeys(r.rs.Inputs) {
		p := r.rs.Inputs[k]
		if _, given := r.c.Inputs[k]; given || p.Default == nil {
			continue
		}
		if !resource.Equal(checked[k], p.Default) {
			t.Errorf("Check left %q = %s, want the default %s", k, resource.Format(checked[k], true), resource.Format(p.Default, true))
		}
	}
	for _, k := range sortedKeys(checked) {
		if _, ok := r.rs.Inputs[k]; !ok {
			t.Errorf("Check returned %q, which the schema does not declare", k)
		}
	}
	if again := r.mustCheck(t, checked); !resource.Equal(map[string]any(again), map[string]any(checked)) {
		t.Errorf("Check is not idempotent: %s", cmp.Diff(checked, again))
	}
	r.inputs = checked
}

// wrongValue returns a value that does not fit type typ, or nil for "any".
func wrongValue(typ string) any {
	switch typ {
	case provider.TypeAny, "":
		return nil
	case provider.TypeString:
		return int64(42)
	}
	return "not-a-" + typ
}

func (r *run) checkRejects(t *testing.T) {
	type bad struct {
		what     string
		inputs   resource.PropertyMap
		property string
	}
	var bads []bad
	with := func(k string, v any) resource.PropertyMap {
		m := resource.Copy(map[string]any(r.c.Inputs)).(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	bads = append(bads, bad{"unknown property", with(unknownProperty, "x"), unknownProperty})
	for _, k := range sortedKeys(r.rs.Inputs) {
		p := r.rs.Inputs[k]
		if v := wrongValue(p.Type); v != nil {
			bads = append(bads, bad{"wrong type for " + k, with(k, v), k})
		}
		if p.Required {
			bads = append(bads, bad{"missing " + k, with(k, nil), k})
		}
	}
	for _, b := range bads {
		resp, err := r.p.Check(t.Context(), provider.CheckRequest{Type: r.c.Type, Name: "test", Inputs: b.inputs})
		if err != nil {
			t.Errorf("%s: Check error %v, want Failures", b.what, err)
			continue
		}
		named := false
		for _, f := range resp.Failures {
			named = named || f.Property == b.property
			if f.Reason == "" {
				t.Errorf("%s: failure for %q has no Reason", b.what, f.Property)
			}
		}
		if !named {
			t.Errorf("%s: Check failures %+v, want one for %q", b.what, resp.Failures, b.property)
		}
	}
}

// checkUnknowns checks that preview's unknown values pass Check: a provider
// can only judge them once they are known.
func (r *run) checkUnknowns(t *testing.T) {
	for _, k := range sortedKeys(r.c.Inputs) {
		m := resource.Copy(map[string]any(r.c.Inputs)).(map[string]any)
		m[k] = resource.Unknown{}
		resp, err := r.p.Check(t.Context(), provider.CheckRequest{Type: r.c.Type, Name: "test", Inputs: m})
		if err != nil {
			t.Errorf("Check with %q unknown: error %v", k, err)
			continue
		}
		if len(resp.Failures) > 0 {
			t.Errorf("Check with %q unknown: failures %+v, want none", k, resp.Failures)
		}
	}
}

// diffUnknowns checks that an input that becomes unknown diffs as changed.
func (r *run) diffUnknowns(t *testing.T) {
	for _, k := range sortedKeys(r.inputs) {
		m := resource.Copy(map[string]any(r.inputs)).(map[string]any)
		m[k] = resource.Unknown{}
		d := r.diff(t, r.inputs, nil, m)
		if !slices.Contains(d.Changed, k) {
			t.Errorf("Diff with %q unknown: Changed = %v, want it listed", k, d.Changed)
		}
	}
}

// diff calls Diff and checks the response is well formed.
func (r *run) diff(t *testing.T, olds, oldOutputs, news resource.PropertyMap) provider.DiffResponse {
	t.Helper()
	d, err := r.p.Diff(t.Context(), provider.DiffRequest{Type: r.c.Type, ID: r.id, OldInputs: olds, OldOutputs: oldOutputs, NewInputs: news})
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if !sort.StringsAreSorted(d.Changed) || !sort.StringsAreSorted(d.Replace) {
		t.Errorf("Diff = %+v: Changed and Replace must be sorted", d)
	}
	for _, k := range d.Replace {
		if !slices.Contains(d.Changed, k) {
			t.Errorf("Diff = %+v: Replace lists %q, which is not in Changed", d, k)
		}
	}
	if len(slices.Compact(slices.Clone(d.Changed))) != len(d.Changed) {
		t.Errorf("Diff = %+v: Changed has duplicates", d)
	}
	return d
}

// checkOutputs checks outputs against the output schema.
func (r *run) checkOutputs(t *testing.T, op string, inputs, outputs resource.PropertyMap) {
	t.Helper()
	assertPlain(t, op+" outputs", outputs)
	for _, k := range sortedKeys(outputs) {
		p, ok := r.rs.Outputs[k]
		if !ok {
			t.Errorf("%s returned output %q, which the schema does not declare", op, k)
			continue
		}
		if err := provider.CheckValue(p, outputs[k]); err != nil {
			t.Errorf("%s output %q: %v", op, k, err)
		}
	}
	for _, k := range sortedKeys(r.rs.Outputs) {
		p := r.rs.Outputs[k]
		if _, ok := outputs[k]; !ok {
			t.Errorf("%s did not return output %q", op, k)
		}
		if p.FromInput != "" && !resource.Equal(outputs[k], inputs[p.FromInput]) {
			t.Errorf("%s output %q = %s, want input %q = %s", op, k, resource.Format(outputs[k], true), p.FromInput, resource.Format(inputs[p.FromInput], true))
		}
	}
}

func (r *run) create(t *testing.T) {
	resp, err := r.p.Create(t.Context(), provider.CreateRequest{Type: r.c.Type, Name: "test", Inputs: r.inputs})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if resp.ID != "" || resp.Outputs != nil {
		r.live = true
	}
	r.id, r.outputs = resp.ID, resp.Outputs
	if resp.ID == "" {
		t.Fatal("Create returned an empty ID")
	}
	r.checkOutputs(t, "Create", r.inputs, resp.Outputs)
	r.exists(t, true)
}

func (r *run) exists(t *testing.T, want bool) {
	t.Helper()
	if r.c.Exists == nil {
		return
	}
	if got := r.c.Exists(t, r.id, r.outputs); got != want {
		t.Errorf("Exists(%q) = %v, want %v", r.id, got, want)
	}
}

// readBack reads the resource and checks it matches what was recorded.
func (r *run) readBack(t *testing.T) {
	t.Helper()
	resp, err := r.p.Read(t.Context(), provider.ReadRequest{Type: r.c.Type, ID: r.id, Inputs: r.inputs, Outputs: r.outputs})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if resp.Gone {
		t.Fatal("Read says Gone, want the resource")
	}
	r.checkOutputs(t, "Read", r.inputs, resp.Outputs)
	if !resource.Equal(map[string]any(resp.Outputs), map[string]any(r.outputs)) {
		t.Errorf("Read outputs differ from recorded (-recorded +read):\n%s", cmp.Diff(r.outputs, resp.Outputs))
	}
	if resp.Inputs != nil {
		assertPlain(t, "Read inputs", resp.Inputs)
		if d := r.diff(t, r.inputs, r.outputs, resp.Inputs); d.HasChanges() {
			t.Errorf("Read inputs diff as changed %v (-recorded +read):\n%s", d.Changed, cmp.Diff(r.inputs, resp.Inputs))
		}
	}
}

func (r *run) read(t *testing.T) { r.readBack(t) }

// importRead reads the resource by ID alone, as import does.
func (r *run) importRead(t *testing.T) {
	resp, err := r.p.Read(t.Context(), provider.ReadRequest{Type: r.c.Type, ID: r.id})
	if err != nil {
		t.Fatalf("Read(ID only): %v", err)
	}
	if resp.Gone {
		t.Fatal("Read(ID only) says Gone, want the resource")
	}
	if resp.Inputs == nil {
		t.Error("Read(ID only) returned no inputs: import needs them")
	}
	if !resource.Equal(map[string]any(resp.Outputs), map[string]any(r.outputs)) {
		t.Errorf("Read(ID only) outputs differ from recorded (-recorded +read):\n%s", cmp.Diff(r.outputs, resp.Outputs))
	}
	if resp.Inputs != nil {
		r.mustCheck(t, resp.Inputs)
	}
}

func (r *run) diffSame(t *testing.T) {
	if d := r.diff(t, r.inputs, r.outputs, resource.Copy(map[string]any(r.inputs)).(map[string]any)); d.HasChanges() || len(d.Replace) > 0 {
		t.Errorf("Diff of the same inputs = %+v, want no changes", d)
	}
}

func (r *run) update(t *testing.T) {
	news := r.mustCheck(t, r.c.Update)
	d := r.diff(t, r.inputs, r.outputs, news)
	if !d.HasChanges() {
		t.Fatalf("Diff(Inputs, Update) = %+v, want changes", d)
	}
	if len(d.Replace) > 0 {
		t.Fatalf("Diff(Inputs, Update) = %+v, want an update in place", d)
	}
	resp, err := r.p.Update(t.Context(), provider.UpdateRequest{Type: r.c.Type, ID: r.id, OldInputs: r.inputs, OldOutputs: r.outputs, NewInputs: news})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	r.checkOutputs(t, "Update", news, resp.Outputs)
	r.inputs, r.outputs = news, resp.Outputs
	r.readBack(t)
	r.exists(t, true)
	r.diffSame(t)
}

func (r *run) diffReplace(t *testing.T) {
	news := r.mustCheck(t, r.c.Replace)
	if d := r.diff(t, r.inputs, r.outputs, news); len(d.Replace) == 0 {
		t.Errorf("Diff(current, Replace) = %+v, want a replacement", d)
	}
}

func (r *run) drift(t *testing.T) {
	r.c.Drift(t, r.id)
	resp, err := r.p.Read(t.Context(), provider.ReadRequest{Type: r.c.Type, ID: r.id, Inputs: r.inputs, Outputs: r.outputs})
	if err != nil {
		t.Fatalf("Read after drift: %v", err)
	}
	if resp.Gone {
		return
	}
	if !resource.Equal(map[string]any(resp.Outputs), map[string]any(r.outputs)) {
		return
	}
	if resp.Inputs != nil && r.diff(t, r.inputs, r.outputs, resp.Inputs).HasChanges() {
		return
	}
	t.Errorf("Read after drift reports no change: outputs %s, inputs %s", resource.Format(resp.Outputs, true), resource.Format(resp.Inputs, true))
}

func (r *run) delete(t *testing.T) {
	req := provider.DeleteRequest{Type: r.c.Type, ID: r.id, Inputs: r.inputs, Outputs: r.outputs}
	if _, err := r.p.Delete(t.Context(), req); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	r.live = false
	r.exists(t, false)
	if _, err := r.p.Delete(t.Context(), req); err != nil {
		t.Errorf("Delete of a deleted resource: %v, want success", err)
	}
	if r.c.Exists == nil {
		return
	}
	resp, err := r.p.Read(t.Context(), provider.ReadRequest{Type: r.c.Type, ID: r.id, Inputs: r.inputs, Outputs: r.outputs})
	if err != nil {
		t.Fatalf("Read after Delete: %v, want Gone", err)
	}
	if !resp.Gone {
		t.Errorf("Read after Delete = %+v, want Gone", resp)
	}
}

// createCancelled checks Create returns promptly when its context is
// cancelled before or just after it starts. Whether it then fails or
// finishes is the provider's choice; what it created is deleted.
func (r *run) createCancelled(t *testing.T) {
	for _, delay := range []time.Duration{0, time.Millisecond} {
		ctx, cancel := context.WithCancel(t.Context())
		if delay == 0 {
			cancel()
		} else {
			time.AfterFunc(delay, cancel)
		}
		type result struct {
			resp provider.CreateResponse
			err  error
		}
		done := make(chan result, 1)
		go func() {
			resp, err := r.p.Create(ctx, provider.CreateRequest{Type: r.c.Type, Name: "test", Inputs: r.inputs})
			done <- result{resp, err}
		}()
		select {
		case res := <-done:
			cancel()
			if res.err == nil {
				if _, err := r.p.Delete(t.Context(), provider.DeleteRequest{Type: r.c.Type, ID: res.resp.ID, Inputs: r.inputs, Outputs: res.resp.Outputs}); err != nil {
					t.Errorf("Delete after a Create that finished despite cancellation: %v", err)
				}
			}
		case <-time.After(cancelBound):
			cancel()
			t.Fatalf("Create with a context cancelled after %v did not return within %v", delay, cancelBound)
		}
	}
}

// assertPlain fails when m holds a Secret or an Unknown: providers see and
// return plain values only.
func assertPlain(t *testing.T, what string, m resource.PropertyMap) {
	t.Helper()
	for _, k := range sortedKeys(m) {
		if resource.IsSecret(m[k]) || resource.IsUnknown(m[k]) {
			t.Errorf("%s: %q holds a Secret or Unknown; providers see plain values only", what, k)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
