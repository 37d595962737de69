package display

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
)

// fakeClock is an injected clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// safeBuffer is an io.Writer tests can read while a renderer writes.
type safeBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testURN(typ, name string) resource.URN {
	return resource.NewURN("dev", "site", typ, name)
}

// step builds a StepInfo for a file:File resource.
func step(op engine.StepKind, name string) *engine.StepInfo {
	return &engine.StepInfo{Op: op, URN: testURN("file:File", name), Type: "file:File", Name: name}
}

func pre(s *engine.StepInfo) engine.Event {
	return engine.Event{Type: engine.EventResourcePre, Step: s}
}

func outputs(s *engine.StepInfo, d time.Duration) engine.Event {
	c := *s
	c.Duration = d
	return engine.Event{Type: engine.EventResourceOutputs, Step: &c}
}

func failed(s *engine.StepInfo, d time.Duration, msg string) engine.Event {
	c := *s
	c.Duration, c.Error = d, msg
	return engine.Event{Type: engine.EventResourceFailed, Step: &c}
}

func preview(s *engine.StepInfo) *engine.StepInfo {
	s.Preview = true
	return s
}

// render runs events through a renderer without a ticker (a live one draws
// once, on Close) and returns the output.
func render(t *testing.T, opts Options, events ...engine.Event) string {
	t.Helper()
	var out strings.Builder
	opts.Out = &out
	if opts.Now == nil {
		opts.Now = newFakeClock().Now
	}
	r := newRenderer(opts, 0)
	for _, e := range events {
		r.Event(e)
	}
	r.Close()
	return out.String()
}

// ourSequences are the escape sequences the renderer itself writes: SGR
// colours, cursor up, erase line, erase below.
var ourSequences = regexp.MustCompile(`\x1b\[[0-9;]*[mAKJ]`)

// sgr matches only colour sequences.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// assertNoControl fails if s holds a control character other than the
// newline that ends a line (after removing the sequences in allowed, if
// not nil), or a bidi override.
func assertNoControl(t *testing.T, s string, allowed *regexp.Regexp) {
	t.Helper()
	if allowed != nil {
		s = allowed.ReplaceAllString(s, "")
	}
	for i, r := range s {
		if r == '\n' {
			continue
		}
		if unicode.IsControl(r) || unsafeRune(r) {
			lo, hi := max(0, i-30), min(len(s), i+30)
			t.Fatalf("control character %U at %d: %q", r, i, s[lo:hi])
		}
	}
}
