package program

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// FuzzLoad loads arbitrary bytes as Plinth.yaml. Load must never panic,
// and its errors must be at most 20 one-line *Error "file:line:col: msg".
// Programs that load are evaluated too, to exercise the evaluator.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(header + "resources:\n  a:\n    type: core:Data\n    properties: {input: \"${plinth.stack}\"}\n"))
	f.Add([]byte(header + "variables:\n  a: &x [1, *x]\n"))
	errLine := regexp.MustCompile(`^Plinth\.yaml:[1-9][0-9]*:[1-9][0-9]*: \S`)
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ProjectFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := Load(dir, testSchemas())
		if err != nil {
			errs := unjoin(relativeErrors(err, dir))
			if len(errs) > maxErrors {
				t.Errorf("%d errors, want at most %d", len(errs), maxErrors)
			}
			for _, e := range errs {
				var pe *Error
				if !errors.As(e, &pe) {
					t.Errorf("error %T %q is not an *Error", e, e)
					continue
				}
				if s := e.Error(); strings.ContainsAny(s, "\r\n") || !errLine.MatchString(s) {
					t.Errorf("malformed error %q", s)
				}
			}
			return
		}
		cfg := map[string]any{}
		for k, d := range p.Project.Config {
			if !d.HasDefault {
				cfg[p.Project.Name+":"+k] = "1"
			}
		}
		project, _, err := p.ResolveConfig(cfg)
		if err != nil {
			return // a value of the wrong type
		}
		e := p.NewEvaluator(Env{
			Stack:    "dev",
			Config:   project,
			ReadFile: func(string) ([]byte, error) { return nil, errors.New("no files while fuzzing") },
		})
		for _, r := range p.Resources {
			in, err := e.Inputs(r.Name)
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) {
					t.Errorf("Inputs(%s) error %T %q is not an *Error", r.Name, err, err)
				}
			}
			e.SetResource(r.Name, map[string]any{"id": "id-" + r.Name, "urn": "urn:" + r.Name, "output": in["input"]})
		}
		_, _ = e.Outputs()
	})
}

// FuzzParseTemplate parses arbitrary strings as templates. It must never
// panic, errors must point inside the string, and a parsed template
// written back must parse to the same thing.
func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{"", "${a}", "x${a.b[0]}y", `${a["k"]}`, "$${a}", "${", "${a[", `${a["\"]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tmpl, err := parseTemplate(s)
		if err != nil {
			var te *templateError
			if !errors.As(err, &te) {
				t.Fatalf("error %T is not a templateError", err)
			}
			if te.off < 0 || te.off > len(s) {
				t.Fatalf("error offset %d outside %q", te.off, s)
			}
			return
		}
		for _, p := range tmpl {
			if p.off < 0 || p.off > len(s) {
				t.Fatalf("part offset %d outside %q", p.off, s)
			}
			if p.ref != nil && !strings.HasPrefix(s[p.off:], "${"+p.ref.src+"}") {
				t.Fatalf("reference %q not at offset %d of %q", p.ref.src, p.off, s)
			}
		}
		again, err := parseTemplate(tmpl.String())
		if err != nil {
			t.Fatalf("%q written back as %q does not parse: %v", s, tmpl.String(), err)
		}
		if got, want := describeTemplate(again), describeTemplate(tmpl); strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("%q written back as %q parses to %q, want %q", s, tmpl.String(), got, want)
		}
	})
}
