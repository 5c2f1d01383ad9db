package leaktest

import (
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records a failure instead of failing.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = format
	if len(args) > 1 {
		if err, ok := args[1].(error); ok {
			r.failed = err.Error()
		}
	}
}

func TestBaseline(t *testing.T) {
	t.Run("a goroutine that ends in time", func(t *testing.T) {
		r := &recorder{TB: t}
		check := Baseline(r, 5*time.Second)
		done := make(chan struct{})
		go func() { time.Sleep(800 * time.Millisecond); close(done) }()
		check()
		if r.failed != "" {
			t.Errorf("wrong result\ngot: %s\nwant: no failure", r.failed)
		}
		<-done
	})
	t.Run("a goroutine left behind", func(t *testing.T) {
		r := &recorder{TB: t}
		check := Baseline(r, 100*time.Millisecond)
		stop := make(chan struct{})
		go leftBehind(stop)
		check()
		close(stop)
		if !strings.Contains(r.failed, "leftBehind") {
			t.Errorf("wrong result\ngot: %q\nwant: a failure naming leftBehind", r.failed)
		}
	})
}

func leftBehind(stop chan struct{}) { <-stop }
