package display

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
)

// decodeLines parses NDJSON, failing on a line that is not one object.
func decodeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("output does not end with a newline: %q", out)
	}
	var events []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatalf("line %d is not JSON: %v: %q", i+1, err, line)
		}
		if d.More() {
			t.Fatalf("line %d holds more than one value: %q", i+1, line)
		}
		events = append(events, m)
	}
	return events
}

func TestJSONEvents(t *testing.T) {
	clk := newFakeClock()
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	create := preview(step(engine.StepCreate, "page"))
	create.New = resource.PropertyMap{"path": "index.html", "size": int64(3), "ratio": 0.5, "tags": []any{"a"}, "id": resource.Unknown{}, "meta": map[string]any{"k": resource.Unknown{}}}
	upd := step(engine.StepReplace, "logo")
	upd.Old = resource.PropertyMap{"path": "a.png"}
	upd.New = resource.PropertyMap{"path": "b.png"}
	upd.Changed, upd.Replace = []string{"path"}, []string{"path"}
	done := *upd
	done.Outputs = resource.PropertyMap{"id": "f-1", "path": "b.png"}
	done.Duration = 1500 * time.Millisecond
	got := render(t, Options{Mode: ModeJSON, Color: true, Now: clk.Now},
		engine.Event{Type: engine.EventPrelude, Operation: "update", Stack: "dev", Project: "site"},
		engine.Event{Type: engine.EventResourcePre, Time: at, Step: create},
		engine.Event{Type: engine.EventResourcePre, Time: at, Step: upd},
		engine.Event{Type: engine.EventResourceOutputs, Time: at, Step: &done},
		failed(step(engine.StepDelete, "gone"), 12*time.Millisecond, "permission <denied> & \x1b"),
		engine.Event{Type: engine.EventDiagnostic, Severity: "warning", Message: "careful"},
		engine.Event{Type: engine.EventSummary, Summary: &engine.Summary{
			Counts:   map[engine.StepKind]int{engine.StepCreate: 1, engine.StepSame: 4},
			Duration: 2 * time.Second, Failed: 1, Outputs: resource.PropertyMap{"url": "http://x"},
		}},
	)
	if strings.Contains(got, "\x1b") {
		t.Fatalf("raw escape in JSON output: %q", got)
	}
	events := decodeLines(t, got)
	if len(events) != 7 {
		t.Fatalf("got %d lines, want 7:\n%s", len(events), got)
	}
	for i, e := range events {
		ts, _ := e["time"].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("line %d: time %q is not RFC 3339: %v", i+1, ts, err)
		}
	}
	if got, want := events[0]["time"], "2026-03-01T12:00:00Z"; got != want {
		t.Errorf("event without a time: time %v, want the clock's %v", got, want)
	}
	if got, want := events[1]["time"], "2026-03-01T11:00:00.123456789Z"; got != want {
		t.Errorf("time %v, want %v (UTC, nanoseconds)", got, want)
	}
	want := []map[string]any{
		{"type": "prelude", "prelude": map[string]any{"operation": "update", "stack": "dev", "project": "site"}},
		{"type": "resource-pre", "step": map[string]any{
			"op": "create", "urn": "urn:plinth:dev::site::file:File::page", "type": "file:File", "name": "page",
			"new": map[string]any{"path": "index.html", "size": json.Number("3"), "ratio": json.Number("0.5"), "tags": []any{"a"},
				"id": map[string]any{"plinth:unknown": true}, "meta": map[string]any{"k": map[string]any{"plinth:unknown": true}}},
			"preview": true,
		}},
		{"type": "resource-pre", "step": map[string]any{
			"op": "replace", "urn": "urn:plinth:dev::site::file:File::logo", "type": "file:File", "name": "logo",
			"old": map[string]any{"path": "a.png"}, "new": map[string]any{"path": "b.png"},
			"changed": []any{"path"}, "replace": []any{"path"}, "preview": false,
		}},
		{"type": "resource-outputs", "step": map[string]any{
			"op": "replace", "urn": "urn:plinth:dev::site::file:File::logo", "type": "file:File", "name": "logo",
			"old": map[string]any{"path": "a.png"}, "new": map[string]any{"path": "b.png"},
			"outputs": map[string]any{"id": "f-1", "path": "b.png"},
			"changed": []any{"path"}, "replace": []any{"path"}, "durationMs": json.Number("1500"), "preview": false,
		}},
		{"type": "resource-failed", "step": map[string]any{
			"op": "delete", "urn": "urn:plinth:dev::site::file:File::gone", "type": "file:File", "name": "gone",
			"durationMs": json.Number("12"), "error": "permission <denied> & \x1b", "preview": false,
		}},
		{"type": "diagnostic", "diagnostic": map[string]any{"severity": "warning", "message": "careful"}},
		{"type": "summary", "summary": map[string]any{
			"counts":     map[string]any{"create": json.Number("1"), "same": json.Number("4")},
			"durationMs": json.Number("2000"), "outputs": map[string]any{"url": "http://x"},
			"failed": json.Number("1"), "cancelled": false, "preview": false,
		}},
	}
	for i := range events {
		delete(events[i], "time")
	}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if !strings.Contains(got, `"permission <denied> & \u001b"`) {
		t.Errorf("HTML characters escaped or control character not: %s", got)
	}
}

// The summary always has its fields, outputs included, so consumers need
// not guess.
func TestJSONSummaryFieldsAlwaysPresent(t *testing.T) {
	got := render(t, Options{Mode: ModeJSON}, engine.Event{Type: engine.EventSummary, Summary: &engine.Summary{Preview: true}})
	ev := decodeLines(t, got)[0]
	sum := ev["summary"].(map[string]any)
	for _, k := range []string{"counts", "durationMs", "outputs", "failed", "cancelled", "preview"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("summary lacks %q: %s", k, got)
		}
	}
	if sum["preview"] != true {
		t.Errorf("preview = %v, want true", sum["preview"])
	}
}

func TestJSONValues(t *testing.T) {
	tests := []struct {
		name string
		in   any
		show bool
		want string
	}{
		{"secret", resource.MakeSecret("pw"), false, `"[secret]"`},
		{"secret shown", resource.MakeSecret("pw"), true, `"pw"`},
		{"nested secret", map[string]any{"a": []any{resource.MakeSecret(int64(1))}}, false, `{"a":["[secret]"]}`},
		{"secret map shown", resource.MakeSecret(map[string]any{"k": "v"}), true, `{"k":"v"}`},
		{"encrypted shown", resource.Secret{Value: resource.Encrypted("v1:abc")}, true, `"[secret]"`},
		{"unknown", resource.Unknown{}, false, `{"plinth:unknown":true}`},
		{"unknown in secret", resource.MakeSecret(resource.Unknown{}), true, `{"plinth:unknown":true}`},
		{"null", nil, false, `null`},
		{"int", 7, false, `7`},
		{"float", 1.25, false, `1.25`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := json.NewEncoder(&b).Encode(jsonValue(tt.in, tt.show)); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(b.String()); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
