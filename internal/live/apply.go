package live

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bwstate/bwstate/engine/apply"
)

// Source says what a Display shows at a moment. Implementations are safe
// for concurrent use: the display asks from its own goroutine while hooks
// report from the engine's.
type Source interface {
	// Live returns the lines of the live area, at most max (at least 1): a
	// headline, then one line per piece of work in flight.
	Live(now time.Time, max int) []string
	// Status returns one line for a log, with its elapsed-time prefix.
	Status(now time.Time) string
}

// hostKind tells the two schedules of an apply apart: their hosts take
// very different times (a restart and its health wait, or a few writes).
type hostKind int

const (
	parallelHost hostKind = iota
	batchedHost
)

// inFlight is a host being applied.
type inFlight struct {
	name    string
	started time.Time
	// doing is what the host does now, since when.
	doing string
	since time.Time
	// waitApp and waitTimeout describe the health wait in progress
	// (waitApp "" when there is none).
	waitApp     string
	waitTimeout time.Duration
	sets        int
}

// ApplyTracker follows an apply through its hooks (it implements
// apply.ProgressHook) and tells a Display what to show: the batch, the
// hosts done, failed and remaining, the elapsed time, an ETA, and what each
// host in flight is doing, health waits with their elapsed time against
// the health timeout.
//
// The ETA comes from this run's own measurements: the mean time of the
// hosts that finished their work successfully, apart for hosts without
// restarts (run Parallelism at once) and hosts that restart (one batch at
// a time, the hosts of a batch at once). Until a host of each kind still
// to come has finished, there is no ETA.
type ApplyTracker struct {
	now   func() time.Time
	start time.Time

	mu        sync.Mutex
	scheduled bool
	sched     apply.Schedule
	kind      map[string]hostKind
	total     int
	// batch is the number of the batch in progress (0: none yet).
	batch      int
	batchStart time.Time
	flight     map[string]*inFlight
	finished   map[string]bool
	done       int
	failed     int
	untouched  int
	// tookSum and tookN measure the hosts finished successfully, per kind.
	tookSum [2]time.Duration
	tookN   [2]int
}

// NewApplyTracker returns a tracker whose clock starts now; now nil means
// time.Now.
func NewApplyTracker(now func() time.Time) *ApplyTracker {
	if now == nil {
		now = time.Now
	}
	return &ApplyTracker{now: now, start: now(), kind: map[string]hostKind{}, flight: map[string]*inFlight{}, finished: map[string]bool{}}
}

var _ apply.ProgressHook = (*ApplyTracker)(nil)

// Scheduled implements apply.ProgressHook.
func (t *ApplyTracker) Scheduled(s apply.Schedule) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.scheduled, t.sched = true, s
	for _, n := range s.Parallel {
		t.kind[n] = parallelHost
	}
	for _, b := range s.Batches {
		for _, n := range b {
			t.kind[n] = batchedHost
		}
	}
	t.total = len(t.kind)
}

// BatchStarted implements apply.ProgressHook.
func (t *ApplyTracker) BatchStarted(b apply.BatchStart) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.batch, t.batchStart = b.Number, t.now()
}

// HostStarted implements apply.ProgressHook.
func (t *ApplyTracker) HostStarted(h apply.HostStart) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.flight[h.Host] = &inFlight{name: h.Host, started: now, doing: "connecting", since: now}
}

// HealthWait implements apply.ProgressHook.
func (t *ApplyTracker) HealthWait(w apply.HealthWait) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.flight[w.Host]; f != nil {
		f.doing, f.since = "waiting for "+w.App+" to become healthy", t.now()
		f.waitApp, f.waitTimeout = w.App, w.Timeout
	}
}

// Step implements apply.Hook.
func (t *ApplyTracker) Step(e apply.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch e.Step {
	case apply.StepDone, apply.StepFailed, apply.StepStale, apply.StepInterrupted, apply.StepUntouched:
		t.finish(e)
		return
	}
	f := t.flight[e.Host]
	if f == nil {
		return
	}
	doing := ""
	switch e.Step {
	case apply.StepConnected:
		doing = "connected"
	case apply.StepSet:
		f.sets++
		doing = fmt.Sprintf("setting values (%d set)", f.sets)
	case apply.StepVerify:
		doing = "changes read back"
	case apply.StepRestarting:
		doing = "restarting " + e.App
	case apply.StepHealthy:
		doing = e.App + " healthy"
	case apply.StepCheck:
		doing = "evaluating checks"
	default:
		return
	}
	f.doing, f.since, f.waitApp = doing, t.now(), ""
}

// finish counts a host that ended. Hosts outside the schedule (failed at
// plan time, reported before it) are not counted: the plan showed them.
func (t *ApplyTracker) finish(e apply.Event) {
	kind, ok := t.kind[e.Host]
	if !ok || t.finished[e.Host] {
		return
	}
	t.finished[e.Host] = true
	delete(t.flight, e.Host)
	switch e.Step {
	case apply.StepDone:
		t.done++
		t.tookSum[kind] += e.Took
		t.tookN[kind]++
	case apply.StepUntouched:
		t.untouched++
	default:
		t.failed++
	}
}

// remaining returns the scheduled hosts not finished, per kind.
func (t *ApplyTracker) remaining() (par, bat int) {
	for n, k := range t.kind {
		if t.finished[n] {
			continue
		}
		if k == parallelHost {
			par++
		} else {
			bat++
		}
	}
	return par, bat
}

// estimate returns the time left, from the mean host times measured so
// far; ok is false until every kind of host still to come has one.
func (t *ApplyTracker) estimate(now time.Time) (left time.Duration, ok bool) {
	par, bat := t.remaining()
	if par+bat == 0 {
		return 0, false
	}
	mean := func(k hostKind) (time.Duration, bool) {
		if t.tookN[k] == 0 {
			return 0, false
		}
		return t.tookSum[k] / time.Duration(t.tookN[k]), true
	}
	if par > 0 {
		m, ok := mean(parallelHost)
		if !ok {
			return 0, false
		}
		at := min(max(t.sched.Parallelism, 1), par)
		left += m * time.Duration(par) / time.Duration(at)
	}
	if bat > 0 {
		m, ok := mean(batchedHost)
		if !ok {
			return 0, false
		}
		// Batches not started take a host's time each; the batch in
		// progress what is left of it.
		notStarted := len(t.sched.Batches) - t.batch
		left += m * time.Duration(notStarted)
		if t.batch > 0 && t.batchUnfinished(t.batch) {
			left += max(0, m-now.Sub(t.batchStart))
		}
	}
	return left, true
}

func (t *ApplyTracker) batchUnfinished(number int) bool {
	if number < 1 || number > len(t.sched.Batches) {
		return false
	}
	for _, n := range t.sched.Batches[number-1] {
		if !t.finished[n] {
			return true
		}
	}
	return false
}

// phase says where the run is: "starting", "batch 3/10", "hosts without
// restarts, 20 at once" or "finishing".
func (t *ApplyTracker) phase() string {
	par, bat := t.remaining()
	switch {
	case !t.scheduled:
		return "starting"
	case t.batch > 0 && bat > 0:
		return fmt.Sprintf("batch %d/%d", t.batch, len(t.sched.Batches))
	case par > 0:
		return fmt.Sprintf("hosts without restarts, %d at once", min(max(t.sched.Parallelism, 1), par))
	case bat > 0:
		return fmt.Sprintf("%d batches to go", len(t.sched.Batches)-t.batch)
	}
	return "finishing"
}

// counts is "3/10 hosts done, 1 failed, 6 remaining".
func (t *ApplyTracker) counts() string {
	s := fmt.Sprintf("%d/%d hosts done, %d failed", t.done, t.total, t.failed)
	if t.untouched > 0 {
		s += fmt.Sprintf(", %d untouched", t.untouched)
	}
	return s + fmt.Sprintf(", %d remaining", t.total-t.done-t.failed-t.untouched)
}

// hostsInFlight returns the hosts being applied, in the order they
// started.
func (t *ApplyTracker) hostsInFlight() []*inFlight {
	fs := make([]*inFlight, 0, len(t.flight))
	for _, f := range t.flight {
		fs = append(fs, f)
	}
	slices.SortFunc(fs, func(a, b *inFlight) int {
		if c := a.started.Compare(b.started); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return fs
}

// Live implements Source:
//
//	batch 3/10 · 2/10 hosts done, 0 failed, 8 remaining · 1m12s elapsed · ETA 4m
//	  xsp5: waiting for OpenClientServer to become healthy 12s/10m
func (t *ApplyTracker) Live(now time.Time, max int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	head := t.phase()
	if t.scheduled {
		head += " · " + t.counts()
	}
	head += " · " + short(now.Sub(t.start)) + " elapsed"
	if left, ok := t.estimate(now); ok && t.scheduled {
		head += " · ETA " + eta(left)
	}
	fs := t.hostsInFlight()
	return area(head, len(fs), max, func(i int) string {
		f := fs[i]
		line := fmt.Sprintf("%s: %s %s", f.name, f.doing, short(now.Sub(f.since)))
		if f.waitApp != "" {
			line += "/" + short(f.waitTimeout)
		}
		return line
	})
}

// Status implements Source:
//
//	[ 20.0s] waiting: xsp1 OpenClientServer healthy? 20s/10m; batch 1/3; 0/3 hosts done, 0 failed, 3 remaining
func (t *ApplyTracker) Status(now time.Time) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var parts, waits, busy []string
	for _, f := range t.hostsInFlight() {
		if f.waitApp != "" {
			waits = append(waits, fmt.Sprintf("%s %s healthy? %s/%s", f.name, f.waitApp, short(now.Sub(f.since)), short(f.waitTimeout)))
		} else {
			busy = append(busy, f.name)
		}
	}
	switch {
	case len(waits) > 0:
		parts = append(parts, "waiting: "+list(waits, 3))
	case len(busy) > 0:
		parts = append(parts, "working on "+list(busy, 3))
	}
	parts = append(parts, t.phase())
	if t.scheduled {
		parts = append(parts, t.counts())
		if left, ok := t.estimate(now); ok {
			parts = append(parts, "ETA "+eta(left))
		}
	}
	return stamp(now.Sub(t.start)) + " " + strings.Join(parts, "; ")
}

// applyHook reports every event to the tracker, then to the hook that
// prints the event lines.
type applyHook struct {
	t     *ApplyTracker
	lines apply.Hook
}

// ApplyHook returns the hook for apply.Options: t follows the run, lines
// prints its events (engine/views/progress).
func ApplyHook(t *ApplyTracker, lines apply.Hook) apply.ProgressHook {
	return applyHook{t: t, lines: lines}
}

func (h applyHook) Step(e apply.Event) {
	h.t.Step(e)
	h.lines.Step(e)
}
func (h applyHook) Scheduled(s apply.Schedule)      { h.t.Scheduled(s) }
func (h applyHook) BatchStarted(b apply.BatchStart) { h.t.BatchStarted(b) }
func (h applyHook) HostStarted(s apply.HostStart)   { h.t.HostStarted(s) }
func (h applyHook) HealthWait(w apply.HealthWait)   { h.t.HealthWait(w) }
