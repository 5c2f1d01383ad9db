package plan

import (
	"fmt"
	"testing"

	"github.com/bwstate/bwstate/engine"
)

// BenchmarkDiffHost measures the pure diff of one host with a typical
// configuration: three attribute contexts and an exclusive table of 50 rows.
func BenchmarkDiffHost(b *testing.B) {
	var rows [][]engine.Field
	var live []map[string]string
	for i := range 50 {
		host := fmt.Sprintf("10.9.%d.%d", i/250, i%250)
		rows = append(rows, row(f("host", host), f("description", "NOC")))
		live = append(live, map[string]string{"host": host, "description": "noc"})
	}
	desired := []*engine.Desired{
		ctxWant("context.cap", capProxy, "", f("enabled", "false"), f("serverPort", "2206")),
		ctxWant("context.oci", ociProxy, "", f("enabled", "true"), f("messageQueueCapacity", "100")),
		ctxWant("context.snmp", snmpAgent, "", f("readCommunity", "s3cr3t"), f("encoding", "utf-8")),
		tableWant("table.acl", mgmtACL, "", true, rows...),
	}
	observed := map[string]*engine.Observed{
		capPath:  attrsLive(capPath, "enabled", "true", "serverPort", "2206", "numConnections", "1"),
		ociPath:  attrsLive(ociPath, "enabled", "true", "messageQueueCapacity", "50"),
		snmpPath: attrsLive(snmpPath, "readCommunity", "public", "encoding", "UTF-8"),
		aclPath:  rowsLive(aclPath, live...),
	}
	b.ReportAllocs()
	for b.Loop() {
		if hp := DiffHost(xsp1, xsp22, desired, observed, nil, nil); hp.Error != "" {
			b.Fatal(hp.Error)
		}
	}
}

// BenchmarkRun measures the planner's own overhead for a fleet whose
// provider answers at once (the simulator's latency is measured elsewhere).
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			hosts, p, src := fleet(n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(b.Context(), Options{Hosts: hosts, Source: src, Provider: p}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRunDrift measures the planner with advisories and drift over a
// fleet whose provider answers at once: each host reads its declared
// context plus three unmanaged ones, and compares them with defaults.
func BenchmarkRunDrift(b *testing.B) {
	cat := &fullCatalogue{
		contexts:   []*engine.Context{capWithDefaults, snmpWithDefaults, cisWithDefaults, mgmtACL},
		advisories: []*engine.Advisory{capAdvisory},
	}
	for _, drift := range []bool{false, true} {
		b.Run(fmt.Sprintf("drift=%v", drift), func(b *testing.B) {
			hosts, p, src := fleet(100)
			for _, h := range hosts {
				p.contexts[h.Name][pathKey(snmpPath)] = attrsLive(snmpPath, "port", "8161", "encoding", "UTF-8")
				p.contexts[h.Name][pathKey(cisPath)] = attrsLive(cisPath, "enabled", "false")
				p.contexts[h.Name][pathKey(aclPath)] = rowsLive(aclPath, map[string]string{"host": "10.9.0.5"})
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(b.Context(), Options{Hosts: hosts, Source: src, Provider: p, Catalogue: cat, Drift: drift}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
