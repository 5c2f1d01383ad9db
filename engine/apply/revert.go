package apply

import (
	"fmt"
	"strings"
	"time"

	"github.com/bwstate/bwstate/engine"
)

// Revert builds the plan that undoes what a run applied: updates swap
// before and after, added rows are deleted and deleted rows added back, in
// the reverse order of the run, with the restarts the catalogue requires.
// Sensitive values were never stored, so they cannot be restored: they are
// left out and a plan warning names each. It returns nil when nothing was
// applied.
func Revert(p *engine.Plan, results []*HostResult, cat engine.Catalogue, now time.Time) *engine.Plan {
	hostPlans := map[string]*engine.HostPlan{}
	for _, hp := range p.Hosts {
		hostPlans[hp.Name] = hp
	}
	rp := &engine.Plan{
		FormatVersion: engine.PlanFormatVersion, ConfigHash: p.ConfigHash, Salt: p.Salt,
		CreatedAt: now.UTC().Format(time.RFC3339), Mode: engine.ModeRevert,
	}
	for _, hr := range results {
		if hr == nil || len(hr.Applied) == 0 {
			continue
		}
		src := hostPlans[hr.Name]
		if src == nil {
			continue
		}
		hp := &engine.HostPlan{Name: src.Name, Address: src.Address, Type: src.Type, Release: src.Release,
			Changes: []*engine.Change{}, Restarts: []*engine.Restart{}}
		restarts := map[string]*engine.Restart{}
		warn := func(format string, args ...any) {
			rp.Warnings = append(rp.Warnings, hr.Name+" "+fmt.Sprintf(format, args...))
		}
		for i := len(hr.Applied) - 1; i >= 0; i-- {
			c := hr.Applied[i]
			var schema *engine.Context
			if cat != nil {
				schema, _ = cat.Lookup(src.Type, c.Path)
			}
			rc := revertChange(c, schema, warn)
			if rc == nil {
				continue
			}
			hp.Changes = append(hp.Changes, rc)
			keyMap := map[string]string{}
			for _, f := range c.Key {
				keyMap[f.Name] = f.Value
			}
			add := func(app string) {
				if app == "" {
					return
				}
				r := restarts[strings.ToLower(app)]
				if r == nil {
					r = &engine.Restart{App: app}
					restarts[strings.ToLower(app)] = r
					hp.Restarts = append(hp.Restarts, r)
				}
				reason := "revert of " + c.Path
				if len(r.Reasons) == 0 || r.Reasons[len(r.Reasons)-1] != reason {
					r.Reasons = append(r.Reasons, reason)
				}
			}
			if len(rc.Attrs) == 0 && schema != nil {
				add(schema.RestartFor("", keyMap))
			}
			for _, ac := range rc.Attrs {
				if ac.Restart == "" && schema != nil {
					ac.Restart = schema.RestartFor(ac.Name, keyMap)
				}
				add(ac.Restart)
			}
		}
		if len(hp.Changes) > 0 {
			rp.Hosts = append(rp.Hosts, hp)
		}
	}
	if len(rp.Hosts) == 0 && len(rp.Warnings) == 0 {
		return nil
	}
	return rp
}

func revertChange(c *engine.Change, schema *engine.Context, warn func(string, ...any)) *engine.Change {
	rc := &engine.Change{Resource: c.Resource, Path: c.Path, Key: c.Key, Attrs: []*engine.AttrChange{}}
	rowName := c.Path + " row " + keyString(c.Key)
	keep := func(ac *engine.AttrChange, what string) bool {
		if ac.Sensitive || ac.BeforeUnknown {
			warn("%s %s is sensitive and cannot be reverted (its old value was never stored): %s", c.Path, ac.Name, what)
			return false
		}
		return true
	}
	switch c.Action {
	case engine.Create:
		if schema != nil && schema.IDKeyed {
			warn("%s: the added row cannot be reverted automatically (the server assigns its id): delete it by hand", rowName)
			return nil
		}
		rc.Action = engine.Delete
		for _, ac := range c.Attrs {
			// A sensitive column does not prevent deleting the row; its
			// value just cannot be shown or checked.
			if ac.Sensitive {
				continue
			}
			rc.Attrs = append(rc.Attrs, &engine.AttrChange{Name: ac.Name, Before: ac.After, After: "", Restart: ac.Restart})
		}
	case engine.Delete:
		rc.Action = engine.Create
		for _, ac := range c.Attrs {
			if !keep(ac, "the row is added back without it") {
				continue
			}
			rc.Attrs = append(rc.Attrs, &engine.AttrChange{Name: ac.Name, Before: "", After: ac.Before, Restart: ac.Restart})
		}
	default:
		rc.Action = engine.Update
		for _, ac := range c.Attrs {
			what := "set it by hand"
			if len(c.Key) > 0 {
				what = "set it by hand in " + rowName
			}
			if !keep(ac, what) {
				continue
			}
			rc.Attrs = append(rc.Attrs, &engine.AttrChange{Name: ac.Name, Before: ac.After, After: ac.Before, Restart: ac.Restart})
		}
		if len(rc.Attrs) == 0 {
			return nil
		}
	}
	return rc
}
