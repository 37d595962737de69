// Package ci tells which CI system is running Plinth, and what that system
// says about the build: the event (push, pull request, pull request closed,
// tag, manual), the branch, the pull request's target branch and number, the
// commit, who caused it and where the build can be seen.
//
// `plinth deploy` decides what to do from this (spec section 7), and every
// update records it in the stack's history.
//
// # What it promises
//
// Detect reads only what it is given: an environment lookup (os.LookupEnv in
// production) and a file reader (os.ReadFile), used for the one file a CI
// system points to, GitHub's and Gitea's event payload at GITHUB_EVENT_PATH.
// It holds no state, starts no process, and never reads the network or the
// git repository, so the same environment always gives the same Info.
//
// Systems are tried in a fixed order, the more specific first: Gitea and
// Forgejo Actions before GitHub Actions (they set GITHUB_ACTIONS too),
// Woodpecker before GitLab and Drone (all of them set CI_* variables). The
// first system whose marker variable is set wins; the others are not read.
//
// A value a CI system gives in a form Plinth cannot use (a pull request
// number that is not a number, an event payload that cannot be read or is
// not JSON) is an error of one line naming the variable or file. A value the
// system simply does not give is left empty: Detect never guesses.
//
// # Overrides
//
// PLINTH_CI=false (or 0, or no) turns detection off: Detect reports no CI.
//
// Every PLINTH_CI_* variable that is set (PLINTH_CI_SYSTEM, PLINTH_CI_EVENT,
// PLINTH_CI_BRANCH, PLINTH_CI_TARGET_BRANCH, PLINTH_CI_COMMIT,
// PLINTH_CI_PULL_REQUEST, PLINTH_CI_AUTHOR, PLINTH_CI_BUILD_URL, PLINTH_CI_TAG)
// wins over what the detected system says for that field. This is how a
// system that does not put everything in its environment (TeamCity, or
// CodeBuild started by CodePipeline) is completed from its own parameters.
// With no system detected, PLINTH_CI_EVENT or PLINTH_CI_BRANCH alone makes a
// CI system named "generic" (or PLINTH_CI_SYSTEM), described entirely by the
// PLINTH_CI_* set. When PLINTH_CI_EVENT is not set and the system left the
// event unknown, a PLINTH_CI_PULL_REQUEST makes it a pull request, else a
// PLINTH_CI_BRANCH a push, else a PLINTH_CI_TAG a tag.
//
// docs/ci.md lists, for every system, the variables read for each field and
// what the system cannot express.
package ci
