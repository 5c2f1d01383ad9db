package review

import (
	"fmt"
	"strings"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/apply"
	"github.com/bwstate/bwstate/engine/journal"
)

// RunInput is everything a run's closing record is made from.
type RunInput struct {
	// Records are the journal's records (Journal.Records).
	Records []*journal.Record
	// Run is the run's id.
	Run string
	// Title is the operator's title; empty derives one.
	Title string
	// Hosts are the configuration's inventory and Rollout its rollout
	// block, when the configuration could be loaded (nil: types unknown,
	// default rollout). They give the server types of the restart
	// estimates and the batches of the estimated schedule.
	Hosts   []*engine.Host
	Rollout *engine.Rollout
	// Journal is the result of verifying the journal.
	Journal JournalState
	// RevertPath is the revert plan's path as the operator will type it
	// (.bwstate/runs/RUN/revert.json); RevertExists whether it exists.
	RevertPath   string
	RevertExists bool
	// Notes are the caller's notes (why the configuration is unknown).
	Notes []string
}

// ErrNoRun is returned by BuildRun when the journal has no such run.
type ErrNoRun struct{ Run string }

func (e *ErrNoRun) Error() string {
	return fmt.Sprintf("the journal has no run %s; `bwstate journal list` lists the runs", e.Run)
}

// BuildRun makes the closing record of one run: what the journal says
// happened per host, on the run's time axis, with the durations the
// journal's history before the run would have estimated.
func BuildRun(in RunInput) (*RunRecord, error) {
	runs := readRuns(in.Records)
	at := -1
	for i, rl := range runs {
		if rl.id == in.Run {
			at = i
		}
	}
	if at < 0 {
		return nil, &ErrNoRun{Run: in.Run}
	}
	rl := runs[at]
	inventory := map[string]*engine.Host{}
	for _, h := range in.Hosts {
		inventory[h.Name] = h
	}
	hostType := func(name string) string {
		if h := inventory[name]; h != nil {
			return h.Type
		}
		return ""
	}
	hist := historyOf(runs[:at], hostType)

	rec := &RunRecord{
		FormatVersion: FormatVersion, Kind: KindRun, Title: in.Title,
		Run: RunRef{ID: rl.id, Operator: rl.operator, Mode: rl.mode, RestartPolicy: rl.policy, PlanHash: rl.planHash,
			ConfigHash: rl.configHash, StartedAt: rl.startText, EndedAt: rl.endText, Complete: rl.complete, ExitCode: rl.exitCode},
		Journal: in.Journal, Counts: map[string]int{}, Hosts: []RunHost{},
		Revert:      Revert{Path: in.RevertPath, Exists: in.RevertExists},
		PendingLeft: nonNil(rl.pending), Notes: nonNil(in.Notes),
	}
	if rec.Revert.Exists {
		rec.Revert.Command = "bwstate apply " + in.RevertPath
	}
	if rec.Title == "" {
		rec.Title = "Run " + rl.id
		if rl.mode != "" && rl.mode != modeNormal {
			rec.Title += " (" + rl.mode + ")"
		}
	}
	end := rl.end
	for _, name := range rl.order {
		if hl := rl.hosts[name]; hl.seen && hl.last.After(end) {
			end = hl.last
		}
	}
	if !rl.complete {
		rec.Notes = append(rec.Notes, "The run has no run-end record: it was killed, or is still running. What is shown is what the journal holds.")
	}
	rec.ActualSeconds = round(sinceStart(rl, end))

	// The estimate: the schedule the history before the run gives for the
	// work the run did (its writes, its restarts), with the configuration's
	// rollout.
	var works []*work
	for _, name := range rl.order {
		hl := rl.hosts[name]
		h := inventory[name]
		if h == nil {
			h = &engine.Host{Name: name}
		}
		w := &work{hp: &engine.HostPlan{Name: name, Type: hostType(name)}, host: h, writes: hl.writes}
		seen := map[string]bool{}
		for _, rs := range hl.restarts {
			if !seen[strings.ToLower(rs.app)] {
				seen[strings.ToLower(rs.app)] = true
				w.apps = append(w.apps, &engine.Restart{App: rs.app})
			}
		}
		w.batched = len(w.apps) > 0
		if !contacted(hl) {
			w.alone = "not contacted"
		}
		works = append(works, w)
	}
	ro := engine.DefaultRollout()
	if in.Rollout != nil {
		ro = *in.Rollout
	} else {
		rec.Notes = append(rec.Notes, "The configuration could not be loaded: server types are unknown and the estimate assumes the default rollout (one host at a time).")
	}
	var s Schedule
	s.Estimates = Estimates{HistoryRuns: hist.Runs, Restarts: []TypedEstimate{}}
	schedule(works, ro, apply.DefaultParallelism, hist, &s)
	rec.EstimateSeconds = s.TotalSeconds
	rec.Estimates = s.Estimates
	if hist.Runs == 0 {
		rec.Notes = append(rec.Notes, "No run before this one measured anything: the estimates are defaults.")
	}

	tl := Timeline{Seconds: rec.ActualSeconds, Lanes: []Lane{}, Marks: []Mark{}}
	for i, name := range rl.order {
		hl := rl.hosts[name]
		w := works[i]
		rh := RunHost{Name: name, Type: hostType(name), Outcome: hl.outcome, Reason: hl.reason, Writes: hl.writes,
			Events: []Event{}, Restarts: []RunRestart{}, Checks: nonNil(hl.checks)}
		if !hl.ended {
			rh.Outcome = "unknown"
			rh.Reason = "no host-end record"
		}
		if rh.Outcome != "" {
			rec.Counts[rh.Outcome]++
		}
		if w.slot != nil {
			rh.EstimateSeconds = w.slot.Seconds
		}
		for _, e := range hl.events {
			rh.Events = append(rh.Events, Event{AtSeconds: round(sinceStart(rl, e.at)), Time: e.raw, Step: e.step, Text: e.text})
		}
		if contacted(hl) {
			rh.Contacted = true
			rh.StartSeconds = round(sinceStart(rl, hl.first))
			rh.Seconds = round(hl.last.Sub(hl.first).Seconds())
		}
		lane := Lane{Host: name, Group: "no restart", StartSeconds: rh.StartSeconds, Seconds: rh.Seconds, Windows: []Window{}, Outcome: rh.Outcome}
		for _, rs := range hl.restarts {
			lane.Group = "restarted"
			est := hist.Restart(rs.app, rh.Type)
			rr := RunRestart{App: rs.app, StartSeconds: round(sinceStart(rl, rs.start)), Seconds: round(rs.seconds()),
				Outcome: rs.outcome, Detail: rs.detail, Estimate: est}
			rh.Restarts = append(rh.Restarts, rr)
			lane.Windows = append(lane.Windows, Window{Label: "restart " + rs.app, StartSeconds: rr.StartSeconds, Seconds: rr.Seconds, Outcome: rs.outcome})
			// A restart stated finer than the records' times can end
			// after the host's last record on the time axis.
			lane.Seconds = max(lane.Seconds, round(rr.StartSeconds+rr.Seconds-lane.StartSeconds))
		}
		if contacted(hl) {
			rh.Seconds = lane.Seconds
			tl.Lanes = append(tl.Lanes, lane)
			tl.Seconds = max(tl.Seconds, round(lane.StartSeconds+lane.Seconds))
		}
		rec.Hosts = append(rec.Hosts, rh)
	}
	rec.Timeline = tl
	// Restarts are journaled to the tenth of a second, record times to
	// the second: a run is at least as long as its timeline.
	rec.ActualSeconds = max(rec.ActualSeconds, tl.Seconds)
	return rec, nil
}

// contacted reports whether apply worked on the host: it has records
// besides its host-end.
func contacted(hl *hostLog) bool {
	for _, e := range hl.events {
		if e.step != "end" {
			return true
		}
	}
	return false
}

func sinceStart(rl *runLog, t time.Time) float64 {
	if rl.start.IsZero() || t.IsZero() {
		return 0
	}
	return max(t.Sub(rl.start).Seconds(), 0)
}
