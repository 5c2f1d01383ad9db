package views

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bwstate/bwstate/engine"
)

// TestDriftIsInformation: a plan whose only findings are drift and an
// advisory has no changes, so `plan -detailed-exitcode` exits 0, and the
// host is still shown.
func TestDriftIsInformation(t *testing.T) {
	p := noChangesPlan()
	p.Hosts[1].Warnings = []string{capAdvisoryWarning}
	p.Hosts[1].Drift = []*engine.Change{driftOf("Interface/SNMP/Agent", &engine.AttrChange{Name: "port", Before: "8001", After: "8161"})}
	c := Summary(p)
	if c.HasChanges() || c.HostsInDesiredState != 2 || c.HostsToChange != 0 {
		t.Errorf("wrong result\ngot:  %+v\nwant: no changes, 2 hosts in the desired state", c)
	}
	want := `xsp2 (10.1.0.12, XSP Rel_22.0_1.1123)
  warning: ` + capAdvisoryWarning + `
  ≠ Interface/SNMP/Agent                              (not managed)
      port: 8001 (default) -> 8161

No changes. 2 hosts in the desired state. Drift (not managed): 1 context on 1 host.
`
	if got := string(renderHuman(p, false)); got != want {
		t.Errorf("wrong result\ngot:\n%s\nwant:\n%s", got, want)
	}
	var doc struct {
		Summary struct {
			ChangesPresent bool `json:"changes_present"`
			DriftContexts  int  `json:"drift_contexts"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(renderJSON(t, p), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Summary.ChangesPresent || doc.Summary.DriftContexts != 1 {
		t.Errorf("wrong result\ngot:  changes_present %v, drift_contexts %d\nwant: false, 1", doc.Summary.ChangesPresent, doc.Summary.DriftContexts)
	}
}

func TestDriftColor(t *testing.T) {
	plain := renderHuman(driftPlan(), false)
	colored := renderHuman(driftPlan(), true)
	if !bytes.Contains(colored, []byte(ansiBlue+"≠"+ansiReset)) {
		t.Errorf("wrong result: the drift symbol is not coloured\ngot:\n%q", colored)
	}
	strip := strings.NewReplacer(ansiRed, "", ansiGreen, "", ansiYellow, "", ansiBlue, "", ansiMagenta, "", ansiCyan, "", ansiReset, "")
	if got := strip.Replace(string(colored)); got != string(plain) {
		t.Errorf("wrong result: coloured output differs from plain beyond colour codes\ngot:\n%s\nwant:\n%s", got, plain)
	}
}

// TestFailedHostDriftIgnored: a failed host has no plan, whatever a caller
// left in it.
func TestFailedHostDriftIgnored(t *testing.T) {
	p := driftPlan()
	out := string(renderHuman(p, false))
	if strings.Contains(out, "9 rows") {
		t.Errorf("wrong result: the failed host's drift is rendered:\n%s", out)
	}
	var doc struct {
		Hosts []struct {
			Name  string `json:"name"`
			Drift []any  `json:"drift"`
		} `json:"hosts"`
	}
	if err := json.Unmarshal(renderJSON(t, p), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Hosts[3]; got.Name != "xsp4" || got.Drift == nil || len(got.Drift) != 0 {
		t.Errorf("wrong result\ngot:  %+v\nwant: xsp4 with an empty drift array", got)
	}
}
