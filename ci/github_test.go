package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

// githubBase is what every GitHub Actions job has.
func githubBase() map[string]string {
	return map[string]string{
		"CI":                "true",
		"GITHUB_ACTIONS":    "true",
		"GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_API_URL":    "https://api.github.com",
		"GITHUB_REPOSITORY": "acme/webapp",
		"GITHUB_RUN_ID":     "13579246801",
		"GITHUB_RUN_NUMBER": "311",
		"GITHUB_WORKFLOW":   "plinth",
		"GITHUB_WORKSPACE":  "/home/runner/work/webapp/webapp",
		"RUNNER_OS":         "Linux",
	}
}

const githubRun = "https://github.com/acme/webapp/actions/runs/13579246801"

func TestDetectGitHub(t *testing.T) {
	runDetect(t, []detectCase{
		{
			name: "push to main",
			env: merge(githubBase(), map[string]string{
				"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "GITHUB_REF_NAME": "main", "GITHUB_REF_TYPE": "branch",
				"GITHUB_SHA": "c0ffee1234567890abcdef1234567890abcdef12", "GITHUB_ACTOR": "hubot",
				"GITHUB_HEAD_REF": "", "GITHUB_BASE_REF": "",
				"GITHUB_EVENT_PATH": "testdata/github/push.json",
			}),
			want: ci.Info{
				System: "github", Event: ci.EventPush, Branch: "main",
				Commit: "c0ffee1234567890abcdef1234567890abcdef12", Author: "hubot", BuildURL: githubRun,
			},
			wantOK: true,
		},
		{
			name: "push of a branch with a slash",
			env: merge(githubBase(), map[string]string{
				"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/release/2026-03", "GITHUB_SHA": "aaaa", "GITHUB_ACTOR": "hubot",
			}),
			want:   ci.Info{System: "github", Event: ci.EventPush, Branch: "release/2026-03", Commit: "aaaa", Author: "hubot", BuildURL: githubRun},
			wantOK: true,
		},
		{
			name: "pull request opened",
			env: merge(githubBase(), map[string]string{
				"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/42/merge", "GITHUB_REF_NAME": "42/merge",
				"GITHUB_HEAD_REF": "feature/read-replica", "GITHUB_BASE_REF": "main",
				"GITHUB_SHA":   "e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6e7e8e9e0", // the merge commit GitHub made
				"GITHUB_ACTOR": "octocat", "GITHUB_EVENT_PATH": "testdata/github/pull_request_opened.json",
			}),
			want: ci.Info{
				System: "github", Event: ci.EventPullRequest, Branch: "feature/read-replica", TargetBranch: "main",
				Commit: "9f2c1e7b4a8d3f6e5c0b1a2d3e4f5a6b7c8d9e0f", PullRequest: 42, Author: "octocat", BuildURL: githubRun,
			},
			wantOK: true,
		},
		{
			name: "pull request closed by merge",
			env: merge(githubBase(), map[string]string{
				"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/42/merge",
				"GITHUB_HEAD_REF": "feature/read-replica", "GITHUB_BASE_REF": "main",
				"GITHUB_SHA": "c0ffee1234567890abcdef1234567890abcdef12", "GITHUB_ACTOR": "hubot",
				"GITHUB_EVENT_PATH": "testdata/github/pull_request_closed.json",
			}),
			want: ci.Info{
				System: "github", Event: ci.EventPullRequestClosed, Branch: "feature/read-replica", TargetBranch: "main",
				Commit: "9f2c1e7b4a8d3f6e5c0b1a2d3e4f5a6b7c8d9e0f", PullRequest: 42, Author: "octocat", BuildURL: githubRun,
			},
			wantOK: true,
		},
		{
			name: "pull_request_target from a fork",
			env: merge(githubBase(), map[string]string{
				"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_REF": "refs/heads/main",
				"GITHUB_HEAD_REF": "fix-typo", "GITHUB_BASE_REF": "main",
				"GITHUB_SHA": "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", "GITHUB_ACTOR": "forker",
				"GITHUB_EVENT_PATH": "testdata/github/pull_request_target_synchronize.json",
			}),
			want: ci.Info{
				System: "github", Event: ci.EventPullRequest, Branch: "fix-typo", TargetBranch: "main",
				Commit: "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f", PullRequest: 57, Author: "forker", BuildURL: githubRun,
			},
			wantOK: true,
		},
		{
			name: "pull request without a payload falls back to the ref",
			env: merge(githubBase(), map[string]string{
				"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/42/merge",
				"GITHUB_HEAD_REF": "feature/read-replica", "GITHUB_BASE_REF": "main",
				"GITHUB_SHA": "e1e2", "GITHUB_ACTOR": "octocat",
			}),
			want: ci.Info{
				System: "github", Event: ci.EventPullRequest, Branch: "feature/read-replica", TargetBranch: "main",
				Commit: "e1e2", PullRequest: 42, Author: "octocat", BuildURL: githubRun,
			},
			wantOK: true,
		},
		{
			name: "tag push",
			env: merge(githubBase(), map[string]string{
				"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/tags/v1.4.0", "GITHUB_REF_TYPE": "tag",
				"GITHUB_SHA": "c0ffee12", "GITHUB_ACTOR": "octocat",
			}),
			want:   ci.Info{System: "github", Event: ci.EventTag, Tag: "v1.4.0", Commit: "c0ffee12", Author: "octocat", BuildURL: githubRun},
			wantOK: true,
		},
		{
			name: "branch deleted",
			env: merge(githubBase(), map[string]string{
				"GITHUB_EVENT_NAME": "delete", "GITHUB_REF": "refs/heads/main", // the default branch, not the deleted one
				"GITHUB_SHA": "c0ffee12", "GITHUB_ACTOR": "octocat",
				"GITHUB_EVENT_PATH": "testdata/github/delete_branch.json",
			}),
			want: ci.Info{
				System: "github", Event: ci.EventPullRequestClosed, Branch: "feature/read-replica",
				Commit: "c0ffee12", Author: "octocat", BuildURL: githubRun,
			},
			wantOK: true,
		},
		{
			name: "tag deleted is not acted on",
			env: merge(githubBase(), map[string]string{
				"GITHUB_EVENT_NAME": "delete", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "c0ffee12", "GITHUB_ACTOR": "octocat",
				"GITHUB_EVENT_PATH": "testdata/github/delete_tag.json",
			}),
			want:   ci.Info{System: "github", Tag: "v1.4.0", Commit: "c0ffee12", Author: "octocat", BuildURL: githubRun},
			wantOK: true,
		},
		{
			name: "workflow_dispatch",
			env: merge(githubBase(), map[string]string{
				"GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_REF": "refs/heads/staging", "GITHUB_SHA": "beef", "GITHUB_ACTOR": "octocat",
			}),
			want:   ci.Info{System: "github", Event: ci.EventManual, Branch: "staging", Commit: "beef", Author: "octocat", BuildURL: githubRun},
			wantOK: true,
		},
		{
			name: "schedule",
			env: merge(githubBase(), map[string]string{
				"GITHUB_EVENT_NAME": "schedule", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "beef", "GITHUB_ACTOR": "octocat",
			}),
			want:   ci.Info{System: "github", Event: ci.EventUnknown, Branch: "main", Commit: "beef", Author: "octocat", BuildURL: githubRun},
			wantOK: true,
		},
		{
			name: "enterprise server without a run id has no build URL",
			env: map[string]string{
				"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.example.com", "GITHUB_REPOSITORY": "infra/webapp",
				"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main",
			},
			want:   ci.Info{System: "github", Event: ci.EventPush, Branch: "main"},
			wantOK: true,
		},
	})
}

// giteaBase is what a Gitea Actions job has: GitHub's variables, a server URL
// ending in a slash, and a run id that is not the run page's number.
func giteaBase() map[string]string {
	return map[string]string{
		"CI":                "true",
		"GITEA_ACTIONS":     "true",
		"GITHUB_ACTIONS":    "true",
		"GITHUB_SERVER_URL": "https://git.example.com/",
		"GITHUB_REPOSITORY": "infra/webapp",
		"GITHUB_RUN_ID":     "1399",
		"GITHUB_RUN_NUMBER": "148",
	}
}

const giteaRun = "https://git.example.com/infra/webapp/actions/runs/148"

func TestDetectGitea(t *testing.T) {
	runDetect(t, []detectCase{
		{
			name: "push",
			env: merge(giteaBase(), map[string]string{
				"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "3f1e2d3c", "GITHUB_ACTOR": "alice",
			}),
			want:   ci.Info{System: "gitea", Event: ci.EventPush, Branch: "main", Commit: "3f1e2d3c", Author: "alice", BuildURL: giteaRun},
			wantOK: true,
		},
		{
			name: "pull request closed without merge",
			env: merge(giteaBase(), map[string]string{
				"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/7/head", "GITHUB_REF_NAME": "7/head",
				"GITHUB_HEAD_REF": "bigger-instances", "GITHUB_BASE_REF": "staging",
				"GITHUB_SHA": "ab12cd34", "GITHUB_ACTOR": "alice",
				"GITHUB_EVENT_PATH": "testdata/gitea/pull_request_closed.json",
			}),
			want: ci.Info{
				System: "gitea", Event: ci.EventPullRequestClosed, Branch: "bigger-instances", TargetBranch: "staging",
				Commit: "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12", PullRequest: 7, Author: "alice", BuildURL: giteaRun,
			},
			wantOK: true,
		},
		{
			name: "forgejo pull request without payload",
			env: map[string]string{
				"FORGEJO_ACTIONS": "true", "GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://codeberg.org",
				"GITHUB_REPOSITORY": "me/site", "GITHUB_RUN_NUMBER": "9",
				"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/3/head",
				"GITHUB_HEAD_REF": "typo", "GITHUB_BASE_REF": "main", "GITHUB_SHA": "0bad", "GITHUB_ACTOR": "me",
			},
			want: ci.Info{
				System: "gitea", Event: ci.EventPullRequest, Branch: "typo", TargetBranch: "main",
				Commit: "0bad", PullRequest: 3, Author: "me", BuildURL: "https://codeberg.org/me/site/actions/runs/9",
			},
			wantOK: true,
		},
		{
			name: "tag",
			env: merge(giteaBase(), map[string]string{
				"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/tags/v0.3.1", "GITHUB_SHA": "3f1e", "GITHUB_ACTOR": "alice",
			}),
			want:   ci.Info{System: "gitea", Event: ci.EventTag, Tag: "v0.3.1", Commit: "3f1e", Author: "alice", BuildURL: giteaRun},
			wantOK: true,
		},
	})
}
