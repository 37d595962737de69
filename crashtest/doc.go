// Package crashtest holds the tests that break things on purpose: the real
// plinth binary is killed with SIGKILL at chosen points (PLINTH_FAILPOINTS)
// in the middle of up and destroy, or given write errors, and the next
// commands must find every resource that exists, settle what was in flight,
// and converge with no orphan and no duplicate.
package crashtest
