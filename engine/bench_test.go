package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/plinth-iac/plinth/provider/builtin"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/state"
)

func fanSource(n int) *staticSource {
	goals := make([]GoalResource, n)
	in := make(map[string]resource.PropertyMap, n)
	for i := range n {
		name := fmt.Sprintf("r%d", i)
		goals[i] = GoalResource{Name: name, Type: "core:Data"}
		in[name] = resource.PropertyMap{"input": fmt.Sprintf("v%d", i)}
	}
	return newSource(goals, in)
}

// created returns the snapshot of an applied fan of n core:Data resources.
func created(b *testing.B, n int) *state.Snapshot {
	b.Helper()
	reg := builtin.New(b.TempDir())
	p, err := NewPlan(context.Background(), PlanRequest{Operation: OpUpdate, Project: "p", Stack: "s", Source: fanSource(n), Snapshot: &state.Snapshot{Lineage: "l"}, Providers: reg})
	if err != nil {
		b.Fatal(err)
	}
	j := &memJournal{}
	if res := p.Apply(context.Background(), ApplyOptions{Journal: j}); res.Err() != nil {
		b.Fatal(res.Err())
	}
	s, err := state.Replay(&state.Snapshot{Lineage: "l"}, j.entries)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkPlanNoop10k is a no-op preview's engine work at 10,000
// resources: check and diff of every one.
func BenchmarkPlanNoop10k(b *testing.B) {
	snap := created(b, 10000)
	reg := builtin.New(b.TempDir())
	for b.Loop() {
		p, err := NewPlan(context.Background(), PlanRequest{Operation: OpUpdate, Project: "p", Stack: "s", Source: fanSource(10000), Snapshot: snap, Providers: reg})
		if err != nil || p.HasChanges() {
			b.Fatal(err, p.HasChanges())
		}
	}
}

// BenchmarkApplyCreate1k plans and applies 1,000 creates with an
// in-memory journal: the engine's own overhead per step.
func BenchmarkApplyCreate1k(b *testing.B) {
	reg := builtin.New(b.TempDir())
	for b.Loop() {
		p, err := NewPlan(context.Background(), PlanRequest{Operation: OpUpdate, Project: "p", Stack: "s", Source: fanSource(1000), Snapshot: &state.Snapshot{Lineage: "l"}, Providers: reg})
		if err != nil {
			b.Fatal(err)
		}
		if res := p.Apply(context.Background(), ApplyOptions{Journal: &memJournal{}}); res.Err() != nil {
			b.Fatal(res.Err())
		}
	}
}

// BenchmarkJournalWriter measures group commit: 64 goroutines appending
// through one writer whose sink costs nothing.
func BenchmarkJournalWriter(b *testing.B) {
	batches := 0
	w := NewJournalWriter(1, func(es []*state.Entry) error { batches++; return nil })
	defer w.Close()
	b.SetParallelism(64)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := w.Append(&state.Entry{Kind: state.Begin, Op: state.OpCreate}); err != nil {
				b.Error(err)
			}
		}
	})
}
