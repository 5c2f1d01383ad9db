package bwcli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Table is a table context as `get` (or `list`) prints it.
type Table struct {
	// Columns are the column titles as printed; they may contain spaces.
	Columns []string `json:"columns"`
	// Rows hold one value per column, "" where a row has none.
	Rows [][]string `json:"rows"`
	// Warnings name rows that were read by counting their values rather
	// than by their position under the header: published samples whose
	// authors replaced names without fixing the padding look like that.
	// The values are certain (one per column, in order), the layout is
	// not what a server prints, so a first-contact probe reports them.
	Warnings []string `json:"warnings,omitempty"`
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

// maxColumns bounds the columns of a table: real ones have a handful, and
// the placement of values costs columns times values per row.
const maxColumns = 256

// termLine is a line as a terminal shows it: tabs expanded to 8-column
// stops, carriage returns blanked, positions in runes. tab marks the positions a tab covered: a tab
// always separates two values, however narrow it is.
type termLine struct {
	runes []rune
	tab   []bool
}

func newTermLine(s string) termLine {
	l := termLine{runes: make([]rune, 0, len(s))}
	for _, r := range s {
		if r == '\r' {
			// A carriage return left inside a line shows as nothing:
			// treat it as a blank, never as part of a value.
			r = ' '
		}
		if r == '\t' {
			for {
				l.runes = append(l.runes, ' ')
				l.tab = append(l.tab, true)
				if len(l.runes)%8 == 0 {
					break
				}
			}
			continue
		}
		l.runes = append(l.runes, r)
		l.tab = append(l.tab, false)
	}
	return l
}

// span is a run of text in a line, [start, end) in terminal columns.
type span struct {
	start, end int
}

func (s span) overlaps(o span) bool { return s.start < o.end && o.start < s.end }

func (l termLine) text(s span) string { return string(l.runes[s.start:s.end]) }

// fields splits a line into values: runs of text separated by two or more
// spaces or by a tab, so titles and values with single spaces ("Interface
// IP", "2017-11-12 8:58:55 GMT") stay whole.
func (l termLine) fields() []span {
	var fs []span
	i, n := 0, len(l.runes)
	for i < n {
		for i < n && l.runes[i] == ' ' {
			i++
		}
		if i >= n {
			break
		}
		start := i
		for i < n {
			if l.runes[i] == ' ' && (l.tab[i] || i+1 >= n || l.runes[i+1] == ' ') {
				break
			}
			i++
		}
		fs = append(fs, span{start, i})
	}
	return fs
}

// words splits a field at its single spaces.
func (l termLine) words(f span) []span {
	var ws []span
	i := f.start
	for i < f.end {
		start := i
		for i < f.end && l.runes[i] != ' ' {
			i++
		}
		ws = append(ws, span{start, i})
		i++ // the single space
	}
	return ws
}

// columnEdges is what the rows that line up with the header teach about a
// column: where its values start or end when they all agree (left- or
// right-aligned), and whether it has any value at all.
type columnEdges struct {
	left, right int // -1 when the values disagree
	seen        bool
}

// tableLayout is the column geometry of one table.
type tableLayout struct {
	titles []string
	spans  []span // each title's span, or its segment of a segmented `=` line
	edges  []columnEdges
	// cleanRows counts the rows whose every value lies under exactly one
	// title, in order: only they teach edges.
	cleanRows int
}

// ParseTable parses a table as BWCLI prints it: a title line, a line of
// `=`, then one line per row, perhaps followed by a blank line and
// `N entries found.` [C]:
//
//	  Interface IP  Port  Secure  Server Certificate  Client Auth Req
//	=================================================================
//	  10.155.6.175  8012    true                true             true
//
// The columns come from the title line (titles are separated by two or
// more spaces, and contain single spaces) or, when the `=` line is cut into
// one segment per column, from those segments. Values are separated by two
// or more spaces or a tab; each row's values are placed under the columns
// by position, whatever the alignment (left, right, or mixed per column),
// so cells may be empty, `-`, or wider than their titles:
//
//   - A row with one value per column is read in order. When its values do
//     not line up with the titles and no row of the table does (a sample
//     whose names were edited without fixing the padding), it is still read
//     in order, with a warning in Table.Warnings.
//   - A row with fewer values than columns has empty cells: each value goes
//     under the title it overlaps; a value between two titles goes where
//     the other rows' values of that column start or end (their alignment).
//     A value touching its neighbour with a single space is split there
//     when each part lies under its own title.
//   - A row with more values than columns is read, with a warning, when
//     the extra values are plainly the last column's (a description with
//     two spaces in a row; see mergeLast).
//   - Any other row with more values than columns, a value lying under two
//     titles, or a value that fits under more than one column is a
//     *ParseError quoting the line: a value with two spaces in a row cannot
//     be told from two values, and a guess could put a value in the wrong
//     column.
//
// A trailing `N entries found.` must agree with the rows found; interim
// texts of large tables are skipped. Output without a `=` line is an empty
// table.
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
			return nil, lineError("table", i+1, t, "no header line followed by a line of '='")
		}
		return &Table{Columns: []string{}, Rows: [][]string{}}, nil
	}
	h := sep - 1
	for h >= 0 && strings.TrimSpace(lines[h]) == "" {
		h--
	}
	if h < 0 {
		return nil, lineError("table", sep+1, lines[sep], "a line of '=' without a header above it")
	}
	lay, perr := newTableLayout(newTermLine(lines[h]), newTermLine(lines[sep]))
	if perr != nil {
		return nil, lineError(perr.What, h+1, strings.TrimSpace(lines[h]), perr.Reason)
	}

	var rows []*tableRow
	found, foundLine := -1, 0
	for i := sep + 1; i < len(lines); i++ {
		// A carriage return inside a line is a blank, here as in the
		// cells (newTermLine), so a line is a count or a row either way.
		trimmed := strings.TrimSpace(strings.ReplaceAll(lines[i], "\r", " "))
		if trimmed == "" || isReadNoise(trimmed) {
			continue
		}
		if m := patterns.entriesFound.FindStringSubmatch(trimmed); m != nil {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return nil, lineError("table", i+1, trimmed, "bad entry count")
			}
			found, foundLine = n, i+1
			continue
		}
		if found >= 0 {
			return nil, lineError("table", i+1, trimmed, "a row after the entry count")
		}
		rows = append(rows, lay.newRow(i+1, trimmed, newTermLine(lines[i])))
	}
	lay.learn(rows)

	t := &Table{Columns: lay.titles, Rows: make([][]string, 0, len(rows))}
	for _, r := range rows {
		cells, warning, err := lay.place(r)
		if err != nil {
			return nil, err
		}
		if warning != "" {
			t.Warnings = append(t.Warnings, warning)
		}
		t.Rows = append(t.Rows, cells)
	}
	if found >= 0 && found != len(t.Rows) {
		return nil, lineError("table", foundLine, lines[foundLine-1], "the server counts "+strconv.Itoa(found)+" entries but "+strconv.Itoa(len(t.Rows))+" rows were read")
	}
	return t, nil
}

// newTableLayout finds the columns from the title line and the `=` line.
// The error's Line and Text are left for the caller.
func newTableLayout(header, rule termLine) (*tableLayout, *ParseError) {
	lay := &tableLayout{}
	fs := header.fields()
	for _, f := range fs {
		lay.titles = append(lay.titles, header.text(f))
	}
	lay.spans = fs
	// Some tables underline each column separately: those segments give
	// the exact column widths, and tell titles apart even when a single
	// space separates them.
	var segs []span
	for _, f := range rule.fields() {
		segs = append(segs, rule.words(f)...)
	}
	switch {
	case len(segs) < 2:
	case len(segs) == len(fs) && eachOverlaps(fs, segs):
		lay.spans = segs
	case len(segs) > len(fs):
		if titles, ok := titlesUnder(header, segs); ok {
			lay.titles, lay.spans = titles, segs
		}
	}
	if len(lay.titles) > maxColumns {
		return nil, &ParseError{What: "table", Reason: fmt.Sprintf("more than %d columns", maxColumns)}
	}
	lay.edges = make([]columnEdges, len(lay.spans))
	return lay, nil
}

// eachOverlaps reports whether a[i] overlaps b[i] for every i.
func eachOverlaps(a, b []span) bool {
	for i := range a {
		if !a[i].overlaps(b[i]) {
			return false
		}
	}
	return true
}

// titlesUnder reads one title under each segment of a segmented `=` line;
// ok is false when a segment has no title or some title text lies outside
// every segment.
func titlesUnder(header termLine, segs []span) ([]string, bool) {
	titles := make([]string, len(segs))
	for i, s := range segs {
		end := min(s.end, len(header.runes))
		if s.start >= end {
			return nil, false
		}
		titles[i] = strings.TrimSpace(string(header.runes[s.start:end]))
		if titles[i] == "" {
			return nil, false
		}
	}
	for p, r := range header.runes {
		if r == ' ' {
			continue
		}
		inside := false
		for _, s := range segs {
			if p >= s.start && p < s.end {
				inside = true
				break
			}
		}
		if !inside {
			return nil, false
		}
	}
	return titles, true
}

// tableRow is one row line and its values.
type tableRow struct {
	n      int    // 1-based line number in the output
	text   string // trimmed, for errors
	line   termLine
	fields []span // values, after splitting at single spaces where needed
	counts int    // values before any split
	clean  bool   // every value under exactly one title, in order
}

// under returns the columns whose title span s overlaps. The spans are in
// order and do not overlap each other.
func (lay *tableLayout) under(s span) []int {
	var cols []int
	for c := sort.Search(len(lay.spans), func(i int) bool { return lay.spans[i].end > s.start }); c < len(lay.spans) && lay.spans[c].start < s.end; c++ {
		if s.overlaps(lay.spans[c]) {
			cols = append(cols, c)
		}
	}
	return cols
}

func (lay *tableLayout) newRow(n int, text string, line termLine) *tableRow {
	r := &tableRow{n: n, text: text, line: line, fields: line.fields()}
	r.counts = len(r.fields)
	if r.counts < len(lay.spans) {
		r.fields = lay.splitStraddling(line, r.fields)
	}
	if len(r.fields) > len(lay.spans) {
		return r
	}
	last := -1
	for _, f := range r.fields {
		cols := lay.under(f)
		if len(cols) != 1 || cols[0] <= last {
			return r
		}
		last = cols[0]
	}
	r.clean = true
	return r
}

// splitStraddling splits each value lying under several titles at the
// single spaces between parts that lie under different titles: a value
// wider than its column touching the next one (`ns1.example.net 5060`).
// A value that cannot be split that way is kept whole.
func (lay *tableLayout) splitStraddling(line termLine, fs []span) []span {
	var out []span
	for _, f := range fs {
		if len(lay.under(f)) < 2 {
			out = append(out, f)
			continue
		}
		words := line.words(f)
		cols := make([]int, len(words))
		ok := true
		for i, w := range words {
			switch u := lay.under(w); len(u) {
			case 0:
				cols[i] = -1
			case 1:
				cols[i] = u[0]
			default:
				ok = false
			}
		}
		// A word under no title belongs with its neighbours when they
		// agree; between two columns it could go either way.
		prev := -1
		for i := range cols {
			if cols[i] >= 0 {
				if cols[i] < prev {
					ok = false
				}
				prev = cols[i]
				continue
			}
			next := -1
			for j := i + 1; j < len(cols); j++ {
				if cols[j] >= 0 {
					next = cols[j]
					break
				}
			}
			switch {
			case prev >= 0 && next >= 0 && prev != next:
				ok = false
			case prev >= 0:
				cols[i] = prev
			default:
				cols[i] = next
			}
		}
		if !ok {
			out = append(out, f)
			continue
		}
		start := words[0].start
		for i := 1; i <= len(words); i++ {
			if i == len(words) || cols[i] != cols[i-1] {
				out = append(out, span{start, words[i-1].end})
				if i < len(words) {
					start = words[i].start
				}
			}
		}
	}
	return out
}

// learn records, per column, where the values of the clean rows start and
// end.
func (lay *tableLayout) learn(rows []*tableRow) {
	for _, r := range rows {
		if !r.clean {
			continue
		}
		lay.cleanRows++
		for _, f := range r.fields {
			c := lay.under(f)[0]
			e := &lay.edges[c]
			if !e.seen {
				*e = columnEdges{left: f.start, right: f.end, seen: true}
				continue
			}
			if e.left != f.start {
				e.left = -1
			}
			if e.right != f.end {
				e.right = -1
			}
		}
	}
}

// fits reports whether value f can be column c's cell: it lies under c's
// title and no other; or it lies between c's neighbours' titles, and
// starts or ends where c's other values do (when they agree on one).
func (lay *tableLayout) fits(f span, c int) bool {
	return lay.fitsUnder(f, lay.under(f), c)
}

// fitsUnder is fits with the columns f lies under already known.
func (lay *tableLayout) fitsUnder(f span, cols []int, c int) bool {
	if len(cols) > 0 {
		return len(cols) == 1 && cols[0] == c
	}
	if c > 0 && f.start < lay.spans[c-1].end {
		return false
	}
	if c+1 < len(lay.spans) && f.end > lay.spans[c+1].start {
		return false
	}
	e := lay.edges[c]
	if !e.seen || e.left < 0 && e.right < 0 {
		return true
	}
	return f.start == e.left || f.end == e.right
}

// place assigns a row's values to columns; warning is set when the row was
// read in order against its positions.
func (lay *tableLayout) place(r *tableRow) (cells []string, warning string, err error) {
	ncol := len(lay.spans)
	cells = make([]string, ncol)
	fail := func(reason string) ([]string, string, error) {
		return nil, "", lineError("table", r.n, r.text, reason)
	}
	if r.counts > ncol {
		if cells, ok := lay.mergeLast(r); ok {
			return cells, fmt.Sprintf("line %d: the last column's value holds two spaces in a row, read whole: %q", r.n, truncate(cells[ncol-1], maxQuoted)), nil
		}
	}
	switch {
	case r.counts > ncol:
		columns := "columns"
		if ncol == 1 {
			columns = "column"
		}
		return fail(fmt.Sprintf("%d values for the header's %d %s (a value with two spaces in a row cannot be told from two values)", r.counts, ncol, columns))
	case r.counts == ncol:
		fs := r.fields
		inOrder := true
		for i, f := range fs {
			if !lay.fits(f, i) {
				inOrder = false
				break
			}
		}
		if !inOrder && lay.cleanRows > 0 {
			return fail(lay.misplaced(r, fs) + ", while other rows line up with the header")
		}
		for i, f := range fs {
			cells[i] = r.line.text(f)
		}
		if !inOrder {
			warning = fmt.Sprintf("line %d: one value per column, read in order, but they do not line up with the header: %q", r.n, truncate(r.text, maxQuoted))
		}
		return cells, warning, nil
	}
	if len(r.fields) > ncol {
		return fail(lay.misplaced(r, r.fields))
	}
	cols, why := lay.assign(r)
	if cols == nil {
		return fail(why)
	}
	for i, f := range r.fields {
		cells[cols[i]] = r.line.text(f)
	}
	return cells, "", nil
}

// mergeLast reads a row with more values than columns when the extra
// values belong to the last column: a free-text cell (a description) with
// two spaces in a row, as `set ... description "Main  NOC"` stores it.
// Only when the geometry leaves no doubt: at least two columns, every value
// before the last column's lies under its own title alone, in order, the
// next one starts under the last title, and the rest, from it to the end,
// lies under the last title alone, with no tab between them. The cell is
// the line's text over that stretch, its inner spaces as printed.
func (lay *tableLayout) mergeLast(r *tableRow) ([]string, bool) {
	ncol := len(lay.spans)
	if ncol < 2 || len(r.fields) <= ncol {
		return nil, false
	}
	for i, f := range r.fields[:ncol-1] {
		if u := lay.under(f); len(u) != 1 || u[0] != i {
			return nil, false
		}
	}
	// The first of the rest must lie under the last title itself: a piece
	// in the gap before it could be the end of the previous cell (`foo
	// bar` in a middle column), which would be read into the wrong one.
	first := r.fields[ncol-1]
	if u := lay.under(first); len(u) != 1 || u[0] != ncol-1 {
		return nil, false
	}
	rest := span{first.start, r.fields[len(r.fields)-1].end}
	if u := lay.under(rest); len(u) != 1 || u[0] != ncol-1 {
		return nil, false
	}
	for p := rest.start; p < rest.end; p++ {
		if r.line.tab[p] {
			return nil, false
		}
	}
	cells := make([]string, ncol)
	for i, f := range r.fields[:ncol-1] {
		cells[i] = r.line.text(f)
	}
	cells[ncol-1] = r.line.text(rest)
	return cells, true
}

// assign places fewer values than columns, each in its own column, left to
// right. It returns the columns, or nil and why there is no single way.
func (lay *tableLayout) assign(r *tableRow) ([]int, string) {
	nf, nc := len(r.fields), len(lay.spans)
	// ways[i][c]: how many placements (capped at 2) put value i in
	// column c and the values after it in later columns.
	ways := make([][]uint8, nf)
	for i := range ways {
		ways[i] = make([]uint8, nc)
	}
	for i := nf - 1; i >= 0; i-- {
		var after uint8 // placements of values i+1.. in columns > c
		if i == nf-1 {
			after = 1
		}
		under := lay.under(r.fields[i])
		for c := nc - 1; c >= 0; c-- {
			if lay.fitsUnder(r.fields[i], under, c) {
				ways[i][c] = after
			}
			if i+1 < nf {
				after = min(after+ways[i+1][c], 2)
			}
		}
	}
	total := uint8(0)
	for c := 0; c < nc; c++ {
		total = min(total+ways[0][c], 2)
	}
	if total == 0 {
		return nil, lay.misplaced(r, r.fields)
	}
	cols := make([]int, nf)
	from := 0
	for i := range r.fields {
		var options []int
		for c := from; c < nc; c++ {
			if ways[i][c] > 0 {
				options = append(options, c)
			}
		}
		if len(options) > 1 {
			return nil, fmt.Sprintf("%q could be under %s: empty cells make the row ambiguous", truncate(r.line.text(r.fields[i]), 60), lay.titleList(options, " or "))
		}
		cols[i] = options[0]
		from = options[0] + 1
	}
	return cols, ""
}

// misplaced says why a row's values do not line up with the header.
func (lay *tableLayout) misplaced(r *tableRow, fs []span) string {
	for _, f := range fs {
		if cols := lay.under(f); len(cols) > 1 {
			return fmt.Sprintf("%q lies under %s", truncate(r.line.text(f), 60), lay.titleList(cols, " and "))
		}
	}
	for _, f := range fs {
		ok := false
		for c := range lay.spans {
			if lay.fits(f, c) {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Sprintf("%q lines up with no column of the header", truncate(r.line.text(f), 60))
		}
	}
	return fmt.Sprintf("the values do not line up with the header's %d columns", len(lay.spans))
}

// titleList names columns for an error, at most three.
func (lay *tableLayout) titleList(cols []int, sep string) string {
	names := make([]string, 0, 4)
	for i, c := range cols {
		if i == 3 {
			names = append(names, fmt.Sprintf("%d more", len(cols)-3))
			break
		}
		names = append(names, strconv.Quote(lay.titles[c]))
	}
	return strings.Join(names, sep)
}
