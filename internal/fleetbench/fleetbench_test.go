package fleetbench

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bwstate/bwstate/engine/apply"
	"github.com/bwstate/bwstate/engine/sessions"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

const (
	testLatency      = 2 * time.Millisecond
	testRestartDelay = 50 * time.Millisecond
)

// startTestFleet serves n hosts from the test's own loopback address, so
// parallel test processes and the benchmarks' 127.0.x.y never collide.
func startTestFleet(t *testing.T, n int) *Fleet {
	t.Helper()
	f, err := Start(FleetOptions{
		Dir: t.TempDir(), Hosts: n, Latency: testLatency, RestartDelay: testRestartDelay,
		FirstIP: simtest.UniqueLoopbackIP(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	return f
}

// perHost is a Commands count per host, for comparing with what one host
// must receive.
type perHost struct {
	Session, Facts, Navigate, Read, Write, ReadBack, PreRestart, Restart float64
	Other                                                                []string
}

func countsPerHost(c Commands) perHost {
	return perHost{
		Session: c.PerHost(c.Session), Facts: c.PerHost(c.Facts), Navigate: c.PerHost(c.Navigate),
		Read: c.PerHost(c.Read), Write: c.PerHost(c.Write), ReadBack: c.PerHost(c.ReadBack),
		PreRestart: c.PerHost(c.PreRestart), Restart: c.PerHost(c.Restart), Other: c.Other,
	}
}

// TestPlanAndApply runs the three measured runs on a small fleet and
// checks what a reader of the numbers relies on: each run did its work
// (values set, one restart per host, on the simulator itself), the
// commands are counted per host by kind, the bound follows the issue's
// formula from those counts, and the wall time cannot beat the latency.
func TestPlanAndApply(t *testing.T) {
	const hosts = 3
	f := startTestFleet(t, hosts)
	ctx := context.Background()

	p, err := f.Plan(ctx, PlanOptions{Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("plan", func(t *testing.T) {
		// Facts (bwshowver: nothing uses the alarms), then CAPProxy, the
		// SNMP agent and the management access list, each read once (the
		// CAP advisory reuses the declared read).
		want := perHost{Session: 3, Facts: 1, Navigate: 3, Read: 3}
		if diff := cmp.Diff(want, countsPerHost(p.Commands), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("wrong commands per host (-want +got):\n%s", diff)
		}
		got := []int{p.Hosts, p.Sessions, p.Changes, p.Restarts, p.Commands.Hosts}
		if diff := cmp.Diff([]int{hosts, hosts, 3 * hosts, hosts, hosts}, got); diff != "" {
			t.Errorf("wrong hosts, sessions, changes, restarts, hosts with commands (-want +got):\n%s", diff)
		}
		// bwcli's exit;y is one round trip and two commands.
		if p.Commands.MaxRoundTrips != p.Commands.MaxPerHost-1 || p.Commands.Queued != hosts || p.Commands.BWCLI != hosts {
			t.Errorf("wrong round trips\ngot: %d per host of %d commands, %d queued, %d bwcli\nwant: one less than the commands, one queued and one bwcli per host",
				p.Commands.MaxRoundTrips, p.Commands.MaxPerHost, p.Commands.Queued, p.Commands.BWCLI)
		}
		checkMeasure(t, &p.Measure, 2)
		if want := PlanBound(hosts, 2, p.Connect, p.Commands.MaxRoundTrips, testLatency); p.Bound != want {
			t.Errorf("wrong bound\ngot: %v\nwant: %v", p.Bound, want)
		}
		// Two rounds (3 hosts, 2 at once), each host waiting its round
		// trips' latency in turn.
		if min := 2 * time.Duration(p.Commands.MaxRoundTrips) * testLatency; p.Wall < min {
			t.Errorf("wall time shorter than two rounds of latency\ngot: %v\nwant: >= %v", p.Wall, min)
		}
	})

	a, err := f.Apply(ctx, ApplyOptions{Scenario: ScenarioNoRestart, Parallelism: 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("apply without restart", func(t *testing.T) {
		for _, h := range f.Sim().Hosts() {
			port, _ := h.Value(snmpPath, "port")
			hasRow := slices.ContainsFunc(h.Rows(malPath), func(r map[string]string) bool { return r["host"] == malHost })
			if port != snmpPort || !hasRow || h.RestartCount(restartApp) != 0 {
				t.Errorf("host %s: wrong state after the apply\ngot: port %s, row %v, %d restarts\nwant: port %s, row true, 0 restarts",
					h.Name(), port, hasRow, h.RestartCount(restartApp), snmpPort)
			}
		}
		// Stale check and read-back of both contexts, one write each.
		if got := countsPerHost(a.Commands); got.Write != 2 || got.ReadBack != 2 || got.Read != 2 || got.Restart != 0 || got.Facts != 0 {
			t.Errorf("wrong commands per host\ngot: %+v\nwant: 2 get, 2 write, 2 read-back get, no facts, no restart", got)
		}
		if got := a.Result.Counts(); !cmp.Equal(got, map[apply.Outcome]int{apply.OutcomeChanged: hosts}) {
			t.Errorf("wrong outcomes\ngot: %v\nwant: %d changed", got, hosts)
		}
		got := []int{a.PlainHosts, a.RestartHosts, a.Batches, a.Sessions}
		if diff := cmp.Diff([]int{hosts, 0, 0, hosts}, got); diff != "" {
			t.Errorf("wrong plain hosts, restart hosts, batches, sessions (-want +got):\n%s", diff)
		}
		checkMeasure(t, &a.Measure, 20)
		one := BoundHost{Open: a.Connect, RoundTrips: a.Commands.MaxRoundTrips}
		if want := ApplyBound([]BoundHost{one, one, one}, 20, 1, testLatency, testRestartDelay); a.Bound != want {
			t.Errorf("wrong bound\ngot: %v\nwant: %v", a.Bound, want)
		}
	})

	r, err := f.Apply(ctx, ApplyOptions{Scenario: ScenarioRestart, Parallelism: 20, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("apply with restart", func(t *testing.T) {
		for _, h := range f.Sim().Hosts() {
			enabled, _ := h.Value(capPath, "enabled")
			if enabled != "false" || h.RestartCount(restartApp) != 1 || h.AppState(restartApp) != "Running" {
				t.Errorf("host %s: wrong state after the apply\ngot: enabled %s, %d restarts, %s\nwant: enabled false, 1 restart, Running",
					h.Name(), enabled, h.RestartCount(restartApp), h.AppState(restartApp))
			}
		}
		got := countsPerHost(r.Commands)
		if got.Write != 1 || got.ReadBack != 1 || got.Restart != 1 || r.Commands.Health < hosts {
			t.Errorf("wrong commands per host\ngot: %+v, %d health polls\nwant: 1 write, 1 read-back get, 1 restartbw, at least one poll per host", got, r.Commands.Health)
		}
		gotN := []int{r.PlainHosts, r.RestartHosts, r.Batches}
		if diff := cmp.Diff([]int{0, hosts, 2}, gotN); diff != "" {
			t.Errorf("wrong plain hosts, restart hosts, batches (-want +got):\n%s", diff)
		}
		// The two batches restart one after the other, each waiting for
		// health, so the run cannot be shorter than two restart delays.
		if r.Wall < 2*testRestartDelay || r.RestartToHealthyMean < testRestartDelay {
			t.Errorf("restarts not waited for\ngot: wall %v, restart to healthy %v\nwant: >= %v and >= %v",
				r.Wall, r.RestartToHealthyMean, 2*testRestartDelay, testRestartDelay)
		}
		checkMeasure(t, &r.Measure, 20)
		one := BoundHost{Open: r.Connect, RoundTrips: r.Commands.MaxBeforeRestart, Restarts: true}
		want := ApplyBound([]BoundHost{one, one, one}, 20, 2, testLatency, testRestartDelay)
		if r.Bound != want {
			t.Errorf("wrong bound\ngot: %v\nwant: %v", r.Bound, want)
		}
		if r.Commands.BWCLI != hosts || r.Kept.Kept != 0 {
			t.Errorf("wrong bwcli starts\ngot: %d, %d kept\nwant: %d, none kept (the plan closed its sessions)", r.Commands.BWCLI, r.Kept.Kept, hosts)
		}
	})

	// As `bwstate apply` without a plan file: the first batch (two hosts)
	// keeps its plan's sessions, so the apply starts bwcli on the third
	// host only.
	if err := f.Reset(); err != nil {
		t.Fatal(err)
	}
	k, err := f.Apply(ctx, ApplyOptions{Scenario: ScenarioRestart, Parallelism: 20, BatchSize: 2, KeepSessions: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("apply with kept sessions", func(t *testing.T) {
		if k.Commands.BWCLI != 1 || k.Sessions != 1 || k.Kept.Reused != 2 || k.Kept.Reopened != 0 {
			t.Errorf("wrong sessions\ngot: bwcli %d, %d opened, %+v\nwant: bwcli once, one session opened, the first batch's two kept and used",
				k.Commands.BWCLI, k.Sessions, k.Kept)
		}
		if k.EndToEnd < k.PlanWall+k.Wall || k.Name() != "apply+restart kept" {
			t.Errorf("wrong result\ngot: end to end %v, plan %v, apply %v, name %q", k.EndToEnd, k.PlanWall, k.Wall, k.Name())
		}
		// The kept hosts open in no time and skip bwcli: their batch is
		// bounded by their round trips alone.
		if k.Bound >= r.Bound {
			t.Errorf("wrong bound\ngot: %v, no less than without kept sessions (%v)", k.Bound, r.Bound)
		}
	})
}

// checkMeasure checks the fields every run fills in.
func checkMeasure(t *testing.T, m *Measure, par int) {
	t.Helper()
	if m.Parallelism != par || m.Latency != testLatency {
		t.Errorf("wrong parallelism, latency\ngot: %d, %v\nwant: %d, %v", m.Parallelism, m.Latency, par, testLatency)
	}
	if m.Wall <= 0 || m.Connect <= 0 || m.OpenMean <= 0 || m.OpenMax < m.OpenMean || m.BaseHeap == 0 || m.PeakHeap == 0 {
		t.Errorf("measure not filled in\ngot: %+v", m)
	}
	if m.Commands.MinPerHost != m.Commands.MaxPerHost && m.Commands.Health == 0 {
		t.Errorf("hosts of one scenario received different commands\ngot: %d..%d per host", m.Commands.MinPerHost, m.Commands.MaxPerHost)
	}
	if len(m.Commands.Other) > 0 {
		t.Errorf("unclassified commands\ngot: %q\nwant: none", m.Commands.Other)
	}
	if r := m.Ratio(); r != float64(m.Wall)/float64(m.Bound) {
		t.Errorf("wrong ratio\ngot: %v\nwant: %v", r, float64(m.Wall)/float64(m.Bound))
	}
}

// TestApplyFailedHost shows a run where a host fails is an error, not a
// measurement: a refused set must not yield a fast, wrong number.
func TestApplyFailedHost(t *testing.T) {
	f := startTestFleet(t, 2)
	f.Sim().Host("xsp0002").SetFaults(sim.Faults{Latency: testLatency, FailNextSet: sim.DefaultFailNextSetText})
	_, err := f.Apply(context.Background(), ApplyOptions{Scenario: ScenarioNoRestart})
	if err == nil || !strings.Contains(err.Error(), "1 of 2 hosts did not apply; first xsp0002: failed") {
		t.Errorf("wrong error\ngot: %v\nwant: 1 of 2 hosts did not apply; first xsp0002: failed...", err)
	}
}

func TestPlanBound(t *testing.T) {
	tests := map[string]struct {
		hosts, par, roundTrips int
		want                   time.Duration
	}{
		"one round":           {hosts: 10, par: 20, roundTrips: 12, want: 1*time.Millisecond + 12*20*time.Millisecond},
		"rounds round up":     {hosts: 101, par: 20, roundTrips: 12, want: 6 * (time.Millisecond + 240*time.Millisecond)},
		"1,000 at 100":        {hosts: 1000, par: 100, roundTrips: 12, want: 10 * 241 * time.Millisecond},
		"parallelism below 1": {hosts: 2, par: 0, roundTrips: 1, want: 2 * 21 * time.Millisecond},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := PlanBound(tc.hosts, tc.par, time.Millisecond, tc.roundTrips, 20*time.Millisecond)
			if got != tc.want {
				t.Errorf("wrong result\ngot: %v\nwant: %v", got, tc.want)
			}
		})
	}
}

func TestApplyBound(t *testing.T) {
	const (
		open  = 2 * time.Millisecond
		lat   = 20 * time.Millisecond
		delay = time.Second
	)
	n := func(count int, h BoundHost) []BoundHost {
		out := make([]BoundHost, count)
		for i := range out {
			out[i] = h
		}
		return out
	}
	plain := func(rt int) BoundHost { return BoundHost{Open: open, RoundTrips: rt} }
	restart := func(rt int) BoundHost { return BoundHost{Open: open, RoundTrips: rt, Restarts: true} }
	tests := map[string]struct {
		hosts      []BoundHost
		par, batch int
		want       time.Duration
	}{
		"no restart, 5 rounds": {hosts: n(100, plain(15)), par: 20, want: 5 * (open + 15*lat)},
		// Per batch: opening and round trips, restartbw, the delay,
		// healthmon + showrun.
		"10 batches of 10":   {hosts: n(100, restart(8)), batch: 10, want: 10 * (open + 8*lat + lat + delay + 2*lat)},
		"last batch partial": {hosts: n(11, restart(8)), batch: 10, want: 2 * (open + 8*lat + lat + delay + 2*lat)},
		"both": {hosts: append(n(3, plain(4)), restart(1)), par: 2, batch: 0,
			want: 2*(open+4*lat) + (open + lat + lat + delay + 2*lat)},
		// A kept session opens in no time: its batch takes its slowest
		// host, kept or not.
		"kept first batch": {hosts: []BoundHost{{RoundTrips: 6, Restarts: true}, {RoundTrips: 6, Restarts: true}, restart(8)}, batch: 2,
			want: (6*lat + lat + delay + 2*lat) + (open + 8*lat + lat + delay + 2*lat)},
		"a batch waits for its slowest": {hosts: []BoundHost{{RoundTrips: 6, Restarts: true}, restart(8)}, batch: 2,
			want: open + 8*lat + lat + delay + 2*lat},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := ApplyBound(tc.hosts, tc.par, tc.batch, lat, delay)
			if got != tc.want {
				t.Errorf("wrong result\ngot: %v\nwant: %v", got, tc.want)
			}
		})
	}
}

func TestCountCommands(t *testing.T) {
	cmd := func(host, kind, line string) sim.Command { return sim.Command{Host: host, Kind: kind, Line: line} }
	queued := func(host, kind, line string) sim.Command {
		return sim.Command{Host: host, Kind: kind, Line: line, Queued: true}
	}
	tests := map[string]struct {
		in   []sim.Command
		want Commands
	}{
		"plan of two hosts interleaved": {
			in: []sim.Command{
				cmd("a", "shell", "bwshowver"), cmd("b", "shell", "bwshowver"), cmd("a", "shell", "bwcli"),
				cmd("a", "cli", "cd /Monitoring/Alarm/AlarmsTable"), cmd("a", "cli", "list"), cmd("b", "shell", "bwcli"),
				cmd("a", "cli", "cd /Interface/SNMP/Agent"), cmd("a", "cli", "get"), cmd("a", "cli", "exit"), queued("a", "cli", "y"),
			},
			want: Commands{Hosts: 2, Session: 4, BWCLI: 2, Facts: 3, Navigate: 2, Read: 1, Queued: 1,
				MinPerHost: 2, MaxPerHost: 8, MaxRoundTrips: 7, MaxBeforeRestart: 7},
		},
		"gets after a write are read-backs": {
			in: []sim.Command{
				cmd("a", "cli", "get"), cmd("a", "cli", "set port 8161"), cmd("a", "cli", "get"),
				cmd("a", "cli", "add 10.9.0.77 description bench"), cmd("a", "cli", "GET"),
			},
			want: Commands{Hosts: 1, Read: 1, Write: 2, ReadBack: 2, MinPerHost: 5, MaxPerHost: 5, MaxRoundTrips: 5, MaxBeforeRestart: 5},
		},
		"showrun before restartbw is a check, after it a poll": {
			in: []sim.Command{
				cmd("a", "shell", "showrun"), cmd("a", "shell", "restartbw OpenClientServer"),
				cmd("a", "shell", "healthmon -l"), cmd("a", "shell", "healthmon -l"), cmd("a", "shell", "showrun"),
			},
			want: Commands{Hosts: 1, PreRestart: 1, Restart: 1, Health: 3, MinPerHost: 5, MaxPerHost: 5, MaxRoundTrips: 5, MaxBeforeRestart: 1},
		},
		"unknown commands are listed once": {
			in: []sim.Command{cmd("a", "cli", "tree"), cmd("b", "cli", "tree"), cmd("a", "shell", "uptime")},
			want: Commands{Hosts: 2, Other: []string{"cli tree", "shell uptime"}, otherCount: 3,
				MinPerHost: 1, MaxPerHost: 2, MaxRoundTrips: 2, MaxBeforeRestart: 2},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := countCommands(tc.in)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(Commands{}), cmpopts.IgnoreFields(Commands{}, "hosts"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStartRefuses(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]struct {
		opts FleetOptions
		want string
	}{
		"no directory":      {FleetOptions{Hosts: 1}, "Dir is required"},
		"no hosts":          {FleetOptions{Dir: dir}, "at least one host"},
		"negative latency":  {FleetOptions{Dir: dir, Hosts: 1, Latency: -time.Second}, "cannot be negative"},
		"not an address":    {FleetOptions{Dir: dir, Hosts: 1, FirstIP: "localhost"}, `first address "localhost" is not an IPv4 address`},
		"not loopback":      {FleetOptions{Dir: dir, Hosts: 1, FirstIP: "10.0.0.1"}, "first address 10.0.0.1 is not a loopback address"},
		"past the loopback": {FleetOptions{Dir: dir, Hosts: 10, FirstIP: "127.255.255.250"}, "host 6 would be 127.255.255.255"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := Start(tc.opts)
			if err == nil {
				f.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("wrong error\ngot: %v\nwant: ...%s...", err, tc.want)
			}
		})
	}
}

func TestHostIPs(t *testing.T) {
	tests := map[string]struct {
		first       string
		n           int
		first3      []string
		last        string
		wantErrText string
	}{
		// The simulator's own fleet benchmark uses this range.
		"1,000 from 127.0.1.1":        {first: "127.0.1.1", n: 1000, first3: []string{"127.0.1.1", "127.0.1.2", "127.0.1.3"}, last: "127.0.4.232"},
		"carries into the next octet": {first: "127.9.8.254", n: 3, first3: []string{"127.9.8.254", "127.9.8.255", "127.9.9.0"}, last: "127.9.9.0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := hostIPs(tc.first, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n || !cmp.Equal(got[:3], tc.first3) || got[len(got)-1] != tc.last {
				t.Errorf("wrong result\ngot: %d addresses, %v .. %s\nwant: %d, %v .. %s", len(got), got[:3], got[len(got)-1], tc.n, tc.first3, tc.last)
			}
		})
	}
}

func TestWriteTable(t *testing.T) {
	m := func(wall, bound time.Duration) Measure {
		return Measure{Hosts: 100, Parallelism: 20, Latency: 20 * time.Millisecond, Wall: wall, Bound: bound,
			Connect: 3 * time.Millisecond, CPU: 500 * time.Millisecond, CPUs: 2, MachineBusy: 0.5,
			Commands: Commands{Hosts: 100, Session: 300, Read: 300, Queued: 100, MinPerHost: 6, MaxPerHost: 6, MaxRoundTrips: 5}}
	}
	tests := map[string]struct {
		rep      Report
		want     []string
		wantNone []string
	}{
		"within the bound": {
			rep: Report{Plans: []*PlanResult{{Measure: m(1300*time.Millisecond, time.Second)}}},
			want: []string{"plan  100    20   -      20ms     0      1.3s  1s     1.30   6          5        3ms",
				"6 per host, 5 round trips: 3 session (bwcli, exit, y), 3 get", "bound = ceil(100/20) x (3ms connect + 5 round trips x 20ms)", "50% of 2"},
			wantNone: []string{"*"},
		},
		"above the bound is starred": {
			rep: Report{Applies: []*ApplyResult{{Measure: m(2*time.Second, time.Second), Scenario: ScenarioRestart,
				BatchSize: 10, RestartHosts: 100, Batches: 10, RestartDelay: time.Second}}},
			want: []string{"apply+restart", "2.00 *", "* wall time above 1.5x the bound",
				"bound = 10 batches x (3ms connect + 0 round trips x 20ms + restartbw 20ms + delay 1s + healthmon and showrun 2 x 20ms)"},
		},
		"bwcli start and kept sessions": {
			rep: Report{Applies: []*ApplyResult{{Measure: func() Measure { x := m(2*time.Second, 1900*time.Millisecond); x.BwcliDelay = 3 * time.Second; return x }(),
				Scenario: ScenarioRestart, BatchSize: 10, RestartHosts: 100, Batches: 10, RestartDelay: 30 * time.Second,
				Kept: sessions.Stats{Kept: 20, Reused: 10, Closed: 10}}}},
			want: []string{"apply+restart kept", "3ms connect + 3s bwcli start", "plan's sessions: 20 kept, 10 used by the apply, 0 replaced, 10 closed unused",
				"hosts with a kept session open in no time"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			if err := tc.rep.WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("wrong result\ngot:\n%s\nwant a line containing: %s", b.String(), w)
				}
			}
			for _, w := range tc.wantNone {
				if strings.Contains(b.String(), w) {
					t.Errorf("wrong result\ngot:\n%s\nwant nothing containing: %s", b.String(), w)
				}
			}
		})
	}
}
