package ci

import (
	"fmt"
	"strings"
)

// AWS CodeBuild. Webhook builds say everything through CODEBUILD_WEBHOOK_*;
// builds CodePipeline starts say only which pipeline started them, so their
// branch comes from PLINTH_CI_BRANCH (set in the pipeline's action) or from
// CODEBUILD_SOURCE_VERSION when that is a ref.

func isCodeBuild(e env) bool { return e.get("CODEBUILD_BUILD_ID") != "" }

func readCodeBuild(e env) (Info, error) {
	info := Info{
		Commit:   e.get("CODEBUILD_RESOLVED_SOURCE_VERSION"),
		Author:   e.get("CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID"),
		BuildURL: e.get("CODEBUILD_BUILD_URL"),
	}
	event := e.get("CODEBUILD_WEBHOOK_EVENT")
	switch event {
	case "PUSH":
		info.Branch, info.Tag = refs(e.get("CODEBUILD_WEBHOOK_HEAD_REF"))
		if info.Branch == "" && info.Tag == "" {
			// branch/main or tag/v1
			kind, name, _ := strings.Cut(e.get("CODEBUILD_WEBHOOK_TRIGGER"), "/")
			switch kind {
			case "branch":
				info.Branch = name
			case "tag":
				info.Tag = name
			}
		}
		info.Event = EventPush
		if info.Tag != "" {
			info.Event = EventTag
		}

	case "PULL_REQUEST_CREATED", "PULL_REQUEST_UPDATED", "PULL_REQUEST_REOPENED",
		"PULL_REQUEST_MERGED", "PULL_REQUEST_CLOSED":
		n, err := codeBuildPull(e)
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		if event == "PULL_REQUEST_MERGED" || event == "PULL_REQUEST_CLOSED" {
			info.Event = EventPullRequestClosed
		}
		info.PullRequest = n
		info.Branch = branchName(e.get("CODEBUILD_WEBHOOK_HEAD_REF"))
		info.TargetBranch = branchName(e.get("CODEBUILD_WEBHOOK_BASE_REF"))

	case "":
		// Not a webhook: CodePipeline, or a person (start-build, console).
		info.Event = EventManual
		if strings.HasPrefix(e.get("CODEBUILD_INITIATOR"), "codepipeline/") {
			info.Event = EventPush
		}
		info.Branch, info.Tag = refs(e.get("CODEBUILD_SOURCE_VERSION"))
	}
	return info, nil
}

// codeBuildPull reads the pull request number from pr/N in
// CODEBUILD_SOURCE_VERSION, or else in CODEBUILD_WEBHOOK_TRIGGER.
func codeBuildPull(e env) (int, error) {
	for _, name := range []string{"CODEBUILD_SOURCE_VERSION", "CODEBUILD_WEBHOOK_TRIGGER"} {
		v := e.get(name)
		if num, ok := strings.CutPrefix(v, "pr/"); ok {
			n, err := prNumber(name, num)
			if err != nil {
				return 0, fmt.Errorf("ci: %s=%q is not pr/<pull request number>", name, v)
			}
			return n, nil
		}
	}
	return 0, nil
}
