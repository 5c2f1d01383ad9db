package mop

import (
	"fmt"
	"math"
	"strings"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/review"
	"github.com/bwstate/bwstate/engine/views"
)

// The text of values, keys and durations, shared by every rendering.

// beforeText is an attribute's before-value as the plan's human view
// prints it.
func beforeText(a review.Attr) string {
	switch {
	case a.BeforeUnknown:
		return views.UnknownText
	case a.Sensitive:
		return views.SensitiveText
	case a.Before == nil:
		return ""
	}
	return views.Value(*a.Before)
}

// afterText is an attribute's after-value as the plan's human view prints
// it.
func afterText(a review.Attr) string {
	switch {
	case a.Sensitive:
		return views.SensitiveText
	case a.After == nil:
		return ""
	}
	return views.Value(*a.After)
}

// keyText prints a row key as the plan does: [host=10.9.0.5].
func keyText(key []review.Field) string {
	if len(key) == 0 {
		return ""
	}
	fs := make([]engine.Field, len(key))
	for i, k := range key {
		fs[i] = engine.Field{Name: k.Name, Sensitive: k.Sensitive}
		if k.Value != nil && !k.Sensitive {
			fs[i].Value = *k.Value
		}
	}
	return views.KeyText(fs)
}

// symbol is the plan's symbol of an action.
func symbol(action string) string {
	switch action {
	case "create":
		return "+"
	case "delete":
		return "-"
	}
	return "~"
}

// attrLine is an attribute as a line of the plan: "name: before -> after"
// for an update, "name: after" for an added row, "name" for a deleted one.
func attrLine(action string, a review.Attr) string {
	switch action {
	case "create":
		return views.Clean(a.Name) + ": " + afterText(a)
	case "delete":
		return views.Clean(a.Name) + ": " + beforeText(a) + " (deleted)"
	}
	return views.Clean(a.Name) + ": " + beforeText(a) + " -> " + afterText(a)
}

// dur prints seconds for people.
func dur(sec float64) string { return review.Duration(sec) }

// clock prints an offset from the start as m:ss (h:mm:ss past an hour).
func clock(sec float64) string {
	s := int(math.Round(sec))
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// hostList joins host names.
func hostList(hosts []string) string {
	if len(hosts) == 0 {
		return "none"
	}
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = views.Clean(h)
	}
	return strings.Join(out, ", ")
}

// outcomeCounts prints hosts per outcome: "2 changed, 1 failed".
func outcomeCounts(c map[string]int) string {
	order := []string{"changed", "unchanged", "failed", "stale", "untouched", "interrupted", "unknown"}
	var parts []string
	seen := map[string]bool{}
	for _, k := range order {
		if c[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[k], k))
		}
		seen[k] = true
	}
	for k, n := range c {
		if !seen[k] && n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, views.Clean(k)))
		}
	}
	if len(parts) == 0 {
		return "no host"
	}
	return strings.Join(parts, ", ")
}

// gitText describes the configuration's checkout.
func gitText(g *review.Git) string {
	if g == nil {
		return "not a git checkout"
	}
	s := "commit " + views.Clean(g.Commit)
	if g.Dirty {
		return s + ", work tree dirty: " + hostList(g.DirtyFiles) + " differ from the commit"
	}
	return s + ", work tree clean"
}

// configText describes the configuration the document was made with.
func configText(c review.Configuration) string {
	s := views.Clean(c.Dir) + " (hash " + short(c.Hash) + ")"
	if c.MatchesPlan {
		return s + ": the files the plan was made from"
	}
	return s + ": CHANGED since the plan was made"
}

// short shortens a hash for prose; the full one is in the JSON.
func short(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

// exitText prints a run's exit code.
func exitText(r review.RunRef) string {
	if !r.Complete || r.ExitCode == nil {
		return "incomplete (no run-end record)"
	}
	switch *r.ExitCode {
	case 0:
		return "exit 0: every host done"
	case 3:
		return "exit 3: partial"
	}
	return fmt.Sprintf("exit %d", *r.ExitCode)
}

// estimateText is an estimate with its basis.
func estimateText(e review.Estimate) string {
	return dur(e.Seconds) + " (" + e.Basis + ")"
}

// restartLine is a restart of a host as the plan prints it, with what
// apply does with it.
func restartLine(r review.Restart) string {
	app := views.Clean(r.App)
	if app == "" {
		app = "(unknown application)"
	}
	s := "restart " + app
	if r.PendingSince != "" {
		s += " pending since run " + views.Clean(r.PendingSince)
	}
	if len(r.Reasons) > 0 {
		rs := make([]string, len(r.Reasons))
		for i, x := range r.Reasons {
			rs[i] = views.Clean(x)
		}
		s += " (" + strings.Join(rs, ", ") + ")"
	}
	return s + ": " + r.Action
}

// checkLine is a check's result.
func checkLine(c review.HostCheck) string {
	s := views.Clean(c.Check)
	if c.Passed {
		return s + " passed"
	}
	s += " failed"
	if c.Message != "" {
		s += ": " + views.Clean(c.Message)
	}
	return s
}

// workText says what apply does with a host.
func workText(h review.Host) string {
	switch h.Work {
	case review.WorkChange:
		if h.Batch > 0 {
			return fmt.Sprintf("changed and restarted in batch %d", h.Batch)
		}
		return "changed, no restart now"
	case review.WorkRestart:
		return fmt.Sprintf("restarted in batch %d", h.Batch)
	case review.WorkFailed:
		return "failed at plan time: left alone"
	}
	return "left alone"
}

// cliLines lists the CLI commands of changes as an operator would type
// them: a cd into each context (once for consecutive changes of one
// context), then its writes.
func cliLines(changes []review.Change) []string {
	var out []string
	last := ""
	for _, c := range changes {
		if c.Path != last {
			out = append(out, "cd /"+strings.TrimPrefix(c.Path, "/"))
			last = c.Path
		}
		for _, cmd := range c.Commands {
			out = append(out, "  "+cmd)
		}
	}
	return out
}

// rollbackLines lists what a host's revert does: the writes per context,
// then the restarts.
func rollbackLines(h review.RollbackHost) []string {
	var out []string
	last := ""
	for _, st := range h.Steps {
		if st.Path != last {
			out = append(out, "cd /"+strings.TrimPrefix(st.Path, "/"))
			last = st.Path
		}
		for _, cmd := range st.Commands {
			out = append(out, "  "+cmd)
		}
	}
	return append(out, h.Restarts...)
}
