package testservice

import "syscall"

// sysProcAttr runs a child as as (nil: as ourselves) and has the kernel
// send it deathSignal when the test process dies. Go sets the parent-death
// signal after changing credentials, so it survives the switch of user.
func sysProcAttr(as *account, deathSignal syscall.Signal) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Pdeathsig: deathSignal}
	if as != nil {
		attr.Credential = &syscall.Credential{Uid: as.uid, Gid: as.gid}
	}
	return attr
}
