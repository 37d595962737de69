//go:build unix && !linux

package testservice

import "syscall"

// sysProcAttr runs a child as as (nil: as ourselves). There is no
// parent-death signal outside Linux: a crashed test binary leaves its
// servers running.
func sysProcAttr(as *account, _ syscall.Signal) *syscall.SysProcAttr {
	if as == nil {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: as.uid, Gid: as.gid}}
}
