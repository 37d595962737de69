package pipeline

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"text/template"
)

// Options shapes the pipeline file.
type Options struct {
	// PlinthVersion is the version `go install` fetches: "" or "latest" for
	// the newest release, else a version such as "v1.4.0" ("1.4.0" is read as
	// "v1.4.0"). Callers built from source (version "(devel)") pass "".
	PlinthVersion string
	// Dir is the project directory (where Plinth.yaml is) relative to the
	// repository root, with forward slashes; "" or "." is the root.
	Dir string
}

// provider is one CI system's pipeline file.
type provider struct {
	name     string
	path     string // where the file goes, relative to the repository root
	template string // text/template source, delimited by [[ and ]]
}

// providers lists the supported systems in the order Providers reports them.
func providers() []provider {
	return []provider{
		{"github", ".github/workflows/plinth.yml", githubTemplate},
		{"gitlab", ".gitlab-ci.yml", gitlabTemplate},
		{"circleci", ".circleci/config.yml", circleciTemplate},
		{"travis", ".travis.yml", travisTemplate},
		{"jenkins", "Jenkinsfile", jenkinsTemplate},
		{"codebuild", "buildspec.yml", codebuildTemplate},
		{"azure", "azure-pipelines.yml", azureTemplate},
		{"bitbucket", "bitbucket-pipelines.yml", bitbucketTemplate},
		{"buildkite", ".buildkite/pipeline.yml", buildkiteTemplate},
	}
}

// Providers lists the supported systems in order: github gitlab circleci
// travis jenkins codebuild azure bitbucket buildkite.
func Providers() []string {
	ps := providers()
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.name
	}
	return names
}

// File returns the path (relative to the repo root) and content of a pipeline
// file for provider p.
//
// It fails for an unknown provider (the error lists the valid ones), and for
// a PlinthVersion or Dir that cannot be written safely into a shell command.
func File(p string, opts Options) (path string, content []byte, err error) {
	var prov *provider
	for _, candidate := range providers() {
		if candidate.name == p {
			prov = &candidate
			break
		}
	}
	if prov == nil {
		return "", nil, fmt.Errorf("pipeline: unknown CI provider %q; valid providers: %s", p, strings.Join(Providers(), ", "))
	}

	version, err := installVersion(opts.PlinthVersion)
	if err != nil {
		return "", nil, err
	}
	dir, err := projectDir(opts.Dir)
	if err != nil {
		return "", nil, err
	}
	d := data{
		Provider:  prov.name,
		GoVersion: goVersion,
		Install:   "go install " + modulePath + "@" + version,
		Cwd:       "",
	}
	if dir != "" {
		d.Cwd = " --cwd=" + dir
	}

	t, err := template.New(prov.name).Delims("[[", "]]").Option("missingkey=error").Parse(prov.template)
	if err != nil {
		return "", nil, fmt.Errorf("pipeline: %s template: %v", prov.name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", nil, fmt.Errorf("pipeline: %s template: %v", prov.name, err)
	}
	return prov.path, b.Bytes(), nil
}

const (
	modulePath = "github.com/plinth-iac/plinth/cmd/plinth"
	// goVersion is the Go release Plinth's go.mod asks for.
	goVersion = "1.26"
)

// data is what a template fills in.
type data struct {
	Provider  string // the provider's name, for `plinth ci init NAME`
	GoVersion string // "1.26"
	Install   string // the `go install` command
	Cwd       string // " --cwd=DIR" for a project below the root, else ""
}

// installVersion turns Options.PlinthVersion into a version query for
// `go install`.
func installVersion(v string) (string, error) {
	if v == "" || v == "latest" {
		return "latest", nil
	}
	if v[0] >= '0' && v[0] <= '9' {
		v = "v" + v
	}
	if !safe(v, "+") || !strings.HasPrefix(v, "v") {
		return "", fmt.Errorf("pipeline: Plinth version %q is not a release version such as v1.4.0 (or latest)", v)
	}
	return v, nil
}

// projectDir checks Options.Dir: a clean relative path below the repository
// root whose characters need no quoting in YAML, Groovy or a shell.
func projectDir(dir string) (string, error) {
	if dir == "" || dir == "." {
		return "", nil
	}
	bad := func(why string) error {
		return fmt.Errorf("pipeline: project directory %q %s", dir, why)
	}
	if !safe(dir, "/") {
		return "", bad("may hold only letters, digits, '.', '_', '-' and '/'")
	}
	if strings.HasPrefix(dir, "/") {
		return "", bad("must be relative to the repository root")
	}
	if path.Clean(dir) != dir {
		return "", bad(fmt.Sprintf("is not clean; use %q", path.Clean(dir)))
	}
	for _, part := range strings.Split(dir, "/") {
		if part == ".." {
			return "", bad("must stay inside the repository")
		}
		if strings.HasPrefix(part, "-") {
			return "", bad("has a part starting with '-'")
		}
	}
	return dir, nil
}

// safe reports whether s is made only of letters, digits, '.', '_', '-' and
// the extra characters.
func safe(s, extra string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '.', r == '_', r == '-':
		case strings.ContainsRune(extra, r):
		default:
			return false
		}
	}
	return s != ""
}
