package config

import (
	"regexp"
	"strconv"

	"github.com/bwstate/bwstate/engine"
	"github.com/zclconf/go-cty/cty"
)

var percentRE = regexp.MustCompile(`^\s*([0-9]+)\s*%\s*$`)

func (l *loader) decodeRollout() {
	b := l.single("rollout")
	if b == nil {
		return
	}
	r := engine.DefaultRollout()
	content, diags := b.Body.Content(rolloutSchema)
	l.diags = append(l.diags, diags...)
	for _, a := range sortedAttributes(content.Attributes) {
		switch a.Name {
		case "batch_size":
			v, ok := l.static(a)
			if !ok {
				continue
			}
			if v.Type() == cty.String && !v.IsNull() {
				m := percentRE.FindStringSubmatch(v.AsString())
				n := 0
				if m != nil {
					n, _ = strconv.Atoi(m[1])
				}
				if m == nil || n < 1 || n > 100 {
					l.diags = append(l.diags, attrErrorf(a, "Invalid batch_size",
						"batch_size must be a number of hosts (1 or more) or a percentage from \"1%%\" to \"100%%\" of the hosts that restart, not %q.", v.AsString()))
					continue
				}
				r.BatchSize, r.BatchPercent = 0, n
				continue
			}
			n, ok := l.intValue(a, v, "batch_size")
			if !ok {
				continue
			}
			if n < 1 {
				l.diags = append(l.diags, attrErrorf(a, "Invalid batch_size",
					"batch_size must be at least 1 host (or a percentage like \"25%%\"), not %d.", n))
				continue
			}
			r.BatchSize = int(n)
		case "max_failures":
			n, ok := l.staticInt(a, "max_failures")
			if !ok {
				continue
			}
			if n < 0 {
				l.diags = append(l.diags, attrErrorf(a, "Invalid max_failures",
					"max_failures is how many failed hosts are tolerated; it cannot be negative (%d).", n))
				continue
			}
			r.MaxFailures = int(n)
		case "health_timeout":
			if d, ok := l.staticDuration(a, "health_timeout"); ok {
				r.HealthTimeout = d
			}
		case "restart":
			s, ok := l.staticString(a, "restart")
			if !ok {
				continue
			}
			switch p := engine.RestartPolicy(s); p {
			case engine.RestartNow, engine.RestartDefer, engine.RestartNever:
				r.Restart = p
			default:
				l.diags = append(l.diags, attrErrorf(a, "Invalid restart policy",
					"restart must be \"now\" (rolling restarts), \"defer\" (leave them pending for a later apply) or \"never\", not %q.", s))
			}
		case "spread_groups":
			gs, ok := l.staticStringList(a, "spread_groups")
			if !ok {
				continue
			}
			for i, g := range gs {
				if _, known := l.groupMembers[g]; !known {
					l.diags = append(l.diags, errorf(elementRange(a.Expr, i, len(gs)), "Unknown group",
						"spread_groups names %q, which is not a group.%s", g, didYouMean(g, l.groupNames())))
				}
			}
			r.SpreadGroups = gs
		case "max_per_group":
			n, ok := l.staticInt(a, "max_per_group")
			if !ok {
				continue
			}
			if n < 1 {
				l.diags = append(l.diags, attrErrorf(a, "Invalid max_per_group",
					"max_per_group must be at least 1, not %d: with 0 no host of a spread group could ever restart.", n))
				continue
			}
			r.MaxPerGroup = int(n)
		}
	}
	l.cfg.Rollout = r
}
