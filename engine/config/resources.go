package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/bwstate/bwstate/engine"
)

func (l *loader) decodeResources() {
	for _, kind := range []string{"context", "table"} {
		for _, b := range l.duplicates(kind) {
			if r := l.decodeResource(b, kind); r != nil {
				l.cfg.Resources = append(l.cfg.Resources, r)
			}
		}
	}
	// Contexts and tables interleave in the files; keep file and block order.
	sort.SliceStable(l.cfg.Resources, func(i, j int) bool {
		return before(l.cfg.Resources[i].Range, l.cfg.Resources[j].Range)
	})
	for _, b := range l.duplicates("check") {
		if cb := l.decodeCheck(b); cb != nil {
			l.cfg.CheckBlocks = append(l.cfg.CheckBlocks, cb)
		}
	}
}

func before(a, b hcl.Range) bool {
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	return a.Start.Byte < b.Start.Byte
}

func (l *loader) decodeResource(b *hcl.Block, kind string) *Resource {
	if !l.nameOK(b, kind) {
		return nil
	}
	schema := contextSchema
	if kind == "table" {
		schema = tableSchema
	}
	content, diags := b.Body.Content(schema)
	l.diags = append(l.diags, diags...)
	r := &Resource{Addr: kind + "." + b.Labels[0], Kind: kind, Name: b.Labels[0], Range: b.DefRange, schemas: map[string]*engine.Context{}}
	ok := !diags.HasErrors()
	if a := content.Attributes["hosts"]; a != nil {
		hosts, good := l.decodeHosts(a)
		r.Hosts, ok = hosts, ok && good
	}
	r.hostSet = map[string]bool{}
	for _, h := range r.Hosts {
		r.hostSet[h] = true
	}
	var pathAttr *hcl.Attribute
	if a := content.Attributes["path"]; a != nil {
		pathAttr = a
		if p, good := l.staticString(a, "path"); good {
			if why := validPath(p); why != "" {
				l.diags = append(l.diags, attrErrorf(a, "Invalid context path",
					"The path %q %s, like \"Applications/OpenClientServer/CAPProxy\".", p, why))
				ok = false
			}
			r.Path = canonicalPath(p)
		} else {
			ok = false
		}
	}
	if a := content.Attributes["restart"]; a != nil {
		if s, good := l.staticString(a, "restart"); good {
			if why := validAppName(s); why != "" {
				l.diags = append(l.diags, attrErrorf(a, "Invalid restart application", "%q %s.", s, why))
			}
			r.Restart = s
		}
	}
	if a := content.Attributes["exclusive"]; a != nil {
		r.Exclusive, _ = l.staticBool(a, "exclusive")
	}
	if a := content.Attributes["when"]; a != nil {
		r.when = a.Expr
		if diags := l.checkRefs(a.Expr, scopeHost, "in when"); diags.HasErrors() {
			l.diags = append(l.diags, diags...)
			ok = false
		}
	}
	switch kind {
	case "context":
		var sets []*hcl.Block
		for _, blk := range content.Blocks {
			sets = append(sets, blk)
		}
		if len(sets) == 0 {
			l.diags = append(l.diags, errorf(b.DefRange, "Missing set block",
				"%s must have a set block with the attributes to set, like set { enabled = false }.", r.Addr))
			ok = false
		}
		for _, extra := range tail(sets) {
			l.diags = append(l.diags, errorf(extra.DefRange, "Duplicate set block",
				"%s already has a set block at %s; put all attributes in one.", r.Addr, pos(sets[0].DefRange)))
		}
		if len(sets) > 0 {
			r.attrs, ok = l.bodyAttributes(sets[0], r, ok)
		}
	case "table":
		for _, blk := range content.Blocks {
			var attrs []*hcl.Attribute
			attrs, ok = l.bodyAttributes(blk, r, ok)
			r.rows = append(r.rows, &row{rng: blk.DefRange, attrs: attrs})
		}
	}
	if ok && pathAttr != nil {
		l.checkResource(r, pathAttr)
	}
	return r
}

func tail[T any](s []T) []T {
	if len(s) < 2 {
		return nil
	}
	return s[1:]
}

// bodyAttributes reads the attributes of a set or row block in source
// order, checking their references and that no name appears twice in
// different case (the CLI's names are case-insensitive).
func (l *loader) bodyAttributes(b *hcl.Block, r *Resource, ok bool) ([]*hcl.Attribute, bool) {
	attrs, diags := b.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	list := sortedAttributes(attrs)
	seen := map[string]*hcl.Attribute{}
	var out []*hcl.Attribute
	for _, a := range list {
		k := strings.ToLower(a.Name)
		if prev, dup := seen[k]; dup {
			l.diags = append(l.diags, errorf(a.NameRange, "Duplicate attribute",
				"%s is already set at %s (names are case-insensitive).", a.Name, pos(prev.NameRange)))
			ok = false
			continue
		}
		seen[k] = a
		if why := validAttrName(a.Name); why != "" {
			l.diags = append(l.diags, errorf(a.NameRange, "Invalid attribute name", "%q %s.", a.Name, why))
			ok = false
			continue
		}
		if ds := l.checkRefs(a.Expr, scopeHost, "in "+b.Type+" values"); ds.HasErrors() {
			l.diags = append(l.diags, ds...)
			ok = false
		}
		out = append(out, a)
	}
	return out, ok && !diags.HasErrors()
}

// decodeHosts evaluates a hosts attribute: static host names, checked
// against the inventory, without repeats, in the order given.
func (l *loader) decodeHosts(a *hcl.Attribute) ([]string, bool) {
	names, ok := l.staticStringList(a, "hosts")
	if !ok {
		return nil, false
	}
	var out []string
	seen := map[string]bool{}
	for i, n := range names {
		if l.hostByName[n] == nil {
			detail := fmt.Sprintf("No host named %q is declared.", n)
			if _, isGroup := l.groupMembers[n]; isGroup {
				detail += fmt.Sprintf(" %q is a group: write group.%s (without quotes).", n, n)
			} else {
				detail += didYouMean(n, l.hostNames())
			}
			d := errorf(elementRange(a.Expr, i, len(names)), "Unknown host", "%s", detail)
			d.Context = rangePtr(a.Range)
			l.diags = append(l.diags, d)
			ok = false
			continue
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, ok
}

func (l *loader) hostNames() []string {
	out := make([]string, len(l.hosts))
	for i, h := range l.hosts {
		out[i] = h.name
	}
	return out
}

// checkResource matches a resource against the catalogue for each type of
// host it targets, then evaluates it for the targeted hosts with facts
// unknown.
func (l *loader) checkResource(r *Resource, pathAttr *hcl.Attribute) {
	var types []string
	byType := map[string][]string{}
	for _, hn := range r.Hosts {
		t := l.hostByName[hn].host.Type
		if t == "" {
			return // the host's type is wrong; already reported
		}
		if _, ok := byType[t]; !ok {
			types = append(types, t)
		}
		byType[t] = append(byType[t], hn)
	}
	ok := true
	for _, t := range types {
		ctx, known := l.cat.Lookup(t, r.Path)
		if !known || !listedFor(ctx, t) {
			// The catalogue may list the context for other server types
			// only: it is managed on this type with that schema, because
			// the catalogue's guess must never block what a server can
			// prove; plan reads it from the server, which fails the host
			// with `Invalid command` if it does not have it.
			var others []string
			var schema *engine.Context
			same := true
			for _, ot := range l.cat.HostTypes() {
				if oc, k := l.cat.Lookup(ot, r.Path); k && listedFor(oc, ot) {
					others = append(others, ot)
					if schema != nil && schema != oc {
						same = false
					}
					schema = oc
				}
			}
			if len(others) > 0 && same {
				l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Context listed for other server types",
					Detail: fmt.Sprintf("The catalogue lists %s on %s servers, not on %s; %s %s of type %s. bwstate manages it there with the catalogue's schema (types, ranges%s), and plan reads it from the server: a server without it fails with `Invalid command` at the cd, naming the host.",
						schema.Path, strings.Join(others, ", "), t, pluralHosts(byType[t]), isAre(byType[t]), t, restartPhrase(schema)),
					Subject: rangePtr(pathAttr.Expr.Range()), Context: rangePtr(pathAttr.Range)})
				ctx, known = schema, true
			}
		}
		if !known {
			switch {
			case r.Kind == "table":
				l.diags = append(l.diags, attrErrorf(pathAttr, "Unknown table context",
					"The catalogue does not know %s on %s servers, so bwstate cannot know its row keys. Only tables the catalogue knows can be managed; check the path.%s",
					r.Path, t, l.pathSuggestion(t, r.Path)))
				ok = false
			default:
				l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Unknown context",
					Detail: fmt.Sprintf("The catalogue does not know %s on %s servers, so its values cannot be checked before plan: they are compared as strings, and no application restart is known (set restart if a change needs one).%s",
						r.Path, t, l.pathSuggestion(t, r.Path)),
					Subject: rangePtr(pathAttr.Expr.Range()), Context: rangePtr(pathAttr.Range)})
			}
			r.schemas[t] = nil
			continue
		}
		switch {
		case ctx.ReadOnly:
			l.diags = append(l.diags, attrErrorf(pathAttr, "Read-only context",
				"%s can be read but not configured (%s).", ctx.Path, ctx.Doc))
			ok = false
		case r.Kind == "context" && ctx.Kind == engine.TableContext:
			l.diags = append(l.diags, attrErrorf(pathAttr, "Context is a table",
				"%s holds table rows: manage it with a table block and row blocks, not a context block.", ctx.Path))
			ok = false
		case r.Kind == "table" && ctx.Kind != engine.TableContext:
			l.diags = append(l.diags, attrErrorf(pathAttr, "Not a table context",
				"%s holds attributes, not rows: manage it with a context block and a set block.", ctx.Path))
			ok = false
		}
		r.schemas[t] = ctx
		r.Path = ctx.Path // the catalogue's spelling wins
	}
	if !ok {
		return
	}
	for _, t := range types {
		if s := r.schemas[t]; s != nil && !l.checkShape(r, s) {
			ok = false
		}
	}
	if !ok {
		return
	}
	l.evalForHosts(r.Hosts, r.Addr, func(h *engine.Host) hcl.Diagnostics {
		_, _, diags := desiredFor(r, h, nil, l.ctx, true)
		return diags
	}, r.refsHost())
}

// listedFor reports whether the catalogue lists ctx for hostType (a
// context without HostTypes is listed for every type).
func listedFor(ctx *engine.Context, hostType string) bool {
	if len(ctx.HostTypes) == 0 {
		return true
	}
	for _, t := range ctx.HostTypes {
		if strings.EqualFold(t, hostType) {
			return true
		}
	}
	return false
}

// restartPhrase names the application a context's changes restart, for a
// warning.
func restartPhrase(ctx *engine.Context) string {
	if ctx.Restart == "" {
		return ""
	}
	return ", restart of " + ctx.Restart
}

// pathSuggestion proposes a catalogue path close to p, for typos.
func (l *loader) pathSuggestion(hostType, p string) string {
	var paths []string
	for _, c := range l.cat.Contexts(hostType) {
		paths = append(paths, c.Path)
	}
	return didYouMean(p, paths)
}

// checkShape checks the names in a set body or rows against a catalogue
// context: unknown attributes, missing keys and required columns, ids of
// server-numbered tables.
func (l *loader) checkShape(r *Resource, s *engine.Context) bool {
	ok := true
	var names []string
	for _, a := range s.Attributes {
		if !(s.IDKeyed && a.Key) {
			names = append(names, a.Name)
		}
	}
	checkNames := func(attrs []*hcl.Attribute) {
		for _, a := range attrs {
			attr := s.Attribute(a.Name)
			switch {
			case attr == nil:
				d := errorf(a.NameRange, "Unsupported attribute",
					"%s has no attribute %q.%s Its attributes are: %s.", s.Path, a.Name, didYouMean(a.Name, names), strings.Join(names, ", "))
				d.Context = rangePtr(a.Range)
				l.diags = append(l.diags, d)
				ok = false
			case s.IDKeyed && attr.Key:
				l.diags = append(l.diags, errorf(a.NameRange, "Server-assigned column",
					"The server numbers the rows of %s, so %s cannot be set; rows are identified by their other columns. Remove %s.", s.Path, attr.Name, a.Name))
				ok = false
			}
		}
	}
	if r.Kind == "context" {
		checkNames(r.attrs)
		return ok
	}
	for _, rw := range r.rows {
		checkNames(rw.attrs)
		have := map[string]bool{}
		for _, a := range rw.attrs {
			have[strings.ToLower(a.Name)] = true
		}
		var missingKeys, missingCols []string
		for _, a := range s.Attributes {
			switch {
			case have[strings.ToLower(a.Name)]:
			case a.Key && !s.IDKeyed:
				missingKeys = append(missingKeys, a.Name)
			case !a.Key && !a.Optional:
				missingCols = append(missingCols, a.Name)
			}
		}
		if len(missingKeys) > 0 {
			l.diags = append(l.diags, errorf(rw.rng, "Missing row key",
				"Every row of %s needs its key (%s); this row has no %s.", s.Path, keyNames(s), strings.Join(missingKeys, ", ")))
			ok = false
		}
		if len(missingCols) > 0 {
			l.diags = append(l.diags, errorf(rw.rng, "Missing required column",
				"The CLI needs %s to add a row to %s; this row has no %s.", strings.Join(missingCols, ", "), s.Path, strings.Join(missingCols, ", ")))
			ok = false
		} else if !l.checkRowForm(s, rw.attrs, rw.rng) {
			ok = false
		}
	}
	return ok
}

func keyNames(s *engine.Context) string {
	var ks []string
	for _, a := range s.KeyAttributes() {
		ks = append(ks, a.Name)
	}
	return strings.Join(ks, ", ")
}

func pluralHosts(hs []string) string {
	if len(hs) == 1 {
		return "host " + hs[0]
	}
	return "hosts " + listShort(hs, 5)
}

func isAre(hs []string) string {
	if len(hs) == 1 {
		return "is"
	}
	return "are"
}

// refsHost reports whether any of the resource's per-host expressions uses
// host.*; if none does, one host per type stands for all.
func (r *Resource) refsHost() bool {
	exprs := []hcl.Expression{r.when}
	for _, a := range r.attrs {
		exprs = append(exprs, a.Expr)
	}
	for _, rw := range r.rows {
		for _, a := range rw.attrs {
			exprs = append(exprs, a.Expr)
		}
	}
	return anyRefsHost(exprs)
}

func anyRefsHost(exprs []hcl.Expression) bool {
	for _, e := range exprs {
		if e == nil {
			continue
		}
		for _, t := range e.Variables() {
			if t.RootName() == "host" {
				return true
			}
		}
	}
	return false
}

// evalForHosts runs a validate-time evaluation for the hosts of a block.
// Host-dependent blocks are evaluated for every host and each problem names
// the hosts it concerns; others once per host type.
func (l *loader) evalForHosts(hosts []string, addr string, fn func(h *engine.Host) hcl.Diagnostics, perHost bool) {
	if !perHost {
		done := map[string]bool{}
		for _, hn := range hosts {
			h := l.hostByName[hn].host
			if done[h.Type] {
				continue
			}
			done[h.Type] = true
			l.diags = append(l.diags, fn(h)...)
		}
		return
	}
	var hd hostDiags
	for _, hn := range hosts {
		hd.add(hn, fn(l.hostByName[hn].host))
	}
	l.diags = append(l.diags, hd.diags()...)
}

func (l *loader) decodeCheck(b *hcl.Block) *CheckBlock {
	if !l.nameOK(b, "check") {
		return nil
	}
	content, diags := b.Body.Content(checkSchema)
	l.diags = append(l.diags, diags...)
	cb := &CheckBlock{Addr: "check." + b.Labels[0], Name: b.Labels[0], Range: b.DefRange, hostSet: map[string]bool{}}
	ok := !diags.HasErrors()
	if a := content.Attributes["hosts"]; a != nil {
		hosts, good := l.decodeHosts(a)
		cb.Hosts, ok = hosts, ok && good
	}
	for _, h := range cb.Hosts {
		cb.hostSet[h] = true
	}
	exprs := []hcl.Expression{}
	if a := content.Attributes["when"]; a != nil {
		cb.when = a.Expr
		exprs = append(exprs, a.Expr)
	}
	if len(content.Blocks) == 0 {
		l.diags = append(l.diags, errorf(b.DefRange, "Missing assert block",
			"%s must have at least one assert block with a condition and an error_message.", cb.Addr))
		ok = false
	}
	for _, ab := range content.Blocks {
		ac, diags := ab.Body.Content(assertSchema)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			ok = false
			continue
		}
		as := &assertion{condition: ac.Attributes["condition"].Expr, message: ac.Attributes["error_message"].Expr}
		cb.asserts = append(cb.asserts, as)
		exprs = append(exprs, as.condition, as.message)
	}
	for _, e := range exprs {
		if ds := l.checkRefs(e, scopeHost, "in checks"); ds.HasErrors() {
			l.diags = append(l.diags, ds...)
			ok = false
		}
	}
	if ok {
		l.evalForHosts(cb.Hosts, cb.Addr, func(h *engine.Host) hcl.Diagnostics {
			_, diags := checkFor(cb, h, nil, l.ctx, true)
			return diags
		}, anyRefsHost(exprs))
	}
	return cb
}

// checkConflicts reports attributes two resources without when conditions
// both set on the same host, once per pair and attribute, naming every host
// concerned. With when conditions, Desired checks per host at plan time.
func (l *loader) checkConflicts() {
	type key struct {
		first, second *Resource
		path, attr    string
	}
	var order []key
	found := map[key]conflict{}
	hostsOf := map[key][]string{}
	for _, h := range l.hosts {
		var rs []*Resource
		for _, r := range l.cfg.Resources {
			if r.when == nil && r.hostSet[h.name] {
				rs = append(rs, r)
			}
		}
		for _, cf := range conflicts(rs, h.host.Type) {
			k := key{cf.first, cf.second, cf.path, cf.attr}
			if _, ok := found[k]; !ok {
				order = append(order, k)
				found[k] = cf
			}
			hostsOf[k] = append(hostsOf[k], h.name)
		}
	}
	for _, k := range order {
		l.diags = append(l.diags, found[k].diag(hostsOf[k], false))
	}
}

// checkRowForm checks a row of a table with RowForms against the form its
// choosing column names, when that column is a literal: the form's
// required columns must be given and no column of another form may be.
// A value that depends on facts is checked by the driver before it sends
// anything.
func (l *loader) checkRowForm(s *engine.Context, attrs []*hcl.Attribute, rng hcl.Range) bool {
	rf := s.RowForms
	if rf == nil {
		return true
	}
	given := map[string]*hcl.Attribute{}
	var by *hcl.Attribute
	for _, a := range attrs {
		given[strings.ToLower(a.Name)] = a
		if strings.EqualFold(a.Name, rf.By) {
			by = a
		}
	}
	if by == nil {
		return true // reported as a missing required column
	}
	v, diags := by.Expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return true
	}
	var formName string
	var form engine.RowForm
	found := false
	for name, f := range rf.Forms {
		if strings.EqualFold(name, v.AsString()) {
			formName, form, found = name, f, true
		}
	}
	if !found {
		return true // the choice check reports the value
	}
	var missing []string
	for _, n := range form.Required {
		if given[strings.ToLower(n)] == nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		l.diags = append(l.diags, errorf(rng, "Missing column for this row form",
			"A row of %s with %s = %q needs %s; this row has no %s.", s.Path, rf.By, formName,
			strings.Join(append(append([]string(nil), form.Required...), form.Optional...), ", "), strings.Join(missing, ", ")))
		return false
	}
	ok := true
	for _, f := range rf.Forms {
		for _, n := range append(append([]string(nil), f.Required...), f.Optional...) {
			a := given[strings.ToLower(n)]
			if a == nil || form.Allows(n) {
				continue
			}
			d := errorf(a.NameRange, "Column not used by this row form",
				"A row of %s with %s = %q takes %s, not %s. Remove %s.", s.Path, rf.By, formName,
				strings.Join(append(append([]string(nil), form.Required...), form.Optional...), ", "), a.Name, a.Name)
			d.Context = rangePtr(a.Range)
			l.diags = append(l.diags, d)
			delete(given, strings.ToLower(n))
			ok = false
		}
	}
	return ok
}
