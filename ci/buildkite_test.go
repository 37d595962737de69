package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectBuildkite(t *testing.T) {
	base := map[string]string{
		"CI": "true", "BUILDKITE": "true", "BUILDKITE_ORGANIZATION_SLUG": "acme", "BUILDKITE_PIPELINE_SLUG": "webapp",
		"BUILDKITE_BUILD_NUMBER": "1450", "BUILDKITE_BUILD_URL": "https://buildkite.com/acme/webapp/builds/1450",
		"BUILDKITE_COMMIT": "5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f", "BUILDKITE_BUILD_AUTHOR": "Alice Doe",
		"BUILDKITE_BUILD_AUTHOR_EMAIL": "alice@example.com", "BUILDKITE_BUILD_CREATOR": "Alice Doe",
		"BUILDKITE_REPO": "git@github.com:acme/webapp.git", "BUILDKITE_PULL_REQUEST": "false",
		"BUILDKITE_PULL_REQUEST_BASE_BRANCH": "", "BUILDKITE_TAG": "",
	}
	const url = "https://buildkite.com/acme/webapp/builds/1450"
	const sha = "5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f"
	runDetect(t, []detectCase{
		{
			name:   "push",
			env:    merge(base, map[string]string{"BUILDKITE_SOURCE": "webhook", "BUILDKITE_BRANCH": "main"}),
			want:   ci.Info{System: "buildkite", Event: ci.EventPush, Branch: "main", Commit: sha, Author: "Alice Doe", BuildURL: url},
			wantOK: true,
		},
		{
			name: "pull request",
			env: merge(base, map[string]string{
				"BUILDKITE_SOURCE": "webhook", "BUILDKITE_BRANCH": "feature/autoscale",
				"BUILDKITE_PULL_REQUEST": "211", "BUILDKITE_PULL_REQUEST_BASE_BRANCH": "main",
				"BUILDKITE_PULL_REQUEST_REPO": "git://github.com/acme/webapp.git",
			}),
			want: ci.Info{
				System: "buildkite", Event: ci.EventPullRequest, Branch: "feature/autoscale", TargetBranch: "main",
				Commit: sha, PullRequest: 211, Author: "Alice Doe", BuildURL: url,
			},
			wantOK: true,
		},
		{
			name:   "tag",
			env:    merge(base, map[string]string{"BUILDKITE_SOURCE": "webhook", "BUILDKITE_BRANCH": "v3.3.0", "BUILDKITE_TAG": "v3.3.0"}),
			want:   ci.Info{System: "buildkite", Event: ci.EventTag, Tag: "v3.3.0", Commit: sha, Author: "Alice Doe", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "new build button",
			env:    merge(base, map[string]string{"BUILDKITE_SOURCE": "ui", "BUILDKITE_BRANCH": "staging", "BUILDKITE_COMMIT": "HEAD"}),
			want:   ci.Info{System: "buildkite", Event: ci.EventManual, Branch: "staging", Author: "Alice Doe", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "api",
			env:    merge(base, map[string]string{"BUILDKITE_SOURCE": "api", "BUILDKITE_BRANCH": "main"}),
			want:   ci.Info{System: "buildkite", Event: ci.EventManual, Branch: "main", Commit: sha, Author: "Alice Doe", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "schedule",
			env:    merge(base, map[string]string{"BUILDKITE_SOURCE": "schedule", "BUILDKITE_BRANCH": "main"}),
			want:   ci.Info{System: "buildkite", Branch: "main", Commit: sha, Author: "Alice Doe", BuildURL: url},
			wantOK: true,
		},
	})
}
