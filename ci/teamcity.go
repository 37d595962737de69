package ci

// TeamCity puts only the commit in the environment (BUILD_VCS_NUMBER, with a
// single VCS root). The branch, pull request and build URL are configuration
// parameters, which a build passes on explicitly as PLINTH_CI_* environment
// variables, for example env.PLINTH_CI_BRANCH=%teamcity.build.branch%;
// docs/ci.md has the full set. Without them the event is unknown.

func isTeamCity(e env) bool { return e.get("TEAMCITY_VERSION") != "" }

func readTeamCity(e env) (Info, error) {
	return Info{Commit: e.get("BUILD_VCS_NUMBER")}, nil
}
