package cli

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestElideLongWords(t *testing.T) {
	long := strings.Repeat("n", 100000)
	tests := []struct{ in, want string }{
		{"short message", "short message"},
		{`invalid stack name "` + long + `": at most 100`,
			`invalid stack name "` + strings.Repeat("n", 59) + `…(100003 characters)…` + strings.Repeat("n", 18) + `": at most 100`},
		// Multi-line text keeps its lines; only the long word shrinks.
		{"a\n  " + strings.Repeat("é", 300) + " b",
			"a\n  " + strings.Repeat("é", 60) + "…(300 characters)…" + strings.Repeat("é", 20) + " b"},
		{strings.Repeat("word ", 100), strings.Repeat("word ", 100)},
	}
	for _, tt := range tests {
		if got := elideLongWords(tt.in); got != tt.want {
			t.Errorf("elideLongWords(%.40q…) =\n%s\nwant\n%s", tt.in, got, tt.want)
		}
	}
}

func TestFlatten(t *testing.T) {
	err := flatten(&fs.PathError{Op: "dial", Path: "a", Err: errors.New("refused\n\tretry: refused")})
	if got, want := err.Error(), "dial a: refused retry: refused"; got != want {
		t.Errorf("flatten: %q, want %q", got, want)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		t.Error("flatten lost the error chain")
	}
	plain := errors.New("one line")
	if flatten(plain) != plain {
		t.Error("flatten changed a one-line error")
	}
}

func TestFlagValues(t *testing.T) {
	var p positiveInt
	for _, s := range []string{"0", "-1", "x", "99999999999999999999"} {
		if err := p.Set(s); err == nil {
			t.Errorf("--parallel %s accepted", s)
		}
	}
	if err := p.Set("8"); err != nil || p != 8 {
		t.Errorf("--parallel 8: %v, %d", err, p)
	}
	var d waitDuration
	for _, s := range []string{"-1s", "garbage", ""} {
		if err := d.Set(s); err == nil {
			t.Errorf("--lock-wait %q accepted", s)
		}
	}
	if err := d.Set("0"); err != nil || d != 0 {
		t.Errorf("--lock-wait 0: %v, %v", err, d)
	}
	if err := d.Set("90s"); err != nil || d.String() != "1m30s" {
		t.Errorf("--lock-wait 90s: %v, %v", err, d)
	}
}
