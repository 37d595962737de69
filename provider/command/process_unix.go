//go:build unix

package command

import (
	"errors"
	"os/exec"
	"syscall"
)

// inProcessGroup starts cmd in a process group of its own and makes
// cancellation kill the whole group, children included.
func inProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return nil // the group is already gone
		}
		return err
	}
}
