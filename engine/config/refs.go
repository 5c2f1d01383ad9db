package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// scope says which names an expression may use. Scopes nest: each one allows
// everything the previous one does.
type scope int

const (
	// scopeConst: literal values only (variable defaults, var files).
	scopeConst scope = iota
	// scopeVars: var.* (variable validation conditions).
	scopeVars
	// scopeStatic: var.*, local.*, group.* (inventory, hosts, path, rollout).
	scopeStatic
	// scopeHost: also host.* (when, set and row values, assertions).
	scopeHost
)

func (s scope) roots() []string {
	switch s {
	case scopeVars:
		return []string{"var"}
	case scopeStatic:
		return []string{"var", "local", "group"}
	case scopeHost:
		return []string{"var", "local", "group", "host"}
	}
	return nil
}

// hostAttributes returns the attributes of the `host` object, in
// documentation order.
func hostAttributes() []string {
	return []string{"name", "address", "type", "groups", "vars", "release", "release_string", "patches", "patch_count", "alarms"}
}

// sensitiveMark marks values derived from `sensitive = true` variables.
// cty carries marks through every operation and function, so anything
// computed from a secret is known to be secret too.
type markKind string

const sensitiveMark markKind = "sensitive"

// checkRefs reports references an expression may not make in scope s, with
// messages better than HCL's generic "Unknown variable" and with
// did-you-mean suggestions. where names the place for messages ("in
// locals"). Expressions with such references are not evaluated, so no second
// diagnostic follows.
func (l *loader) checkRefs(expr hcl.Expression, s scope, where string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	allowed := s.roots()
	for _, t := range expr.Variables() {
		root := t.RootName()
		rng := t.SourceRange()
		ok := false
		for _, a := range allowed {
			if a == root {
				ok = true
			}
		}
		if !ok {
			switch {
			case root == "host" && s >= scopeVars:
				diags = append(diags, errorf(rng, "Host values not available here",
					"host.* is known only per host, so it can be used in when, set and row values and check assertions, not %s.", where))
			case (root == "var" || root == "local" || root == "group") && s >= scopeVars:
				diags = append(diags, errorf(rng, fmt.Sprintf("%s.* not available here", root),
					"Only %s can be used %s.", quoteRoots(allowed), where))
			case s == scopeConst:
				diags = append(diags, errorf(rng, "Variables not allowed",
					"%s must be a literal value; it cannot refer to %s.", where, root))
			default:
				diags = append(diags, errorf(rng, "Unknown name",
					"There is no name %q. Available here: %s.%s", root, quoteRoots(allowed), didYouMean(root, allowed)))
			}
			continue
		}
		name, nameRange, hasName := traversalName(t)
		if !hasName {
			diags = append(diags, errorf(rng, "Incomplete reference",
				"%s must be followed by a name, like %s.example.", root, root))
			continue
		}
		switch root {
		case "var":
			if _, ok := l.vars[name]; !ok {
				diags = append(diags, errorf(nameRange, "Reference to undeclared variable",
					"No variable named %q is declared; declare it with a variable block.%s", name, didYouMean(name, l.varNames)))
			}
		case "local":
			if _, ok := l.localDefs[name]; !ok {
				diags = append(diags, errorf(nameRange, "Reference to undeclared local value",
					"No local value named %q is declared in any locals block.%s", name, didYouMean(name, l.localNames)))
			}
		case "group":
			if l.groupsReady {
				if _, ok := l.groupMembers[name]; !ok {
					diags = append(diags, errorf(nameRange, "Unknown group",
						"No group named %q: groups come from group blocks and the groups attribute of hosts.%s", name, didYouMean(name, l.groupNames())))
				}
			}
		case "host":
			known := false
			for _, a := range hostAttributes() {
				if a == name {
					known = true
				}
			}
			if !known {
				diags = append(diags, errorf(nameRange, "Unsupported host attribute",
					"The host object has no attribute %q. It has: %s.%s", name, quoteRoots(hostAttributes()), didYouMean(name, hostAttributes())))
			}
		}
	}
	return diags
}

func quoteRoots(names []string) string {
	return quoteList(names)
}

// traversalName returns the attribute name after the root of a traversal
// (var.NAME, local.NAME, group["NAME"]).
func traversalName(t hcl.Traversal) (string, hcl.Range, bool) {
	if len(t) < 2 {
		return "", hcl.Range{}, false
	}
	switch step := t[1].(type) {
	case hcl.TraverseAttr:
		return step.Name, step.SrcRange, true
	case hcl.TraverseIndex:
		if step.Key.Type() == cty.String && step.Key.IsKnown() && !step.Key.IsNull() {
			return step.Key.AsString(), step.SrcRange, true
		}
	}
	return "", hcl.Range{}, false
}

// eval evaluates expr in ctx after checking its references for scope s.
// When the references are wrong it returns cty.DynamicVal (unknown), so
// callers carry on without piling up follow-on errors. Diagnostics that
// involve sensitive values are redacted.
func (l *loader) eval(expr hcl.Expression, ctx *hcl.EvalContext, s scope, where string) (cty.Value, hcl.Diagnostics) {
	if diags := l.checkRefs(expr, s, where); diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	return evalExpr(expr, ctx)
}

// evalExpr evaluates an expression whose references are known to be valid.
func evalExpr(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	v, diags := expr.Value(ctx)
	diags = redact(dropUnknownFunctionDiags(diags))
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	return v, diags
}

// redact strips from diagnostics anything that could show a sensitive
// value: HCL attaches the expression and its scope so that the text writer
// can print "with var.x as ...", and function errors quote their arguments.
func redact(diags hcl.Diagnostics) hcl.Diagnostics {
	for _, d := range diags {
		if d.Expression == nil || d.EvalContext == nil {
			continue
		}
		if usesSensitive(d.Expression, d.EvalContext) {
			d.Expression, d.EvalContext = nil, nil
			d.Detail = "The details are hidden because the expression uses a sensitive value."
		}
	}
	return diags
}

func usesSensitive(expr hcl.Expression, ctx *hcl.EvalContext) bool {
	for _, t := range expr.Variables() {
		v, diags := t.TraverseAbs(ctx)
		if diags.HasErrors() {
			// A reference we cannot resolve may be part of a secret
			// object; err on the side of hiding.
			root, _ := hcl.Traversal{t[0]}.TraverseAbs(ctx)
			if root.ContainsMarked() {
				return true
			}
			continue
		}
		if v.ContainsMarked() {
			return true
		}
	}
	return false
}

// isSensitive reports whether v or anything inside it came from a
// sensitive variable.
func isSensitive(v cty.Value) bool {
	return v.ContainsMarked()
}
