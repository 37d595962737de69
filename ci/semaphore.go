package ci

// Semaphore. On pull requests SEMAPHORE_GIT_BRANCH is the target branch and
// SEMAPHORE_GIT_PR_BRANCH the source. Semaphore runs nothing when a pull
// request closes.

func isSemaphore(e env) bool { return e.on("SEMAPHORE") }

func readSemaphore(e env) (Info, error) {
	info := Info{
		Branch:   e.get("SEMAPHORE_GIT_BRANCH"),
		Commit:   e.get("SEMAPHORE_GIT_SHA"),
		Author:   e.first("SEMAPHORE_GIT_COMMIT_AUTHOR", "SEMAPHORE_WORKFLOW_TRIGGERED_BY"),
		BuildURL: join(e.get("SEMAPHORE_ORGANIZATION_URL"), "/workflows/", e.get("SEMAPHORE_WORKFLOW_ID")),
	}
	switch e.get("SEMAPHORE_GIT_REF_TYPE") {
	case "pull-request":
		n, err := e.number("SEMAPHORE_GIT_PR_NUMBER")
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		info.PullRequest = n
		info.TargetBranch = info.Branch
		info.Branch = e.get("SEMAPHORE_GIT_PR_BRANCH")
		info.Commit = firstString(e.get("SEMAPHORE_GIT_PR_SHA"), info.Commit)
	case "tag":
		info.Event = EventTag
		info.Tag = e.get("SEMAPHORE_GIT_TAG_NAME")
		info.Branch = ""
	case "branch":
		switch {
		case e.on("SEMAPHORE_WORKFLOW_TRIGGERED_BY_SCHEDULE"):
			info.Event = EventUnknown
		case e.on("SEMAPHORE_WORKFLOW_TRIGGERED_BY_MANUAL_RUN"), e.on("SEMAPHORE_WORKFLOW_TRIGGERED_BY_API"):
			info.Event = EventManual
		default:
			info.Event = EventPush
		}
	}
	return info, nil
}
