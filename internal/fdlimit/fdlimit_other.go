//go:build !linux && !darwin

package fdlimit

// Ensure does nothing on other systems: Windows has no per-process limit
// on sockets, and the BSDs' RLIMIT_NOFILE is left to Go's own raise.
func Ensure(need uint64) (Limit, error) { return Limit{}, nil }
