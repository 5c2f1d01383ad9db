package apply

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
)

// progressRec is a ProgressHook that records every call, Step events and
// progress events in one sequence, as "host: what" strings.
type progressRec struct {
	mu       sync.Mutex
	seq      []string
	schedule []Schedule
}

func (p *progressRec) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq = append(p.seq, fmt.Sprintf(format, args...))
}

func (p *progressRec) Step(e Event) { p.add("%s: %s %s", e.Host, e.Step, e.App) }
func (p *progressRec) Scheduled(s Schedule) {
	p.mu.Lock()
	p.schedule = append(p.schedule, s)
	p.mu.Unlock()
	p.add("scheduled")
}
func (p *progressRec) BatchStarted(b BatchStart) { p.add("batch %d/%d %v", b.Number, b.Of, b.Hosts) }
func (p *progressRec) HostStarted(h HostStart)   { p.add("%s: started", h.Host) }
func (p *progressRec) HealthWait(w HealthWait) {
	p.add("%s: waiting for %s (%s)", w.Host, w.App, w.Timeout)
}

// index returns the position of s in the sequence, or -1.
func (p *progressRec) index(s string) int {
	for i, x := range p.seq {
		if x == s {
			return i
		}
	}
	return -1
}

// A ProgressHook learns the schedule (parallel hosts, the rolling batches,
// the health timeout) before any host starts, each batch before its hosts
// start, each host before it connects, and each health wait with its
// timeout between the restart and the healthy event.
func TestProgressHook(t *testing.T) {
	h := newHarness(t, "xsp1", "xsp2", "xsp3", "xsp4", "xsp5")
	rec := &progressRec{}
	p := plan(
		hostPlan("xsp1", []*engine.Change{update(snmp, attr("port", "8001", "8002", ""))}),
		hostPlan("xsp2", []*engine.Change{capOff()}, ocsRestart()),
		hostPlan("xsp3", []*engine.Change{capOff()}, ocsRestart()),
		hostPlan("xsp4", []*engine.Change{capOff()}, ocsRestart()),
		hostPlan("xsp5", nil),
	)
	ro := now()
	ro.BatchSize = 2
	ro.HealthTimeout = 7 * time.Minute
	opts := h.options(p, ro)
	opts.Hook = rec
	opts.Parallelism = 3
	res := h.run(t, opts)
	if res.ExitCode != ExitOK {
		t.Fatalf("wrong exit code %d: %+v", res.ExitCode, res.Hosts)
	}

	if len(rec.schedule) != 1 {
		t.Fatalf("wrong result\ngot: %d Scheduled calls\nwant: 1", len(rec.schedule))
	}
	got := rec.schedule[0]
	got.Elapsed = 0
	want := Schedule{Parallel: []string{"xsp1"}, Parallelism: 3, Batches: [][]string{{"xsp2", "xsp3"}, {"xsp4"}}, HealthTimeout: 7 * time.Minute}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("wrong schedule (-want +got):\n%s", d)
	}

	before := func(a, b string) {
		t.Helper()
		i, j := rec.index(a), rec.index(b)
		switch {
		case i < 0:
			t.Errorf("no %q in %q", a, rec.seq)
		case j < 0:
			t.Errorf("no %q in %q", b, rec.seq)
		case i > j:
			t.Errorf("%q came after %q in %q", a, b, rec.seq)
		}
	}
	before("scheduled", "xsp1: started")
	before("xsp1: started", "xsp1: connected ")
	before("xsp1: done ", "batch 1/2 [xsp2 xsp3]")
	for _, n := range []string{"xsp2", "xsp3"} {
		before("batch 1/2 [xsp2 xsp3]", n+": started")
		before(n+": started", n+": connected ")
		before(n+": restarting OpenClientServer", n+": waiting for OpenClientServer (7m0s)")
		before(n+": waiting for OpenClientServer (7m0s)", n+": healthy OpenClientServer")
		before(n+": done ", "batch 2/2 [xsp4]")
	}
	before("batch 2/2 [xsp4]", "xsp4: started")
	before("xsp4: waiting for OpenClientServer (7m0s)", "xsp4: healthy OpenClientServer")
	if i := rec.index("xsp5: started"); i >= 0 {
		t.Errorf("a host with nothing to do was started: %q", rec.seq)
	}
	if i := rec.index("xsp1: waiting for OpenClientServer (7m0s)"); i >= 0 {
		t.Errorf("a host without restart waited for health: %q", rec.seq)
	}
}

// Hosts a run never starts (max_failures exceeded) get no batch: the batch
// that does not start is not announced, its hosts end untouched.
func TestProgressHookHaltedBatch(t *testing.T) {
	h := newHarness(t, "xsp1", "xsp2")
	h.fleet.hosts["xsp1"].neverHealthy = true
	rec := &progressRec{}
	p := plan(
		hostPlan("xsp1", []*engine.Change{capOff()}, ocsRestart()),
		hostPlan("xsp2", []*engine.Change{capOff()}, ocsRestart()),
	)
	ro := now()
	ro.BatchSize = 1
	opts := h.options(p, ro)
	opts.Hook = rec
	h.run(t, opts)
	if i := rec.index("batch 2/2 [xsp2]"); i >= 0 {
		t.Errorf("a batch that never started was announced: %q", rec.seq)
	}
	if rec.index("batch 1/2 [xsp1]") < 0 || rec.index("xsp2: untouched ") < 0 {
		t.Errorf("wrong sequence %q\nwant: batch 1/2 [xsp1], then xsp2 untouched", rec.seq)
	}
}
