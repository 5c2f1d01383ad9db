package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwstate/bwstate/engine"
)

// TestAdvisoriesAreConsistent: every advisory names a context and an
// attribute the catalogue has for each of its host types, on the releases
// it concerns, and its trigger is already in normalised CLI form (plan
// compares it with normalised live values).
func TestAdvisoriesAreConsistent(t *testing.T) {
	c := New()
	seen := map[string]bool{}
	for _, a := range advisories() {
		t.Run(a.ID, func(t *testing.T) {
			if a.ID == "" || seen[a.ID] {
				t.Fatalf("wrong result: advisory ID %q is empty or not unique", a.ID)
			}
			seen[a.ID] = true
			if len(a.HostTypes) == 0 || a.Message == "" {
				t.Fatalf("wrong result: advisory %s has no host types or no message", a.ID)
			}
			for _, ht := range a.HostTypes {
				ctx, ok := c.Lookup(ht, a.Path)
				if !ok {
					t.Fatalf("wrong result: advisory %s names %s, which %s hosts do not have", a.ID, a.Path, ht)
				}
				if ctx.Path != a.Path || ctx.Kind != engine.AttributeContext {
					t.Errorf("wrong result\ngot:  path %s (%s)\nwant: the catalogue's spelling %s of an attribute context", a.Path, ctx.Kind, ctx.Path)
				}
				attr := ctx.Attribute(a.Attr)
				if attr == nil || attr.Name != a.Attr {
					t.Fatalf("wrong result: advisory %s names attribute %s, not in %s in that spelling", a.ID, a.Attr, a.Path)
				}
				if n, err := attr.Normalize(a.Value); err != nil || n != a.Value {
					t.Errorf("wrong trigger value\ngot:  %q\nwant: normalised %q (%v)", a.Value, n, err)
				}
				if !a.Releases.Since.IsZero() && !ctx.Releases.Contains(a.Releases.Since) {
					t.Errorf("wrong result: %s does not exist on %s, where advisory %s applies", a.Path, a.Releases.Since, a.ID)
				}
				found := false
				for _, got := range c.Advisories(strings.ToUpper(ht)) {
					found = found || got.ID == a.ID
				}
				if !found {
					t.Errorf("wrong result: Advisories(%q) does not list %s", ht, a.ID)
				}
			}
		})
	}
}

func TestCAPAdvisory(t *testing.T) {
	c := New()
	tests := map[string]struct {
		hostType string
		release  string
		want     bool
	}{
		"xsp 21":                 {"xsp", "21.0", false},
		"xsp 22":                 {"xsp", "22.0", true},
		"adp 24":                 {"adp", "24.0", true},
		"release-independent":    {"xsp", "2022.11", true},
		"as has no CAPProxy":     {"as", "24.0", false},
		"ns has no OCS either":   {"ns", "22.0", false},
		"case of the host type":  {"XSP", "22.0", true},
		"just below the release": {"adp", "21.9", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := false
			for _, a := range c.Advisories(tc.hostType) {
				if a.ID == AdvisoryCAPRemoved && a.Applies(tc.hostType, engine.MustParseRelease(tc.release)) {
					got = true
				}
			}
			if got != tc.want {
				t.Errorf("wrong result\ngot:  %v\nwant: %v", got, tc.want)
			}
		})
	}
}

// TestReleaseRules pins the release annotations that the configuration
// enforces per host (a context or attribute outside its range is a plan
// error for that host), and that CAPProxy stays on every release: it must
// still be there to be disabled after the 22.0 upgrade.
func TestReleaseRules(t *testing.T) {
	c := New()
	tests := map[string]struct {
		path, attr string
		release    string
		want       bool
	}{
		"CAPProxy on 20":                    {path: "Applications/OpenClientServer/CAPProxy", release: "20.0", want: true},
		"CAPProxy on 25":                    {path: "Applications/OpenClientServer/CAPProxy", release: "25.0", want: true},
		"CAPProxy on 2023.03":               {path: "Applications/OpenClientServer/CAPProxy", release: "2023.03", want: true},
		"CAPProxy enabled on 25":            {path: "Applications/OpenClientServer/CAPProxy", attr: "enabled", release: "25.0", want: true},
		"CISTokenValidation on 21":          {path: "Applications/AuthenticationService/CISTokenValidation", release: "21.0", want: false},
		"CISTokenValidation on 22":          {path: "Applications/AuthenticationService/CISTokenValidation", release: "22.0", want: true},
		"response caching on 22":            {path: "Applications/OpenClientServer/OCIProxy", attr: "enableResponseCaching", release: "22.0", want: false},
		"response caching on 23":            {path: "Applications/OpenClientServer/OCIProxy", attr: "enableResponseCaching", release: "23.0", want: true},
		"response cache duration on 22":     {path: "Applications/OpenClientServer/OCIProxy", attr: "responseCacheDurationHours", release: "22.0", want: false},
		"OCIProxy enabled on 21":            {path: "Applications/OpenClientServer/OCIProxy", attr: "enabled", release: "21.0", want: true},
		"response caching, release-indep.":  {path: "Applications/OpenClientServer/OCIProxy", attr: "enableResponseCaching", release: "2022.11", want: true},
		"CISTokenValidation, release-indep": {path: "Applications/AuthenticationService/CISTokenValidation", release: "2022.11", want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, ok := c.Lookup("xsp", tc.path)
			if !ok {
				t.Fatalf("wrong result: %s is not in the catalogue", tc.path)
			}
			rr := ctx.Releases
			if tc.attr != "" {
				a := ctx.Attribute(tc.attr)
				if a == nil {
					t.Fatalf("wrong result: %s has no %s", tc.path, tc.attr)
				}
				rr = a.Releases
			}
			if got := rr.Contains(engine.MustParseRelease(tc.release)); got != tc.want {
				t.Errorf("wrong result for release %s\ngot:  %v (%s)\nwant: %v", tc.release, got, rr, tc.want)
			}
		})
	}
}

// TestGuessedRangesAreMarked: release ranges are mostly guesses, so each
// context with one says so in Doc (import comments and documentation show
// it).
func TestGuessedRangesAreMarked(t *testing.T) {
	c := New()
	for _, ht := range c.HostTypes() {
		for _, ctx := range c.Contexts(ht) {
			if !ctx.Releases.IsZero() && !strings.Contains(ctx.Doc, "[G]") && !strings.Contains(ctx.Doc, "[C]") {
				t.Errorf("wrong result: %s has a release range but its Doc tags no source: %q", ctx.Path, ctx.Doc)
			}
		}
	}
}

// TestAdvisoriesDocumented: docs/plan-output.md lists every advisory and
// shows the warning of the first one exactly as plan prints it.
func TestAdvisoriesDocumented(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "plan-output.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, a := range advisories() {
		if !strings.Contains(doc, "| `"+a.ID+"` |") {
			t.Errorf("wrong result: docs/plan-output.md has no table row for advisory %s", a.ID)
		}
	}
	first := advisories()[0]
	if want := "warning: advisory " + first.ID + ": " + first.Message; !strings.Contains(doc, want) {
		t.Errorf("wrong result: docs/plan-output.md does not show the warning\nwant it to contain: %s", want)
	}
}

// TestLookupOtherTypes: a context listed for other server types is found
// with its schema, marked as not native; a path nobody lists is not.
func TestLookupOtherTypes(t *testing.T) {
	c := New()
	tests := map[string]struct {
		hostType, path string
		found, native  bool
	}{
		"CAPProxy on xsp":      {"xsp", "Applications/OpenClientServer/CAPProxy", true, true},
		"CAPProxy on as":       {"as", "/applications/openclientserver/capproxy", true, false},
		"Interface/SIP on xsp": {"xsp", "Interface/SIP", true, false},
		"unknown path":         {"as", "Applications/Nope", false, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, ok := c.Lookup(tc.hostType, tc.path)
			if ok != tc.found {
				t.Fatalf("wrong result\ngot:  found %v\nwant: %v", ok, tc.found)
			}
			if ok && Native(ctx, tc.hostType) != tc.native {
				t.Errorf("wrong result\ngot:  native %v\nwant: %v", !tc.native, tc.native)
			}
		})
	}
	// Drift lists only what the catalogue lists for the type.
	for _, ctx := range c.Contexts("as") {
		if !Native(ctx, "as") {
			t.Errorf("Contexts(as) lists %s, which is not listed for as", ctx.Path)
		}
	}
}
