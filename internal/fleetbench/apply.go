package fleetbench

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/apply"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/plan"
	"github.com/bwstate/bwstate/engine/sessions"
	"github.com/bwstate/bwstate/providers/broadworks"
)

// restartApp is the application ScenarioRestart restarts.
const restartApp = "OpenClientServer"

// ApplyOptions configure Fleet.Apply.
type ApplyOptions struct {
	// Scenario is the configuration to apply (ScenarioNoRestart when
	// empty).
	Scenario Scenario
	// Parallelism is the plan's and the apply's parallelism for hosts
	// without restarts (apply.DefaultParallelism when 0).
	Parallelism int
	// BatchSize is rollout.batch_size: hosts restarted at once (1 when 0).
	BatchSize int
	// HealthTimeout is rollout.health_timeout (2 minutes when 0).
	HealthTimeout time.Duration
	// KeepSessions plans and applies as `bwstate apply` without a plan
	// file does: one provider, the plan's sessions of the hosts the apply
	// starts first kept for it (engine/sessions). Without it the plan is
	// made and closed first, as for `bwstate apply PLANFILE`, and every
	// host is connected to again.
	KeepSessions bool
	// SampleEvery is the heap sampling period (DefaultSampleEvery when 0).
	SampleEvery time.Duration
}

// ApplyResult is one measured apply.
type ApplyResult struct {
	Measure
	Scenario     Scenario
	BatchSize    int
	RestartDelay time.Duration
	// PlanWall is the plan made before the apply (not part of Wall);
	// EndToEnd is the plan, keeping or closing its sessions, and the
	// apply: what `bwstate apply` takes once confirmed, less the printing.
	PlanWall, EndToEnd time.Duration
	// Kept are the sessions kept from the plan and handed to the apply
	// (KeepSessions).
	Kept sessions.Stats
	// Result is apply.Run's result.
	Result *apply.Result
	// PlainHosts had changes and no restart; RestartHosts were restarted
	// in Batches rolling batches.
	PlainHosts, RestartHosts, Batches int
	// SetPhase is, per host, from its connected event to its verify
	// event: stale check, writes and read-back (the connect before it is
	// in OpenMean). Mean and maximum.
	SetPhaseMean, SetPhaseMax time.Duration
	// RestartToHealthy is, per restarted host, from restartbw to healthy.
	RestartToHealthyMean, RestartToHealthyMax time.Duration
}

// Apply plans the scenario (as `bwstate apply` does before asking), then
// applies the plan with apply.Run, a journal in a fresh state directory
// and the configuration's rollout, and measures the apply alone. It checks
// on the simulator that every value was set and every restart made, once.
// Bound = ApplyBound(...) with each host's round trips counted during the
// run, and its opening (Connect + BwcliDelay, nothing for a kept session).
func (f *Fleet) Apply(ctx context.Context, opts ApplyOptions) (*ApplyResult, error) {
	if opts.Scenario == "" {
		opts.Scenario = ScenarioNoRestart
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = apply.DefaultParallelism
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1
	}
	if opts.HealthTimeout <= 0 {
		opts.HealthTimeout = 2 * time.Minute
	}
	if opts.SampleEvery <= 0 {
		opts.SampleEvery = DefaultSampleEvery
	}
	dir, err := f.newRunDir("apply")
	if err != nil {
		return nil, fmt.Errorf("fleetbench: apply: %w", err)
	}
	l, err := f.loadConfig(dir, opts.Scenario, rolloutSpec{batchSize: opts.BatchSize, healthTimeout: opts.HealthTimeout})
	if err != nil {
		return nil, fmt.Errorf("fleetbench: apply: %w", err)
	}
	j, err := journal.Open(filepath.Join(dir, ".bwstate"), journal.Options{Operator: "fleetbench@localhost"})
	if err != nil {
		return nil, fmt.Errorf("fleetbench: apply: %w", err)
	}
	defer j.Close()
	hosts := make(map[string]*engine.Host, len(l.cfg.Hosts))
	for _, h := range l.cfg.Hosts {
		hosts[h.Name] = h
	}
	restartsBefore := f.restartCounts()

	prov := newProvider(l)
	defer prov.Close()
	connect, err := calibrateConnect(ctx, prov, l.sel.Hosts)
	if err != nil {
		return nil, fmt.Errorf("fleetbench: apply: %w", err)
	}
	timed := &timedProvider{p: prov}
	applyOpts := apply.Options{
		Hosts:       hosts,
		Catalogue:   l.cat,
		Rollout:     l.cfg.Rollout,
		Parallelism: opts.Parallelism,
		Journal:     j,
		Provider:    timed,
	}
	start := time.Now()
	var keeper *sessions.Keeper
	if opts.KeepSessions {
		// Apply's sessions come through the keeper, which opens those it
		// did not keep with the timed provider: Sessions counts the apply's
		// connects only.
		// As many as bwstate apply keeps: the parallel round and the
		// first batch.
		keeper = sessions.New(timed, opts.Parallelism+opts.BatchSize, l.sel.Hosts)
		defer keeper.Close()
		applyOpts.Provider = keeper
	}
	p, planWall, err := f.planForApply(ctx, l, opts.Parallelism, prov, keeper)
	if err != nil {
		return nil, fmt.Errorf("fleetbench: apply: %w", err)
	}
	applyOpts.Plan = p
	var kept map[string]bool
	if keeper != nil {
		keeper.Retain(apply.FirstHosts(applyOpts))
		kept = map[string]bool{}
		for _, n := range keeper.Kept() {
			kept[n] = true
		}
	}
	hook := &phaseHook{hosts: map[string]*hostPhases{}}
	applyOpts.Hook = hook

	run := f.startRun(opts.SampleEvery)
	var res *apply.Result
	asClient(ctx, func(ctx context.Context) {
		res, err = apply.Run(ctx, applyOpts)
	})
	m := run.stop()
	endToEnd := time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("fleetbench: apply: %w", err)
	}
	if err := applyFailures(res); err != nil {
		return nil, fmt.Errorf("fleetbench: apply: %w", err)
	}
	if err := f.checkApplied(opts.Scenario, restartsBefore); err != nil {
		return nil, fmt.Errorf("fleetbench: apply: %w", err)
	}

	r := &ApplyResult{Scenario: opts.Scenario, BatchSize: opts.BatchSize, RestartDelay: f.opts.RestartDelay,
		PlanWall: planWall, EndToEnd: endToEnd, Result: res}
	if keeper != nil {
		r.Kept = keeper.Stats()
	}
	var bound []BoundHost
	for _, hp := range p.Hosts {
		bh := BoundHost{Open: connect + f.opts.BwcliDelay, Restarts: len(hp.Restarts) > 0}
		if kept[hp.Name] {
			bh.Open = 0
		}
		if hc := m.Commands.hosts[hp.Name]; hc != nil {
			bh.RoundTrips = hc.roundTrips
			if bh.Restarts {
				bh.RoundTrips = hc.beforeRestart
			}
		}
		switch {
		case bh.Restarts:
			r.RestartHosts++
		case len(hp.Changes) > 0:
			r.PlainHosts++
		default:
			continue
		}
		bound = append(bound, bh)
	}
	r.Batches = ceilDiv(r.RestartHosts, opts.BatchSize)
	f.fill(&m, len(p.Hosts), opts.Parallelism, connect)
	m.Sessions, m.OpenMean, m.OpenMax = timed.stats()
	m.Bound = ApplyBound(bound, opts.Parallelism, opts.BatchSize, m.Latency, f.opts.RestartDelay)
	r.Measure = m
	r.SetPhaseMean, r.SetPhaseMax, r.RestartToHealthyMean, r.RestartToHealthyMax = hook.phases()
	return r, nil
}

// planForApply makes the plan apply executes and checks it planned every
// host. With a keeper it plans through prov, as `bwstate apply` does, and
// offers each host's session to the keeper; without, through a provider of
// its own, closed before the apply, as `bwstate plan -out` does.
func (f *Fleet) planForApply(ctx context.Context, l *loaded, parallelism int, prov *broadworks.Provider, keeper *sessions.Keeper) (*engine.Plan, time.Duration, error) {
	opts := plan.Options{
		Hosts:       l.sel.Hosts,
		Source:      source{l},
		Provider:    prov,
		Catalogue:   l.cat,
		Parallelism: parallelism,
		ConfigHash:  l.cfg.Hash,
		NeedsAlarms: l.needsAlarms,
	}
	if keeper != nil {
		opts.Keep = keeper.Offer
	} else {
		own := newProvider(l)
		defer own.Close()
		opts.Provider = own
	}
	start := time.Now()
	p, err := plan.Run(ctx, opts)
	if err != nil {
		return nil, 0, fmt.Errorf("plan: %w", err)
	}
	if err := planFailures(p); err != nil {
		return nil, 0, fmt.Errorf("plan: %w", err)
	}
	return p, time.Since(start), nil
}

// applyFailures returns an error naming the hosts that did not finish, or
// nil.
func applyFailures(res *apply.Result) error {
	n, first := 0, ""
	for _, hr := range res.Hosts {
		if hr.Outcome != apply.OutcomeChanged && hr.Outcome != apply.OutcomeUnchanged {
			if n == 0 {
				first = fmt.Sprintf("%s: %s: %s", hr.Name, hr.Outcome, hr.Reason)
			}
			n++
		}
	}
	if n > 0 {
		return fmt.Errorf("%d of %d hosts did not apply; first %s", n, len(res.Hosts), first)
	}
	if len(res.Warnings) > 0 {
		return fmt.Errorf("run warnings: %s", strings.Join(res.Warnings, "; "))
	}
	return nil
}

func (f *Fleet) restartCounts() map[string]int {
	m := map[string]int{}
	for _, h := range f.sim.Hosts() {
		m[h.Name()] = h.RestartCount(restartApp)
	}
	return m
}

// checkApplied verifies on the simulator what the scenario must have
// changed: values as declared, and OpenClientServer restarted exactly once
// and running where CAPProxy was disabled (never restarted otherwise).
func (f *Fleet) checkApplied(s Scenario, restartsBefore map[string]int) error {
	for _, h := range f.sim.Hosts() {
		restarts := h.RestartCount(restartApp) - restartsBefore[h.Name()]
		wantRestarts := 0
		if s == ScenarioAll || s == ScenarioRestart {
			wantRestarts = 1
			if v, _ := h.Value(capPath, "enabled"); v != "false" {
				return fmt.Errorf("host %s: %s enabled is %q after the apply, want false", h.Name(), capPath, v)
			}
			if st := h.AppState(restartApp); st != "Running" {
				return fmt.Errorf("host %s: %s is %s after the apply, want Running", h.Name(), restartApp, st)
			}
		}
		if s == ScenarioAll || s == ScenarioNoRestart {
			if v, _ := h.Value(snmpPath, "port"); v != snmpPort {
				return fmt.Errorf("host %s: %s port is %q after the apply, want %s", h.Name(), snmpPath, v, snmpPort)
			}
			if !slices.ContainsFunc(h.Rows(malPath), func(r map[string]string) bool { return r["host"] == malHost }) {
				return fmt.Errorf("host %s: %s has no row %s after the apply", h.Name(), malPath, malHost)
			}
		}
		if restarts != wantRestarts {
			return fmt.Errorf("host %s: %s restarted %d times during the apply, want %d", h.Name(), restartApp, restarts, wantRestarts)
		}
	}
	return nil
}

// phaseHook collects apply events per host.
type phaseHook struct {
	mu    sync.Mutex
	hosts map[string]*hostPhases
}

type hostPhases struct {
	connected, verified time.Duration // Event.Elapsed
	restartToHealthy    time.Duration
	healthy             bool
}

func (h *phaseHook) Step(e apply.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.hosts[e.Host]
	if p == nil {
		p = &hostPhases{}
		h.hosts[e.Host] = p
	}
	switch e.Step {
	case apply.StepConnected:
		p.connected = e.Elapsed
	case apply.StepVerify:
		p.verified = e.Elapsed
	case apply.StepHealthy:
		p.restartToHealthy += e.Took
		p.healthy = true
	}
}

// phases returns the set phase (connected to verify) and restart to
// healthy, mean and maximum over the hosts that had them.
func (h *phaseHook) phases() (setMean, setMax, healthyMean, healthyMax time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var setSum, healthySum time.Duration
	var nSet, nHealthy int
	for _, p := range h.hosts {
		if p.verified > 0 {
			d := p.verified - p.connected
			setSum += d
			setMax = max(setMax, d)
			nSet++
		}
		if p.healthy {
			healthySum += p.restartToHealthy
			healthyMax = max(healthyMax, p.restartToHealthy)
			nHealthy++
		}
	}
	if nSet > 0 {
		setMean = setSum / time.Duration(nSet)
	}
	if nHealthy > 0 {
		healthyMean = healthySum / time.Duration(nHealthy)
	}
	return setMean, setMax, healthyMean, healthyMax
}
