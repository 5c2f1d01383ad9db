package apply

import (
	"context"
	"fmt"
	"testing"

	"github.com/bwstate/bwstate/engine"
)

// BenchmarkRun measures the engine's own cost per apply (journal with a
// fsync per record, scheduling, stale checks, read-back) against an
// instant fake provider: hosts without restarts, one change each.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			var names []string
			for i := range n {
				names = append(names, fmt.Sprintf("xsp%d", i))
			}
			for b.Loop() {
				b.StopTimer()
				h := newHarnessB(b, names)
				var hps []*engine.HostPlan
				for _, name := range names {
					hps = append(hps, hostPlan(name, []*engine.Change{update(snmp, attr("port", "8001", "8002", ""))}))
				}
				opts := h.options(plan(hps...), now())
				opts.Hook = NilHook{}
				b.StartTimer()
				res, err := Run(context.Background(), opts)
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("exit %v %v", res, err)
				}
			}
		})
	}
}

func newHarnessB(b *testing.B, names []string) *harness {
	b.Helper()
	h := &harness{fleet: newFleet(names...), hook: &recHook{}, hosts: map[string]*engine.Host{}, cat: newTestCatalogue()}
	for _, n := range names {
		h.hosts[n] = &engine.Host{Name: n, Type: "xsp"}
	}
	j, err := openJournal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { j.Close() })
	h.j = j
	return h
}
