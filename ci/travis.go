package ci

// Travis CI. On pull requests TRAVIS_BRANCH is the target branch and
// TRAVIS_PULL_REQUEST_BRANCH the source; Travis names no author and runs
// nothing when a pull request closes.

func isTravis(e env) bool { return e.on("TRAVIS") }

func readTravis(e env) (Info, error) {
	info := Info{
		Branch:   e.get("TRAVIS_BRANCH"),
		Commit:   e.get("TRAVIS_COMMIT"),
		BuildURL: e.get("TRAVIS_BUILD_WEB_URL"),
	}
	switch e.get("TRAVIS_EVENT_TYPE") {
	case "pull_request":
		n, err := e.number("TRAVIS_PULL_REQUEST")
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		info.PullRequest = n
		info.TargetBranch = info.Branch
		info.Branch = e.get("TRAVIS_PULL_REQUEST_BRANCH")
		info.Commit = firstString(e.get("TRAVIS_PULL_REQUEST_SHA"), info.Commit)
		return info, nil
	case "push":
		info.Event = EventPush
	case "api":
		info.Event = EventManual
	}
	// On tag builds TRAVIS_BRANCH holds the tag name.
	if tag := e.get("TRAVIS_TAG"); tag != "" {
		info.Tag, info.Branch = tag, ""
		if info.Event == EventPush {
			info.Event = EventTag
		}
	}
	return info, nil
}
