package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/bwstate/bwstate/engine"
)

// EvalError is what Desired and Checks return when the configuration cannot
// be evaluated for a host at plan time: a `when` that is not a bool, a value
// that is invalid or unsafe once facts are known, two resources setting the
// same attribute. Diags carry file:line subjects for WriteDiagnostics.
type EvalError struct {
	Host  string
	Diags hcl.Diagnostics
}

func (e *EvalError) Error() string {
	var parts []string
	for _, d := range e.Diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		s := d.Summary
		if d.Detail != "" {
			s += ": " + d.Detail
		}
		if d.Subject != nil {
			s = pos(*d.Subject) + ": " + s
		}
		parts = append(parts, s)
	}
	return fmt.Sprintf("host %s: %s", e.Host, strings.Join(parts, "; "))
}

// HostObject builds the `host` object that when, set, row and assert
// expressions see. With f nil (validate), the facts are unknown values of
// their types, so expressions type-check without a connection; alarms are
// unknown too when f.Alarms is nil (not read, see NeedsAlarms).
func HostObject(h *engine.Host, f *engine.Facts) cty.Value {
	vars := h.Vars
	if vars == cty.NilVal || vars.IsNull() {
		vars = cty.EmptyObjectVal
	}
	obj := map[string]cty.Value{
		"name":           cty.StringVal(h.Name),
		"address":        cty.StringVal(h.Address),
		"type":           cty.StringVal(h.Type),
		"groups":         stringListVal(h.Groups),
		"vars":           vars,
		"release":        cty.UnknownVal(cty.Number),
		"release_string": cty.UnknownVal(cty.String),
		"patches":        cty.UnknownVal(cty.List(cty.String)),
		"patch_count":    cty.UnknownVal(cty.Number),
		"alarms":         cty.UnknownVal(cty.List(cty.String)),
	}
	if f != nil {
		obj["release"] = releaseNumber(f.Release)
		obj["release_string"] = cty.StringVal(f.ReleaseString)
		obj["patches"] = stringListVal(f.Patches)
		obj["patch_count"] = cty.NumberIntVal(int64(f.PatchCount))
		if f.Alarms != nil {
			// nil: not read, because nothing was found to use them; an
			// expression that does use them fails as not known rather
			// than see no alarm.
			obj["alarms"] = stringListVal(f.Alarms)
		}
	}
	return cty.ObjectVal(obj)
}

// releaseNumber is host.release: the release as a decimal number, exactly
// (22.0 is 22, 2022.11 is 2022.11; see engine.Release.Number).
func releaseNumber(r engine.Release) cty.Value {
	v, err := cty.ParseNumberVal(r.NumberText())
	if err != nil {
		// NumberText is digits and at most one dot: this cannot happen.
		panic(fmt.Sprintf("release %s: %v", r, err))
	}
	return v
}

func hostContext(parent *hcl.EvalContext, h *engine.Host, f *engine.Facts) *hcl.EvalContext {
	ctx := parent.NewChild()
	ctx.Variables = map[string]cty.Value{"host": HostObject(h, f)}
	return ctx
}

// evalWhen evaluates a resource's when for one host. A missing when applies.
// known is false when the result depends on facts not known yet.
func evalWhen(expr hcl.Expression, ctx *hcl.EvalContext) (applies, known bool, diags hcl.Diagnostics) {
	if expr == nil {
		return true, true, nil
	}
	v, diags := evalExpr(expr, ctx)
	if diags.HasErrors() {
		return false, false, diags
	}
	v, _ = v.UnmarkDeep()
	if v.Type() != cty.Bool && v.Type() != cty.DynamicPseudoType || v.IsKnown() && v.IsNull() {
		d := errorf(expr.Range(), "Invalid when condition",
			"when must be true or false, not %s. Compare values to get a bool, like host.release >= 22.", typeName(v))
		return false, false, append(diags, d)
	}
	if !v.IsKnown() {
		return true, false, diags
	}
	return v.True(), true, diags
}

// desiredFor evaluates resource r for host h. In validate mode (facts
// normally nil) values that are not known yet are type-checked only, a false
// when does not stop the checks, and the result is not usable. In plan mode
// everything must be known. applies is false when `when` is false.
func desiredFor(r *Resource, h *engine.Host, f *engine.Facts, parent *hcl.EvalContext, validate bool) (d *engine.Desired, applies bool, diags hcl.Diagnostics) {
	ctx := hostContext(parent, h, f)
	applies, whenKnown, diags := evalWhen(r.when, ctx)
	if diags.HasErrors() {
		return nil, false, diags
	}
	if !validate {
		if !whenKnown {
			return nil, false, append(diags, errorf(r.when.Range(), "Condition not known",
				"The when condition of %s could not be decided for host %s: it depends on facts that were not read.", r.Addr, h.Name))
		}
		if !applies {
			return nil, false, diags
		}
	}
	schema := r.schemas[h.Type]
	d = &engine.Desired{
		Resource:  r.Addr,
		Path:      r.Path,
		Schema:    schema,
		Exclusive: r.Exclusive,
		Restart:   r.Restart,
		DeclRange: declPos(r.Range),
	}
	if schema != nil {
		d.Path = schema.Path
		d.Kind = schema.Kind
		if f != nil && !schema.Releases.Contains(f.Release) {
			diags = append(diags, errorf(r.Range, "Context not available on this release",
				"%s exists on %s; host %s runs %s. Add a when condition such as %s to skip such hosts.",
				schema.Path, schema.Releases, h.Name, releaseText(f), releaseCondition(schema.Releases)))
			return nil, false, diags
		}
	} else if r.Kind == "table" {
		d.Kind = engine.TableContext
	}
	switch r.Kind {
	case "context":
		for _, a := range r.attrs {
			var attr *engine.Attribute
			name := a.Name
			if schema != nil {
				if attr = schema.Attribute(a.Name); attr == nil {
					continue // reported once by the loader
				}
				name = attr.Name
			}
			field, ds := evalField(a, attr, name, ctx, h, f, validate)
			diags = append(diags, ds...)
			if field != nil {
				d.Attrs = append(d.Attrs, *field)
			}
		}
	case "table":
		d.Rows, diags = evalRows(r, schema, ctx, h, f, validate, diags)
	}
	return d, applies, diags
}

// evalField evaluates one value for one host; nil when it is not known yet
// or invalid.
func evalField(a *hcl.Attribute, attr *engine.Attribute, name string, ctx *hcl.EvalContext, h *engine.Host, f *engine.Facts, validate bool) (*engine.Field, hcl.Diagnostics) {
	v, diags := evalExpr(a.Expr, ctx)
	if diags.HasErrors() {
		return nil, diags
	}
	text, known, sensitive, p := cliValue(v, attr, name)
	if p != nil {
		d := attrErrorf(a, p.summary, "%s", p.detail)
		if sensitive && len(a.Expr.Variables()) == 0 {
			d.Extra = engine.SecretSubject{} // a secret written literally in the file
		}
		return nil, append(diags, d)
	}
	if !known {
		if !validate {
			diags = append(diags, attrErrorf(a, "Value not known",
				"The value of %s could not be computed for host %s.", name, h.Name))
		}
		return nil, diags
	}
	if attr != nil && f != nil && !attr.Releases.Contains(f.Release) {
		diags = append(diags, attrErrorf(a, "Attribute not available on this release",
			"%s exists on %s; host %s runs %s. Set it in a resource with a when condition on host.release.",
			attr.Name, attr.Releases, h.Name, releaseText(f)))
		return nil, diags
	}
	return &engine.Field{Name: name, Value: text, Sensitive: sensitive}, diags
}

// releaseCondition suggests a when condition that selects a release range.
func releaseCondition(rr engine.ReleaseRange) string {
	var parts []string
	if !rr.Since.IsZero() {
		parts = append(parts, "host.release >= "+rr.Since.String())
	}
	if !rr.Until.IsZero() {
		parts = append(parts, "host.release < "+rr.Until.String())
	}
	return strings.Join(parts, " && ")
}

func releaseText(f *engine.Facts) string {
	if f.ReleaseString != "" {
		return f.ReleaseString
	}
	return f.Release.String()
}

// evalRows evaluates a table's rows: key fields first in key order, then
// the other columns in catalogue order. Two rows with the same key are an
// error naming both.
func evalRows(r *Resource, schema *engine.Context, ctx *hcl.EvalContext, h *engine.Host, f *engine.Facts, validate bool, diags hcl.Diagnostics) ([][]engine.Field, hcl.Diagnostics) {
	if schema == nil {
		return nil, diags
	}
	var rows [][]engine.Field
	seen := map[string]*row{}
	for _, rw := range r.rows {
		byName := map[string]engine.Field{}
		complete := true
		for _, a := range rw.attrs {
			attr := schema.Attribute(a.Name)
			if attr == nil || (schema.IDKeyed && attr.Key) {
				complete = false // reported once by the loader
				continue
			}
			field, ds := evalField(a, attr, attr.Name, ctx, h, f, validate)
			diags = append(diags, ds...)
			if field == nil {
				complete = false
				continue
			}
			if attr.Key && field.Value == "" {
				diags = append(diags, attrErrorf(a, "Empty row key",
					"%s identifies the row and cannot be empty.", attr.Name))
				complete = false
				continue
			}
			if strings.Contains(field.Value, "  ") && attr != lastColumn(schema) {
				diags = append(diags, attrErrorf(a, "Value cannot be read back",
					"%s of %s has two spaces in a row. %s prints %s between other columns, and two spaces are what separates columns, so bwstate could not read the row back; use single spaces (only the last column, %s, may hold two in a row).",
					theValue(field.Value, field.Sensitive), attr.Name, schema.Path, attr.Name, lastColumnName(schema)))
				complete = false
				continue
			}
			byName[attr.Name] = *field
		}
		var fields []engine.Field
		var key []string
		for _, attr := range schema.RowColumns() {
			fv, ok := byName[attr.Name]
			if !ok {
				if attr.Key && !schema.IDKeyed || !attr.Key && !attr.Optional {
					complete = false // missing: reported once by the loader
				}
				continue
			}
			fields = append(fields, fv)
			if attr.Key || schema.IDKeyed {
				key = append(key, attr.Name+"="+fv.Value)
			}
		}
		if !complete {
			continue
		}
		k := strings.Join(key, "\x00")
		if prev, dup := seen[k]; dup {
			diags = append(diags, errorf(rw.rng, "Duplicate table row",
				"This row and the row at %s of %s have the same key (%s). Each row of %s must have a distinct key; merge the two rows.",
				pos(prev.rng), r.Addr, strings.Join(redactKey(key, fields), ", "), schema.Path))
			continue
		}
		seen[k] = rw
		rows = append(rows, fields)
	}
	return rows, diags
}

// lastColumn is the attribute printed in a table's last column: the
// catalogue lists a table's attributes in the order the server prints
// them. A cell there may hold two spaces in a row (the driver reads the
// rest of the line as that cell); anywhere else they would read as two
// cells.
func lastColumn(schema *engine.Context) *engine.Attribute {
	for i := len(schema.Attributes) - 1; i >= 0; i-- {
		if schema.Attributes[i].Column != "" {
			return &schema.Attributes[i]
		}
	}
	return nil
}

func lastColumnName(schema *engine.Context) string {
	if a := lastColumn(schema); a != nil {
		return a.Name
	}
	return "none"
}

func redactKey(key []string, fields []engine.Field) []string {
	out := append([]string(nil), key...)
	for i := range out {
		name, _, _ := strings.Cut(out[i], "=")
		for _, f := range fields {
			if f.Name == name && f.Sensitive {
				out[i] = name + "=(sensitive)"
			}
		}
	}
	return out
}

// Desired evaluates every selected context and table block that targets h
// against h's facts: when, set values and rows, normalised to CLI form. A
// resource whose when is false yields nothing. Problems are returned as an
// *EvalError and no Desired at all, so nothing half-checked reaches a host;
// with f nil, anything that depends on facts is such a problem. sel nil
// means everything. Safe for concurrent use.
func (c *Config) Desired(sel *Selection, h *engine.Host, f *engine.Facts) ([]*engine.Desired, error) {
	if c.ctx == nil {
		return nil, errors.New("configuration was not loaded successfully")
	}
	var diags hcl.Diagnostics
	if f != nil && f.Type != "" && h.Type != "" && !strings.EqualFold(f.Type, h.Type) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Host type mismatch",
			Detail: fmt.Sprintf("Host %s is declared with type %q but its CLI reports type %q; fix the type in its host block.", h.Name, h.Type, f.Type)})
		return nil, &EvalError{Host: h.Name, Diags: diags}
	}
	var out []*engine.Desired
	applied := map[*Resource]*engine.Desired{}
	for _, r := range c.Resources {
		if !r.hostSet[h.Name] || !sel.hasResource(r) {
			continue
		}
		d, applies, ds := desiredFor(r, h, f, c.ctx, false)
		diags = append(diags, ds...)
		if ds.HasErrors() || !applies {
			continue
		}
		out = append(out, d)
		applied[r] = d
	}
	diags = append(diags, c.planConflicts(sel, h, f, applied)...)
	if diags.HasErrors() {
		return nil, &EvalError{Host: h.Name, Diags: dedupe(diags)}
	}
	return out, nil
}

// planConflicts reports attributes (and tables) that two resources whose
// when holds both set on h. Resources outside the selection count too: a
// targeted apply must not silently fight with the rest of the configuration.
func (c *Config) planConflicts(sel *Selection, h *engine.Host, f *engine.Facts, applied map[*Resource]*engine.Desired) hcl.Diagnostics {
	var active []*Resource
	for _, r := range c.Resources {
		if !r.hostSet[h.Name] {
			continue
		}
		if _, ok := applied[r]; ok {
			active = append(active, r)
			continue
		}
		if sel.hasResource(r) {
			continue // selected but not applying (when false, or errors already reported)
		}
		applies, known, diags := evalWhen(r.when, hostContext(c.ctx, h, f))
		if !diags.HasErrors() && applies && known {
			active = append(active, r)
		}
	}
	var diags hcl.Diagnostics
	for _, cf := range conflicts(active, h.Type) {
		diags = append(diags, cf.diag([]string{h.Name}, true))
	}
	return diags
}

// conflict is one attribute (or table) that two resources both set.
type conflict struct {
	first, second *Resource
	subject       hcl.Range // where the second sets it
	path, attr    string    // attr is "" for a whole table
}

// conflicts finds attributes set by two of the given resources on a host
// of the given type.
func conflicts(rs []*Resource, hostType string) []conflict {
	var out []conflict
	seen := map[string]*Resource{}
	for _, r := range rs {
		schema := r.schemas[hostType]
		path := r.Path
		if schema != nil {
			path = schema.Path
		}
		if r.Kind == "table" {
			k := "table\x00" + strings.ToLower(path)
			if prev, ok := seen[k]; ok {
				out = append(out, conflict{first: prev, second: r, subject: r.Range, path: path})
				continue
			}
			seen[k] = r
			continue
		}
		for _, a := range r.attrs {
			name := a.Name
			if schema != nil {
				attr := schema.Attribute(a.Name)
				if attr == nil {
					continue
				}
				name = attr.Name
			}
			k := strings.ToLower(path) + "\x00" + strings.ToLower(name)
			if prev, ok := seen[k]; ok {
				out = append(out, conflict{first: prev, second: r, subject: a.NameRange, path: path, attr: name})
				continue
			}
			seen[k] = r
		}
	}
	return out
}

// diag describes the conflict on the given hosts. atPlan says whether when
// conditions were evaluated (plan) or both resources have none (validate).
func (c conflict) diag(hosts []string, atPlan bool) *hcl.Diagnostic {
	what := fmt.Sprintf("%s of %s", c.attr, c.path)
	if c.attr == "" {
		what = "the table " + c.path
	}
	when := "Neither has a when condition, so both always apply"
	if atPlan {
		when = "Both when conditions hold for this host"
	}
	return errorf(c.subject, "Conflicting resources",
		"%s (%s) and %s (%s) both set %s on %s. %s; keep the setting in one resource, or make their when conditions exclusive.",
		c.first.Addr, pos(c.first.Range), c.second.Addr, pos(c.second.Range), what, pluralHosts(hosts), when)
}

// Checks evaluates every selected check block that targets h. A check whose
// when is false yields nothing; one engine.Check per block otherwise,
// failing with the error messages of the assertions that do not hold
// (joined with "; "). Errors are *EvalError. Safe for concurrent use.
func (c *Config) Checks(sel *Selection, h *engine.Host, f *engine.Facts) ([]*engine.Check, error) {
	if c.ctx == nil {
		return nil, errors.New("configuration was not loaded successfully")
	}
	var diags hcl.Diagnostics
	var out []*engine.Check
	for _, cb := range c.CheckBlocks {
		if !cb.hostSet[h.Name] || !sel.hasCheck(cb) {
			continue
		}
		chk, ds := checkFor(cb, h, f, c.ctx, false)
		diags = append(diags, ds...)
		if chk != nil && !ds.HasErrors() {
			out = append(out, chk)
		}
	}
	if diags.HasErrors() {
		return nil, &EvalError{Host: h.Name, Diags: dedupe(diags)}
	}
	return out, nil
}

// checkFor evaluates one check block for one host; nil when it does not
// apply. In validate mode a check that depends on facts is type-checked
// only; in plan mode it is an error.
func checkFor(cb *CheckBlock, h *engine.Host, f *engine.Facts, parent *hcl.EvalContext, validate bool) (*engine.Check, hcl.Diagnostics) {
	ctx := hostContext(parent, h, f)
	applies, known, diags := evalWhen(cb.when, ctx)
	if diags.HasErrors() || known && !applies {
		return nil, diags
	}
	chk := &engine.Check{Resource: cb.Addr, Passed: true}
	var msgs []string
	decided := known
	for _, as := range cb.asserts {
		v, ds := evalExpr(as.condition, ctx)
		diags = append(diags, ds...)
		if ds.HasErrors() {
			continue
		}
		v, _ = v.UnmarkDeep()
		if v.Type() != cty.Bool && v.Type() != cty.DynamicPseudoType || v.IsKnown() && v.IsNull() {
			diags = append(diags, errorf(as.condition.Range(), "Invalid check condition",
				"An assertion's condition must be true or false, not %s.", typeName(v)))
			continue
		}
		m, ds := evalExpr(as.message, ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			mu, _ := m.UnmarkDeep()
			if mu.IsKnown() && !mu.IsNull() && !mu.Type().IsPrimitiveType() {
				diags = append(diags, errorf(as.message.Range(), "Invalid error_message",
					"error_message must be a string, not %s.", typeName(mu)))
				continue
			}
		}
		if !v.IsKnown() {
			decided = false
			continue
		}
		if v.False() {
			chk.Passed = false
			msgs = append(msgs, messageText(m, ds))
		}
	}
	if !validate && !decided && !diags.HasErrors() {
		diags = append(diags, errorf(cb.Range, "Check cannot be decided",
			"%s depends on values that are not known for host %s.", cb.Addr, h.Name))
	}
	if !decided {
		return nil, diags
	}
	chk.Message = strings.Join(msgs, "; ")
	return chk, diags
}

// ContextsFor lists the context paths plan must read on h for the selected
// resources, each once, in resource order. It ignores when conditions (which
// need facts), so it may list a context no resource ends up setting.
func (c *Config) ContextsFor(sel *Selection, h *engine.Host) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range c.Resources {
		if !r.hostSet[h.Name] || !sel.hasResource(r) {
			continue
		}
		p := r.Path
		if s := r.schemas[h.Type]; s != nil {
			p = s.Path
		}
		if !seen[strings.ToLower(p)] {
			seen[strings.ToLower(p)] = true
			out = append(out, p)
		}
	}
	return out
}
