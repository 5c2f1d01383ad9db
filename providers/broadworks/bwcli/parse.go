package bwcli

import (
	"strconv"
	"strings"
)

// Attr is one attribute of an attribute context as `get` prints it.
type Attr struct {
	// Name in the server's spelling.
	Name string `json:"name"`
	// Value as printed; empty for `  name = `; `********` when Masked.
	Value string `json:"value"`
	// Masked is true for password attributes, which `get` shows as stars:
	// their live value cannot be read back.
	Masked bool `json:"masked,omitempty"`
}

// Table is a table context as `get` (or `list`) prints it.
type Table struct {
	// Columns are the column titles as printed; they may contain spaces.
	Columns []string `json:"columns"`
	// Rows hold one value per column, "" where a row has none.
	Rows [][]string `json:"rows"`
}

// Column returns the index of the column titled name (case-insensitive),
// or -1.
func (t *Table) Column(name string) int {
	for i, c := range t.Columns {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

// Records returns each row as a map from column title to value.
func (t *Table) Records() []map[string]string {
	recs := make([]map[string]string, len(t.Rows))
	for i, row := range t.Rows {
		m := make(map[string]string, len(t.Columns))
		for j, c := range t.Columns {
			m[c] = row[j]
		}
		recs[i] = m
	}
	return recs
}

// Contents is what `get` printed in a context whose kind was not known in
// advance: either attributes or a table.
type Contents struct {
	// Attrs of an attribute context (Table is nil).
	Attrs []Attr `json:"attrs,omitempty"`
	// Table of a table context, nil for an attribute context.
	Table *Table `json:"table,omitempty"`
}

// ParseGet parses `get` output of either kind: a line of `=` under a
// header makes it a table, otherwise it must be `name = value` lines. Empty
// output is an attribute context without attributes.
func ParseGet(out string) (*Contents, error) {
	for _, line := range strings.Split(out, "\n") {
		if isRuleLine(line, '=') {
			t, err := ParseTable(out)
			if err != nil {
				return nil, err
			}
			return &Contents{Table: t}, nil
		}
	}
	attrs, err := ParseAttributes(out)
	if err != nil {
		return nil, err
	}
	return &Contents{Attrs: attrs}, nil
}

// ParseAttributes parses `get` output of an attribute context: lines of
// `  name = value` (two-space indent, not aligned [C]; aligned `=` and no
// indent are tolerated), where the value may be empty or `********`.
// Blank lines and the interim texts of a read are skipped; any other line
// is a *ParseError.
func ParseAttributes(out string) ([]Attr, error) {
	var attrs []Attr
	for i, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || isReadNoise(t) {
			continue
		}
		eq := strings.IndexByte(t, '=')
		name := ""
		if eq > 0 {
			name = strings.TrimSpace(t[:eq])
		}
		if name == "" || strings.ContainsAny(name, " \t") {
			return nil, &ParseError{What: "attributes", Line: i + 1, Text: truncate(t, 120), Reason: "not a `name = value` line"}
		}
		value := strings.TrimSpace(t[eq+1:])
		attrs = append(attrs, Attr{Name: name, Value: value, Masked: patterns.masked.MatchString(value)})
	}
	return attrs, nil
}

// isReadNoise reports interim texts a read may print around its data.
func isReadNoise(t string) bool {
	if t == "" {
		return false
	}
	switch t[0] {
	case 'A', 'a', 'R', 'r', 'P', 'p', 'N', 'n', 'C', 'c':
	default:
		return false
	}
	return patterns.retrieving.MatchString(t) || patterns.largeTable.MatchString(t) ||
		findConfirm(t) != nil || patterns.password.MatchString(t)
}

// isRuleLine reports a line made of at least three c characters and
// spaces, such as the `=====` line under a table header.
func isRuleLine(line string, c byte) bool {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case c:
			n++
		case ' ', '\t', '\r':
		default:
			return false
		}
	}
	return n >= 3
}

// field is a run of text in a line, separated from its neighbours by at
// least two spaces; positions are in runes.
type field struct {
	start, end int
}

// splitFields splits a line into fields at runs of two or more spaces, so
// titles and values with single spaces ("Interface IP", "2017-11-12 8:58:55
// GMT") stay whole.
func splitFields(line []rune) []field {
	var fs []field
	i := 0
	for i < len(line) {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i >= len(line) {
			break
		}
		start := i
		for i < len(line) {
			if line[i] == ' ' && (i+1 >= len(line) || line[i+1] == ' ') {
				break
			}
			i++
		}
		fs = append(fs, field{start: start, end: i})
	}
	return fs
}

// expandTabs turns a line into runes with tabs expanded to 8-column stops,
// so positions match what a terminal shows.
func expandTabs(line string) []rune {
	line = strings.TrimRight(line, "\r")
	if !strings.Contains(line, "\t") {
		return []rune(line)
	}
	var rs []rune
	for _, r := range line {
		if r == '\t' {
			rs = append(rs, ' ')
			for len(rs)%8 != 0 {
				rs = append(rs, ' ')
			}
			continue
		}
		rs = append(rs, r)
	}
	return rs
}

// ParseTable parses a table as BWCLI prints it [C]/[I]:
//
//	  Interface IP  Port  Secure  Server Certificate  Client Auth Req
//	=================================================================
//	  10.155.6.175  8012    true                true             true
//
// Titles contain spaces, so columns are found by position: each title's
// span (or each segment of the `=` line when it has one per title) is a
// column, and a value belongs to the column whose span it overlaps; values
// are right-aligned, so one narrower than its title still overlaps it, and
// a value overlapping no title belongs to the nearest title on its left. A
// row whose values cannot be placed that way but that has exactly one value
// per column is taken in order. A trailing `N entries found.` must agree
// with the rows found; interim texts of large tables are skipped. Output
// without a `=` line is an empty table.
func ParseTable(out string) (*Table, error) {
	lines := strings.Split(out, "\n")
	sep := -1
	for i, l := range lines {
		if isRuleLine(l, '=') {
			sep = i
			break
		}
	}
	if sep < 0 {
		for i, l := range lines {
			t := strings.TrimSpace(l)
			if t == "" || isReadNoise(t) {
				continue
			}
			if m := patterns.entriesFound.FindStringSubmatch(t); m != nil && m[1] == "0" {
				continue
			}
			return nil, &ParseError{What: "table", Line: i + 1, Text: truncate(t, 120), Reason: "no header line followed by a line of '='"}
		}
		return &Table{Columns: []string{}, Rows: [][]string{}}, nil
	}
	h := sep - 1
	for h >= 0 && strings.TrimSpace(lines[h]) == "" {
		h--
	}
	if h < 0 {
		return nil, &ParseError{What: "table", Line: sep + 1, Text: truncate(lines[sep], 120), Reason: "a line of '=' without a header above it"}
	}
	header := expandTabs(lines[h])
	titles := splitFields(header)
	t := &Table{Columns: make([]string, len(titles)), Rows: [][]string{}}
	for i, f := range titles {
		t.Columns[i] = string(header[f.start:f.end])
	}
	spans := titles
	if rule := expandTabs(lines[sep]); strings.Contains(strings.TrimSpace(string(rule)), "  ") {
		// Some tables underline each column separately: those segments
		// give the exact column widths.
		if segs := splitFields(rule); len(segs) == len(titles) {
			spans = segs
		}
	}

	type rowLine struct {
		n      int // 1-based line number
		text   string
		runes  []rune
		fields []field
	}
	var rows []rowLine
	found := -1
	foundLine := 0
	for i := sep + 1; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if trimmed == "" || isReadNoise(trimmed) {
			continue
		}
		if m := patterns.entriesFound.FindStringSubmatch(trimmed); m != nil {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return nil, &ParseError{What: "table", Line: i + 1, Text: trimmed, Reason: "bad entry count"}
			}
			found, foundLine = n, i+1
			continue
		}
		if found >= 0 {
			return nil, &ParseError{What: "table", Line: i + 1, Text: truncate(trimmed, 120), Reason: "a row after the entry count"}
		}
		rs := expandTabs(lines[i])
		rows = append(rows, rowLine{n: i + 1, text: trimmed, runes: rs, fields: splitFields(rs)})
	}

	// A column's right edge is its title's, or further right when a value
	// wider than a left-aligned title overlaps it: values are right-aligned
	// to that edge, so a value overlapping no title belongs to the first
	// column whose edge it does not pass.
	rights := make([]int, len(spans))
	for i, sp := range spans {
		rights[i] = sp.end
	}
	for _, r := range rows {
		for _, f := range r.fields {
			if col, n := overlapping(f, spans); n == 1 {
				rights[col] = max(rights[col], f.end)
			}
		}
	}
	for _, r := range rows {
		row, ok := placeRow(r.runes, r.fields, spans, rights)
		if !ok {
			return nil, &ParseError{What: "table", Line: r.n, Text: truncate(r.text, 120), Reason: "values do not line up with the header's " + strconv.Itoa(len(spans)) + " columns"}
		}
		t.Rows = append(t.Rows, row)
	}
	if found >= 0 && found != len(t.Rows) {
		return nil, &ParseError{What: "table", Line: foundLine, Text: lines[foundLine-1], Reason: "the server counts " + strconv.Itoa(found) + " entries but " + strconv.Itoa(len(t.Rows)) + " rows were read"}
	}
	return t, nil
}

// overlapping returns the first span f overlaps and how many it overlaps.
func overlapping(f field, spans []field) (col, n int) {
	col = -1
	for ci, sp := range spans {
		if f.start < sp.end && sp.start < f.end {
			if n == 0 {
				col = ci
			}
			n++
		}
	}
	return col, n
}

// placeRow assigns a row's values to columns by position, falling back to
// order when the row has exactly one value per column.
func placeRow(line []rune, fields, spans []field, rights []int) ([]string, bool) {
	row := make([]string, len(spans))
	cols := make([]int, len(fields))
	placed := true
	for fi, f := range fields {
		col, n := overlapping(f, spans)
		if n == 0 {
			col = len(spans) - 1
			for ci, r := range rights {
				if f.end <= r {
					col = ci
					break
				}
			}
		}
		if n > 1 || (fi > 0 && col < cols[fi-1]) || (col > 0 && f.start < rights[col-1]) {
			placed = false
			break
		}
		cols[fi] = col
	}
	if !placed {
		if len(fields) != len(spans) {
			return nil, false
		}
		for i, f := range fields {
			row[i] = string(line[f.start:f.end])
		}
		return row, true
	}
	// Several fields in one column are one value with a double space
	// inside ("Thu Oct  3"): keep the text between them.
	for fi := 0; fi < len(fields); {
		fj := fi
		for fj+1 < len(fields) && cols[fj+1] == cols[fi] {
			fj++
		}
		row[cols[fi]] = string(line[fields[fi].start:fields[fj].end])
		fi = fj + 1
	}
	return row, true
}

// Alarm is one raised alarm of Monitoring/Alarm/AlarmsTable.
type Alarm struct {
	ID string `json:"id"`
	// Timestamp as printed, e.g. "2017-11-12 8:58:55 GMT".
	Timestamp string `json:"timestamp"`
	// Name such as "bwOpenClientServerASConnFailed".
	Name     string `json:"name"`
	Severity string `json:"severity"`
	// Correlation is the correlation parameter, e.g. "10;37;CAP;10.123.123.80;".
	Correlation string `json:"correlation"`
}

// ParseAlarms parses the output of `list` in Monitoring/Alarm/AlarmsTable:
// a table with the columns `Identifier  Timestamp  Alarm Name  Severity
// Correlation Parameter` [C], parsed by position (the timestamp contains
// spaces). No table at all means no alarms.
func ParseAlarms(out string) ([]Alarm, error) {
	t, err := ParseTable(out)
	if err != nil {
		if pe, ok := err.(*ParseError); ok {
			pe.What = "alarms"
		}
		return nil, err
	}
	if len(t.Columns) == 0 {
		return []Alarm{}, nil
	}
	col := func(names []string) int {
		for _, n := range names {
			if i := t.Column(n); i >= 0 {
				return i
			}
		}
		return -1
	}
	id, ts, name := col(alarmColumns.id), col(alarmColumns.timestamp), col(alarmColumns.name)
	sev, corr := col(alarmColumns.severity), col(alarmColumns.correlation)
	if name < 0 {
		return nil, &ParseError{What: "alarms", Reason: "no Alarm Name column in " + strconv.Quote(strings.Join(t.Columns, "  "))}
	}
	get := func(row []string, i int) string {
		if i < 0 {
			return ""
		}
		return row[i]
	}
	alarms := make([]Alarm, 0, len(t.Rows))
	for _, row := range t.Rows {
		alarms = append(alarms, Alarm{
			ID:          get(row, id),
			Timestamp:   get(row, ts),
			Name:        get(row, name),
			Severity:    get(row, sev),
			Correlation: get(row, corr),
		})
	}
	return alarms, nil
}
