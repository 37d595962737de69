package ci

import "strings"

// Bitbucket Pipelines. It does not say whether a custom pipeline was started
// by hand, names the triggering user only by account UUID, and runs nothing
// when a pull request closes.

func isBitbucket(e env) bool { return e.get("BITBUCKET_BUILD_NUMBER") != "" }

func readBitbucket(e env) (Info, error) {
	info := Info{
		Event:  EventPush,
		Branch: e.get("BITBUCKET_BRANCH"),
		Commit: e.get("BITBUCKET_COMMIT"),
		Author: e.get("BITBUCKET_STEP_TRIGGERER_UUID"),
	}
	// BITBUCKET_GIT_HTTP_ORIGIN is http://bitbucket.org/<workspace>/<repo>.
	origin := e.get("BITBUCKET_GIT_HTTP_ORIGIN")
	if rest, ok := strings.CutPrefix(origin, "http://bitbucket.org/"); ok {
		origin = "https://bitbucket.org/" + rest
	}
	info.BuildURL = join(strings.TrimSuffix(origin, ".git"), "/addon/pipelines/home#!/results/", e.get("BITBUCKET_BUILD_NUMBER"))

	switch {
	case e.get("BITBUCKET_PR_ID") != "":
		n, err := e.number("BITBUCKET_PR_ID")
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		info.PullRequest = n
		info.TargetBranch = e.get("BITBUCKET_PR_DESTINATION_BRANCH")
	case e.get("BITBUCKET_TAG") != "":
		info.Event = EventTag
		info.Tag = e.get("BITBUCKET_TAG")
		info.Branch = ""
	}
	return info, nil
}
