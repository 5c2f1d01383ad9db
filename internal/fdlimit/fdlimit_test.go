//go:build linux || darwin

package fdlimit

import (
	"errors"
	"syscall"
	"testing"
)

// TestEnsure lowers the soft limit (a process may), asks for more, and
// checks it was raised; then asks beyond the hard limit and gets an error
// naming both limits. The limit is restored afterwards.
func TestEnsure(t *testing.T) {
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })
	if orig.Max < 512 {
		t.Skipf("hard limit %d too low to test", orig.Max)
	}
	low := orig
	low.Cur = 256
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	l, err := Ensure(200)
	if err != nil || l.Soft != 256 || l.RaisedFrom != 0 {
		t.Errorf("enough already: got %+v, %v; want soft 256, not raised", l, err)
	}
	l, err = Ensure(400)
	if err != nil || l.Soft != 400 || l.RaisedFrom != 256 {
		t.Errorf("raise: got %+v, %v; want soft 400 raised from 256", l, err)
	}
	var now syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now); err != nil || now.Cur != 400 {
		t.Errorf("the process's limit is %d, want 400", now.Cur)
	}
	if orig.Max == ^uint64(0) { // unlimited
		return
	}
	_, err = Ensure(uint64(orig.Max) + 1)
	var tl *TooLowError
	if !errors.As(err, &tl) || tl.Soft != uint64(orig.Max) || tl.Need != uint64(orig.Max)+1 {
		t.Errorf("beyond the hard limit: got %v; want a TooLowError at the hard limit", err)
	}
}
