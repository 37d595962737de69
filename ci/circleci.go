package ci

import (
	"fmt"
	"strings"
)

// CircleCI. Builds run per pushed commit; CIRCLE_PULL_REQUEST is set when the
// branch has an open pull request, and CircleCI names no target branch and
// runs nothing when a pull request closes.

func isCircleCI(e env) bool { return e.on("CIRCLECI") }

func readCircleCI(e env) (Info, error) {
	info := Info{
		Event:    EventPush,
		Branch:   e.get("CIRCLE_BRANCH"),
		Commit:   e.get("CIRCLE_SHA1"),
		Author:   e.get("CIRCLE_USERNAME"),
		BuildURL: e.get("CIRCLE_BUILD_URL"),
	}
	if tag := e.get("CIRCLE_TAG"); tag != "" {
		info.Event, info.Tag, info.Branch = EventTag, tag, ""
		return info, nil
	}
	// https://github.com/o/r/pull/12, https://bitbucket.org/o/r/pull-requests/12,
	// https://gitlab.com/o/r/-/merge_requests/12: the number is the last part.
	if u := e.get("CIRCLE_PULL_REQUEST"); u != "" {
		trimmed := strings.TrimRight(u, "/")
		n, err := prNumber("CIRCLE_PULL_REQUEST", trimmed[strings.LastIndex(trimmed, "/")+1:])
		if err != nil {
			return Info{}, fmt.Errorf("ci: CIRCLE_PULL_REQUEST=%q does not end in a pull request number", u)
		}
		info.Event, info.PullRequest = EventPullRequest, n
		return info, nil
	}
	// Pull requests from forks carry only the number.
	if e.get("CIRCLE_PR_NUMBER") != "" {
		n, err := e.number("CIRCLE_PR_NUMBER")
		if err != nil {
			return Info{}, err
		}
		info.Event, info.PullRequest = EventPullRequest, n
	}
	return info, nil
}
