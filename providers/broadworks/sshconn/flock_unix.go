//go:build unix

package sshconn

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock, as other bwstate processes
// appending to the same known_hosts file do.
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
}

func unlockFile(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
