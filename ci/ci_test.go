package ci_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/ci"
)

// detectCase is one environment and what Detect must make of it.
type detectCase struct {
	name   string
	env    map[string]string
	want   ci.Info
	wantOK bool
}

// lookupIn serves an environment from a map, as os.LookupEnv would.
func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// merge returns the variables of base with those of over laid on top.
func merge(base, over map[string]string) map[string]string {
	m := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		m[k] = v
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

func runDetect(t *testing.T, cases []detectCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := ci.Detect(lookupIn(tc.env), os.ReadFile)
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if ok != tc.wantOK {
				t.Fatalf("Detect ok = %v, want %v (info %+v)", ok, tc.wantOK, got)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Detect mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDetectNoCI(t *testing.T) {
	runDetect(t, []detectCase{
		{name: "empty environment", env: map[string]string{}},
		{name: "a laptop", env: map[string]string{"HOME": "/home/me", "PATH": "/usr/bin", "SHELL": "/bin/zsh"}},
		{name: "CI=true alone names no system", env: map[string]string{"CI": "true"}},
		{name: "PLINTH_CI_AUTHOR alone is not a build", env: map[string]string{"PLINTH_CI_AUTHOR": "me"}},
		{name: "marker set to false", env: map[string]string{"GITHUB_ACTIONS": "false", "BUILDKITE": "false"}},
		{name: "JENKINS_URL for the Jenkins CLI", env: map[string]string{"JENKINS_URL": "https://jenkins.example.com/"}},
	})
}

func TestDetectDisabled(t *testing.T) {
	github := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main",
	}
	for _, v := range []string{"false", "FALSE", "0", "no", "No"} {
		t.Run(v, func(t *testing.T) {
			env := merge(github, map[string]string{"PLINTH_CI": v, "PLINTH_CI_EVENT": "push", "PLINTH_CI_BRANCH": "main"})
			got, ok, err := ci.Detect(lookupIn(env), os.ReadFile)
			if err != nil || ok || got != (ci.Info{}) {
				t.Errorf("PLINTH_CI=%s: Detect = %+v, %v, %v; want nothing detected", v, got, ok, err)
			}
		})
	}
	t.Run("true does not disable", func(t *testing.T) {
		_, ok, err := ci.Detect(lookupIn(merge(github, map[string]string{"PLINTH_CI": "true"})), os.ReadFile)
		if err != nil || !ok {
			t.Errorf("PLINTH_CI=true: ok = %v, err = %v; want GitHub detected", ok, err)
		}
	})
}

func TestDetectGeneric(t *testing.T) {
	runDetect(t, []detectCase{
		{
			name: "full set",
			env: map[string]string{
				"PLINTH_CI_EVENT": "pull_request", "PLINTH_CI_BRANCH": "feature/x", "PLINTH_CI_TARGET_BRANCH": "main",
				"PLINTH_CI_COMMIT": "0123abcd", "PLINTH_CI_PULL_REQUEST": "17", "PLINTH_CI_AUTHOR": "jo",
				"PLINTH_CI_BUILD_URL": "https://ci.example.com/b/9",
			},
			want: ci.Info{
				System: "generic", Event: ci.EventPullRequest, Branch: "feature/x", TargetBranch: "main",
				Commit: "0123abcd", PullRequest: 17, Author: "jo", BuildURL: "https://ci.example.com/b/9",
			},
			wantOK: true,
		},
		{
			name:   "branch alone is a push",
			env:    map[string]string{"PLINTH_CI_BRANCH": "main"},
			want:   ci.Info{System: "generic", Event: ci.EventPush, Branch: "main"},
			wantOK: true,
		},
		{
			name:   "branch and pull request number is a pull request",
			env:    map[string]string{"PLINTH_CI_BRANCH": "fix", "PLINTH_CI_PULL_REQUEST": "#3"},
			want:   ci.Info{System: "generic", Event: ci.EventPullRequest, Branch: "fix", PullRequest: 3},
			wantOK: true,
		},
		{
			name:   "closed event with a system name",
			env:    map[string]string{"PLINTH_CI_SYSTEM": "bamboo", "PLINTH_CI_EVENT": "closed", "PLINTH_CI_BRANCH": "fix"},
			want:   ci.Info{System: "bamboo", Event: ci.EventPullRequestClosed, Branch: "fix"},
			wantOK: true,
		},
		{
			name:   "tag event",
			env:    map[string]string{"PLINTH_CI_EVENT": "Tag", "PLINTH_CI_TAG": "v2.0.0"},
			want:   ci.Info{System: "generic", Event: ci.EventTag, Tag: "v2.0.0"},
			wantOK: true,
		},
	})
}

func TestDetectOverrides(t *testing.T) {
	githubPR := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
		"GITHUB_REF": "refs/pull/42/merge", "GITHUB_HEAD_REF": "feature/read-replica", "GITHUB_BASE_REF": "main",
		"GITHUB_SHA": "d00dfeed00000000000000000000000000000000", "GITHUB_ACTOR": "octocat",
		"GITHUB_EVENT_PATH": "testdata/github/pull_request_opened.json",
	}
	runDetect(t, []detectCase{
		{
			name: "single fields win over the system's",
			env:  merge(githubPR, map[string]string{"PLINTH_CI_TARGET_BRANCH": "staging", "PLINTH_CI_AUTHOR": "robot"}),
			want: ci.Info{
				System: "github", Event: ci.EventPullRequest, Branch: "feature/read-replica", TargetBranch: "staging",
				Commit: "9f2c1e7b4a8d3f6e5c0b1a2d3e4f5a6b7c8d9e0f", PullRequest: 42, Author: "robot",
			},
			wantOK: true,
		},
		{
			name: "event and branch win, the system name stays",
			env:  merge(githubPR, map[string]string{"PLINTH_CI_EVENT": "push", "PLINTH_CI_BRANCH": "main"}),
			want: ci.Info{
				System: "github", Event: ci.EventPush, Branch: "main", TargetBranch: "main",
				Commit: "9f2c1e7b4a8d3f6e5c0b1a2d3e4f5a6b7c8d9e0f", PullRequest: 42, Author: "octocat",
			},
			wantOK: true,
		},
		{
			name: "system name can be replaced",
			env:  merge(githubPR, map[string]string{"PLINTH_CI_SYSTEM": "github-enterprise"}),
			want: ci.Info{
				System: "github-enterprise", Event: ci.EventPullRequest, Branch: "feature/read-replica", TargetBranch: "main",
				Commit: "9f2c1e7b4a8d3f6e5c0b1a2d3e4f5a6b7c8d9e0f", PullRequest: 42, Author: "octocat",
			},
			wantOK: true,
		},
	})
}

// TestDetectOrder pins which system wins when several markers are set.
func TestDetectOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"gitea before github", map[string]string{"GITEA_ACTIONS": "true", "GITHUB_ACTIONS": "true"}, "gitea"},
		{"forgejo is gitea", map[string]string{"FORGEJO_ACTIONS": "true", "GITHUB_ACTIONS": "true"}, "gitea"},
		{"woodpecker before gitlab", map[string]string{"CI": "woodpecker", "GITLAB_CI": "true"}, "woodpecker"},
		{"woodpecker before drone", map[string]string{"CI": "woodpecker", "DRONE": "true"}, "woodpecker"},
		{"drone says CI=drone", map[string]string{"CI": "drone", "DRONE": "true"}, "drone"},
		{"github runner hosted by codebuild", map[string]string{"GITHUB_ACTIONS": "true", "CODEBUILD_BUILD_ID": "runner:1"}, "github"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := ci.Detect(lookupIn(tc.env), os.ReadFile)
			if err != nil || !ok || got.System != tc.want {
				t.Errorf("Detect = %+v, %v, %v; want system %q", got, ok, err, tc.want)
			}
		})
	}
}

func TestDetectErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   map[string]string
		names []string // what the error must name
	}{
		{
			name:  "github payload missing",
			env:   map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": "testdata/github/no-such-file.json"},
			names: []string{"GITHUB_EVENT_PATH", "testdata/github/no-such-file.json"},
		},
		{
			name:  "github payload truncated",
			env:   map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": "testdata/github/truncated.json"},
			names: []string{"GITHUB_EVENT_PATH", "testdata/github/truncated.json"},
		},
		{
			name:  "github payload of another event",
			env:   map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": "testdata/github/issue_comment.json"},
			names: []string{"GITHUB_EVENT_PATH", "testdata/github/issue_comment.json", "pull_request"},
		},
		{
			name:  "github delete without payload",
			env:   map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "delete"},
			names: []string{"GITHUB_EVENT_PATH"},
		},
		{
			name:  "gitea payload is a directory",
			env:   map[string]string{"GITEA_ACTIONS": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": "testdata"},
			names: []string{"GITHUB_EVENT_PATH", "testdata"},
		},
		{
			name:  "gitlab merge request iid",
			env:   map[string]string{"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "!12"},
			names: []string{"CI_MERGE_REQUEST_IID", "!12"},
		},
		{
			name:  "circleci pull request url",
			env:   map[string]string{"CIRCLECI": "true", "CIRCLE_PULL_REQUEST": "https://github.com/acme/webapp/pulls"},
			names: []string{"CIRCLE_PULL_REQUEST", "https://github.com/acme/webapp/pulls"},
		},
		{
			name:  "travis pull request",
			env:   map[string]string{"TRAVIS": "true", "TRAVIS_EVENT_TYPE": "pull_request", "TRAVIS_PULL_REQUEST": "false"},
			names: []string{"TRAVIS_PULL_REQUEST"},
		},
		{
			name:  "jenkins change id",
			env:   map[string]string{"JENKINS_URL": "https://jenkins.example.com/", "BUILD_ID": "3", "CHANGE_ID": "I8473b95934b5732ac55d26311a706c9c2bde9940"},
			names: []string{"CHANGE_ID"},
		},
		{
			name:  "codebuild source version",
			env:   map[string]string{"CODEBUILD_BUILD_ID": "webapp:1", "CODEBUILD_WEBHOOK_EVENT": "PULL_REQUEST_CREATED", "CODEBUILD_SOURCE_VERSION": "pr/abc"},
			names: []string{"CODEBUILD_SOURCE_VERSION", "pr/abc"},
		},
		{
			name:  "azure pull request id",
			env:   map[string]string{"TF_BUILD": "True", "BUILD_REASON": "PullRequest", "SYSTEM_PULLREQUEST_PULLREQUESTID": "x7"},
			names: []string{"SYSTEM_PULLREQUEST_PULLREQUESTID"},
		},
		{
			name:  "bitbucket pull request id",
			env:   map[string]string{"BITBUCKET_BUILD_NUMBER": "7", "BITBUCKET_PR_ID": "-1"},
			names: []string{"BITBUCKET_PR_ID"},
		},
		{
			name:  "buildkite pull request",
			env:   map[string]string{"BUILDKITE": "true", "BUILDKITE_PULL_REQUEST": "yes"},
			names: []string{"BUILDKITE_PULL_REQUEST"},
		},
		{
			name:  "drone pull request",
			env:   map[string]string{"DRONE": "true", "DRONE_BUILD_EVENT": "pull_request", "DRONE_PULL_REQUEST": "1.5"},
			names: []string{"DRONE_PULL_REQUEST"},
		},
		{
			name:  "woodpecker pull request",
			env:   map[string]string{"CI": "woodpecker", "CI_PIPELINE_EVENT": "pull_request", "CI_COMMIT_PULL_REQUEST": "abc"},
			names: []string{"CI_COMMIT_PULL_REQUEST"},
		},
		{
			name:  "appveyor pull request",
			env:   map[string]string{"APPVEYOR": "True", "APPVEYOR_PULL_REQUEST_NUMBER": "0"},
			names: []string{"APPVEYOR_PULL_REQUEST_NUMBER"},
		},
		{
			name:  "semaphore pull request",
			env:   map[string]string{"SEMAPHORE": "true", "SEMAPHORE_GIT_REF_TYPE": "pull-request", "SEMAPHORE_GIT_PR_NUMBER": "n/a"},
			names: []string{"SEMAPHORE_GIT_PR_NUMBER"},
		},
		{
			name:  "generic pull request",
			env:   map[string]string{"PLINTH_CI_BRANCH": "x", "PLINTH_CI_PULL_REQUEST": "%teamcity.pullRequest.number%"},
			names: []string{"PLINTH_CI_PULL_REQUEST", "%teamcity.pullRequest.number%"},
		},
		{
			name:  "generic event",
			env:   map[string]string{"PLINTH_CI_EVENT": "merge_request"},
			names: []string{"PLINTH_CI_EVENT", "merge_request", "pull_request"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := ci.Detect(lookupIn(tc.env), os.ReadFile)
			if err == nil {
				t.Fatalf("Detect = %+v, %v, nil; want an error", got, ok)
			}
			if ok || got != (ci.Info{}) {
				t.Errorf("Detect with error returned %+v, %v; want nothing", got, ok)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is more than one line", msg)
			}
			for _, n := range tc.names {
				if !strings.Contains(msg, n) {
					t.Errorf("error %q does not name %q", msg, n)
				}
			}
		})
	}
}

// A reader that fails with several lines still gives a one-line error.
func TestDetectReaderErrorIsOneLine(t *testing.T) {
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": "/run/event.json"}
	readFile := func(string) ([]byte, error) {
		return nil, errors.New("open /run/event.json:\n  permission denied")
	}
	_, _, err := ci.Detect(lookupIn(env), readFile)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "GITHUB_EVENT_PATH") {
		t.Errorf("Detect error = %v; want one line naming GITHUB_EVENT_PATH", err)
	}
}

// Info is recorded in stack history as JSON; the field names are part of the
// contract.
func TestInfoJSON(t *testing.T) {
	info := ci.Info{
		System: "github", Event: ci.EventPullRequest, Branch: "fix", TargetBranch: "main", Commit: "abc",
		PullRequest: 4, Author: "octocat", BuildURL: "https://github.com/a/b/actions/runs/1",
	}
	got, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"system":"github","event":"pull_request","branch":"fix","targetBranch":"main","commit":"abc","pullRequest":4,"author":"octocat","buildURL":"https://github.com/a/b/actions/runs/1"}`
	if string(got) != want {
		t.Errorf("json.Marshal(Info) = %s, want %s", got, want)
	}
	got, _ = json.Marshal(ci.Info{System: "generic"})
	if string(got) != `{"system":"generic"}` {
		t.Errorf("json.Marshal(empty Info) = %s, want only the system", got)
	}
}
