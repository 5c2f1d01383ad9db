package config

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// variable is one variable block and, once resolved, its value.
type variable struct {
	name        string
	block       *hcl.Block
	typ         cty.Type // cty.DynamicPseudoType when no type is declared
	def         *hcl.Attribute
	defVal      cty.Value // cty.NilVal when there is no default
	sensitive   bool
	validations []*validation
	value       cty.Value
	set         bool // a source other than the default gave a value
	bad         bool // the declaration has errors; value stays unknown
}

type validation struct {
	condition hcl.Expression
	message   hcl.Expression
}

func (l *loader) declareVariables() {
	l.vars = map[string]*variable{}
	for _, b := range l.duplicates("variable") {
		if !l.nameOK(b, "variable") {
			continue
		}
		v := &variable{name: b.Labels[0], block: b, typ: cty.DynamicPseudoType}
		l.vars[v.name] = v
		l.varNames = append(l.varNames, v.name)
		content, diags := b.Body.Content(variableSchema)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			v.bad = true
		}
		if a := content.Attributes["type"]; a != nil {
			ty, diags := typeexpr.TypeConstraint(a.Expr)
			l.diags = append(l.diags, diags...)
			if diags.HasErrors() {
				v.bad = true
			} else {
				v.typ = ty
			}
		}
		if a := content.Attributes["sensitive"]; a != nil {
			val, diags := l.eval(a.Expr, nil, scopeConst, "sensitive")
			l.diags = append(l.diags, diags...)
			if b, ok := l.boolValue(a, val, "sensitive"); ok {
				v.sensitive = b
			}
		}
		if a := content.Attributes["description"]; a != nil {
			val, diags := l.eval(a.Expr, nil, scopeConst, "description")
			l.diags = append(l.diags, diags...)
			l.stringValue(a, val, "description")
		}
		if a := content.Attributes["default"]; a != nil {
			v.def = a
			val, diags := l.eval(a.Expr, nil, scopeConst, "A variable default")
			l.diags = append(l.diags, diags...)
			if !diags.HasErrors() {
				if cv, err := convert.Convert(val, v.typ); err != nil {
					l.diags = append(l.diags, attrErrorf(a, "Invalid default value for variable",
						"The default of var.%s does not match its type %s: %s.", v.name, typeexpr.TypeString(v.typ), err))
					v.bad = true
				} else {
					v.defVal = cv
				}
			} else {
				v.bad = true
			}
		}
		for _, vb := range content.Blocks {
			vc, diags := vb.Body.Content(validationSchema)
			l.diags = append(l.diags, diags...)
			if diags.HasErrors() {
				continue
			}
			v.validations = append(v.validations, &validation{
				condition: vc.Attributes["condition"].Expr,
				message:   vc.Attributes["error_message"].Expr,
			})
		}
	}
}

// resolveVariables assigns each variable its value from the highest
// precedence source: default < *.bwvars < -var-file < BWSTATE_VAR_* < -var.
func (l *loader) resolveVariables() {
	for _, name := range l.cfg.Files {
		if !strings.HasSuffix(name, VarsSuffix) {
			continue
		}
		path := filepath.Join(l.dir, name)
		if f := l.parser.Files()[path]; f != nil {
			l.applyVarFile(f)
		}
	}
	for _, path := range l.opts.VarFiles {
		if !filepath.IsAbs(path) {
			path = filepath.Join(l.dir, path)
		}
		src, err := os.ReadFile(path)
		if err != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read -var-file",
				Detail: fmt.Sprintf("read %s: %v. Relative -var-file paths are relative to the configuration directory.", path, err)})
			continue
		}
		f, diags := l.parser.ParseHCL(src, path)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			l.applyVarFile(f)
		}
	}
	for _, kv := range l.opts.Environ {
		if !strings.HasPrefix(kv, EnvVarPrefix) {
			continue
		}
		name, val, _ := strings.Cut(strings.TrimPrefix(kv, EnvVarPrefix), "=")
		v := l.vars[name]
		if v == nil {
			continue // like Terraform: the environment may hold variables of other configurations
		}
		l.applyRawValue(v, val, fmt.Sprintf("<environment %s%s>", EnvVarPrefix, name))
	}
	count := map[string]int{}
	for _, arg := range l.opts.Vars {
		name, val, ok := strings.Cut(arg, "=")
		if !ok || name == "" {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -var option",
				Detail: fmt.Sprintf("-var %q must have the form NAME=VALUE, like -var 'ssh_user=bwadmin'.", name)})
			continue
		}
		v := l.vars[name]
		if v == nil {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value for undeclared variable",
				Detail: fmt.Sprintf("-var sets %q, but no variable block declares it.%s Declare it with variable %q { ... } or fix the name.",
					name, didYouMean(name, l.varNames), name)})
			continue
		}
		count[name]++
		src := fmt.Sprintf("<-var %s>", name)
		if count[name] > 1 {
			src = fmt.Sprintf("<-var %s (%d)>", name, count[name])
		}
		l.applyRawValue(v, val, src)
	}

	for _, name := range l.varNames {
		v := l.vars[name]
		switch {
		case v.bad:
			v.value = cty.UnknownVal(v.typ)
		case v.set:
		case v.defVal != cty.NilVal:
			v.value = v.defVal
		case l.opts.UnsetVariablesUnknown:
			v.value = cty.UnknownVal(v.typ)
		default:
			l.diags = append(l.diags, errorf(v.block.DefRange, "No value for required variable",
				"var.%s has no default and no value was given. Set it with -var '%s=...', a -var-file, a *%s file in the configuration directory, or the environment variable %s%s.",
				name, name, VarsSuffix, EnvVarPrefix, name))
			v.value = cty.UnknownVal(v.typ)
		}
		if v.sensitive {
			v.value = v.value.Mark(sensitiveMark)
		}
	}
	l.validateVariables()
}

// applyVarFile takes variable values from a *.bwvars or -var-file file:
// plain `name = value` attributes with literal values.
func (l *loader) applyVarFile(f *hcl.File) {
	attrs, diags := f.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	for _, a := range sortedAttributes(attrs) {
		v := l.vars[a.Name]
		if v == nil {
			l.diags = append(l.diags, errorf(a.NameRange, "Value for undeclared variable",
				"This file sets %q, but no variable block declares it.%s Declare it or remove the line.", a.Name, didYouMean(a.Name, l.varNames)))
			continue
		}
		val, diags := l.eval(a.Expr, nil, scopeConst, "A variable value")
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		l.setVariable(v, val, a.Expr.Range())
	}
}

// applyRawValue takes a value given as text (environment, -var). Strings
// and untyped variables take the text literally, so passwords and paths
// need no quoting; other types parse it as an HCL expression, so
// -var 'groups=["a","b"]' works as in Terraform.
func (l *loader) applyRawValue(v *variable, text, source string) {
	if v.typ == cty.String || v.typ == cty.DynamicPseudoType {
		v.value, v.set = cty.StringVal(text), true
		return
	}
	if !v.sensitive {
		// Registered so that diagnostics show the value with a caret; never
		// for secrets, which no diagnostic may print.
		l.parser.AddFile(source, &hcl.File{Bytes: []byte(text), Body: hcl.EmptyBody()})
	}
	expr, diags := hclsyntax.ParseExpression([]byte(text), source, hcl.InitialPos)
	if v.sensitive {
		diags = hideSensitiveSource(diags, v.name)
	}
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		v.bad = true
		return
	}
	val, diags := l.eval(expr, nil, scopeConst, fmt.Sprintf("The value for var.%s", v.name))
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		v.bad = true
		return
	}
	l.setVariable(v, val, expr.Range())
}

func hideSensitiveSource(diags hcl.Diagnostics, name string) hcl.Diagnostics {
	for _, d := range diags {
		d.Detail = fmt.Sprintf("The value given for the sensitive variable var.%s is not a valid expression; its details are hidden.", name)
	}
	return diags
}

func (l *loader) setVariable(v *variable, val cty.Value, rng hcl.Range) {
	cv, err := convert.Convert(val, v.typ)
	if err != nil {
		l.diags = append(l.diags, errorf(rng, "Invalid value for variable",
			"var.%s is of type %s: %s.", v.name, typeexpr.TypeString(v.typ), err))
		v.bad = true
		return
	}
	v.value, v.set, v.bad = cv, true, false
}

// validateVariables runs the validation blocks once every value is known.
func (l *loader) validateVariables() {
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": l.varObject()}, Functions: l.funcs}
	for _, name := range l.varNames {
		v := l.vars[name]
		if v.bad || !v.value.IsWhollyKnown() {
			continue
		}
		for _, val := range v.validations {
			cond, diags := l.eval(val.condition, ctx, scopeVars, "in validation conditions")
			l.diags = append(l.diags, diags...)
			if diags.HasErrors() {
				continue
			}
			cond, _ = cond.Unmark()
			if !cond.IsKnown() {
				continue
			}
			if cond.Type() != cty.Bool || cond.IsNull() {
				l.diags = append(l.diags, errorf(val.condition.Range(), "Invalid validation condition",
					"A validation condition must be true or false, not %s.", typeName(cond)))
				continue
			}
			if cond.True() {
				continue
			}
			msg := l.message(val.message, ctx, scopeVars, "in validation messages")
			d := errorf(val.condition.Range(), "Invalid value for variable",
				"%s\n\nThe value of var.%s failed this validation rule.", msg, name)
			l.diags = append(l.diags, d)
		}
	}
}

// message evaluates an error_message; secrets and errors give a neutral text.
func (l *loader) message(expr hcl.Expression, ctx *hcl.EvalContext, s scope, where string) string {
	m, diags := l.eval(expr, ctx, s, where)
	l.diags = append(l.diags, diags...)
	return messageText(m, diags)
}

func messageText(m cty.Value, diags hcl.Diagnostics) string {
	if diags.HasErrors() {
		return "(the error message could not be evaluated)"
	}
	if isSensitive(m) {
		return "(the error message is hidden because it uses a sensitive value)"
	}
	m, err := convert.Convert(m, cty.String)
	if err != nil || m.IsNull() || !m.IsKnown() {
		return "(the error message is not a string)"
	}
	return m.AsString()
}

func (l *loader) varObject() cty.Value {
	vals := map[string]cty.Value{}
	for name, v := range l.vars {
		if v.value == cty.NilVal {
			vals[name] = cty.UnknownVal(v.typ)
		} else {
			vals[name] = v.value
		}
	}
	return cty.ObjectVal(vals)
}

// sortedAttributes returns attributes in source order (JustAttributes
// gives a map).
func sortedAttributes(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sortByRange(out)
	return out
}

// SensitiveValues returns the text of every known value inside the
// sensitive variables (each string, number and bool, as the CLI would be
// given it), in name order without repeats, for a provider to mask in
// whatever it records (transcripts, error texts). A value computed from a
// sensitive variable is sensitive as a whole and is given with the
// desired state of each host (engine.SensitiveValues); the raw values make
// the masking stronger: a part of a longer value, or a value the
// configuration transforms, is masked too.
func (c *Config) SensitiveValues() []string {
	if c.ctx == nil {
		return nil
	}
	vars := c.ctx.Variables["var"]
	if vars.IsNull() || !vars.IsKnown() || !vars.Type().IsObjectType() {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(vars.Type().AttributeTypes())) {
		v := vars.GetAttr(name)
		if !isSensitive(v) {
			continue
		}
		v, _ = v.UnmarkDeep()
		_ = cty.Walk(v, func(_ cty.Path, x cty.Value) (bool, error) {
			if x.IsNull() || !x.IsKnown() {
				return false, nil
			}
			var text string
			switch x.Type() {
			case cty.String:
				text = x.AsString()
			case cty.Number:
				text = x.AsBigFloat().Text('f', -1)
			case cty.Bool:
				text = fmt.Sprint(x.True())
			default:
				return true, nil
			}
			if text != "" && !seen[text] {
				seen[text] = true
				out = append(out, text)
			}
			return true, nil
		})
	}
	return out
}
