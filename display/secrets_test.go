package display

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
)

const secretText = "hunter2-do-not-print"

// secretEvents puts one secret everywhere an event carries values: step
// inputs old and new, outputs, nested in lists and maps, a secret that
// changed, a secret that became one, and the stack outputs.
func secretEvents() []engine.Event {
	sec := resource.MakeSecret(secretText)
	upd := step(engine.StepUpdate, "db")
	upd.Old = resource.PropertyMap{"password": resource.MakeSecret(secretText + "-old"), "plain": "public", "nested": map[string]any{"k": []any{sec}}}
	upd.New = resource.PropertyMap{"password": sec, "plain": resource.MakeSecret(secretText), "nested": map[string]any{"k": []any{sec, "x"}}}
	upd.Changed = []string{"nested", "password", "plain"}
	upd.Replace = []string{"password"}
	create := step(engine.StepCreate, "token")
	create.New = resource.PropertyMap{"value": sec, "whole": resource.MakeSecret(map[string]any{"a": secretText})}
	del := step(engine.StepDelete, "old")
	del.Old = resource.PropertyMap{"value": sec}
	out := *create
	out.Outputs = resource.PropertyMap{"value": sec, "id": "t-1"}
	out.Duration = time.Millisecond
	var events []engine.Event
	for _, p := range []bool{true, false} {
		for _, s := range []*engine.StepInfo{upd, create, del} {
			c := *s
			c.Preview = p
			events = append(events, pre(&c))
		}
	}
	events = append(events,
		engine.Event{Type: engine.EventResourceOutputs, Step: &out},
		failed(upd, time.Millisecond, "boom"),
		engine.Event{Type: engine.EventSummary, Summary: &engine.Summary{Outputs: resource.PropertyMap{"token": sec, "all": []any{map[string]any{"s": sec}}}}},
	)
	return events
}

func TestSecretsNeverShown(t *testing.T) {
	for _, mode := range []Mode{ModePlain, ModeLive, ModeJSON} {
		for _, diff := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/diff=%v", mode, diff), func(t *testing.T) {
				got := render(t, Options{Mode: mode, Diff: diff, Color: true}, secretEvents()...)
				if strings.Contains(got, secretText) {
					t.Fatalf("a secret reached the %s output (diff %v):\n%s", mode, diff, got)
				}
				if !strings.Contains(got, "[secret]") {
					t.Errorf("no [secret] placeholder in the %s output (diff %v):\n%s", mode, diff, got)
				}
			})
		}
	}
}

// ShowSecrets does show them, which also proves the test above would see a
// leak.
func TestShowSecrets(t *testing.T) {
	for _, mode := range []Mode{ModePlain, ModeLive, ModeJSON} {
		t.Run(mode.String(), func(t *testing.T) {
			got := render(t, Options{Mode: mode, Diff: true, ShowSecrets: true}, secretEvents()...)
			if !strings.Contains(got, secretText) {
				t.Fatalf("ShowSecrets did not show the secret in %s:\n%s", mode, got)
			}
		})
	}
}
