package engine

import (
	"time"

	"github.com/plinth-iac/plinth/resource"
)

// EventType names an engine event. The JSON form of each is documented in
// docs/events.md and is a contract with CI tools and the server.
type EventType string

// Event types.
const (
	EventPrelude         EventType = "prelude"
	EventResourcePre     EventType = "resource-pre"
	EventResourceOutputs EventType = "resource-outputs"
	EventResourceFailed  EventType = "resource-failed"
	EventDiagnostic      EventType = "diagnostic"
	EventSummary         EventType = "summary"
)

// Event is one thing that happened during an operation. Values in it keep
// their Secret wrappers; whoever prints them decides how to show secrets.
type Event struct {
	Type EventType
	Time time.Time
	// Prelude
	Operation string // "preview", "update", "destroy", "refresh"
	Stack     string
	Project   string
	// Steps is how many steps the plan will run (same steps excluded);
	// 0 when not known.
	Steps int
	// resource-pre, resource-outputs, resource-failed
	Step *StepInfo
	// diagnostic
	Severity string // "info", "warning", "error"
	Message  string
	// summary
	Summary *Summary
}

// StepInfo describes a step for display.
type StepInfo struct {
	Op       StepKind
	URN      resource.URN
	Type     string
	Name     string
	Old      resource.PropertyMap // recorded inputs
	New      resource.PropertyMap // new inputs (may hold Unknown in preview)
	Outputs  resource.PropertyMap // after the step (resource-outputs)
	Changed  []string             // changed inputs
	Replace  []string             // inputs forcing replacement
	Duration time.Duration
	Error    string
	Preview  bool
}

// Summary closes an operation.
type Summary struct {
	Counts   map[StepKind]int
	Duration time.Duration
	Outputs  resource.PropertyMap
	Failed   int
	// Cancelled is true when the operation stopped because of a cancel.
	Cancelled bool
	Preview   bool
}

// EventSink receives events. The engine calls it from one goroutine at a
// time, in order.
type EventSink func(Event)
