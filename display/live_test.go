package display

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
)

// newLive returns a live renderer without a ticker, on a fake clock: the
// test decides when ticks happen and what time it is.
func newLive(t *testing.T, opts Options) (*Renderer, *safeBuffer, *fakeClock) {
	t.Helper()
	out := &safeBuffer{}
	clk := newFakeClock()
	opts.Out, opts.Mode, opts.Now = out, ModeLive, clk.Now
	r := newRenderer(opts, 0)
	t.Cleanup(r.Close)
	return r, out, clk
}

func redraws(r *Renderer) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.live.redraws
}

// lastFrame returns the table of the last frame: what follows the last
// cursor-up, minus the erase codes.
func lastFrame(out string) []string {
	if i := strings.LastIndex(out, "\x1b[J"); i >= 0 {
		out = out[:i]
	}
	if loc := regexp.MustCompile(`\x1b\[\d+A`).FindAllStringIndex(out, -1); len(loc) > 0 {
		out = out[loc[len(loc)-1][1]:]
	}
	out = strings.ReplaceAll(out, "\x1b[2K", "")
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}

// Redraws are throttled by the injected clock, not wall time: ticks every
// 10ms of fake time for a fake second, with an event before each, draw ten
// frames.
func TestLiveThrottle(t *testing.T) {
	r, out, clk := newLive(t, Options{})
	for i := range 100 {
		r.Event(pre(step(engine.StepCreate, fmt.Sprintf("r%d", i))))
		r.tick()
		clk.Advance(10 * time.Millisecond)
	}
	if got, want := redraws(r), 10; got != want {
		t.Errorf("%d redraws in one second of events every 10ms, want %d", got, want)
	}
	if got, want := strings.Count(out.String(), "\x1b[J"), 10; got != want {
		t.Errorf("%d frames written, want %d", got, want)
	}

	// Ticks that come too soon draw nothing, however many events arrive.
	before := redraws(r)
	for i := range 1000 {
		r.Event(outputs(step(engine.StepCreate, fmt.Sprintf("r%d", i%100)), time.Millisecond))
		r.tick()
	}
	if got := redraws(r) - before; got != 1 {
		t.Errorf("%d redraws within one instant, want 1", got)
	}
}

// An idle view is not redrawn; a running step is, so its elapsed time
// moves, but still at most ten times a second.
func TestLiveIdle(t *testing.T) {
	r, _, clk := newLive(t, Options{})
	for range 50 {
		r.tick()
		clk.Advance(time.Second)
	}
	if got := redraws(r); got != 0 {
		t.Errorf("%d redraws with nothing to show, want 0", got)
	}
	s := step(engine.StepCreate, "slow")
	r.Event(pre(s))
	for range 100 {
		r.tick()
		clk.Advance(25 * time.Millisecond)
	}
	if got, want := redraws(r), 25; got != want {
		t.Errorf("%d redraws in 2.5s of a running step, want %d", got, want)
	}
	r.Event(outputs(s, 2500*time.Millisecond))
	r.tick()
	n := redraws(r)
	for range 20 {
		clk.Advance(time.Second)
		r.tick()
	}
	if got := redraws(r); got != n {
		t.Errorf("%d redraws after everything finished, want none", got-n)
	}
}

func TestLiveTable(t *testing.T) {
	r, out, clk := newLive(t, Options{})
	page := step(engine.StepCreate, "page")
	index := step(engine.StepUpdate, "index")
	gone := step(engine.StepDelete, "gone")
	r.Event(engine.Event{Type: engine.EventPrelude, Operation: "update", Stack: "dev", Project: "site"})
	r.Event(pre(page))
	clk.Advance(500 * time.Millisecond)
	r.Event(pre(index))
	r.Event(pre(gone))
	clk.Advance(700 * time.Millisecond)
	r.Event(outputs(gone, 700*time.Millisecond))
	r.tick()
	want := []string{
		"Updating stack dev (project site)",
		"+ page   file:File  create  running  1.2s",
		"~ index  file:File  update  running  700ms",
		"- gone   file:File  delete  done     700ms",
		"1 done, 2 in progress  1.2s",
	}
	if got := lastFrame(out.String()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("first frame:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The next frame moves back over the table (not the prelude, which
	// stays) and redraws it.
	clk.Advance(time.Second)
	r.Event(failed(index, 1700*time.Millisecond, "disk full"))
	r.tick()
	s := out.String()
	second := s[strings.Index(s, "\x1b[J")+len("\x1b[J"):]
	if !strings.HasPrefix(second, "\x1b[4A\x1b[2K✗ failed to update file:File index: disk full\n") {
		t.Errorf("second frame does not move up over the 4 table lines and print the failure first: %q", second)
	}
	want = []string{
		"✗ failed to update file:File index: disk full",
		"+ page   file:File  create  running  2.2s",
		"✗ index  file:File  update  failed   1.7s",
		"- gone   file:File  delete  done     700ms",
		"1 done, 1 in progress, 1 failed  2.2s",
	}
	if got := lastFrame(s); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("second frame:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := strings.Count(s, "failed to update"); n != 1 {
		t.Errorf("failure printed %d times, want once", n)
	}
	if n := strings.Count(s, "Updating stack"); n != 1 {
		t.Errorf("prelude printed %d times, want once", n)
	}
}

// More steps in flight than fit: the oldest running ones show, then a count
// of the rest.
func TestLiveManyRows(t *testing.T) {
	r, out, clk := newLive(t, Options{})
	for i := range 30 {
		s := step(engine.StepCreate, fmt.Sprintf("r%02d", i))
		r.Event(pre(s))
		clk.Advance(time.Millisecond)
		if i < 5 {
			r.Event(outputs(s, time.Millisecond))
		}
	}
	r.tick()
	lines := lastFrame(out.String())
	if got, want := len(lines), maxRows+1; got != want {
		t.Fatalf("%d lines, want %d:\n%s", got, want, strings.Join(lines, "\n"))
	}
	if !strings.HasPrefix(lines[0], "+ r05 ") || !strings.HasPrefix(lines[maxRows-2], "+ r23 ") {
		t.Errorf("rows are not the oldest running steps in order:\n%s", strings.Join(lines, "\n"))
	}
	if got, want := lines[maxRows-1], "… and 6 more in progress"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := lines[maxRows], "5 done, 25 in progress  30ms"; got != want {
		t.Errorf("progress %q, want %q", got, want)
	}

	// Once few are running, the recently finished fill the table, newest
	// first.
	for i := 5; i < 28; i++ {
		r.Event(outputs(step(engine.StepCreate, fmt.Sprintf("r%02d", i)), time.Millisecond))
	}
	clk.Advance(time.Second)
	r.tick()
	lines = lastFrame(out.String())
	if got, want := len(lines), maxRows+1; got != want {
		t.Fatalf("%d lines, want %d:\n%s", got, want, strings.Join(lines, "\n"))
	}
	for i, prefix := range []string{"+ r28 ", "+ r29 ", "+ r27 ", "+ r26 "} {
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("line %d = %q, want it to start %q", i, lines[i], prefix)
		}
	}
}

func TestLiveWidth(t *testing.T) {
	r, out, _ := newLive(t, Options{Width: 30, Color: true})
	r.Event(pre(step(engine.StepCreate, strings.Repeat("long-name-", 10))))
	r.tick()
	for _, line := range lastFrame(out.String()) {
		if n := runeWidth(sgr.ReplaceAllString(line, "")); n > 29 {
			t.Errorf("line of %d runes in a 30-column terminal: %q", n, line)
		}
	}
}

// Close draws a last frame and prints the summary and outputs below it.
func TestLiveClose(t *testing.T) {
	r, out, _ := newLive(t, Options{})
	s := step(engine.StepCreate, "page")
	r.Event(pre(s))
	r.Event(outputs(s, 12*time.Millisecond))
	r.Event(engine.Event{Type: engine.EventSummary, Summary: &engine.Summary{
		Counts: map[engine.StepKind]int{engine.StepCreate: 1}, Duration: 1200 * time.Millisecond,
		Outputs: resource.PropertyMap{"url": "http://x"},
	}})
	if got := out.String(); got != "" {
		t.Fatalf("live mode wrote before a tick: %q", got)
	}
	r.Close()
	got := out.String()
	tail := got[strings.LastIndex(got, "\x1b[J")+len("\x1b[J"):]
	if want := "+ 1 created  ~ 0 updated  +- 0 replaced  - 0 deleted  0 unchanged  (1.2s)\nOutputs:\n    url: \"http://x\"\n"; tail != want {
		t.Errorf("after the last frame:\n%q\nwant\n%q", tail, want)
	}
	if !strings.Contains(got, "+ page  file:File  create  done     12ms\n") {
		t.Errorf("final frame lacks the finished step: %q", got)
	}
	r.Event(pre(step(engine.StepCreate, "late")))
	r.tick()
	if out.String() != got {
		t.Errorf("wrote after Close")
	}
}

// A preview in live mode is a list, not a table: planned steps never finish.
func TestLivePreview(t *testing.T) {
	r, out, _ := newLive(t, Options{Diff: true})
	s := preview(step(engine.StepUpdate, "index"))
	s.Old, s.New, s.Changed = resource.PropertyMap{"content": "a"}, resource.PropertyMap{"content": "b"}, []string{"content"}
	r.Event(pre(s))
	r.Event(engine.Event{Type: engine.EventSummary, Summary: &engine.Summary{Counts: map[engine.StepKind]int{engine.StepUpdate: 1}, Preview: true}})
	r.Close()
	got := ourSequences.ReplaceAllString(out.String(), "")
	want := "~ update file:File index\n    ~ content: \"a\" => \"b\"\n+ 0 to create  ~ 1 to update  +- 0 to replace  - 0 to delete  0 unchanged\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// The engine changes a StepInfo after the sink returns; the view must show
// what the event said.
func TestLiveCopiesSteps(t *testing.T) {
	r, out, _ := newLive(t, Options{})
	s := step(engine.StepCreate, "page")
	r.Event(pre(s))
	s.Name, s.Op = "changed", engine.StepDelete
	r.tick()
	if got := out.String(); !strings.Contains(got, "+ page") || strings.Contains(got, "changed") {
		t.Errorf("the view followed a change to the StepInfo: %q", got)
	}
}

// Hostile text in live mode is escaped too: the only escapes are the
// renderer's own.
func TestLiveNoForeignControlCharacters(t *testing.T) {
	r, out, _ := newLive(t, Options{Color: true})
	s := &engine.StepInfo{Op: engine.StepCreate, URN: testURN("t\x1b[1A", "n\x1b[2J\n"), Type: "t\x1b[1A", Name: "n\x1b[2J\n"}
	r.Event(pre(s))
	r.tick()
	r.Event(failed(s, time.Millisecond, "e\x1b[H\u202e"))
	r.Event(engine.Event{Type: engine.EventDiagnostic, Severity: "error", Message: "m\x1b[K"})
	r.Close()
	assertNoControl(t, out.String(), ourSequences)
	if !strings.Contains(out.String(), `n\x1b[2J\n`) {
		t.Errorf("name not shown escaped: %q", out.String())
	}
}

// The real ticker redraws on its own and Close stops it.
func TestLiveTicker(t *testing.T) {
	out := &safeBuffer{}
	r := newRenderer(Options{Out: out, Mode: ModeLive}, time.Millisecond)
	r.Event(pre(step(engine.StepCreate, "page")))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "page") {
		if time.Now().After(deadline) {
			t.Fatal("the ticker never drew the view")
		}
		time.Sleep(time.Millisecond)
	}
	r.Close()
	select {
	case <-r.stopped:
	default:
		t.Fatal("Close returned with the ticker still running")
	}
}

func TestLiveProgressShowsTotal(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	r := New(Options{Out: &buf, Mode: ModeLive, Now: func() time.Time { return now }})
	r.Event(engine.Event{Type: engine.EventPrelude, Operation: "update", Stack: "dev", Project: "p", Steps: 40})
	r.Event(engine.Event{Type: engine.EventResourcePre, Step: &engine.StepInfo{Op: engine.StepCreate, URN: "urn:plinth:dev::p::core:Data::a", Type: "core:Data", Name: "a"}})
	r.Event(engine.Event{Type: engine.EventResourceOutputs, Step: &engine.StepInfo{Op: engine.StepCreate, URN: "urn:plinth:dev::p::core:Data::a", Type: "core:Data", Name: "a"}})
	now = now.Add(time.Second)
	r.Close()
	if !strings.Contains(buf.String(), "1/40 done, 0 in progress") {
		t.Fatalf("live output has no 1/40 progress:\n%q", buf.String())
	}
}
