package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectWoodpecker(t *testing.T) {
	base := map[string]string{
		"CI": "woodpecker", "CI_REPO": "acme/webapp", "CI_FORGE_TYPE": "gitea",
		"CI_PIPELINE_NUMBER": "88", "CI_PIPELINE_URL": "https://ci.example.com/repos/4/pipeline/88",
		"CI_PIPELINE_FORGE_URL": "https://git.example.com/acme/webapp/commit/f00d",
		"CI_COMMIT_SHA":         "f00d", "CI_COMMIT_AUTHOR": "alice", "CI_WORKSPACE": "/woodpecker/src/git.example.com/acme/webapp",
	}
	const url = "https://ci.example.com/repos/4/pipeline/88"
	runDetect(t, []detectCase{
		{
			name:   "push",
			env:    merge(base, map[string]string{"CI_PIPELINE_EVENT": "push", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF": "refs/heads/main"}),
			want:   ci.Info{System: "woodpecker", Event: ci.EventPush, Branch: "main", Commit: "f00d", Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name: "pull request",
			env: merge(base, map[string]string{
				"CI_PIPELINE_EVENT": "pull_request", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF": "refs/pull/12/head",
				"CI_COMMIT_PULL_REQUEST": "12", "CI_COMMIT_SOURCE_BRANCH": "new-dns", "CI_COMMIT_TARGET_BRANCH": "main",
			}),
			want: ci.Info{
				System: "woodpecker", Event: ci.EventPullRequest, Branch: "new-dns", TargetBranch: "main",
				Commit: "f00d", PullRequest: 12, Author: "alice", BuildURL: url,
			},
			wantOK: true,
		},
		{
			name: "pull request closed",
			env: merge(base, map[string]string{
				"CI_PIPELINE_EVENT": "pull_request_closed", "CI_COMMIT_BRANCH": "main",
				"CI_COMMIT_PULL_REQUEST": "12", "CI_COMMIT_SOURCE_BRANCH": "new-dns", "CI_COMMIT_TARGET_BRANCH": "main",
			}),
			want: ci.Info{
				System: "woodpecker", Event: ci.EventPullRequestClosed, Branch: "new-dns", TargetBranch: "main",
				Commit: "f00d", PullRequest: 12, Author: "alice", BuildURL: url,
			},
			wantOK: true,
		},
		{
			name:   "tag",
			env:    merge(base, map[string]string{"CI_PIPELINE_EVENT": "tag", "CI_COMMIT_TAG": "v1.0.0", "CI_COMMIT_REF": "refs/tags/v1.0.0"}),
			want:   ci.Info{System: "woodpecker", Event: ci.EventTag, Tag: "v1.0.0", Commit: "f00d", Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "manual",
			env:    merge(base, map[string]string{"CI_PIPELINE_EVENT": "manual", "CI_COMMIT_BRANCH": "staging"}),
			want:   ci.Info{System: "woodpecker", Event: ci.EventManual, Branch: "staging", Commit: "f00d", Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "cron",
			env:    merge(base, map[string]string{"CI_PIPELINE_EVENT": "cron", "CI_COMMIT_BRANCH": "main"}),
			want:   ci.Info{System: "woodpecker", Branch: "main", Commit: "f00d", Author: "alice", BuildURL: url},
			wantOK: true,
		},
	})
}
