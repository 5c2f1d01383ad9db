package config

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks"
	"github.com/bwstate/bwstate/providers/broadworks/bwcli"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// fuzzSecretDecl declares the sensitive variable FuzzLoad gives a value,
// in a file of its own so that the fuzzed file's positions are its own.
const fuzzSecretDecl = `
variable "secret" {
  type      = string
  sensitive = true
  default   = "fallback-secret"
}
`

// fuzzFacts are facts a plan could see: release 22, one alarm.
func fuzzFacts(hostType string) *engine.Facts {
	return &engine.Facts{TypeShown: strings.ToUpper(hostType) + "_CLI", TypeShownBy: "the server's CLI", Type: hostType, Release: engine.MustParseRelease("22.0"), ReleaseString: "Rel_22.0_1.1123",
		Patches: []string{"AP.xsp.22.0.1123.ap372640"}, Alarms: []string{"bwOpenClientServerASConnFailed"}}
}

// addConfigSeeds seeds f with every configuration file of the examples and
// of the golden tests, and the sources in testdata/fuzz/FuzzLoad (go test
// reads those itself).
func addConfigSeeds(f *testing.F, add func([]byte)) {
	f.Helper()
	var files []string
	for _, pattern := range []string{"../../examples/*/*.bw.hcl", "testdata/*/*/*.bw.hcl"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		f.Fatalf("found only %d seed configurations", len(files))
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
}

// FuzzLoad loads a one-file configuration (plus the declaration of a
// sensitive variable) against the real catalogue and checks what bwstate
// relies on:
//   - Load never panics and always returns a Config whose Parser renders
//     the diagnostics;
//   - the value of a sensitive variable never appears in a rendered
//     diagnostic (with snippets) unless the file itself holds that text;
//   - a configuration Load accepts only holds what the BWCLI driver
//     accepts too: every path, attribute and column name, value, row key
//     and restart application of every host's Desired (with facts) passes
//     the driver's own checks, so validate never passes what apply refuses;
//   - Desired and Checks fail only with *EvalError, and never panic;
//   - FormatSource never panics and keeps a file that parses parseable.
func FuzzLoad(f *testing.F) {
	addConfigSeeds(f, func(b []byte) { f.Add(b, "s3cr3t-value") })
	f.Add([]byte(`host "h" {
  address = "10.0.0.1"
  type    = "xsp"
}
context "c" {
  hosts = group.all
  path  = var.secret
  set { enabled = false }
}
`), "Applications/OpenClientServer/CAPProxy")
	f.Add([]byte(`host "h" {
  address = "10.0.0.1"
  type    = "xsp"
}
context "c" {
  hosts = group.all
  path  = "Interface/SNMP/Agent"
  set { port = var.secret }
}
`), "not-a-port")
	f.Fuzz(func(t *testing.T, src []byte, secret string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "0vars.bw.hcl"), []byte(fuzzSecretDecl), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.bw.hcl"), src, 0o600); err != nil {
			t.Fatal(err)
		}
		cat := catalog.New()
		cfg, diags := Load(dir, LoadOptions{Catalogue: cat, Connections: broadworks.SSHBlock{}, Vars: []string{"secret=" + secret}})
		if cfg == nil || cfg.Parser == nil {
			t.Fatal("Load returned no Config or no Parser")
		}
		var out bytes.Buffer
		if err := WriteDiagnostics(&out, diags, cfg.Parser, 100, false); err != nil {
			t.Fatalf("render diagnostics: %v", err)
		}
		if len(secret) >= 6 && !bytes.Contains(src, []byte(secret)) && !strings.Contains(fuzzSecretDecl, secret) &&
			strings.Contains(out.String(), secret) {
			t.Fatalf("a diagnostic prints the sensitive value %q:\n%s", secret, out.String())
		}
		formatted := FormatSource(src)
		if _, d := hclsyntax.ParseConfig(src, "a.hcl", hcl.InitialPos); !d.HasErrors() {
			if _, d := hclsyntax.ParseConfig(formatted, "b.hcl", hcl.InitialPos); d.HasErrors() {
				t.Fatalf("formatting broke a file that parsed: %s\n%s", d.Error(), formatted)
			}
		}
		if diags.HasErrors() {
			return
		}
		if _, err := hex.DecodeString(cfg.Hash); err != nil || len(cfg.Hash) != 64 {
			t.Errorf("configuration hash %q is not a SHA-256", cfg.Hash)
		}
		for _, r := range cfg.Resources {
			if err := bwcli.CheckPath(r.Path); err != nil {
				t.Errorf("%s: accepted path %q that the driver refuses: %v", r.Addr, r.Path, err)
			}
			if r.Restart != "" {
				if err := bwcli.CheckName(r.Restart); err != nil {
					t.Errorf("%s: accepted restart %q that the driver refuses: %v", r.Addr, r.Restart, err)
				}
			}
		}
		sel, sd := cfg.Select(nil, nil)
		if sd.HasErrors() {
			t.Fatalf("selecting everything of an accepted configuration failed: %s", sd.Error())
		}
		for _, h := range sel.Hosts {
			desired, err := cfg.Desired(sel, h, fuzzFacts(h.Type))
			var ee *EvalError
			if err != nil && !errors.As(err, &ee) {
				t.Fatalf("Desired for %s failed without an *EvalError: %v", h.Name, err)
			}
			for _, d := range desired {
				checkDesiredForDriver(t, d)
			}
			if _, err := cfg.Checks(sel, h, fuzzFacts(h.Type)); err != nil && !errors.As(err, &ee) {
				t.Fatalf("Checks for %s failed without an *EvalError: %v", h.Name, err)
			}
		}
	})
}

// checkDesiredForDriver checks one evaluated resource with the driver's
// rules: what the configuration hands to a provider must be sendable.
func checkDesiredForDriver(t *testing.T, d *engine.Desired) {
	t.Helper()
	if err := bwcli.CheckPath(d.Path); err != nil {
		t.Errorf("%s: path %q refused by the driver: %v", d.Resource, d.Path, err)
	}
	check := func(f engine.Field) {
		if err := bwcli.CheckName(f.Name); err != nil {
			t.Errorf("%s: name %q refused by the driver: %v", d.Resource, f.Name, err)
		}
		prompted := false
		if d.Schema != nil {
			if a := d.Schema.Attribute(f.Name); a != nil {
				prompted = a.Prompted
			}
		}
		if prompted && f.Value == "" {
			t.Errorf("%s: empty password for %s, which the driver cannot type", d.Resource, f.Name)
		}
		if _, err := bwcli.QuoteValue(f.Value); err != nil {
			t.Errorf("%s: value of %s refused by the driver: %v", d.Resource, f.Name, err)
		}
	}
	for _, f := range d.Attrs {
		check(f)
	}
	for _, row := range d.Rows {
		for _, f := range row {
			check(f)
		}
	}
}

// FuzzCLIRules checks that the configuration's rules for values, paths and
// application names are exactly the driver's: a value UnsafeReason accepts
// QuoteValue accepts and the other way round, and a path or application
// name the configuration accepts the driver accepts. Agreement is what
// lets validate promise that apply will not refuse a value, and keeps the
// driver's refusal a real second line of defence rather than a different
// rule.
func FuzzCLIRules(f *testing.F) {
	for _, s := range []string{"", "a", "a b", "a;b", "a\\", `a\b`, "a\u2028b", "a\u0085b", "\x00", "caf\xe9", "-x", ".x", "x.", "..",
		"Applications/OpenClientServer", "/a//b/", strings.Repeat("a", 129), strings.Repeat("b", 1025)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, qerr := bwcli.QuoteValue(s)
		if why := UnsafeReason(s); (why == "") != (qerr == nil) {
			t.Errorf("value %q: configuration says %q, driver says %v", s, why, qerr)
		}
		if validPath(s) == "" {
			if err := bwcli.CheckPath(canonicalPath(s)); err != nil {
				t.Errorf("path %q: accepted by the configuration, refused by the driver: %v", s, err)
			}
		}
		if validAppName(s) == "" {
			if err := bwcli.CheckName(s); err != nil {
				t.Errorf("application %q: accepted by the configuration, refused by the driver: %v", s, err)
			}
		}
		if s != "" && validAttrName(s) == "" {
			if err := bwcli.CheckName(s); err != nil {
				t.Errorf("attribute %q: accepted by the configuration, refused by the driver: %v", s, err)
			}
		}
	})
}

// TestUnsafeRulesMatchDriver pins the cases where the configuration used to
// accept what the driver refuses at apply time: each must now fail
// validate, with a diagnostic.
func TestUnsafeRulesMatchDriver(t *testing.T) {
	const host = "host \"h\" {\n  address = \"10.0.0.1\"\n  type    = \"xsp\"\n}\n"
	tests := map[string]struct {
		src     string
		summary string
	}{
		"line separator U+2028": {
			src:     host + "context \"c\" {\n  hosts = group.all\n  path  = \"Applications/OpenClientServer/GeneralSettings\"\n  set { systemDomain = \"a\u2028b\" }\n}\n",
			summary: "Unsafe value",
		},
		"paragraph separator U+2029": {
			src:     host + "context \"c\" {\n  hosts = group.all\n  path  = \"Applications/OpenClientServer/GeneralSettings\"\n  set { systemDomain = \"a\\u2029b\" }\n}\n",
			summary: "Unsafe value",
		},
		"trailing backslash": {
			src:     host + "context \"c\" {\n  hosts = group.all\n  path  = \"Applications/OpenClientServer/GeneralSettings\"\n  set { systemDomain = \"a\\\\\" }\n}\n",
			summary: "Unsafe value",
		},
		"path segment starting with a dash": {
			src:     host + "context \"c\" {\n  hosts = group.all\n  path  = \"Applications/-x\"\n  set { a = \"1\" }\n}\n",
			summary: "Invalid context path",
		},
		"path segment of 129 bytes": {
			src:     host + "context \"c\" {\n  hosts = group.all\n  path  = \"Applications/" + strings.Repeat("n", 129) + "\"\n  set { a = \"1\" }\n}\n",
			summary: "Invalid context path",
		},
		"restart starting with a dash": {
			src:     host + "context \"c\" {\n  hosts   = group.all\n  path    = \"Custom/Level\"\n  restart = \"-all\"\n  set { a = \"1\" }\n}\n",
			summary: "Invalid restart application",
		},
		"non-ASCII attribute name": {
			src:     host + "context \"c\" {\n  hosts = group.all\n  path  = \"Custom/Level\"\n  set { zürich = \"1\" }\n}\n",
			summary: "Invalid attribute name",
		},
		"attribute name of 129 bytes": {
			src:     host + "context \"c\" {\n  hosts = group.all\n  path  = \"Custom/Level\"\n  set { " + strings.Repeat("a", 129) + " = \"1\" }\n}\n",
			summary: "Invalid attribute name",
		},
		"empty prompted password": {
			src:     host + "context \"c\" {\n  hosts = group.all\n  path  = \"Applications/AuthenticationService/CISTokenValidation\"\n  set { clientSecret = \"\" }\n}\n",
			summary: "Empty password",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			diags, got := loadSource(t, tc.src)
			if !hasDiag(diags, tc.summary, "") {
				t.Errorf("wrong result\ngot: %q\nwant: an error %q", got, tc.summary)
			}
		})
	}
}

// TestValuesThatCannotBeReadBack: a value bwstate could write but never
// read back as written is refused by validate, naming the attribute;
// two spaces in a row are allowed only in a table's last column, where
// the driver reads the rest of the line as the cell.
func TestValuesThatCannotBeReadBack(t *testing.T) {
	const host = "host \"h\" {\n  address = \"10.0.0.1\"\n  type    = \"xsp\"\n}\n"
	set := func(attr, value string) string {
		return host + "context \"c\" {\n  hosts = group.all\n  path  = \"Applications/OpenClientServer/GeneralSettings\"\n  set { " + attr + " = " + value + " }\n}\n"
	}
	table := func(path, rows string) string {
		return host + "table \"t\" {\n  hosts = group.all\n  path  = \"" + path + "\"\n" + rows + "}\n"
	}
	tests := map[string]struct {
		src  string
		want string // "" means valid
	}{
		"leading space":         {set("systemDomain", `" example.com"`), `The value " example.com" of systemDomain begins or ends with a space.`},
		"trailing space":        {set("systemDomain", `"example.com "`), `The value "example.com " of systemDomain begins or ends with a space.`},
		"inner spaces in a set": {set("systemDomain", `"a  b"`), ""},
		"prompted password":     {host + "context \"c\" {\n  hosts = group.all\n  path  = \"Applications/AuthenticationService/CISTokenValidation\"\n  set { clientSecret = \" pw \" }\n}\n", ""},
		"last column":           {table("System/ManagementAccessList", "  row {\n    host        = \"10.9.0.5\"\n    description = \"Main  NOC\"\n  }\n"), ""},
		"middle column": {table("Maintenance/Scheduler", "  row {\n    name      = \"my  task\"\n    frequency = \"daily\"\n    hour      = 1\n    minute    = 2\n  }\n"),
			`The value "my  task" of name has two spaces in a row. Maintenance/Scheduler prints name between other columns, and two spaces are what separates columns, so bwstate could not read the row back; use single spaces (only the last column, minute, may hold two in a row).`},
		"key column":                       {table("System/ManagementAccessList", "  row {\n    host = \"a  b\"\n  }\n"), `The value "a  b" of host has two spaces in a row.`},
		"table cell with a trailing space": {table("System/ManagementAccessList", "  row {\n    host        = \"10.9.0.5\"\n    description = \"NOC \"\n  }\n"), `The value "NOC " of description begins or ends with a space.`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			diags, got := loadSource(t, tc.src)
			if tc.want == "" {
				if diags.HasErrors() {
					t.Errorf("wrong result\ngot:  %q\nwant: valid", got)
				}
				return
			}
			if !hasDiag(diags, "Value cannot be read back", tc.want) {
				t.Errorf("wrong result\ngot:  %q\nwant: Value cannot be read back: %s", got, tc.want)
			}
		})
	}
}

// loadSource loads one configuration file and returns its diagnostics,
// and the errors as text for a failure message.
func loadSource(t *testing.T, src string) (hcl.Diagnostics, []string) {
	t.Helper()
	_, diags := load(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
	var got []string
	for _, d := range diags.Errs() {
		got = append(got, d.Error())
	}
	return diags, got
}

// hasDiag reports a diagnostic with this summary whose detail contains
// detail.
func hasDiag(diags hcl.Diagnostics, summary, detail string) bool {
	for _, d := range diags {
		if d.Summary == summary && strings.Contains(d.Detail, detail) {
			return true
		}
	}
	return false
}
