package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/bwstate/bwstate/engine"
)

// Selection is what -target and -exclude leave of a configuration.
type Selection struct {
	// Hosts in inventory order.
	Hosts []*engine.Host
	// Resources and Checks in configuration order.
	Resources []*Resource
	Checks    []*CheckBlock

	hosts     map[string]bool
	resources map[*Resource]bool
	checks    map[*CheckBlock]bool
}

// HasHost reports whether the host is selected. A nil Selection selects everything.
func (s *Selection) HasHost(name string) bool {
	return s == nil || s.hosts[name]
}

// Concerns reports whether a selected resource or check applies to the
// host (before any `when`, which needs its facts): a host nothing concerns
// need not be contacted to plan.
func (s *Selection) Concerns(host string) bool {
	for _, r := range s.Resources {
		if r.hostSet[host] {
			return true
		}
	}
	for _, c := range s.Checks {
		if c.hostSet[host] {
			return true
		}
	}
	return false
}

func (s *Selection) hasResource(r *Resource) bool {
	return s == nil || s.resources[r]
}

func (s *Selection) hasCheck(c *CheckBlock) bool {
	return s == nil || s.checks[c]
}

// target is one resolved -target or -exclude address.
type target struct {
	addr  string
	hosts []string // host or group address
	res   *Resource
	check *CheckBlock
}

// Select applies -target and -exclude addresses: HOST, group.NAME,
// context.NAME, table.NAME, check.NAME. Hosts are the host and group
// targets (or every host) minus excluded hosts and groups; resources and
// checks are the resource targets (or all of them) minus excluded ones.
// An unknown address, or a target that selects nothing, is an error.
func (c *Config) Select(targets, excludes []string) (*Selection, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	resolve := func(list []string, flag string) []*target {
		var out []*target
		for _, a := range list {
			t, d := c.resolveAddress(a, flag)
			if d != nil {
				diags = append(diags, d)
				continue
			}
			out = append(out, t)
		}
		return out
	}
	tgs := resolve(targets, "-target")
	exs := resolve(excludes, "-exclude")
	if diags.HasErrors() {
		return nil, diags
	}

	excludedHost := map[string]bool{}
	excludedRes := map[*Resource]bool{}
	excludedCheck := map[*CheckBlock]bool{}
	for _, t := range exs {
		for _, h := range t.hosts {
			excludedHost[h] = true
		}
		if t.res != nil {
			excludedRes[t.res] = true
		}
		if t.check != nil {
			excludedCheck[t.check] = true
		}
	}

	wantHost := map[string]bool{}
	hostTargets, resTargets := false, false
	wantRes := map[*Resource]bool{}
	wantCheck := map[*CheckBlock]bool{}
	for _, t := range tgs {
		switch {
		case t.res != nil:
			resTargets = true
			wantRes[t.res] = true
		case t.check != nil:
			resTargets = true
			wantCheck[t.check] = true
		default:
			hostTargets = true
			for _, h := range t.hosts {
				wantHost[h] = true
			}
		}
	}

	sel := &Selection{hosts: map[string]bool{}, resources: map[*Resource]bool{}, checks: map[*CheckBlock]bool{}}
	for _, h := range c.Hosts {
		if (!hostTargets || wantHost[h.Name]) && !excludedHost[h.Name] {
			sel.Hosts = append(sel.Hosts, h)
			sel.hosts[h.Name] = true
		}
	}
	for _, r := range c.Resources {
		if (!resTargets || wantRes[r]) && !excludedRes[r] {
			sel.Resources = append(sel.Resources, r)
			sel.resources[r] = true
		}
	}
	for _, cb := range c.CheckBlocks {
		if (!resTargets || wantCheck[cb]) && !excludedCheck[cb] {
			sel.Checks = append(sel.Checks, cb)
			sel.checks[cb] = true
		}
	}

	// A target that ends up selecting nothing is almost certainly a mistake;
	// running with it would do nothing, or more than intended, silently.
	for _, t := range tgs {
		var why string
		switch {
		case t.res != nil && excludedRes[t.res]:
			why = "it is also excluded"
		case t.res != nil && !anySelected(t.res.Hosts, sel):
			why = "none of its hosts is selected"
		case t.check != nil && excludedCheck[t.check]:
			why = "it is also excluded"
		case t.check != nil && !anySelected(t.check.Hosts, sel):
			why = "none of its hosts is selected"
		case t.res == nil && t.check == nil && !anySelected(t.hosts, sel):
			why = "it has no hosts left after -exclude"
			if len(t.hosts) == 0 {
				why = "the group has no hosts"
			}
		}
		if why != "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Target selects nothing",
				Detail: fmt.Sprintf("-target %s selects nothing: %s.", t.addr, why)})
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return sel, diags
}

func anySelected(hosts []string, sel *Selection) bool {
	for _, h := range hosts {
		if sel.hosts[h] {
			return true
		}
	}
	return false
}

func (c *Config) resolveAddress(a, flag string) (*target, *hcl.Diagnostic) {
	unknown := func(what, name string, candidates []string) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown " + what,
			Detail: fmt.Sprintf("%s %s: there is no %s %q.%s", flag, a, what, name, didYouMean(name, candidates))}
	}
	kind, name, dotted := strings.Cut(a, ".")
	if dotted {
		switch kind {
		case "group":
			hs, ok := c.groups[name]
			if !ok {
				return nil, unknown("group", name, append([]string(nil), c.groupOrder...))
			}
			return &target{addr: a, hosts: hs}, nil
		case "context", "table":
			if r := c.Resource(a); r != nil {
				return &target{addr: a, res: r}, nil
			}
			var addrs []string
			for _, r := range c.Resources {
				addrs = append(addrs, r.Addr)
			}
			return nil, unknown("resource", a, addrs)
		case "check":
			for _, cb := range c.CheckBlocks {
				if cb.Addr == a {
					return &target{addr: a, check: cb}, nil
				}
			}
			var addrs []string
			for _, cb := range c.CheckBlocks {
				addrs = append(addrs, cb.Addr)
			}
			return nil, unknown("check", a, addrs)
		}
	}
	if c.Host(a) != nil {
		return &target{addr: a, hosts: []string{a}}, nil
	}
	var all []string
	for _, h := range c.Hosts {
		all = append(all, h.Name)
	}
	for _, g := range c.groupOrder {
		all = append(all, "group."+g)
	}
	for _, r := range c.Resources {
		all = append(all, r.Addr)
	}
	for _, cb := range c.CheckBlocks {
		all = append(all, cb.Addr)
	}
	d := unknown("host", a, all)
	d.Detail += " Addresses are HOST, group.NAME, context.NAME, table.NAME or check.NAME."
	return nil, d
}
