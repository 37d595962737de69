package display

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plinth-iac/plinth/engine"
)

// maxRows caps the live table's step rows, so that it fits a terminal and a
// redraw stays cheap however many steps run at once.
const maxRows = 20

// Column caps, in runes; longer names and types are cut with "…".
const (
	maxNameWidth = 40
	maxTypeWidth = 32
)

type rowStatus int

const (
	statusRunning rowStatus = iota
	statusDone
	statusFailed
)

func (s rowStatus) String() string {
	switch s {
	case statusDone:
		return "done"
	case statusFailed:
		return "failed"
	}
	return "running"
}

// row is one step in the live table: a copy of what the view needs, never
// the engine's StepInfo, which the engine changes after the sink returns.
type row struct {
	seq       uint64
	op        engine.StepKind
	name, typ string // cleaned
	start     time.Time
	status    rowStatus
	elapsed   time.Duration // when finished
}

// liveState is the live view's state; guarded by Renderer.mu.
type liveState struct {
	start    time.Time
	seq      uint64
	active   map[string]*row
	finished []*row // newest last, at most maxRows
	haveRows bool   // a step has started: draw the table from now on
	done     int
	failed   int
	total    int // steps the plan will run, from the prelude (0: unknown)

	pending []byte // permanent lines waiting for the next redraw
	summary []byte // printed by Close

	dirty     bool
	drawn     bool
	lastDraw  time.Time
	lastLines int // table lines on screen, to move back over
	redraws   int
}

func newLiveState(now time.Time) *liveState {
	return &liveState{start: now, active: map[string]*row{}}
}

// stepKey identifies a step among those in flight: a replacement and the
// deletion of the resource it replaced share a URN, not a kind.
func stepKey(s *engine.StepInfo) string {
	return string(s.Op) + "\x00" + string(s.URN)
}

// liveEvent updates the live view's state. Called with r.mu held; it never
// writes to Out.
func (r *Renderer) liveEvent(e engine.Event) {
	l := r.live
	switch e.Type {
	case engine.EventResourcePre:
		s := e.Step
		if s == nil {
			return
		}
		if s.Preview {
			// A planned step never finishes: it is a line, not a row.
			l.pending = r.appendStep(l.pending, s, phasePlanned)
			break
		}
		if r.opts.Diff {
			l.pending = r.appendStep(l.pending, s, phaseStarted)
		}
		key := stepKey(s)
		if _, ok := l.active[key]; !ok {
			l.seq++
			typ, name := stepNames(s)
			l.active[key] = &row{seq: l.seq, op: s.Op, name: name, typ: typ, start: r.opts.Now()}
		}
		l.haveRows = true
	case engine.EventResourceOutputs:
		if e.Step == nil {
			return
		}
		r.finish(e.Step, statusDone)
	case engine.EventResourceFailed:
		if e.Step == nil {
			return
		}
		l.pending = r.appendFailure(l.pending, e.Step)
		r.finish(e.Step, statusFailed)
	case engine.EventPrelude, engine.EventDiagnostic:
		if e.Type == engine.EventPrelude {
			l.total = e.Steps
		}
		l.pending = r.appendText(l.pending, e)
	case engine.EventSummary:
		if e.Summary == nil {
			return
		}
		l.summary = r.appendSummary(l.summary[:0], e.Summary)
	default:
		return
	}
	l.dirty = true
}

// finish moves a step from running to finished. A step that fails before
// it starts (no resource-pre) still gets a row.
func (r *Renderer) finish(s *engine.StepInfo, st rowStatus) {
	l := r.live
	key := stepKey(s)
	x, ok := l.active[key]
	if ok {
		delete(l.active, key)
	} else {
		l.seq++
		typ, name := stepNames(s)
		x = &row{seq: l.seq, op: s.Op, name: name, typ: typ}
	}
	x.status, x.elapsed = st, s.Duration
	if st == statusFailed {
		l.failed++
	} else {
		l.done++
	}
	if len(l.finished) == maxRows {
		l.finished = append(l.finished[:0], l.finished[1:]...)
	}
	l.finished = append(l.finished, x)
	l.haveRows = true
}

// appendFrame appends one redraw: back over the previous table, the
// permanent lines, the table, erase what is left below; on the final frame
// the summary too. Called with r.mu held.
func (r *Renderer) appendFrame(b []byte, now time.Time, final bool) []byte {
	l := r.live
	if l.lastLines > 0 {
		b = append(b, "\x1b["...)
		b = strconv.AppendInt(b, int64(l.lastLines), 10)
		b = append(b, 'A')
	}
	for p := l.pending; len(p) > 0; {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			i = len(p) - 1
		}
		b = append(b, "\x1b[2K"...)
		b = append(b, p[:i+1]...)
		p = p[i+1:]
	}
	l.pending = l.pending[:0]
	lines := r.tableLines(now)
	for _, line := range lines {
		b = append(b, "\x1b[2K"...)
		b = append(b, line...)
		b = append(b, '\n')
	}
	b = append(b, "\x1b[J"...)
	l.lastLines = len(lines)
	if final {
		b = append(b, l.summary...)
	}
	l.dirty, l.drawn, l.lastDraw = false, true, now
	l.redraws++
	return b
}

// tableLines renders the table: running steps first, oldest first, then
// the most recently finished, at most maxRows rows, then the progress line.
// Each line is cut to the terminal's width so that none wraps, which would
// break moving back over the table.
func (r *Renderer) tableLines(now time.Time) []string {
	l := r.live
	if !l.haveRows {
		return nil
	}
	rows := make([]*row, 0, maxRows)
	for _, x := range l.active {
		rows = append(rows, x)
	}
	slices.SortFunc(rows, func(a, b *row) int { return cmp.Compare(a.seq, b.seq) })
	more := 0
	if len(rows) > maxRows {
		more = len(rows) - (maxRows - 1)
		rows = rows[:maxRows-1]
	} else {
		for i := len(l.finished) - 1; i >= 0 && len(rows) < maxRows; i-- {
			rows = append(rows, l.finished[i])
		}
	}

	type cells struct{ sym, name, typ, op, status, elapsed string }
	cs := make([]cells, len(rows))
	var symW, nameW, typW, opW int
	for i, x := range rows {
		w := words(x.op)
		c := cells{sym: w.sym, name: truncate(x.name, maxNameWidth), typ: truncate(x.typ, maxTypeWidth), op: w.verb, status: x.status.String()}
		if x.status == statusFailed {
			c.sym = failSymbol
		}
		d := x.elapsed
		if x.status == statusRunning {
			d = now.Sub(x.start)
		}
		c.elapsed = string(appendDuration(nil, d))
		symW = max(symW, runeWidth(c.sym))
		nameW = max(nameW, runeWidth(c.name))
		typW = max(typW, runeWidth(c.typ))
		opW = max(opW, runeWidth(c.op))
		cs[i] = c
	}
	width := r.opts.Width - 1
	lines := make([]string, 0, len(rows)+2)
	var sb strings.Builder
	for i, c := range cs {
		sb.Reset()
		pad(&sb, c.sym, symW)
		sb.WriteByte(' ')
		pad(&sb, c.name, nameW)
		sb.WriteString("  ")
		pad(&sb, c.typ, typW)
		sb.WriteString("  ")
		pad(&sb, c.op, opW)
		sb.WriteString("  ")
		pad(&sb, c.status, len("running"))
		sb.WriteString("  ")
		sb.WriteString(c.elapsed)
		line := truncate(sb.String(), width)
		if r.opts.Color && strings.HasPrefix(line, c.sym) {
			color := words(rows[i].op).color
			if rows[i].status == statusFailed {
				color = colorRed
			}
			line = string(r.paint(nil, color, c.sym)) + line[len(c.sym):]
		}
		lines = append(lines, line)
	}
	if more > 0 {
		lines = append(lines, truncate("… and "+strconv.Itoa(more)+" more in progress", width))
	}
	progress := strconv.Itoa(l.done)
	if l.total > 0 {
		progress += "/" + strconv.Itoa(l.total)
	}
	progress += " done, " + strconv.Itoa(len(l.active)) + " in progress"
	if l.failed > 0 {
		progress += ", " + strconv.Itoa(l.failed) + " failed"
	}
	progress += "  " + string(appendDuration(nil, now.Sub(l.start)))
	lines = append(lines, truncate(progress, width))
	return lines
}

func pad(sb *strings.Builder, s string, w int) {
	sb.WriteString(s)
	for n := runeWidth(s); n < w; n++ {
		sb.WriteByte(' ')
	}
}
