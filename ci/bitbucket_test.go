package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectBitbucket(t *testing.T) {
	base := map[string]string{
		"CI": "true", "BITBUCKET_BUILD_NUMBER": "377", "BITBUCKET_CLONE_DIR": "/opt/atlassian/pipelines/agent/build",
		"BITBUCKET_WORKSPACE": "acme", "BITBUCKET_REPO_SLUG": "webapp", "BITBUCKET_REPO_FULL_NAME": "acme/webapp",
		"BITBUCKET_GIT_HTTP_ORIGIN":     "http://bitbucket.org/acme/webapp",
		"BITBUCKET_COMMIT":              "3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e",
		"BITBUCKET_STEP_TRIGGERER_UUID": "{5d1a9b0c-7e3f-4a2b-9c8d-1e2f3a4b5c6d}",
		"BITBUCKET_PIPELINE_UUID":       "{0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d}",
	}
	const url = "https://bitbucket.org/acme/webapp/addon/pipelines/home#!/results/377"
	const sha = "3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e"
	const who = "{5d1a9b0c-7e3f-4a2b-9c8d-1e2f3a4b5c6d}"
	runDetect(t, []detectCase{
		{
			name:   "branch",
			env:    merge(base, map[string]string{"BITBUCKET_BRANCH": "main"}),
			want:   ci.Info{System: "bitbucket", Event: ci.EventPush, Branch: "main", Commit: sha, Author: who, BuildURL: url},
			wantOK: true,
		},
		{
			name: "pull request",
			env: merge(base, map[string]string{
				"BITBUCKET_BRANCH": "feature/waf", "BITBUCKET_PR_ID": "26", "BITBUCKET_PR_DESTINATION_BRANCH": "main",
				"BITBUCKET_PR_DESTINATION_COMMIT": "7f7f7f7f",
			}),
			want: ci.Info{
				System: "bitbucket", Event: ci.EventPullRequest, Branch: "feature/waf", TargetBranch: "main",
				Commit: sha, PullRequest: 26, Author: who, BuildURL: url,
			},
			wantOK: true,
		},
		{
			name:   "tag",
			env:    merge(base, map[string]string{"BITBUCKET_TAG": "release-7"}),
			want:   ci.Info{System: "bitbucket", Event: ci.EventTag, Tag: "release-7", Commit: sha, Author: who, BuildURL: url},
			wantOK: true,
		},
	})
}
