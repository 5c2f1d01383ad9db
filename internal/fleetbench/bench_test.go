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

// BenchmarkPlanFleet plans 10, 100 and 1,000 hosts (20 ms per command) at
// parallelism 20 and 100, with the real engine and provider against the
// in-process simulator. 1,000 hosts are skipped under -short.
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
			for _, par := range []int{20, 100} {
				b.Run(fmt.Sprintf("parallelism=%d", par), func(b *testing.B) {
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

// BenchmarkApplyFleet applies 100 hosts: without restart (SNMP port and a
// management access row, parallelism 20), and with a restart of
// OpenClientServer in batches of 10 with a 1 s restart delay. Each run
// gets a fresh fleet, started and planned outside the measurement.
//
//	go test -run '^$' -bench BenchmarkApplyFleet -benchtime 1x ./internal/fleetbench/
func BenchmarkApplyFleet(b *testing.B) {
	cases := []struct {
		name string
		opts ApplyOptions
	}{
		{"no-restart/hosts=100", ApplyOptions{Scenario: ScenarioNoRestart, Parallelism: 20}},
		{"restart/hosts=100/batch=10", ApplyOptions{Scenario: ScenarioRestart, Parallelism: 20, BatchSize: 10}},
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
