package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// Maintenance/Scheduler follows the add forms of Cisco tech note 220570
// (see docs/bwcli.md and docs/simulator.md):
//
//	add backup day saturday 4 3      weekly: day, hour, minute
//	add tech-support daily 4 33      daily: hour, minute
//	add cpuMon minute 5              every 5 minutes
//	add healthmon minute 30 1        every 30 minutes, offset 1
//
// and shows a cell that does not apply as `-` and a minute task's offset
// in its Minute cell: `30(offset: 1)`. Rows keep "" for what does not
// apply; the printer turns it into `-`.

// schedCellNone is the cell printed for a column that does not apply.
const schedCellNone = "-"

// defaultSchedule is the task list of a fresh host: the four tasks the
// tech note's procedure adds back [C: 220570]. A lab's table block for
// Maintenance/Scheduler replaces it.
func defaultSchedule() []map[string]string {
	return []map[string]string{
		{"name": "backup", "frequency": freqDay, "day": "saturday", "hour": "4", "minute": "3", "offset": ""},
		{"name": "tech-support", "frequency": freqDaily, "day": "", "hour": "4", "minute": "33", "offset": ""},
		{"name": "cpuMon", "frequency": freqMinute, "day": "", "hour": "", "minute": "5", "offset": ""},
		{"name": "healthmon", "frequency": freqMinute, "day": "", "hour": "", "minute": "30", "offset": "1"},
	}
}

// schedForm is one add form: the parameters after the task name and the
// frequency, and how many of them may be left out at the end.
type schedForm struct {
	params   []string
	optional int
}

var schedForms = map[string]schedForm{
	freqDay:    {params: []string{"day", "hour", "minute"}},
	freqDaily:  {params: []string{"hour", "minute"}},
	freqMinute: {params: []string{"minute", "offset"}, optional: 1},
}

// normalizeSchedule checks that a row has exactly the columns its
// frequency uses: a weekly task a day, hour and minute; a daily task an
// hour and minute; a minute task a period of 1 to 59 minutes and an
// offset below it, or none (an offset of 0 is stored as none).
func normalizeSchedule(row map[string]string) error {
	if row["name"] == schedCellNone {
		return fmt.Errorf("%q cannot be a task name: it is what an empty cell shows", schedCellNone)
	}
	form, ok := schedForms[row["frequency"]]
	if !ok {
		return fmt.Errorf("frequency %q is not one of %s", row["frequency"], strings.Join(frequencies, ", "))
	}
	uses := map[string]bool{}
	for i, p := range form.params {
		uses[p] = true
		if row[p] == "" && i < len(form.params)-form.optional {
			return fmt.Errorf("a %s task needs %s (add %s)", row["frequency"], joinAnd(form.params[:len(form.params)-form.optional]), schedSyntax[row["frequency"]])
		}
	}
	for _, col := range []string{"day", "hour", "offset"} {
		if !uses[col] && row[col] != "" {
			return fmt.Errorf("a %s task has no %s", row["frequency"], col)
		}
	}
	if row["frequency"] == freqMinute {
		period, _ := strconv.Atoi(row["minute"])
		if period < 1 {
			return fmt.Errorf("a minute task runs every 1 to 59 minutes, not %s", row["minute"])
		}
		if row["offset"] != "" {
			off, _ := strconv.Atoi(row["offset"])
			if off >= period {
				return fmt.Errorf("offset %d is not below the period of %d minutes", off, period)
			}
			if off == 0 {
				// No offset and offset 0 are the same schedule.
				row["offset"] = ""
			}
		}
	}
	return nil
}

// schedSyntax is each add form's syntax, for help and errors.
var schedSyntax = map[string]string{
	freqDay:    "<name> day <day> <hour> <minute>",
	freqDaily:  "<name> daily <hour> <minute>",
	freqMinute: "<name> minute <period> [<offset>]",
}

func joinAnd(list []string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}

// schedCells renders a row's cells in column order.
func schedCells(n *node, row map[string]string) []string {
	var cells []string
	for _, a := range n.columns() {
		v := row[a.name]
		if a.name == "minute" && row["offset"] != "" {
			v = fmt.Sprintf("%s(offset: %s)", v, row["offset"])
		}
		if v == "" {
			v = schedCellNone
		}
		cells = append(cells, v)
	}
	return cells
}

// schedSpec returns the spec of a parameter of an add form; a minute
// task's minute is its period.
func schedSpec(n *node, freq, param string) *attrSpec {
	a := n.attr(param)
	if freq == freqMinute && param == "minute" {
		period := *a
		period.name, period.min = "period", 1
		return &period
	}
	return a
}

// addSchedule runs `add <name> <frequency> ...` in one of the forms of
// schedForms.
func (c *cli) addSchedule(params []string) {
	n := c.cur
	nameSpec, freqSpec := n.attr("name"), n.attr("frequency")
	if len(params) == 0 {
		c.cliError("add", "Mandatory parameter missing", nameSpec)
		return
	}
	if _, ok := nameSpec.normalize(params[0], c.h.apps); !ok || params[0] == schedCellNone {
		c.cliError("add", "Invalid value", nameSpec)
		return
	}
	if len(params) == 1 {
		c.cliError("add", "Mandatory parameter missing", freqSpec)
		return
	}
	freq, ok := freqSpec.normalize(params[1], c.h.apps)
	if !ok {
		c.cliError("add", "Invalid value", freqSpec)
		return
	}
	form := schedForms[freq]
	raw := map[string]string{"name": params[0], "frequency": freq}
	rest := params[2:]
	for i, p := range form.params {
		spec := schedSpec(n, freq, p)
		if i >= len(rest) {
			if i < len(form.params)-form.optional {
				c.cliError("add", "Mandatory parameter missing", spec)
				return
			}
			break
		}
		v, ok := spec.normalize(rest[i], c.h.apps)
		if !ok {
			c.cliError("add", "Invalid value", spec)
			return
		}
		raw[p] = v
	}
	if len(rest) > len(form.params) {
		c.cliError("add", "Invalid parameter "+rest[len(form.params)], nil)
		return
	}
	row, err := buildRow(n, raw, c.h.apps)
	if err != nil {
		// An offset not below the period.
		c.cliError("add", "Invalid value", n.attr("offset"))
		return
	}
	app, _ := c.h.addRow(n, row)
	c.reply(app)
}

// schedUsage prints the add forms for `help add`.
func (c *cli) schedUsage() {
	n := c.cur
	for _, f := range frequencies {
		c.println("add " + schedSyntax[f])
	}
	for _, s := range []*attrSpec{n.attr("name"), n.attr("frequency"), n.attr("day"), n.attr("hour"), n.attr("minute"),
		schedSpec(n, freqMinute, "minute"), n.attr("offset")} {
		c.printf("  %s\n", s.specLine(c.h.apps))
	}
}
