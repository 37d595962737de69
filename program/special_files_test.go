package program

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A main file or fn::readFile naming a device or FIFO is refused before
// it is opened: /dev/stdin would block and /dev/zero would never end.
func TestSpecialFilesRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, ProjectFile), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(header + "main: /dev/stdin\n")
	_, err := Load(dir, testSchemas())
	if err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Fatalf("main: /dev/stdin: err = %v", err)
	}
	write(header + "resources:\n  a:\n    type: core:Data\n    properties:\n      input:\n        fn::readFile: /dev/zero\n")
	p, err := Load(dir, testSchemas())
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.NewEvaluator(Env{Stack: "dev"}).Inputs("a")
	if err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Fatalf("fn::readFile /dev/zero: err = %v", err)
	}
}
