//go:build !unix

package ptytest

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
