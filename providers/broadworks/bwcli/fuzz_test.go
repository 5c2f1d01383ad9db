package bwcli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// addGoldenSeeds seeds a fuzz target with the golden inputs of one parser.
func addGoldenSeeds(f *testing.F, prefix string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", prefix+"_*.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

func FuzzParseAttributes(f *testing.F) {
	addGoldenSeeds(f, "attrs")
	f.Add("  a = \n  b\n")
	f.Fuzz(func(t *testing.T, out string) {
		attrs, err := ParseAttributes(out)
		if err != nil {
			return
		}
		for _, a := range attrs {
			if a.Name == "" || strings.ContainsAny(a.Name, " \t\n=") || strings.IndexFunc(a.Name, notNamePrintable) >= 0 {
				t.Errorf("bad attribute name %q from %q", a.Name, out)
			}
		}
	})
}

// FuzzParseTable checks that a table that parses is read by position, not
// by luck: rendered again as a server would print it (left-, right- or
// mixed-aligned columns, whole or segmented `=` line), its rows parse back
// to the same cells.
func FuzzParseTable(f *testing.F) {
	addGoldenSeeds(f, "table")
	addGoldenSeeds(f, "get")
	f.Add("a  b\n===\n  1  2  3  4\n")
	f.Add("\t\tx\n  ===  ===\n\t1\n")
	f.Add("  A  B\n  ====  =\n  x y\n")
	f.Fuzz(func(t *testing.T, out string) {
		tab, err := ParseTable(out)
		if err != nil {
			return
		}
		for _, row := range tab.Rows {
			if len(row) != len(tab.Columns) {
				t.Fatalf("row %q has %d values for %d columns", row, len(row), len(tab.Columns))
			}
		}
		_ = tab.Records()
		if len(tab.Columns) == 0 {
			return
		}
		for _, layout := range tableLayouts {
			for _, segmented := range []bool{false, true} {
				if segmented && len(tab.Columns) < 2 || !segmented && titlesNeedSegments(tab.Columns) {
					continue
				}
				text := renderTable(tab, layout, segmented)
				again, err := ParseTable(text)
				if err != nil && hasSpacedCell(tab) {
					// A cell with two spaces in a row is read only where it
					// lies under its title (mergeLast); elsewhere the row
					// fails, which is allowed: never other cells.
					continue
				}
				if err != nil {
					t.Fatalf("%s table (segmented %v) does not parse again: %v\ninput:\n%s\nrendered:\n%s", layout.name, segmented, err, out, text)
				}
				if diff := cmp.Diff(tab.Columns, again.Columns); diff != "" {
					t.Fatalf("%s table (segmented %v): other columns (-first +again):\n%s\nrendered:\n%s", layout.name, segmented, diff, text)
				}
				if diff := cmp.Diff(tab.Rows, again.Rows); diff != "" {
					t.Fatalf("%s table (segmented %v): other cells (-first +again):\n%s\ninput:\n%s\nrendered:\n%s", layout.name, segmented, diff, out, text)
				}
			}
		}
	})
}

// hasSpacedCell reports a cell with two spaces in a row.
func hasSpacedCell(t *Table) bool {
	for _, row := range t.Rows {
		for _, v := range row {
			if strings.Contains(v, "  ") {
				return true
			}
		}
	}
	return false
}

// tableLayout aligns each column of a rendered table.
type renderLayout struct {
	name string
	// right reports whether column c (with these cells) is right-aligned.
	right func(c int, cells []string) bool
}

var tableLayouts = []renderLayout{
	{"left", func(int, []string) bool { return false }},
	{"right", func(int, []string) bool { return true }},
	// Names left, numbers right, as the Cisco notes show.
	{"mixed", func(_ int, cells []string) bool {
		for _, v := range cells {
			if v != "" && strings.Trim(v, "0123456789-") != "" {
				return false
			}
		}
		return true
	}},
	{"alternate", func(c int, _ []string) bool { return c%2 == 1 }},
}

// titlesNeedSegments reports titles that only a segmented `=` line can
// tell apart (a title with two spaces in a row).
func titlesNeedSegments(titles []string) bool {
	for _, t := range titles {
		if strings.Contains(t, "  ") {
			return true
		}
	}
	return false
}

// renderTable prints t as BWCLI does: two-space indent and gaps, each
// column as wide as its widest title or cell, titles aligned like their
// cells, a line of `=` (one segment per column when segmented).
func renderTable(t *Table, layout renderLayout, segmented bool) string {
	n := len(t.Columns)
	width := make([]int, n)
	right := make([]bool, n)
	for c, title := range t.Columns {
		width[c] = utf8.RuneCountInString(title)
		cells := make([]string, len(t.Rows))
		for r, row := range t.Rows {
			cells[r] = row[c]
			width[c] = max(width[c], utf8.RuneCountInString(row[c]))
		}
		right[c] = layout.right(c, cells)
	}
	line := func(vals []string) string {
		var b strings.Builder
		b.WriteString("  ")
		for c, v := range vals {
			if c > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[c]-utf8.RuneCountInString(v))
			if right[c] {
				b.WriteString(pad + v)
			} else {
				b.WriteString(v + pad)
			}
		}
		return strings.TrimRight(b.String(), " ") + "\n"
	}
	var b strings.Builder
	b.WriteString(line(t.Columns))
	if segmented {
		segs := make([]string, n)
		total := 0
		for c := range segs {
			segs[c] = strings.Repeat("=", width[c])
			total += width[c]
		}
		// A rule line has at least three `=`; a wider one is allowed.
		segs[n-1] += strings.Repeat("=", max(0, 3-total))
		b.WriteString("  " + strings.Join(segs, "  ") + "\n")
	} else {
		total := 2
		for c := range width {
			total += width[c] + 2
		}
		b.WriteString(strings.Repeat("=", max(3, total-2)) + "\n")
	}
	for _, row := range t.Rows {
		b.WriteString(line(row))
	}
	return b.String()
}

func FuzzParseAlarms(f *testing.F) {
	addGoldenSeeds(f, "alarms")
	f.Fuzz(func(t *testing.T, out string) {
		_, _ = ParseAlarms(out)
	})
}

func FuzzParseVersion(f *testing.F) {
	addGoldenSeeds(f, "version")
	f.Add("AS version Rel_99999999999999999999999999999.0_1\n")
	f.Add("X version Rel_1e400\nActive Patches: 99999999999999999999999\n")
	f.Fuzz(func(t *testing.T, out string) {
		v, err := ParseVersion(out)
		if err != nil {
			return
		}
		if !strings.HasPrefix(v.Release, "Rel_") || v.ServerType == "" {
			t.Errorf("incomplete version %+v from %q", v, out)
		}
	})
}

func FuzzParseHealth(f *testing.F) {
	addGoldenSeeds(f, "health")
	f.Fuzz(func(t *testing.T, out string) {
		h, err := ParseHealth(out)
		if err != nil {
			return
		}
		if h.Healthy && (len(h.Abnormal) > 0 || !strings.EqualFold(h.Severity, "NOTIFICATION")) {
			t.Errorf("healthy despite %+v", h)
		}
	})
}

func FuzzParseShowrun(f *testing.F) {
	addGoldenSeeds(f, "showrun")
	f.Fuzz(func(t *testing.T, out string) {
		apps, err := ParseShowrun(out)
		if err != nil {
			return
		}
		for name, state := range apps {
			if name == "" || state == "" {
				t.Errorf("empty name or state in %q", apps)
			}
		}
	})
}

// FuzzQuoteValue checks that an accepted value yields exactly one argument
// that cannot end the line, start a second command or drive the terminal,
// whether BWCLI splits arguments at white space outside double quotes or
// also honours backslash escapes.
func FuzzQuoteValue(f *testing.F) {
	for _, s := range []string{"", "a", "a b", `a"b`, `"a b"`, "a;b", "a\nb", "a\\", `a\ b`, "\x1b[2J", "é", "a\u00a0b", "\u2028", "caf\xe9", `\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		q, err := QuoteValue(v)
		if err != nil {
			if q != "" {
				t.Errorf("refused value still quoted: %q", q)
			}
			return
		}
		if !utf8.ValidString(q) {
			t.Fatalf("invalid UTF-8 in %q", q)
		}
		for _, r := range q {
			if r == ';' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
				t.Fatalf("QuoteValue(%q) = %q contains %U", v, q, r)
			}
		}
		for _, escapes := range []bool{false, true} {
			args := splitArgs("set attr "+q, escapes)
			if len(args) != 3 {
				t.Fatalf("QuoteValue(%q) = %q splits into %q (escapes %v)", v, q, args, escapes)
			}
			if !escapes && args[2] != v {
				t.Fatalf("QuoteValue(%q) = %q reads back as %q", v, q, args[2])
			}
		}
	})
}

// splitArgs models how a CLI splits a command line: white space separates
// arguments except inside double quotes, which are removed; with escapes a
// backslash takes the next character literally.
func splitArgs(line string, escapes bool) []string {
	var args []string
	var cur strings.Builder
	inArg, inQuote := false, false
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case escapes && r == '\\' && i+1 < len(rs):
			i++
			cur.WriteRune(rs[i])
			inArg = true
		case r == '"':
			inQuote = !inQuote
			inArg = true
		case unicode.IsSpace(r) && !inQuote:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if inQuote {
		return append(args, "<unbalanced quote>", "<unbalanced quote>")
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

// FuzzTerminalOutput feeds arbitrary bytes through the cleaning a reply
// goes through before parsing: no panic, and nothing that drives a
// terminal survives. A read's output as printed (valueText, which keeps
// control characters in values) is valid UTF-8 and, written to a
// transcript, holds no character a terminal acts on.
func FuzzTerminalOutput(f *testing.F) {
	f.Add([]byte("get\r\n\x1b[1m  a = 1\x1b[0m\r\n"), "get")
	f.Add([]byte("set a lo \rng\r\nNew Password: ...Done\r\n"), "set a long")
	f.Add([]byte("caf\xe9\x9b31m\x1b]0;t\x07\b\x7f"), "x")
	f.Fuzz(func(t *testing.T, raw []byte, cmd string) {
		text := cleanTerm(raw)
		if !utf8.ValidString(text) {
			t.Fatalf("invalid UTF-8 from %q", raw)
		}
		for _, r := range text {
			if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 {
				t.Fatalf("control %U survives cleaning of %q", r, raw)
			}
		}
		out, _ := stripEcho(text, cmd, "XSP_CLI> ")
		out = stripInterim(normaliseNewlines(out), []string{"y", cmd})
		_, _ = ClassifyReply(out)
		_, _ = ParseGet(out)
		_, _ = tailText(raw), tailStart(raw)

		values := valueText(raw, cmd, "XSP_CLI> ", []string{"y", cmd})
		if !utf8.ValidString(values) {
			t.Fatalf("invalid UTF-8 in the values of %q", raw)
		}
		_, _ = ParseGet(values)
		for _, r := range transcriptText(values) {
			if r != '\n' && r != '\t' && r != ' ' && !unicode.IsPrint(r) {
				t.Fatalf("%U reaches the transcript from %q", r, raw)
			}
		}
	})
}
