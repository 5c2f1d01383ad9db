package views

import (
	"fmt"
	"io"
	"testing"

	"github.com/bwstate/bwstate/engine"
)

// fleetPlan is a plan of n hosts shaped like the full fixture's xsp1.
func fleetPlan(n int) *engine.Plan {
	p := &engine.Plan{FormatVersion: "1.0", Mode: "normal"}
	for i := range n {
		hp := fullPlan().Hosts[0]
		hp.Name = fmt.Sprintf("xsp%d", i+1)
		p.Hosts = append(p.Hosts, hp)
	}
	return p
}

func BenchmarkHuman(b *testing.B) {
	p := fleetPlan(1000)
	b.ReportAllocs()
	for b.Loop() {
		Human(io.Discard, p, HumanOptions{Color: true})
	}
}

func BenchmarkJSON(b *testing.B) {
	p := fleetPlan(1000)
	b.ReportAllocs()
	for b.Loop() {
		if err := JSON(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}
