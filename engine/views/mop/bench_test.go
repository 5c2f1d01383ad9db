package mop

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/review"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// BenchmarkReview1000Hosts builds and renders the change review of a
// 1000-XSP CAP change in 10 farms, batches of 10 (the timeline folds to
// one bar per batch).
func BenchmarkReview1000Hosts(b *testing.B) {
	p := &engine.Plan{FormatVersion: "1.0", ConfigHash: "h", CreatedAt: "2026-11-27T10:20:00Z", Mode: "normal"}
	var hosts []*engine.Host
	for i := range 1000 {
		name := fmt.Sprintf("xsp%04d", i)
		hosts = append(hosts, &engine.Host{Name: name, Type: "xsp", Groups: []string{"xsp", fmt.Sprintf("farm_%d", i%10)}})
		p.Hosts = append(p.Hosts, &engine.HostPlan{Name: name, Address: "10.0.0.1", Type: "xsp", Release: "Rel_24.0_1.944",
			Changes: []*engine.Change{capOff()}, Restarts: []*engine.Restart{{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}}}})
	}
	cat := catalog.New()
	ro := engine.Rollout{BatchSize: 10, HealthTimeout: 10 * time.Minute, Restart: engine.RestartNow, MaxPerGroup: 1}
	b.ReportAllocs()
	for b.Loop() {
		r := review.Build(review.Input{Plan: p, Hosts: hosts, Rollout: ro, Catalogue: cat, Now: fixtureNow})
		if err := ReviewHTML(io.Discard, r); err != nil {
			b.Fatal(err)
		}
		if err := ReviewMarkdown(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
