package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectTravis(t *testing.T) {
	base := map[string]string{
		"CI": "true", "TRAVIS": "true", "CONTINUOUS_INTEGRATION": "true",
		"TRAVIS_REPO_SLUG": "acme/webapp", "TRAVIS_BUILD_ID": "612784503", "TRAVIS_BUILD_NUMBER": "915",
		"TRAVIS_BUILD_WEB_URL": "https://app.travis-ci.com/acme/webapp/builds/612784503",
		"TRAVIS_JOB_WEB_URL":   "https://app.travis-ci.com/acme/webapp/jobs/612784504",
		"TRAVIS_COMMIT":        "6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d",
	}
	const url = "https://app.travis-ci.com/acme/webapp/builds/612784503"
	const sha = "6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d"
	runDetect(t, []detectCase{
		{
			name: "push",
			env: merge(base, map[string]string{
				"TRAVIS_EVENT_TYPE": "push", "TRAVIS_BRANCH": "main", "TRAVIS_PULL_REQUEST": "false", "TRAVIS_PULL_REQUEST_BRANCH": "", "TRAVIS_TAG": "",
			}),
			want:   ci.Info{System: "travis", Event: ci.EventPush, Branch: "main", Commit: sha, BuildURL: url},
			wantOK: true,
		},
		{
			name: "pull request",
			env: merge(base, map[string]string{
				"TRAVIS_EVENT_TYPE": "pull_request", "TRAVIS_BRANCH": "main", "TRAVIS_PULL_REQUEST": "64",
				"TRAVIS_PULL_REQUEST_BRANCH": "feature/cdn", "TRAVIS_PULL_REQUEST_SHA": "a1a1a1",
				"TRAVIS_PULL_REQUEST_SLUG": "acme/webapp",
			}),
			want: ci.Info{
				System: "travis", Event: ci.EventPullRequest, Branch: "feature/cdn", TargetBranch: "main",
				Commit: "a1a1a1", PullRequest: 64, BuildURL: url,
			},
			wantOK: true,
		},
		{
			name: "tag",
			env: merge(base, map[string]string{
				"TRAVIS_EVENT_TYPE": "push", "TRAVIS_BRANCH": "v1.9.0", "TRAVIS_TAG": "v1.9.0", "TRAVIS_PULL_REQUEST": "false",
			}),
			want:   ci.Info{System: "travis", Event: ci.EventTag, Tag: "v1.9.0", Commit: sha, BuildURL: url},
			wantOK: true,
		},
		{
			name:   "api",
			env:    merge(base, map[string]string{"TRAVIS_EVENT_TYPE": "api", "TRAVIS_BRANCH": "staging", "TRAVIS_PULL_REQUEST": "false"}),
			want:   ci.Info{System: "travis", Event: ci.EventManual, Branch: "staging", Commit: sha, BuildURL: url},
			wantOK: true,
		},
		{
			name:   "cron",
			env:    merge(base, map[string]string{"TRAVIS_EVENT_TYPE": "cron", "TRAVIS_BRANCH": "main", "TRAVIS_PULL_REQUEST": "false"}),
			want:   ci.Info{System: "travis", Branch: "main", Commit: sha, BuildURL: url},
			wantOK: true,
		},
	})
}
