package pipeline_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/ci/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const install = "go install github.com/plinth-iac/plinth/cmd/plinth@latest"

func TestProviders(t *testing.T) {
	want := []string{"github", "gitlab", "circleci", "travis", "jenkins", "codebuild", "azure", "bitbucket", "buildkite"}
	if diff := cmp.Diff(want, pipeline.Providers()); diff != "" {
		t.Errorf("Providers() mismatch (-want +got):\n%s", diff)
	}
}

func TestFilePaths(t *testing.T) {
	want := map[string]string{
		"github":    ".github/workflows/plinth.yml",
		"gitlab":    ".gitlab-ci.yml",
		"circleci":  ".circleci/config.yml",
		"travis":    ".travis.yml",
		"jenkins":   "Jenkinsfile",
		"codebuild": "buildspec.yml",
		"azure":     "azure-pipelines.yml",
		"bitbucket": "bitbucket-pipelines.yml",
		"buildkite": ".buildkite/pipeline.yml",
	}
	for _, p := range pipeline.Providers() {
		got, _, err := pipeline.File(p, pipeline.Options{})
		if err != nil {
			t.Fatalf("File(%q): %v", p, err)
		}
		if got != want[p] {
			t.Errorf("File(%q) path = %q, want %q", p, got, want[p])
		}
	}
}

func TestFileUnknownProvider(t *testing.T) {
	for _, p := range []string{"", "GitHub", "teamcity", "github-actions"} {
		_, content, err := pipeline.File(p, pipeline.Options{})
		if err == nil {
			t.Errorf("File(%q) = %d bytes, nil; want an error", p, len(content))
			continue
		}
		for _, valid := range pipeline.Providers() {
			if !strings.Contains(err.Error(), valid) {
				t.Errorf("File(%q) error %q does not list %q", p, err, valid)
			}
		}
	}
}

// TestFileGolden pins every file byte for byte. Run with -update after a
// deliberate change and review the diff of testdata/.
func TestFileGolden(t *testing.T) {
	for _, p := range pipeline.Providers() {
		for _, tc := range []struct {
			suffix string
			opts   pipeline.Options
		}{
			{"", pipeline.Options{}},
			{"-subdir", pipeline.Options{PlinthVersion: "v1.4.0", Dir: "infra/prod"}},
		} {
			t.Run(p+tc.suffix, func(t *testing.T) {
				_, got, err := pipeline.File(p, tc.opts)
				if err != nil {
					t.Fatalf("File: %v", err)
				}
				golden := filepath.Join("testdata", p+tc.suffix+".golden")
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("File(%q) differs from %s (-want +got):\n%s", p, golden, diff)
				}
			})
		}
	}
}

// TestFileCommon checks what every file promises, whatever its format.
func TestFileCommon(t *testing.T) {
	for _, p := range pipeline.Providers() {
		t.Run(p, func(t *testing.T) {
			_, content, err := pipeline.File(p, pipeline.Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := string(content)
			for _, want := range []string{install, "1.26", "plinth deploy", "PLINTH_AGE_KEY", "plinth ci init " + p} {
				if !strings.Contains(s, want) {
					t.Errorf("file does not contain %q", want)
				}
			}
			if !strings.HasSuffix(s, "\n") || strings.Contains(s, "\t") {
				t.Errorf("file must end in a newline and hold no tabs")
			}
			if strings.Contains(s, "AGE-SECRET-KEY-1") && !strings.Contains(s, "AGE-SECRET-KEY-1...") {
				t.Errorf("file holds what looks like a real identity key")
			}
		})
	}
}

func TestFileOptions(t *testing.T) {
	// deployCommands counts `plinth deploy` run as a command, not quoted in a
	// comment.
	deployCommands := func(s string) int {
		return strings.Count(s, "plinth deploy") - strings.Count(s, "`plinth deploy`")
	}
	for _, p := range pipeline.Providers() {
		t.Run(p, func(t *testing.T) {
			_, root, err := pipeline.File(p, pipeline.Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, sub, err := pipeline.File(p, pipeline.Options{PlinthVersion: "1.4.0", Dir: "infra/prod"})
			if err != nil {
				t.Fatal(err)
			}
			n := deployCommands(string(root))
			if n == 0 {
				t.Fatal("no plinth deploy command")
			}
			if got := strings.Count(string(sub), "plinth deploy --cwd=infra/prod"); got != n {
				t.Errorf("%d commands run plinth deploy --cwd=infra/prod, want all %d", got, n)
			}
			if !strings.Contains(string(sub), "cmd/plinth@v1.4.0") || strings.Contains(string(sub), "@latest") {
				t.Errorf("version 1.4.0 is not installed as @v1.4.0")
			}
			_, dot, err := pipeline.File(p, pipeline.Options{Dir: ".", PlinthVersion: "latest"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(root), string(dot)); diff != "" {
				t.Errorf(`Dir "." and version "latest" differ from the defaults (-default +dot):\n%s`, diff)
			}
		})
	}
}

func TestFileBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts pipeline.Options
		want string // in the error
	}{
		{"version with a space", pipeline.Options{PlinthVersion: "v1.0.0; rm -rf /"}, "version"},
		{"devel version", pipeline.Options{PlinthVersion: "(devel)"}, "version"},
		{"branch name as version", pipeline.Options{PlinthVersion: "main"}, "version"},
		{"absolute dir", pipeline.Options{Dir: "/srv/infra"}, "relative"},
		{"dir above the root", pipeline.Options{Dir: "../infra"}, "inside"},
		{"unclean dir", pipeline.Options{Dir: "infra/"}, "clean"},
		{"dir with a quote", pipeline.Options{Dir: "it's"}, "letters"},
		{"dir with a space", pipeline.Options{Dir: "my infra"}, "letters"},
		{"dir with a dollar", pipeline.Options{Dir: "$HOME"}, "letters"},
		{"dir like a flag", pipeline.Options{Dir: "-x"}, "'-'"},
		{"backslashes", pipeline.Options{Dir: `infra\prod`}, "letters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := pipeline.File("github", tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("File(github, %+v) error = %v, want one mentioning %q", tc.opts, err, tc.want)
			}
		})
	}
}

func TestFileIsDeterministic(t *testing.T) {
	for _, p := range pipeline.Providers() {
		_, a, _ := pipeline.File(p, pipeline.Options{Dir: "app"})
		_, b, _ := pipeline.File(p, pipeline.Options{Dir: "app"})
		if !slices.Equal(a, b) {
			t.Errorf("File(%q) gave different bytes for the same input", p)
		}
	}
}
