package apply

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
)

// plannedOp is one write with what the journal and the hook say about it.
type plannedOp struct {
	op    engine.Op
	attrs []*engine.AttrChange
	// command is the write as the journal records it, sensitive values
	// redacted (the provider's exact command text is its own business).
	command string
	// detail is the hook's description, redacted too.
	detail string
	// restartApp is the application the plan expects to restart for this
	// write ("" = none known).
	restartApp string
}

// isRow reports whether a change addresses a table row.
func isRow(c *engine.Change, schema *engine.Context) bool {
	a := c.Action
	return len(c.Key) > 0 || a == engine.Create || a == engine.Delete || (schema != nil && schema.Kind == engine.TableContext)
}

func isPrompted(schema *engine.Context, ac *engine.AttrChange) bool {
	if schema == nil {
		return false
	}
	a := schema.Attribute(ac.Name)
	return a != nil && a.Prompted
}

func isKey(key []engine.Field, name string) bool {
	for _, f := range key {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// lookup finds an attribute by name the way the CLI does: case-insensitively.
func lookup(m map[string]string, name string) (string, bool) {
	_, v, ok := engine.LookupFold(m, name)
	return v, ok
}

// equal compares two CLI values with the catalogue's normalisation, or as
// strings when the catalogue does not know the attribute.
func equal(schema *engine.Context, attr, x, y string) bool {
	if schema != nil {
		if a := schema.Attribute(attr); a != nil {
			return a.Equal(x, y)
		}
	}
	return x == y
}

func findRow(obs *engine.Observed, schema *engine.Context, key []engine.Field) (map[string]string, bool) {
	for _, row := range obs.Rows {
		match := true
		for _, f := range key {
			v, ok := lookup(row, f.Name)
			if !ok || !equal(schema, f.Name, f.Value, v) {
				match = false
				break
			}
		}
		if match {
			return row, true
		}
	}
	return nil, false
}

// hasRowWith reports whether a live row holds every after-value of attrs.
func hasRowWith(obs *engine.Observed, schema *engine.Context, attrs []*engine.AttrChange) bool {
	for _, row := range obs.Rows {
		match := true
		for _, ac := range attrs {
			v, ok := lookup(row, ac.Name)
			if !ok || !equal(schema, ac.Name, v, ac.After) {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// rowValues names a row without a key by its values, sensitive ones redacted.
func rowValues(attrs []*engine.AttrChange) string {
	parts := make([]string, len(attrs))
	for i, ac := range attrs {
		parts[i] = ac.Name + "=" + show(ac, ac.After)
	}
	return strings.Join(parts, ",")
}

func keyString(key []engine.Field) string {
	parts := make([]string, len(key))
	for i, f := range key {
		v := f.Value
		if f.Sensitive {
			v = journal.Redacted
		}
		parts[i] = f.Name + "=" + quote(v)
	}
	return strings.Join(parts, ",")
}

// quote shows a value in a message: empty as "", with blanks in quotes,
// with control characters (a live value of a hostile server) in quotes as
// Go escapes, so the message is never ambiguous and never raw.
func quote(v string) string {
	if v == "" || strings.IndexFunc(v, func(r rune) bool { return r == ' ' || !unicode.IsPrint(r) }) >= 0 {
		return fmt.Sprintf("%q", v)
	}
	return v
}

// show is quote for a value of ac that may be sensitive.
func show(ac *engine.AttrChange, v string) string {
	if ac.Sensitive {
		return journal.Redacted
	}
	return quote(v)
}

func keyValues(key []engine.Field) string {
	parts := make([]string, len(key))
	for i, f := range key {
		if f.Sensitive {
			parts[i] = journal.Redacted
		} else {
			parts[i] = quote(f.Value)
		}
	}
	return strings.Join(parts, " ")
}

// opsFor turns one planned change into writes, in order.
func (h *hostRun) opsFor(c *engine.Change, schema *engine.Context) []plannedOp {
	if !isRow(c, schema) {
		var ops []plannedOp
		for _, ac := range c.Attrs {
			v := h.after(ac)
			prompted := isPrompted(schema, ac)
			op := engine.Op{Kind: engine.OpSet, Path: c.Path, Attr: ac.Name, Value: v, Sensitive: ac.Sensitive, Prompted: prompted}
			po := plannedOp{op: op, attrs: []*engine.AttrChange{ac}, restartApp: ac.Restart}
			switch {
			case v == "" && !prompted:
				po.op.Kind = engine.OpClear
				po.command = "clear " + ac.Name
				po.detail = "clear " + ac.Name
			case prompted:
				po.command = "set " + ac.Name + " (value typed at the password prompt)"
				po.detail = "set " + ac.Name + " = " + journal.Redacted
			default:
				po.command = "set " + ac.Name + " " + show(ac, v)
				po.detail = "set " + ac.Name + " = " + show(ac, v)
			}
			ops = append(ops, po)
		}
		return ops
	}
	rowName := c.Path + " row " + keyString(c.Key)
	app := ""
	for _, ac := range c.Attrs {
		if ac.Restart != "" {
			app = ac.Restart
			break
		}
	}
	if app == "" && schema != nil {
		// A row of key columns only (OCIProxy/LoginLevelAllowed) has no
		// attribute to carry the restart; the context (or, for
		// ContainerOptions, the key) names it.
		key := make(map[string]string, len(c.Key))
		for _, f := range c.Key {
			key[f.Name] = f.Value
		}
		app = schema.RestartFor("", key)
	}
	switch c.Action {
	case engine.Create:
		attrs := rowAttrs(c, schema)
		op := engine.Op{Kind: engine.OpAddRow, Path: c.Path, Key: c.Key}
		var shown []string
		for _, ac := range attrs {
			v := h.after(ac)
			op.Fields = append(op.Fields, engine.Field{Name: ac.Name, Value: v, Sensitive: ac.Sensitive})
			shown = append(shown, ac.Name+" "+show(ac, v))
		}
		cmd := strings.TrimSpace("add " + keyValues(c.Key) + " " + strings.Join(shown, " "))
		detail := "add " + rowName
		if len(shown) > 0 {
			detail += " (" + strings.Join(shown, ", ") + ")"
		}
		return []plannedOp{{op: op, attrs: c.Attrs, command: cmd, detail: detail, restartApp: app}}
	case engine.Delete:
		op := engine.Op{Kind: engine.OpDeleteRow, Path: c.Path, Key: c.Key}
		return []plannedOp{{op: op, attrs: c.Attrs, command: "delete " + keyValues(c.Key), detail: "delete " + rowName, restartApp: app}}
	}
	var ops []plannedOp
	for _, ac := range c.Attrs {
		if isKey(c.Key, ac.Name) {
			continue
		}
		v := h.after(ac)
		op := engine.Op{Kind: engine.OpSetRow, Path: c.Path, Key: c.Key, Attr: ac.Name, Value: v, Sensitive: ac.Sensitive, Prompted: isPrompted(schema, ac)}
		ops = append(ops, plannedOp{
			op: op, attrs: []*engine.AttrChange{ac}, restartApp: ac.Restart,
			command: "set " + keyValues(c.Key) + " " + ac.Name + " " + show(ac, v),
			detail:  "set " + rowName + " " + ac.Name + " = " + show(ac, v),
		})
	}
	return ops
}

// rowAttrs returns the non-key values of a row to add, in the catalogue's
// column order when it knows the table (the CLI's add takes them in order).
func rowAttrs(c *engine.Change, schema *engine.Context) []*engine.AttrChange {
	var attrs []*engine.AttrChange
	for _, ac := range c.Attrs {
		if !isKey(c.Key, ac.Name) {
			attrs = append(attrs, ac)
		}
	}
	if schema == nil {
		return attrs
	}
	var ordered []*engine.AttrChange
	used := map[*engine.AttrChange]bool{}
	for _, a := range schema.Attributes {
		for _, ac := range attrs {
			if !used[ac] && strings.EqualFold(ac.Name, a.Name) {
				ordered = append(ordered, ac)
				used[ac] = true
			}
		}
	}
	for _, ac := range attrs {
		if !used[ac] {
			ordered = append(ordered, ac)
		}
	}
	return ordered
}
