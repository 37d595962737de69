package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectCodeBuild(t *testing.T) {
	base := map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
		"CODEBUILD_BUILD_ID":                "webapp-deploy:cf59169d-ddc7-4292-a5ab-06e6f5b8c8c4",
		"CODEBUILD_BUILD_ARN":               "arn:aws:codebuild:eu-west-1:123456789012:build/webapp-deploy:cf59169d-ddc7-4292-a5ab-06e6f5b8c8c4",
		"CODEBUILD_BUILD_NUMBER":            "212",
		"CODEBUILD_BUILD_URL":               "https://eu-west-1.console.aws.amazon.com/codebuild/home?region=eu-west-1#/builds/webapp-deploy:cf59169d-ddc7-4292-a5ab-06e6f5b8c8c4/view/new",
		"CODEBUILD_SRC_DIR":                 "/codebuild/output/src789268538/src/github.com/acme/webapp",
		"CODEBUILD_SOURCE_REPO_URL":         "https://github.com/acme/webapp.git",
		"CODEBUILD_RESOLVED_SOURCE_VERSION": "0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e",
	}
	url := base["CODEBUILD_BUILD_URL"]
	const sha = "0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e"
	webhook := merge(base, map[string]string{"CODEBUILD_INITIATOR": "GitHub-Hookshot/3b1e2f0", "CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID": "583231"})
	pr := func(event string) map[string]string {
		return merge(webhook, map[string]string{
			"CODEBUILD_WEBHOOK_EVENT": event, "CODEBUILD_SOURCE_VERSION": "pr/31", "CODEBUILD_WEBHOOK_TRIGGER": "pr/31",
			"CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/feature/ipv6", "CODEBUILD_WEBHOOK_BASE_REF": "refs/heads/main",
			"CODEBUILD_WEBHOOK_PREV_COMMIT": "1f1f",
		})
	}
	prInfo := func(ev ci.Event) ci.Info {
		return ci.Info{
			System: "codebuild", Event: ev, Branch: "feature/ipv6", TargetBranch: "main",
			Commit: sha, PullRequest: 31, Author: "583231", BuildURL: url,
		}
	}
	runDetect(t, []detectCase{
		{
			name: "webhook push",
			env: merge(webhook, map[string]string{
				"CODEBUILD_WEBHOOK_EVENT": "PUSH", "CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/main",
				"CODEBUILD_WEBHOOK_TRIGGER": "branch/main", "CODEBUILD_SOURCE_VERSION": sha,
			}),
			want:   ci.Info{System: "codebuild", Event: ci.EventPush, Branch: "main", Commit: sha, Author: "583231", BuildURL: url},
			wantOK: true,
		},
		{
			name: "webhook push of a tag",
			env: merge(webhook, map[string]string{
				"CODEBUILD_WEBHOOK_EVENT": "PUSH", "CODEBUILD_WEBHOOK_HEAD_REF": "refs/tags/v4.0.0", "CODEBUILD_WEBHOOK_TRIGGER": "tag/v4.0.0",
			}),
			want:   ci.Info{System: "codebuild", Event: ci.EventTag, Tag: "v4.0.0", Commit: sha, Author: "583231", BuildURL: url},
			wantOK: true,
		},
		{name: "pull request created", env: pr("PULL_REQUEST_CREATED"), want: prInfo(ci.EventPullRequest), wantOK: true},
		{name: "pull request updated", env: pr("PULL_REQUEST_UPDATED"), want: prInfo(ci.EventPullRequest), wantOK: true},
		{name: "pull request reopened", env: pr("PULL_REQUEST_REOPENED"), want: prInfo(ci.EventPullRequest), wantOK: true},
		{name: "pull request merged", env: pr("PULL_REQUEST_MERGED"), want: prInfo(ci.EventPullRequestClosed), wantOK: true},
		{name: "pull request closed", env: pr("PULL_REQUEST_CLOSED"), want: prInfo(ci.EventPullRequestClosed), wantOK: true},
		{
			name: "codepipeline with a branch passed on",
			env: merge(base, map[string]string{
				"CODEBUILD_INITIATOR": "codepipeline/webapp-release", "CODEBUILD_SOURCE_VERSION": "arn:aws:s3:::codepipeline-eu-west-1-1234/webapp-release/SourceArti/Xz9Kq1.zip",
				"PLINTH_CI_BRANCH": "main",
			}),
			want:   ci.Info{System: "codebuild", Event: ci.EventPush, Branch: "main", Commit: sha, BuildURL: url},
			wantOK: true,
		},
		{
			name: "codepipeline with a ref as source version",
			env: merge(base, map[string]string{
				"CODEBUILD_INITIATOR": "codepipeline/webapp-release", "CODEBUILD_SOURCE_VERSION": "refs/heads/production",
			}),
			want:   ci.Info{System: "codebuild", Event: ci.EventPush, Branch: "production", Commit: sha, BuildURL: url},
			wantOK: true,
		},
		{
			name: "codepipeline without a branch",
			env: merge(base, map[string]string{
				"CODEBUILD_INITIATOR": "codepipeline/webapp-release", "CODEBUILD_SOURCE_VERSION": "arn:aws:s3:::codepipeline-eu-west-1-1234/x.zip",
			}),
			want:   ci.Info{System: "codebuild", Event: ci.EventPush, Commit: sha, BuildURL: url},
			wantOK: true,
		},
		{
			name:   "started by a person",
			env:    merge(base, map[string]string{"CODEBUILD_INITIATOR": "alice", "CODEBUILD_SOURCE_VERSION": "refs/heads/staging"}),
			want:   ci.Info{System: "codebuild", Event: ci.EventManual, Branch: "staging", Commit: sha, BuildURL: url},
			wantOK: true,
		},
		{
			name:   "release webhook",
			env:    merge(webhook, map[string]string{"CODEBUILD_WEBHOOK_EVENT": "RELEASED", "CODEBUILD_WEBHOOK_TRIGGER": "release/v4.0.0"}),
			want:   ci.Info{System: "codebuild", Commit: sha, Author: "583231", BuildURL: url},
			wantOK: true,
		},
	})
}
