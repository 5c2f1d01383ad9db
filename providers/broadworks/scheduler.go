package broadworks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/bwcli"
)

// Maintenance/Scheduler prints its rows in a shape of its own (Cisco tech
// note 220570; docs/bwcli.md): a cell that does not apply to the task's
// frequency is `-`, and a minute task's offset is inside its Minute cell,
// `30(offset: 1)`. Its add command takes the columns of the task's
// frequency in order (`add healthmon minute 30 1`).

// minuteCell is a Scheduler Minute cell: a number, optionally followed by
// the offset of a minute task.
var minuteCell = regexp.MustCompile(`^(\d{1,2})(?:\s*\(\s*offset:\s*(\d{1,2})\s*\))?$`)

// formRows turns the rows of a table with row forms into attribute values:
// `-` cells are empty, and a Minute cell's offset becomes the offset
// column. A Minute cell of any other shape fails the read, quoting it:
// guessing a value would be worse than stopping.
func formRows(schema *engine.Context, rows []map[string]string) error {
	if schema == nil || schema.RowForms == nil {
		return nil
	}
	for _, row := range rows {
		for name, v := range row {
			if strings.TrimSpace(v) == "-" {
				row[name] = ""
			}
		}
		if _, ok := row["offset"]; ok || schema.Attribute("offset") == nil {
			continue
		}
		v := strings.TrimSpace(row["minute"])
		if v == "" {
			row["offset"] = ""
			continue
		}
		m := minuteCell.FindStringSubmatch(v)
		if m == nil {
			return fmt.Errorf("/%s: a Minute cell bwstate does not understand: %q (expected a number, or a number and \"(offset: N)\")", schema.Path, v)
		}
		row["minute"], row["offset"] = m[1], m[2]
	}
	return nil
}

// formArgs builds the add command of a table with row forms: the table's
// required columns (the choosing one gives the form's word), then the
// form's required columns and those of its optional ones the row has, all
// positional and in order. A row that does not fit its form is refused
// before anything is sent.
func formArgs(schema *engine.Context, op engine.Op) ([]bwcli.Arg, error) {
	rf := schema.RowForms
	value := func(name string) (engine.Field, bool) {
		for _, f := range op.Fields {
			if strings.EqualFold(f.Name, name) {
				return f, true
			}
		}
		return engine.Field{}, false
	}
	var args []bwcli.Arg
	form, formName := engine.RowForm{}, ""
	for _, a := range schema.Attributes {
		if a.Key || a.Optional {
			continue
		}
		f, ok := value(a.Name)
		if !ok || f.Value == "" {
			return nil, fmt.Errorf("add /%s: the row has no %s", schema.Path, a.Name)
		}
		if strings.EqualFold(a.Name, rf.By) {
			for name, fm := range rf.Forms {
				if strings.EqualFold(name, f.Value) {
					form, formName = fm, name
				}
			}
			if formName == "" {
				return nil, fmt.Errorf("add /%s: %s %q is not one of the forms bwstate knows", schema.Path, a.Name, f.Value)
			}
		}
		args = append(args, bwcli.Arg{Value: f.Value, Sensitive: f.Sensitive || a.Sensitive})
	}
	for _, name := range form.Required {
		f, ok := value(name)
		if !ok || f.Value == "" {
			return nil, fmt.Errorf("add /%s: a %s row needs %s", schema.Path, formName, strings.Join(form.Required, ", "))
		}
		args = append(args, bwcli.Arg{Value: f.Value, Sensitive: f.Sensitive})
	}
	for _, name := range form.Optional {
		if f, ok := value(name); ok && f.Value != "" {
			args = append(args, bwcli.Arg{Value: f.Value, Sensitive: f.Sensitive})
		}
	}
	for _, f := range op.Fields {
		if f.Value != "" && schema.Attribute(f.Name) != nil && schema.Attribute(f.Name).Optional && !form.Allows(f.Name) {
			return nil, fmt.Errorf("add /%s: a %s row does not take %s", schema.Path, formName, f.Name)
		}
	}
	return args, nil
}
