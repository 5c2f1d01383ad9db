package fleetbench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/apply"
	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/plan"
	"github.com/bwstate/bwstate/internal/leaktest"
	"github.com/bwstate/bwstate/providers/broadworks"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

var (
	loadFull = flag.Bool("fleetbench.load", false,
		"run TestLoadWithFaults at full size: 1,000 hosts, 20 of them faulty (.ci/run's own step)")
	loadSmall = flag.Bool("fleetbench.small", false,
		"run TestLoadWithFaults on 60 hosts, 10 of them faulty (what -race runs by default)")
)

// Short timeouts of the load test: a host that answers slower than
// hostCommandTimeout is reported, and an application not healthy within
// loadHealthTimeout fails its host.
const (
	hostCommandTimeout = time.Second
	slowLatency        = 3 * time.Second
	loadHealthTimeout  = 5 * time.Second
	loadRestartDelay   = 200 * time.Millisecond
)

// Memory ceilings of the full-size run: generous (several times what was
// measured, docs/performance.md) so that only a leak or an unbounded
// buffer fails them, not a busy machine.
const (
	maxPeakHeap = 768 << 20
	maxPeakRSS  = 1536 << 20
)

// faultKind is one way a host of the load test misbehaves, and how each
// phase must report it. A nil regexp means the phase must read the host.
type faultKind struct {
	name   string
	faults sim.Faults
	// duringApply arms the faults only for the apply: the first plan
	// reads the host normally and the second plan shows what is left.
	duringApply bool
	// commandTimeout is the host's command_timeout in the configuration
	// (0: the configuration's default).
	commandTimeout time.Duration
	// planErr must match the first plan's error for the host.
	planErr *regexp.Regexp
	// applyErr must match the apply's reason for the host (the plan's
	// error again when the plan failed: the host is not contacted).
	applyErr *regexp.Regexp
	// finalErr must match the second plan's error; nil means the second
	// plan reads the host and must show the work left (changes, or the
	// restart pending in the journal).
	finalErr *regexp.Regexp
}

// faultKinds are the mixed faults, in the order hosts are given them.
func faultKinds() []faultKind {
	refused := regexp.MustCompile(`^unreachable: ssh xsp\d+ .*(connection reset|EOF|refused)`)
	auth := regexp.MustCompile(`^unreachable: authentication as bwadmin failed at xsp\d+`)
	hostKey := regexp.MustCompile(`^unreachable: host key changed for xsp\d+`)
	dropped := regexp.MustCompile(`connection closed while running the command`)
	hang := regexp.MustCompile(`bwcli: no reply within 1s`)
	slow := regexp.MustCompile(`bwshowver: no reply within 1s`)
	garbage := regexp.MustCompile(`(?i)parse|unrecogni[sz]ed|unexpected`)
	return []faultKind{
		{name: "refuse", faults: sim.Faults{Refuse: true}, planErr: refused, applyErr: refused, finalErr: refused},
		{name: "reject_auth", faults: sim.Faults{RejectAuth: true}, planErr: auth, applyErr: auth, finalErr: auth},
		{name: "wrong_host_key", faults: sim.Faults{WrongHostKey: true}, planErr: hostKey, applyErr: hostKey, finalErr: hostKey},
		// The fourth command of every session (the plan's first get)
		// finds the connection closed.
		{name: "drop_after", faults: sim.Faults{DropAfter: 3}, planErr: dropped, applyErr: dropped, finalErr: dropped},
		// Dropped during the apply, after its stale check and first
		// write: the second plan shows the rest.
		{name: "drop_during_apply", faults: sim.Faults{DropAfter: 9}, duringApply: true, applyErr: dropped},
		{name: "fail_next_set", faults: sim.Faults{FailNextSet: sim.DefaultFailNextSetText},
			applyErr: regexp.MustCompile(`^set enabled false failed: \[CLIError\] Command set: Failed to update the configuration`)},
		{name: "never_healthy", faults: sim.Faults{NeverHealthy: true},
			applyErr: regexp.MustCompile(`^OpenClientServer restarted but not healthy within ` + regexp.QuoteMeta(loadHealthTimeout.String()) + `: `)},
		{name: "bwcli_hang", faults: sim.Faults{BwcliHang: true}, commandTimeout: hostCommandTimeout, planErr: hang, applyErr: hang, finalErr: hang},
		{name: "garbage", faults: sim.Faults{Garbage: true}, planErr: garbage, applyErr: garbage, finalErr: garbage},
		{name: "latency", faults: sim.Faults{Latency: slowLatency}, commandTimeout: hostCommandTimeout, planErr: slow, applyErr: slow, finalErr: slow},
	}
}

// loadHost is one host of the fleet and its fault, if any.
type loadHost struct {
	name  string
	fault *faultKind
}

// writeLoadConfig writes the configuration of the load test: every host
// declares ScenarioAll (CAPProxy off with a restart of OpenClientServer,
// the SNMP port, a management access row); hosts whose fault needs a short
// command timeout get their own ssh block; the rollout restarts in large
// batches and tolerates every failure, so one run reaches every host.
func (f *Fleet) writeLoadConfig(dir string, hosts []loadHost, batch int) error {
	res, err := ScenarioAll.resources()
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ssh {\n  user            = \"bwadmin\"\n  identity_file   = %s\n  known_hosts     = %s\n  timeout         = \"60s\"\n  command_timeout = \"60s\"\n}\n\n",
		hclString(f.sim.ClientKeyPath()), hclString(f.sim.KnownHostsPath()))
	fmt.Fprintf(&b, "rollout {\n  batch_size     = %d\n  max_failures   = %d\n  health_timeout = %q\n  restart        = \"now\"\n}\n",
		batch, len(hosts), loadHealthTimeout.String())
	for i, h := range hosts {
		fmt.Fprintf(&b, "\nhost %q {\n  address = %q\n  type    = \"xsp\"\n", h.name, f.addrs[i])
		if h.fault != nil && h.fault.commandTimeout > 0 {
			fmt.Fprintf(&b, "  ssh {\n    command_timeout = %q\n  }\n", h.fault.commandTimeout.String())
		}
		b.WriteString("}\n")
	}
	b.WriteString(res)
	return os.WriteFile(filepath.Join(dir, "main.bw.hcl"), []byte(b.String()), 0o600)
}

// loadSize is the fleet of one run.
type loadSize struct {
	hosts, faulty, batch, parallelism int
}

// phase is the measurement of one phase, for the log and the docs.
type phase struct {
	name string
	m    Measure
}

// TestLoadWithFaults plans and applies a fleet in which some hosts
// misbehave in every way the simulator can (refused connections, rejected
// logins, a changed host key, connections dropped during the plan or the
// apply, a failing set, an application that never becomes healthy, a hung
// bwcli, garbage output, latency beyond a short command timeout) with the
// real engine and provider. Every healthy host must converge (values set
// on the simulator, one restart, and nothing left in a second plan); every
// faulty one must be reported in each phase with the right kind of error,
// or, where the fault bites only during the apply, with the work left in
// the second plan; memory must stay bounded and every goroutine end.
//
// With -fleetbench.load it runs the size, 1,000 hosts with 20 of
// them faulty (each kind twice), in about 25 s on two cores; .ci/run runs
// it so in its own step, without the race detector. Under -race (2 GB and
// two minutes at full size) or with -fleetbench.small it runs 60 hosts
// with 10 faulty (each kind once), so that the same paths still run under
// the race detector. A plain `go test ./...` skips it, to stay fast enough
// to run on every save; so does -short.
//
//	go test -run TestLoadWithFaults -v ./internal/fleetbench/ -args -fleetbench.load
func TestLoadWithFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("a fleet of simulated hosts is not started under -short")
	}
	if !*loadFull && !*loadSmall && !raceDetector {
		t.Skip("the load test runs with -race, -fleetbench.small or -fleetbench.load (.ci/run's load step)")
	}
	full := *loadFull && !raceDetector && !*loadSmall
	size := loadSize{hosts: 1000, faulty: 20, batch: 250, parallelism: 100}
	if !full {
		size = loadSize{hosts: 60, faulty: 10, batch: 30, parallelism: 30}
	}
	leaks := leaktest.Baseline(t, 30*time.Second)
	phases := runLoad(t, size)
	for _, p := range phases {
		t.Logf("%-12s %5d hosts: wall %-8s cpu %-8s heap base %5.1f MB peak %6.1f MB, rss peak %6.1f MB, %d sessions, %s",
			p.name, p.m.Hosts, p.m.Wall.Round(time.Millisecond), p.m.CPU.Round(time.Millisecond),
			float64(p.m.BaseHeap)/(1<<20), float64(p.m.PeakHeap)/(1<<20), float64(p.m.PeakRSS)/(1<<20), p.m.Sessions, p.m.Commands.Breakdown())
		if full && (p.m.PeakHeap > maxPeakHeap || p.m.PeakRSS > maxPeakRSS) {
			t.Errorf("%s: memory beyond the ceiling\ngot: heap %d MB, rss %d MB\nwant: <= %d MB, <= %d MB",
				p.name, p.m.PeakHeap>>20, p.m.PeakRSS>>20, maxPeakHeap>>20, maxPeakRSS>>20)
		}
	}
	// Every session, listener and timer is gone once the fleet is closed.
	leaks()
}

// runLoad runs the three phases and checks every host after each; it
// closes the fleet before returning.
func runLoad(t *testing.T, size loadSize) []phase {
	ctx := context.Background()
	f, err := Start(FleetOptions{Dir: t.TempDir(), Hosts: size.hosts, RestartDelay: loadRestartDelay, FirstIP: simtest.UniqueLoopbackIP(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Errorf("close the fleet: %v", err)
		}
	}()
	if l := f.FileLimit(); l != "" {
		t.Log(l)
	}

	// Faulty hosts are spread over the fleet, the kinds in turn.
	kinds := faultKinds()
	hosts := make([]loadHost, size.hosts)
	for i := range hosts {
		hosts[i].name = f.names[i]
	}
	every := size.hosts / size.faulty
	for k := range size.faulty {
		fk := kinds[k%len(kinds)]
		h := &hosts[k*every+every/2]
		h.fault = &fk
		if !fk.duringApply {
			f.sim.Host(h.name).SetFaults(fk.faults)
		}
	}
	armApplyFaults := func(on bool) {
		for _, h := range hosts {
			if h.fault != nil && h.fault.duringApply {
				fs := sim.Faults{}
				if on {
					fs = h.fault.faults
				}
				f.sim.Host(h.name).SetFaults(fs)
			}
		}
	}

	dir := t.TempDir()
	if err := f.writeLoadConfig(dir, hosts, size.batch); err != nil {
		t.Fatal(err)
	}
	cat := catalog.New()
	cfg, diags := config.Load(dir, config.LoadOptions{Catalogue: cat, Connections: broadworks.SSHBlock{}})
	if diags.HasErrors() {
		t.Fatalf("load the configuration: %s", diags.Error())
	}
	sel, diags := cfg.Select(nil, nil)
	if diags.HasErrors() {
		t.Fatalf("select the hosts: %s", diags.Error())
	}
	l := &loaded{cfg: cfg, sel: sel, cat: cat}
	j, err := journal.Open(filepath.Join(dir, ".bwstate"), journal.Options{Operator: "load@localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()

	runPlan := func(name string, pending map[string][]*engine.Restart) (*engine.Plan, Measure) {
		timed := &timedProvider{p: newProvider(l)}
		defer timed.p.(interface{ Close() error }).Close()
		run := f.startRun(DefaultSampleEvery)
		var p *engine.Plan
		asClient(ctx, func(ctx context.Context) {
			p, err = plan.Run(ctx, plan.Options{Hosts: sel.Hosts, Source: source{l}, Provider: timed, Catalogue: cat,
				Parallelism: size.parallelism, ConfigHash: cfg.Hash, Pending: pending, NeedsAlarms: l.needsAlarms})
		})
		m := run.stop()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m.Hosts, m.Parallelism = len(p.Hosts), size.parallelism
		m.Sessions, m.OpenMean, m.OpenMax = timed.stats()
		return p, m
	}
	var phases []phase

	// The first plan: healthy hosts and faults that bite later are planned
	// in full, the others fail with their kind of error.
	p1, m := runPlan("first plan", nil)
	phases = append(phases, phase{"plan", m})
	for i, hp := range p1.Hosts {
		h := hosts[i]
		switch {
		case h.fault == nil || h.fault.planErr == nil:
			if hp.Error != "" || len(hp.Changes) != 3 || len(hp.Restarts) != 1 {
				t.Errorf("first plan, %s (%s): wrong result\ngot: error %q, %d changes, %d restarts\nwant: 3 changes and 1 restart",
					hp.Name, h.kind(), hp.Error, len(hp.Changes), len(hp.Restarts))
			}
		case !h.fault.planErr.MatchString(hp.Error):
			t.Errorf("first plan, %s (%s): wrong error\ngot: %q\nwant: matching %s", hp.Name, h.kind(), hp.Error, h.fault.planErr)
		}
	}

	// The apply of that plan, as `bwstate apply` does it: restarts in
	// rolling batches, every failure tolerated.
	hostMap := map[string]*engine.Host{}
	for _, h := range cfg.Hosts {
		hostMap[h.Name] = h
	}
	restartsBefore := f.restartCounts()
	armApplyFaults(true)
	timed := &timedProvider{p: newProvider(l)}
	run := f.startRun(DefaultSampleEvery)
	var res *apply.Result
	asClient(ctx, func(ctx context.Context) {
		res, err = apply.Run(ctx, apply.Options{Plan: p1, Hosts: hostMap, Provider: timed, Catalogue: cat,
			Rollout: cfg.Rollout, Parallelism: size.parallelism, Journal: j})
	})
	m = run.stop()
	timed.p.(interface{ Close() error }).Close()
	armApplyFaults(false)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	m.Hosts, m.Parallelism = len(res.Hosts), size.parallelism
	m.Sessions, m.OpenMean, m.OpenMax = timed.stats()
	phases = append(phases, phase{"apply", m})
	if res.ExitCode != apply.ExitPartial {
		t.Errorf("wrong exit code\ngot: %d\nwant: %d (some hosts failed)", res.ExitCode, apply.ExitPartial)
	}
	for i, hr := range res.Hosts {
		h, sh := hosts[i], f.sim.Host(hosts[i].name)
		restarts := sh.RestartCount(restartApp) - restartsBefore[h.name]
		enabled, _ := sh.Value(capPath, "enabled")
		if h.fault == nil {
			if hr.Outcome != apply.OutcomeChanged || restarts != 1 || enabled != "false" || sh.AppState(restartApp) != "Running" {
				t.Errorf("apply, %s: wrong result\ngot: %s %q, %d restarts, enabled %s, %s %s\nwant: changed, 1 restart, enabled false, Running",
					hr.Name, hr.Outcome, hr.Reason, restarts, enabled, restartApp, sh.AppState(restartApp))
			}
			continue
		}
		if hr.Outcome != apply.OutcomeFailed || !h.fault.applyErr.MatchString(hr.Reason) {
			t.Errorf("apply, %s (%s): wrong result\ngot: %s %q\nwant: failed, matching %s", hr.Name, h.kind(), hr.Outcome, hr.Reason, h.fault.applyErr)
		}
		if h.fault.planErr != nil && (restarts != 0 || enabled != "true") {
			t.Errorf("apply, %s (%s): a host whose plan failed was changed\ngot: %d restarts, enabled %s\nwant: untouched", hr.Name, h.kind(), restarts, enabled)
		}
	}

	// The second plan, with the restarts the journal holds pending:
	// healthy hosts have converged, faulty ones are reported.
	pending, err := j.Pending()
	if err != nil {
		t.Fatal(err)
	}
	p2, m := runPlan("second plan", pending)
	phases = append(phases, phase{"second plan", m})
	for i, hp := range p2.Hosts {
		h := hosts[i]
		switch {
		case h.fault == nil:
			if hp.Error != "" || hp.HasChanges() {
				t.Errorf("second plan, %s: not converged\ngot: error %q, %d changes, %d restarts\nwant: nothing to do", hp.Name, hp.Error, len(hp.Changes), len(hp.Restarts))
			}
		case h.fault.finalErr != nil:
			if !h.fault.finalErr.MatchString(hp.Error) {
				t.Errorf("second plan, %s (%s): wrong error\ngot: %q\nwant: matching %s", hp.Name, h.kind(), hp.Error, h.fault.finalErr)
			}
		case hp.Error != "" || !hp.HasChanges():
			t.Errorf("second plan, %s (%s): not reported\ngot: error %q, %d changes, %d restarts\nwant: the work left", hp.Name, h.kind(), hp.Error, len(hp.Changes), len(hp.Restarts))
		case h.fault.name == "never_healthy" && !slices.ContainsFunc(hp.Restarts, func(r *engine.Restart) bool { return r.Pending && r.App == restartApp }):
			t.Errorf("second plan, %s (%s): the restart that never became healthy is not pending\ngot: %+v", hp.Name, h.kind(), hp.Restarts)
		}
	}
	for i, h := range hosts {
		if h.fault != nil {
			t.Logf("%-18s %s: plan: %s | apply: %s | second plan: %s", h.fault.name, h.name,
				shortOutcome(p1.Hosts[i]), short(string(res.Hosts[i].Outcome)+": "+res.Hosts[i].Reason), shortOutcome(p2.Hosts[i]))
		}
	}
	return phases
}

// shortOutcome says in a few words what a plan shows for a host.
func shortOutcome(hp *engine.HostPlan) string {
	if hp.Error != "" {
		return short(hp.Error)
	}
	pending := 0
	for _, r := range hp.Restarts {
		if r.Pending {
			pending++
		}
	}
	return fmt.Sprintf("%d changes, %d restarts (%d pending)", len(hp.Changes), len(hp.Restarts), pending)
}

// short cuts a message to its first 70 bytes.
func short(s string) string {
	if len(s) > 70 {
		return s[:70] + "..."
	}
	return s
}

// kind names a host's fault for messages.
func (h loadHost) kind() string {
	if h.fault == nil {
		return "healthy"
	}
	return h.fault.name
}
