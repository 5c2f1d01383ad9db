//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// interruptGroup sends SIGINT to the process group pid leads.
func interruptGroup(pid int) error {
	pgid, err := syscall.Getpgid(pid)
	if err != nil {
		return fmt.Errorf("intgroup: %w", err)
	}
	if pgid != pid {
		return fmt.Errorf("intgroup: process %d does not lead its process group (%d): start it with setsid", pid, pgid)
	}
	return syscall.Kill(-pgid, syscall.SIGINT)
}
