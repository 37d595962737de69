package ci

// GitLab CI. A merge request closing runs no pipeline of its own: GitLab
// runs the stop job (environment:action: stop) of the environment a merge
// request pipeline started, so CI_ENVIRONMENT_ACTION=stop is the closed event.

func isGitLab(e env) bool { return e.on("GITLAB_CI") }

func readGitLab(e env) (Info, error) {
	info := Info{
		Commit:   e.get("CI_COMMIT_SHA"),
		Author:   e.get("GITLAB_USER_LOGIN"),
		BuildURL: e.first("CI_JOB_URL", "CI_PIPELINE_URL"),
		Branch:   e.first("CI_COMMIT_BRANCH", "CI_COMMIT_REF_NAME"),
	}
	source := e.get("CI_PIPELINE_SOURCE")

	switch {
	case source == "merge_request_event" || e.get("CI_MERGE_REQUEST_IID") != "":
		n, err := e.number("CI_MERGE_REQUEST_IID")
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		info.PullRequest = n
		info.Branch = firstString(e.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"), info.Branch)
		info.TargetBranch = e.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
		// Merged-results pipelines build a merge commit; the source branch's
		// head is what the author pushed.
		info.Commit = firstString(e.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"), info.Commit)

	case source == "external_pull_request_event":
		n, err := e.number("CI_EXTERNAL_PULL_REQUEST_IID")
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		info.PullRequest = n
		info.Branch = firstString(e.get("CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME"), info.Branch)
		info.TargetBranch = e.get("CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME")
		info.Commit = firstString(e.get("CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_SHA"), info.Commit)

	case e.get("CI_COMMIT_TAG") != "":
		info.Event = EventTag
		info.Tag = e.get("CI_COMMIT_TAG")
		info.Branch = ""

	default:
		switch source {
		case "push", "pipeline", "parent_pipeline":
			info.Event = EventPush
		case "web", "api", "trigger", "chat":
			info.Event = EventManual
		}
	}

	if e.is("CI_ENVIRONMENT_ACTION", "stop") {
		info.Event = EventPullRequestClosed
	}
	return info, nil
}
