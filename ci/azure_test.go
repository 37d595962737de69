package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectAzure(t *testing.T) {
	base := map[string]string{
		"TF_BUILD": "True", "AGENT_NAME": "Hosted Agent", "AGENT_OS": "Linux",
		"SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/", "SYSTEM_TEAMPROJECT": "Web Platform",
		"BUILD_BUILDID": "40817", "BUILD_BUILDNUMBER": "20260302.4",
		"BUILD_REPOSITORY_NAME": "webapp", "BUILD_REPOSITORY_PROVIDER": "TfsGit",
		"BUILD_SOURCEVERSION": "9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a",
		"BUILD_REQUESTEDFOR":  "Alice Doe", "BUILD_REQUESTEDFOREMAIL": "alice@example.com",
	}
	const url = "https://dev.azure.com/acme/Web%20Platform/_build/results?buildId=40817"
	const sha = "9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a"
	runDetect(t, []detectCase{
		{
			name: "continuous integration",
			env: merge(base, map[string]string{
				"BUILD_REASON": "IndividualCI", "BUILD_SOURCEBRANCH": "refs/heads/feature/blue-green", "BUILD_SOURCEBRANCHNAME": "blue-green",
			}),
			want:   ci.Info{System: "azure", Event: ci.EventPush, Branch: "feature/blue-green", Commit: sha, Author: "alice@example.com", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "batched continuous integration",
			env:    merge(base, map[string]string{"BUILD_REASON": "BatchedCI", "BUILD_SOURCEBRANCH": "refs/heads/main", "BUILD_SOURCEBRANCHNAME": "main"}),
			want:   ci.Info{System: "azure", Event: ci.EventPush, Branch: "main", Commit: sha, Author: "alice@example.com", BuildURL: url},
			wantOK: true,
		},
		{
			name: "azure repos pull request",
			env: merge(base, map[string]string{
				"BUILD_REASON": "PullRequest", "BUILD_SOURCEBRANCH": "refs/pull/1204/merge", "BUILD_SOURCEBRANCHNAME": "merge",
				"BUILD_SOURCEVERSION":               "merge1204",
				"SYSTEM_PULLREQUEST_PULLREQUESTID":  "1204",
				"SYSTEM_PULLREQUEST_SOURCEBRANCH":   "refs/heads/feature/blue-green",
				"SYSTEM_PULLREQUEST_TARGETBRANCH":   "refs/heads/main",
				"SYSTEM_PULLREQUEST_SOURCECOMMITID": "4b4b4b",
			}),
			want: ci.Info{
				System: "azure", Event: ci.EventPullRequest, Branch: "feature/blue-green", TargetBranch: "main",
				Commit: "4b4b4b", PullRequest: 1204, Author: "alice@example.com", BuildURL: url,
			},
			wantOK: true,
		},
		{
			name: "github pull request has a number apart from its id",
			env: merge(base, map[string]string{
				"BUILD_REPOSITORY_PROVIDER": "GitHub",
				"BUILD_REASON":              "PullRequest", "BUILD_SOURCEBRANCH": "refs/pull/88/merge",
				"SYSTEM_PULLREQUEST_PULLREQUESTID":     "1843265517",
				"SYSTEM_PULLREQUEST_PULLREQUESTNUMBER": "88",
				"SYSTEM_PULLREQUEST_SOURCEBRANCH":      "fix-dns",
				"SYSTEM_PULLREQUEST_TARGETBRANCH":      "main",
			}),
			want: ci.Info{
				System: "azure", Event: ci.EventPullRequest, Branch: "fix-dns", TargetBranch: "main",
				Commit: sha, PullRequest: 88, Author: "alice@example.com", BuildURL: url,
			},
			wantOK: true,
		},
		{
			name:   "tag",
			env:    merge(base, map[string]string{"BUILD_REASON": "IndividualCI", "BUILD_SOURCEBRANCH": "refs/tags/v5.0.1", "BUILD_SOURCEBRANCHNAME": "v5.0.1"}),
			want:   ci.Info{System: "azure", Event: ci.EventTag, Tag: "v5.0.1", Commit: sha, Author: "alice@example.com", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "manual",
			env:    merge(base, map[string]string{"BUILD_REASON": "Manual", "BUILD_SOURCEBRANCH": "refs/heads/staging"}),
			want:   ci.Info{System: "azure", Event: ci.EventManual, Branch: "staging", Commit: sha, Author: "alice@example.com", BuildURL: url},
			wantOK: true,
		},
		{
			name:   "schedule",
			env:    merge(base, map[string]string{"BUILD_REASON": "Schedule", "BUILD_SOURCEBRANCH": "refs/heads/main"}),
			want:   ci.Info{System: "azure", Branch: "main", Commit: sha, Author: "alice@example.com", BuildURL: url},
			wantOK: true,
		},
	})
}
