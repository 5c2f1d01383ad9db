package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/bwstate/bwstate/engine/apply"
	"github.com/bwstate/bwstate/engine/views"
)

// Options configure the renderer.
type Options struct {
	// Color adds ANSI colours; the caller decides (TTY, NO_COLOR).
	Color bool
}

const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	cyan   = "\x1b[36m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// Writer is an apply.Hook that prints one line per event. It is safe for
// concurrent use: apply reports from one goroutine per host, and each line
// is written whole.
type Writer struct {
	mu    sync.Mutex
	w     io.Writer
	color bool
	err   error
}

// New returns a Writer printing to w.
func New(w io.Writer, opts Options) *Writer {
	return &Writer{w: w, color: opts.Color}
}

var _ apply.Hook = (*Writer)(nil)

// Err returns the first write error, if any: a hook cannot fail the run,
// so the caller checks afterwards.
func (p *Writer) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Step implements apply.Hook. Details arrive with sensitive values already
// replaced by (sensitive); text that came from a server (a live value in a
// stale or read-back message, a CLI error) is printed with its control
// characters escaped (views.CleanLines), never raw.
func (p *Writer) Step(e apply.Event) {
	text, colour := describe(e)
	text = views.CleanLines(text)
	// A CLI error can span lines; indent the rest under the host.
	text = strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n           ")
	if p.color && colour != "" {
		text = colour + text + reset
	}
	line := fmt.Sprintf("[%5.1fs] %s: %s\n", e.Elapsed.Seconds(), e.Host, text)
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.w, line); err != nil && p.err == nil {
		p.err = err
	}
}

func describe(e apply.Event) (text, colour string) {
	switch e.Step {
	case apply.StepConnected:
		return "connected", ""
	case apply.StepSet, apply.StepVerify, apply.StepDeferred, apply.StepCleared:
		return e.Detail, ""
	case apply.StepStale:
		if strings.HasPrefix(e.Detail, "stale plan") {
			return e.Detail, yellow
		}
		return "stale: " + e.Detail, yellow
	case apply.StepRestarting:
		return "restarting " + e.App, cyan
	case apply.StepHealthy:
		return fmt.Sprintf("healthy after %.1fs", e.Took.Seconds()), green
	case apply.StepDone:
		if e.Detail == string(apply.OutcomeUnchanged) {
			return "done (unchanged)", green
		}
		return "done", green
	case apply.StepFailed:
		return "failed: " + e.Detail, red
	case apply.StepUntouched:
		return "untouched: " + e.Detail, yellow
	case apply.StepInterrupted:
		return "interrupted: " + e.Detail, yellow
	case apply.StepCheck:
		if strings.Contains(e.Detail, " failed") || strings.HasPrefix(e.Detail, "checks not evaluated") {
			return e.Detail, red
		}
		return e.Detail, green
	}
	if e.Detail != "" {
		return string(e.Step) + ": " + e.Detail, ""
	}
	return string(e.Step), ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Summary writes the final report of a run: a headline with the number of
// hosts changed (whatever happened to them afterwards) and per other
// outcome, then one line per host that failed, was stale, untouched or
// interrupted, with its reason ("failed (changed)" when its changes were
// made first), then restarts left pending, warnings and the revert plan's
// path.
func Summary(w io.Writer, r *apply.Result, opts Options) error {
	c := r.Counts()
	var b strings.Builder
	head := "Apply complete"
	colour := green
	if r.ExitCode != apply.ExitOK {
		head, colour = "Apply incomplete", red
	}
	parts := []string{
		// Hosts the run changed, failed afterwards or not: what the
		// servers received.
		plural(r.ChangedHosts(), "host changed", "hosts changed"),
		fmt.Sprintf("%d unchanged", c[apply.OutcomeUnchanged]),
		fmt.Sprintf("%d failed", c[apply.OutcomeFailed]),
		fmt.Sprintf("%d untouched", c[apply.OutcomeUntouched]),
	}
	if n := c[apply.OutcomeStale]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d stale", n))
	}
	if n := c[apply.OutcomeInterrupted]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d interrupted", n))
	}
	line := head + ": " + strings.Join(parts, ", ") + "."
	if opts.Color {
		line = bold + colour + line + reset
	}
	b.WriteString(line + "\n")
	for _, h := range r.Hosts {
		switch h.Outcome {
		case apply.OutcomeFailed, apply.OutcomeStale, apply.OutcomeUntouched, apply.OutcomeInterrupted:
			reason := strings.ReplaceAll(views.CleanLines(strings.TrimRight(h.Reason, "\n")), "\n", "\n    ")
			outcome := string(h.Outcome)
			if h.Changed && h.Outcome != apply.OutcomeChanged {
				outcome += " (changed)"
			}
			fmt.Fprintf(&b, "  %s %s: %s\n", h.Name, outcome, reason)
		}
	}
	for _, h := range r.Hosts {
		for _, p := range h.PendingLeft {
			if p.Unhealthy != "" {
				// The failure line says what was wrong; this says what
				// happens next.
				fmt.Fprintf(&b, "  %s: %s restarted but not healthy: the next apply checks its health first and restarts it again only if needed\n", h.Name, p.App)
				continue
			}
			app := p.App
			if app == "" {
				app = "an unknown application (restart it by hand, then clear it)"
			}
			since := ""
			if p.PendingSince != "" {
				since = " since run " + p.PendingSince
			}
			fmt.Fprintf(&b, "  %s: restart of %s pending%s\n", h.Name, views.Clean(app), since)
		}
	}
	for _, h := range r.Hosts {
		for _, wn := range h.Warnings {
			fmt.Fprintf(&b, "  %s: warning: %s\n", h.Name, views.CleanLines(wn))
		}
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "  warning: %s\n", views.CleanLines(wn))
	}
	if r.RevertPath != "" {
		fmt.Fprintf(&b, "Revert plan: %s\n", r.RevertPath)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
