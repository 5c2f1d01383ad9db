package fleetbench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/providers/broadworks"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// Paths the generated configurations manage.
const (
	capPath  = "Applications/OpenClientServer/CAPProxy"
	snmpPath = "Interface/SNMP/Agent"
	malPath  = "System/ManagementAccessList"
)

// Values the configurations declare; the fleet starts without them, so
// every host has changes.
const (
	snmpPort = "8161"
	malHost  = "10.9.0.77"
)

// Scenario names a generated configuration.
type Scenario string

const (
	// ScenarioAll declares the three resources below on every host: a plan
	// reads three contexts after the facts, and finds three changes and
	// one restart of OpenClientServer per host. The plan benchmark uses it.
	ScenarioAll Scenario = "all"
	// ScenarioNoRestart sets the SNMP agent port and adds a management
	// access row: two changes per host, neither needing a restart.
	ScenarioNoRestart Scenario = "no-restart"
	// ScenarioRestart disables CAPProxy (the founding case): one change
	// per host and a restart of OpenClientServer.
	ScenarioRestart Scenario = "restart"
)

// resources returns the HCL of the scenario's context and table blocks.
func (s Scenario) resources() (string, error) {
	const capBlock = `
context "cap_proxy_off" {
  hosts = group.all
  path  = "` + capPath + `"
  set {
    enabled = false
  }
}
`
	const snmpBlock = `
context "snmp_port" {
  hosts = group.all
  path  = "` + snmpPath + `"
  set {
    port = ` + snmpPort + `
  }
}
`
	const malBlock = `
table "management_access" {
  hosts = group.all
  path  = "` + malPath + `"
  row {
    host        = "` + malHost + `"
    description = "bench"
  }
}
`
	switch s {
	case ScenarioAll:
		return capBlock + snmpBlock + malBlock, nil
	case ScenarioNoRestart:
		return snmpBlock + malBlock, nil
	case ScenarioRestart:
		return capBlock, nil
	}
	return "", fmt.Errorf("unknown scenario %q", s)
}

// rolloutSpec is the rollout block of a generated configuration.
type rolloutSpec struct {
	batchSize     int
	healthTimeout time.Duration
}

// hclString quotes s as an HCL string literal: Go quoting plus escaped
// template sequences, so a temporary path cannot become an interpolation.
func hclString(s string) string {
	q := strconv.Quote(s)
	q = strings.ReplaceAll(q, "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}

// writeConfig writes the scenario's configuration for this fleet into dir
// (one main.bw.hcl: ssh block, rollout, inventory, resources).
func (f *Fleet) writeConfig(dir string, s Scenario, ro rolloutSpec) error {
	res, err := s.resources()
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ssh {\n  user          = \"bwadmin\"\n  identity_file = %s\n  known_hosts   = %s\n  timeout       = \"60s\"\n}\n\n",
		hclString(f.sim.ClientKeyPath()), hclString(f.sim.KnownHostsPath()))
	fmt.Fprintf(&b, "rollout {\n  batch_size     = %d\n  max_failures   = 0\n  health_timeout = %q\n  restart        = \"now\"\n}\n",
		ro.batchSize, ro.healthTimeout.String())
	for i, name := range f.names {
		fmt.Fprintf(&b, "\nhost %q {\n  address = %q\n  type    = \"xsp\"\n}\n", name, f.addrs[i])
	}
	b.WriteString(res)
	return os.WriteFile(filepath.Join(dir, "main.bw.hcl"), []byte(b.String()), 0o600)
}

// loaded is a generated configuration loaded the way `bwstate plan` loads
// one.
type loaded struct {
	cfg *config.Config
	sel *config.Selection
	cat engine.Catalogue
}

// loadConfig writes and loads the scenario's configuration.
func (f *Fleet) loadConfig(dir string, s Scenario, ro rolloutSpec) (*loaded, error) {
	if err := f.writeConfig(dir, s, ro); err != nil {
		return nil, fmt.Errorf("write the %s configuration: %w", s, err)
	}
	cat := catalog.New()
	cfg, diags := config.Load(dir, config.LoadOptions{Catalogue: cat, Connections: broadworks.SSHBlock{}})
	if diags.HasErrors() {
		return nil, fmt.Errorf("load the %s configuration: %s", s, diags.Error())
	}
	sel, diags := cfg.Select(nil, nil)
	if diags.HasErrors() {
		return nil, fmt.Errorf("select hosts of the %s configuration: %s", s, diags.Error())
	}
	return &loaded{cfg: cfg, sel: sel, cat: cat}, nil
}

// needsAlarms is plan.Options.NeedsAlarms as cmd/bwstate sets it.
func (l *loaded) needsAlarms(h *engine.Host) bool { return l.cfg.NeedsAlarms(l.sel, h) }

// source adapts a configuration to plan.Source, as cmd/bwstate does.
type source struct{ l *loaded }

func (s source) Desired(h *engine.Host, f *engine.Facts) ([]*engine.Desired, error) {
	return s.l.cfg.Desired(s.l.sel, h, f)
}

func (s source) Checks(h *engine.Host, f *engine.Facts) ([]*engine.Check, error) {
	return s.l.cfg.Checks(s.l.sel, h, f)
}
