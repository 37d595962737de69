package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectCircleCI(t *testing.T) {
	base := map[string]string{
		"CI": "true", "CIRCLECI": "true",
		"CIRCLE_PROJECT_USERNAME": "acme", "CIRCLE_PROJECT_REPONAME": "webapp",
		"CIRCLE_REPOSITORY_URL": "git@github.com:acme/webapp.git",
		"CIRCLE_BUILD_NUM":      "2210", "CIRCLE_BUILD_URL": "https://app.circleci.com/pipelines/github/acme/webapp/1034/workflows/5c1f/jobs/2210",
		"CIRCLE_SHA1": "8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e", "CIRCLE_USERNAME": "alice",
		"CIRCLE_JOB": "deploy", "CIRCLE_WORKING_DIRECTORY": "~/project",
	}
	const url = "https://app.circleci.com/pipelines/github/acme/webapp/1034/workflows/5c1f/jobs/2210"
	const sha = "8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e"
	runDetect(t, []detectCase{
		{
			name:   "push",
			env:    merge(base, map[string]string{"CIRCLE_BRANCH": "main"}),
			want:   ci.Info{System: "circleci", Event: ci.EventPush, Branch: "main", Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name: "push to a branch with a pull request",
			env: merge(base, map[string]string{
				"CIRCLE_BRANCH":       "feature/queue",
				"CIRCLE_PULL_REQUEST": "https://github.com/acme/webapp/pull/73", "CIRCLE_PULL_REQUESTS": "https://github.com/acme/webapp/pull/73",
			}),
			want:   ci.Info{System: "circleci", Event: ci.EventPullRequest, Branch: "feature/queue", PullRequest: 73, Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name: "bitbucket pull request",
			env: merge(base, map[string]string{
				"CIRCLE_BRANCH": "fix", "CIRCLE_PULL_REQUEST": "https://bitbucket.org/acme/webapp/pull-requests/5/",
			}),
			want:   ci.Info{System: "circleci", Event: ci.EventPullRequest, Branch: "fix", PullRequest: 5, Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "pull request from a fork",
			env:    merge(base, map[string]string{"CIRCLE_BRANCH": "pull/81", "CIRCLE_PR_NUMBER": "81", "CIRCLE_PR_USERNAME": "forker"}),
			want:   ci.Info{System: "circleci", Event: ci.EventPullRequest, Branch: "pull/81", PullRequest: 81, Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "tag",
			env:    merge(base, map[string]string{"CIRCLE_TAG": "v2.1.0"}),
			want:   ci.Info{System: "circleci", Event: ci.EventTag, Tag: "v2.1.0", Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
	})
}
