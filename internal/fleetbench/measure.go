package fleetbench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
)

// MaxRatio is the acceptance: wall time within 1.5 times the bound.
const MaxRatio = 1.5

// DefaultSampleEvery is how often the heap is sampled during a run.
// runtime.ReadMemStats stops the world for a few microseconds; every 20 ms
// costs well under 0.1% and still catches the peak of a run that lasts
// seconds.
const DefaultSampleEvery = 20 * time.Millisecond

// calibrationSessions is how many sessions are opened one after another,
// on an otherwise idle process, to measure the connect time of the bound.
const calibrationSessions = 5

// Measure is what every run reports.
type Measure struct {
	Hosts       int
	Parallelism int
	Latency     time.Duration
	// BwcliDelay is how long each simulated bwcli takes to start.
	BwcliDelay time.Duration
	// Wall is the time plan.Run or apply.Run took (configuration loading
	// and, for an apply, the plan before it excluded).
	Wall time.Duration
	// CPU is the process's user plus system time during the run: client
	// and simulator together (0 where the OS does not report it).
	CPU time.Duration
	// MachineBusy is the fraction of all the machine's CPUs busy during
	// the run, this process and any other (0 when unknown); CPUs is how
	// many there are. On a shared machine, MachineBusy x CPUs x Wall - CPU
	// is what other processes took.
	MachineBusy float64
	CPUs        int
	// Connect is the median time of Provider.Open (TCP, SSH handshake,
	// PTY shell, first prompt) over sessions opened one at a time just
	// before the run: the uncontended connect of the bound.
	Connect time.Duration
	// OpenMean and OpenMax are Provider.Open during the run, when up to
	// Parallelism handshakes compete for the CPU.
	OpenMean, OpenMax time.Duration
	// Sessions is how many times Provider.Open was called during the run.
	Sessions int
	// Commands are what the simulated hosts received during the run.
	Commands Commands
	// Bound is the ideal wall time the ratio compares with (see Plan and
	// Apply for the formula of each).
	Bound time.Duration
	// BaseHeap is HeapInuse after a collection just before the run (the
	// idle fleet); PeakHeap the highest HeapInuse sampled during it.
	BaseHeap, PeakHeap uint64
	// PeakRSS is the process's VmHWM since just before the run (0 when
	// unknown).
	PeakRSS uint64
	// BaseFiles and PeakFiles are the process's open files before the run
	// and the most sampled during it (0 when unknown). Client and
	// simulator share the process: each session in flight holds two
	// sockets here (one on each end), and a controller one.
	BaseFiles, PeakFiles int
}

// Ratio is Wall / Bound.
func (m *Measure) Ratio() float64 {
	if m.Bound <= 0 {
		return 0
	}
	return float64(m.Wall) / float64(m.Bound)
}

// WithinBound reports whether the run met the 1.5x acceptance.
func (m *Measure) WithinBound() bool { return m.Ratio() <= MaxRatio }

// Commands counts what the simulated hosts received, by kind, summed over
// the hosts that received anything. A command is a round trip unless it
// came on the line of the one before it (the y of exit;y): the client
// waits for one reply (and the latency) per line.
type Commands struct {
	// Hosts is how many hosts received at least one command.
	Hosts int
	// Session: bwcli, and the exit with its confirmation `y`.
	Session int
	// BWCLI is how many times bwcli was started (part of Session).
	BWCLI int
	// Facts: bwshowver and the alarms list.
	Facts int
	// Navigate: cd.
	Navigate int
	// Read: get before the session's first write (a plan's reads, an
	// apply's stale check).
	Read int
	// Write: set, add, delete, clear.
	Write int
	// ReadBack: get after a write (an apply's verification).
	ReadBack int
	// PreRestart: showrun or healthmon -l before the host's first
	// restartbw (the provider checks the application is there).
	PreRestart int
	// Restart: restartbw.
	Restart int
	// Health: healthmon -l and showrun after a restartbw (health polls).
	Health int
	// Queued counts the commands that cost no round trip of their own.
	Queued int
	// Other lists distinct commands of no kind above, as received.
	Other []string
	// MinPerHost and MaxPerHost are the fewest and most commands one host
	// received; MaxRoundTrips the most round trips, MaxBeforeRestart the
	// most round trips before its first restartbw.
	MinPerHost, MaxPerHost, MaxRoundTrips, MaxBeforeRestart int
	otherCount                                              int
	// hosts are the counts per host.
	hosts map[string]*hostCount
}

// hostCount is what one host received.
type hostCount struct {
	total, roundTrips, beforeRestart int
	wrote, restarted                 bool
}

// Total is every command received.
func (c *Commands) Total() int {
	return c.Session + c.Facts + c.Navigate + c.Read + c.Write + c.ReadBack + c.PreRestart + c.Restart + c.Health + c.otherCount
}

// RoundTrips is every command received less those queued on a line.
func (c *Commands) RoundTrips() int { return c.Total() - c.Queued }

// PerHost is a count divided by the hosts that received commands.
func (c *Commands) PerHost(n int) float64 {
	if c.Hosts == 0 {
		return 0
	}
	return float64(n) / float64(c.Hosts)
}

// Breakdown describes the commands per host in words, e.g.
// "10 per host, 9 round trips: 3 session (bwcli, exit, y), 1 facts, ...".
func (c *Commands) Breakdown() string {
	parts := []string{}
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, trimFloat(c.PerHost(n))+" "+what)
		}
	}
	add(c.Session, "session (bwcli, exit, y)")
	add(c.Facts, "facts (bwshowver, list)")
	add(c.Navigate, "cd")
	add(c.Read, "get")
	add(c.Write, "write")
	add(c.ReadBack, "read-back get")
	add(c.PreRestart, "showrun before restart")
	add(c.Restart, "restartbw")
	add(c.Health, "health (healthmon, showrun)")
	add(c.otherCount, "other")
	per := trimFloat(c.PerHost(c.Total()))
	if c.MinPerHost != c.MaxPerHost {
		per = fmt.Sprintf("%s (%d..%d)", per, c.MinPerHost, c.MaxPerHost)
	}
	s := per + " per host, " + trimFloat(c.PerHost(c.RoundTrips())) + " round trips: " + strings.Join(parts, ", ")
	if len(c.Other) > 0 {
		s += "; other: " + strings.Join(c.Other, " | ")
	}
	return s
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}

// countCommands classifies cmds (in the order received) per host.
func countCommands(cmds []sim.Command) Commands {
	c := Commands{hosts: map[string]*hostCount{}}
	other := map[string]bool{}
	for _, cmd := range cmds {
		h := c.hosts[cmd.Host]
		if h == nil {
			h = &hostCount{}
			c.hosts[cmd.Host] = h
		}
		h.total++
		line := strings.TrimSpace(cmd.Line)
		word := strings.ToLower(line)
		if i := strings.IndexAny(word, " \t"); i >= 0 {
			word = word[:i]
		}
		kind := ""
		switch cmd.Kind {
		case "shell":
			switch word {
			case "bwcli":
				kind = "session"
				c.BWCLI++
			case "exit", "logout":
				kind = "session"
			case "bwshowver":
				kind = "facts"
			case "restartbw":
				kind = "restart"
			case "healthmon", "showrun":
				kind = "health"
			}
		case "cli":
			switch word {
			case "exit", "y", "yes":
				kind = "session"
			case "list":
				kind = "facts"
			case "cd":
				kind = "navigate"
			case "get":
				kind = "read"
				if h.wrote {
					kind = "readback"
				}
			case "set", "add", "delete", "del", "clear":
				kind = "write"
				h.wrote = true
			}
		}
		switch kind {
		case "session":
			c.Session++
		case "facts":
			c.Facts++
		case "navigate":
			c.Navigate++
		case "read":
			c.Read++
		case "readback":
			c.ReadBack++
		case "write":
			c.Write++
		case "restart":
			c.Restart++
			h.restarted = true
		case "health":
			if h.restarted {
				c.Health++
			} else {
				c.PreRestart++
			}
		default:
			c.otherCount++
			other[cmd.Kind+" "+line] = true
		}
		if cmd.Queued {
			c.Queued++
			continue
		}
		h.roundTrips++
		if !h.restarted {
			h.beforeRestart++ // restartbw itself is not before the restart
		}
	}
	c.Hosts = len(c.hosts)
	first := true
	for _, h := range c.hosts {
		if first || h.total < c.MinPerHost {
			c.MinPerHost = h.total
		}
		c.MaxPerHost = max(c.MaxPerHost, h.total)
		c.MaxRoundTrips = max(c.MaxRoundTrips, h.roundTrips)
		c.MaxBeforeRestart = max(c.MaxBeforeRestart, h.beforeRestart)
		first = false
	}
	for o := range other {
		c.Other = append(c.Other, o)
	}
	slices.Sort(c.Other)
	return c
}

// ceilDiv is ceil(a / b) for positive b.
func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

// PlanBound is the bound for a plan: ceil(hosts / parallelism)
// rounds, each one host's opening (connect + bwcli start) plus its round
// trips, each waiting the latency.
func PlanBound(hosts, parallelism int, open time.Duration, roundTrips int, latency time.Duration) time.Duration {
	if parallelism < 1 {
		parallelism = 1
	}
	return time.Duration(ceilDiv(hosts, parallelism)) * (open + time.Duration(roundTrips)*latency)
}

// BoundHost is one host of an apply, for ApplyBound.
type BoundHost struct {
	// Open is its connect plus bwcli start, or 0 for a session kept from
	// the plan.
	Open time.Duration
	// RoundTrips are its round trips: all of them for a host without
	// restart, those before its restartbw for one that restarts.
	RoundTrips int
	// Restarts is set for a host that restarts in a rolling batch.
	Restarts bool
}

// ApplyBound is the bound for an apply of hosts (in plan order). Hosts
// without restarts go first, parallelism at a time: each round takes its
// slowest host's opening plus round trips x latency. Then each rolling
// batch of batchSize restarting hosts takes its slowest host's opening and
// round trips before restartbw, the restart (restartbw's latency plus
// restartDelay) and the health check that finds it running (healthmon and
// showrun: two latencies). Polls that find it still starting are not in
// the bound: they are the price of polling, which the ratio shows.
func ApplyBound(hosts []BoundHost, parallelism, batchSize int, latency, restartDelay time.Duration) time.Duration {
	if parallelism < 1 {
		parallelism = 1
	}
	if batchSize < 1 {
		batchSize = 1
	}
	var plain, restart []BoundHost
	for _, h := range hosts {
		if h.Restarts {
			restart = append(restart, h)
		} else {
			plain = append(plain, h)
		}
	}
	slowest := func(hs []BoundHost) time.Duration {
		var d time.Duration
		for _, h := range hs {
			d = max(d, h.Open+time.Duration(h.RoundTrips)*latency)
		}
		return d
	}
	var total time.Duration
	for len(plain) > 0 {
		n := min(parallelism, len(plain))
		total += slowest(plain[:n])
		plain = plain[n:]
	}
	for len(restart) > 0 {
		n := min(batchSize, len(restart))
		total += slowest(restart[:n]) + latency + restartDelay + 2*latency
		restart = restart[n:]
	}
	return total
}

// heapSampler records the peak HeapInuse and the most open files until
// stopped.
type heapSampler struct {
	stop      chan struct{}
	done      chan struct{}
	peak      uint64
	peakFiles int
	n         int
}

// filesEvery is how many heap samples go by between two counts of open
// files, which read /proc/self/fd (thousands of entries at 1,000 hosts).
const filesEvery = 5

func startHeapSampler(every time.Duration) *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	s.sample()
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

// sample runs on the sampler's goroutine only (and once before it starts).
func (s *heapSampler) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.peak = max(s.peak, m.HeapInuse)
	if s.n%filesEvery == 0 {
		s.peakFiles = max(s.peakFiles, openFiles())
	}
	s.n++
}

// Stop ends sampling, takes a last sample and returns the peak.
func (s *heapSampler) Stop() uint64 {
	close(s.stop)
	<-s.done
	s.n = 0
	s.sample()
	return s.peak
}

// baseHeap is HeapInuse after a collection: what the idle fleet and the
// loaded configuration hold.
func baseHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// timedProvider times Provider.Open and counts sessions.
type timedProvider struct {
	p     engine.Provider
	mu    sync.Mutex
	opens []time.Duration
}

func (t *timedProvider) Open(ctx context.Context, h *engine.Host) (engine.Session, error) {
	start := time.Now()
	s, err := t.p.Open(ctx, h)
	d := time.Since(start)
	t.mu.Lock()
	t.opens = append(t.opens, d)
	t.mu.Unlock()
	return s, err
}

// stats returns the number, mean and maximum of the Open times.
func (t *timedProvider) stats() (n int, mean, maxD time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var sum time.Duration
	for _, d := range t.opens {
		sum += d
		maxD = max(maxD, d)
	}
	if len(t.opens) > 0 {
		mean = sum / time.Duration(len(t.opens))
	}
	return len(t.opens), mean, maxD
}

// calibrateConnect opens sessions to up to calibrationSessions hosts one
// after another and returns the median Open time. It also warms the
// provider's caches (client key, known_hosts), as the first hosts of a
// real run do.
func calibrateConnect(ctx context.Context, p engine.Provider, hosts []*engine.Host) (time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < len(hosts) && i < calibrationSessions; i++ {
		h := hosts[len(hosts)-1-i]
		start := time.Now()
		s, err := p.Open(ctx, h)
		if err != nil {
			return 0, fmt.Errorf("calibrate connect: host %s: %w", h.Name, err)
		}
		ds = append(ds, time.Since(start))
		if err := s.Close(); err != nil {
			return 0, fmt.Errorf("calibrate connect: host %s: close: %w", h.Name, err)
		}
	}
	if len(ds) == 0 {
		return 0, nil
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}
