// Command fleetbench measures bwstate's plan and apply against a simulated
// fleet served in the same process. It is a development tool, kept out of
// the bwstate binary: `go run ./cmd/fleetbench -help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bwstate/bwstate/engine/plan"
	"github.com/bwstate/bwstate/internal/fleetbench"
)

const usage = `Usage: go run ./cmd/fleetbench [-profile fast|realistic] [-hosts N] [-parallelism N[,N...]]
                               [-apply] [-runs LIST] [-count N] [-batch-size N]
                               [-latency D] [-bwcli-delay D] [-restart-delay D]
                               [-first-ip IP] [-cpuprofile FILE]

Measures plan (and with -apply, apply) against a simulated fleet served in
this process: N XSP hosts (release 22.0, CAPProxy enabled, SNMP agent on
port 8001) on consecutive loopback addresses from 127.0.1.1, one port.
The real engine and BroadWorks provider run over SSH as 'bwstate plan' and
'bwstate apply' do, with a configuration and a journal generated in a
temporary directory that is removed at exit.

Profiles (the flags below override each value):
  fast        20ms per command, bwcli starts at once, 1s restart,
              batch size 10
  realistic   100ms per command, bwcli takes 3s to start (a JVM), 30s
              restart, batch size 10%% of the hosts

Runs, in order, on the same fleet (reset to its starting values before
each apply):
  plan     reads the facts and three contexts of every host (CAPProxy,
           SNMP agent, management access list)
  apply    sets the SNMP port and adds a management access row on every
           host: no restart
  restart  disables CAPProxy on every host and restarts OpenClientServer
           in rolling batches, waiting for health; the plan is made and
           its sessions closed first, as for 'bwstate apply PLANFILE'
  kept     the same as 'bwstate apply' without a plan file: the hosts the
           apply starts first keep their plan's sessions

It prints one row per run: wall time, the bound ceil(hosts/parallelism) x
(connect + bwcli start + round trips x latency) (for restarts: per batch,
plus restartbw, the restart delay and the health check), their ratio (*
above 1.5), commands and round trips per host from the simulator's log,
connect time alone and under load, CPU time of the process (client and
simulator share it), how busy the machine was, heap, RSS and the files
opened during the run; then per run the commands by kind, the phases,
bwcli starts and the plan before the apply.

Flags:
  -profile NAME       fast or realistic (default fast)
  -hosts N            simulated hosts (default 100; 1,000 need addresses up
                      to 127.0.4.232)
  -parallelism LIST   hosts planned at once, and applied at once when they
                      need no restart; a comma-separated list runs each
                      (default bwstate's, %d)
  -apply              run every apply too (-runs plan,apply,restart,kept)
  -runs LIST          the runs to make, among plan, apply, restart, kept
                      (default plan)
  -count N            make each run N times (default 1)
  -batch-size N       hosts restarted at once (rollout batch_size; default
                      the profile's)
  -latency D          simulated delay before each reply
  -bwcli-delay D      simulated time bwcli takes to start
  -restart-delay D    how long a restarted application stays Starting
  -first-ip IP        first host's loopback address (default 127.0.1.1)
  -cpuprofile FILE    write a CPU profile of the runs (not the fleet's
                      start) to FILE, for 'go tool pprof'

Exit status: 0 every run completed (whatever the ratios), 1 a host failed,
the fleet could not start or the run was interrupted.

Examples:
  go run ./cmd/fleetbench -parallelism 20,50,100,200 -apply
  go run ./cmd/fleetbench -profile realistic -hosts 1000 -runs plan,kept
`

// benchFlags are the command's flags.
type benchFlags struct {
	profile, parallelism, runs   string
	hosts, batchSize, count      int
	latency, bwcliDelay, restart time.Duration
	apply                        bool
	firstIP, cpuProfile          string
	parallel                     []int
	selected                     map[string]bool
}

// runNames are the runs, in the order they are made.
var runNames = []string{"plan", "apply", "restart", "kept"}

func (b *benchFlags) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("fleetbench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&b.profile, "profile", fleetbench.ProfileFast.Name, "fast or realistic")
	fs.IntVar(&b.hosts, "hosts", 100, "simulated hosts")
	fs.StringVar(&b.parallelism, "parallelism", strconv.Itoa(plan.DefaultParallelism), "hosts at once")
	fs.BoolVar(&b.apply, "apply", false, "also apply")
	fs.StringVar(&b.runs, "runs", "plan", "runs to make")
	fs.IntVar(&b.count, "count", 1, "times each run is made")
	fs.IntVar(&b.batchSize, "batch-size", 0, "hosts restarted at once")
	fs.DurationVar(&b.latency, "latency", 0, "delay before each reply")
	fs.DurationVar(&b.bwcliDelay, "bwcli-delay", 0, "bwcli start-up time")
	fs.DurationVar(&b.restart, "restart-delay", 0, "restart delay")
	fs.StringVar(&b.firstIP, "first-ip", fleetbench.DefaultFirstIP, "first loopback address")
	fs.StringVar(&b.cpuProfile, "cpuprofile", "", "CPU profile file")
	return fs
}

// resolve applies the profile to the values the flags left unset and
// checks them all.
func (b *benchFlags) resolve(fs *flag.FlagSet) error {
	var p fleetbench.Profile
	switch b.profile {
	case fleetbench.ProfileFast.Name:
		p = fleetbench.ProfileFast
	case fleetbench.ProfileRealistic.Name:
		p = fleetbench.ProfileRealistic
	default:
		return fmt.Errorf("-profile must be fast or realistic, got %q", b.profile)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["latency"] {
		b.latency = p.Latency
	}
	if !set["bwcli-delay"] {
		b.bwcliDelay = p.BwcliDelay
	}
	if !set["restart-delay"] {
		b.restart = p.RestartDelay
	}
	if !set["batch-size"] {
		b.batchSize = 10
		if p.Name == fleetbench.ProfileRealistic.Name {
			b.batchSize = max(1, b.hosts/10)
		}
	}
	for _, f := range strings.Split(b.parallelism, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return fmt.Errorf("-parallelism: %q is not a number", f)
		}
		b.parallel = append(b.parallel, n)
	}
	runs := b.runs
	if b.apply {
		runs = strings.Join(runNames, ",")
	}
	b.selected = map[string]bool{}
	for _, r := range strings.Split(runs, ",") {
		r = strings.TrimSpace(r)
		if !slices.Contains(runNames, r) {
			return fmt.Errorf("-runs: unknown run %q (plan, apply, restart, kept)", r)
		}
		b.selected[r] = true
	}
	switch {
	case b.hosts < 1 || b.batchSize < 1 || b.count < 1 || slices.ContainsFunc(b.parallel, func(n int) bool { return n < 1 }):
		return errors.New("-hosts, -parallelism, -batch-size and -count must be at least 1")
	case b.latency < 0 || b.restart < 0 || b.bwcliDelay < 0:
		return errors.New("-latency, -bwcli-delay and -restart-delay cannot be negative")
	}
	return nil
}

const (
	exitOK    = 0
	exitError = 1
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Stdout, os.Stderr, os.Args[1:])
	stop()
	os.Exit(code)
}

// usageText is the usage with the current default parallelism.
func usageText() string { return fmt.Sprintf(usage, plan.DefaultParallelism) }

// run is the whole command, with its streams and context injected for tests.
func run(ctx context.Context, stdout, stderr io.Writer, args []string) int {
	var b benchFlags
	fs := b.flagSet()
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText())
			return exitOK
		}
		fmt.Fprintf(stderr, "fleetbench: %v\n\n%s", err, usageText())
		return exitError
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fleetbench: unexpected argument %q\n\n%s", fs.Arg(0), usageText())
		return exitError
	}
	if err := b.resolve(fs); err != nil {
		fmt.Fprintf(stderr, "fleetbench: %v\n", err)
		return exitError
	}

	dir, err := os.MkdirTemp("", "bwstate-bench-")
	if err != nil {
		fmt.Fprintf(stderr, "fleetbench: %v\n", err)
		return exitError
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(stderr, "starting %d simulated hosts (%s: %s per command, bwcli start %s, restart %s)...\n",
		b.hosts, b.profile, b.latency, b.bwcliDelay, b.restart)
	fleet, err := fleetbench.Start(fleetbench.FleetOptions{
		Dir: dir, Hosts: b.hosts, Latency: b.latency, BwcliDelay: b.bwcliDelay, RestartDelay: b.restart, FirstIP: b.firstIP,
	})
	if err != nil {
		fmt.Fprintf(stderr, "fleetbench: %v\n", err)
		return exitError
	}
	defer fleet.Close()
	if l := fleet.FileLimit(); l != "" {
		fmt.Fprintln(stderr, l)
	}

	if b.cpuProfile != "" {
		f, err := os.Create(b.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "fleetbench: %v\n", err)
			return exitError
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "fleetbench: %v\n", err)
			return exitError
		}
		defer pprof.StopCPUProfile()
	}

	var rep fleetbench.Report
	if err := b.measure(ctx, stderr, fleet, &rep); err != nil {
		fmt.Fprintf(stderr, "fleetbench: %v\n", err)
		return exitError
	}
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "fleetbench: %v\n", err)
		return exitError
	}
	return exitOK
}

// measure makes the selected runs at each parallelism, count times each.
func (b *benchFlags) measure(ctx context.Context, stderr io.Writer, fleet *fleetbench.Fleet, rep *fleetbench.Report) error {
	applies := []struct {
		name string
		opts fleetbench.ApplyOptions
	}{
		{"apply", fleetbench.ApplyOptions{Scenario: fleetbench.ScenarioNoRestart}},
		{"restart", fleetbench.ApplyOptions{Scenario: fleetbench.ScenarioRestart}},
		{"kept", fleetbench.ApplyOptions{Scenario: fleetbench.ScenarioRestart, KeepSessions: true}},
	}
	for _, par := range b.parallel {
		for i := range b.count {
			if b.selected["plan"] {
				fmt.Fprintf(stderr, "plan, parallelism %d (%d/%d)...\n", par, i+1, b.count)
				p, err := fleet.Plan(ctx, fleetbench.PlanOptions{Parallelism: par})
				if err != nil {
					return err
				}
				rep.Plans = append(rep.Plans, p)
			}
			for _, a := range applies {
				if !b.selected[a.name] {
					continue
				}
				if err := fleet.Reset(); err != nil {
					return err
				}
				fmt.Fprintf(stderr, "%s, parallelism %d (%d/%d)...\n", a.name, par, i+1, b.count)
				opts := a.opts
				opts.Parallelism, opts.BatchSize = par, b.batchSize
				r, err := fleet.Apply(ctx, opts)
				if err != nil {
					return err
				}
				rep.Applies = append(rep.Applies, r)
			}
		}
	}
	return nil
}
