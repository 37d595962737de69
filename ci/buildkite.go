package ci

// Buildkite. BUILDKITE_PULL_REQUEST is "false" outside pull requests;
// BUILDKITE_SOURCE says whether a person started the build. Buildkite runs
// nothing when a pull request closes.

func isBuildkite(e env) bool { return e.on("BUILDKITE") }

func readBuildkite(e env) (Info, error) {
	info := Info{
		Event:    EventPush,
		Branch:   e.get("BUILDKITE_BRANCH"),
		Commit:   e.get("BUILDKITE_COMMIT"),
		Author:   e.get("BUILDKITE_BUILD_AUTHOR"),
		BuildURL: e.get("BUILDKITE_BUILD_URL"),
	}
	// A build created without a commit says HEAD until the agent checks out.
	if info.Commit == "HEAD" {
		info.Commit = ""
	}
	if pr := e.get("BUILDKITE_PULL_REQUEST"); pr != "" && pr != "false" {
		n, err := e.number("BUILDKITE_PULL_REQUEST")
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		info.PullRequest = n
		info.TargetBranch = e.get("BUILDKITE_PULL_REQUEST_BASE_BRANCH")
		return info, nil
	}
	if tag := e.get("BUILDKITE_TAG"); tag != "" {
		info.Event, info.Tag, info.Branch = EventTag, tag, ""
		return info, nil
	}
	switch e.get("BUILDKITE_SOURCE") {
	case "ui", "api":
		info.Event = EventManual
	case "schedule":
		info.Event = EventUnknown
	}
	return info, nil
}
