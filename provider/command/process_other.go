//go:build !unix

package command

import "os/exec"

// inProcessGroup leaves cmd as it is: without process groups, cancellation
// kills the shell only.
func inProcessGroup(cmd *exec.Cmd) {}
