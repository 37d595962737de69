package pipeline_test

import (
	"fmt"
	"strings"

	"github.com/plinth-iac/plinth/ci/pipeline"
)

func ExampleFile() {
	path, content, err := pipeline.File("codebuild", pipeline.Options{PlinthVersion: "v1.4.0", Dir: "infra"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(path)
	for _, line := range strings.Split(string(content), "\n") {
		if strings.Contains(line, "go install") || strings.Contains(line, "- plinth deploy") {
			fmt.Println(strings.TrimSpace(line))
		}
	}
	// Output:
	// buildspec.yml
	// - go install github.com/plinth-iac/plinth/cmd/plinth@v1.4.0
	// - plinth deploy --cwd=infra
}
