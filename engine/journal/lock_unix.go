//go:build unix

package journal

import (
	"errors"
	"os"
	"syscall"
)

// pidAlive reports whether a process with pid exists on this machine. EPERM
// means it exists but belongs to someone else.
func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// lockFile takes an advisory lock on f (flock): exclusive for writers,
// shared for readers. It waits for the holder; every holder keeps it for
// the time of one append or one read of the file. The kernel drops it when
// the process dies, so a killed apply never leaves it behind.
func lockFile(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

func unlockFile(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
