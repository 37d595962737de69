package display

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
)

func TestPlainPreview(t *testing.T) {
	logo := preview(step(engine.StepReplace, "logo"))
	logo.Old = resource.PropertyMap{"path": "a.png"}
	logo.New = resource.PropertyMap{"path": "b.png"}
	logo.Changed, logo.Replace = []string{"path"}, []string{"path"}
	got := render(t, Options{},
		engine.Event{Type: engine.EventPrelude, Operation: "preview", Stack: "dev", Project: "site"},
		pre(preview(step(engine.StepCreate, "page"))),
		pre(preview(step(engine.StepUpdate, "index"))),
		pre(logo),
		pre(preview(step(engine.StepDelete, "old"))),
		pre(preview(step(engine.StepImport, "adopted"))),
		pre(preview(step(engine.StepRead, "drifted"))),
		pre(preview(step(engine.StepDiscard, "kept"))),
		engine.Event{Type: engine.EventDiagnostic, Severity: "warning", Message: "file:File is deprecated"},
		engine.Event{Type: engine.EventSummary, Summary: &engine.Summary{
			Counts:  map[engine.StepKind]int{engine.StepCreate: 3, engine.StepUpdate: 1, engine.StepReplace: 1, engine.StepImport: 1, engine.StepSame: 12},
			Outputs: resource.PropertyMap{"url": "http://x", "token": resource.MakeSecret("s3cr3t")},
			Preview: true,
		}},
	)
	want := `Previewing stack dev (project site)
+ create file:File page
~ update file:File index
+- replace file:File logo (because path changed)
- delete file:File old
= import file:File adopted
~ read file:File drifted
- forget file:File kept
warning: file:File is deprecated
+ 3 to create  ~ 1 to update  +- 1 to replace  - 0 to delete  = 1 to import  12 unchanged
Outputs:
    token: [secret]
    url: "http://x"
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("preview output (-want +got):\n%s", diff)
	}
}

func TestPlainUp(t *testing.T) {
	page := step(engine.StepCreate, "page")
	index := step(engine.StepUpdate, "index")
	logo := step(engine.StepReplace, "logo")
	logo.Replace = []string{"path", "mode"}
	oldLogo := step(engine.StepDeleteReplaced, "logo")
	got := render(t, Options{},
		engine.Event{Type: engine.EventPrelude, Operation: "update", Stack: "dev", Project: "site"},
		pre(page),
		pre(index),
		outputs(page, 12*time.Millisecond),
		failed(index, 40*time.Millisecond, "permission denied\nwhile writing /srv/index.html\n"),
		pre(logo),
		outputs(logo, 1234*time.Millisecond),
		pre(oldLogo),
		outputs(oldLogo, 3*time.Millisecond),
		engine.Event{Type: engine.EventDiagnostic, Severity: "error", Message: "update failed"},
		engine.Event{Type: engine.EventSummary, Summary: &engine.Summary{
			Counts:   map[engine.StepKind]int{engine.StepCreate: 1, engine.StepReplace: 1, engine.StepSame: 12},
			Duration: 1250 * time.Millisecond,
			Failed:   1,
		}},
	)
	want := `Updating stack dev (project site)
+ creating file:File page
~ updating file:File index
+ created file:File page (12ms)
✗ failed to update file:File index: permission denied
    while writing /srv/index.html
+- replacing file:File logo (because path, mode changed)
+- replaced file:File logo (1.2s)
- deleting old file:File logo
- deleted old file:File logo (3ms)
error: update failed
+ 1 created  ~ 0 updated  +- 1 replaced  - 0 deleted  12 unchanged  ✗ 1 failed  (1.2s)
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("up output (-want +got):\n%s", diff)
	}
}

func TestPlainSummary(t *testing.T) {
	tests := []struct {
		name string
		sum  engine.Summary
		want string
	}{
		{"empty", engine.Summary{}, "+ 0 created  ~ 0 updated  +- 0 replaced  - 0 deleted  0 unchanged\n"},
		{"destroy", engine.Summary{Counts: map[engine.StepKind]int{engine.StepDelete: 5}, Duration: 3 * time.Second},
			"+ 0 created  ~ 0 updated  +- 0 replaced  - 5 deleted  0 unchanged  (3.0s)\n"},
		{"refresh", engine.Summary{Counts: map[engine.StepKind]int{engine.StepRead: 2, engine.StepSame: 8}, Duration: 90 * time.Second},
			"+ 0 created  ~ 0 updated  +- 0 replaced  - 0 deleted  ~ 2 read  8 unchanged  (1m30s)\n"},
		{"cancelled", engine.Summary{Counts: map[engine.StepKind]int{engine.StepCreate: 1}, Cancelled: true, Duration: 5 * time.Millisecond},
			"+ 1 created  ~ 0 updated  +- 0 replaced  - 0 deleted  0 unchanged  cancelled  (5ms)\n"},
		{"unknown kind", engine.Summary{Counts: map[engine.StepKind]int{"teleport": 2}},
			"+ 0 created  ~ 0 updated  +- 0 replaced  - 0 deleted  2 teleport  0 unchanged\n"},
		{"outputs", engine.Summary{Outputs: resource.PropertyMap{"n": int64(3), "list": []any{"a", true}, "u": resource.Unknown{}}, Preview: true},
			"+ 0 to create  ~ 0 to update  +- 0 to replace  - 0 to delete  0 unchanged\nOutputs:\n    list: [\"a\", true]\n    n: 3\n    u: (known after up)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, Options{}, engine.Event{Type: engine.EventSummary, Summary: &tt.sum})
			if got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestPlainDiff(t *testing.T) {
	long := strings.Repeat("x", 500)
	update := preview(step(engine.StepUpdate, "index"))
	update.Old = resource.PropertyMap{"content": "a", "old": int64(1), "same": "s", "big": "short", "ignored": "v1"}
	update.New = resource.PropertyMap{"content": "b", "mode": "0644", "same": "s", "big": long, "ignored": "v2"}
	// The engine's list decides: "ignored" changed in value but is under
	// ignoreChanges, so it is not in Changed.
	update.Changed = []string{"big", "content", "mode", "old"}
	create := preview(step(engine.StepCreate, "page"))
	create.New = resource.PropertyMap{"path": "p", "id": resource.Unknown{}}
	del := preview(step(engine.StepDelete, "gone"))
	del.Old = resource.PropertyMap{"path": "q"}
	read := step(engine.StepRead, "drifted")
	read.Old = resource.PropertyMap{"content": "a"}
	read.New = resource.PropertyMap{"content": "a"}
	read.Changed = []string{"content"}
	got := render(t, Options{Diff: true}, pre(update), pre(create), pre(del), pre(read), outputs(read, time.Millisecond))
	want := `~ update file:File index
    ~ big: "short" => "` + strings.Repeat("x", maxValueLen-2) + `…
    ~ content: "a" => "b"
    + mode: "0644"
    - old: 1
+ create file:File page
    + id: (known after up)
    + path: "p"
- delete file:File gone
    - path: "q"
~ reading file:File drifted
    ~ content
~ read file:File drifted (1ms)
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diff output (-want +got):\n%s", diff)
	}
	for _, line := range strings.Split(got, "\n") {
		if n := runeWidth(line); n > 2*maxValueLen+40 {
			t.Errorf("line of %d runes not shortened: %.60q…", n, line)
		}
	}
}

func TestPlainDiffOff(t *testing.T) {
	s := preview(step(engine.StepUpdate, "index"))
	s.Old, s.New, s.Changed = resource.PropertyMap{"content": "a"}, resource.PropertyMap{"content": "b"}, []string{"content"}
	if got, want := render(t, Options{}, pre(s)), "~ update file:File index\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPlainNamesFromURN(t *testing.T) {
	s := &engine.StepInfo{Op: engine.StepDelete, URN: testURN("file:Dir", "www")}
	if got, want := render(t, Options{}, pre(s)), "- deleting file:Dir www\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Hostile names, types, messages and property names must reach a log
// escaped: no control character at all may be written.
func TestPlainNoControlCharacters(t *testing.T) {
	evil := "evil\x1b[2J\nname\r\u202e\x9b"
	s := &engine.StepInfo{Op: engine.StepUpdate, URN: testURN("t\x07", evil), Type: "t\x07", Name: evil,
		Old:     resource.PropertyMap{"k\x1b[31m": "a\x1b", "m": map[string]any{"\x1b]0;pwned\x07": int64(1)}},
		New:     resource.PropertyMap{"k\x1b[31m": "b\n"},
		Changed: []string{"k\x1b[31m", "m"}, Replace: []string{"k\x1b[31m"}}
	events := []engine.Event{
		{Type: engine.EventPrelude, Operation: "update\x1b", Stack: "dev\n", Project: "p\x00"},
		pre(s),
		outputs(s, time.Millisecond),
		failed(s, time.Millisecond, "boom \x1b]0;title\x07\r\nsecond\tline\xff"),
		{Type: engine.EventDiagnostic, Severity: "warn\x1b", Message: "look \u202eelif"},
		{Type: engine.EventSummary, Summary: &engine.Summary{Counts: map[engine.StepKind]int{"x\x1b": 1}, Outputs: resource.PropertyMap{"o\x1b": "v\x1b", "p": map[string]any{"q\n": "r"}}}},
	}
	got := render(t, Options{Diff: true}, events...)
	assertNoControl(t, got, nil)
	for _, want := range []string{
		`evil\x1b[2J\nname\r\u202e\x9b`,
		"t\\x07 ",
		`boom \x1b]0;title\x07`,
		"\n    second\\tline\\xff\n",
		`look \u202eelif`,
		`o\x1b: "v\x1b"`,
		`{q\n: "r"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// The hostile newline in the name did not start a line of its own.
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "name") {
			t.Errorf("a name's newline reached the output: %q", line)
		}
	}

	// With colour the only escapes are the renderer's own SGR codes.
	colored := render(t, Options{Diff: true, Color: true}, events...)
	if !strings.Contains(colored, colorRed) {
		t.Fatalf("no colour with Color: %q", colored)
	}
	assertNoControl(t, colored, sgr)
	if got, want := sgr.ReplaceAllString(colored, ""), got; got != want {
		t.Errorf("colour changed more than colours:\n%s\nvs\n%s", got, want)
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text/with: punctuation", "plain text/with: punctuation"},
		{"caf\u00e9 \u65e5\u672c", "caf\u00e9 \u65e5\u672c"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"a\nb\r\tc", `a\nb\r\tc`},
		{"del\x7f", `del\x7f`},
		{"c1\u0085\u009b", `c1\u0085\u009b`},
		{"bidi\u202e\u2066\u200f", `bidi\u202e\u2066\u200f`},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{`C:\Users\x`, `C:\Users\x`},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abcde", 5, "abcde"},
		{"abcdef", 5, "abcd…"},
		{"日本語テキスト", 4, "日本語…"},
		{"日本語", 3, "日本語"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0ms"},
		{0, "0ms"},
		{1500 * time.Microsecond, "1ms"},
		{999 * time.Millisecond, "999ms"},
		{time.Second, "1.0s"},
		{1249 * time.Millisecond, "1.2s"},
		{59 * time.Second, "59.0s"},
		{123 * time.Second, "2m3s"},
		{2 * time.Hour, "2h0m0s"},
	}
	for _, tt := range tests {
		if got := string(appendDuration(nil, tt.d)); got != tt.want {
			t.Errorf("duration %v = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestEventsAfterCloseAreIgnored(t *testing.T) {
	var out strings.Builder
	r := New(Options{Out: &out})
	r.Close()
	r.Close()
	r.Event(pre(step(engine.StepCreate, "late")))
	if out.Len() != 0 {
		t.Errorf("wrote after Close: %q", out.String())
	}
}
