package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/planfile"
)

// RevertFile is the name of the revert plan in a run's directory.
const RevertFile = "revert.json"

// runner is one run in progress.
type runner struct {
	opts   Options
	j      *journal.Journal
	runID  string
	mode   string
	policy engine.RestartPolicy
	start  time.Time
	hook   Hook

	mu       sync.Mutex
	failures int // contacted hosts failed or stale, against Rollout.MaxFailures
	results  map[string]*HostResult
}

// job is one host of the plan with what it needs done.
type job struct {
	hp   *engine.HostPlan
	host *engine.Host
	// changes to make (none in restarts-only mode).
	changes []*engine.Change
	// apps to restart under the policy now, once each, in plan order.
	apps []*engine.Restart
	// batched hosts restart under the policy now and go in rolling batches.
	batched bool
}

// Run applies opts.Plan. It returns an error only when nothing could start
// (bad options, the lock is held, the journal cannot be written); every
// host-level problem is in the Result.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Plan == nil || opts.Provider == nil || opts.Journal == nil {
		return nil, errors.New("apply: a plan, a provider and a journal are required")
	}
	if opts.AfterHash != nil && opts.SensitiveAfter == nil && hasSensitiveWrites(opts.Plan) {
		// A saved plan holds no sensitive values: without a fresh
		// evaluation apply would write empty secrets.
		return nil, errors.New("apply: the saved plan sets sensitive values, but no configuration values were given for them")
	}
	r := &runner{opts: opts, j: opts.Journal, start: time.Now(), hook: opts.Hook, results: map[string]*HostResult{}}
	if r.hook == nil {
		r.hook = NilHook{}
	}
	r.mode = opts.Mode
	if r.mode == "" {
		r.mode = opts.Plan.Mode
	}
	if r.mode == "" {
		r.mode = ModeNormal
	}
	switch r.mode {
	case ModeNormal, ModeRestartsOnly, ModeRevert:
	default:
		return nil, fmt.Errorf("apply: unknown mode %q", r.mode)
	}
	r.policy = opts.Rollout.Restart
	if r.policy == "" {
		r.policy = engine.RestartNow
	}
	if r.mode == ModeRestartsOnly {
		// Performing pending restarts is the whole point of this mode.
		r.policy = engine.RestartNow
	}
	if r.opts.Rollout.HealthTimeout <= 0 {
		r.opts.Rollout.HealthTimeout = engine.DefaultRollout().HealthTimeout
	}
	if r.opts.Parallelism <= 0 {
		r.opts.Parallelism = DefaultParallelism
	}

	r.runID = opts.RunID
	madeID := false
	if r.runID == "" {
		id, err := r.j.NewRunID()
		if err != nil {
			return nil, fmt.Errorf("apply: %w", err)
		}
		r.runID, madeID = id, true
	}
	var lock *journal.Lock
	if opts.Lock == nil {
		l, err := r.j.Acquire(r.runID)
		if err != nil {
			if madeID {
				os.Remove(r.j.RunDir(r.runID)) // a run that never started leaves no directory
			}
			return nil, fmt.Errorf("apply: %w", err)
		}
		lock = l
		defer func() {
			if lock != nil {
				lock.Release()
			}
		}()
	}
	planHash, err := planfile.Hash(opts.Plan)
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	var names []string
	for _, hp := range opts.Plan.Hosts {
		names = append(names, hp.Name)
	}
	if err := r.j.Append(&journal.Record{
		Run: r.runID, Kind: journal.KindRunStart, Operator: r.j.Operator(), Mode: r.mode,
		PlanHash: planHash, ConfigHash: opts.Plan.ConfigHash, RestartPolicy: string(r.policy), Hosts: names,
	}); err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}

	r.schedule(ctx)

	res := &Result{RunID: r.runID}
	for _, hp := range opts.Plan.Hosts {
		hr := r.results[hp.Name]
		res.Hosts = append(res.Hosts, hr)
		if hr.Outcome != OutcomeChanged && hr.Outcome != OutcomeUnchanged {
			res.ExitCode = ExitPartial
		}
	}
	if rp := Revert(opts.Plan, res.Hosts, opts.Catalogue, r.j.Now()); rp != nil {
		path := filepath.Join(r.j.RunDir(r.runID), RevertFile)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("revert plan not saved: %v", err))
		} else if err := planfile.Write(path, rp, nil); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("revert plan not saved: %v", err))
		} else {
			res.RevertPath = path
		}
	}
	code := res.ExitCode
	if err := r.j.Append(&journal.Record{Run: r.runID, Kind: journal.KindRunEnd, Counts: res.Counts(), ExitCode: &code}); err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("run-end not journaled: %v", err))
	}
	if lock != nil {
		err := lock.Release()
		lock = nil
		if err != nil {
			res.Warnings = append(res.Warnings, err.Error())
		}
	}
	return res, nil
}

// schedule runs every host: failed and idle hosts at once, hosts without
// restarts in parallel, then restarting hosts in rolling batches.
func (r *runner) schedule(ctx context.Context) {
	var parallel, batched []*job
	for _, hp := range r.opts.Plan.Hosts {
		jb, done := r.classify(hp)
		if done != nil {
			r.finish(jb, done, false, 0)
			continue
		}
		if jb.batched {
			batched = append(batched, jb)
		} else {
			parallel = append(parallel, jb)
		}
	}

	slots := make(chan struct{}, r.opts.Parallelism)
	var wg sync.WaitGroup
	for _, jb := range parallel {
		acquired := false
		select {
		case slots <- struct{}{}:
			acquired = true
		case <-r.opts.Stop: // a nil Stop never fires
		case <-ctx.Done():
		}
		if why := r.halted(ctx); why != "" {
			if acquired {
				<-slots
			}
			r.untouched(jb, why)
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			r.runHost(ctx, jb)
		})
	}
	wg.Wait()

	for _, batch := range Batches(batched, jobGroups, r.opts.Rollout) {
		if why := r.halted(ctx); why != "" {
			for _, jb := range batch {
				r.untouched(jb, why)
			}
			continue
		}
		for _, jb := range batch {
			wg.Go(func() { r.runHost(ctx, jb) })
		}
		// Each batch is fully healthy (or failed) before the next starts.
		wg.Wait()
	}
}

// classify decides what a host needs. A non-nil HostResult means the host
// is finished without being contacted.
func (r *runner) classify(hp *engine.HostPlan) (*job, *HostResult) {
	jb := &job{hp: hp, host: r.opts.Hosts[hp.Name]}
	if hp.Error != "" {
		return jb, &HostResult{Name: hp.Name, Outcome: OutcomeFailed, Reason: hp.Error}
	}
	if r.mode != ModeRestartsOnly {
		jb.changes = hp.Changes
	}
	seen := map[string]bool{}
	addApp := func(app string, reasons []string, pending bool, since string) {
		k := strings.ToLower(app)
		if app == "" || seen[k] {
			return
		}
		seen[k] = true
		jb.apps = append(jb.apps, &engine.Restart{App: app, Reasons: reasons, Pending: pending, PendingSince: since})
	}
	for _, rs := range hp.Restarts {
		addApp(rs.App, rs.Reasons, rs.Pending, rs.PendingSince)
	}
	// A restart the plan's changes imply but its Restarts forgot is still
	// needed: the catalogue said so when the change was planned.
	for _, c := range jb.changes {
		for _, ac := range c.Attrs {
			addApp(ac.Restart, []string{c.Path + " " + ac.Name + " changed"}, false, "")
		}
	}
	restartWork := r.policy == engine.RestartNow && len(jb.apps) > 0
	if len(jb.changes) == 0 && !restartWork {
		hr := &HostResult{Name: hp.Name, Outcome: OutcomeUnchanged}
		for _, rs := range hp.Restarts {
			if rs.Pending {
				hr.PendingLeft = append(hr.PendingLeft, rs)
			}
		}
		return jb, hr
	}
	if jb.host == nil {
		return jb, &HostResult{Name: hp.Name, Outcome: OutcomeFailed, Reason: "host " + hp.Name + " is not in the inventory"}
	}
	jb.batched = restartWork
	return jb, nil
}

func (r *runner) stopped(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	select {
	case <-r.opts.Stop:
		return true
	default:
		return false
	}
}

// halted says why no new host may start, or "".
func (r *runner) halted(ctx context.Context) string {
	if r.stopped(ctx) {
		return "not started: the run was interrupted"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failures > r.opts.Rollout.MaxFailures {
		return fmt.Sprintf("not started: %d host(s) failed, more than max_failures (%d)", r.failures, r.opts.Rollout.MaxFailures)
	}
	return ""
}

func (r *runner) untouched(jb *job, why string) {
	hr := &HostResult{Name: jb.hp.Name, Outcome: OutcomeUntouched, Reason: why}
	for _, rs := range jb.hp.Restarts {
		if rs.Pending {
			hr.PendingLeft = append(hr.PendingLeft, rs)
		}
	}
	r.finish(jb, hr, false, 0)
}

// finish records a host's result in the journal, the hook and the run.
// contacted counts failures against max_failures: hosts that failed at plan
// time were in the plan the operator approved, so they do not stop the
// rollout; and hosts never contacted get no "done" event (a fleet of
// unchanged hosts would drown the progress output).
func (r *runner) finish(jb *job, hr *HostResult, contacted bool, took time.Duration) {
	if err := r.j.Append(&journal.Record{Run: r.runID, Kind: journal.KindHostEnd, Host: hr.Name, Outcome: hr.Outcome, Reason: hr.Reason}); err != nil {
		hr.Warnings = append(hr.Warnings, fmt.Sprintf("host-end not journaled: %v", err))
	}
	r.mu.Lock()
	r.results[hr.Name] = hr
	if contacted && (hr.Outcome == OutcomeFailed || hr.Outcome == OutcomeStale) {
		r.failures++
	}
	r.mu.Unlock()
	e := Event{Host: hr.Name, Detail: hr.Reason, Took: took}
	switch hr.Outcome {
	case OutcomeFailed:
		e.Step = StepFailed
	case OutcomeUntouched:
		e.Step = StepUntouched
	case OutcomeStale:
		e.Step = StepStale
	case OutcomeInterrupted:
		e.Step = StepInterrupted
	default:
		if !contacted {
			return
		}
		e.Step, e.Detail = StepDone, hr.Outcome
	}
	r.emit(e)
}

func (r *runner) emit(e Event) {
	e.Elapsed = time.Since(r.start)
	r.hook.Step(e)
}

// jobGroups returns a job's inventory groups, for Batches.
func jobGroups(jb *job) []string { return jb.host.Groups }

func hasSensitiveWrites(p *engine.Plan) bool {
	for _, hp := range p.Hosts {
		for _, c := range hp.Changes {
			if actionOf(c) == engine.Delete {
				continue
			}
			for _, ac := range c.Attrs {
				if ac.Sensitive {
					return true
				}
			}
		}
	}
	return false
}
