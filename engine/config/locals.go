package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// groupNode is the node of the evaluation graph that stands for the
// inventory's group membership: group.* depends on the hosts' groups
// attributes, which may use locals, which may use group.*.
const groupNode = "group"

func (l *loader) declareLocals() {
	l.localDefs = map[string]*hcl.Attribute{}
	l.localVals = map[string]cty.Value{}
	for _, b := range l.blocks["locals"] {
		attrs, diags := b.Body.JustAttributes()
		l.diags = append(l.diags, diags...)
		for _, a := range sortedAttributes(attrs) {
			if prev, ok := l.localDefs[a.Name]; ok {
				l.diags = append(l.diags, errorf(a.NameRange, "Duplicate local value",
					"local.%s was already defined at %s. Each local value may be defined once across all locals blocks.", a.Name, pos(prev.NameRange)))
				continue
			}
			l.localDefs[a.Name] = a
			l.localNames = append(l.localNames, a.Name)
		}
	}
}

// evalLocalsAndGroups evaluates locals and group membership in dependency
// order (a topological sort of Expression.Variables()). A cycle is reported
// once, naming the whole chain.
func (l *loader) evalLocalsAndGroups() {
	deps := map[string][]string{}
	nodes := append([]string{groupNode}, prefixed("local.", l.localNames)...)
	for _, name := range l.localNames {
		deps["local."+name] = l.graphDeps(l.localDefs[name].Expr)
	}
	var groupDeps []string
	for _, h := range l.hosts {
		if h.groupsAttr != nil {
			for _, d := range l.graphDeps(h.groupsAttr.Expr) {
				if d == groupNode {
					l.diags = append(l.diags, errorf(h.groupsAttr.Expr.Range(), "Invalid groups",
						"A host's groups cannot be computed from group.*, which is made of the hosts' groups."))
					continue
				}
				groupDeps = append(groupDeps, d)
			}
		}
	}
	deps[groupNode] = groupDeps

	order, cyclic := l.topoSort(nodes, deps)
	l.updateLocalObject()
	for _, n := range order {
		if cyclic[n] {
			if n == groupNode {
				l.evalGroups(false)
			} else {
				l.localVals[strings.TrimPrefix(n, "local.")] = cty.DynamicVal
			}
			continue
		}
		if n == groupNode {
			l.evalGroups(true)
			continue
		}
		name := strings.TrimPrefix(n, "local.")
		v, diags := l.eval(l.localDefs[name].Expr, l.ctx, scopeStatic, "in locals")
		l.diags = append(l.diags, diags...)
		l.localVals[name] = v
		l.updateLocalObject()
	}
	l.updateLocalObject()
}

func (l *loader) updateLocalObject() {
	vals := map[string]cty.Value{}
	for _, name := range l.localNames {
		if v, ok := l.localVals[name]; ok {
			vals[name] = v
		} else {
			vals[name] = cty.DynamicVal
		}
	}
	l.ctx.Variables["local"] = cty.ObjectVal(vals)
}

// graphDeps lists the graph nodes an expression refers to.
func (l *loader) graphDeps(expr hcl.Expression) []string {
	var out []string
	for _, t := range expr.Variables() {
		switch t.RootName() {
		case "local":
			if name, _, ok := traversalName(t); ok {
				if _, declared := l.localDefs[name]; declared {
					out = append(out, "local."+name)
				}
			}
		case "group":
			out = append(out, groupNode)
		}
	}
	return out
}

// topoSort orders nodes so that each comes after its dependencies, keeping
// declaration order otherwise. Nodes on a cycle are returned in cyclic.
func (l *loader) topoSort(nodes []string, deps map[string][]string) (order []string, cyclic map[string]bool) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	cyclic = map[string]bool{}
	var stack []string
	var visit func(n string)
	visit = func(n string) {
		switch state[n] {
		case done:
			return
		case visiting:
			// The chain from n's first appearance on the stack back to n.
			start := 0
			for i, s := range stack {
				if s == n {
					start = i
				}
			}
			chain := append(append([]string(nil), stack[start:]...), n)
			for _, c := range chain {
				cyclic[c] = true
			}
			l.diags = append(l.diags, l.cycleDiag(chain))
			return
		}
		state[n] = visiting
		stack = append(stack, n)
		for _, d := range deps[n] {
			visit(d)
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		order = append(order, n)
	}
	for _, n := range nodes {
		visit(n)
	}
	return order, cyclic
}

func (l *loader) cycleDiag(chain []string) *hcl.Diagnostic {
	labels := make([]string, len(chain))
	for i, c := range chain {
		labels[i] = c
		if c == groupNode {
			labels[i] = "group.* (the hosts' groups)"
		}
	}
	var subject hcl.Range
	for _, c := range chain {
		if name, ok := strings.CutPrefix(c, "local."); ok {
			subject = l.localDefs[name].NameRange
			break
		}
	}
	return errorf(subject, "Cycle in local values",
		"Each of these values refers to the next, so none can be computed: %s. Break the cycle by computing one of them from other values.",
		strings.Join(labels, " -> "))
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

// groupNames lists every group, "all" last.
func (l *loader) groupNames() []string {
	return append(append([]string(nil), l.groupOrder...), "all")
}

// evalGroups evaluates every host's groups attribute and builds group.*.
// With ok false (a cycle), groups come only from group blocks.
func (l *loader) evalGroups(ok bool) {
	l.groupMembers = map[string][]string{}
	for _, g := range l.groupOrder {
		l.groupMembers[g] = nil
	}
	var all []string
	for _, h := range l.hosts {
		all = append(all, h.name)
		if !ok || h.groupsAttr == nil {
			continue
		}
		v, diags := l.eval(h.groupsAttr.Expr, l.ctx, scopeStatic, "in a host's groups")
		l.diags = append(l.diags, diags...)
		names, good := l.stringList(h.groupsAttr, v, "groups")
		if !good {
			continue
		}
		seen := map[string]bool{}
		for i, g := range names {
			rng := elementRange(h.groupsAttr.Expr, i, len(names))
			switch {
			case g == "all":
				l.diags = append(l.diags, errorf(rng, "Reserved group name",
					"Every host is in group.all already; remove %q from groups.", g))
				continue
			case !validName(g):
				l.diags = append(l.diags, errorf(rng, "Invalid group name",
					"%q is not a valid group name: use letters, digits, underscores and dashes, starting with a letter.", g))
				continue
			case seen[g]:
				continue
			}
			seen[g] = true
			h.groups = append(h.groups, g)
			if _, known := l.groupMembers[g]; !known {
				l.groupOrder = append(l.groupOrder, g)
			}
			l.groupMembers[g] = append(l.groupMembers[g], h.name)
		}
	}
	l.groupMembers["all"] = all
	l.groupsReady = true
	obj := map[string]cty.Value{}
	for g, hs := range l.groupMembers {
		obj[g] = stringListVal(hs)
	}
	l.ctx.Variables["group"] = cty.ObjectVal(obj)
}

func stringListVal(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

// describe names a value's type for messages without showing the value.
func typeName(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	return fmt.Sprintf("a %s", v.Type().FriendlyName())
}
