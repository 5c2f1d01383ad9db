package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/bwstate/bwstate/internal/live"
	"github.com/bwstate/bwstate/providers/broadworks/sshconn"
)

// envProgressInterval sets how often plan and apply print a status line
// when their output is not redrawn live (docs/cli.md).
const envProgressInterval = "BWSTATE_PROGRESS_INTERVAL"

// progressInterval reads BWSTATE_PROGRESS_INTERVAL: a Go duration, 0 for
// no status lines; live.DefaultInterval when unset.
func progressInterval(e *env) (time.Duration, error) {
	v := e.getenv(envProgressInterval)
	if v == "" {
		return live.DefaultInterval, nil
	}
	d, err := time.ParseDuration(v)
	if v == "0" {
		d, err = 0, nil
	}
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q is not a duration: set it to one such as 30s or 2m, or to 0 for no status lines", envProgressInterval, v)
	}
	return d, nil
}

// progressView is how a command shows progress on one output: live on a
// terminal that may be redrawn (the rules of colour: a terminal, neither
// -no-color nor NO_COLOR, TERM not dumb), otherwise status lines every
// interval.
type progressView struct {
	out  io.Writer
	opts live.Options
	slot *displaySlot
}

func newProgressView(e *env, out io.Writer, color *colorOptions, interval time.Duration) progressView {
	return progressView{out: out, opts: live.Options{Live: color.enabled(e, out), Interval: interval}, slot: e.displays}
}

// start shows src until the returned display is closed; while it is open,
// a passphrase prompt suspends it.
func (v progressView) start(src live.Source) *live.Display {
	d := live.Start(v.out, src, v.opts)
	v.slot.set(d)
	return d
}

// stop closes d (clearing a live area) before anything else is printed.
func (v progressView) stop(d *live.Display) {
	v.slot.set(nil)
	d.Close()
}

// displaySlot holds the progress display in use by a command, so that a
// passphrase prompt can suspend it. The zero of *displaySlot (nil) holds
// nothing.
type displaySlot struct {
	mu sync.Mutex
	d  *live.Display
}

func (s *displaySlot) set(d *live.Display) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = d
}

func (s *displaySlot) get() *live.Display {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.d
}

// suspendingPrompter asks for a passphrase with the progress display
// suspended: its live area cleared and its lines held, so the question is
// neither overwritten nor interleaved.
type suspendingPrompter struct {
	p    sshconn.Prompter
	slot *displaySlot
}

func (p suspendingPrompter) Passphrase(keyFile string) ([]byte, error) {
	if d := p.slot.get(); d != nil {
		d.Suspend()
		defer d.Resume()
	}
	return p.p.Passphrase(keyFile)
}
