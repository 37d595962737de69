package display

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
)

// Many goroutines call Event at once, in every mode, with the live ticker
// running; run with -race. Every event must come out whole.
func TestConcurrentEvents(t *testing.T) {
	const goroutines, perG = 32, 100
	for _, mode := range []Mode{ModePlain, ModeJSON, ModeLive} {
		t.Run(mode.String(), func(t *testing.T) {
			out := &safeBuffer{}
			r := newRenderer(Options{Out: out, Mode: mode, Diff: true, Color: mode == ModeLive}, time.Millisecond)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range perG {
						s := step(engine.StepUpdate, fmt.Sprintf("g%d-r%d", g, i))
						s.Old = resource.PropertyMap{"v": int64(i)}
						s.New = resource.PropertyMap{"v": int64(i + 1)}
						s.Changed = []string{"v"}
						r.Event(pre(s))
						if i%10 == 0 {
							r.Event(failed(s, time.Millisecond, "boom"))
							r.Event(engine.Event{Type: engine.EventDiagnostic, Severity: "warning", Message: "w"})
						} else {
							r.Event(outputs(s, time.Millisecond))
						}
					}
				}()
			}
			wg.Wait()
			r.Close()
			got := out.String()
			const total = goroutines * perG
			const fails = goroutines * perG / 10
			switch mode {
			case ModePlain:
				// Each step: a start line and a diff line; then a done
				// line, or a failure and a warning.
				if n, want := strings.Count(got, "\n"), total*3+fails; n != want {
					t.Errorf("%d lines, want %d", n, want)
				}
				assertNoControl(t, got, nil)
			case ModeJSON:
				if n, want := len(decodeLines(t, got)), total*2+fails; n != want {
					t.Errorf("%d events, want %d", n, want)
				}
			case ModeLive:
				want := fmt.Sprintf("%d done, 0 in progress, %d failed", total-fails, fails)
				if !strings.Contains(got, want) {
					t.Errorf("final frame lacks %q", want)
				}
				if n := strings.Count(got, "✗ failed to update"); n != fails {
					t.Errorf("%d failure lines, want %d", n, fails)
				}
			}
		})
	}
}
