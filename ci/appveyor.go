package ci

// AppVeyor. On pull requests APPVEYOR_REPO_BRANCH is the target branch.
// AppVeyor runs nothing when a pull request closes.

func isAppVeyor(e env) bool { return e.on("APPVEYOR") }

func readAppVeyor(e env) (Info, error) {
	info := Info{
		Event:    EventPush,
		Branch:   e.get("APPVEYOR_REPO_BRANCH"),
		Commit:   e.get("APPVEYOR_REPO_COMMIT"),
		Author:   e.get("APPVEYOR_REPO_COMMIT_AUTHOR"),
		BuildURL: join(e.get("APPVEYOR_URL"), "/project/", e.get("APPVEYOR_ACCOUNT_NAME"), "/", e.get("APPVEYOR_PROJECT_SLUG"), "/builds/", e.get("APPVEYOR_BUILD_ID")),
	}
	switch {
	case e.get("APPVEYOR_PULL_REQUEST_NUMBER") != "":
		n, err := e.number("APPVEYOR_PULL_REQUEST_NUMBER")
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		info.PullRequest = n
		info.TargetBranch = info.Branch
		info.Branch = e.get("APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH")
		info.Commit = firstString(e.get("APPVEYOR_PULL_REQUEST_HEAD_COMMIT"), info.Commit)
	case e.on("APPVEYOR_REPO_TAG") || e.get("APPVEYOR_REPO_TAG_NAME") != "":
		info.Event = EventTag
		info.Tag = e.get("APPVEYOR_REPO_TAG_NAME")
		info.Branch = ""
	case e.on("APPVEYOR_SCHEDULED_BUILD"):
		info.Event = EventUnknown
	case e.on("APPVEYOR_FORCED_BUILD"):
		info.Event = EventManual
	}
	return info, nil
}
