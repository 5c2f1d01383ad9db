package bwcli

import (
	"strconv"
	"strings"
	"unicode"
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
// is a *ParseError. A value is everything after the `=` but the blanks
// (spaces) around it, exactly as printed: control characters and other
// white space (a tab, U+0085) are part of it. A name must be printable.
func ParseAttributes(out string) ([]Attr, error) {
	var attrs []Attr
	for i, line := range strings.Split(out, "\n") {
		t := strings.Trim(line, " ")
		if strings.TrimSpace(t) == "" || isReadNoise(strings.TrimSpace(t)) {
			continue
		}
		eq := strings.IndexByte(t, '=')
		name := ""
		if eq > 0 {
			name = strings.Trim(t[:eq], " ")
		}
		if name == "" || strings.IndexFunc(name, notNamePrintable) >= 0 {
			return nil, lineError("attributes", i+1, t, "not a `name = value` line")
		}
		value := strings.Trim(t[eq+1:], " ")
		attrs = append(attrs, Attr{Name: name, Value: value, Masked: patterns.masked.MatchString(value)})
	}
	return attrs, nil
}

// notNamePrintable reports a rune that cannot be part of an attribute name
// as printed: a blank, a control character or another non-printing rune.
func notNamePrintable(r rune) bool { return r == ' ' || !unicode.IsPrint(r) }

// isReadNoise reports interim texts a read may print around its data.
func isReadNoise(t string) bool {
	if t == "" {
		return false
	}
	if strings.Contains(t, "ontinue?") && patterns.sizeWarning.MatchString(t) {
		return true
	}
	switch t[0] {
	case 'A', 'a', 'R', 'r', 'P', 'p', 'N', 'n', 'C', 'c':
	default:
		return false
	}
	return patterns.retrieving.MatchString(t) || findConfirm(t) != nil || patterns.password.MatchString(t)
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
