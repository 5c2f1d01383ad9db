package plan

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwstate/bwstate/engine"
)

// extraReads are the reads a host's plan makes beyond its declared
// contexts: the contexts of advisories and, with Options.Drift, every
// unmanaged catalogue context. They share the declared reads (observed), so
// no path is read twice in one plan, and a failure is a warning: the
// configuration's own plan for the host is complete without them.
type extraReads struct {
	sess     engine.Session
	observed map[string]*engine.Observed
	failed   map[string]error // pathKey -> why the read failed
}

// get returns the context at path, reading it when the plan has not yet.
func (x *extraReads) get(ctx context.Context, path string, schema *engine.Context) (*engine.Observed, error) {
	k := pathKey(path)
	if obs, ok := x.observed[k]; ok {
		return obs, nil
	}
	if err, ok := x.failed[k]; ok {
		return nil, err // a failed read is not retried: no path is read twice
	}
	obs, err := x.sess.Read(ctx, path, schema)
	if err != nil {
		x.failed[k] = err
		return nil, err
	}
	x.observed[k] = obs
	return obs, nil
}

// applicableAdvisories lists the catalogue's advisories for the host's type
// and release.
func applicableAdvisories(cat engine.Catalogue, f *engine.Facts) []*engine.Advisory {
	if cat == nil || f == nil {
		return nil
	}
	var out []*engine.Advisory
	for _, a := range cat.Advisories(f.Type) {
		if a != nil && a.Applies(f.Type, f.Release) {
			out = append(out, a)
		}
	}
	return out
}

// advise reads what the host's advisories need and returns their warnings,
// plus a warning per advisory whose context could not be read.
func (r *runner) advise(ctx context.Context, x *extraReads, f *engine.Facts, hp *engine.HostPlan) []string {
	var warnings []string
	for _, a := range applicableAdvisories(r.opts.Catalogue, f) {
		schema, _ := r.opts.Catalogue.Lookup(f.Type, a.Path)
		if _, err := x.get(ctx, a.Path, schema); err != nil {
			warnings = append(warnings, fmt.Sprintf("advisory %s: not checked: read %s: %v", a.ID, strings.Trim(a.Path, "/"), err))
		}
	}
	return append(warnings, Advise(r.opts.Catalogue, f, hp.Changes, x.observed)...)
}

// Advise returns the warning "advisory ID: Message" of every catalogue
// advisory that holds on a host: its trigger value is what the attribute
// will have after apply, that is the live value unless the plan's changes
// set it to something else (and the planned value when they set it to the
// trigger). An advisory whose context is not in observed, or whose attribute
// the server does not print, is not reported. observed may be keyed in any
// case. Advise does no I/O.
func Advise(cat engine.Catalogue, f *engine.Facts, changes []*engine.Change, observed map[string]*engine.Observed) []string {
	live := make(map[string]*engine.Observed, len(observed))
	for p, obs := range observed {
		live[pathKey(p)] = obs
	}
	var out []string
	for _, a := range applicableAdvisories(cat, f) {
		obs := live[pathKey(a.Path)]
		if obs == nil || obs.Kind != engine.AttributeContext {
			continue
		}
		var attr *engine.Attribute
		if schema, ok := cat.Lookup(f.Type, a.Path); ok {
			attr = schema.Attribute(a.Attr)
		}
		_, value, ok := engine.LookupFold(obs.Attrs, a.Attr)
		if !ok {
			continue
		}
		if planned, ok := plannedValue(changes, a.Path, a.Attr); ok {
			value = planned
		}
		if same(attr, value, a.Value) {
			out = append(out, "advisory "+a.ID+": "+a.Message)
		}
	}
	return out
}

// plannedValue returns the value a plan's changes give an attribute of an
// attribute context, if they change it.
func plannedValue(changes []*engine.Change, path, attr string) (string, bool) {
	for _, ch := range changes {
		if len(ch.Key) > 0 || pathKey(ch.Path) != pathKey(path) {
			continue
		}
		for _, ac := range ch.Attrs {
			if strings.EqualFold(ac.Name, attr) {
				return ac.After, true
			}
		}
	}
	return "", false
}

// driftContexts lists the catalogue contexts drift compares on a host: of
// its type, on its release, writable, and managed by no declared resource.
func driftContexts(cat engine.Catalogue, f *engine.Facts, desired []*engine.Desired) []*engine.Context {
	managed := make(map[string]bool, len(desired))
	for _, d := range desired {
		managed[pathKey(d.Path)] = true
	}
	var out []*engine.Context
	for _, c := range cat.Contexts(f.Type) {
		if c.ReadOnly || !c.Releases.Contains(f.Release) || managed[pathKey(c.Path)] {
			continue
		}
		out = append(out, c)
	}
	return out
}

// drift reads every unmanaged catalogue context of the host and returns
// the drift entries and a warning per context that could not be read.
func (r *runner) drift(ctx context.Context, x *extraReads, f *engine.Facts, desired []*engine.Desired) ([]*engine.Change, []string) {
	ctxs := driftContexts(r.opts.Catalogue, f, desired)
	var warnings []string
	for _, c := range ctxs {
		if _, err := x.get(ctx, c.Path, c); err != nil {
			warnings = append(warnings, fmt.Sprintf("drift: not compared: read %s: %v", c.Path, err))
		}
	}
	return Drift(ctxs, f, x.observed), warnings
}

// Drift compares unmanaged catalogue contexts with their defaults and
// returns one entry (Resource DriftResource, Action Update) per context
// that differs: for attribute contexts each attribute whose live value is
// not the catalogue Default (Before the default, After the live value; an
// empty Default is a real default and is compared), for table contexts the
// number of live rows (LiveRows) when they are not the catalogue's
// DefaultRows (none, for most tables). Rows are not compared one by one.
//
// Prompted attributes cannot be read and are skipped, as are attributes
// the server does not print or that the host's release does not have.
// Sensitive attributes are compared but their entries hold neither value.
// Contexts missing from observed (not read) are skipped. Drift does no I/O.
func Drift(ctxs []*engine.Context, f *engine.Facts, observed map[string]*engine.Observed) []*engine.Change {
	live := make(map[string]*engine.Observed, len(observed))
	for p, obs := range observed {
		live[pathKey(p)] = obs
	}
	var out []*engine.Change
	for _, c := range ctxs {
		obs := live[pathKey(c.Path)]
		if obs == nil || obs.Kind != c.Kind {
			continue
		}
		ch := &engine.Change{Resource: engine.DriftResource, Path: c.Path, Action: engine.Update, Attrs: []*engine.AttrChange{}}
		if c.Kind == engine.TableContext {
			if sameRows(c, obs.Rows, c.DefaultRows) {
				continue
			}
			ch.LiveRows = len(obs.Rows)
			out = append(out, ch)
			continue
		}
		for i := range c.Attributes {
			a := &c.Attributes[i]
			if a.Prompted || (f != nil && !a.Releases.Contains(f.Release)) {
				continue
			}
			_, value, ok := engine.LookupFold(obs.Attrs, a.Name)
			if !ok || a.Equal(value, a.Default) {
				continue
			}
			ac := &engine.AttrChange{Name: a.Name, Before: a.Default, After: value, Sensitive: a.Sensitive}
			if a.Sensitive {
				ac.Before, ac.After = "", ""
			}
			ch.Attrs = append(ch.Attrs, ac)
		}
		if len(ch.Attrs) > 0 {
			out = append(out, ch)
		}
	}
	return out
}

// hideSecrets marks the drift entries whose values hold one of secrets
// sensitive and clears both values: an unmanaged attribute can hold a
// value the configuration keeps secret (a community reused as a
// description), which plan must not print.
func hideSecrets(drift []*engine.Change, secrets []string) {
	for _, ch := range drift {
		for _, ac := range ch.Attrs {
			if !ac.Sensitive && (engine.HoldsSecret(ac.After, secrets) || engine.HoldsSecret(ac.Before, secrets)) {
				ac.Sensitive, ac.Before, ac.After = true, "", ""
			}
		}
	}
}

// sameRows reports whether the live rows are exactly the default rows, in
// any order, each compared by the columns the default row names (with the
// catalogue's equality, so "Saturday" matches "saturday").
func sameRows(c *engine.Context, live []map[string]string, defaults []map[string]string) bool {
	if len(live) != len(defaults) {
		return false
	}
	used := make([]bool, len(live))
	for _, d := range defaults {
		found := false
		for i, row := range live {
			if used[i] || !rowHas(c, row, d) {
				continue
			}
			used[i], found = true, true
			break
		}
		if !found {
			return false
		}
	}
	return true
}

func rowHas(c *engine.Context, row, want map[string]string) bool {
	for name, v := range want {
		_, live, ok := engine.LookupFold(row, name)
		if !ok {
			live = ""
		}
		if a := c.Attribute(name); a != nil {
			if !a.Equal(live, v) {
				return false
			}
		} else if live != v {
			return false
		}
	}
	return true
}
