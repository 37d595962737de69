package display

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
)

// benchEvents are the events of an update of n resources: a start and an
// end each.
func benchEvents(n int) []engine.Event {
	events := make([]engine.Event, 0, 2*n)
	for i := range n {
		s := step(engine.StepUpdate, fmt.Sprintf("resource-%d", i))
		s.Old = resource.PropertyMap{"content": "old", "mode": "0644", "password": resource.MakeSecret("pw")}
		s.New = resource.PropertyMap{"content": "new", "mode": "0644", "password": resource.MakeSecret("pw")}
		s.Changed = []string{"content"}
		events = append(events, pre(s), outputs(s, 12*time.Millisecond))
	}
	return events
}

// benchmarkEvents reports the cost per event and per 10,000 events, the
// budget (well under 50ms) a run's display must stay within.
func benchmarkEvents(b *testing.B, opts Options) {
	events := benchEvents(5000)
	opts.Out = io.Discard
	r := New(opts)
	defer r.Close()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		r.Event(events[n%len(events)])
		n++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n)*10000/1e6, "ms/10k-events")
}

func BenchmarkPlainEvents(b *testing.B) { benchmarkEvents(b, Options{Mode: ModePlain}) }

func BenchmarkPlainEventsDiffColor(b *testing.B) {
	benchmarkEvents(b, Options{Mode: ModePlain, Diff: true, Color: true})
}

func BenchmarkLiveEvents(b *testing.B) { benchmarkEvents(b, Options{Mode: ModeLive}) }

func BenchmarkJSONEvents(b *testing.B) { benchmarkEvents(b, Options{Mode: ModeJSON}) }

// BenchmarkLiveRedraw is one frame of a full table.
func BenchmarkLiveRedraw(b *testing.B) {
	clk := newFakeClock()
	r := newRenderer(Options{Out: io.Discard, Mode: ModeLive, Now: clk.Now}, 0)
	for _, e := range benchEvents(64) {
		r.Event(e)
	}
	for i := range 40 {
		r.Event(pre(step(engine.StepCreate, fmt.Sprintf("running-%d", i))))
	}
	b.ReportAllocs()
	for b.Loop() {
		clk.Advance(redrawInterval)
		r.tick()
	}
}
