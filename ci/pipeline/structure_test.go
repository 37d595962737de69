package pipeline_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/plinth-iac/plinth/ci/pipeline"
)

// The structure tests parse each file the way its CI system would and check
// the keys that system requires, that `plinth deploy` runs on the events
// promised, and that PLINTH_AGE_KEY comes from the system's secret store.

// file returns the provider's file for the default options, parsed as YAML.
func file(t *testing.T, p string) (string, map[string]any) {
	t.Helper()
	_, content, err := pipeline.File(p, pipeline.Options{})
	if err != nil {
		t.Fatalf("File(%q): %v", p, err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(content, &doc); err != nil {
		t.Fatalf("File(%q) is not YAML: %v\n%s", p, err, content)
	}
	return string(content), doc
}

// at walks maps and lists: a string key indexes a map, an int a list.
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for i, k := range path {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v is not a map (it is %T)", path[:i], v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("%v has no key %q", path[:i], k)
			}
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v is not a list with an item %d", path[:i], k)
			}
			v = l[k]
		}
	}
	return v
}

func mapAt(t *testing.T, v any, path ...any) map[string]any {
	t.Helper()
	m, ok := at(t, v, path...).(map[string]any)
	if !ok {
		t.Fatalf("%v is not a map", path)
	}
	return m
}

func listAt(t *testing.T, v any, path ...any) []any {
	t.Helper()
	l, ok := at(t, v, path...).([]any)
	if !ok || len(l) == 0 {
		t.Fatalf("%v is not a non-empty list", path)
	}
	return l
}

// text joins every string below v, for "does this run X" checks.
func text(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v + "\n")
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return b.String()
}

// runsDeploy reports whether a command or script in v runs plinth deploy.
func runsDeploy(v any) bool {
	for _, line := range strings.Split(text(v), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "plinth deploy") || strings.Contains(line, "&& plinth deploy") || strings.Contains(line, "; plinth deploy") {
			return true
		}
	}
	return false
}

func TestGitHubStructure(t *testing.T) {
	_, doc := file(t, "github")
	on := mapAt(t, doc, "on")
	if _, ok := on["push"]; !ok {
		t.Error("on: has no push")
	}
	types := listAt(t, on, "pull_request", "types")
	if got, want := fmt.Sprint(types), "[opened synchronize reopened closed]"; got != want {
		t.Errorf("on.pull_request.types = %s, want %s", got, want)
	}
	jobs := mapAt(t, doc, "jobs")
	if len(jobs) == 0 {
		t.Fatal("no jobs")
	}
	deploys := 0
	for name := range jobs {
		if _, ok := at(t, jobs, name, "runs-on").(string); !ok {
			t.Errorf("jobs.%s.runs-on is not a string", name)
		}
		for i, step := range listAt(t, jobs, name, "steps") {
			s := step.(map[string]any)
			if uses, _ := s["uses"].(string); strings.HasPrefix(uses, "actions/setup-go@") {
				if v := at(t, s, "with", "go-version"); v != "1.26" {
					t.Errorf("setup-go go-version = %v, want 1.26", v)
				}
			}
			if !runsDeploy(s["run"]) {
				continue
			}
			deploys++
			if got := at(t, s, "env", "PLINTH_AGE_KEY"); got != "${{ secrets.PLINTH_AGE_KEY }}" {
				t.Errorf("jobs.%s.steps[%d].env.PLINTH_AGE_KEY = %v, want the repository secret", name, i, got)
			}
		}
	}
	if deploys != 1 {
		t.Errorf("%d steps run plinth deploy, want 1", deploys)
	}
}

func TestGitLabStructure(t *testing.T) {
	_, doc := file(t, "gitlab")
	stages := listAt(t, doc, "stages")
	if at(t, doc, "default", "image") != "golang:1.26" {
		t.Errorf("default.image = %v, want golang:1.26", at(t, doc, "default", "image"))
	}
	if !strings.Contains(text(at(t, doc, "default", "before_script")), "$PLINTH_AGE_KEY") {
		t.Error("before_script does not check the CI/CD variable PLINTH_AGE_KEY")
	}
	reserved := []string{"stages", "workflow", "default", "variables", "include", "image", "services", "before_script", "after_script", "cache"}
	jobs := map[string]map[string]any{}
	for name, v := range doc {
		if slices.Contains(reserved, name) || strings.HasPrefix(name, ".") {
			continue
		}
		job := v.(map[string]any)
		jobs[name] = job
		if !slices.Contains(stages, at(t, job, "stage")) {
			t.Errorf("job %s: stage %v is not in stages %v", name, job["stage"], stages)
		}
		listAt(t, job, "script")
		listAt(t, job, "rules")
		if !runsDeploy(job["script"]) {
			t.Errorf("job %s does not run plinth deploy", name)
		}
	}
	var branch, mr bool
	for _, job := range jobs {
		rules := text(job["rules"])
		branch = branch || strings.Contains(rules, `!= "merge_request_event"`)
		mr = mr || strings.Contains(rules, `== "merge_request_event"`)
	}
	if !branch || !mr {
		t.Errorf("no job for branch pipelines (%v) or for merge request pipelines (%v)", branch, mr)
	}
	// The closed event: a merge request job's environment names a stop job
	// with the same environment and action stop.
	stops := 0
	for name, job := range jobs {
		env, ok := job["environment"].(map[string]any)
		if !ok || env["on_stop"] == nil {
			continue
		}
		stop, ok := jobs[env["on_stop"].(string)]
		if !ok {
			t.Fatalf("job %s: on_stop %v is not a job", name, env["on_stop"])
		}
		if at(t, stop, "environment", "action") != "stop" || at(t, stop, "environment", "name") != env["name"] {
			t.Errorf("stop job %v does not stop environment %v", env["on_stop"], env["name"])
		}
		if !strings.Contains(text(stop["rules"]), "manual") {
			t.Errorf("stop job %v is not manual, so it would run in every pipeline", env["on_stop"])
		}
		stops++
	}
	if stops != 1 {
		t.Errorf("%d environments with a stop job, want 1", stops)
	}
}

func TestCircleCIStructure(t *testing.T) {
	_, doc := file(t, "circleci")
	if v := at(t, doc, "version"); v != 2.1 {
		t.Errorf("version = %v, want 2.1", v)
	}
	job := mapAt(t, doc, "jobs", "deploy")
	if img := at(t, job, "docker", 0, "image"); img != "cimg/go:1.26" {
		t.Errorf("image = %v, want cimg/go:1.26", img)
	}
	steps := listAt(t, job, "steps")
	if !runsDeploy(steps) {
		t.Error("jobs.deploy does not run plinth deploy")
	}
	if !strings.Contains(text(steps), "$PLINTH_AGE_KEY") {
		t.Error("jobs.deploy does not check PLINTH_AGE_KEY")
	}
	for name := range mapAt(t, doc, "workflows") {
		entry := mapAt(t, doc, "workflows", name, "jobs", 0)
		ctx := listAt(t, entry, "deploy", "context")
		if !slices.Contains(ctx, any("plinth")) {
			t.Errorf("workflow %s runs deploy without the context plinth (%v)", name, ctx)
		}
	}
}

func TestTravisStructure(t *testing.T) {
	content, doc := file(t, "travis")
	if at(t, doc, "language") != "go" {
		t.Errorf("language = %v, want go", doc["language"])
	}
	if v := listAt(t, doc, "go"); !slices.Contains(v, any("1.26.x")) {
		t.Errorf("go = %v, want 1.26.x", v)
	}
	script := listAt(t, doc, "script")
	if !runsDeploy(script) {
		t.Error("script does not run plinth deploy")
	}
	if !strings.Contains(text(script), "$PLINTH_AGE_KEY") || !strings.Contains(content, "travis encrypt PLINTH_AGE_KEY=") {
		t.Error("PLINTH_AGE_KEY is neither checked nor explained as an encrypted variable")
	}
}

func TestCodeBuildStructure(t *testing.T) {
	_, doc := file(t, "codebuild")
	if v := at(t, doc, "version"); v != 0.2 {
		t.Errorf("version = %v, want 0.2", v)
	}
	if v := at(t, doc, "env", "secrets-manager", "PLINTH_AGE_KEY"); v != "plinth/age-key" {
		t.Errorf("env.secrets-manager.PLINTH_AGE_KEY = %v, want plinth/age-key", v)
	}
	if v := at(t, doc, "phases", "install", "runtime-versions", "golang"); fmt.Sprint(v) != "1.26" {
		t.Errorf("runtime-versions.golang = %v, want 1.26", v)
	}
	if !runsDeploy(listAt(t, doc, "phases", "build", "commands")) {
		t.Error("phases.build.commands does not run plinth deploy")
	}
}

func TestAzureStructure(t *testing.T) {
	_, doc := file(t, "azure")
	for _, k := range []string{"trigger", "pr"} {
		if !slices.Contains(listAt(t, doc, k, "branches", "include"), any("*")) {
			t.Errorf("%s does not include every branch", k)
		}
	}
	if !slices.ContainsFunc(listAt(t, doc, "variables"), func(v any) bool { return v.(map[string]any)["group"] == "plinth" }) {
		t.Error("variables does not use the group plinth")
	}
	deploys := 0
	for i, step := range listAt(t, doc, "steps") {
		s := step.(map[string]any)
		if s["task"] == "GoTool@0" && !strings.HasPrefix(fmt.Sprint(at(t, s, "inputs", "version")), "1.26") {
			t.Errorf("GoTool version = %v, want 1.26.x", at(t, s, "inputs", "version"))
		}
		if !runsDeploy(s["script"]) {
			continue
		}
		deploys++
		if v := at(t, s, "env", "PLINTH_AGE_KEY"); v != "$(PLINTH_AGE_KEY)" {
			t.Errorf("steps[%d].env.PLINTH_AGE_KEY = %v, want the secret variable mapped in", i, v)
		}
	}
	if deploys != 1 {
		t.Errorf("%d steps run plinth deploy, want 1", deploys)
	}
}

func TestBitbucketStructure(t *testing.T) {
	_, doc := file(t, "bitbucket")
	if at(t, doc, "image") != "golang:1.26" {
		t.Errorf("image = %v, want golang:1.26", doc["image"])
	}
	for _, kind := range []string{"branches", "pull-requests"} {
		for pattern := range mapAt(t, doc, "pipelines", kind) {
			script := listAt(t, doc, "pipelines", kind, pattern, 0, "step", "script")
			if !runsDeploy(script) {
				t.Errorf("pipelines.%s.%s does not run plinth deploy", kind, pattern)
			}
			if !strings.Contains(text(script), "$PLINTH_AGE_KEY") {
				t.Errorf("pipelines.%s.%s does not check the secured variable PLINTH_AGE_KEY", kind, pattern)
			}
		}
	}
}

func TestBuildkiteStructure(t *testing.T) {
	_, doc := file(t, "buildkite")
	for i, step := range listAt(t, doc, "steps") {
		s := step.(map[string]any)
		cmd, _ := s["command"].(string)
		if !strings.Contains(cmd, "plinth deploy") {
			t.Errorf("steps[%d].command does not run plinth deploy: %q", i, cmd)
		}
		// Buildkite interpolates $VAR at upload; the shell must get them.
		if strings.Contains(strings.ReplaceAll(cmd, "$$", ""), "$") {
			t.Errorf("steps[%d].command has a $ Buildkite would interpolate: %q", i, cmd)
		}
		if !slices.Contains(listAt(t, s, "secrets"), any("PLINTH_AGE_KEY")) {
			t.Errorf("steps[%d] does not take the secret PLINTH_AGE_KEY", i)
		}
		docker := mapAt(t, s, "plugins", 0)
		for name, cfg := range docker {
			if !strings.HasPrefix(name, "docker#") {
				t.Errorf("plugin %s is not the docker plugin", name)
				continue
			}
			if at(t, cfg, "image") != "golang:1.26" {
				t.Errorf("docker image = %v, want golang:1.26", at(t, cfg, "image"))
			}
			if !slices.Contains(listAt(t, cfg, "environment"), any("PLINTH_AGE_KEY")) || at(t, cfg, "propagate-environment") != true {
				t.Error("the container does not get PLINTH_AGE_KEY and the BUILDKITE_* variables")
			}
		}
	}
}

func TestJenkinsStructure(t *testing.T) {
	_, content, err := pipeline.File("jenkins", pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := string(content)
	for _, want := range []string{
		"pipeline {", "agent {", "stages {", "steps {",
		"image 'golang:1.26'",
		"PLINTH_AGE_KEY = credentials('plinth-age-key')",
		"&& plinth deploy",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Jenkinsfile does not contain %q", want)
		}
	}
	if err := balanced(s); err != nil {
		t.Errorf("Jenkinsfile: %v", err)
	}
}

// balanced checks that braces and parentheses pair up in Groovy source,
// outside comments and string literals.
func balanced(src string) error {
	var stack []rune
	pairs := map[rune]rune{'}': '{', ')': '('}
	line := 1
	for i := 0; i < len(src); i++ {
		c := rune(src[i])
		switch {
		case c == '\n':
			line++
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			line++
		case c == '\'' || c == '"':
			end := strings.IndexRune(src[i+1:], c)
			if end < 0 || strings.ContainsRune(src[i+1:i+1+end], '\n') {
				return fmt.Errorf("line %d: string not closed on its line", line)
			}
			i += end + 1
		case c == '{' || c == '(':
			stack = append(stack, c)
		case c == '}' || c == ')':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return fmt.Errorf("line %d: unmatched %c", line, c)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		return fmt.Errorf("%d unclosed %q at the end", len(stack), string(stack))
	}
	return nil
}

// The checker itself must catch what it is there to catch.
func TestBalanced(t *testing.T) {
	for src, ok := range map[string]bool{
		"pipeline { stages { } }":              true,
		`x = "${a}" // }`:                      true,
		"pipeline { stages { }":                false,
		"pipeline { stages ( } )":              false,
		"sh 'echo }'\n}":                       false,
		"environment { K = credentials('k') }": true,
	} {
		if err := balanced(src); (err == nil) != ok {
			t.Errorf("balanced(%q) = %v, want ok %v", src, err, ok)
		}
	}
}
