package display

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/plinth-iac/plinth/engine"
)

// Mode is how a Renderer writes.
type Mode int

// Modes. The zero Mode is ModePlain, so a forgotten Mode never writes a
// control character.
const (
	// ModePlain writes one line per event and no control characters: for
	// logs, pipes and CI.
	ModePlain Mode = iota
	// ModeLive redraws a table of running steps in place: for terminals.
	ModeLive
	// ModeJSON writes one JSON object per event (docs/events.md).
	ModeJSON
)

func (m Mode) String() string {
	switch m {
	case ModePlain:
		return "plain"
	case ModeLive:
		return "live"
	case ModeJSON:
		return "json"
	}
	return "Mode(?)"
}

// Options configure a renderer.
type Options struct {
	// Out receives everything; nil discards. Out is written by one
	// goroutine at a time.
	Out io.Writer
	// Mode chooses live, plain or JSON output.
	Mode Mode
	// Color turns on ANSI colours in live and plain modes; JSON never has
	// any.
	Color bool
	// ShowSecrets prints secrets' values; otherwise they print as
	// [secret], in JSON too.
	ShowSecrets bool
	// Diff prints one line per changed property under each step
	// (preview --diff).
	Diff bool
	// Now is the clock; nil means time.Now. It times the live view's
	// redraws and elapsed column, and events that carry no time.
	Now func() time.Time
	// Width is the terminal's width in live mode; rows are cut to fit so
	// that none wraps. 0 means 100.
	Width int
}

// redrawInterval is the shortest time between two live redraws: at most ten
// a second.
const redrawInterval = 100 * time.Millisecond

// Renderer writes engine events. Its methods are safe for concurrent use.
type Renderer struct {
	opts Options

	// writeMu serialises live frames, so they reach Out whole and in
	// order, without holding mu (and blocking Event) while Out is slow.
	writeMu sync.Mutex
	frame   []byte // live frame being written; guarded by writeMu

	mu     sync.Mutex
	closed bool
	buf    []byte       // plain mode scratch
	jbuf   bytes.Buffer // JSON mode scratch
	jenc   *json.Encoder
	live   *liveState

	stop      chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once
}

// Event is an engine.EventSink.
var _ engine.EventSink = (*Renderer)(nil).Event

// New returns a renderer. In live mode it starts a goroutine that redraws
// the view; Close stops it.
func New(opts Options) *Renderer {
	return newRenderer(opts, redrawInterval)
}

// newRenderer is New with the ticker's period; tick 0 starts no ticker, so
// tests can drive redraws with r.tick and a fake clock.
func newRenderer(opts Options, tick time.Duration) *Renderer {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Width <= 0 {
		opts.Width = 100
	}
	r := &Renderer{opts: opts}
	switch opts.Mode {
	case ModeJSON:
		r.jenc = json.NewEncoder(&r.jbuf)
		r.jenc.SetEscapeHTML(false)
	case ModeLive:
		r.live = newLiveState(opts.Now())
		if tick > 0 {
			r.stop = make(chan struct{})
			r.stopped = make(chan struct{})
			go r.run(tick)
		}
	}
	return r
}

// Event renders one event. Events after Close are ignored. In plain and
// JSON modes the event is written before Event returns; in live mode it
// shows at the next redraw.
func (r *Renderer) Event(e engine.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	switch r.opts.Mode {
	case ModeJSON:
		r.writeJSON(e)
	case ModeLive:
		r.liveEvent(e)
	default:
		r.buf = r.appendText(r.buf[:0], e)
		if len(r.buf) > 0 {
			_, _ = r.opts.Out.Write(r.buf)
		}
	}
}

// Close stops the live view's ticker, draws it a last time and prints the
// summary and outputs below it. It is safe to call more than once.
func (r *Renderer) Close() {
	r.closeOnce.Do(func() {
		if r.stop != nil {
			close(r.stop)
			<-r.stopped
		}
		if r.live != nil {
			r.redraw(true) // and marks r closed
			return
		}
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
	})
}

// run redraws the live view on every tick until Close.
func (r *Renderer) run(every time.Duration) {
	defer close(r.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.tick()
		}
	}
}

// tick redraws the live view if it changed (or a step is running, so the
// elapsed column moves) and the last redraw is at least redrawInterval ago
// by the injected clock.
func (r *Renderer) tick() { r.redraw(false) }

// redraw writes a frame. final draws regardless of the throttle and adds
// the summary.
func (r *Renderer) redraw(final bool) {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	now := r.opts.Now()
	l := r.live
	if !final {
		if !l.dirty && len(l.active) == 0 {
			r.mu.Unlock()
			return
		}
		if l.drawn && now.Sub(l.lastDraw) < redrawInterval {
			r.mu.Unlock()
			return
		}
	}
	r.frame = r.appendFrame(r.frame[:0], now, final)
	if final {
		r.closed = true
	}
	r.mu.Unlock()
	_, _ = r.opts.Out.Write(r.frame)
}
