package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/provider/builtin"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/state"
)

// staticSource is a program whose inputs are fixed values, except that a
// string "@name.prop" is replaced by that resource's value.
type staticSource struct {
	mu      sync.Mutex
	goals   []GoalResource
	inputs  map[string]resource.PropertyMap
	values  map[string]map[string]any
	outputs resource.PropertyMap
}

func newSource(goals []GoalResource, inputs map[string]resource.PropertyMap) *staticSource {
	return &staticSource{goals: goals, inputs: inputs, values: map[string]map[string]any{}}
}

func (s *staticSource) Resources() []GoalResource { return s.goals }

func (s *staticSource) Inputs(name string) (resource.PropertyMap, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := resource.PropertyMap{}
	for k, v := range s.inputs[name] {
		if str, ok := v.(string); ok && strings.HasPrefix(str, "@") {
			ref, prop, _ := strings.Cut(str[1:], ".")
			val, ok := s.values[ref]
			if !ok {
				return nil, fmt.Errorf("%s: %s not set yet", name, ref)
			}
			v = val[prop]
		}
		out[k] = v
	}
	return out, nil
}

func (s *staticSource) SetResource(name string, v map[string]any) {
	s.mu.Lock()
	s.values[name] = v
	s.mu.Unlock()
}

func (s *staticSource) Outputs() (resource.PropertyMap, error) { return s.outputs, nil }

// memJournal records entries in memory; it is the test's stand-in for a
// backend (the stack package's journal is tested end to end by crashtest).
type memJournal struct {
	mu      sync.Mutex
	entries []*state.Entry
	fail    func(*state.Entry) error
}

func (j *memJournal) Append(e *state.Entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fail != nil {
		if err := j.fail(e); err != nil {
			return err
		}
	}
	e.Seq = int64(len(j.entries) + 1)
	j.entries = append(j.entries, e)
	return nil
}

type run struct {
	t      *testing.T
	dir    string
	reg    *provider.Registry
	snap   *state.Snapshot
	events []Event
}

func newRun(t *testing.T) *run {
	dir := t.TempDir()
	return &run{t: t, dir: dir, reg: builtin.New(dir), snap: &state.Snapshot{Lineage: "l"}}
}

func (r *run) plan(op Operation, src Source, targets ...resource.URN) *Plan {
	r.t.Helper()
	p, err := NewPlan(context.Background(), PlanRequest{Operation: op, Project: "p", Stack: "s", Source: src, Snapshot: r.snap, Providers: r.reg, Targets: targets})
	if err != nil {
		r.t.Fatalf("NewPlan: %v", err)
	}
	return p
}

// apply runs a plan and folds its journal into the run's snapshot.
func (r *run) apply(p *Plan, opts ApplyOptions) *Result {
	r.t.Helper()
	j := &memJournal{}
	if opts.Journal != nil {
		j = opts.Journal.(*memJournal)
	}
	opts.Journal = j
	r.events = nil
	opts.Events = func(e Event) { r.events = append(r.events, e) }
	res := p.Apply(context.Background(), opts)
	snap, err := state.Replay(r.snap, j.entries)
	if err != nil {
		r.t.Fatalf("Replay: %v", err)
	}
	r.snap = snap
	return res
}

func kinds(p *Plan) map[string]StepKind {
	out := map[string]StepKind{}
	for _, s := range p.Steps {
		k := s.Kind
		if k == StepDeleteReplaced {
			k = StepDeleteReplaced
		}
		out[s.Name+"/"+string(k)] = k
	}
	return out
}

func names(p *Plan) []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, string(s.Kind)+" "+s.Name)
	}
	return out
}

func files(dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	slices.Sort(out)
	return out
}

func TestCreateUpdateReplaceDelete(t *testing.T) {
	r := newRun(t)
	goals := []GoalResource{
		{Name: "d", Type: "file:Directory"},
		{Name: "f", Type: "file:File", Deps: []string{"d"}},
		{Name: "x", Type: "core:Data", Deps: []string{"f"}},
	}
	in := map[string]resource.PropertyMap{
		"d": {"path": "out"},
		"f": {"path": "out/a.txt", "content": "one"},
		"x": {"input": "@f.sha256"},
	}
	// preview: x's input is unknown until f exists
	p := r.plan(OpUpdate, newSource(goals, in))
	if diff := cmp.Diff([]string{"create d", "create f", "create x"}, names(p)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	if !resource.IsUnknown(p.Steps[2].Inputs["input"]) {
		t.Fatalf("x's input in preview = %v, want unknown", p.Steps[2].Inputs["input"])
	}
	res := r.apply(p, ApplyOptions{})
	if res.Err() != nil {
		t.Fatal(res.Err())
	}
	if got := files(r.dir); !slices.Equal(got, []string{"out/a.txt"}) {
		t.Fatalf("files = %v", got)
	}
	x := r.snap.Find(resource.NewURN("s", "p", "core:Data", "x"))
	if x == nil || resource.IsUnknown(x.Inputs["input"]) || x.Inputs["input"] == nil {
		t.Fatalf("x recorded with input %v", x)
	}

	// no change: every step is same
	p = r.plan(OpUpdate, newSource(goals, in))
	if p.HasChanges() {
		t.Fatalf("no-op plan has changes: %v", names(p))
	}

	// content changes: f updates in place; x (derived from sha256) is
	// planned as an update because its input is unknown at plan time
	in["f"] = resource.PropertyMap{"path": "out/a.txt", "content": "two"}
	p = r.plan(OpUpdate, newSource(goals, in))
	if diff := cmp.Diff([]string{"same d", "update f", "update x"}, names(p)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	if res := r.apply(p, ApplyOptions{}); res.Err() != nil {
		t.Fatal(res.Err())
	}
	data, _ := os.ReadFile(filepath.Join(r.dir, "out/a.txt"))
	if string(data) != "two" {
		t.Fatalf("content = %q", data)
	}

	// path changes: replace, create before delete; the old file goes last
	in["f"] = resource.PropertyMap{"path": "out/b.txt", "content": "two"}
	p = r.plan(OpUpdate, newSource(goals, in))
	// x is planned as an update (the replacement's sha256 is unknown until
	// it exists) and turns out unchanged at apply: it is skipped.
	if diff := cmp.Diff([]string{"same d", "replace f", "update x", "delete-replaced f"}, names(p)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	res = r.apply(p, ApplyOptions{})
	if res.Err() != nil {
		t.Fatal(res.Err())
	}
	if res.Counts[StepUpdate] != 0 || res.Counts[StepReplace] != 1 {
		t.Fatalf("counts = %v, want one replace and the unchanged update skipped", res.Counts)
	}
	if got := files(r.dir); !slices.Equal(got, []string{"out/b.txt"}) {
		t.Fatalf("files after replace = %v", got)
	}
	var order []string
	for _, e := range r.events {
		if e.Type == EventResourceOutputs {
			order = append(order, string(e.Step.Op)+" "+e.Step.Name)
		}
	}
	if order[len(order)-1] != "delete-replaced f" {
		t.Fatalf("the replaced file was not deleted last: %v", order)
	}
	if n := len(r.snap.Resources); n != 3 {
		t.Fatalf("%d resources in state after replace, want 3", n)
	}

	// destroy: dependents first
	p = r.plan(OpDestroy, nil)
	if res := r.apply(p, ApplyOptions{Parallel: 1}); res.Err() != nil {
		t.Fatal(res.Err())
	}
	var deleted []string
	for _, e := range r.events {
		if e.Type == EventResourceOutputs {
			deleted = append(deleted, e.Step.Name)
		}
	}
	if slices.Index(deleted, "f") > slices.Index(deleted, "d") {
		t.Fatalf("directory deleted before its file: %v", deleted)
	}
	if len(r.snap.Resources) != 0 || len(files(r.dir)) != 0 {
		t.Fatalf("destroy left %d resources, files %v", len(r.snap.Resources), files(r.dir))
	}
}

func TestProtectAndRetain(t *testing.T) {
	r := newRun(t)
	goals := []GoalResource{{Name: "a", Type: "core:Data", Protect: true}, {Name: "b", Type: "core:Data", RetainOnDelete: true}}
	in := map[string]resource.PropertyMap{"a": {"input": 1, "triggersReplace": 1}, "b": {"input": 2}}
	r.apply(r.plan(OpUpdate, newSource(goals, in)), ApplyOptions{})
	in["a"] = resource.PropertyMap{"input": 1, "triggersReplace": 2}
	_, err := NewPlan(context.Background(), PlanRequest{Operation: OpUpdate, Project: "p", Stack: "s", Source: newSource(goals, in), Snapshot: r.snap, Providers: r.reg})
	var pe *PlanError
	if err == nil || !errorsAs(err, &pe) || !pe.Protected {
		t.Fatalf("replacing a protected resource: err = %v, want a protected PlanError", err)
	}
	_, err = NewPlan(context.Background(), PlanRequest{Operation: OpDestroy, Project: "p", Stack: "s", Snapshot: r.snap, Providers: r.reg})
	if err == nil || !strings.Contains(err.Error(), "protected") {
		t.Fatalf("destroying a protected resource: err = %v", err)
	}
	p := r.plan(OpDestroy, nil, resource.NewURN("s", "p", "core:Data", "b"))
	if diff := cmp.Diff([]string{"discard b"}, names(p)); diff != "" {
		t.Fatalf("retainOnDelete (-want +got):\n%s", diff)
	}
}

func TestTargetsIncludeDependents(t *testing.T) {
	r := newRun(t)
	goals := []GoalResource{{Name: "a", Type: "core:Data"}, {Name: "b", Type: "core:Data", Deps: []string{"a"}}, {Name: "c", Type: "core:Data"}}
	in := map[string]resource.PropertyMap{"a": {"input": 1}, "b": {"input": "@a.output"}, "c": {"input": 3}}
	p := r.plan(OpUpdate, newSource(goals, in), resource.NewURN("s", "p", "core:Data", "a"))
	if diff := cmp.Diff([]string{"create a", "create b"}, names(p)); diff != "" {
		t.Fatalf("targeted plan (-want +got):\n%s", diff)
	}
	if _, err := NewPlan(context.Background(), PlanRequest{Operation: OpUpdate, Project: "p", Stack: "s", Source: newSource(goals, in), Snapshot: r.snap, Providers: r.reg, Targets: []resource.URN{"nope"}}); err == nil {
		t.Fatal("targeting an unknown resource succeeded")
	}
}

func TestFailureStopsNewSteps(t *testing.T) {
	// A command that fails; its dependents never start; with
	// ContinueOnError the independent ones still run.
	for _, cont := range []bool{false, true} {
		t.Run(fmt.Sprint("continue=", cont), func(t *testing.T) {
			r := newRun(t)
			goals := []GoalResource{
				{Name: "bad", Type: "command:Command"},
				{Name: "after", Type: "core:Data", Deps: []string{"bad"}},
				{Name: "other", Type: "command:Command"},
			}
			in := map[string]resource.PropertyMap{
				"bad":   {"create": "exit 3"},
				"after": {"input": "@bad.stdout"},
				"other": {"create": "sleep 0.2; echo ok"},
			}
			res := r.apply(r.plan(OpUpdate, newSource(goals, in)), ApplyOptions{Parallel: 1, ContinueOnError: cont})
			if len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Error(), "status 3") {
				t.Fatalf("failures = %v", res.Failures)
			}
			if r.snap.Find(resource.NewURN("s", "p", "core:Data", "after")) != nil {
				t.Fatal("a dependent of the failed step ran")
			}
			ran := r.snap.Find(resource.NewURN("s", "p", "command:Command", "other")) != nil
			if ran != cont {
				t.Fatalf("independent step ran = %v with ContinueOnError %v (parallel 1, failure first)", ran, cont)
			}
		})
	}
}

func TestParallelLimit(t *testing.T) {
	r := newRun(t)
	var goals []GoalResource
	in := map[string]resource.PropertyMap{}
	marker := filepath.Join(r.dir, "running")
	if err := os.Mkdir(marker, 0o755); err != nil {
		t.Fatal(err)
	}
	// each command records how many ran at once (mkdir-based count)
	for i := range 12 {
		n := fmt.Sprintf("c%d", i)
		goals = append(goals, GoalResource{Name: n, Type: "command:Command"})
		in[n] = resource.PropertyMap{"create": fmt.Sprintf(`touch %[1]s/%[2]s; ls %[1]s | wc -l >> %[1]s.log; sleep 0.05; rm %[1]s/%[2]s`, marker, n)}
	}
	res := r.apply(r.plan(OpUpdate, newSource(goals, in)), ApplyOptions{Parallel: 3})
	if res.Err() != nil {
		t.Fatal(res.Err())
	}
	data, _ := os.ReadFile(marker + ".log")
	counts := strings.Fields(string(data))
	if len(counts) != 12 {
		t.Fatalf("%d commands recorded, want 12: %q", len(counts), data)
	}
	for _, l := range counts {
		if n, err := strconv.Atoi(l); err != nil || n > 3 {
			t.Fatalf("more than 3 steps ran at once: %q", data)
		}
	}
}

func TestJournalFailureStops(t *testing.T) {
	r := newRun(t)
	goals := []GoalResource{{Name: "a", Type: "core:Data"}, {Name: "b", Type: "core:Data"}}
	in := map[string]resource.PropertyMap{"a": {"input": 1}, "b": {"input": 2}}
	j := &memJournal{fail: func(e *state.Entry) error {
		if e.Kind == state.Success {
			return fmt.Errorf("disk full")
		}
		return nil
	}}
	res := r.apply(r.plan(OpUpdate, newSource(goals, in)), ApplyOptions{Parallel: 1, Journal: j, ContinueOnError: true})
	if len(res.Failures) != 1 || !res.Failures[0].Journal {
		t.Fatalf("failures = %+v, want one journal failure that stops even with ContinueOnError", res.Failures)
	}
	if len(r.snap.Pending) != 1 {
		t.Fatalf("pending = %v, want the create whose success was not recorded", r.snap.Pending)
	}
}

func TestCancel(t *testing.T) {
	r := newRun(t)
	var goals []GoalResource
	in := map[string]resource.PropertyMap{}
	for i := range 5 {
		n := fmt.Sprintf("c%d", i)
		goals = append(goals, GoalResource{Name: n, Type: "core:Data"})
		in[n] = resource.PropertyMap{"input": i}
	}
	cancel := make(chan struct{})
	close(cancel)
	res := r.apply(r.plan(OpUpdate, newSource(goals, in)), ApplyOptions{Parallel: 1, Cancel: cancel})
	if !res.Cancelled || res.Skipped == 0 {
		t.Fatalf("cancelled = %v, skipped = %d", res.Cancelled, res.Skipped)
	}
}

func TestRecoverSettlesPending(t *testing.T) {
	dir := t.TempDir()
	reg := builtin.New(dir)
	if err := os.WriteFile(filepath.Join(dir, "made.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	u := func(typ, n string) resource.URN { return resource.NewURN("s", "p", typ, n) }
	snap := &state.Snapshot{Lineage: "l", Pending: []*state.Pending{
		{Op: state.OpCreate, URN: u("file:File", "made"), Type: "file:File", Inputs: resource.PropertyMap{"path": "made.txt", "content": "x"}},
		{Op: state.OpCreate, URN: u("file:File", "never"), Type: "file:File", Inputs: resource.PropertyMap{"path": "never.txt", "content": "x"}},
		{Op: state.OpCreate, URN: u("core:Data", "d"), Type: "core:Data", Inputs: resource.PropertyMap{"input": 1}},
		{Op: state.OpCreate, URN: u("command:Command", "c"), Type: "command:Command", Inputs: resource.PropertyMap{"create": "true"}},
	}}
	out, unresolved, err := Recover(context.Background(), snap, reg, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Resources) != 1 || out.Resources[0].ID != "made.txt" {
		t.Fatalf("recovered resources = %+v, want made.txt only", out.Resources)
	}
	if len(unresolved) != 1 || unresolved[0].Pending.Type != "command:Command" || !strings.Contains(unresolved[0].Advice, "plinth import command:Command c") {
		t.Fatalf("unresolved = %+v", unresolved)
	}
	if len(out.Pending) != 1 {
		t.Fatalf("pending left = %v, want the command", out.Pending)
	}
}

func TestProviderErrorsMaskSecrets(t *testing.T) {
	r := newRun(t)
	goals := []GoalResource{{Name: "c", Type: "command:Command"}}
	in := map[string]resource.PropertyMap{"c": {
		"create": "cat >&2; exit 1",
		"stdin":  resource.Secret{Value: "s3cr3t-value"},
	}}
	res := r.apply(r.plan(OpUpdate, newSource(goals, in)), ApplyOptions{})
	if len(res.Failures) != 1 {
		t.Fatalf("failures = %v", res.Failures)
	}
	for _, e := range r.events {
		if e.Step != nil && strings.Contains(e.Step.Error, "s3cr3t") {
			t.Fatalf("event error shows the secret: %q", e.Step.Error)
		}
	}
	if msg := res.Failures[0].Error(); strings.Contains(msg, "s3cr3t") || !strings.Contains(msg, "[secret]") {
		t.Fatalf("failure = %q, want the secret masked", msg)
	}
}

func TestDeleteBeforeReplace(t *testing.T) {
	r := newRun(t)
	goals := []GoalResource{{Name: "f", Type: "file:File", DeleteBeforeReplace: true}}
	in := map[string]resource.PropertyMap{"f": {"path": "a.txt", "content": "one"}}
	r.apply(r.plan(OpUpdate, newSource(goals, in)), ApplyOptions{})
	in["f"] = resource.PropertyMap{"path": "b.txt", "content": "one"}
	p := r.plan(OpUpdate, newSource(goals, in))
	if diff := cmp.Diff([]string{"replace f"}, names(p)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	j := &memJournal{}
	if res := r.apply(p, ApplyOptions{Journal: j}); res.Err() != nil {
		t.Fatal(res.Err())
	}
	var ops []string
	for _, e := range j.entries {
		if e.Kind == state.Begin {
			ops = append(ops, string(e.Op)+" "+e.ID)
		}
	}
	if diff := cmp.Diff([]string{"delete a.txt", "create "}, ops); diff != "" {
		t.Fatalf("journal begins (-want +got):\n%s", diff)
	}
	if got := files(r.dir); !slices.Equal(got, []string{"b.txt"}) {
		t.Fatalf("files = %v", got)
	}
	if len(r.snap.Resources) != 1 || r.snap.Resources[0].ID != "b.txt" {
		t.Fatalf("state = %+v", r.snap.Resources)
	}
}

func TestImportOption(t *testing.T) {
	r := newRun(t)
	if err := os.WriteFile(filepath.Join(r.dir, "existing.txt"), []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	goals := []GoalResource{{Name: "f", Type: "file:File", Import: "existing.txt"}}
	in := map[string]resource.PropertyMap{"f": {"path": "existing.txt", "content": "hi"}}
	p := r.plan(OpUpdate, newSource(goals, in))
	if diff := cmp.Diff([]string{"import f"}, names(p)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	if res := r.apply(p, ApplyOptions{}); res.Err() != nil {
		t.Fatal(res.Err())
	}
	if f := r.snap.Find(resource.NewURN("s", "p", "file:File", "f")); f == nil || f.ID != "existing.txt" || f.Outputs["size"] == nil {
		t.Fatalf("imported = %+v", f)
	}
	if p := r.plan(OpUpdate, newSource(goals, in)); p.HasChanges() {
		t.Fatalf("after import the plan has changes: %v", names(p))
	}
	// Importing something that does not exist fails and records nothing.
	r2 := newRun(t)
	goals[0].Import = "missing.txt"
	res := r2.apply(r2.plan(OpUpdate, newSource(goals, in)), ApplyOptions{})
	if len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Error(), "no file:File with ID") || len(r2.snap.Resources) != 0 {
		t.Fatalf("import of a missing file: failures %v, state %v", res.Failures, r2.snap.Resources)
	}
}
