package live

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/apply"
)

// clock is a settable clock for the trackers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 27, 10, 15, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

func TestShort(t *testing.T) {
	tests := map[time.Duration]string{
		0: "0s", 999 * time.Millisecond: "0s", 12 * time.Second: "12s", time.Minute: "1m", 80 * time.Second: "1m20s",
		10 * time.Minute: "10m", time.Hour: "1h", 65 * time.Minute: "1h5m", -time.Second: "0s",
	}
	for d, want := range tests {
		if got := short(d); got != want {
			t.Errorf("short(%s): wrong result\ngot: %q\nwant: %q", d, got, want)
		}
	}
	if got := eta(400 * time.Millisecond); got != "1s" {
		t.Errorf("eta(400ms): wrong result\ngot: %q\nwant: \"1s\"", got)
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"abcdef", 10, "abcdef"},
		{"abcdef", 6, "abcdef"},
		{"abcdef", 5, "abcd…"},
		{"xsp1 · done", 6, "xsp1 …"},
		{"abc", 1, "…"},
		{"abc", 0, "abc"},
	}
	for _, tc := range tests {
		if got := fit(tc.in, tc.width); got != tc.want {
			t.Errorf("fit(%q, %d): wrong result\ngot: %q\nwant: %q", tc.in, tc.width, got, tc.want)
		}
	}
}

// rollout drives an ApplyTracker through a run of one host without
// restarts and three restarting hosts in batches of 2 and 1, checking what
// the live area and the status line say at each moment.
func TestApplyTracker(t *testing.T) {
	c := newClock()
	tr := NewApplyTracker(c.now)
	type want struct {
		live   []string
		status string
	}
	check := func(step string, w want) {
		t.Helper()
		now := c.now()
		if d := cmp.Diff(w.live, tr.Live(now, 4)); d != "" {
			t.Errorf("%s: wrong live area (-want +got):\n%s", step, d)
		}
		if got := tr.Status(now); got != w.status {
			t.Errorf("%s: wrong status line\ngot: %q\nwant: %q", step, got, w.status)
		}
	}
	check("before the schedule", want{
		live:   []string{"starting · 0s elapsed"},
		status: "[  0.0s] starting",
	})

	// A host failed at plan time is reported before the schedule and is
	// not counted: the plan showed it.
	tr.Step(apply.Event{Host: "as1", Step: apply.StepFailed, Detail: "connect: refused"})
	tr.Scheduled(apply.Schedule{Parallel: []string{"xsp9"}, Parallelism: 20,
		Batches: [][]string{{"xsp1", "xsp2"}, {"xsp3"}}, HealthTimeout: 10 * time.Minute})
	tr.HostStarted(apply.HostStart{Host: "xsp9"})
	c.advance(1500 * time.Millisecond)
	tr.Step(apply.Event{Host: "xsp9", Step: apply.StepConnected})
	tr.Step(apply.Event{Host: "xsp9", Step: apply.StepSet, Detail: "set port = 8002"})
	check("hosts without restarts", want{
		live: []string{
			"hosts without restarts, 1 at once · 0/4 hosts done, 0 failed, 4 remaining · 1s elapsed",
			"  xsp9: setting values (1 set) 0s",
		},
		status: "[  1.5s] working on xsp9; hosts without restarts, 1 at once; 0/4 hosts done, 0 failed, 4 remaining",
	})
	c.advance(500 * time.Millisecond)
	tr.Step(apply.Event{Host: "xsp9", Step: apply.StepDone, Detail: "changed", Took: 2 * time.Second})

	tr.BatchStarted(apply.BatchStart{Number: 1, Of: 2, Hosts: []string{"xsp1", "xsp2"}})
	tr.HostStarted(apply.HostStart{Host: "xsp1"})
	tr.HostStarted(apply.HostStart{Host: "xsp2"})
	tr.Step(apply.Event{Host: "xsp1", Step: apply.StepRestarting, App: "OpenClientServer"})
	tr.HealthWait(apply.HealthWait{Host: "xsp1", App: "OpenClientServer", Timeout: 10 * time.Minute})
	c.advance(12 * time.Second)
	// No restarting host finished yet: no ETA.
	check("first batch, waiting", want{
		live: []string{
			"batch 1/2 · 1/4 hosts done, 0 failed, 3 remaining · 14s elapsed",
			"  xsp1: waiting for OpenClientServer to become healthy 12s/10m",
			"  xsp2: connecting 12s",
		},
		status: "[ 14.0s] waiting: xsp1 OpenClientServer healthy? 12s/10m; batch 1/2; 1/4 hosts done, 0 failed, 3 remaining",
	})
	c.advance(8 * time.Second)
	tr.Step(apply.Event{Host: "xsp1", Step: apply.StepHealthy, App: "OpenClientServer", Took: 20 * time.Second})
	tr.Step(apply.Event{Host: "xsp1", Step: apply.StepDone, Detail: "changed", Took: 20 * time.Second})
	// A measured restarting host: the batch in progress has 0s left of
	// a host's 20s (20s since it started), the next one 20s.
	check("first batch, one done", want{
		live: []string{
			"batch 1/2 · 2/4 hosts done, 0 failed, 2 remaining · 22s elapsed · ETA 20s",
			"  xsp2: connecting 20s",
		},
		status: "[ 22.0s] working on xsp2; batch 1/2; 2/4 hosts done, 0 failed, 2 remaining; ETA 20s",
	})
	tr.Step(apply.Event{Host: "xsp2", Step: apply.StepFailed, Detail: "connect: timeout"})
	tr.BatchStarted(apply.BatchStart{Number: 2, Of: 2, Hosts: []string{"xsp3"}})
	tr.HostStarted(apply.HostStart{Host: "xsp3"})
	c.advance(5 * time.Second)
	check("last batch", want{
		live: []string{
			"batch 2/2 · 2/4 hosts done, 1 failed, 1 remaining · 27s elapsed · ETA 15s",
			"  xsp3: connecting 5s",
		},
		status: "[ 27.0s] working on xsp3; batch 2/2; 2/4 hosts done, 1 failed, 1 remaining; ETA 15s",
	})
	tr.Step(apply.Event{Host: "xsp3", Step: apply.StepInterrupted, Detail: "stopped"})
	check("finished", want{
		live:   []string{"finishing · 2/4 hosts done, 2 failed, 0 remaining · 27s elapsed"},
		status: "[ 27.0s] finishing; 2/4 hosts done, 2 failed, 0 remaining",
	})
}

// The live area holds at most max lines: the hosts that do not fit are
// counted.
func TestApplyTrackerManyHosts(t *testing.T) {
	c := newClock()
	tr := NewApplyTracker(c.now)
	hosts := []string{"a", "b", "c", "d", "e"}
	tr.Scheduled(apply.Schedule{Parallelism: 2, Batches: [][]string{hosts}, HealthTimeout: time.Minute})
	tr.BatchStarted(apply.BatchStart{Number: 1, Of: 1, Hosts: hosts})
	for _, n := range hosts {
		tr.HostStarted(apply.HostStart{Host: n})
		c.advance(time.Second)
		tr.HealthWait(apply.HealthWait{Host: n, App: "X", Timeout: time.Minute})
	}
	want := []string{
		"batch 1/1 · 0/5 hosts done, 0 failed, 5 remaining · 5s elapsed",
		"  a: waiting for X to become healthy 4s/1m",
		"  b: waiting for X to become healthy 3s/1m",
		"  and 3 more hosts",
	}
	if d := cmp.Diff(want, tr.Live(c.now(), 4)); d != "" {
		t.Errorf("wrong live area (-want +got):\n%s", d)
	}
	if got, want := tr.Status(c.now()), "[  5.0s] waiting: a X healthy? 4s/1m, b X healthy? 3s/1m, c X healthy? 2s/1m and 2 more; batch 1/1; 0/5 hosts done, 0 failed, 5 remaining"; got != want {
		t.Errorf("wrong status line\ngot: %q\nwant: %q", got, want)
	}
	if got := tr.Live(c.now(), 1); len(got) != 1 {
		t.Errorf("wrong live area for 1 line: %q", got)
	}
}

func TestPlanTracker(t *testing.T) {
	c := newClock()
	tr := NewPlanTracker(c.now)
	if got, want := tr.Status(c.now()), "[  0.0s] starting"; got != want {
		t.Errorf("wrong status line before Reading\ngot: %q\nwant: %q", got, want)
	}
	tr.Reading(4)
	tr.HostStart("xsp1")
	tr.HostStart("xsp2")
	c.advance(2 * time.Second)
	tr.HostDone("xsp1", &engine.HostPlan{Name: "xsp1"})
	tr.HostStart("xsp3")
	c.advance(time.Second)
	tr.HostDone("xsp2", &engine.HostPlan{Name: "xsp2", Error: "connect: refused"})
	tr.HostStart("xsp4")
	c.advance(time.Second)
	// 2 hosts in 4s: 2s a host, 2 hosts left.
	want := []string{
		"read 2/4 hosts (1 failed) · 4s elapsed · ETA 4s",
		"  xsp3: reading 2s",
		"  xsp4: reading 1s",
	}
	if d := cmp.Diff(want, tr.Live(c.now(), 5)); d != "" {
		t.Errorf("wrong live area (-want +got):\n%s", d)
	}
	if got, want := tr.Status(c.now()), "[  4.0s] read 2/4 hosts (1 failed); reading xsp3 (2s), xsp4 (1s); ETA 4s"; got != want {
		t.Errorf("wrong status line\ngot: %q\nwant: %q", got, want)
	}
	tr.HostDone("xsp3", &engine.HostPlan{Name: "xsp3"})
	tr.HostDone("xsp4", &engine.HostPlan{Name: "xsp4"})
	if got, want := tr.Status(c.now()), "[  4.0s] read 4/4 hosts (1 failed)"; got != want {
		t.Errorf("wrong status line\ngot: %q\nwant: %q", got, want)
	}
}
