package program

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plinth-iac/plinth/provider"
)

// fakeSchemas is a small Schemas for tests; provider implementations are
// not imported.
type fakeSchemas map[string]provider.ResourceSchema

func (f fakeSchemas) ResourceSchema(token string) (provider.ResourceSchema, error) {
	if _, _, ok := provider.Split(token); !ok {
		return provider.ResourceSchema{}, fmt.Errorf("%q is not a resource type: want <package>:<Type>", token)
	}
	s, ok := f[token]
	if !ok {
		return provider.ResourceSchema{}, fmt.Errorf("unknown resource type %q", token)
	}
	return s, nil
}

var _ Schemas = fakeSchemas(nil)

func testSchemas() fakeSchemas {
	return fakeSchemas{
		"core:Data": {
			Token: "core:Data",
			Inputs: map[string]provider.Property{
				"input":           {Type: provider.TypeAny},
				"triggersReplace": {Type: provider.TypeAny, ReplaceOnChange: true},
			},
			Outputs: map[string]provider.Property{"output": {Type: provider.TypeAny, FromInput: "input"}},
		},
		"file:File": {
			Token: "file:File",
			Inputs: map[string]provider.Property{
				"path":    {Type: provider.TypeString, Required: true, ReplaceOnChange: true},
				"content": {Type: provider.TypeString},
			},
			Outputs: map[string]provider.Property{
				"path":   {Type: provider.TypeString},
				"sha256": {Type: provider.TypeString},
				"size":   {Type: provider.TypeInteger},
			},
		},
		"random:String": {
			Token: "random:String",
			Inputs: map[string]provider.Property{
				"length":  {Type: provider.TypeInteger, Required: true},
				"special": {Type: provider.TypeBoolean},
				"keepers": {Type: provider.TypeMap},
			},
			Outputs: map[string]provider.Property{"result": {Type: provider.TypeString}},
		},
	}
}

// mustWriteFiles writes files (name -> content) into a new temporary
// directory and returns it.
func mustWriteFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadSource loads a program whose Plinth.yaml is src, plus other files.
func loadSource(t testing.TB, src string, files ...string) (*Program, error) {
	t.Helper()
	m := map[string]string{ProjectFile: src}
	for i := 0; i+1 < len(files); i += 2 {
		m[files[i]] = files[i+1]
	}
	dir := mustWriteFiles(t, m)
	p, err := Load(dir, testSchemas())
	return p, relativeErrors(err, dir)
}

func mustLoad(t testing.TB, src string, files ...string) *Program {
	t.Helper()
	p, err := loadSource(t, src, files...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

// relativeErrors rewrites the file names in load errors relative to dir,
// so tests compare "Plinth.yaml:3:5: …".
func relativeErrors(err error, dir string) error {
	if err == nil {
		return nil
	}
	var out []error
	for _, e := range unjoin(err) {
		var pe *Error
		if errors.As(e, &pe) {
			c := *pe
			if rel, rerr := filepath.Rel(dir, c.File); rerr == nil {
				c.File = rel
			}
			out = append(out, &c)
		} else {
			out = append(out, e)
		}
	}
	return errors.Join(out...)
}

// unjoin unwraps errors.Join.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// errorLines returns the lines of err, nil for no error.
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

const header = "name: test\nruntime: yaml\n"
