package live

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/plan"
)

// PlanTracker follows plan's read pass through its hook (it implements
// plan.TotalHook) and tells a Display what to show: hosts read of the
// total, how many failed, the elapsed time, an ETA, and the hosts being
// read longest.
//
// The ETA is the pace so far carried forward: the time since the read
// pass started, per host finished, times the hosts left. Reading runs
// -parallelism hosts at once, and the pace measures that too.
type PlanTracker struct {
	now   func() time.Time
	start time.Time

	mu      sync.Mutex
	total   int // -1 until Reading
	done    int
	failed  int
	reading map[string]time.Time
}

// NewPlanTracker returns a tracker whose clock starts now; now nil means
// time.Now.
func NewPlanTracker(now func() time.Time) *PlanTracker {
	if now == nil {
		now = time.Now
	}
	return &PlanTracker{now: now, start: now(), total: -1, reading: map[string]time.Time{}}
}

var _ plan.TotalHook = (*PlanTracker)(nil)

// Reading implements plan.TotalHook.
func (t *PlanTracker) Reading(hosts int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total = hosts
}

// HostStart implements plan.Hook.
func (t *PlanTracker) HostStart(host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reading[host] = t.now()
}

// HostDone implements plan.Hook.
func (t *PlanTracker) HostDone(host string, hp *engine.HostPlan) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.reading, host)
	t.done++
	if hp != nil && hp.Error != "" {
		t.failed++
	}
}

// progress is "read 412/1000 hosts (3 failed)" and the ETA, if any.
func (t *PlanTracker) progress(now time.Time) (read, left string) {
	if t.total < 0 {
		// Before Run knows which hosts it reads.
		return "starting", ""
	}
	read = fmt.Sprintf("read %d/%d hosts", t.done, t.total)
	if t.failed > 0 {
		read += fmt.Sprintf(" (%d failed)", t.failed)
	}
	if t.done > 0 && t.total > t.done {
		pace := now.Sub(t.start) / time.Duration(t.done)
		left = "ETA " + eta(pace*time.Duration(t.total-t.done))
	}
	return read, left
}

// longest returns the hosts being read, the longest first.
func (t *PlanTracker) longest() []string {
	hosts := make([]string, 0, len(t.reading))
	for h := range t.reading {
		hosts = append(hosts, h)
	}
	slices.SortFunc(hosts, func(a, b string) int {
		if c := t.reading[a].Compare(t.reading[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return hosts
}

// Live implements Source:
//
//	read 412/1000 hosts (3 failed) · 12s elapsed · ETA 17s
//	  xsp7: reading 8s
func (t *PlanTracker) Live(now time.Time, max int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	read, left := t.progress(now)
	head := read + " · " + short(now.Sub(t.start)) + " elapsed"
	if left != "" {
		head += " · " + left
	}
	hosts := t.longest()
	return area(head, len(hosts), max, func(i int) string {
		return fmt.Sprintf("%s: reading %s", hosts[i], short(now.Sub(t.reading[hosts[i]])))
	})
}

// Status implements Source:
//
//	[ 10.0s] read 412/1000 hosts (3 failed); reading xsp7 (8s), xsp9 (7s) and 18 more; ETA 17s
func (t *PlanTracker) Status(now time.Time) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	read, left := t.progress(now)
	parts := []string{read}
	var hosts []string
	for _, h := range t.longest() {
		hosts = append(hosts, fmt.Sprintf("%s (%s)", h, short(now.Sub(t.reading[h]))))
	}
	if len(hosts) > 0 {
		parts = append(parts, "reading "+list(hosts, 3))
	}
	if left != "" {
		parts = append(parts, left)
	}
	return stamp(now.Sub(t.start)) + " " + strings.Join(parts, "; ")
}
