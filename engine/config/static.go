package config

import (
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/bwstate/bwstate/engine"
)

// Helpers for attributes that must be known when the configuration is
// loaded (inventory, the provider's connection block, rollout, hosts, path). Values are unmarked: these
// settings are not secret and the engine types have no place for marks.
// A false result means a diagnostic was recorded (or an earlier error made
// the value unknown).

func (l *loader) static(a *hcl.Attribute) (cty.Value, bool) {
	v, diags := l.eval(a.Expr, l.ctx, scopeStatic, "here, because "+a.Name+" must be known before any host is contacted")
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.DynamicVal, false
	}
	v, _ = v.UnmarkDeep()
	return v, v.IsWhollyKnown()
}

func (l *loader) staticString(a *hcl.Attribute, what string) (string, bool) {
	v, ok := l.static(a)
	if !ok {
		return "", false
	}
	return l.stringValue(a, v, what)
}

func (l *loader) staticInt(a *hcl.Attribute, what string) (int64, bool) {
	v, ok := l.static(a)
	if !ok {
		return 0, false
	}
	return l.intValue(a, v, what)
}

func (l *loader) staticBool(a *hcl.Attribute, what string) (bool, bool) {
	v, ok := l.static(a)
	if !ok {
		return false, false
	}
	return l.boolValue(a, v, what)
}

func (l *loader) staticStringList(a *hcl.Attribute, what string) ([]string, bool) {
	v, ok := l.static(a)
	if !ok {
		return nil, false
	}
	return l.stringList(a, v, what)
}

func (l *loader) stringValue(a *hcl.Attribute, v cty.Value, what string) (string, bool) {
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return "", false
	}
	if v.IsNull() || !v.Type().IsPrimitiveType() {
		l.diags = append(l.diags, attrErrorf(a, "Invalid value", "%s must be a string, not %s.", what, typeName(v)))
		return "", false
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		l.diags = append(l.diags, attrErrorf(a, "Invalid value", "%s must be a string: %s.", what, err))
		return "", false
	}
	return s.AsString(), true
}

func (l *loader) boolValue(a *hcl.Attribute, v cty.Value, what string) (bool, bool) {
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return false, false
	}
	if v.IsNull() || v.Type() != cty.Bool {
		l.diags = append(l.diags, attrErrorf(a, "Invalid value", "%s must be true or false, not %s.", what, typeName(v)))
		return false, false
	}
	return v.True(), true
}

func (l *loader) intValue(a *hcl.Attribute, v cty.Value, what string) (int64, bool) {
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return 0, false
	}
	if v.IsNull() || v.Type() != cty.Number {
		l.diags = append(l.diags, attrErrorf(a, "Invalid value", "%s must be a whole number, not %s.", what, typeName(v)))
		return 0, false
	}
	n, acc := v.AsBigFloat().Int64()
	if acc != big.Exact {
		l.diags = append(l.diags, attrErrorf(a, "Invalid value", "%s must be a whole number.", what))
		return 0, false
	}
	return n, true
}

func (l *loader) stringList(a *hcl.Attribute, v cty.Value, what string) ([]string, bool) {
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return nil, false
	}
	t := v.Type()
	if v.IsNull() || !(t.IsListType() || t.IsTupleType() || t.IsSetType()) {
		l.diags = append(l.diags, attrErrorf(a, "Invalid value", "%s must be a list of strings, like [\"a\", \"b\"], not %s.", what, typeName(v)))
		return nil, false
	}
	var out []string
	ok := true
	i := 0
	n := v.LengthInt()
	for it := v.ElementIterator(); it.Next(); i++ {
		_, ev := it.Element()
		if ev.IsNull() || !ev.Type().IsPrimitiveType() {
			l.diags = append(l.diags, errorf(elementRange(a.Expr, i, n), "Invalid value",
				"%s must be a list of strings; element %d is %s.", what, i+1, typeName(ev)))
			ok = false
			continue
		}
		s, err := convert.Convert(ev, cty.String)
		if err != nil {
			ok = false
			continue
		}
		out = append(out, s.AsString())
	}
	return out, ok
}

// elementRange points at element i of a literal list when the expression is
// one ([ "a", "b" ] with n elements), else at the whole expression.
func elementRange(expr hcl.Expression, i, n int) hcl.Range {
	if tup, ok := expr.(*hclsyntax.TupleConsExpr); ok && len(tup.Exprs) == n && i < n {
		return tup.Exprs[i].Range()
	}
	return expr.Range()
}

// sortByRange orders attributes as they appear in the source.
func sortByRange(attrs []*hcl.Attribute) {
	sort.SliceStable(attrs, func(i, j int) bool {
		a, b := attrs[i].Range, attrs[j].Range
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
}

// staticPath evaluates a file path setting: absolute, or relative to the
// configuration directory, or starting with ~ (see configPath).
func (l *loader) staticPath(a *hcl.Attribute, what string) (string, bool) {
	s, ok := l.staticString(a, what)
	if !ok {
		return "", false
	}
	if s == "" || strings.ContainsAny(s, "\x00\n\r") {
		l.diags = append(l.diags, attrErrorf(a, "Invalid path", "%s must be a file path.", what))
		return "", false
	}
	return l.configPath(s), true
}

// staticEvaluator is the engine.StaticEvaluator a provider decodes its
// connection blocks with: the loader's own helpers for static settings,
// each naming the attribute, with their diagnostics returned instead of
// recorded.
type staticEvaluator struct{ l *loader }

var _ engine.StaticEvaluator = staticEvaluator{}

func (e staticEvaluator) String(a *hcl.Attribute) (string, bool, hcl.Diagnostics) {
	return captured(e.l, func() (string, bool) { return e.l.staticString(a, a.Name) })
}

func (e staticEvaluator) Int(a *hcl.Attribute) (int64, bool, hcl.Diagnostics) {
	return captured(e.l, func() (int64, bool) { return e.l.staticInt(a, a.Name) })
}

func (e staticEvaluator) Bool(a *hcl.Attribute) (bool, bool, hcl.Diagnostics) {
	return captured(e.l, func() (bool, bool) { return e.l.staticBool(a, a.Name) })
}

func (e staticEvaluator) Duration(a *hcl.Attribute) (time.Duration, bool, hcl.Diagnostics) {
	return captured(e.l, func() (time.Duration, bool) { return e.l.staticDuration(a, a.Name) })
}

func (e staticEvaluator) Path(a *hcl.Attribute) (string, bool, hcl.Diagnostics) {
	return captured(e.l, func() (string, bool) { return e.l.staticPath(a, a.Name) })
}

// captured runs one of the loader's static helpers and returns the
// diagnostics it recorded rather than keeping them.
func captured[T any](l *loader, f func() (T, bool)) (T, bool, hcl.Diagnostics) {
	n := len(l.diags)
	v, ok := f()
	diags := slices.Clone(l.diags[n:])
	l.diags = l.diags[:n]
	return v, ok, diags
}
