package ci_test

import (
	"fmt"
	"os"

	"github.com/plinth-iac/plinth/ci"
)

func ExampleDetect() {
	// In production: ci.Detect(os.LookupEnv, os.ReadFile).
	env := map[string]string{
		"GITLAB_CI":                           "true",
		"CI_PIPELINE_SOURCE":                  "merge_request_event",
		"CI_MERGE_REQUEST_IID":                "118",
		"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/cache",
		"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
		"CI_COMMIT_SHA":                       "77aa88bb",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	info, ok, err := ci.Detect(lookup, os.ReadFile)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ok, info.System, info.Event, info.PullRequest, info.Branch, "->", info.TargetBranch)
	// Output: true gitlab pull_request 118 feature/cache -> main
}
