package review

import (
	"fmt"
	"strings"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/apply"
)

// work is what apply will do with one host of the plan, decided by
// apply.WorkOf as apply decides it: a host that failed at plan time or has
// nothing to do is left alone; a host that restarts under the policy now
// goes in the rolling batches; every other host with changes is applied
// in parallel first.
type work struct {
	hp   *engine.HostPlan
	host *engine.Host // nil when the inventory does not have it
	// changes apply makes (none in restarts-only mode).
	changes []*engine.Change
	// apps to restart, once each, in plan order (pending ones included).
	apps []*engine.Restart
	// batched hosts restart now, in rolling batches.
	batched bool
	// alone says why apply leaves the host alone ("" when it contacts it).
	alone string
	// commands per change, in order; writes is their total.
	commands [][]string
	writes   int
	slot     *Slot
	batch    int
}

// classify decides a host's work with apply.WorkOf and adds what the
// review shows of it: the commands of each change, and why a host is left
// alone.
func classify(hp *engine.HostPlan, host *engine.Host, mode string, policy engine.RestartPolicy, cat engine.Catalogue) *work {
	w := &work{hp: hp, host: host}
	if hp.Error != "" {
		w.alone = "failed at plan time: " + hp.Error
		return w
	}
	hw := apply.WorkOf(hp, engine.Mode(mode), policy)
	w.changes, w.apps, w.batched = hw.Changes, hw.Apps, hw.Batched
	for _, c := range w.changes {
		var schema *engine.Context
		if cat != nil {
			schema, _ = cat.Lookup(hp.Type, c.Path)
		}
		cmds := apply.Commands(c, schema)
		w.commands = append(w.commands, cmds)
		w.writes += len(cmds)
	}
	if hw.Idle() {
		w.alone = "in the desired state"
		var pending []string
		for _, rs := range hp.Restarts {
			if rs.Pending {
				pending = append(pending, orUnknownApp(rs.App))
			}
		}
		if len(pending) > 0 {
			w.alone = fmt.Sprintf("in the desired state; the pending restart of %s stays pending (restart policy %s)", strings.Join(pending, ", "), policy)
		}
		return w
	}
	if host == nil {
		w.alone = "not in the configuration's inventory: apply fails it without contacting it"
		return w
	}
	return w
}

// schedule places every contacted host on the time axis as apply runs
// them: the hosts without a restart now through parallelism slots in plan
// order, then the rolling batches one after the other.
func schedule(works []*work, ro engine.Rollout, parallelism int, hist *History, s *Schedule) {
	perWrite := hist.Write()
	overhead := hist.Overhead()
	s.Estimates.PerWrite, s.Estimates.HostOverhead = perWrite, overhead
	used := map[appType]bool{}
	slotOf := func(w *work, start float64) *Slot {
		sl := &Slot{Host: w.hp.Name, StartSeconds: round(start), Writes: w.writes, Restarts: []SlotRestart{}}
		t := overhead.Seconds + float64(w.writes)*perWrite.Seconds
		if w.batched {
			for _, rs := range w.apps {
				est := hist.Restart(rs.App, w.hp.Type)
				k := appType{rs.App, w.hp.Type}
				if !used[k] {
					used[k] = true
					s.Estimates.Restarts = append(s.Estimates.Restarts, TypedEstimate{App: rs.App, Type: w.hp.Type, Estimate: est})
				}
				sl.Restarts = append(sl.Restarts, SlotRestart{App: rs.App, StartSeconds: round(start + t), Estimate: est})
				t += est.Seconds
			}
		}
		sl.Seconds = round(t)
		w.slot = sl
		return sl
	}

	var parallel, batched []*work
	for _, w := range works {
		switch {
		case w.alone != "":
		case w.batched:
			batched = append(batched, w)
		default:
			parallel = append(parallel, w)
		}
	}
	free := make([]float64, max(parallelism, 1))
	end := 0.0
	for _, w := range parallel {
		i := 0
		for j := range free {
			if free[j] < free[i] {
				i = j
			}
		}
		sl := slotOf(w, free[i])
		free[i] += sl.Seconds
		end = max(end, free[i])
		s.Unbatched = append(s.Unbatched, *sl)
	}
	s.UnbatchedSeconds = round(end)

	groups := func(w *work) []string { return w.host.Groups }
	at := end
	for i, ws := range apply.Batches(batched, groups, ro) {
		b := Batch{Number: i + 1, StartSeconds: round(at), Hosts: []Slot{}}
		longest := 0.0
		for _, w := range ws {
			w.batch = b.Number
			sl := slotOf(w, at)
			longest = max(longest, sl.Seconds)
			b.Hosts = append(b.Hosts, *sl)
		}
		b.Seconds = round(longest)
		at += longest
		s.Batches = append(s.Batches, b)
	}
	s.TotalSeconds = round(at)
}

// timeline draws the schedule: a lane per contacted host, restart windows
// within, a mark where each batch starts.
func timeline(s *Schedule) Timeline {
	tl := Timeline{Seconds: s.TotalSeconds, Lanes: []Lane{}, Marks: []Mark{}}
	lane := func(sl Slot, group string) Lane {
		l := Lane{Host: sl.Host, Group: group, StartSeconds: sl.StartSeconds, Seconds: sl.Seconds, Windows: []Window{}}
		for _, r := range sl.Restarts {
			l.Windows = append(l.Windows, Window{Label: "restart " + r.App, StartSeconds: r.StartSeconds, Seconds: r.Estimate.Seconds})
		}
		return l
	}
	for _, sl := range s.Unbatched {
		tl.Lanes = append(tl.Lanes, lane(sl, "no restart"))
	}
	for _, b := range s.Batches {
		name := fmt.Sprintf("batch %d", b.Number)
		tl.Marks = append(tl.Marks, Mark{Label: name, AtSeconds: b.StartSeconds})
		for _, sl := range b.Hosts {
			tl.Lanes = append(tl.Lanes, lane(sl, name))
		}
	}
	return tl
}
