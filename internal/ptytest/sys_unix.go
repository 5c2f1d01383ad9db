//go:build unix

package ptytest

import "syscall"

// sysProcAttr makes the terminal the command's controlling terminal in a
// session of its own, as a shell would: Ctrl-C sent to it reaches the
// command's process group only.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Setctty: true}
}
