package apply

import (
	"strings"

	"github.com/bwstate/bwstate/engine"
)

// Batches splits the hosts that restart into rolling batches in plan order:
// BatchSize hosts (or BatchPercent of them, rounded up, at least 1), never
// more than MaxPerGroup hosts of one SpreadGroups group in one batch. A host
// that would break the spread waits for a later batch. groups returns an
// item's inventory groups.
//
// It is pure so that apply's rollout and the schedule of a change review
// (engine/review) are the same batches by construction.
func Batches[T any](items []T, groups func(T) []string, ro engine.Rollout) [][]T {
	size := ro.BatchSize
	if ro.BatchPercent > 0 {
		size = (ro.BatchPercent*len(items) + 99) / 100
	}
	if size < 1 {
		size = 1
	}
	maxPer := ro.MaxPerGroup
	if maxPer < 1 {
		maxPer = 1
	}
	spread := map[string]bool{}
	for _, g := range ro.SpreadGroups {
		spread[g] = true
	}
	var out [][]T
	rest := items
	for len(rest) > 0 {
		var batch, later []T
		inGroup := map[string]int{}
		for _, it := range rest {
			fits := len(batch) < size
			if fits {
				for _, g := range groups(it) {
					if spread[g] && inGroup[g] >= maxPer {
						fits = false
						break
					}
				}
			}
			if !fits {
				later = append(later, it)
				continue
			}
			batch = append(batch, it)
			for _, g := range groups(it) {
				if spread[g] {
					inGroup[g]++
				}
			}
		}
		out = append(out, batch)
		rest = later
	}
	return out
}

// HostWork is what apply will do on one host of a plan, decided from the
// plan alone before the host is contacted.
type HostWork struct {
	// Changes to make (none in restarts-only mode).
	Changes []*engine.Change
	// Apps to restart, once each, in plan order: the plan's restarts, then
	// any a change implies that the plan's restarts left out.
	Apps []*engine.Restart
	// Batched is true when the host restarts under the policy now, so it
	// goes in the rolling batches; a host with changes and no restart now
	// is applied in parallel.
	Batched bool
}

// Idle reports whether apply has nothing to do on the host.
func (w HostWork) Idle() bool { return len(w.Changes) == 0 && !w.Batched }

// WorkOf decides a plan host's work for a run in mode under policy. It is
// pure so that apply and the schedule of a change review (engine/review)
// cannot disagree about which hosts restart.
func WorkOf(hp *engine.HostPlan, mode engine.Mode, policy engine.RestartPolicy) HostWork {
	var w HostWork
	if mode != engine.ModeRestartsOnly {
		w.Changes = hp.Changes
	}
	seen := map[string]bool{}
	addApp := func(rs *engine.Restart) {
		k := strings.ToLower(rs.App)
		if rs.App == "" || seen[k] {
			return
		}
		seen[k] = true
		// A copy: the run marks its own state on it (plan.DiffHost cleared
		// the health mark of a pending restart a new change needs anyway).
		cp := *rs
		w.Apps = append(w.Apps, &cp)
	}
	for _, rs := range hp.Restarts {
		addApp(rs)
	}
	// A restart the plan's changes imply but its Restarts forgot is still
	// needed: the catalogue said so when the change was planned.
	for _, c := range w.Changes {
		for _, ac := range c.Attrs {
			addApp(&engine.Restart{App: ac.Restart, Reasons: []string{c.Path + " " + ac.Name + " changed"}})
		}
	}
	w.Batched = policy == engine.RestartNow && len(w.Apps) > 0
	return w
}
