package ci

import (
	"encoding/json"
	"fmt"
	"strings"
)

// GitHub Actions, and Gitea and Forgejo Actions, which copy its variables
// and its event payload. The payload at GITHUB_EVENT_PATH is the only place
// that holds a pull request's head commit, its author, whether it was closed,
// and which branch a delete event deleted.

func isGitea(e env) bool {
	return e.on("GITEA_ACTIONS") || e.on("FORGEJO_ACTIONS")
}

func isGitHub(e env) bool { return e.on("GITHUB_ACTIONS") }

func readGitHub(e env) (Info, error) {
	// GitHub's run page is addressed by GITHUB_RUN_ID.
	return readActions(e, "GITHUB_RUN_ID")
}

func readGitea(e env) (Info, error) {
	// Gitea's and Forgejo's GITHUB_RUN_ID is an id global to the instance;
	// their run pages are addressed by the per-repository run number.
	return readActions(e, "GITHUB_RUN_NUMBER")
}

// actionsEvent is the part of a GitHub (or Gitea) webhook payload Plinth
// reads.
type actionsEvent struct {
	Action      string `json:"action"`
	Number      int    `json:"number"`
	Ref         string `json:"ref"`
	RefType     string `json:"ref_type"`
	PullRequest *struct {
		Number int `json:"number"`
		User   struct {
			Login string `json:"login"`
		} `json:"user"`
		Head struct {
			Ref string `json:"ref"`
			SHA string `json:"sha"`
		} `json:"head"`
		Base struct {
			Ref string `json:"ref"`
		} `json:"base"`
	} `json:"pull_request"`
}

func readActions(e env, runVar string) (Info, error) {
	info := Info{
		Commit:   e.get("GITHUB_SHA"),
		Author:   e.get("GITHUB_ACTOR"),
		BuildURL: join(e.get("GITHUB_SERVER_URL"), "/", e.get("GITHUB_REPOSITORY"), "/actions/runs/", e.get(runVar)),
	}
	branch, tag := refs(e.get("GITHUB_REF"))

	switch name := e.get("GITHUB_EVENT_NAME"); name {
	case "push":
		info.Branch, info.Tag = branch, tag
		info.Event = EventPush
		if tag != "" {
			info.Event = EventTag
		}

	case "pull_request", "pull_request_target":
		info.Event = EventPullRequest
		info.Branch = e.get("GITHUB_HEAD_REF")
		info.TargetBranch = e.get("GITHUB_BASE_REF")
		// pull_request runs on refs/pull/N/merge (Gitea: refs/pull/N/head);
		// pull_request_target runs on the base branch and has no number there.
		if n, ok := pullFromRef(e.get("GITHUB_REF")); ok {
			info.PullRequest = n
		}
		ev, ok, err := e.payload(name)
		if err != nil {
			return Info{}, err
		}
		if !ok {
			return info, nil
		}
		pr := ev.PullRequest
		if pr == nil {
			return Info{}, fmt.Errorf("ci: GITHUB_EVENT_PATH %s: %s payload has no pull_request object", e.get("GITHUB_EVENT_PATH"), name)
		}
		if ev.Action == "closed" {
			info.Event = EventPullRequestClosed
		}
		info.PullRequest = firstInt(pr.Number, ev.Number, info.PullRequest)
		info.Branch = firstString(pr.Head.Ref, info.Branch)
		info.TargetBranch = firstString(pr.Base.Ref, info.TargetBranch)
		info.Commit = firstString(pr.Head.SHA, info.Commit)
		info.Author = firstString(pr.User.Login, info.Author)

	case "delete":
		// GITHUB_REF is the default branch here; the deleted ref is only in
		// the payload.
		ev, ok, err := e.payload(name)
		if err != nil {
			return Info{}, err
		}
		if !ok {
			return Info{}, fmt.Errorf("ci: GITHUB_EVENT_PATH is not set; a delete event names the deleted branch only there")
		}
		if ev.RefType == "branch" {
			info.Event = EventPullRequestClosed
			info.Branch = branchName(ev.Ref)
		} else {
			info.Tag = strings.TrimPrefix(ev.Ref, "refs/tags/")
		}

	case "workflow_dispatch":
		info.Event = EventManual
		info.Branch, info.Tag = branch, tag

	default:
		info.Branch, info.Tag = branch, tag
	}
	return info, nil
}

// payload reads the event payload GITHUB_EVENT_PATH points to; ok is false
// when the variable is not set.
func (e env) payload(event string) (actionsEvent, bool, error) {
	path := e.get("GITHUB_EVENT_PATH")
	if path == "" {
		return actionsEvent{}, false, nil
	}
	data, err := e.readFile(path)
	if err != nil {
		return actionsEvent{}, false, fmt.Errorf("ci: reading GITHUB_EVENT_PATH: %v", oneLine(err.Error()))
	}
	var ev actionsEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return actionsEvent{}, false, fmt.Errorf("ci: GITHUB_EVENT_PATH %s is not a %s event payload: %v", path, event, oneLine(err.Error()))
	}
	return ev, true, nil
}

// pullFromRef reads N from refs/pull/N/merge or refs/pull/N/head.
func pullFromRef(ref string) (int, bool) {
	rest, ok := strings.CutPrefix(ref, "refs/pull/")
	if !ok {
		return 0, false
	}
	num, _, _ := strings.Cut(rest, "/")
	n, err := prNumber("GITHUB_REF", num)
	return n, err == nil
}

func firstInt(vs ...int) int {
	for _, v := range vs {
		if v != 0 {
			return v
		}
	}
	return 0
}

func firstString(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// oneLine keeps an error from a reader that was given to Detect to one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
