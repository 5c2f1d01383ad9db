package plan

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bwstate/bwstate/engine"
)

// capAdvisory mirrors the BroadWorks catalogue's first advisory.
var capAdvisory = &engine.Advisory{
	ID: "cap-removed-22", HostTypes: []string{"xsp", "adp"}, Path: capPath, Attr: "enabled", Value: "true",
	Releases: engine.ReleaseRange{Since: engine.MustParseRelease("22.0")}, Message: "CAPProxy is enabled but CAP was removed in release 22.0",
}

const capWarning = "advisory cap-removed-22: CAPProxy is enabled but CAP was removed in release 22.0"

// fullCatalogue is an engine.Catalogue with contexts per host type and
// advisories, for the parts of the planner that list contexts.
type fullCatalogue struct {
	contexts   []*engine.Context
	advisories []*engine.Advisory
}

func (c *fullCatalogue) Lookup(_, path string) (*engine.Context, bool) {
	for _, ctx := range c.contexts {
		if pathKey(ctx.Path) == pathKey(path) {
			return ctx, true
		}
	}
	return nil, false
}

func (c *fullCatalogue) Contexts(string) []*engine.Context { return c.contexts }
func (c *fullCatalogue) HostTypes() []string               { return []string{"xsp"} }
func (c *fullCatalogue) Advisories(hostType string) []*engine.Advisory {
	var out []*engine.Advisory
	for _, a := range c.advisories {
		for _, t := range a.HostTypes {
			if t == hostType {
				out = append(out, a)
			}
		}
	}
	return out
}

// Catalogue contexts with defaults, for drift.
var (
	capWithDefaults = &engine.Context{
		Path: capPath, Restart: "OpenClientServer",
		Attributes: []engine.Attribute{
			{Name: "enabled", Type: engine.TypeBool, Default: "true"},
			{Name: "serverPort", Type: engine.TypeInt, Min: 1025, Max: 65535, Default: "2206"},
		},
	}
	snmpWithDefaults = &engine.Context{
		Path: snmpPath,
		Attributes: []engine.Attribute{
			{Name: "port", Type: engine.TypeInt, Min: 1, Max: 65535, Default: "8001"},
			{Name: "encoding", Type: engine.TypeChoice, Choices: []string{"ISO-8859-1", "UTF-8"}, Default: "ISO-8859-1"},
			{Name: "readCommunity", Type: engine.TypeString, Sensitive: true},
			{Name: "trapSourceAddress", Type: engine.TypeString},
			{Name: "newInR24", Type: engine.TypeBool, Default: "false", Releases: engine.ReleaseRange{Since: engine.MustParseRelease("24.0")}},
		},
	}
	cisWithDefaults = &engine.Context{
		Path: cisPath, Restart: "AuthenticationService", Releases: engine.ReleaseRange{Since: engine.MustParseRelease("22.0")},
		Attributes: []engine.Attribute{
			{Name: "enabled", Type: engine.TypeBool, Default: "false"},
			{Name: "clientSecret", Type: engine.TypeString, Sensitive: true, Prompted: true},
		},
	}
	futureContext = &engine.Context{
		Path: "Applications/Future", Releases: engine.ReleaseRange{Since: engine.MustParseRelease("25.0")},
		Attributes: []engine.Attribute{{Name: "on", Type: engine.TypeBool, Default: "false"}},
	}
	alarmsWithDefaults = &engine.Context{
		Path: "Monitoring/Alarm/AlarmsTable", Kind: engine.TableContext, ReadOnly: true,
		Attributes: []engine.Attribute{{Name: "id", Type: engine.TypeInt, Column: "Identifier", Key: true}},
	}
)

func TestAdvise(t *testing.T) {
	cat := &fullCatalogue{contexts: []*engine.Context{capProxy}, advisories: []*engine.Advisory{capAdvisory}}
	xsp21 := &engine.Facts{Type: "xsp", Release: engine.MustParseRelease("21.0")}
	r2022 := &engine.Facts{Type: "xsp", Release: engine.MustParseRelease("2022.11")}
	as22 := &engine.Facts{Type: "as", Release: engine.MustParseRelease("22.0")}
	tests := map[string]struct {
		facts    *engine.Facts
		changes  []*engine.Change
		observed map[string]*engine.Observed
		want     []string
	}{
		"enabled on 22": {
			facts:    xsp22,
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "true")},
			want:     []string{capWarning},
		},
		"enabled on a release-independent build": {
			facts:    r2022,
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "true")},
			want:     []string{capWarning},
		},
		"the server's spelling is normalised": {
			facts:    xsp22,
			observed: map[string]*engine.Observed{"APPLICATIONS/OPENCLIENTSERVER/CAPPROXY": attrsLive(capPath, "Enabled", "TRUE")},
			want:     []string{capWarning},
		},
		"disabled": {
			facts:    xsp22,
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "false")},
		},
		"enabled before 22": {
			facts:    xsp21,
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "true")},
		},
		"another host type": {
			facts:    as22,
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "true")},
		},
		"the plan disables it": {
			facts:    xsp22,
			changes:  []*engine.Change{upd("context.cap", capPath, nil, ac("enabled", "true", "false", "OpenClientServer"))},
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "true")},
		},
		"the plan changes another attribute": {
			facts:    xsp22,
			changes:  []*engine.Change{upd("context.cap", capPath, nil, ac("serverPort", "2206", "2207", "OpenClientServer"))},
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "true", "serverPort", "2206")},
			want:     []string{capWarning},
		},
		"the plan enables it": {
			facts:    xsp22,
			changes:  []*engine.Change{upd("context.cap", capPath, nil, ac("enabled", "false", "true", "OpenClientServer"))},
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "false")},
			want:     []string{capWarning},
		},
		"attribute not printed": {
			facts:    xsp22,
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "serverPort", "2206")},
		},
		"context not read": {
			facts:    xsp22,
			observed: map[string]*engine.Observed{},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Advise(cat, tc.facts, tc.changes, tc.observed)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDrift(t *testing.T) {
	xsp24 := &engine.Facts{Type: "xsp", Release: engine.MustParseRelease("24.0")}
	ctxs := []*engine.Context{capWithDefaults, snmpWithDefaults, cisWithDefaults, mgmtACL, trapTable}
	tests := map[string]struct {
		facts    *engine.Facts
		observed map[string]*engine.Observed
		want     []*engine.Change
	}{
		"everything at its default": {
			facts: xsp22,
			observed: map[string]*engine.Observed{
				capPath:  attrsLive(capPath, "enabled", "TRUE", "serverPort", "02206"),
				snmpPath: attrsLive(snmpPath, "port", "8001", "encoding", "iso-8859-1", "readCommunity", "", "trapSourceAddress", ""),
				cisPath:  attrsLive(cisPath, "enabled", "false", "clientSecret", "********"),
				aclPath:  rowsLive(aclPath),
			},
		},
		"attributes differ": {
			facts: xsp22,
			observed: map[string]*engine.Observed{
				capPath:  attrsLive(capPath, "enabled", "false", "serverPort", "2206"),
				snmpPath: attrsLive(snmpPath, "port", "8161", "encoding", "ISO-8859-1", "trapSourceAddress", "10.0.0.1"),
			},
			want: []*engine.Change{
				driftOf(capPath, ac("enabled", "true", "false", "")),
				driftOf(snmpPath, ac("port", "8001", "8161", ""), ac("trapSourceAddress", "", "10.0.0.1", "")),
			},
		},
		"sensitive values are compared but not kept": {
			facts:    xsp22,
			observed: map[string]*engine.Observed{snmpPath: attrsLive(snmpPath, "readCommunity", "public")},
			want:     []*engine.Change{driftOf(snmpPath, &engine.AttrChange{Name: "readCommunity", Sensitive: true})},
		},
		"prompted passwords are not compared": {
			facts:    xsp22,
			observed: map[string]*engine.Observed{cisPath: attrsLive(cisPath, "enabled", "false", "clientSecret", "********")},
		},
		"attributes of later releases are skipped": {
			facts:    xsp22,
			observed: map[string]*engine.Observed{snmpPath: attrsLive(snmpPath, "newInR24", "true")},
		},
		"attributes of the host's release are compared": {
			facts:    xsp24,
			observed: map[string]*engine.Observed{snmpPath: attrsLive(snmpPath, "newInR24", "true")},
			want:     []*engine.Change{driftOf(snmpPath, ac("newInR24", "false", "true", ""))},
		},
		"tables are counted, not compared": {
			facts: xsp22,
			observed: map[string]*engine.Observed{
				aclPath:  rowsLive(aclPath, map[string]string{"host": "10.9.0.5"}, map[string]string{"host": "10.9.0.6"}),
				trapPath: rowsLive(trapPath),
			},
			want: []*engine.Change{{Resource: "drift", Path: aclPath, Action: engine.Update, LiveRows: 2}},
		},
		"a context that is a table on the server is skipped": {
			facts:    xsp22,
			observed: map[string]*engine.Observed{capPath: rowsLive(capPath, map[string]string{"x": "y"})},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Drift(ctxs, tc.facts, tc.observed)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

func driftOf(path string, attrs ...*engine.AttrChange) *engine.Change {
	return &engine.Change{Resource: "drift", Path: path, Action: engine.Update, Attrs: attrs}
}

// TestRunAdvisoriesAndDrift plans hosts that manage nothing, part of the
// catalogue, or fail extra reads, and checks warnings, drift and that no
// context is read twice.
func TestRunAdvisoriesAndDrift(t *testing.T) {
	cat := &fullCatalogue{
		contexts:   []*engine.Context{capWithDefaults, snmpWithDefaults, cisWithDefaults, futureContext, alarmsWithDefaults, mgmtACL},
		advisories: []*engine.Advisory{capAdvisory},
	}
	live := func() map[string]*engine.Observed {
		return map[string]*engine.Observed{
			pathKey(capPath):  attrsLive(capPath, "enabled", "true", "serverPort", "2206"),
			pathKey(snmpPath): attrsLive(snmpPath, "port", "8161", "encoding", "ISO-8859-1"),
			pathKey(cisPath):  attrsLive(cisPath, "enabled", "false"),
			pathKey(aclPath):  rowsLive(aclPath, map[string]string{"host": "10.9.0.5"}),
		}
	}
	snmpDrift := driftOf(snmpPath, ac("port", "8001", "8161", ""))
	aclDrift := &engine.Change{Resource: "drift", Path: aclPath, Action: engine.Update, Attrs: []*engine.AttrChange{}, LiveRows: 1}
	tests := map[string]struct {
		drift     bool
		desired   []*engine.Desired
		readErr   error
		wantWarn  []string
		wantDrift []*engine.Change
		wantReads map[string]int
		changes   int
	}{
		"nothing managed, advisory only": {
			wantWarn:  []string{capWarning},
			wantReads: map[string]int{capPath: 1},
		},
		"nothing managed, with drift": {
			drift:     true,
			wantWarn:  []string{capWarning},
			wantDrift: []*engine.Change{snmpDrift, aclDrift},
			wantReads: map[string]int{capPath: 1, snmpPath: 1, cisPath: 1, aclPath: 1},
		},
		"the plan disables CAPProxy; managed contexts are not drift": {
			drift:     true,
			desired:   []*engine.Desired{ctxWant("context.cap", capProxy, "", f("enabled", "false"))},
			wantDrift: []*engine.Change{snmpDrift, aclDrift},
			wantReads: map[string]int{capPath: 1, snmpPath: 1, cisPath: 1, aclPath: 1},
			changes:   1,
		},
		"the plan leaves CAPProxy enabled": {
			desired:   []*engine.Desired{ctxWant("context.cap", capProxy, "", f("serverPort", "2207"))},
			wantWarn:  []string{capWarning},
			wantReads: map[string]int{capPath: 1},
			changes:   1,
		},
		"extra reads that fail are warnings": {
			drift:   true,
			readErr: errors.New("connection lost"),
			wantWarn: []string{
				"advisory cap-removed-22: not checked: read " + capPath + ": connection lost",
				"drift: not compared: read " + capPath + ": connection lost",
				"drift: not compared: read " + snmpPath + ": connection lost",
				"drift: not compared: read " + cisPath + ": connection lost",
				"drift: not compared: read " + aclPath + ": connection lost",
			},
			wantReads: map[string]int{capPath: 1, snmpPath: 1, cisPath: 1, aclPath: 1},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := newFakeProvider()
			p.contexts["xsp1"] = live()
			if tc.readErr != nil {
				p.readErr["xsp1"] = tc.readErr
			}
			src := &fakeSource{desired: map[string][]*engine.Desired{"xsp1": tc.desired}}
			plan, err := Run(t.Context(), Options{Hosts: []*engine.Host{xsp1}, Source: src, Provider: p, Catalogue: cat, Drift: tc.drift})
			if err != nil {
				t.Fatal(err)
			}
			hp := plan.Hosts[0]
			if hp.Error != "" {
				t.Fatalf("wrong result\ngot:  host error %q\nwant: no error", hp.Error)
			}
			if len(hp.Changes) != tc.changes {
				t.Errorf("wrong number of changes\ngot:  %d\nwant: %d", len(hp.Changes), tc.changes)
			}
			if diff := cmp.Diff(tc.wantWarn, hp.Warnings, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("wrong warnings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantDrift, hp.Drift, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("wrong drift (-want +got):\n%s", diff)
			}
			_, _, reads, _ := p.counts()
			if diff := cmp.Diff(tc.wantReads, reads["xsp1"]); diff != "" {
				t.Errorf("wrong reads (-want +got):\n%s", diff)
			}
		})
	}
}
