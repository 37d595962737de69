package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectAppVeyor(t *testing.T) {
	base := map[string]string{
		"CI": "True", "APPVEYOR": "True", "APPVEYOR_URL": "https://ci.appveyor.com", "APPVEYOR_ACCOUNT_NAME": "acme",
		"APPVEYOR_PROJECT_SLUG": "webapp", "APPVEYOR_PROJECT_NAME": "webapp", "APPVEYOR_REPO_NAME": "acme/webapp",
		"APPVEYOR_BUILD_ID": "50123456", "APPVEYOR_BUILD_NUMBER": "77", "APPVEYOR_BUILD_VERSION": "1.0.77",
		"APPVEYOR_REPO_COMMIT": "4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c", "APPVEYOR_REPO_COMMIT_AUTHOR": "Alice Doe",
		"APPVEYOR_REPO_TAG": "false", "APPVEYOR_FORCED_BUILD": "False", "APPVEYOR_SCHEDULED_BUILD": "False",
	}
	const url = "https://ci.appveyor.com/project/acme/webapp/builds/50123456"
	const sha = "4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c4c"
	runDetect(t, []detectCase{
		{
			name:   "push",
			env:    merge(base, map[string]string{"APPVEYOR_REPO_BRANCH": "main"}),
			want:   ci.Info{System: "appveyor", Event: ci.EventPush, Branch: "main", Commit: sha, Author: "Alice Doe", BuildURL: url},
			wantOK: true,
		},
		{
			name: "pull request",
			env: merge(base, map[string]string{
				"APPVEYOR_REPO_BRANCH": "main", "APPVEYOR_PULL_REQUEST_NUMBER": "33", "APPVEYOR_PULL_REQUEST_TITLE": "Swap the CDN",
				"APPVEYOR_PULL_REQUEST_HEAD_REPO_NAME": "acme/webapp", "APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH": "swap-cdn",
				"APPVEYOR_PULL_REQUEST_HEAD_COMMIT": "8b8b8b",
			}),
			want: ci.Info{
				System: "appveyor", Event: ci.EventPullRequest, Branch: "swap-cdn", TargetBranch: "main",
				Commit: "8b8b8b", PullRequest: 33, Author: "Alice Doe", BuildURL: url,
			},
			wantOK: true,
		},
		{
			name:   "tag",
			env:    merge(base, map[string]string{"APPVEYOR_REPO_BRANCH": "v2.0.0", "APPVEYOR_REPO_TAG": "true", "APPVEYOR_REPO_TAG_NAME": "v2.0.0"}),
			want:   ci.Info{System: "appveyor", Event: ci.EventTag, Tag: "v2.0.0", Commit: sha, Author: "Alice Doe", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "new build button",
			env:    merge(base, map[string]string{"APPVEYOR_REPO_BRANCH": "staging", "APPVEYOR_FORCED_BUILD": "True"}),
			want:   ci.Info{System: "appveyor", Event: ci.EventManual, Branch: "staging", Commit: sha, Author: "Alice Doe", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "scheduled",
			env:    merge(base, map[string]string{"APPVEYOR_REPO_BRANCH": "main", "APPVEYOR_SCHEDULED_BUILD": "True"}),
			want:   ci.Info{System: "appveyor", Branch: "main", Commit: sha, Author: "Alice Doe", BuildURL: url},
			wantOK: true,
		},
	})
}
