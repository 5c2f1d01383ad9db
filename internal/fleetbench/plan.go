package fleetbench

import (
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/plan"
	"github.com/bwstate/bwstate/providers/broadworks"
)

// PlanOptions configure Fleet.Plan.
type PlanOptions struct {
	// Scenario is the configuration to plan (ScenarioAll when empty).
	Scenario Scenario
	// Parallelism caps the hosts read at once (plan.DefaultParallelism
	// when 0).
	Parallelism int
	// SampleEvery is the heap sampling period (DefaultSampleEvery when 0).
	SampleEvery time.Duration
}

// PlanResult is one measured plan.
type PlanResult struct {
	Measure
	Scenario Scenario
	// Plan is the plan made.
	Plan *engine.Plan
	// Changes and Restarts are summed over the hosts.
	Changes, Restarts int
	// HostMean and HostMax are the time one host's read pass took, from
	// the start of its Open to its plan (plan.Hook).
	HostMean, HostMax time.Duration
}

// Plan makes one plan of every host, as `bwstate plan` does (config.Load,
// plan.Run with the catalogue and the BroadWorks provider), and measures
// it. Bound = PlanBound(hosts, parallelism, Connect + BwcliDelay, the most
// round trips of a host, latency). A host that fails makes Plan return an
// error: a failed read is not a measurement.
func (f *Fleet) Plan(ctx context.Context, opts PlanOptions) (*PlanResult, error) {
	if opts.Scenario == "" {
		opts.Scenario = ScenarioAll
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = plan.DefaultParallelism
	}
	if opts.SampleEvery <= 0 {
		opts.SampleEvery = DefaultSampleEvery
	}
	dir, err := f.newRunDir("plan")
	if err != nil {
		return nil, fmt.Errorf("fleetbench: plan: %w", err)
	}
	l, err := f.loadConfig(dir, opts.Scenario, rolloutSpec{batchSize: 1, healthTimeout: 2 * time.Minute})
	if err != nil {
		return nil, fmt.Errorf("fleetbench: plan: %w", err)
	}
	prov := newProvider(l)
	defer prov.Close()
	connect, err := calibrateConnect(ctx, prov, l.sel.Hosts)
	if err != nil {
		return nil, fmt.Errorf("fleetbench: plan: %w", err)
	}
	timed := &timedProvider{p: prov}
	hook := &hostTimes{started: map[string]time.Time{}}

	run := f.startRun(opts.SampleEvery)
	var p *engine.Plan
	asClient(ctx, func(ctx context.Context) {
		p, err = plan.Run(ctx, plan.Options{
			Hosts:       l.sel.Hosts,
			Source:      source{l},
			Provider:    timed,
			Catalogue:   l.cat,
			Parallelism: opts.Parallelism,
			ConfigHash:  l.cfg.Hash,
			NeedsAlarms: l.needsAlarms,
			Hook:        hook,
		})
	})
	m := run.stop()
	if err != nil {
		return nil, fmt.Errorf("fleetbench: plan: %w", err)
	}
	if err := planFailures(p); err != nil {
		return nil, fmt.Errorf("fleetbench: plan: %w", err)
	}
	f.fill(&m, len(l.sel.Hosts), opts.Parallelism, connect)
	m.Sessions, m.OpenMean, m.OpenMax = timed.stats()
	m.Bound = PlanBound(m.Hosts, m.Parallelism, connect+m.BwcliDelay, m.Commands.MaxRoundTrips, m.Latency)
	r := &PlanResult{Measure: m, Scenario: opts.Scenario, Plan: p, HostMax: hook.max}
	if hook.n > 0 {
		r.HostMean = hook.sum / time.Duration(hook.n)
	}
	for _, hp := range p.Hosts {
		r.Changes += len(hp.Changes)
		r.Restarts += len(hp.Restarts)
	}
	return r, nil
}

// hostTimes is a plan.Hook timing each host's read pass; plan.Run
// serialises its calls.
type hostTimes struct {
	started  map[string]time.Time
	n        int
	sum, max time.Duration
}

func (h *hostTimes) HostStart(host string) { h.started[host] = time.Now() }

func (h *hostTimes) HostDone(host string, _ *engine.HostPlan) {
	d := time.Since(h.started[host])
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

// planFailures returns an error naming the failed hosts, or nil.
func planFailures(p *engine.Plan) error {
	n, first := 0, ""
	for _, hp := range p.Hosts {
		if hp.Error != "" {
			if n == 0 {
				first = hp.Name + ": " + hp.Error
			}
			n++
		}
	}
	if n > 0 {
		return fmt.Errorf("%d of %d hosts failed; first %s", n, len(p.Hosts), first)
	}
	return nil
}

// newProvider is the BroadWorks provider as bwstate builds it, minus the
// operator's environment: no ssh-agent, no ~/.ssh/config, so the run
// depends only on the generated configuration.
func newProvider(l *loaded) *broadworks.Provider {
	return broadworks.New(broadworks.Options{
		Getenv:        func(string) string { return "" },
		SSHConfigPath: "none",
		Catalogue:     l.cat,
	})
}

// ClientLabel is the pprof label (key and value) on every goroutine of
// the measured client: a CPU profile of a run tells the client's time
// from the simulator's with -tagfocus=fleetbench=client (the simulator's
// goroutines start from its listeners and carry no label).
const (
	ClientLabelKey   = "fleetbench"
	ClientLabelValue = "client"
)

// asClient runs fn with the client label, which every goroutine fn starts
// inherits.
func asClient(ctx context.Context, fn func(context.Context)) {
	pprof.Do(ctx, pprof.Labels(ClientLabelKey, ClientLabelValue), fn)
}

// fill sets what every run of the fleet reports besides its own numbers.
func (f *Fleet) fill(m *Measure, hosts, parallelism int, connect time.Duration) {
	m.Hosts, m.Parallelism, m.Connect = hosts, parallelism, connect
	m.Latency, m.BwcliDelay = f.opts.Latency, f.opts.BwcliDelay
}

// runMeter measures the process around one run.
type runMeter struct {
	f           *Fleet
	mark        int
	base        uint64
	baseFiles   int
	cpu         time.Duration
	busy, ticks uint64
	start       time.Time
	sampler     *heapSampler
}

// startRun collects garbage, notes the baseline and starts measuring.
func (f *Fleet) startRun(every time.Duration) *runMeter {
	r := &runMeter{f: f, mark: len(f.sim.Commands()), base: baseHeap(), baseFiles: openFiles()}
	resetPeakRSS()
	r.sampler = startHeapSampler(every)
	r.cpu = cpuTime()
	r.busy, r.ticks = machineTicks()
	r.start = time.Now()
	return r
}

// stop ends the measurement; the caller fills in what the run knows.
func (r *runMeter) stop() Measure {
	wall := time.Since(r.start)
	cpu := cpuTime() - r.cpu
	busy, ticks := machineTicks()
	peak := r.sampler.Stop()
	m := Measure{Wall: wall, CPU: cpu, BaseHeap: r.base, PeakHeap: peak, PeakRSS: peakRSS(), CPUs: runtime.NumCPU(),
		BaseFiles: r.baseFiles, PeakFiles: r.sampler.peakFiles}
	if ticks > r.ticks {
		m.MachineBusy = float64(busy-r.busy) / float64(ticks-r.ticks)
	}
	m.Commands = countCommands(r.f.sim.Commands()[r.mark:])
	return m
}
