package views

import (
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwstate/bwstate/engine"
)

// HumanOptions configure the human view.
type HumanOptions struct {
	// Color adds ANSI colours to the symbols and errors. The caller decides
	// (a terminal, NO_COLOR); the view never looks at the environment.
	Color bool
	// Width wraps warnings (advisories are long) at this many columns,
	// continuing them under their first word; 0 leaves lines as they are,
	// which is what a pipe or a log wants.
	Width int
}

// ANSI SGR codes for the symbols. Plain codes, no library: the view must
// not depend on a terminal.
const (
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiBlue    = "\x1b[34m"
	ansiMagenta = "\x1b[35m"
	ansiCyan    = "\x1b[36m"
	ansiReset   = "\x1b[0m"
)

// Symbols of the human view (docs/plan-output.md).
const (
	symRestart = '↻'
	symPending = '!'
	symFailed  = '✗'
	symDrift   = '≠'
	// symDone marks a pending restart that the host shows was done anyway.
	symDone = '✓'
)

// resourceColumn is the width, after the two-space indent, that the text
// before the resource column is padded to, so resources line up.
const resourceColumn = 52

// Human writes the plan as people read it (docs/plan-output.md): each host
// that has something to do or failed, then one summary line. Hosts with
// nothing to do are only counted. A write error is not reported: the view
// writes the whole text in one call, and a caller that must know can pass a
// writer that remembers its error.
func Human(w io.Writer, p *engine.Plan, opts HumanOptions) {
	h := &human{color: opts.Color, width: opts.Width}
	for _, hp := range p.Hosts {
		h.host(hp)
	}
	for _, msg := range p.Warnings {
		h.warning("", clean(msg))
	}
	if p.Partial() {
		h.warning("", clean(partialWarning(p)))
	}
	if h.b.Len() > 0 {
		h.b.WriteString("\n")
	}
	h.b.WriteString(summaryLine(Summary(p)) + "\n")
	_, _ = io.WriteString(w, h.b.String())
}

type human struct {
	b     strings.Builder
	color bool
	width int
	// column is where the resource column starts for the host being
	// written: resourceColumn, or more when a path with a long row key
	// would reach into it, so one host's resources stay aligned.
	column int
}

// paint wraps s in an ANSI colour when colour is on.
func (h *human) paint(code, s string) string {
	if !h.color {
		return s
	}
	return code + s + ansiReset
}

// listed reports whether a host appears in the human view.
func listed(hp *engine.HostPlan) bool {
	if hp.Error != "" || len(hp.Changes) > 0 || len(hp.Restarts) > 0 || len(hp.Satisfied) > 0 || len(hp.Warnings) > 0 || len(hp.Drift) > 0 {
		return true
	}
	for _, c := range hp.Checks {
		if !c.Passed {
			return true
		}
	}
	return false
}

func (h *human) host(hp *engine.HostPlan) {
	if !listed(hp) {
		return
	}
	if hp.Error != "" {
		h.b.WriteString(clean(hp.Name) + ": " + h.paint(ansiRed, clean(hp.Error)) + "\n")
		return
	}
	what := strings.ToUpper(clean(hp.Type))
	if hp.Release != "" {
		what += " " + clean(hp.Release)
	}
	if hp.Address != "" {
		what = clean(hp.Address) + ", " + what
	}
	h.b.WriteString(clean(hp.Name) + " (" + what + ")\n")
	h.column = resourceColumn
	for _, ch := range hp.Changes {
		h.column = max(h.column, utf8.RuneCountInString(changeText(ch))+4)
	}

	for _, ch := range hp.Changes {
		h.change(ch)
	}
	for _, r := range hp.Restarts {
		h.restart(r)
	}
	for _, r := range hp.Satisfied {
		app := "restart " + clean(r.App)
		if r.App == "" {
			app = "restart of an unknown application"
		}
		h.b.WriteString("  " + h.paint(ansiGreen, string(symDone)) + " " + app + " pending since run " + clean(r.PendingSince) +
			" is satisfied: " + clean(r.Satisfied) + "\n")
	}
	for _, c := range hp.Checks {
		if c.Passed {
			continue
		}
		line := "  " + h.paint(ansiRed, string(symFailed)) + " " + clean(c.Resource)
		if c.Message != "" {
			line += ": " + clean(c.Message)
		}
		h.b.WriteString(line + "\n")
	}
	for _, msg := range hp.Warnings {
		h.warning("  ", clean(msg))
	}
	// Drift comes last: it is information about what the configuration
	// does not manage, and can be long.
	for _, ch := range hp.Drift {
		h.drift(ch)
	}
}

// drift writes one unmanaged context that differs from its defaults:
// "≠ PATH (not managed)", then "name: DEFAULT (default) -> LIVE" per
// attribute, or the number of rows of a table.
func (h *human) drift(ch *engine.Change) {
	h.line(symDrift, ansiBlue, clean(ch.Path), "(not managed)")
	if ch.LiveRows > 0 {
		h.b.WriteString("      " + plural(ch.LiveRows, "row") + " (not compared: the catalogue knows no default rows)\n")
		return
	}
	for _, a := range ch.Attrs {
		if a.Sensitive {
			h.b.WriteString("      " + clean(a.Name) + ": (default) -> (sensitive)\n")
			continue
		}
		h.b.WriteString("      " + clean(a.Name) + ": " + value(a.Before) + " (default) -> " + value(a.After) + "\n")
	}
}

// line writes "  S text" with right, when not empty, in the resource
// column. Padding counts runes of the uncoloured text: ↻ is one column but
// three bytes, and colour codes take no column at all.
func (h *human) line(sym rune, code, text, right string) {
	plain := string(sym) + " " + text
	h.b.WriteString("  " + h.paint(code, string(sym)) + " " + text)
	if right != "" {
		column := h.column
		if column == 0 {
			column = resourceColumn
		}
		pad := column - utf8.RuneCountInString(plain)
		if pad < 2 {
			pad = 2
		}
		h.b.WriteString(strings.Repeat(" ", pad) + right)
	}
	h.b.WriteString("\n")
}

// actionColor is the colour of a change's symbol.
func actionColor(a engine.Action) string {
	switch a {
	case engine.Create:
		return ansiGreen
	case engine.Delete:
		return ansiRed
	}
	return ansiYellow
}

// changeText is a change's text before the resource column: the path,
// and the key of a row.
func changeText(ch *engine.Change) string {
	text := clean(ch.Path)
	if len(ch.Key) > 0 {
		text += " " + formatKey(ch.Key)
	}
	return text
}

func (h *human) change(ch *engine.Change) {
	act := ch.Action
	sym := rune(act)
	if act == engine.NoOp {
		sym = '?'
	}
	h.line(sym, actionColor(act), changeText(ch), clean(ch.Resource))
	for _, a := range ch.Attrs {
		switch act {
		case engine.Create:
			h.b.WriteString("      " + clean(a.Name) + ": " + afterValue(a) + "\n")
			continue
		case engine.Delete:
			// What the row holds now, so a reviewer sees what goes;
			// empty cells hold nothing to lose.
			if a.Before == "" && !a.Sensitive && !a.BeforeUnknown {
				continue
			}
			h.b.WriteString("      " + clean(a.Name) + ": " + beforeValue(a) + " (deleted)\n")
			continue
		}
		h.b.WriteString("      " + clean(a.Name) + ": " + beforeValue(a) + " -> " + afterValue(a) + "\n")
	}
}

func (h *human) restart(r *engine.Restart) {
	reasons := ""
	if len(r.Reasons) > 0 {
		cleaned := make([]string, len(r.Reasons))
		for i, s := range r.Reasons {
			cleaned[i] = clean(s)
		}
		reasons = "(" + strings.Join(cleaned, ", ") + ")"
	}
	if !r.Pending {
		h.line(symRestart, ansiCyan, "restart "+clean(r.App), reasons)
		return
	}
	if r.Unhealthy != "" {
		// The restart was made; its application was not healthy in time.
		h.line(symPending, ansiMagenta, clean(r.App)+" not healthy after its restart in run "+clean(r.RestartedIn), reasons)
		return
	}
	since := "pending from an earlier run"
	if r.PendingSince != "" {
		since = "pending since run " + clean(r.PendingSince)
	}
	h.line(symPending, ansiMagenta, "restart "+clean(r.App)+" "+since, reasons)
}

// formatKey prints a row key: [host=10.9.0.5] or [ipAddress=10.2.0.1 port=162].
func formatKey(key []engine.Field) string {
	parts := make([]string, len(key))
	for i, k := range key {
		v := "(sensitive)"
		if !k.Sensitive {
			v = value(k.Value)
		}
		parts[i] = clean(k.Name) + "=" + v
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func beforeValue(a *engine.AttrChange) string {
	switch {
	case a.BeforeUnknown:
		return "(unknown)"
	case a.Sensitive:
		return "(sensitive)"
	}
	return value(a.Before)
}

func afterValue(a *engine.AttrChange) string {
	if a.Sensitive {
		return "(sensitive)"
	}
	return value(a.After)
}

// value prints a CLI value: as is, or quoted with Go escapes when it is
// empty, has blanks or quotes, or has characters a terminal would act on.
func value(v string) string {
	if v == "" || strings.ContainsAny(v, " \"") || clean(v) != v {
		return strconv.Quote(v)
	}
	return v
}

// clean escapes control characters and invalid UTF-8 in text that may come
// from a server (errors, values, names), so it prints as visible escapes
// instead of moving the cursor or changing colours.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || (!unicode.IsPrint(r) && r != ' ') {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case !unicode.IsPrint(r) && r != ' ':
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// warning writes "warning: TEXT" at indent, wrapped at the view's width
// (when set) with continuation lines under the text's first word.
func (h *human) warning(indent, text string) {
	head := indent + "warning: "
	if h.width <= 0 || utf8.RuneCountInString(head+text) <= h.width {
		h.b.WriteString(head + text + "\n")
		return
	}
	pad := strings.Repeat(" ", utf8.RuneCountInString(head))
	line := head
	lineLen := utf8.RuneCountInString(head)
	first := true
	for _, word := range strings.Fields(text) {
		n := utf8.RuneCountInString(word)
		if !first && lineLen+1+n > h.width {
			h.b.WriteString(line + "\n")
			line, lineLen, first = pad, len(pad), true
		}
		if !first {
			line += " "
			lineLen++
		}
		line += word
		lineLen += n
		first = false
	}
	h.b.WriteString(line + "\n")
}
