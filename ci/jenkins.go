package ci

import "strings"

// Jenkins. Pull requests and tags are known only to multibranch pipelines
// (CHANGE_*, TAG_NAME); a plain job knows its branch from the git plugin's
// GIT_BRANCH. Jenkins does not say whether a person started the build, and
// a closed pull request removes its job instead of running it.

// isJenkins wants BUILD_ID as well as JENKINS_URL: people set JENKINS_URL in
// their own shells for the Jenkins CLI, and a laptop is not a build.
func isJenkins(e env) bool { return e.get("JENKINS_URL") != "" && e.get("BUILD_ID") != "" }

func readJenkins(e env) (Info, error) {
	info := Info{
		Event:    EventPush,
		Commit:   e.get("GIT_COMMIT"),
		BuildURL: e.get("BUILD_URL"),
		Branch:   e.get("BRANCH_NAME"),
	}
	if info.Branch == "" {
		b := e.get("GIT_BRANCH")
		for _, p := range []string{"refs/remotes/origin/", "remotes/origin/", "origin/", "refs/heads/"} {
			if rest, ok := strings.CutPrefix(b, p); ok {
				b = rest
				break
			}
		}
		info.Branch = b
	}
	switch {
	case e.get("CHANGE_ID") != "":
		n, err := e.number("CHANGE_ID")
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		info.PullRequest = n
		// BRANCH_NAME is PR-<n> here.
		info.Branch = e.get("CHANGE_BRANCH")
		info.TargetBranch = e.get("CHANGE_TARGET")
		info.Author = e.get("CHANGE_AUTHOR")
	case e.get("TAG_NAME") != "":
		info.Event = EventTag
		info.Tag = e.get("TAG_NAME")
		info.Branch = ""
	}
	return info, nil
}
