//go:build linux || darwin

package fdlimit

import (
	"fmt"
	"syscall"
)

// Ensure raises the soft RLIMIT_NOFILE to need when it is lower, up to the
// hard limit, and returns the limit in force. When the hard limit is below
// need it raises the soft limit to the hard one and returns a *TooLowError.
func Ensure(need uint64) (Limit, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return Limit{}, fmt.Errorf("read the open-file limit: %w", err)
	}
	l := Limit{Soft: uint64(rl.Cur), Hard: uint64(rl.Max)}
	if l.Soft >= need {
		return l, nil
	}
	target := min(need, l.Hard)
	if target > l.Soft {
		rl.Cur = target
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return l, fmt.Errorf("raise the open-file limit from %d to %d: %w", l.Soft, target, err)
		}
		l.RaisedFrom, l.Soft = l.Soft, target
	}
	if l.Soft < need {
		return l, &TooLowError{Need: need, Limit: l}
	}
	return l, nil
}
