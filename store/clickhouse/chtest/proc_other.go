//go:build !linux

package chtest

import "syscall"

// sysProcAttr has nothing to add where the kernel cannot kill the server
// with its parent; Stop still stops it at the end of a test run.
func sysProcAttr() *syscall.SysProcAttr { return nil }
