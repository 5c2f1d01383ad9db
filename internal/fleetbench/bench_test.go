package fleetbench

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Latency and restart delay of the acceptance runs.
const (
	benchLatency      = 20 * time.Millisecond
	benchRestartDelay = time.Second
)

// startBenchFleet serves hosts on DefaultFirstIP for a benchmark.
func startBenchFleet(b *testing.B, dir string, hosts int) *Fleet {
	b.Helper()
	f, err := Start(FleetOptions{Dir: dir, Hosts: hosts, Latency: benchLatency, RestartDelay: benchRestartDelay})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// report turns the runs of one benchmark into its metrics: ns/op is the
// mean wall time of the run itself (not the fleet's start or the plan
// before an apply), and x-bound the ratio the issue bounds at 1.5.
func report(b *testing.B, ms []Measure) {
	b.Helper()
	if len(ms) == 0 {
		return
	}
	var wall, cpu, bound, open time.Duration
	var peak, base uint64
	var busy float64
	for _, m := range ms {
		wall += m.Wall
		cpu += m.CPU
		bound += m.Bound
		open += m.OpenMean
		busy += m.MachineBusy
		peak = max(peak, m.PeakHeap)
		base = max(base, m.BaseHeap)
	}
	n := time.Duration(len(ms))
	last := ms[len(ms)-1]
	b.ReportMetric(float64(wall/n), "ns/op")
	b.ReportMetric(float64(bound/n), "bound-ns/op")
	b.ReportMetric(float64(wall)/float64(bound), "x-bound")
	b.ReportMetric(float64(cpu/n)/float64(wall/n), "cpu/wall")
	b.ReportMetric(last.Commands.PerHost(last.Commands.Total()), "cmds/host")
	b.ReportMetric(last.Commands.PerHost(last.Commands.RoundTrips()), "rt/host")
	var files int
	for _, m := range ms {
		files = max(files, m.PeakFiles-m.BaseFiles)
	}
	b.ReportMetric(float64(files), "files")
	b.ReportMetric(float64(last.Connect)/1e6, "connect-ms")
	b.ReportMetric(float64(open/n)/1e6, "open-ms")
	// How busy all CPUs were, this process included: on a shared machine
	// the ratio means little when other work took the cores.
	b.ReportMetric(busy/float64(len(ms)), "machine-busy")
	b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
	b.ReportMetric(float64(base)/1e6, "base-heap-MB")
	if wall > time.Duration(MaxRatio*float64(bound)) {
		b.Logf("wall time %.2fx the bound, above %.1fx: %s", float64(wall)/float64(bound), MaxRatio, last.Commands.Breakdown())
	}
}

// benchParallelism are the parallelism values measured, 0 meaning the
// default (plan.DefaultParallelism), reported as "default".
var benchParallelism = []int{20, 50, 100, 200, 0}

// BenchmarkPlanFleet plans 10, 100 and 1,000 hosts (20 ms per command) at
// parallelism 20, 50, 100, 200 and the default, with the real engine and
// provider against the in-process simulator. 1,000 hosts are skipped under
// -short. The acceptance of issue 16 is hosts=100/parallelism=default
// within 1.5 times the bound of parallelism 100 (x-bound; the default is
// 100).
//
//	go test -run '^$' -bench BenchmarkPlanFleet -benchtime 1x ./internal/fleetbench/
func BenchmarkPlanFleet(b *testing.B) {
	for _, hosts := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("hosts=%d", hosts), func(b *testing.B) {
			if hosts >= 1000 && testing.Short() {
				b.Skip("1,000 hosts are not run under -short")
			}
			f := startBenchFleet(b, b.TempDir(), hosts)
			defer f.Close()
			if l := f.FileLimit(); l != "" {
				b.Log(l)
			}
			for _, par := range benchParallelism {
				name := fmt.Sprintf("parallelism=%d", par)
				if par == 0 {
					name = "parallelism=default"
				}
				b.Run(name, func(b *testing.B) {
					var ms []Measure
					for b.Loop() {
						r, err := f.Plan(context.Background(), PlanOptions{Parallelism: par})
						if err != nil {
							b.Fatal(err)
						}
						ms = append(ms, r.Measure)
					}
					report(b, ms)
				})
			}
		})
	}
}

// BenchmarkApplyFleet applies 100 hosts at the default parallelism:
// without restart (SNMP port and a management access row), and with a
// restart of OpenClientServer in batches of 10 with a 1 s restart delay,
// the plan's sessions closed (apply PLANFILE) or kept for the first batch
// (apply without a plan file). Each run gets a fresh fleet, started and
// planned outside the measurement.
//
//	go test -run '^$' -bench BenchmarkApplyFleet -benchtime 1x ./internal/fleetbench/
func BenchmarkApplyFleet(b *testing.B) {
	cases := []struct {
		name string
		opts ApplyOptions
	}{
		{"no-restart/hosts=100", ApplyOptions{Scenario: ScenarioNoRestart}},
		{"restart/hosts=100/batch=10", ApplyOptions{Scenario: ScenarioRestart, BatchSize: 10}},
		{"restart-kept/hosts=100/batch=10", ApplyOptions{Scenario: ScenarioRestart, BatchSize: 10, KeepSessions: true}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			var ms []Measure
			for b.Loop() {
				b.StopTimer()
				f := startBenchFleet(b, dir, 100)
				b.StartTimer()
				r, err := f.Apply(context.Background(), c.opts)
				b.StopTimer()
				if cerr := f.Close(); cerr != nil {
					b.Fatal(cerr)
				}
				b.StartTimer()
				if err != nil {
					b.Fatal(err)
				}
				ms = append(ms, r.Measure)
			}
			report(b, ms)
		})
	}
}

// BenchmarkRealistic is the realistic profile (ProfileRealistic: bwcli
// takes 3 s to start, 100 ms per command, 30 s application restart) on 100
// hosts at the default parallelism: the plan, then the CAP change applied
// in rolling batches of 50, as `bwstate apply PLANFILE` does (every host
// connected to again) and as `bwstate apply` does (the first batch keeps
// its plan's sessions): the difference is the saving. About three minutes;
// skipped under -short.
//
//	go test -run '^$' -bench BenchmarkRealistic -benchtime 1x -timeout 30m ./internal/fleetbench/
func BenchmarkRealistic(b *testing.B) {
	if testing.Short() {
		b.Skip("the realistic profile takes minutes")
	}
	const hosts, batch = 100, 50
	f, err := Start(FleetOptions{Dir: b.TempDir(), Hosts: hosts, Latency: ProfileRealistic.Latency,
		BwcliDelay: ProfileRealistic.BwcliDelay, RestartDelay: ProfileRealistic.RestartDelay})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.Run("plan", func(b *testing.B) {
		var ms []Measure
		for b.Loop() {
			r, err := f.Plan(context.Background(), PlanOptions{})
			if err != nil {
				b.Fatal(err)
			}
			ms = append(ms, r.Measure)
		}
		report(b, ms)
	})
	for _, keep := range []bool{false, true} {
		name := "apply+restart/planfile"
		if keep {
			name = "apply+restart/kept"
		}
		b.Run(name, func(b *testing.B) {
			var ms []Measure
			var endToEnd time.Duration
			for b.Loop() {
				b.StopTimer()
				if err := f.Reset(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				r, err := f.Apply(context.Background(), ApplyOptions{Scenario: ScenarioRestart, BatchSize: batch, KeepSessions: keep})
				if err != nil {
					b.Fatal(err)
				}
				ms = append(ms, r.Measure)
				endToEnd += r.EndToEnd
				b.ReportMetric(float64(r.Commands.BWCLI), "bwcli-starts")
			}
			report(b, ms)
			b.ReportMetric(float64(endToEnd)/float64(len(ms)), "plan+apply-ns")
		})
	}
}
