package fleetbench

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/bwstate/bwstate/internal/fdlimit"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
)

// Defaults for FleetOptions fields left zero.
const (
	// DefaultFirstIP is where the fleet's addresses start; 1,000 hosts take
	// 127.0.1.1 .. 127.0.4.232, the range the simulator's own fleet
	// benchmark uses (simtest never hands out 127.0.x.y).
	DefaultFirstIP = "127.0.1.1"
	// Release is every simulated host's release: 22.0, so a CAPProxy left
	// enabled is the founding case (advisory, alarm, restart to disable).
	Release = "Rel_22.0_1.1123"
)

// startAttempts is how often Start picks a new port when one of the
// fleet's addresses already has the picked port in use (another process
// may serve the same loopback range).
const startAttempts = 5

// FleetOptions configure Start.
type FleetOptions struct {
	// Dir receives the simulator's state (keys, known_hosts, commands.log),
	// the generated configurations and one journal per apply. Required.
	Dir string
	// Hosts is the number of simulated XSP hosts, named xsp0001, xsp0002...
	Hosts int
	// Latency is the simulator's per-command latency (fault `latency`),
	// waited before every reply, as a distant server would.
	Latency time.Duration
	// RestartDelay is how long a restarted application stays Starting.
	// Zero starts it at once.
	RestartDelay time.Duration
	// BwcliDelay is how long bwcli takes to start (fault bwcli_delay),
	// as a real server's JVM does.
	BwcliDelay time.Duration
	// FirstIP is the first host's loopback address (DefaultFirstIP when
	// empty); host i listens on FirstIP + i, every host on the same port.
	FirstIP string
}

// Fleet is a running simulated fleet plus what it takes to plan and apply
// against it. Its methods must not run concurrently: each measures the
// whole process.
type Fleet struct {
	opts  FleetOptions
	sim   *sim.Fleet
	addrs []string // host:port per host, in host order
	names []string
	// fileLimit says what Start did to RLIMIT_NOFILE, for the report.
	fileLimit string
}

// Start serves opts.Hosts simulated XSP hosts on consecutive loopback
// addresses. Each host has CAPProxy enabled (so the CAP alarm is raised),
// the SNMP agent on its default port 8001, and one management access row
// (10.9.0.5, "NOC").
func Start(opts FleetOptions) (*Fleet, error) {
	if opts.Dir == "" {
		return nil, errors.New("fleetbench: FleetOptions.Dir is required")
	}
	if opts.Hosts < 1 {
		return nil, fmt.Errorf("fleetbench: at least one host is needed, got %d", opts.Hosts)
	}
	if opts.Latency < 0 || opts.RestartDelay < 0 || opts.BwcliDelay < 0 {
		return nil, errors.New("fleetbench: latency, restart delay and bwcli delay cannot be negative")
	}
	if opts.FirstIP == "" {
		opts.FirstIP = DefaultFirstIP
	}
	ips, err := hostIPs(opts.FirstIP, opts.Hosts)
	if err != nil {
		return nil, fmt.Errorf("fleetbench: %w", err)
	}
	// Each host has a listener, and every session in flight holds a client
	// and a server socket; keys, logs and the journal need a few more.
	limit, err := fdlimit.Ensure(uint64(3*opts.Hosts + 256))
	if err != nil {
		return nil, fmt.Errorf("fleetbench: %d hosts: %w", opts.Hosts, err)
	}
	f := &Fleet{opts: opts}
	if limit.RaisedFrom != 0 {
		f.fileLimit = limit.String()
	}
	for i := range opts.Hosts {
		f.names = append(f.names, fmt.Sprintf("xsp%04d", i+1))
	}
	var lastErr error
	for range startAttempts {
		port, err := freePort(ips[0])
		if err != nil {
			return nil, fmt.Errorf("fleetbench: %w", err)
		}
		lab := &sim.Lab{}
		f.addrs = f.addrs[:0]
		for i, ip := range ips {
			addr := net.JoinHostPort(ip, port)
			f.addrs = append(f.addrs, addr)
			lab.Hosts = append(lab.Hosts, &sim.HostConfig{
				Name:         f.names[i],
				Listen:       addr,
				Type:         "xsp",
				Release:      Release,
				RestartDelay: opts.RestartDelay,
				Contexts:     map[string]map[string]string{capPath: {"enabled": "true"}},
				Tables:       map[string][]map[string]string{malPath: {{"host": "10.9.0.5", "description": "NOC"}}},
				Faults:       sim.Faults{Latency: opts.Latency, BwcliDelay: opts.BwcliDelay},
			})
		}
		s, err := sim.Start(lab, sim.Options{StateDir: filepath.Join(opts.Dir, "lab")})
		if err == nil {
			f.sim = s
			return f, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("fleetbench: serve %d hosts: %w", opts.Hosts, lastErr)
}

// Reset puts every host back in its starting state (CAPProxy enabled, the
// SNMP agent on 8001, one management access row), so that another apply
// has the same work to do. Restart counts and the command log stay.
func (f *Fleet) Reset() error {
	for _, h := range f.sim.Hosts() {
		if err := h.SetValue(capPath, "enabled", "true"); err != nil {
			return fmt.Errorf("fleetbench: reset %s: %w", h.Name(), err)
		}
		if err := h.SetValue(snmpPath, "port", "8001"); err != nil {
			return fmt.Errorf("fleetbench: reset %s: %w", h.Name(), err)
		}
		if err := h.SetRows(malPath, []map[string]string{{"host": "10.9.0.5", "description": "NOC"}}); err != nil {
			return fmt.Errorf("fleetbench: reset %s: %w", h.Name(), err)
		}
	}
	return nil
}

// Close stops the simulated fleet.
func (f *Fleet) Close() error { return f.sim.Close() }

// Sim is the simulated fleet, for checks a caller wants to make itself.
func (f *Fleet) Sim() *sim.Fleet { return f.sim }

// Hosts is the number of hosts.
func (f *Fleet) Hosts() int { return len(f.names) }

// FileLimit describes what Start did to RLIMIT_NOFILE: "" when the limit
// was already high enough, otherwise what it raised.
func (f *Fleet) FileLimit() string { return f.fileLimit }

// hostIPs returns n consecutive addresses from first, all in 127.0.0.0/8
// (Linux routes the whole block to the loopback interface, so no address
// needs configuring).
func hostIPs(first string, n int) ([]string, error) {
	a, err := netip.ParseAddr(first)
	if err != nil || !a.Is4() {
		return nil, fmt.Errorf("first address %q is not an IPv4 address", first)
	}
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	if !loopback.Contains(a) {
		return nil, fmt.Errorf("first address %s is not a loopback address (127.0.0.0/8)", first)
	}
	ips := make([]string, 0, n)
	for i := range n {
		if !loopback.Contains(a) || a == netip.MustParseAddr("127.255.255.255") {
			return nil, fmt.Errorf("%d hosts from %s do not fit in 127.0.0.0/8 (host %d would be %s)", n, first, i+1, a)
		}
		ips = append(ips, a.String())
		a = a.Next()
	}
	return ips, nil
}

// freePort returns a port that is free on ip right now.
func freePort(ip string) (string, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return "", fmt.Errorf("pick a port on %s: %w", ip, err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("pick a port on %s: %w", ip, err)
	}
	return port, nil
}

// newRunDir makes a fresh directory under the fleet's for one run's
// configuration and journal.
func (f *Fleet) newRunDir(kind string) (string, error) {
	if err := os.MkdirAll(f.opts.Dir, 0o700); err != nil {
		return "", err
	}
	return os.MkdirTemp(f.opts.Dir, kind+"-")
}

// Profile is how fast the simulated servers are.
type Profile struct {
	Name string
	// Latency is waited before every reply; BwcliDelay before bwcli's
	// banner; RestartDelay is how long a restarted application stays
	// Starting.
	Latency, BwcliDelay, RestartDelay time.Duration
}

// Profiles of the fleet benchmark.
var (
	// ProfileFast is a fast network and servers that answer at once: the
	// round trips and the controller's own costs show.
	ProfileFast = Profile{Name: "fast", Latency: 20 * time.Millisecond, RestartDelay: time.Second}
	// ProfileRealistic is close to real servers: bwcli, a JVM, takes 3 s
	// to start, every command 100 ms (a distant site, the CLI's own
	// work), and an application 30 s to restart.
	ProfileRealistic = Profile{Name: "realistic", Latency: 100 * time.Millisecond, BwcliDelay: 3 * time.Second, RestartDelay: 30 * time.Second}
)
