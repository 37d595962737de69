package ci

import "net/url"

// Azure Pipelines. BUILD_REASON says why the build runs. Pull request
// branches come as refs/heads/x from Azure Repos and as plain names from
// GitHub, so both are accepted. Azure runs nothing when a pull request
// closes.

func isAzure(e env) bool { return e.on("TF_BUILD") }

func readAzure(e env) (Info, error) {
	info := Info{
		Commit: e.get("BUILD_SOURCEVERSION"),
		Author: e.get("BUILD_REQUESTEDFOREMAIL"),
	}
	if c, p, id := e.get("SYSTEM_COLLECTIONURI"), e.get("SYSTEM_TEAMPROJECT"), e.get("BUILD_BUILDID"); c != "" && p != "" && id != "" {
		info.BuildURL = join(c, "/", url.PathEscape(p), "/_build/results?buildId=", url.QueryEscape(id))
	}
	branch, tag := refs(e.get("BUILD_SOURCEBRANCH"))
	if branch == "" && tag == "" {
		// BUILD_SOURCEBRANCHNAME is only the last path segment of the
		// branch (feature/x gives x), so it is the last resort.
		branch = e.get("BUILD_SOURCEBRANCHNAME")
	}
	info.Branch, info.Tag = branch, tag

	switch e.get("BUILD_REASON") {
	case "PullRequest":
		// GitHub pull requests have a number apart from their id; Azure
		// Repos pull requests have only the id, which is their number.
		name := "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"
		if e.get(name) == "" {
			name = "SYSTEM_PULLREQUEST_PULLREQUESTID"
		}
		n, err := e.number(name)
		if err != nil {
			return Info{}, err
		}
		info.Event = EventPullRequest
		info.PullRequest = n
		info.Tag = ""
		info.Branch = branchName(e.get("SYSTEM_PULLREQUEST_SOURCEBRANCH"))
		info.TargetBranch = branchName(e.first("SYSTEM_PULLREQUEST_TARGETBRANCH", "SYSTEM_PULLREQUEST_TARGETBRANCHNAME"))
		info.Commit = firstString(e.get("SYSTEM_PULLREQUEST_SOURCECOMMITID"), info.Commit)
	case "IndividualCI", "BatchedCI":
		info.Event = EventPush
		if tag != "" {
			info.Event = EventTag
		}
	case "Manual":
		info.Event = EventManual
	}
	return info, nil
}
