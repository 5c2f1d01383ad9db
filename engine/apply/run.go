package apply

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/digest"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/planfile"
)

// RevertFile is the name of the revert plan in a run's directory.
const RevertFile = "revert.json"

// runner is one run in progress.
type runner struct {
	opts  Options
	j     *journal.Journal
	run   *journal.Run
	runID string
	// key hashes sensitive values (journal records, saved plans' hashes).
	key    *digest.Key
	mode   engine.Mode
	policy engine.RestartPolicy
	start  time.Time
	hook   Hook
	// progress is hook when it also implements ProgressHook, else nil.
	progress ProgressHook

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
	if opts.Plan == nil || opts.Provider == nil || (opts.Run == nil && opts.Journal == nil) {
		return nil, errors.New("apply: a plan, a provider and a run (or a journal) are required")
	}
	if opts.AfterHash != nil && opts.SensitiveAfter == nil && hasSensitiveWrites(opts.Plan) {
		// A saved plan holds no sensitive values: without a fresh
		// evaluation apply would write empty secrets.
		return nil, errors.New("apply: the saved plan sets sensitive values, but no configuration values were given for them")
	}
	r := &runner{opts: opts, start: time.Now(), hook: opts.Hook, results: map[string]*HostResult{}}
	if r.hook == nil {
		r.hook = NilHook{}
	}
	r.progress, _ = r.hook.(ProgressHook)
	var err error
	if r.mode, r.policy, err = modeOf(opts); err != nil {
		return nil, err
	}
	if r.opts.Rollout.HealthTimeout <= 0 {
		r.opts.Rollout.HealthTimeout = engine.DefaultRollout().HealthTimeout
	}
	if r.opts.Parallelism <= 0 {
		r.opts.Parallelism = DefaultParallelism
	}
	var warnings []string
	if r.mode == engine.ModeRevert && r.opts.Checks != nil {
		r.opts.Checks = nil
		warnings = append(warnings, "the configuration's checks were not evaluated: a revert plan restores the state before an earlier run, and the checks describe the state the configuration asks for")
	}

	planHash, err := planfile.Hash(opts.Plan)
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	r.run = opts.Run
	if r.run == nil {
		run, err := opts.Journal.BeginRun()
		if err != nil {
			return nil, fmt.Errorf("apply: %w", err)
		}
		defer run.Release()
		r.run = run
	}
	r.j, r.runID = r.run.Journal(), r.run.ID()
	if r.key, err = r.j.Key(); err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	var names []string
	for _, hp := range opts.Plan.Hosts {
		names = append(names, hp.Name)
	}
	if err := r.run.Start(journal.RunStart{
		Mode: r.mode, PlanHash: planHash, ConfigHash: opts.Plan.ConfigHash, RestartPolicy: r.policy, Hosts: names,
	}); err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}

	r.schedule(ctx)

	res := &Result{RunID: r.runID, Warnings: warnings}
	for _, hp := range opts.Plan.Hosts {
		hr := r.results[hp.Name]
		res.Hosts = append(res.Hosts, hr)
		if hr.Outcome != OutcomeChanged && hr.Outcome != OutcomeUnchanged {
			res.ExitCode = ExitPartial
		}
	}
	if rp := Revert(opts.Plan, res.Hosts, opts.Catalogue, r.j.Now()); rp != nil {
		if path, err := r.saveRevert(rp); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("revert plan not saved: %v", err))
		} else {
			res.RevertPath = path
		}
	}
	counts := map[string]int{}
	for o, n := range res.Counts() {
		counts[string(o)] = n
	}
	if err := r.run.End(counts, res.ExitCode); err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("run-end not journaled: %v", err))
	}
	return res, nil
}

// modeOf is the mode and restart policy of a run of opts: Options.Mode,
// else the plan's, else normal; the rollout's policy, else now, and always
// now to perform pending restarts (restarts-only mode).
func modeOf(opts Options) (engine.Mode, engine.RestartPolicy, error) {
	m := opts.Mode
	if m == "" {
		m = opts.Plan.Mode
	}
	mode, ok := engine.ParseMode(string(m))
	if !ok {
		return "", "", fmt.Errorf("apply: unknown mode %q", m)
	}
	policy := opts.Rollout.Restart
	if policy == "" || mode == engine.ModeRestartsOnly {
		// Performing pending restarts is the whole point of that mode.
		policy = engine.RestartNow
	}
	return mode, policy, nil
}

// FirstHosts names the hosts a run of opts starts first, in the order it
// starts them: the hosts without restarts it runs at once (Parallelism of
// them), then the first rolling batch, which starts as soon as those are
// done. The hosts of a plan that failed, have nothing to do or wait for
// later rounds are not among them. `bwstate apply` keeps the plan's
// sessions of these hosts for the apply (engine/sessions).
func FirstHosts(opts Options) []string {
	if opts.Plan == nil {
		return nil
	}
	mode, policy, err := modeOf(opts)
	if err != nil {
		return nil
	}
	par := opts.Parallelism
	if par <= 0 {
		par = DefaultParallelism
	}
	r := &runner{opts: opts, mode: mode, policy: policy}
	var parallel, batched []*job
	for _, hp := range opts.Plan.Hosts {
		jb, done := r.classify(hp)
		switch {
		case done != nil:
		case jb.batched:
			batched = append(batched, jb)
		default:
			parallel = append(parallel, jb)
		}
	}
	out := jobNames(parallel[:min(par, len(parallel))])
	if batches := Batches(batched, jobGroups, opts.Rollout); len(batches) > 0 {
		out = append(out, jobNames(batches[0])...)
	}
	return out
}

// saveRevert writes the run's revert plan into its directory.
func (r *runner) saveRevert(rp *engine.Plan) (string, error) {
	dir, err := r.run.Dir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, RevertFile)
	return path, planfile.Write(path, rp, nil, r.key)
}

// schedule runs every host: failed and idle hosts at once, hosts without
// restarts in parallel, then restarting hosts in rolling batches.
func (r *runner) schedule(ctx context.Context) {
	var parallel, batched []*job
	for _, hp := range r.opts.Plan.Hosts {
		jb, done := r.classify(hp)
		if err := r.clearSatisfied(hp); err != nil && done == nil {
			// The restart would be done again for nothing, or the journal
			// cannot be trusted to record the rest: stop before contact.
			done = &HostResult{Name: hp.Name, Outcome: OutcomeFailed, Reason: err.Error(), Err: err}
		}
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

	batches := Batches(batched, jobGroups, r.opts.Rollout)
	if r.progress != nil {
		s := Schedule{Parallel: jobNames(parallel), Parallelism: r.opts.Parallelism,
			HealthTimeout: r.opts.Rollout.HealthTimeout, Elapsed: time.Since(r.start)}
		for _, b := range batches {
			s.Batches = append(s.Batches, jobNames(b))
		}
		r.progress.Scheduled(s)
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

	for i, batch := range batches {
		if why := r.halted(ctx); why != "" {
			for _, jb := range batch {
				r.untouched(jb, why)
			}
			continue
		}
		if r.progress != nil {
			r.progress.BatchStarted(BatchStart{Number: i + 1, Of: len(batches), Hosts: jobNames(batch), Elapsed: time.Since(r.start)})
		}
		for _, jb := range batch {
			wg.Go(func() { r.runHost(ctx, jb) })
		}
		// Each batch is fully healthy (or failed) before the next starts.
		wg.Wait()
	}
}

// clearSatisfied records the pending restarts the plan found done anyway
// (the host's release changed: an upgrade restarted every application)
// as cleared, saying why. Nothing is sent to the host for them.
func (r *runner) clearSatisfied(hp *engine.HostPlan) error {
	if hp.Error != "" {
		return nil
	}
	for _, rs := range hp.Satisfied {
		if err := r.run.Append(&journal.Record{Kind: journal.KindPendingCleared, Host: hp.Name, App: rs.App, Since: rs.PendingSince,
			Reason: "satisfied: " + rs.Satisfied}); err != nil {
			return fmt.Errorf("journal the satisfied restart of %s: %w", orUnknownApp(rs.App), err)
		}
		r.emit(Event{Host: hp.Name, Step: StepCleared, App: rs.App,
			Detail: fmt.Sprintf("restart of %s pending since run %s cleared: %s; not restarted", orUnknownApp(rs.App), rs.PendingSince, rs.Satisfied)})
	}
	return nil
}

func orUnknownApp(app string) string {
	if app == "" {
		return "an unknown application"
	}
	return app
}

// classify decides what a host needs. A non-nil HostResult means the host
// is finished without being contacted.
func (r *runner) classify(hp *engine.HostPlan) (*job, *HostResult) {
	jb := &job{hp: hp, host: r.opts.Hosts[hp.Name]}
	if hp.Error != "" {
		return jb, &HostResult{Name: hp.Name, Outcome: OutcomeFailed, Reason: hp.Error}
	}
	w := WorkOf(hp, r.mode, r.policy)
	jb.changes, jb.apps = w.Changes, w.Apps
	if w.Idle() {
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
	jb.batched = w.Batched
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
	rec := &journal.Record{Kind: journal.KindHostEnd, Host: hr.Name, Outcome: string(hr.Outcome), Reason: hr.Reason}
	if hr.Changed && hr.Outcome != OutcomeChanged {
		rec.Changed = true
	}
	if err := r.run.Append(rec); err != nil {
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
		e.Step, e.Detail = StepDone, string(hr.Outcome)
	}
	r.emit(e)
}

func (r *runner) emit(e Event) {
	e.Elapsed = time.Since(r.start)
	r.hook.Step(e)
}

// jobGroups returns a job's inventory groups, for Batches.
func jobGroups(jb *job) []string { return jb.host.Groups }

func jobNames(jobs []*job) []string {
	names := make([]string, len(jobs))
	for i, jb := range jobs {
		names[i] = jb.hp.Name
	}
	return names
}

func hasSensitiveWrites(p *engine.Plan) bool {
	for _, hp := range p.Hosts {
		for _, c := range hp.Changes {
			if c.Action == engine.Delete {
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
