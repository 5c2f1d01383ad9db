//go:build !unix

package journal

import "os"

// pidAlive cannot tell on this platform, so it never calls a lock dead.
func pidAlive(int) bool { return true }

// lockFile is a no-op where flock does not exist: appends of one process
// are still serialised, but two processes must not append at once (run
// bwstate from one controller session at a time).
func lockFile(*os.File, bool) error { return nil }

func unlockFile(*os.File) {}
