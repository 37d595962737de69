package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerators checks that the generated programs load in plinth (a
// preview of N=5 shows 5 to create) and that the Terraform configurations
// have 5 resources, for both shapes.
func TestGenerators(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plinth")
	}
	bin := filepath.Join(t.TempDir(), "plinth")
	if err := buildPlinth(bin); err != nil {
		t.Fatal(err)
	}
	const n = 5
	for _, shape := range []string{"fan", "tree"} {
		t.Run(shape, func(t *testing.T) {
			prog := plinthProgram(n, shape, false)
			edited := plinthProgram(n, shape, true)
			if prog == edited || !strings.Contains(edited, "r4:\n    type: core:Data\n    properties: {input: \"") || strings.Count(edited, "-edited") != 1 {
				t.Errorf("edited program should change only r4:\n%s", edited)
			}
			if shape == "tree" && !strings.Contains(prog, `{input: "${r1.output}-i"}`) {
				t.Errorf("tree program: r3 and r4 should depend on r1:\n%s", prog)
			}

			dir := t.TempDir()
			project := filepath.Join(dir, "project")
			if err := os.MkdirAll(project, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(project, "Plinth.yaml"), []byte(prog), 0o644); err != nil {
				t.Fatal(err)
			}
			env := append(os.Environ(),
				"PLINTH_HOME="+filepath.Join(dir, "home"),
				"PLINTH_BACKEND_URL=file://"+filepath.Join(dir, "state"),
				"PLINTH_CI=false",
			)
			plinth := func(args ...string) string {
				cmd := exec.Command(bin, args...)
				cmd.Dir, cmd.Env = project, env
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("plinth %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			plinth("stack", "init", "bench")
			if out := plinth("preview"); !strings.Contains(out, "5 to create") {
				t.Errorf("preview: want 5 to create, got:\n%s", out)
			}

			tf := terraformConfig(n, shape, false)
			if got := strings.Count(tf, `resource "terraform_data" "r`); got != n {
				t.Errorf("main.tf has %d resources, want %d:\n%s", got, n, tf)
			}
			if shape == "tree" && !strings.Contains(tf, `input = "${terraform_data.r1.output}-i"`) {
				t.Errorf("tree main.tf: r3 and r4 should depend on r1:\n%s", tf)
			}
		})
	}
}
