package ci

// Drone (and Harness CI, which keeps Drone's variables). On pull requests
// DRONE_BRANCH is the target branch. Drone runs nothing when a pull request
// closes.

func isDrone(e env) bool { return e.on("DRONE") }

func readDrone(e env) (Info, error) {
	info := Info{
		Branch:   e.first("DRONE_BRANCH", "DRONE_COMMIT_BRANCH"),
		Commit:   e.first("DRONE_COMMIT_SHA", "DRONE_COMMIT"),
		Author:   e.get("DRONE_COMMIT_AUTHOR"),
		BuildURL: e.get("DRONE_BUILD_LINK"),
	}
	switch e.get("DRONE_BUILD_EVENT") {
	case "push":
		info.Event = EventPush
	case "pull_request":
		n, err := e.number("DRONE_PULL_REQUEST")
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		info.PullRequest = n
		info.Branch = firstString(e.get("DRONE_SOURCE_BRANCH"), info.Branch)
		info.TargetBranch = firstString(e.get("DRONE_TARGET_BRANCH"), e.get("DRONE_BRANCH"))
	case "tag":
		info.Event = EventTag
		info.Tag = e.get("DRONE_TAG")
		info.Branch = ""
	case "promote", "custom":
		info.Event = EventManual
	}
	return info, nil
}
