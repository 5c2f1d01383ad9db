package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// fleetSource is a configuration of n hosts with host-dependent values, so
// validation evaluates every resource for every host.
func fleetSource(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "host \"xsp%d\" {\n  address = \"127.0.%d.%d\"\n  type = \"xsp\"\n  groups = [\"xsp\", \"farm_%d\"]\n  vars = { n = %d }\n}\n",
			i, 1+i/250, 1+i%250, i%2, i)
	}
	b.WriteString(`
context "cap_proxy_off" {
  hosts = group.xsp
  when  = host.release >= 22
  path  = "Applications/OpenClientServer/CAPProxy"
  set { enabled = false }
}
context "general" {
  hosts = group.all
  path  = "Applications/OpenClientServer/GeneralSettings"
  set {
    systemDomain = "${host.name}.example.net"
    clientPort   = 2000 + host.vars.n % 100
  }
}
table "acl" {
  hosts     = group.all
  path      = "System/ManagementAccessList"
  exclusive = true
  row {
    host        = "10.9.0.5"
    description = "NOC for ${host.name}"
  }
}
check "no_cap_alarms" {
  hosts = group.xsp
  assert {
    condition     = !contains(host.alarms, "bwOpenClientServerASConnFailed")
    error_message = "CAP alarms raised"
  }
}
`)
	return b.String()
}

func benchDir(b *testing.B, n int) string {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fleet.bw.hcl"), []byte(fleetSource(n)), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			dir := benchDir(b, n)
			cat := catalog.New()
			b.ReportAllocs()
			for b.Loop() {
				if _, diags := Load(dir, LoadOptions{Catalogue: cat, Connections: broadworks.SSHBlock{}}); diags.HasErrors() {
					b.Fatal(diags)
				}
			}
		})
	}
}

func BenchmarkDesiredPerHost(b *testing.B) {
	dir := benchDir(b, 100)
	c, diags := Load(dir, LoadOptions{Catalogue: catalog.New(), Connections: broadworks.SSHBlock{}})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	f := &engine.Facts{Release: engine.MustParseRelease("22.0"), ReleaseString: "Rel_22.0_1.1123"}
	h := c.Hosts[42]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Desired(nil, h, f); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Checks(nil, h, f); err != nil {
			b.Fatal(err)
		}
	}
}
