package config

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// inventory is three hosts of two types used by many tests.
const inventory = `
host "xsp1" {
  address = "10.1.0.11"
  type    = "xsp"
  groups  = ["xsp", "site_a"]
}
host "xsp2" {
  address = "10.1.0.12"
  type    = "xsp"
  groups  = ["xsp", "site_b"]
}
host "as1" {
  address = "10.1.0.21"
  type    = "as"
  groups  = ["as", "site_a"]
}
`

// writeDir writes files into a fresh temporary directory.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// load loads files with the real catalogue unless opts has one.
func load(t *testing.T, files map[string]string, opts LoadOptions) (*Config, hcl.Diagnostics) {
	t.Helper()
	if opts.Catalogue == nil {
		opts.Catalogue = catalog.New()
	}
	if opts.Connections == nil {
		opts.Connections = broadworks.SSHBlock{}
	}
	return Load(writeDir(t, files), opts)
}

// mustLoad loads files and fails the test on any error diagnostic.
func mustLoad(t *testing.T, files map[string]string, opts LoadOptions) *Config {
	t.Helper()
	c, diags := load(t, files, opts)
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", render(t, c, diags))
	}
	return c
}

func render(t *testing.T, c *Config, diags hcl.Diagnostics) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteDiagnostics(&buf, diags, c.Parser, 0, false); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func hostNamesOf(hs []*engine.Host) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Name)
	}
	return out
}

// fakeCatalogue lets tests describe catalogue edge cases the built-in
// catalogue does not have (release ranges, per-type schemas).
type fakeCatalogue struct {
	byType map[string][]*engine.Context
}

func (f fakeCatalogue) Lookup(hostType, path string) (*engine.Context, bool) {
	p := strings.Trim(path, "/")
	for _, c := range f.byType[strings.ToLower(hostType)] {
		if strings.EqualFold(c.Path, p) {
			return c, true
		}
	}
	return nil, false
}

func (f fakeCatalogue) Contexts(hostType string) []*engine.Context { return f.byType[hostType] }

func (f fakeCatalogue) HostTypes() []string {
	var ts []string
	for t := range f.byType {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

func (f fakeCatalogue) Advisories(string) []*engine.Advisory { return nil }

func newFakeCatalogue() fakeCatalogue {
	feature := &engine.Context{
		Path: "System/Feature", HostTypes: []string{"alpha"},
		Releases: engine.ReleaseRange{Since: engine.MustParseRelease("22.0")},
		Attributes: []engine.Attribute{
			{Name: "enabled", Type: engine.TypeBool},
			{Name: "newKnob", Type: engine.TypeInt, Min: 1, Max: 9, Releases: engine.ReleaseRange{Since: engine.MustParseRelease("24.0")}},
		},
	}
	alphaLimits := &engine.Context{
		Path: "System/Limits", HostTypes: []string{"alpha"},
		Attributes: []engine.Attribute{{Name: "max", Type: engine.TypeInt}},
	}
	betaLimits := &engine.Context{
		Path: "System/Limits", HostTypes: []string{"beta"},
		Attributes: []engine.Attribute{{Name: "max", Type: engine.TypeInt}, {Name: "burst", Type: engine.TypeInt}},
	}
	betaOnly := &engine.Context{
		Path: "Beta/Only", HostTypes: []string{"beta"},
		Attributes: []engine.Attribute{{Name: "x", Type: engine.TypeString}},
	}
	legacy := &engine.Context{
		Path: "System/Legacy", HostTypes: []string{"alpha"},
		Releases:   engine.ReleaseRange{Until: engine.MustParseRelease("22.0")},
		Attributes: []engine.Attribute{{Name: "on", Type: engine.TypeBool}},
	}
	return fakeCatalogue{byType: map[string][]*engine.Context{
		"alpha": {feature, alphaLimits, legacy},
		"beta":  {betaLimits, betaOnly},
	}}
}

const fakeInventory = `
host "a1" {
  address = "10.0.0.1"
  type    = "alpha"
}
host "b1" {
  address = "10.0.0.2"
  type    = "beta"
}
`

func ctyString(s string) cty.Value { return cty.StringVal(s) }
