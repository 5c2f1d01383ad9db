//go:build !unix

package sshconn

import "os"

// lockFile is a no-op where flock does not exist; appends from one Dialer
// are still serialised by its mutex.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
