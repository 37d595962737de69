package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectSemaphore(t *testing.T) {
	base := map[string]string{
		"CI": "true", "SEMAPHORE": "true", "SEMAPHORE_ORGANIZATION_URL": "https://acme.semaphoreci.com",
		"SEMAPHORE_PROJECT_NAME": "webapp", "SEMAPHORE_WORKFLOW_ID": "0dd982e8-32f5-4037-983e-4de01ac7fb1e",
		"SEMAPHORE_PIPELINE_ID": "ea3e6bba-d19a-45d7-86a0-e78a2301b616", "SEMAPHORE_GIT_PROVIDER": "github",
		"SEMAPHORE_GIT_REPO_SLUG": "acme/webapp", "SEMAPHORE_GIT_SHA": "7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e",
		"SEMAPHORE_GIT_COMMIT_AUTHOR": "alice", "SEMAPHORE_WORKFLOW_TRIGGERED_BY": "alice",
		"SEMAPHORE_WORKFLOW_TRIGGERED_BY_HOOK": "true", "SEMAPHORE_WORKFLOW_TRIGGERED_BY_API": "false",
		"SEMAPHORE_WORKFLOW_TRIGGERED_BY_SCHEDULE": "false", "SEMAPHORE_WORKFLOW_TRIGGERED_BY_MANUAL_RUN": "false",
	}
	const url = "https://acme.semaphoreci.com/workflows/0dd982e8-32f5-4037-983e-4de01ac7fb1e"
	const sha = "7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e"
	runDetect(t, []detectCase{
		{
			name: "branch",
			env: merge(base, map[string]string{
				"SEMAPHORE_GIT_REF_TYPE": "branch", "SEMAPHORE_GIT_REF": "refs/heads/main",
				"SEMAPHORE_GIT_BRANCH": "main", "SEMAPHORE_GIT_WORKING_BRANCH": "main",
			}),
			want:   ci.Info{System: "semaphore", Event: ci.EventPush, Branch: "main", Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name: "pull request",
			env: merge(base, map[string]string{
				"SEMAPHORE_GIT_REF_TYPE": "pull-request", "SEMAPHORE_GIT_REF": "refs/pull/91/merge",
				"SEMAPHORE_GIT_BRANCH": "main", "SEMAPHORE_GIT_WORKING_BRANCH": "feature/otel",
				"SEMAPHORE_GIT_PR_BRANCH": "feature/otel", "SEMAPHORE_GIT_PR_NUMBER": "91", "SEMAPHORE_GIT_PR_SHA": "2d2d2d",
				"SEMAPHORE_GIT_PR_SLUG": "acme/webapp", "SEMAPHORE_GIT_PR_NAME": "Export traces",
			}),
			want: ci.Info{
				System: "semaphore", Event: ci.EventPullRequest, Branch: "feature/otel", TargetBranch: "main",
				Commit: "2d2d2d", PullRequest: 91, Author: "alice", BuildURL: url,
			},
			wantOK: true,
		},
		{
			name: "tag",
			env: merge(base, map[string]string{
				"SEMAPHORE_GIT_REF_TYPE": "tag", "SEMAPHORE_GIT_REF": "refs/tags/v6.1.0", "SEMAPHORE_GIT_TAG_NAME": "v6.1.0",
				"SEMAPHORE_GIT_BRANCH": "v6.1.0",
			}),
			want:   ci.Info{System: "semaphore", Event: ci.EventTag, Tag: "v6.1.0", Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name: "run by hand",
			env: merge(base, map[string]string{
				"SEMAPHORE_GIT_REF_TYPE": "branch", "SEMAPHORE_GIT_BRANCH": "staging",
				"SEMAPHORE_WORKFLOW_TRIGGERED_BY_HOOK": "false", "SEMAPHORE_WORKFLOW_TRIGGERED_BY_MANUAL_RUN": "true",
			}),
			want:   ci.Info{System: "semaphore", Event: ci.EventManual, Branch: "staging", Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name: "task on a schedule",
			env: merge(base, map[string]string{
				"SEMAPHORE_GIT_REF_TYPE": "branch", "SEMAPHORE_GIT_BRANCH": "main",
				"SEMAPHORE_WORKFLOW_TRIGGERED_BY_HOOK": "false", "SEMAPHORE_WORKFLOW_TRIGGERED_BY_SCHEDULE": "true",
			}),
			want:   ci.Info{System: "semaphore", Branch: "main", Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
	})
}
