package display

import (
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
)

// SGR colour codes.
const (
	colorReset   = "\x1b[0m"
	colorRed     = "\x1b[31m"
	colorGreen   = "\x1b[32m"
	colorYellow  = "\x1b[33m"
	colorMagenta = "\x1b[35m"
	colorCyan    = "\x1b[36m"
	colorBold    = "\x1b[1m"
)

// failSymbol marks a failed step.
const failSymbol = "✗"

// maxValueLen bounds a value in a diff line, in runes.
const maxValueLen = 120

// opText is how a step kind reads: its symbol, and its verb as planned,
// in progress and done.
type opText struct {
	sym, verb, ing, past, color string
}

func words(k engine.StepKind) opText {
	switch k {
	case engine.StepCreate:
		return opText{"+", "create", "creating", "created", colorGreen}
	case engine.StepUpdate:
		return opText{"~", "update", "updating", "updated", colorYellow}
	case engine.StepReplace:
		return opText{"+-", "replace", "replacing", "replaced", colorMagenta}
	case engine.StepDeleteReplaced:
		return opText{"-", "delete old", "deleting old", "deleted old", colorRed}
	case engine.StepDelete:
		return opText{"-", "delete", "deleting", "deleted", colorRed}
	case engine.StepImport:
		return opText{"=", "import", "importing", "imported", colorCyan}
	case engine.StepRead:
		return opText{"~", "read", "reading", "read", colorYellow}
	case engine.StepDiscard:
		return opText{"-", "forget", "forgetting", "forgotten", colorRed}
	case engine.StepSame:
		return opText{" ", "keep", "keeping", "kept", ""}
	}
	s := clean(string(k))
	return opText{"?", s, s, s, ""}
}

// paint appends s, in colour c when colour is on.
func (r *Renderer) paint(b []byte, c, s string) []byte {
	if !r.opts.Color || c == "" {
		return append(b, s...)
	}
	b = append(b, c...)
	b = append(b, s...)
	return append(b, colorReset...)
}

// stepNames returns a step's type and name, cleaned, falling back to the
// URN's when the event leaves them out.
func stepNames(s *engine.StepInfo) (typ, name string) {
	typ, name = s.Type, s.Name
	if typ == "" {
		typ = s.URN.Type()
	}
	if name == "" {
		name = s.URN.Name()
	}
	return clean(typ), clean(name)
}

// phase is where in its life a step line describes a step.
type phase int

const (
	phasePlanned phase = iota // preview
	phaseStarted              // resource-pre during an update
	phaseDone                 // resource-outputs
)

// appendStep appends the line for a step, and its diff when asked for.
func (r *Renderer) appendStep(b []byte, s *engine.StepInfo, p phase) []byte {
	w := words(s.Op)
	typ, name := stepNames(s)
	b = r.paint(b, w.color, w.sym)
	b = append(b, ' ')
	switch p {
	case phasePlanned:
		b = append(b, w.verb...)
	case phaseStarted:
		b = append(b, w.ing...)
	default:
		b = append(b, w.past...)
	}
	b = append(b, ' ')
	b = append(b, typ...)
	b = append(b, ' ')
	b = append(b, name...)
	if p == phaseDone {
		b = append(b, " ("...)
		b = appendDuration(b, s.Duration)
		b = append(b, ')')
	} else if s.Op == engine.StepReplace && len(s.Replace) > 0 {
		b = append(b, " (because "...)
		for i, k := range s.Replace {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, clean(k)...)
		}
		b = append(b, " changed)"...)
	}
	b = append(b, '\n')
	if r.opts.Diff && p != phaseDone {
		b = r.appendDiff(b, s)
	}
	return b
}

// appendFailure appends the permanent lines for a failed step.
func (r *Renderer) appendFailure(b []byte, s *engine.StepInfo) []byte {
	typ, name := stepNames(s)
	lines := messageLines(s.Error)
	var line []byte
	line = append(line, failSymbol+" failed to "...)
	line = append(line, words(s.Op).verb...)
	line = append(line, ' ')
	line = append(line, typ...)
	line = append(line, ' ')
	line = append(line, name...)
	if lines[0] != "" || len(lines) > 1 {
		line = append(line, ": "...)
		line = append(line, lines[0]...)
	}
	b = r.paint(b, colorRed, string(line))
	b = append(b, '\n')
	for _, l := range lines[1:] {
		b = append(b, "    "...)
		b = append(b, l...)
		b = append(b, '\n')
	}
	return b
}

// appendDiff appends one line per changed top-level property. For updates,
// replacements and reads the engine's list of changed properties decides
// what is shown, so ignoreChanges is honoured; for the rest every property
// is shown as added or removed.
func (r *Renderer) appendDiff(b []byte, s *engine.StepInfo) []byte {
	switch s.Op {
	case engine.StepSame, engine.StepDeleteReplaced:
		return b
	}
	var keys []string
	restricted := false
	switch s.Op {
	case engine.StepUpdate, engine.StepReplace, engine.StepRead:
		if len(s.Changed) > 0 {
			keys = slices.Clone(s.Changed)
			restricted = true
		}
	}
	if !restricted {
		keys = make([]string, 0, len(s.Old)+len(s.New))
		for k := range s.Old {
			keys = append(keys, k)
		}
		for k := range s.New {
			if _, ok := s.Old[k]; !ok {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	keys = slices.Compact(keys)
	show := r.opts.ShowSecrets
	for _, k := range keys {
		ov, inOld := s.Old[k]
		nv, inNew := s.New[k]
		switch {
		case inOld && inNew && !resource.Equal(ov, nv):
			b = r.diffLine(b, "~", colorYellow, k)
			b = append(b, ": "...)
			b = append(b, formatValue(ov, show, maxValueLen)...)
			b = append(b, " => "...)
			b = append(b, formatValue(nv, show, maxValueLen)...)
		case inNew && !inOld:
			b = r.diffLine(b, "+", colorGreen, k)
			b = append(b, ": "...)
			b = append(b, formatValue(nv, show, maxValueLen)...)
		case inOld && !inNew:
			b = r.diffLine(b, "-", colorRed, k)
			b = append(b, ": "...)
			b = append(b, formatValue(ov, show, maxValueLen)...)
		case restricted:
			// Changed, but the values the event carries do not show how
			// (a read's drift, a type change).
			b = r.diffLine(b, "~", colorYellow, k)
		default:
			continue
		}
		b = append(b, '\n')
	}
	return b
}

func (r *Renderer) diffLine(b []byte, sym, c, key string) []byte {
	b = append(b, "    "...)
	b = r.paint(b, c, sym)
	b = append(b, ' ')
	return append(b, clean(key)...)
}

// formatValue renders a value for people, secrets hidden unless show,
// shortened to max runes when max > 0.
func formatValue(v any, show bool, max int) string {
	s := clean(resource.Format(v, show))
	if max > 0 {
		s = truncate(s, max)
	}
	return s
}

// appendDiagnostic appends "severity: message", continuation lines indented.
func (r *Renderer) appendDiagnostic(b []byte, severity, msg string) []byte {
	sev := clean(severity)
	if sev == "" {
		sev = "info"
	}
	c := ""
	switch severity {
	case "warning":
		c = colorYellow
	case "error":
		c = colorRed
	}
	lines := messageLines(msg)
	b = r.paint(b, c, sev+":")
	b = append(b, ' ')
	b = append(b, lines[0]...)
	b = append(b, '\n')
	for _, l := range lines[1:] {
		b = append(b, "    "...)
		b = append(b, l...)
		b = append(b, '\n')
	}
	return b
}

// appendPrelude appends the line that opens an operation.
func (r *Renderer) appendPrelude(b []byte, e engine.Event) []byte {
	var verb string
	switch e.Operation {
	case "preview":
		verb = "Previewing"
	case "update":
		verb = "Updating"
	case "destroy":
		verb = "Destroying"
	case "refresh":
		verb = "Refreshing"
	default:
		verb = clean(e.Operation)
	}
	b = r.paint(b, colorBold, verb)
	if e.Stack != "" {
		b = append(b, " stack "...)
		b = append(b, clean(e.Stack)...)
	}
	if e.Project != "" {
		b = append(b, " (project "...)
		b = append(b, clean(e.Project)...)
		b = append(b, ')')
	}
	return append(b, '\n')
}

// summaryKinds are the kinds the summary always or usually shows, in order.
// Import and read appear only when they happened.
func summaryKinds() []engine.StepKind {
	return []engine.StepKind{engine.StepCreate, engine.StepUpdate, engine.StepReplace, engine.StepDelete, engine.StepImport, engine.StepRead}
}

// appendSummary appends the summary line and the outputs.
func (r *Renderer) appendSummary(b []byte, s *engine.Summary) []byte {
	var parts [][]byte
	seen := map[engine.StepKind]bool{engine.StepSame: true}
	for _, k := range summaryKinds() {
		seen[k] = true
		n := s.Counts[k]
		if n == 0 && (k == engine.StepImport || k == engine.StepRead) {
			continue
		}
		w := words(k)
		var p []byte
		p = r.paint(p, w.color, w.sym)
		p = append(p, ' ')
		p = strconv.AppendInt(p, int64(n), 10)
		if s.Preview {
			p = append(p, " to "...)
			p = append(p, w.verb...)
		} else {
			p = append(p, ' ')
			p = append(p, w.past...)
		}
		parts = append(parts, p)
	}
	var other []string
	for k := range s.Counts {
		if !seen[k] && s.Counts[k] != 0 {
			other = append(other, string(k))
		}
	}
	sort.Strings(other)
	for _, k := range other {
		p := strconv.AppendInt(nil, int64(s.Counts[engine.StepKind(k)]), 10)
		p = append(p, ' ')
		p = append(p, clean(k)...)
		parts = append(parts, p)
	}
	parts = append(parts, append(strconv.AppendInt(nil, int64(s.Counts[engine.StepSame]), 10), " unchanged"...))
	if s.Failed > 0 {
		parts = append(parts, r.paint(nil, colorRed, failSymbol+" "+strconv.Itoa(s.Failed)+" failed"))
	}
	if s.Cancelled {
		parts = append(parts, r.paint(nil, colorRed, "cancelled"))
	}
	if s.Duration > 0 {
		parts = append(parts, appendDuration([]byte("("), s.Duration))
		parts[len(parts)-1] = append(parts[len(parts)-1], ')')
	}
	for i, p := range parts {
		if i > 0 {
			b = append(b, "  "...)
		}
		b = append(b, p...)
	}
	b = append(b, '\n')
	return r.appendOutputs(b, s.Outputs)
}

// appendOutputs appends "Outputs:" and one line per output, sorted.
func (r *Renderer) appendOutputs(b []byte, outs resource.PropertyMap) []byte {
	if len(outs) == 0 {
		return b
	}
	keys := make([]string, 0, len(outs))
	for k := range outs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, "Outputs:\n"...)
	for _, k := range keys {
		b = append(b, "    "...)
		b = append(b, clean(k)...)
		b = append(b, ": "...)
		b = append(b, formatValue(outs[k], r.opts.ShowSecrets, 0)...)
		b = append(b, '\n')
	}
	return b
}

// appendDuration writes d the way people read it: 12ms, 1.2s, 2m3s.
func appendDuration(b []byte, d time.Duration) []byte {
	switch {
	case d < 0:
		return append(b, "0ms"...)
	case d < time.Second:
		b = strconv.AppendInt(b, d.Milliseconds(), 10)
		return append(b, "ms"...)
	case d < time.Minute:
		b = strconv.AppendFloat(b, d.Seconds(), 'f', 1, 64)
		return append(b, 's')
	}
	return append(b, d.Round(time.Second).String()...)
}

// appendText appends the plain-mode lines for an event.
func (r *Renderer) appendText(b []byte, e engine.Event) []byte {
	switch e.Type {
	case engine.EventPrelude:
		return r.appendPrelude(b, e)
	case engine.EventResourcePre:
		if e.Step == nil {
			return b
		}
		if e.Step.Preview {
			return r.appendStep(b, e.Step, phasePlanned)
		}
		return r.appendStep(b, e.Step, phaseStarted)
	case engine.EventResourceOutputs:
		if e.Step == nil {
			return b
		}
		return r.appendStep(b, e.Step, phaseDone)
	case engine.EventResourceFailed:
		if e.Step == nil {
			return b
		}
		return r.appendFailure(b, e.Step)
	case engine.EventDiagnostic:
		return r.appendDiagnostic(b, e.Severity, e.Message)
	case engine.EventSummary:
		if e.Summary == nil {
			return b
		}
		return r.appendSummary(b, e.Summary)
	}
	return b
}
