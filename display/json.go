package display

import (
	"fmt"
	"math"
	"time"

	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
)

// secretJSON stands for a secret in JSON output unless ShowSecrets: the same
// text every other Plinth surface prints.
const secretJSON = "[secret]"

// UnknownKey is the key of the one-key object {"plinth:unknown": true} that
// stands for a value only known after up, in JSON output. It is an object,
// not a string, so a consumer can tell it from a real value; the prefix is
// the one state uses for its secret marker.
const UnknownKey = "plinth:unknown"

// The JSON forms of events. docs/events.md documents them; change both.
type jsonEvent struct {
	Type       string          `json:"type"`
	Time       string          `json:"time"`
	Prelude    *jsonPrelude    `json:"prelude,omitempty"`
	Step       *jsonStep       `json:"step,omitempty"`
	Diagnostic *jsonDiagnostic `json:"diagnostic,omitempty"`
	Summary    *jsonSummary    `json:"summary,omitempty"`
}

type jsonPrelude struct {
	Operation string `json:"operation"`
	Stack     string `json:"stack"`
	Project   string `json:"project"`
	Steps     int    `json:"steps,omitempty"`
}

type jsonStep struct {
	Op         string         `json:"op"`
	URN        string         `json:"urn"`
	Type       string         `json:"type"`
	Name       string         `json:"name"`
	Old        map[string]any `json:"old,omitempty"`
	New        map[string]any `json:"new,omitempty"`
	Outputs    map[string]any `json:"outputs,omitempty"`
	Changed    []string       `json:"changed,omitempty"`
	Replace    []string       `json:"replace,omitempty"`
	DurationMs *int64         `json:"durationMs,omitempty"`
	Error      string         `json:"error,omitempty"`
	Preview    bool           `json:"preview"`
}

type jsonDiagnostic struct {
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

type jsonSummary struct {
	Counts     map[string]int `json:"counts"`
	DurationMs int64          `json:"durationMs"`
	Outputs    map[string]any `json:"outputs"`
	Failed     int            `json:"failed"`
	Cancelled  bool           `json:"cancelled"`
	Preview    bool           `json:"preview"`
}

// writeJSON writes one line for e. Called with r.mu held.
func (r *Renderer) writeJSON(e engine.Event) {
	t := e.Time
	if t.IsZero() {
		t = r.opts.Now()
	}
	j := jsonEvent{Type: string(e.Type), Time: t.UTC().Format(time.RFC3339Nano)}
	show := r.opts.ShowSecrets
	switch e.Type {
	case engine.EventPrelude:
		j.Prelude = &jsonPrelude{Operation: e.Operation, Stack: e.Stack, Project: e.Project, Steps: e.Steps}
	case engine.EventResourcePre, engine.EventResourceOutputs, engine.EventResourceFailed:
		if s := e.Step; s != nil {
			typ, name := s.Type, s.Name
			if typ == "" {
				typ = s.URN.Type()
			}
			if name == "" {
				name = s.URN.Name()
			}
			js := &jsonStep{
				Op: string(s.Op), URN: string(s.URN), Type: typ, Name: name,
				Old: jsonMap(s.Old, show), New: jsonMap(s.New, show), Outputs: jsonMap(s.Outputs, show),
				Changed: s.Changed, Replace: s.Replace, Error: s.Error, Preview: s.Preview,
			}
			if e.Type != engine.EventResourcePre {
				ms := s.Duration.Milliseconds()
				js.DurationMs = &ms
			}
			j.Step = js
		}
	case engine.EventDiagnostic:
		j.Diagnostic = &jsonDiagnostic{Severity: e.Severity, Message: e.Message}
	case engine.EventSummary:
		if s := e.Summary; s != nil {
			counts := make(map[string]int, len(s.Counts))
			for k, n := range s.Counts {
				counts[string(k)] = n
			}
			outs := jsonMap(s.Outputs, show)
			if outs == nil {
				outs = map[string]any{}
			}
			j.Summary = &jsonSummary{Counts: counts, DurationMs: s.Duration.Milliseconds(), Outputs: outs,
				Failed: s.Failed, Cancelled: s.Cancelled, Preview: s.Preview}
		}
	}
	r.jbuf.Reset()
	if err := r.jenc.Encode(j); err != nil {
		// Cannot happen with the values jsonValue produces; still write a
		// line, so that a consumer counting events is not misled.
		r.jbuf.Reset()
		_ = r.jenc.Encode(struct {
			Type  string `json:"type"`
			Time  string `json:"time"`
			Error string `json:"encodingError"`
		}{j.Type, j.Time, err.Error()})
	}
	_, _ = r.opts.Out.Write(r.jbuf.Bytes())
}

func jsonMap(m resource.PropertyMap, show bool) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = jsonValue(v, show)
	}
	return out
}

// jsonValue converts a property value for output: secrets become "[secret]"
// unless show, unknowns {"plinth:unknown": true}.
func jsonValue(v any, show bool) any {
	switch t := v.(type) {
	case nil, bool, string, int64, int:
		return t
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return resource.FormatFloat(t)
		}
		return t
	case resource.Secret:
		if !show {
			return secretJSON
		}
		if _, ok := t.Value.(resource.Encrypted); ok {
			return secretJSON // ciphertext without its key: nothing to show
		}
		return jsonValue(t.Value, show)
	case resource.Encrypted:
		return secretJSON
	case resource.Unknown:
		return map[string]any{UnknownKey: true}
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = jsonValue(e, show)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = jsonValue(e, show)
		}
		return out
	}
	return fmt.Sprint(v)
}
