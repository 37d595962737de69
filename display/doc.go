// Package display turns engine events into what a person or a program reads:
// a live view on a terminal, one line per event in logs, or one JSON object
// per line for CI tools and the server.
//
// A Renderer is an engine.EventSink (pass r.Event) and must be closed when
// the operation ends. It has three modes:
//
//   - ModePlain, the zero Mode, writes one line per event and no control
//     character at all; with Color, the only escape sequences it writes are
//     SGR colour codes (ESC [ … m). It is for logs, pipes and CI.
//   - ModeLive redraws a table of the steps in progress and the ones that
//     finished most recently, with a progress line, in place, using cursor-up
//     (ESC [ n A), erase-line (ESC [ 2 K) and erase-below (ESC [ J). Event only
//     updates state under a mutex; a ticker goroutine redraws at most ten
//     times a second, and only when something changed or a step is running.
//     Lines that must stay (the prelude, preview steps, failures,
//     diagnostics, diffs) are printed above the table at the next redraw.
//     Close draws the table one last time and prints the summary and the
//     outputs below it, as plain mode does.
//   - ModeJSON writes one JSON object per event. The format is a contract
//     with CI tools and the server, documented in docs/events.md.
//
// Hostile text: everything that comes from outside Plinth — resource names
// and types, URNs, property names, error and diagnostic messages — goes
// through one escaping step before it reaches a terminal or a log: C0 and
// C1 controls, DEL, bidirectional-override characters, U+2028/U+2029 and
// invalid UTF-8 are written as Go-style escapes (\x1b, \n, \u202e, \xff).
// A backslash is left alone, so the escaped form can be ambiguous, but a
// Windows path stays readable. Multi-line messages are split into lines,
// the second and later indented by four spaces. The live table counts
// width in runes, so a row of wide East Asian characters can still wrap.
//
// Text output marks each step with a symbol (docs/events.md has the whole
// table):
//
//	create "+", update "~", replace "+-", delete "-", import "=",
//	read "~" (refresh drift), forget "-" (retainOnDelete), failed "✗"
//
// In a preview a step reads "+ create file:File page"; while an update runs,
// "+ creating file:File page" when it starts and "+ created file:File page
// (12ms)" when it ends. With Options.Diff each step is followed by one line
// per changed top-level property ("    ~ content: "a" => "b""), values
// shortened to about 120 characters.
//
// Secrets: every value is printed with resource.Format or its JSON
// equivalent, so a secret shows as [secret] in every mode unless
// ShowSecrets is set. Property names are never secret. Error and diagnostic
// messages are printed as the engine gives them; the renderer cannot know
// whether a provider echoed a secret into an error.
//
// The renderer never keeps an engine.StepInfo: the engine reuses and changes
// them after the sink returns, so everything the live view needs is copied
// inside Event.
//
// Cost: plain and JSON modes format and write each event inside Event, one
// Write per event, so a slow Out slows Event down; plain mode costs well
// under a microsecond an event without Diff, JSON a few microseconds (see
// the benchmarks). Live mode's Event only updates a map; the ticker formats
// at most about twenty rows ten times a second and writes without holding
// the lock Event takes. Memory is bounded by the steps in flight plus twenty
// finished rows, except that permanent lines wait in a buffer until the
// next redraw.
package display
