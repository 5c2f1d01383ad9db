package mop

import (
	"fmt"
	"io"
	"strings"

	"github.com/bwstate/bwstate/engine/review"
	"github.com/bwstate/bwstate/engine/views"
)

// runFacts are the header lines of a run record, shared by Markdown and
// text: label, value (already cleaned, not escaped).
func runFacts(r *review.RunRecord) [][2]string {
	ended := "no run-end record: the run was killed or is still running"
	if r.Run.Complete {
		ended = r.Run.EndedAt
	}
	journal := "not verified: " + r.Journal.Detail
	if r.Journal.Verified {
		journal = "verified: " + r.Journal.Detail
	}
	revert := "none: the run changed no value"
	if r.Revert.Exists {
		revert = r.Revert.Path + ": undo with " + r.Revert.Command
	}
	return [][2]string{
		{"Run", r.Run.ID + ", mode " + r.Run.Mode + ", restart policy " + r.Run.RestartPolicy},
		{"Operator", r.Run.Operator},
		{"Started", r.Run.StartedAt},
		{"Ended", ended},
		{"Result", exitText(r.Run) + ": " + outcomeCounts(r.Counts)},
		{"Took", dur(r.ActualSeconds) + " (estimated " + dur(r.EstimateSeconds) + " from the journal before the run)"},
		{"Plan hash", r.Run.PlanHash},
		{"Configuration hash", r.Run.ConfigHash},
		{"Journal", journal},
		{"Revert plan", revert},
	}
}

func hostRestarts(h review.RunHost) string {
	parts := make([]string, len(h.Restarts))
	for i, r := range h.Restarts {
		parts[i] = fmt.Sprintf("%s %s: %s / %s", views.Clean(r.App), views.Clean(r.Outcome), dur(r.Seconds), dur(r.Estimate.Seconds))
	}
	return strings.Join(parts, "; ")
}

func outcomeText(h review.RunHost) string {
	s := views.Clean(h.Outcome)
	if h.Reason != "" {
		s += ": " + views.Clean(h.Reason)
	}
	return s
}

// RunMarkdown writes a run record as Markdown, for a ticket.
func RunMarkdown(w io.Writer, r *review.RunRecord) error {
	m := &md{}
	m.line("# %s", mdText(r.Title))
	m.blank()
	m.line("*Closing record of an apply run, made by bwstate from its journal.*")
	m.blank()
	var rows [][]string
	for _, f := range runFacts(r) {
		v := mdText(f[1])
		if f[0] == "Plan hash" || f[0] == "Configuration hash" {
			v = mdCode(f[1], true)
		}
		rows = append(rows, []string{f[0], v})
	}
	m.table([]string{"", ""}, rows)
	for _, n := range r.Notes {
		m.line("> %s", mdText(n))
		m.blank()
	}
	m.line("## Outcomes")
	m.blank()
	rows = nil
	for _, h := range r.Hosts {
		took, est := "", ""
		if h.Contacted {
			took = dur(h.Seconds)
		}
		if h.EstimateSeconds > 0 {
			est = dur(h.EstimateSeconds)
		}
		rows = append(rows, []string{mdText(h.Name), mdText(outcomeText(h)), fmt.Sprint(h.Writes), took, est, mdText(hostRestarts(h))})
	}
	m.table([]string{"Host", "Outcome", "Writes", "Took", "Estimated", "Restarts (actual / estimated)"}, rows)
	if len(r.PendingLeft) > 0 {
		m.line("Restarts left pending:")
		m.blank()
		for _, p := range r.PendingLeft {
			app := p.App
			if app == "" {
				app = "an unknown application"
			}
			m.line("- ! %s: restart of %s (%s)", mdText(p.Host), mdText(app), mdText(p.Reason))
		}
		m.blank()
	}
	m.line("Estimates used:")
	m.blank()
	m.estimates(r.Estimates)
	m.line("## Timeline")
	m.blank()
	if len(r.Timeline.Lanes) == 0 {
		m.line("Nothing to draw: no host was contacted.")
	} else {
		m.line("`=` at work (first to last journal record), `#` restart window, `x` failed host:")
		m.blank()
		m.codeBlock("text", textTimeline(r.Timeline))
	}
	m.blank()
	m.line("## Hosts")
	m.blank()
	for _, h := range r.Hosts {
		m.line("### %s: %s", mdText(h.Name), mdText(outcomeText(h)))
		m.blank()
		var lines []string
		for _, e := range h.Events {
			lines = append(lines, fmt.Sprintf("%7s  %-15s %s", clock(e.AtSeconds), e.Step, e.Text))
		}
		m.codeBlock("text", lines)
		m.blank()
	}
	m.line("---")
	m.blank()
	m.line("*Document format %s; `bwstate journal show RUN -format json` gives the same content as data.*", review.FormatVersion)
	if _, err := io.WriteString(w, m.b.String()); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

// RunText writes a run record as plain text, for a terminal.
func RunText(w io.Writer, r *review.RunRecord) error {
	var b strings.Builder
	b.WriteString(views.Clean(r.Title) + "\n")
	for _, f := range runFacts(r) {
		fmt.Fprintf(&b, "  %-19s %s\n", f[0], views.Clean(f[1]))
	}
	for _, n := range r.Notes {
		b.WriteString("note: " + views.Clean(n) + "\n")
	}
	for _, h := range r.Hosts {
		b.WriteString("\n" + views.Clean(h.Name) + ": " + outcomeText(h))
		if h.Contacted {
			fmt.Fprintf(&b, " (took %s, estimated %s)", dur(h.Seconds), dur(h.EstimateSeconds))
		}
		b.WriteString("\n")
		for _, e := range h.Events {
			fmt.Fprintf(&b, "  %7s  %-15s %s\n", clock(e.AtSeconds), e.Step, views.Clean(e.Text))
		}
	}
	for _, p := range r.PendingLeft {
		app := p.App
		if app == "" {
			app = "an unknown application"
		}
		fmt.Fprintf(&b, "\npending: %s: restart of %s (%s)", views.Clean(p.Host), views.Clean(app), views.Clean(p.Reason))
	}
	if len(r.PendingLeft) > 0 {
		b.WriteString("\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write text: %w", err)
	}
	return nil
}
