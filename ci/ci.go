package ci

import (
	"fmt"
	"strconv"
	"strings"
)

// Event is what caused a build, in the terms `plinth deploy` acts on.
type Event string

const (
	// EventPush is a push to a branch.
	EventPush Event = "push"
	// EventPullRequest is a pull (merge) request opened, updated or reopened.
	EventPullRequest Event = "pull_request"
	// EventPullRequestClosed is a pull request closed or merged, or a branch
	// deleted: its review stack is no longer wanted.
	EventPullRequestClosed Event = "closed"
	// EventTag is a pushed tag.
	EventTag Event = "tag"
	// EventManual is a build someone started by hand (a button, an API call,
	// a promotion).
	EventManual Event = "manual"
	// EventUnknown is anything else: a schedule, a release, an event Plinth
	// does not act on.
	EventUnknown Event = ""
)

// Info is what a CI system says about the build it is running.
type Info struct {
	System       string `json:"system"`                 // "github", "gitlab", "circleci", "travis", "jenkins", "codebuild", "azure", "bitbucket", "buildkite", "drone", "teamcity", "woodpecker", "gitea", "appveyor", "semaphore", "generic"
	Event        Event  `json:"event,omitempty"`        // what caused the build
	Branch       string `json:"branch,omitempty"`       // source branch (for PRs the head branch)
	TargetBranch string `json:"targetBranch,omitempty"` // PR base branch
	Commit       string `json:"commit,omitempty"`       // the commit built (for PRs the head commit where the system says it)
	PullRequest  int    `json:"pullRequest,omitempty"`  // the number users see, not an internal id
	Author       string `json:"author,omitempty"`       // who caused the build, in the system's own terms (login, e-mail, account id)
	BuildURL     string `json:"buildURL,omitempty"`     // where the build can be seen
	Tag          string `json:"tag,omitempty"`          // the tag, for tag events
}

// Detect returns the CI system described by the environment, or ok=false.
// lookup is os.LookupEnv in production; readFile is os.ReadFile (used for
// GITHUB_EVENT_PATH).
//
// The error, when not nil, is one line naming the variable or file whose
// value could not be used; Info is then empty and ok false.
func Detect(lookup func(string) (string, bool), readFile func(string) ([]byte, error)) (Info, bool, error) {
	e := env{lookup: lookup, readFile: readFile}
	if disabled(e.get("PLINTH_CI")) {
		return Info{}, false, nil
	}

	var info Info
	found := false
	for _, s := range systems() {
		if !s.detect(e) {
			continue
		}
		i, err := s.read(e)
		if err != nil {
			return Info{}, false, err
		}
		info, found = i, true
		info.System = s.name
		break
	}
	if !found {
		if e.get("PLINTH_CI_EVENT") == "" && e.get("PLINTH_CI_BRANCH") == "" {
			return Info{}, false, nil
		}
		info.System = "generic"
	}
	if err := override(e, &info); err != nil {
		return Info{}, false, err
	}
	return info, true, nil
}

// system is one CI system: how to tell it is running, and how to read it.
type system struct {
	name   string
	detect func(env) bool
	read   func(env) (Info, error)
}

// systems lists the CI systems in the order they are tried: a system whose
// marker another system also sets comes before that other system.
func systems() []system {
	return []system{
		{"gitea", isGitea, readGitea},
		{"github", isGitHub, readGitHub},
		{"woodpecker", isWoodpecker, readWoodpecker},
		{"gitlab", isGitLab, readGitLab},
		{"circleci", isCircleCI, readCircleCI},
		{"travis", isTravis, readTravis},
		{"jenkins", isJenkins, readJenkins},
		{"codebuild", isCodeBuild, readCodeBuild},
		{"azure", isAzure, readAzure},
		{"bitbucket", isBitbucket, readBitbucket},
		{"buildkite", isBuildkite, readBuildkite},
		{"drone", isDrone, readDrone},
		{"teamcity", isTeamCity, readTeamCity},
		{"appveyor", isAppVeyor, readAppVeyor},
		{"semaphore", isSemaphore, readSemaphore},
	}
}

// override lays the PLINTH_CI_* variables that are set over info.
func override(e env, info *Info) error {
	if v := e.get("PLINTH_CI_SYSTEM"); v != "" {
		info.System = v
	}
	if v := e.get("PLINTH_CI_BRANCH"); v != "" {
		info.Branch = v
	}
	if v := e.get("PLINTH_CI_TARGET_BRANCH"); v != "" {
		info.TargetBranch = v
	}
	if v := e.get("PLINTH_CI_COMMIT"); v != "" {
		info.Commit = v
	}
	if v := e.get("PLINTH_CI_AUTHOR"); v != "" {
		info.Author = v
	}
	if v := e.get("PLINTH_CI_BUILD_URL"); v != "" {
		info.BuildURL = v
	}
	if v := e.get("PLINTH_CI_TAG"); v != "" {
		info.Tag = v
	}
	pr := 0
	if e.get("PLINTH_CI_PULL_REQUEST") != "" {
		n, err := e.number("PLINTH_CI_PULL_REQUEST")
		if err != nil {
			return err
		}
		info.PullRequest, pr = n, n
	}

	if v := e.get("PLINTH_CI_EVENT"); v != "" {
		ev, err := parseEvent(v)
		if err != nil {
			return err
		}
		info.Event = ev
		return nil
	}
	if info.Event != EventUnknown {
		return nil
	}
	// The system could not say what happened (TeamCity, or none at all):
	// the values the user passed say it.
	switch {
	case pr != 0:
		info.Event = EventPullRequest
	case e.get("PLINTH_CI_BRANCH") != "":
		info.Event = EventPush
	case e.get("PLINTH_CI_TAG") != "":
		info.Event = EventTag
	}
	return nil
}

func parseEvent(v string) (Event, error) {
	switch ev := Event(strings.ToLower(v)); ev {
	case EventPush, EventPullRequest, EventPullRequestClosed, EventTag, EventManual:
		return ev, nil
	}
	return EventUnknown, fmt.Errorf("ci: PLINTH_CI_EVENT=%q is not one of push, pull_request, closed, tag, manual", v)
}

// disabled reports whether PLINTH_CI turns detection off.
func disabled(v string) bool {
	switch strings.ToLower(v) {
	case "false", "0", "no":
		return true
	}
	return false
}

// env reads the environment Detect was given.
type env struct {
	lookup   func(string) (string, bool)
	readFile func(string) ([]byte, error)
}

// get returns the variable's value with surrounding space removed, or "".
// Empty and unset are the same to every system read here.
func (e env) get(name string) string {
	v, _ := e.lookup(name)
	return strings.TrimSpace(v)
}

// first returns the value of the first of names that is set.
func (e env) first(names ...string) string {
	for _, n := range names {
		if v := e.get(n); v != "" {
			return v
		}
	}
	return ""
}

// on reports whether a marker variable is set to something other than a
// false value ("false", "0", "no"): TF_BUILD=True, BUILDKITE=true,
// APPVEYOR=True, but GITEA_ACTIONS=false is off.
func (e env) on(name string) bool {
	v := e.get(name)
	return v != "" && !disabled(v)
}

// is reports whether the variable is set to want, ignoring case.
func (e env) is(name, want string) bool {
	return strings.EqualFold(e.get(name), want)
}

// number reads a pull request number from the variable; 0 when it is unset.
func (e env) number(name string) (int, error) {
	v := e.get(name)
	if v == "" {
		return 0, nil
	}
	return prNumber(name, v)
}

// prNumber parses a pull request number found in the variable name.
func prNumber(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(v, "#"))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("ci: %s=%q is not a pull request number", name, v)
	}
	return n, nil
}

// refs splits a git ref into a branch or a tag: refs/heads/x is branch x,
// refs/tags/v1 is tag v1, anything else is neither.
func refs(ref string) (branch, tag string) {
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return b, ""
	}
	if t, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		return "", t
	}
	return "", ""
}

// branchName strips the refs/heads/ prefix some systems give branches and
// keeps plain names as they are.
func branchName(v string) string {
	return strings.TrimPrefix(v, "refs/heads/")
}

// join builds a URL from parts, dropping the slash doubled where a base ends
// with one; it returns "" when any part is missing, so no half URL is
// reported.
func join(parts ...string) string {
	var b strings.Builder
	for i, p := range parts {
		if p == "" {
			return ""
		}
		if i > 0 && strings.HasSuffix(b.String(), "/") && strings.HasPrefix(p, "/") {
			p = p[1:]
		}
		b.WriteString(p)
	}
	return b.String()
}
