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

// Name is how a report names the run: apply, apply+restart, and "kept"
// when the plan's sessions were kept for it.
func (a *ApplyResult) Name() string {
	name := "apply"
	if a.RestartHosts > 0 {
		name = "apply+restart"
	}
	if a.Kept.Kept > 0 {
		name += " kept"
	}
	return name
}

// WriteTable prints one row per run (wall, bound, ratio, commands and
// round trips per host, connect, CPU, heap, open files), a line per run
// breaking its commands and phases down, and a note for every ratio above
// MaxRatio.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\thosts\tpar\tbatch\tlatency\tbwcli\twall\tbound\tratio\tcmds/host\trt/host\tconnect\topen mean\tcpu\tcores used\tmachine busy\theap base\theap peak\trss peak\tfiles")
	row := func(name string, m *Measure, batch string) {
		ratio := fmt.Sprintf("%.2f", m.Ratio())
		if !m.WithinBound() {
			ratio += " *"
		}
		busy := "-"
		if m.CPUs > 0 && m.MachineBusy > 0 {
			busy = fmt.Sprintf("%.0f%% of %d", 100*m.MachineBusy, m.CPUs)
		}
		files := "-"
		if m.PeakFiles > 0 {
			files = fmt.Sprintf("+%d", m.PeakFiles-m.BaseFiles)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\t%s\n",
			name, m.Hosts, m.Parallelism, batch, dur(m.Latency), dur(m.BwcliDelay), dur(m.Wall), dur(m.Bound), ratio,
			trimFloat(m.Commands.PerHost(m.Commands.Total())), trimFloat(m.Commands.PerHost(m.Commands.RoundTrips())),
			dur(m.Connect), dur(m.OpenMean), dur(m.CPU), cpuShare(m), busy, mb(m.BaseHeap), mb(m.PeakHeap), mb(m.PeakRSS), files)
	}
	for _, p := range r.Plans {
		row("plan", &p.Measure, "-")
	}
	for _, a := range r.Applies {
		batch := "-"
		if a.RestartHosts > 0 {
			batch = strconv.Itoa(a.BatchSize)
		}
		row(a.Name(), &a.Measure, batch)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	over := false
	open := func(m *Measure) string {
		if m.BwcliDelay > 0 {
			return fmt.Sprintf("%s connect + %s bwcli start", dur(m.Connect), dur(m.BwcliDelay))
		}
		return dur(m.Connect) + " connect"
	}
	for _, p := range r.Plans {
		fmt.Fprintf(&b, "\nplan (%d hosts, parallelism %d): %s; %d sessions, bwcli started %d times; %d changes, %d restarts planned; open max %s\n",
			p.Hosts, p.Parallelism, p.Commands.Breakdown(), p.Sessions, p.Commands.BWCLI, p.Changes, p.Restarts, dur(p.OpenMax))
		fmt.Fprintf(&b, "  one host's read pass mean %s max %s\n", dur(p.HostMean), dur(p.HostMax))
		fmt.Fprintf(&b, "  bound = ceil(%d/%d) x (%s + %d round trips x %s)\n",
			p.Hosts, p.Parallelism, open(&p.Measure), p.Commands.MaxRoundTrips, dur(p.Latency))
		over = over || !p.WithinBound()
	}
	for _, a := range r.Applies {
		how := fmt.Sprintf("%d hosts, parallelism %d", a.Hosts, a.Parallelism)
		if a.RestartHosts > 0 {
			how += fmt.Sprintf(", batch size %d", a.BatchSize)
		}
		fmt.Fprintf(&b, "\n%s %s (%s): %s; %d sessions opened, bwcli started %d times; plan before it %s; plan and apply %s\n",
			a.Name(), a.Scenario, how, a.Commands.Breakdown(), a.Sessions, a.Commands.BWCLI, dur(a.PlanWall), dur(a.EndToEnd))
		if a.Kept.Kept > 0 {
			fmt.Fprintf(&b, "  plan's sessions: %d kept, %d used by the apply, %d replaced, %d closed unused\n",
				a.Kept.Kept, a.Kept.Reused, a.Kept.Reopened, a.Kept.Closed)
		}
		fmt.Fprintf(&b, "  set phase (connected to read back) mean %s max %s; open mean %s max %s\n",
			dur(a.SetPhaseMean), dur(a.SetPhaseMax), dur(a.OpenMean), dur(a.OpenMax))
		if a.RestartHosts > 0 {
			fmt.Fprintf(&b, "  restart to healthy mean %s max %s (restart delay %s)\n",
				dur(a.RestartToHealthyMean), dur(a.RestartToHealthyMax), dur(a.RestartDelay))
			fmt.Fprintf(&b, "  bound = %d batches x (%s + %d round trips x %s + restartbw %s + delay %s + healthmon and showrun 2 x %s)",
				a.Batches, open(&a.Measure), a.Commands.MaxBeforeRestart, dur(a.Latency), dur(a.Latency), dur(a.RestartDelay), dur(a.Latency))
			if a.Kept.Reused > 0 {
				b.WriteString("; hosts with a kept session open in no time")
			}
			b.WriteString("\n")
		}
		if a.PlainHosts > 0 {
			fmt.Fprintf(&b, "  bound = ceil(%d/%d) x (%s + %d round trips x %s)\n",
				a.PlainHosts, a.Parallelism, open(&a.Measure), a.Commands.MaxRoundTrips, dur(a.Latency))
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
