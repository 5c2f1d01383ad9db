package fleetbench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is a set of runs to print together.
type Report struct {
	Plans   []*PlanResult
	Applies []*ApplyResult
}

// WriteTable prints one row per run (wall, bound, ratio, commands per host,
// connect, CPU, heap), a line per run breaking its commands and phases
// down, and a note for every ratio above MaxRatio.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\thosts\tpar\tbatch\tlatency\twall\tbound\tratio\tcmds/host\tconnect\topen mean\tcpu\tcores used\tmachine busy\theap base\theap peak\trss peak")
	row := func(name string, m *Measure, batch string) {
		ratio := fmt.Sprintf("%.2f", m.Ratio())
		if !m.WithinBound() {
			ratio += " *"
		}
		busy := "-"
		if m.CPUs > 0 && m.MachineBusy > 0 {
			busy = fmt.Sprintf("%.0f%% of %d", 100*m.MachineBusy, m.CPUs)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\n",
			name, m.Hosts, m.Parallelism, batch, dur(m.Latency), dur(m.Wall), dur(m.Bound), ratio,
			trimFloat(m.Commands.PerHost(m.Commands.Total())), dur(m.Connect), dur(m.OpenMean), dur(m.CPU),
			cpuShare(m), busy, mb(m.BaseHeap), mb(m.PeakHeap), mb(m.PeakRSS))
	}
	for _, p := range r.Plans {
		row("plan", &p.Measure, "-")
	}
	for _, a := range r.Applies {
		name := "apply"
		batch := "-"
		if a.RestartHosts > 0 {
			name, batch = "apply+restart", strconv.Itoa(a.BatchSize)
		}
		row(name, &a.Measure, batch)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	over := false
	for _, p := range r.Plans {
		fmt.Fprintf(&b, "\nplan (%d hosts, parallelism %d): %s; %d sessions; %d changes, %d restarts planned; open max %s\n",
			p.Hosts, p.Parallelism, p.Commands.Breakdown(), p.Sessions, p.Changes, p.Restarts, dur(p.OpenMax))
		fmt.Fprintf(&b, "  one host's read pass mean %s max %s\n", dur(p.HostMean), dur(p.HostMax))
		fmt.Fprintf(&b, "  bound = ceil(%d/%d) x (%s connect + %d commands x %s)\n",
			p.Hosts, p.Parallelism, dur(p.Connect), p.Commands.MaxPerHost, dur(p.Latency))
		over = over || !p.WithinBound()
	}
	for _, a := range r.Applies {
		how := fmt.Sprintf("%d hosts, parallelism %d", a.Hosts, a.Parallelism)
		if a.RestartHosts > 0 {
			how += fmt.Sprintf(", batch size %d", a.BatchSize)
		}
		fmt.Fprintf(&b, "\napply %s (%s): %s; %d sessions; plan before it %s\n",
			a.Scenario, how, a.Commands.Breakdown(), a.Sessions, dur(a.PlanWall))
		fmt.Fprintf(&b, "  set phase (connected to read back) mean %s max %s; open mean %s max %s\n",
			dur(a.SetPhaseMean), dur(a.SetPhaseMax), dur(a.OpenMean), dur(a.OpenMax))
		if a.RestartHosts > 0 {
			fmt.Fprintf(&b, "  restart to healthy mean %s max %s (restart delay %s)\n",
				dur(a.RestartToHealthyMean), dur(a.RestartToHealthyMax), dur(a.RestartDelay))
			fmt.Fprintf(&b, "  bound = %d batches x (%s connect + %d commands x %s + restartbw %s + delay %s + healthmon and showrun 2 x %s)\n",
				a.Batches, dur(a.Connect), a.Commands.MaxBeforeRestart, dur(a.Latency), dur(a.Latency), dur(a.RestartDelay), dur(a.Latency))
		}
		if a.PlainHosts > 0 {
			fmt.Fprintf(&b, "  bound = ceil(%d/%d) x (%s connect + %d commands x %s)\n",
				a.PlainHosts, a.Parallelism, dur(a.Connect), a.Commands.MaxPerHost, dur(a.Latency))
		}
		over = over || !a.WithinBound()
	}
	if over {
		fmt.Fprintf(&b, "\n* wall time above %.1fx the bound\n", MaxRatio)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cpuShare is CPU time over wall time: the cores the process kept busy
// on average (2.0 is both of two cores).
func cpuShare(m *Measure) float64 {
	if m.Wall <= 0 {
		return 0
	}
	return m.CPU.Seconds() / m.Wall.Seconds()
}

// dur rounds a duration for a table: 3 significant digits.
func dur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// mb formats bytes as MB with one decimal ("-" when unknown).
func mb(n uint64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
