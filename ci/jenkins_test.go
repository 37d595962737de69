package ci_test

import (
	"testing"

	"github.com/plinth-iac/plinth/ci"
)

func TestDetectJenkins(t *testing.T) {
	base := map[string]string{
		"JENKINS_URL": "https://jenkins.example.com/", "JENKINS_HOME": "/var/jenkins_home",
		"BUILD_NUMBER": "57", "BUILD_ID": "57", "EXECUTOR_NUMBER": "0",
		"GIT_COMMIT": "2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c", "GIT_URL": "https://github.com/acme/webapp.git",
	}
	const sha = "2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c"
	runDetect(t, []detectCase{
		{
			name: "multibranch branch build",
			env: merge(base, map[string]string{
				"JOB_NAME": "webapp/main", "BRANCH_NAME": "main", "GIT_BRANCH": "main",
				"BUILD_URL": "https://jenkins.example.com/job/webapp/job/main/57/",
			}),
			want:   ci.Info{System: "jenkins", Event: ci.EventPush, Branch: "main", Commit: sha, BuildURL: "https://jenkins.example.com/job/webapp/job/main/57/"},
			wantOK: true,
		},
		{
			name: "plain job with the git plugin",
			env: merge(base, map[string]string{
				"JOB_NAME": "webapp-deploy", "GIT_BRANCH": "origin/release/1.2",
				"BUILD_URL": "https://jenkins.example.com/job/webapp-deploy/57/",
			}),
			want:   ci.Info{System: "jenkins", Event: ci.EventPush, Branch: "release/1.2", Commit: sha, BuildURL: "https://jenkins.example.com/job/webapp-deploy/57/"},
			wantOK: true,
		},
		{
			name: "multibranch pull request",
			env: merge(base, map[string]string{
				"JOB_NAME": "webapp/PR-19", "BRANCH_NAME": "PR-19", "GIT_BRANCH": "PR-19",
				"CHANGE_ID": "19", "CHANGE_URL": "https://github.com/acme/webapp/pull/19", "CHANGE_TITLE": "Smaller nodes",
				"CHANGE_AUTHOR": "alice", "CHANGE_AUTHOR_EMAIL": "alice@example.com",
				"CHANGE_BRANCH": "smaller-nodes", "CHANGE_TARGET": "main",
				"BUILD_URL": "https://jenkins.example.com/job/webapp/job/PR-19/3/",
			}),
			want: ci.Info{
				System: "jenkins", Event: ci.EventPullRequest, Branch: "smaller-nodes", TargetBranch: "main",
				Commit: sha, PullRequest: 19, Author: "alice", BuildURL: "https://jenkins.example.com/job/webapp/job/PR-19/3/",
			},
			wantOK: true,
		},
		{
			name: "multibranch tag",
			env: merge(base, map[string]string{
				"JOB_NAME": "webapp/v1.2.0", "BRANCH_NAME": "v1.2.0", "TAG_NAME": "v1.2.0", "TAG_TIMESTAMP": "1767225600000",
				"BUILD_URL": "https://jenkins.example.com/job/webapp/job/v1.2.0/1/",
			}),
			want:   ci.Info{System: "jenkins", Event: ci.EventTag, Tag: "v1.2.0", Commit: sha, BuildURL: "https://jenkins.example.com/job/webapp/job/v1.2.0/1/"},
			wantOK: true,
		},
	})
}
