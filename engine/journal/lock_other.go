//go:build !unix

package journal

// pidAlive cannot tell on this platform, so it never calls a lock dead.
func pidAlive(int) bool { return true }
