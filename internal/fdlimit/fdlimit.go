// Package fdlimit makes sure a process may open the files a run needs:
// every host in flight holds an SSH connection (a socket), and a
// transcript file when transcripts are on. Go raises the soft
// RLIMIT_NOFILE to the hard limit when it starts on Linux and macOS, so a
// raise is rarely needed; a hard limit below the need cannot be raised by
// an unprivileged process, and the caller then says what to do.
package fdlimit

import "fmt"

// Limit is the open-file limit of the process.
type Limit struct {
	// Soft is the limit in force, Hard the most it may be raised to
	// without privileges; both 0 where the platform does not say.
	Soft, Hard uint64
	// RaisedFrom is the soft limit before Ensure raised it (0: not raised).
	RaisedFrom uint64
}

// String says what Ensure did, for logs: "open files: soft limit 1024
// raised to 4096 (hard 524288)".
func (l Limit) String() string {
	if l.RaisedFrom != 0 {
		return fmt.Sprintf("open files: soft limit %d raised to %d (hard %d)", l.RaisedFrom, l.Soft, l.Hard)
	}
	return fmt.Sprintf("open files: soft limit %d (hard %d)", l.Soft, l.Hard)
}

// TooLowError is Ensure's error when the hard limit is below the need.
type TooLowError struct {
	Need uint64
	Limit
}

func (e *TooLowError) Error() string {
	return fmt.Sprintf("needs about %d open files, but this process may open at most %d (ulimit -n; the hard limit is %d, ulimit -Hn)", e.Need, e.Soft, e.Hard)
}
