// Package pipeline writes the pipeline file `plinth ci init PROVIDER` puts
// in a repository: a working starting point that runs `plinth deploy` on the
// events that system can report, so the repository deploys itself (spec
// section 7).
//
// # What it promises
//
// Every file, for every provider in Providers:
//
//   - sets up Go 1.26 the way that system usually does (an action, an image,
//     a runtime, a tool task) and installs Plinth with
//     `go install github.com/plinth-iac/plinth/cmd/plinth@VERSION`;
//   - runs `plinth deploy` on pushes and on pull requests, and on closed pull
//     requests where the system can run on them (GitHub: the pull_request
//     closed type; GitLab: the stop job of the merge request's environment;
//     CodeBuild: the webhook events PULL_REQUEST_MERGED and
//     PULL_REQUEST_CLOSED, which the file's comment asks for), with
//     --summary-file where the system can show the file;
//   - gives `plinth deploy` the stack identity key as PLINTH_AGE_KEY from that
//     system's secret store, never from the file itself, and says in a
//     comment where to put it;
//   - is valid for its system: YAML that parses, or for Jenkins a declarative
//     pipeline in Groovy.
//
// File is a pure function of its arguments: the same provider and Options
// always give the same bytes, so the files can be compared with golden copies
// and regenerated without surprises. It checks Options.PlinthVersion and
// Options.Dir before they are written into shell commands.
package pipeline
