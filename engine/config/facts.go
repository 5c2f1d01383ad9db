package config

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/bwstate/bwstate/engine"
)

// Which facts a host's evaluation needs is known from the configuration's
// text: host.* can only be named as host.NAME (a bare host is refused at
// load), so the expressions' variables say it. Alarms are the fact worth
// knowing about: reading them costs a cd and a list of the alarms table on
// every host, and only configurations that test them need them.

// factAlarms is the host attribute of the raised alarms.
const factAlarms = "alarms"

// refersToHost reports whether any of exprs names host.<name>.
func refersToHost(name string, exprs ...hcl.Expression) bool {
	for _, e := range exprs {
		if e == nil {
			continue
		}
		for _, t := range e.Variables() {
			if t.RootName() != "host" {
				continue
			}
			if n, _, ok := traversalName(t); !ok || n == name {
				return true
			}
		}
	}
	return false
}

// valueExprs are a resource's set values and row values.
func (r *Resource) valueExprs() []hcl.Expression {
	var out []hcl.Expression
	for _, a := range r.attrs {
		out = append(out, a.Expr)
	}
	for _, rw := range r.rows {
		for _, a := range rw.attrs {
			out = append(out, a.Expr)
		}
	}
	return out
}

// exprs are a check's when, conditions and error messages.
func (cb *CheckBlock) exprs() []hcl.Expression {
	out := []hcl.Expression{cb.when}
	for _, as := range cb.asserts {
		out = append(out, as.condition, as.message)
	}
	return out
}

// NeedsAlarms reports whether planning h with the selection needs the
// raised alarms (host.alarms): a selected resource's when or values, the
// when of any resource targeting h (conflicts between two resources whose
// when holds are found across the selection), or a selected check. Plan
// reads the alarms table only then.
func (c *Config) NeedsAlarms(sel *Selection, h *engine.Host) bool {
	for _, r := range c.Resources {
		if !r.hostSet[h.Name] {
			continue
		}
		if refersToHost(factAlarms, r.when) || sel.hasResource(r) && refersToHost(factAlarms, r.valueExprs()...) {
			return true
		}
	}
	return c.ChecksNeedAlarms(sel, h)
}

// ChecksNeedAlarms reports whether a selected check targeting h uses the
// raised alarms: apply reads them again after a host's changes only then.
func (c *Config) ChecksNeedAlarms(sel *Selection, h *engine.Host) bool {
	for _, cb := range c.CheckBlocks {
		if cb.hostSet[h.Name] && sel.hasCheck(cb) && refersToHost(factAlarms, cb.exprs()...) {
			return true
		}
	}
	return false
}

// HasChecks reports whether a selected check targets h (before its when,
// which needs facts).
func (c *Config) HasChecks(sel *Selection, h *engine.Host) bool {
	for _, cb := range c.CheckBlocks {
		if cb.hostSet[h.Name] && sel.hasCheck(cb) {
			return true
		}
	}
	return false
}
