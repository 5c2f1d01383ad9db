// Package leaktest checks that a test leaves no goroutine behind, with
// go.uber.org/goleak, waiting long enough for SSH connections and
// simulated servers that end asynchronously.
//
// goleak sees every goroutine of the process, so a test that uses it must
// not run in parallel with other tests of its package (no t.Parallel
// there): their goroutines would count as leaks.
package leaktest

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Baseline records the goroutines running now and returns a check that
// fails t when others are still running wait after it is called. Both
// ends of a connection close asynchronously, so the check retries:
// goleak.Find retries for about half a second itself (v1.3.0 has no option
// to lengthen that, uber-go/goleak#93), and the check repeats it until the
// deadline. A goroutine that was running at the baseline is never
// reported, even if it ends and another starts in its place.
func Baseline(t testing.TB, wait time.Duration) func() {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	return func() {
		t.Helper()
		deadline := time.Now().Add(wait)
		for {
			err := goleak.Find(ignore)
			if err == nil {
				return
			}
			if !time.Now().Before(deadline) {
				t.Fatalf("goroutines left behind (waited %s): %v", wait, err)
				return
			}
		}
	}
}
