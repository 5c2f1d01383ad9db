package config

import (
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/bwstate/bwstate/engine"
)

type hostDecl struct {
	name       string
	block      *hcl.Block
	content    *hcl.BodyContent
	groupsAttr *hcl.Attribute
	groups     []string
	host       *engine.Host
	// port is the port the address names (0: none), for the provider's
	// connection settings.
	port int
}

type groupDecl struct {
	name  string
	block *hcl.Block
	vars  cty.Value
}

var (
	hostNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$`)
	addressRE  = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)
)

func validName(s string) bool { return hclsyntax.ValidIdentifier(s) }

// declareInventory records host and group names, which everything else
// refers to; their attributes are evaluated once locals are known.
func (l *loader) declareInventory() {
	l.hostByName = map[string]*hostDecl{}
	for _, b := range l.duplicates("host") {
		name := b.Labels[0]
		if !hostNameRE.MatchString(name) || reservedAddress(name) {
			l.diags = append(l.diags, errorf(b.LabelRanges[0], "Invalid host name",
				"%q is not a valid host name: use letters, digits, dots, underscores and dashes, starting with a letter or digit (and not group., context., table. or check.).", name))
			continue
		}
		content, diags := b.Body.Content(withBlock(hostSchema, l.connBlock))
		l.diags = append(l.diags, diags...)
		h := &hostDecl{name: name, block: b, content: content, groupsAttr: content.Attributes["groups"]}
		l.hosts = append(l.hosts, h)
		l.hostByName[name] = h
	}
	l.groupDecls = map[string]*groupDecl{}
	for _, b := range l.duplicates("group") {
		if !l.nameOK(b, "group") {
			continue
		}
		g := &groupDecl{name: b.Labels[0], block: b, vars: cty.EmptyObjectVal}
		l.groupDecls[g.name] = g
		if g.name != "all" {
			l.groupOrder = append(l.groupOrder, g.name)
		}
	}
}

func reservedAddress(name string) bool {
	for _, p := range []string{"group.", "context.", "table.", "check."} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// decodeInventory evaluates host and group attributes and builds the hosts.
func (l *loader) decodeInventory() {
	for _, name := range l.groupNames() {
		g := l.groupDecls[name]
		if g == nil {
			continue
		}
		content, diags := g.block.Body.Content(groupSchema)
		l.diags = append(l.diags, diags...)
		if a := content.Attributes["vars"]; a != nil {
			g.vars = l.varsValue(a)
		}
	}
	types := l.cat.HostTypes()
	l.cfg.hostIndex = map[string]int{}
	for _, h := range l.hosts {
		eh := &engine.Host{Name: h.name, Groups: h.groups, Vars: cty.EmptyObjectVal}
		h.host = eh
		if a := h.content.Attributes["address"]; a != nil {
			if s, ok := l.staticString(a, "address"); ok {
				host, port, problem := splitAddress(s)
				if problem != "" {
					l.diags = append(l.diags, attrErrorf(a, "Invalid host address", "%s", problem))
				} else {
					eh.Address, h.port = host, port
				}
			}
		}
		if a := h.content.Attributes["type"]; a != nil {
			if s, ok := l.staticString(a, "type"); ok {
				t := strings.ToLower(strings.TrimSpace(s))
				if contains(types, t) {
					eh.Type = t
				} else {
					l.diags = append(l.diags, attrErrorf(a, "Unknown host type",
						"%q is not a server type bwstate knows.%s Known types: %s.", s, didYouMean(t, types), strings.Join(types, ", ")))
				}
			}
		}
		// Group vars in the host's group order, then the host's own vars:
		// the most specific setting wins, as in Ansible.
		var layers []cty.Value
		if g := l.groupDecls["all"]; g != nil {
			layers = append(layers, g.vars)
		}
		for _, gn := range h.groups {
			if g := l.groupDecls[gn]; g != nil {
				layers = append(layers, g.vars)
			}
		}
		if a := h.content.Attributes["vars"]; a != nil {
			layers = append(layers, l.varsValue(a))
		}
		eh.Vars = mergeObjects(layers)
		l.cfg.hostIndex[h.name] = len(l.cfg.Hosts)
		l.cfg.Hosts = append(l.cfg.Hosts, eh)
	}
	l.cfg.groups = map[string][]string{}
	for g, hs := range l.groupMembers {
		l.cfg.groups[g] = hs
	}
	l.cfg.groupOrder = l.groupNames()
}

// varsValue evaluates a vars attribute, which must be an object or a map.
func (l *loader) varsValue(a *hcl.Attribute) cty.Value {
	v, diags := l.eval(a.Expr, l.ctx, scopeStatic, "in vars")
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || !v.IsKnown() {
		return cty.EmptyObjectVal
	}
	inner, marks := v.Unmark()
	if inner.IsNull() {
		return cty.EmptyObjectVal
	}
	t := inner.Type()
	if !t.IsObjectType() && !t.IsMapType() {
		l.diags = append(l.diags, attrErrorf(a, "Invalid vars", "vars must be an object like { site = \"a\" }, not %s.", typeName(inner)))
		return cty.EmptyObjectVal
	}
	attrs := map[string]cty.Value{}
	for k, ev := range inner.AsValueMap() {
		attrs[k] = ev.WithMarks(marks)
	}
	return cty.ObjectVal(attrs)
}

// mergeObjects merges objects shallowly, later layers winning.
func mergeObjects(layers []cty.Value) cty.Value {
	attrs := map[string]cty.Value{}
	for _, o := range layers {
		for k, v := range o.AsValueMap() {
			attrs[k] = v
		}
	}
	if len(attrs) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(attrs)
}

// splitAddress separates an optional port from a host address:
// "10.0.0.1", "10.0.0.1:2201", "bw1.example.net", "[::1]:2201", "::1".
func splitAddress(s string) (host string, port int, problem string) {
	s = strings.TrimSpace(s)
	host = s
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return "", 0, fmt.Sprintf("%q is not an address: %v. Use HOST or HOST:PORT.", s, err)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", 0, fmt.Sprintf("The port in %q must be a number from 1 to 65535.", s)
		}
		host, port = h, n
	}
	if host == "" || !addressRE.MatchString(host) {
		return "", 0, fmt.Sprintf("%q is not a host name or IP address. Use HOST or HOST:PORT, like 10.1.0.11 or 127.0.0.1:2201.", s)
	}
	return host, port, ""
}

// decodeConnections hands the provider its connection blocks (ssh): the
// top-level one, then each host's own with the host's address, and gives
// every host the settings the provider makes of them. Where the blocks may
// be is the language's; what is inside them is the provider's.
func (l *loader) decodeConnections() {
	schema := l.opts.Connections
	if schema == nil {
		return
	}
	ev := staticEvaluator{l}
	var defaults engine.ConnectionBlock
	if b := l.single(l.connBlock); b != nil {
		var diags hcl.Diagnostics
		defaults, diags = schema.DecodeBlock(b, ev)
		l.diags = append(l.diags, diags...)
	}
	for _, h := range l.hosts {
		blocks := h.content.Blocks
		var own engine.ConnectionBlock
		if len(blocks) > 0 {
			for _, b := range blocks[1:] {
				l.diags = append(l.diags, errorf(b.DefRange, fmt.Sprintf("Duplicate %s block", l.connBlock),
					"Host %q has its %s block at %s already; merge the two.", h.name, l.connBlock, pos(blocks[0].DefRange)))
			}
			var diags hcl.Diagnostics
			own, diags = schema.DecodeBlock(blocks[0], ev)
			l.diags = append(l.diags, diags...)
		}
		c, diags := schema.HostConnection(engine.ConnectionHost{Name: h.name, Address: h.host.Address, Port: h.port}, defaults, own)
		l.diags = append(l.diags, diags...)
		h.host.Connection = c
	}
}

// configPath makes a relative path relative to the configuration directory
// (absolute, so it does not depend on where bwstate runs). Paths starting
// with ~ are left for the provider to expand.
func (l *loader) configPath(p string) string {
	if strings.HasPrefix(p, "~") || filepath.IsAbs(p) {
		return p
	}
	p = filepath.Join(l.dir, p)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func (l *loader) staticDuration(a *hcl.Attribute, what string) (time.Duration, bool) {
	s, ok := l.staticString(a, what)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		l.diags = append(l.diags, attrErrorf(a, "Invalid duration",
			"%s must be a positive duration like \"30s\", \"5m\" or \"1h30m\", not %q.", what, s))
		return 0, false
	}
	return d, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
