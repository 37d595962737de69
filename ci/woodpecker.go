package ci

// Woodpecker CI. It sets CI=woodpecker and CI_* variables that overlap
// GitLab's names, so it is tried before GitLab. Unlike most systems it runs
// pipelines when a pull request is closed. CI_PIPELINE_URL is the pipeline's
// page from Woodpecker 2.0 on; before, it linked to the forge's commit.

func isWoodpecker(e env) bool { return e.is("CI", "woodpecker") }

func readWoodpecker(e env) (Info, error) {
	info := Info{
		Commit:   e.get("CI_COMMIT_SHA"),
		Author:   e.get("CI_COMMIT_AUTHOR"),
		BuildURL: e.get("CI_PIPELINE_URL"),
		Branch:   e.get("CI_COMMIT_BRANCH"),
	}
	switch e.get("CI_PIPELINE_EVENT") {
	case "push":
		info.Event = EventPush
	case "pull_request", "pull_request_closed":
		n, err := e.number("CI_COMMIT_PULL_REQUEST")
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		if e.get("CI_PIPELINE_EVENT") == "pull_request_closed" {
			info.Event = EventPullRequestClosed
		}
		info.PullRequest = n
		// CI_COMMIT_BRANCH is the target branch on pull requests.
		info.Branch = firstString(e.get("CI_COMMIT_SOURCE_BRANCH"), info.Branch)
		info.TargetBranch = e.get("CI_COMMIT_TARGET_BRANCH")
	case "tag":
		info.Event = EventTag
		info.Tag = e.get("CI_COMMIT_TAG")
		info.Branch = ""
	case "manual", "deployment":
		info.Event = EventManual
	}
	return info, nil
}
