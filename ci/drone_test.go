package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectDrone(t *testing.T) {
	base := map[string]string{
		"CI": "drone", "DRONE": "true", "DRONE_SYSTEM_HOST": "drone.example.com", "DRONE_REPO": "acme/webapp",
		"DRONE_BUILD_NUMBER": "42", "DRONE_BUILD_LINK": "https://drone.example.com/acme/webapp/42",
		"DRONE_COMMIT_SHA": "6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a", "DRONE_COMMIT": "6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a",
		"DRONE_COMMIT_AUTHOR": "alice", "DRONE_COMMIT_AUTHOR_EMAIL": "alice@example.com",
		"CI_BUILD_EVENT": "ignored: Drone's old names", "DRONE_BUILD_ACTION": "",
	}
	const url = "https://drone.example.com/acme/webapp/42"
	const sha = "6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a"
	runDetect(t, []detectCase{
		{
			name: "push",
			env: merge(base, map[string]string{
				"DRONE_BUILD_EVENT": "push", "DRONE_BRANCH": "main", "DRONE_COMMIT_BRANCH": "main",
				"DRONE_SOURCE_BRANCH": "main", "DRONE_TARGET_BRANCH": "main", "DRONE_COMMIT_REF": "refs/heads/main",
			}),
			want:   ci.Info{System: "drone", Event: ci.EventPush, Branch: "main", Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name: "pull request",
			env: merge(base, map[string]string{
				"DRONE_BUILD_EVENT": "pull_request", "DRONE_BUILD_ACTION": "sync", "DRONE_BRANCH": "main",
				"DRONE_PULL_REQUEST": "14", "DRONE_SOURCE_BRANCH": "tune-gc", "DRONE_TARGET_BRANCH": "main",
				"DRONE_COMMIT_REF": "refs/pull/14/head",
			}),
			want: ci.Info{
				System: "drone", Event: ci.EventPullRequest, Branch: "tune-gc", TargetBranch: "main",
				Commit: sha, PullRequest: 14, Author: "alice", BuildURL: url,
			},
			wantOK: true,
		},
		{
			name:   "tag",
			env:    merge(base, map[string]string{"DRONE_BUILD_EVENT": "tag", "DRONE_TAG": "v0.9.0", "DRONE_COMMIT_REF": "refs/tags/v0.9.0"}),
			want:   ci.Info{System: "drone", Event: ci.EventTag, Tag: "v0.9.0", Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "promote",
			env:    merge(base, map[string]string{"DRONE_BUILD_EVENT": "promote", "DRONE_BRANCH": "main", "DRONE_DEPLOY_TO": "production"}),
			want:   ci.Info{System: "drone", Event: ci.EventManual, Branch: "main", Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "custom",
			env:    merge(base, map[string]string{"DRONE_BUILD_EVENT": "custom", "DRONE_BRANCH": "staging"}),
			want:   ci.Info{System: "drone", Event: ci.EventManual, Branch: "staging", Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "cron",
			env:    merge(base, map[string]string{"DRONE_BUILD_EVENT": "cron", "DRONE_BRANCH": "main", "DRONE_CRON": "nightly"}),
			want:   ci.Info{System: "drone", Branch: "main", Commit: sha, Author: "alice", BuildURL: url},
			wantOK: true,
		},
	})
}
