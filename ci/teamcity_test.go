package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectTeamCity(t *testing.T) {
	base := map[string]string{
		"TEAMCITY_VERSION": "2025.07.1 (build 197398)", "TEAMCITY_PROJECT_NAME": "Webapp",
		"TEAMCITY_BUILDCONF_NAME": "Deploy", "BUILD_NUMBER": "318",
		"BUILD_VCS_NUMBER": "1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b",
	}
	const sha = "1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b"
	runDetect(t, []detectCase{
		{
			name:   "nothing passed on: only the commit",
			env:    base,
			want:   ci.Info{System: "teamcity", Commit: sha},
			wantOK: true,
		},
		{
			name: "branch passed on",
			env: merge(base, map[string]string{
				"PLINTH_CI_BRANCH":    "main",
				"PLINTH_CI_BUILD_URL": "https://teamcity.example.com/viewLog.html?buildId=90211",
			}),
			want:   ci.Info{System: "teamcity", Event: ci.EventPush, Branch: "main", Commit: sha, BuildURL: "https://teamcity.example.com/viewLog.html?buildId=90211"},
			wantOK: true,
		},
		{
			name: "pull request passed on",
			env: merge(base, map[string]string{
				"PLINTH_CI_BRANCH": "feature/tls", "PLINTH_CI_TARGET_BRANCH": "main", "PLINTH_CI_PULL_REQUEST": "61",
				"PLINTH_CI_AUTHOR": "alice",
			}),
			want: ci.Info{
				System: "teamcity", Event: ci.EventPullRequest, Branch: "feature/tls", TargetBranch: "main",
				Commit: sha, PullRequest: 61, Author: "alice",
			},
			wantOK: true,
		},
	})
}
