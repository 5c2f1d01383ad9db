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
	"syscall"
	"time"

	"github.com/bwstate/bwstate/internal/fleetbench"
)

const usage = `Usage: go run ./cmd/fleetbench [-hosts N] [-latency D] [-parallelism N] [-apply]
                               [-restart-delay D] [-batch-size N] [-first-ip IP]
                               [-cpuprofile FILE]

Measures plan (and with -apply, apply) against a simulated fleet served in
this process: N XSP hosts (release 22.0, CAPProxy enabled, SNMP agent on
port 8001) on consecutive loopback addresses from 127.0.1.1, one port,
each waiting D before every reply. The real engine and BroadWorks provider
run over SSH as 'bwstate plan' and 'bwstate apply' do, with a configuration
and a journal generated in a temporary directory that is removed at exit.

Runs, in order, on the same fleet:
  plan           reads the facts and three contexts of every host
                 (CAPProxy, SNMP agent, management access list)
  apply          (-apply) sets the SNMP port and adds a management access
                 row on every host: no restart
  apply+restart  (-apply) disables CAPProxy on every host and restarts
                 OpenClientServer in rolling batches of -batch-size, waiting
                 for health

It prints one row per run: wall time, the bound ceil(hosts/parallelism) x
(connect + commands x latency) (for restarts: batches x (set phase +
restart + health)), their ratio (* above 1.5), commands per host from the
simulator's log, connect time alone and under load, CPU time of the
process (client and simulator share it), how busy the machine was, and heap
and RSS; then per run the commands by kind and the phases.

Flags:
  -hosts N            simulated hosts (default 100; 1,000 need addresses up
                      to 127.0.4.232)
  -latency D          simulated delay before each reply (default 20ms)
  -parallelism N      hosts planned at once, and applied at once when they
                      need no restart (default 20)
  -apply              also run both applies
  -restart-delay D    how long a restarted application stays Starting
                      (default 1s)
  -batch-size N       hosts restarted at once (rollout batch_size, default 10)
  -first-ip IP        first host's loopback address (default 127.0.1.1)
  -cpuprofile FILE    write a CPU profile of the runs (not the fleet's
                      start) to FILE, for 'go tool pprof'

Exit status: 0 every run completed (whatever the ratios), 1 a host failed,
the fleet could not start or the run was interrupted.

Example:
  go run ./cmd/fleetbench -hosts 1000 -parallelism 100 -cpuprofile plan.pprof
`

// benchFlags are the command's flags.
type benchFlags struct {
	hosts, parallelism, batchSize int
	latency, restartDelay         time.Duration
	apply                         bool
	firstIP, cpuProfile           string
}

func (b *benchFlags) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("fleetbench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&b.hosts, "hosts", 100, "simulated hosts")
	fs.DurationVar(&b.latency, "latency", 20*time.Millisecond, "delay before each reply")
	fs.IntVar(&b.parallelism, "parallelism", 20, "hosts at once")
	fs.BoolVar(&b.apply, "apply", false, "also apply")
	fs.DurationVar(&b.restartDelay, "restart-delay", time.Second, "restart delay")
	fs.IntVar(&b.batchSize, "batch-size", 10, "hosts restarted at once")
	fs.StringVar(&b.firstIP, "first-ip", fleetbench.DefaultFirstIP, "first loopback address")
	fs.StringVar(&b.cpuProfile, "cpuprofile", "", "CPU profile file")
	return fs
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

// run is the whole command, with its streams and context injected for tests.
func run(ctx context.Context, stdout, stderr io.Writer, args []string) int {
	var b benchFlags
	fs := b.flagSet()
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return exitOK
		}
		fmt.Fprintf(stderr, "fleetbench: %v\n\n%s", err, usage)
		return exitError
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "fleetbench: unexpected argument %q\n\n%s", fs.Arg(0), usage)
		return exitError
	case b.hosts < 1 || b.parallelism < 1 || b.batchSize < 1:
		fmt.Fprintln(stderr, "fleetbench: -hosts, -parallelism and -batch-size must be at least 1")
		return exitError
	case b.latency < 0 || b.restartDelay < 0:
		fmt.Fprintln(stderr, "fleetbench: -latency and -restart-delay cannot be negative")
		return exitError
	}

	dir, err := os.MkdirTemp("", "bwstate-bench-")
	if err != nil {
		fmt.Fprintf(stderr, "fleetbench: %v\n", err)
		return exitError
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(stderr, "starting %d simulated hosts...\n", b.hosts)
	fleet, err := fleetbench.Start(fleetbench.FleetOptions{
		Dir: dir, Hosts: b.hosts, Latency: b.latency, RestartDelay: b.restartDelay, FirstIP: b.firstIP,
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
	fmt.Fprintln(stderr, "plan...")
	p, err := fleet.Plan(ctx, fleetbench.PlanOptions{Parallelism: b.parallelism})
	if err != nil {
		fmt.Fprintf(stderr, "fleetbench: %v\n", err)
		return exitError
	}
	rep.Plans = append(rep.Plans, p)
	if b.apply {
		for _, s := range []fleetbench.Scenario{fleetbench.ScenarioNoRestart, fleetbench.ScenarioRestart} {
			fmt.Fprintf(stderr, "apply %s...\n", s)
			a, err := fleet.Apply(ctx, fleetbench.ApplyOptions{Scenario: s, Parallelism: b.parallelism, BatchSize: b.batchSize})
			if err != nil {
				fmt.Fprintf(stderr, "fleetbench: %v\n", err)
				return exitError
			}
			rep.Applies = append(rep.Applies, a)
		}
	}
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "fleetbench: %v\n", err)
		return exitError
	}
	return exitOK
}
