package mop

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/bwstate/bwstate/engine/review"
	"github.com/bwstate/bwstate/engine/views"
)

// md builds a Markdown document (CommonMark with GitHub tables). Every
// string that reaches it from a plan or the journal goes through text or
// code, which escape what Markdown would act on.
type md struct{ b strings.Builder }

func (m *md) line(format string, args ...any) {
	fmt.Fprintf(&m.b, format, args...)
	m.b.WriteByte('\n')
}

func (m *md) blank() { m.b.WriteByte('\n') }

// mdText escapes text for Markdown prose and table cells.
func mdText(s string) string {
	s = views.Clean(s)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|&~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode makes a code span of s that no content can end early; in a table
// cell, pipes are escaped as GitHub tables require.
func mdCode(s string, inTable bool) string {
	s = views.Clean(s)
	if s == "" {
		return ""
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		s = " " + s + " "
	}
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	return fence + s + fence
}

// codeBlock writes lines as a fenced block no line can close early.
func (m *md) codeBlock(lang string, lines []string) {
	fence := "```"
	for _, l := range lines {
		for strings.Contains(l, fence) {
			fence += "`"
		}
	}
	m.line("%s%s", fence, lang)
	for _, l := range lines {
		m.line("%s", views.Clean(l))
	}
	m.line("%s", fence)
}

func (m *md) table(header []string, rows [][]string) {
	m.line("| %s |", strings.Join(header, " | "))
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
	}
	m.line("| %s |", strings.Join(seps, " | "))
	for _, r := range rows {
		for i, c := range r {
			if c == "" {
				r[i] = " "
			}
		}
		m.line("| %s |", strings.Join(r, " | "))
	}
	m.blank()
}

func mdHosts(hosts []string) string {
	if len(hosts) == 0 {
		return "none"
	}
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = mdText(h)
	}
	return strings.Join(out, ", ")
}

// ReviewMarkdown writes a change review as Markdown, for a ticket.
func ReviewMarkdown(w io.Writer, r *review.Review) error {
	m := &md{}
	h := r.Header
	m.line("# %s", mdText(h.Title))
	m.blank()
	m.line("*Change review (method of procedure), made by bwstate from a saved plan.*")
	m.blank()
	m.table([]string{"", ""}, [][]string{
		{"Plan file", mdCode(h.Plan.File, true) + ", made " + mdText(h.Plan.CreatedAt) + ", mode " + mdText(h.Plan.Mode)},
		{"Plan file SHA-256", mdCode(h.Plan.SHA256, true)},
		{"Plan hash", mdCode(h.Plan.PlanHash, true) + " (apply records it in the journal; `bwstate journal show RUN` shows it)"},
		{"Configuration", mdText(configText(h.Configuration))},
		{"Git", mdText(gitText(h.Configuration.Git))},
		{"Prepared by", mdText(h.PreparedBy) + " at " + mdText(h.PreparedAt)},
	})
	for _, wmsg := range r.Warnings {
		m.line("> **Warning:** %s", mdText(wmsg))
		m.blank()
	}

	im := r.Impact
	m.line("## Impact")
	m.blank()
	m.line("%s", mdCode(im.Summary, false))
	m.blank()
	sets := func(title string, s []review.HostSet) {
		if len(s) == 0 {
			return
		}
		var rows [][]string
		for _, x := range s {
			rows = append(rows, []string{mdText(x.Name), mdHosts(x.Hosts)})
		}
		m.table([]string{title, "Hosts changed or restarted"}, rows)
	}
	sets("Type", im.ByType)
	sets("Group", im.ByGroup)
	if len(im.Restarts) > 0 {
		var rows [][]string
		for _, a := range im.Restarts {
			rows = append(rows, []string{mdText(a.App), mdHosts(a.Hosts), mdHosts(a.Pending), mdHosts(a.NotRestarted)})
		}
		m.table([]string{"Application", "Restarted on", "Stays pending on", "Not restarted on"}, rows)
	} else {
		m.line("No application is restarted.")
		m.blank()
	}
	if len(im.Interruptions) > 0 {
		m.line("Expected service interruption:")
		m.blank()
		var rows [][]string
		for _, in := range im.Interruptions {
			rows = append(rows, []string{mdText(in.Host), mdText(in.App), dur(in.Estimate.Seconds), mdText(in.Estimate.Basis)})
		}
		m.table([]string{"Host", "Application", "Down for about", "Basis"}, rows)
	}
	if len(im.LeftAlone) > 0 {
		m.line("Hosts left alone:")
		m.blank()
		var rows [][]string
		for _, n := range im.LeftAlone {
			rows = append(rows, []string{mdText(n.Host), mdText(n.Text)})
		}
		m.table([]string{"Host", "Why"}, rows)
	}
	if len(im.Advisories) > 0 {
		m.line("Advisories at plan time:")
		m.blank()
		for _, n := range im.Advisories {
			m.line("- **%s**: %s", mdText(n.Host), mdText(n.Text))
		}
		m.blank()
	}
	if len(im.Checks) > 0 {
		m.line("Checks at plan time:")
		m.blank()
		var rows [][]string
		for _, c := range im.Checks {
			res := "passed"
			if !c.Passed {
				res = "**failed**"
				if c.Message != "" {
					res += ": " + mdText(c.Message)
				}
			}
			rows = append(rows, []string{mdText(c.Host), mdText(c.Check), res})
		}
		m.table([]string{"Host", "Check", "Result"}, rows)
	}

	s := r.Schedule
	m.line("## Schedule")
	m.blank()
	size := fmt.Sprintf("batch size %d", s.BatchSize)
	if s.BatchPercent > 0 {
		size = fmt.Sprintf("batches of %d%% of the restarting hosts", s.BatchPercent)
	}
	if len(s.SpreadGroups) > 0 {
		size += fmt.Sprintf(", at most %d host(s) of each of %s per batch", s.MaxPerGroup, mdHosts(s.SpreadGroups))
	}
	m.line("Restart policy **%s**; %s; max\\_failures %d; health\\_timeout %s. Estimated total: **%s**.",
		mdText(s.RestartPolicy), size, s.MaxFailures, dur(s.HealthTimeoutSeconds), dur(s.TotalSeconds))
	m.blank()
	var rows [][]string
	slotList := func(sl []review.Slot) string {
		parts := make([]string, len(sl))
		for i, x := range sl {
			p := mdText(x.Host) + " (" + dur(x.Seconds)
			for _, rs := range x.Restarts {
				p += "; " + mdText(rs.App) + " " + dur(rs.Estimate.Seconds)
			}
			parts[i] = p + ")"
		}
		return strings.Join(parts, ", ")
	}
	if len(s.Unbatched) > 0 {
		rows = append(rows, []string{fmt.Sprintf("Hosts without a restart, %d at a time", s.Parallelism), clock(0), dur(s.UnbatchedSeconds), slotList(s.Unbatched)})
	}
	for _, b := range s.Batches {
		rows = append(rows, []string{fmt.Sprintf("Batch %d", b.Number), clock(b.StartSeconds), dur(b.Seconds), slotList(b.Hosts)})
	}
	if len(rows) == 0 {
		m.line("Nothing to do: apply contacts no host.")
		m.blank()
	} else {
		m.table([]string{"Step", "Starts", "Takes about", "Hosts"}, rows)
		m.line("Timeline (`=` at work, `#` restart window):")
		m.blank()
		m.codeBlock("text", textTimeline(s.Timeline))
		m.blank()
	}
	m.line("Estimates:")
	m.blank()
	m.estimates(s.Estimates)
	for _, n := range s.Notes {
		m.line("- %s", mdText(n))
	}
	m.blank()

	m.line("## Hosts")
	m.blank()
	for _, h := range r.Hosts {
		head := mdText(h.Name) + " (" + mdText(h.Address) + ", " + mdText(h.Type)
		if h.Release != "" {
			head += " " + mdText(h.Release)
		}
		m.line("### %s): %s", head, mdText(workText(h)))
		m.blank()
		if h.Error != "" {
			m.line("%s", mdText(h.Error))
			m.blank()
			continue
		}
		var about []string
		if len(h.Groups) > 0 {
			about = append(about, "Groups "+mdHosts(h.Groups)+".")
		}
		if f := h.Facts; f != nil {
			fs := "Facts used: type " + mdText(f.Type) + ", release " + mdText(f.Release)
			if len(f.Patches) > 0 {
				fs += ", patches " + mdHosts(f.Patches)
			}
			if len(f.Alarms) > 0 {
				fs += ", alarms " + mdHosts(f.Alarms)
			}
			about = append(about, fs+".")
		}
		if h.EstimateSeconds > 0 {
			about = append(about, "Estimated "+dur(h.EstimateSeconds)+".")
		}
		if len(about) > 0 {
			m.line("%s", strings.Join(about, " "))
			m.blank()
		}
		if len(h.Changes) > 0 {
			var rows [][]string
			for _, c := range h.Changes {
				where := mdCode(c.Path, true)
				if k := keyText(c.Key); k != "" {
					where += " " + mdCode(k, true)
				}
				if len(c.Attrs) == 0 {
					rows = append(rows, []string{symbol(c.Action), where, "(the key identifies the row)", mdText(c.Resource)})
				}
				for _, a := range c.Attrs {
					rows = append(rows, []string{symbol(c.Action), where, mdCode(attrLine(c.Action, a), true), mdText(c.Resource)})
				}
			}
			m.table([]string{"", "Context or row", "Change", "Resource"}, rows)
			m.line("Commands apply sends:")
			m.blank()
			m.codeBlock("text", cliLines(h.Changes))
			m.blank()
		}
		for _, rs := range h.Restarts {
			m.line("- ↻ %s", mdText(restartLine(rs)))
		}
		for _, rs := range h.PendingRestarts {
			m.line("- ! %s", mdText(restartLine(rs)))
		}
		for _, c := range h.Checks {
			mark := "✓"
			if !c.Passed {
				mark = "✗"
			}
			m.line("- %s %s", mark, mdText(checkLine(c)))
		}
		for _, wmsg := range h.Warnings {
			m.line("- warning: %s", mdText(wmsg))
		}
		if len(h.Restarts)+len(h.PendingRestarts)+len(h.Checks)+len(h.Warnings) > 0 {
			m.blank()
		}
		if len(h.Changes)+len(h.Restarts)+len(h.PendingRestarts)+len(h.Checks)+len(h.Warnings) == 0 {
			m.line("Nothing to do: in the desired state.")
			m.blank()
		}
	}

	v := r.Verification
	m.line("## Verification")
	m.blank()
	if len(v.Checks) > 0 {
		m.line("Apply evaluates these checks on each host once its changes and restarts are done; a failed check fails the host and counts against max\\_failures.")
		m.blank()
		var rows [][]string
		for _, c := range v.Checks {
			rows = append(rows, []string{mdText(c.Check), mdHosts(c.Hosts), mdHosts(c.FailingNow)})
		}
		m.table([]string{"Check", "Hosts", "Failing at plan time"}, rows)
	} else {
		m.line("No check targets the hosts apply changes.")
		m.blank()
	}
	m.line("After the apply:")
	m.blank()
	for _, st := range v.Commands {
		m.line("- %s: %s", mdCode(st.Command, false), mdText(st.Expect))
	}
	m.blank()

	rb := r.Rollback
	m.line("## Rollback")
	m.blank()
	if rb.Command == "" {
		m.line("Nothing to roll back: this plan changes no value.")
		m.blank()
	} else {
		m.line("Every apply that changes something writes a revert plan for its run. To undo the change, run %s. It checks that every value is still what the run left, then, if every change of this plan was made, does this (fewer hosts if the run stopped early):", mdCode(rb.Command, false))
		m.blank()
		for _, h := range rb.Hosts {
			m.line("%s:", mdText(h.Host))
			m.blank()
			m.codeBlock("text", rollbackLines(h))
			m.blank()
		}
	}
	if len(rb.Manual) > 0 {
		m.line("Not in the revert plan: restore by hand.")
		m.blank()
		for _, x := range rb.Manual {
			m.line("- %s", mdText(x))
		}
		m.blank()
	}
	m.line("---")
	m.blank()
	m.line("*Document format %s; `bwstate show -format json` gives the same content as data.*", review.FormatVersion)
	_, err := io.WriteString(w, m.b.String())
	if err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

// textTimeline draws a timeline in characters: a row per host, `=` at
// work, `#` in a restart window, `x` for a failed host.
func textTimeline(tl review.Timeline) []string {
	const width = 60
	lanes := tl.Lanes
	if len(lanes) > maxLanes {
		lanes = byGroup(lanes)
	}
	total := math.Max(tl.Seconds, 1)
	for _, l := range lanes {
		total = math.Max(total, l.StartSeconds+l.Seconds)
	}
	col := func(t float64) int { return min(int(t/total*width), width-1) }
	nameW := 4
	for _, l := range lanes {
		nameW = max(nameW, len([]rune(views.Clean(l.Host))))
	}
	var out []string
	pad := strings.Repeat(" ", nameW+2)
	// The axis: the start under the first column, the end over the last.
	out = append(out, pad+clock(0)+strings.Repeat(" ", max(width-len(clock(0))-len(clock(total)), 1))+clock(total))
	for _, l := range lanes {
		row := []rune(strings.Repeat(" ", width))
		fill := '='
		switch l.Outcome {
		case "failed", "stale", "interrupted", "unknown":
			fill = 'x'
		}
		for i := col(l.StartSeconds); i <= col(l.StartSeconds+l.Seconds); i++ {
			row[i] = fill
		}
		for _, win := range l.Windows {
			for i := col(win.StartSeconds); i <= col(win.StartSeconds+win.Seconds); i++ {
				row[i] = '#'
			}
		}
		name := views.Clean(l.Host)
		out = append(out, name+strings.Repeat(" ", nameW-len([]rune(name)))+" |"+string(row)+"| "+views.Clean(l.Group))
	}
	return out
}

// estimates writes the table of the estimates a schedule used.
func (m *md) estimates(e review.Estimates) {
	rows := [][]string{
		{"Per write", dur(e.PerWrite.Seconds), mdText(e.PerWrite.Basis)},
		{"Per host", dur(e.HostOverhead.Seconds), mdText(e.HostOverhead.Basis)},
	}
	for _, r := range e.Restarts {
		what := "Restart of " + mdText(r.App)
		if r.Type != "" {
			what += " on " + mdText(r.Type)
		}
		rows = append(rows, []string{what, dur(r.Estimate.Seconds), mdText(r.Estimate.Basis)})
	}
	m.table([]string{"What", "Estimate", "Basis"}, rows)
}
