package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

// gitlabBase is what every GitLab CI job has.
func gitlabBase() map[string]string {
	return map[string]string{
		"CI":                "true",
		"GITLAB_CI":         "true",
		"CI_SERVER_URL":     "https://gitlab.com",
		"CI_PROJECT_PATH":   "acme/webapp",
		"CI_PROJECT_DIR":    "/builds/acme/webapp",
		"CI_PIPELINE_ID":    "1187432210",
		"CI_PIPELINE_URL":   "https://gitlab.com/acme/webapp/-/pipelines/1187432210",
		"CI_JOB_ID":         "6243051187",
		"CI_JOB_URL":        "https://gitlab.com/acme/webapp/-/jobs/6243051187",
		"GITLAB_USER_LOGIN": "alice",
		"GITLAB_USER_EMAIL": "alice@example.com",
	}
}

const gitlabJob = "https://gitlab.com/acme/webapp/-/jobs/6243051187"

func TestDetectGitLab(t *testing.T) {
	runDetect(t, []detectCase{
		{
			name: "branch pipeline",
			env: merge(gitlabBase(), map[string]string{
				"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_NAME": "main", "CI_COMMIT_REF_SLUG": "main",
				"CI_COMMIT_SHA": "4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e", "CI_DEFAULT_BRANCH": "main",
			}),
			want: ci.Info{
				System: "gitlab", Event: ci.EventPush, Branch: "main",
				Commit: "4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e", Author: "alice", BuildURL: gitlabJob,
			},
			wantOK: true,
		},
		{
			name: "merge request pipeline",
			env: merge(gitlabBase(), map[string]string{
				"CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_REF_NAME": "feature/cache", "CI_COMMIT_SHA": "77aa88bb",
				"CI_MERGE_REQUEST_ID": "301884512", "CI_MERGE_REQUEST_IID": "118",
				"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/cache", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "staging",
				"CI_MERGE_REQUEST_EVENT_TYPE": "detached", "CI_MERGE_REQUEST_TITLE": "Add a cache",
			}),
			want: ci.Info{
				System: "gitlab", Event: ci.EventPullRequest, Branch: "feature/cache", TargetBranch: "staging",
				Commit: "77aa88bb", PullRequest: 118, Author: "alice", BuildURL: gitlabJob,
			},
			wantOK: true,
		},
		{
			name: "merged results pipeline builds a merge commit",
			env: merge(gitlabBase(), map[string]string{
				"CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_REF_NAME": "feature/cache", "CI_COMMIT_SHA": "merge0000",
				"CI_MERGE_REQUEST_IID": "118", "CI_MERGE_REQUEST_EVENT_TYPE": "merged_result",
				"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/cache", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "staging",
				"CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": "77aa88bb",
			}),
			want: ci.Info{
				System: "gitlab", Event: ci.EventPullRequest, Branch: "feature/cache", TargetBranch: "staging",
				Commit: "77aa88bb", PullRequest: 118, Author: "alice", BuildURL: gitlabJob,
			},
			wantOK: true,
		},
		{
			name: "stop job after the merge request closed",
			env: merge(gitlabBase(), map[string]string{
				"CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_REF_NAME": "feature/cache", "CI_COMMIT_SHA": "77aa88bb",
				"CI_MERGE_REQUEST_IID": "118", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/cache",
				"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "staging",
				"CI_ENVIRONMENT_NAME":                 "review/mr-118", "CI_ENVIRONMENT_ACTION": "stop",
				"GITLAB_USER_LOGIN": "bob",
			}),
			want: ci.Info{
				System: "gitlab", Event: ci.EventPullRequestClosed, Branch: "feature/cache", TargetBranch: "staging",
				Commit: "77aa88bb", PullRequest: 118, Author: "bob", BuildURL: gitlabJob,
			},
			wantOK: true,
		},
		{
			name: "stop job after a branch was deleted",
			env: merge(gitlabBase(), map[string]string{
				"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "try-things", "CI_COMMIT_REF_NAME": "try-things", "CI_COMMIT_SHA": "99",
				"CI_ENVIRONMENT_ACTION": "stop",
			}),
			want:   ci.Info{System: "gitlab", Event: ci.EventPullRequestClosed, Branch: "try-things", Commit: "99", Author: "alice", BuildURL: gitlabJob},
			wantOK: true,
		},
		{
			name: "tag pipeline",
			env: merge(gitlabBase(), map[string]string{
				"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v3.2.0", "CI_COMMIT_REF_NAME": "v3.2.0", "CI_COMMIT_SHA": "7a7a",
			}),
			want:   ci.Info{System: "gitlab", Event: ci.EventTag, Tag: "v3.2.0", Commit: "7a7a", Author: "alice", BuildURL: gitlabJob},
			wantOK: true,
		},
		{
			name: "run pipeline button",
			env: merge(gitlabBase(), map[string]string{
				"CI_PIPELINE_SOURCE": "web", "CI_COMMIT_BRANCH": "staging", "CI_COMMIT_REF_NAME": "staging", "CI_COMMIT_SHA": "5b5b",
			}),
			want:   ci.Info{System: "gitlab", Event: ci.EventManual, Branch: "staging", Commit: "5b5b", Author: "alice", BuildURL: gitlabJob},
			wantOK: true,
		},
		{
			name: "schedule",
			env: merge(gitlabBase(), map[string]string{
				"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_NAME": "main", "CI_COMMIT_SHA": "5b5b",
			}),
			want:   ci.Info{System: "gitlab", Branch: "main", Commit: "5b5b", Author: "alice", BuildURL: gitlabJob},
			wantOK: true,
		},
		{
			name: "external pull request from GitHub",
			env: merge(gitlabBase(), map[string]string{
				"CI_PIPELINE_SOURCE": "external_pull_request_event", "CI_COMMIT_REF_NAME": "fix", "CI_COMMIT_SHA": "c3c3",
				"CI_EXTERNAL_PULL_REQUEST_IID": "9", "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME": "fix",
				"CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME": "main", "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_SHA": "c3c3",
			}),
			want: ci.Info{
				System: "gitlab", Event: ci.EventPullRequest, Branch: "fix", TargetBranch: "main",
				Commit: "c3c3", PullRequest: 9, Author: "alice", BuildURL: gitlabJob,
			},
			wantOK: true,
		},
	})
}
