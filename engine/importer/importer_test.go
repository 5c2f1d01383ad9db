package importer

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/engine/plan"
	"github.com/bwstate/bwstate/providers/broadworks"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

var importTime = time.Date(2026, 11, 27, 10, 15, 0, 0, time.UTC)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("wrong output for %s (-want +got):\n%s", path, diff)
	}
}

func generate(t *testing.T, in Input) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Generate(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// parses fails the test when src is not valid HCL.
func parses(t *testing.T, src []byte) {
	t.Helper()
	if _, diags := hclparse.NewParser().ParseHCL(src, "import.bw.hcl"); diags.HasErrors() {
		t.Fatalf("the generated HCL does not parse: %v\n%s", diags, src)
	}
}

func attrsObs(path string, kv ...string) *engine.Observed {
	o := &engine.Observed{Path: path, Kind: engine.AttributeContext, Attrs: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		o.Attrs[kv[i]] = kv[i+1]
		o.Order = append(o.Order, kv[i])
	}
	return o
}

func rowsObs(path string, rows ...map[string]string) *engine.Observed {
	return &engine.Observed{Path: path, Kind: engine.TableContext, Rows: rows}
}

var (
	xsp1    = &engine.Host{Name: "xsp1", Address: "10.1.0.11", Type: "xsp"}
	xspFact = &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("22.0"), ReleaseString: "Rel_22.0_1.1123"}
)

func lookup(t *testing.T, path string) *engine.Context {
	t.Helper()
	c, ok := catalog.New().Lookup("xsp", path)
	if !ok {
		t.Fatalf("the catalogue has no %s", path)
	}
	return c
}

// TestGenerateGolden pins the output for every kind of item: typed values,
// sensitive variables, prompted passwords, read-only and unknown contexts,
// values that cannot be kept, rows that turn exclusive off, names.
func TestGenerateGolden(t *testing.T) {
	const secret = "s3cr3t-community"
	tests := map[string]Input{
		"cap_proxy.golden": {
			Host: xsp1, Facts: xspFact, Time: importTime,
			Items: []Item{{Schema: lookup(t, "Applications/OpenClientServer/CAPProxy"), Path: "applications/openclientserver/capproxy",
				Observed: attrsObs("Applications/OpenClientServer/CAPProxy", "enabled", "true", "serverPort", "2206", "numConnections", "1")}},
		},
		"named.golden": {
			Host: xsp1, Facts: xspFact, Time: importTime,
			Items: []Item{{Schema: lookup(t, "Applications/OpenClientServer/CAPProxy"), Name: "cap-proxy",
				Observed: attrsObs("Applications/OpenClientServer/CAPProxy", "enabled", "FALSE", "serverPort", "02206", "numConnections", "1")}},
		},
		"all.golden": {
			Host: &engine.Host{Name: "xsp-2.lab", Address: "10.1.0.12", Type: "xsp"}, Facts: xspFact, Time: importTime,
			Items: []Item{
				{Schema: lookup(t, "Interface/SNMP/Agent"), Observed: attrsObs("Interface/SNMP/Agent",
					"port", "8161", "encoding", "utf-8", "readCommunity", secret, "writeCommunity", "", "trapCommunity", secret,
					"trapSourceAddress", "", "disableV2", "false", "hostMibII", "true", "newThing", "x")},
				{Schema: lookup(t, "Applications/AuthenticationService/CISTokenValidation"), Observed: attrsObs("Applications/AuthenticationService/CISTokenValidation",
					"enabled", "true", "clientId", "bw-${client}", "clientSecret", "********")},
				{Schema: lookup(t, "Applications/OpenClientServer/OCIProxy"), Observed: attrsObs("Applications/OpenClientServer/OCIProxy",
					"enabled", "true", "enableLoginLevelScreening", "false", "enableResponseCaching", "true", "responseCacheDurationHours", "24",
					"responseCacheRenewPeriodMins", "10", "messageQueueCapacity", "lots", "messageQueueTimeoutSeconds", "1800")},
				{Schema: lookup(t, "Applications/OpenClientServer/GeneralSettings"), Observed: attrsObs("Applications/OpenClientServer/GeneralSettings",
					"systemDomain", "a;b", "clientPortEnabled", "true")},
				{Schema: lookup(t, "System/ManagementAccessList"), Observed: rowsObs("System/ManagementAccessList",
					map[string]string{"host": "10.9.0.5", "description": "NOC"},
					map[string]string{"host": "10.9.0.6", "description": ""})},
				{Schema: lookup(t, "Maintenance/Scheduler"), Observed: rowsObs("Maintenance/Scheduler",
					map[string]string{"id": "1", "name": "rotate", "frequency": "day", "day": "Sunday", "hour": "4", "minute": "0", "offset": ""},
					map[string]string{"id": "2", "name": "backup", "frequency": "minute", "day": "", "hour": "", "minute": "30", "offset": "1"},
					map[string]string{"id": "3", "name": "rotate", "frequency": "day", "day": "sunday", "hour": "4", "minute": "0", "offset": ""})},
				{Schema: lookup(t, "Interface/SNMP/TrapTable"), Observed: rowsObs("Interface/SNMP/TrapTable")},
				{Schema: lookup(t, "Monitoring/Alarm/AlarmsTable"), Observed: rowsObs("Monitoring/Alarm/AlarmsTable",
					map[string]string{"id": "66414", "name": "bwOpenClientServerASConnFailed"})},
				{Path: "Applications/Custom/Thing", Observed: attrsObs("Applications/Custom/Thing",
					"mode", "fast", "password", "********", "odd name", "v", "count", "3")},
				{Path: "Applications/Custom/Table", Observed: rowsObs("Applications/Custom/Table", map[string]string{"A": "1"})},
				{Schema: lookup(t, "Applications/OpenClientServer/NSOCIProxy"), Observed: rowsObs("Applications/OpenClientServer/NSOCIProxy")},
			},
		},
		"release_21.golden": {
			Host: xsp1, Facts: &engine.Facts{Type: "xsp", Release: engine.MustParseRelease("21.0"), ReleaseString: "Rel_21.0_1.551"}, Time: importTime,
			Items: []Item{{Schema: lookup(t, "Applications/AuthenticationService/CISTokenValidation"),
				Observed: attrsObs("Applications/AuthenticationService/CISTokenValidation", "enabled", "false")}},
		},
		"row_problems.golden": {
			Host: xsp1, Facts: xspFact, Time: importTime,
			Items: []Item{{Schema: lookup(t, "Interface/SNMP/TrapTable"), Observed: rowsObs("Interface/SNMP/TrapTable",
				map[string]string{"ipAddress": "10.2.0.1", "port": "162", "version": "v2c", "description": "NMS"},
				map[string]string{"ipAddress": "", "port": "162", "version": "v1", "description": ""},
				map[string]string{"ipAddress": "10.2.0.3", "port": "99999", "version": "v1", "description": ""},
				map[string]string{"ipAddress": "10.2.0.4", "port": "162", "version": "", "description": "bad\x1b[2J"},
				map[string]string{"ipAddress": "10.2.0.5", "version": "v1"})}},
		},
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			out := generate(t, in)
			parses(t, out)
			if bytes.Contains(out, []byte(secret)) {
				t.Errorf("wrong result: the output holds the sensitive value:\n%s", out)
			}
			golden(t, name, out)
		})
	}
}

func TestNames(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"acronym first":    {in: "CAPProxy", want: "cap_proxy"},
		"acronyms":         {in: "NSOCIProxy", want: "nsoci_proxy"},
		"camel":            {in: "LoginLevelAllowed", want: "login_level_allowed"},
		"lower first":      {in: "readCommunity", want: "read_community"},
		"all caps":         {in: "SIP", want: "sip"},
		"digits":           {in: "Rel24Thing", want: "rel24_thing"},
		"odd characters":   {in: "a.b-c d", want: "a_b_c_d"},
		"already snake":    {in: "login_level", want: "login_level"},
		"trailing acronym": {in: "ManagementACL", want: "management_acl"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := snake(tc.in); got != tc.want {
				t.Errorf("wrong result\ngot:  %s\nwant: %s", got, tc.want)
			}
		})
	}
	hosts := map[string]string{"xsp1": "xsp1", "xsp-2.lab": "xsp_2_lab", "10.1.0.5": "h10_1_0_5", "_x": "x"}
	for in, want := range hosts {
		if got := sanitize(in); got != want {
			t.Errorf("wrong result for host %q\ngot:  %s\nwant: %s", in, got, want)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	obs := attrsObs("Applications/OpenClientServer/CAPProxy", "enabled", "true")
	cap := lookup(t, "Applications/OpenClientServer/CAPProxy")
	tests := map[string]struct {
		in   Input
		want string
	}{
		"no host":         {in: Input{Items: []Item{{Schema: cap, Observed: obs}}}, want: "import: no host"},
		"nothing read":    {in: Input{Host: xsp1, Items: []Item{{Schema: cap}}}, want: "import: Applications/OpenClientServer/CAPProxy: nothing was read"},
		"invalid name":    {in: Input{Host: xsp1, Items: []Item{{Schema: cap, Observed: obs, Name: "1cap"}}}, want: `import: name "1cap" is not a valid block name: use letters, digits, underscores and dashes, starting with a letter`},
		"name with dot":   {in: Input{Host: xsp1, Items: []Item{{Schema: cap, Observed: obs, Name: "cap.proxy"}}}, want: `import: name "cap.proxy" is not a valid block name: use letters, digits, underscores and dashes, starting with a letter`},
		"name used twice": {in: Input{Host: xsp1, Items: []Item{{Schema: cap, Observed: obs, Name: "cap"}, {Schema: cap, Observed: obs, Name: "cap"}}}, want: `import: name "cap" is given to two contexts`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := Generate(&bytes.Buffer{}, tc.in)
			if err == nil || err.Error() != tc.want {
				t.Errorf("wrong error\ngot:  %v\nwant: %s", err, tc.want)
			}
		})
	}
}

// TestDefaultNamesAreUnique: two contexts with the same last segment, and
// an explicit name that a default would take, still get distinct names.
func TestDefaultNamesAreUnique(t *testing.T) {
	cap := lookup(t, "Applications/OpenClientServer/CAPProxy")
	obs := attrsObs(cap.Path, "enabled", "false")
	in := Input{Host: xsp1, Facts: xspFact, Time: importTime, Items: []Item{
		{Schema: cap, Observed: obs},
		{Path: "Other/CAPProxy", Observed: attrsObs("Other/CAPProxy", "x", "1")},
		{Schema: cap, Observed: obs, Name: "xsp1_cap_proxy_2"},
	}}
	out := string(generate(t, in))
	for _, want := range []string{`context "xsp1_cap_proxy" {`, `context "xsp1_cap_proxy_3" {`, `context "xsp1_cap_proxy_2" {`} {
		if strings.Count(out, want) != 1 {
			t.Errorf("wrong result: want exactly one %s in:\n%s", want, out)
		}
	}
}

// observedFor makes live state for a catalogue context that differs from
// its defaults wherever it can, so a round trip cannot pass by accident.
func observedFor(c *engine.Context) (*engine.Observed, error) {
	val := func(a *engine.Attribute, row int) string {
		switch {
		case a.Prompted:
			return "********"
		case a.Sensitive:
			return fmt.Sprintf("s3cr3t %s %d", a.Name, row)
		}
		switch a.Type {
		case engine.TypeBool:
			if a.Default == "true" {
				return "FALSE" // the server's spelling may differ from the normalised one
			}
			return "true"
		case engine.TypeInt:
			n := a.Min + int64(row) + 1
			if a.Max != 0 && n > a.Max {
				n = a.Max
			}
			return strconv.FormatInt(n, 10)
		case engine.TypeChoice:
			return strings.ToLower(a.Choices[(len(a.Choices)-1-row+len(a.Choices))%len(a.Choices)])
		}
		if a.Key {
			return fmt.Sprintf("key-%s-%d", a.Name, row)
		}
		return fmt.Sprintf("imported %s %d ${x}", a.Name, row)
	}
	if c.Kind == engine.AttributeContext {
		obs := &engine.Observed{Path: c.Path, Kind: c.Kind, Attrs: map[string]string{}}
		for i := range c.Attributes {
			a := &c.Attributes[i]
			obs.Attrs[a.Name] = val(a, 0)
			obs.Order = append(obs.Order, a.Name)
		}
		return obs, nil
	}
	obs := &engine.Observed{Path: c.Path, Kind: c.Kind}
	for row := range 3 {
		r := map[string]string{}
		for i := range c.Attributes {
			a := &c.Attributes[i]
			r[a.Name] = val(a, row)
			if a.Key && a.Type == engine.TypeInt && c.IDKeyed {
				r[a.Name] = strconv.Itoa(row + 1)
			}
			if a.Optional && row == 2 && a.Type != engine.TypeString {
				r[a.Name] = "" // an optional column the server left empty
			}
		}
		if rf := c.RowForms; rf != nil {
			// A server prints what the row's form has: its required
			// columns filled, the columns of other forms empty.
			form := rf.Forms[r[rf.By]]
			for i := range c.Attributes {
				a := &c.Attributes[i]
				switch {
				case !a.Optional:
				case slices.Contains(form.Required, a.Name):
					r[a.Name] = val(a, row)
				case !form.Allows(a.Name):
					r[a.Name] = ""
				}
			}
		}
		obs.Rows = append(obs.Rows, r)
	}
	return obs, nil
}

// TestRoundTrip imports every catalogue context of every host type on
// several releases, loads the output with the real configuration loader
// and plans it with the same live state: nothing may change.
func TestRoundTrip(t *testing.T) {
	cat := catalog.New()
	for _, ht := range cat.HostTypes() {
		for _, relText := range []string{"21.0", "22.0", "24.0", "2022.11"} {
			rel := engine.MustParseRelease(relText)
			t.Run(fmt.Sprintf("%s/%s", ht, rel), func(t *testing.T) {
				host := &engine.Host{Name: ht + "1", Address: "10.0.0.1", Type: ht}
				facts := &engine.Facts{Type: ht, Release: rel, ReleaseString: "Rel_" + rel.String() + "_1.1"}
				in := Input{Host: host, Facts: facts, Time: importTime}
				observed := map[string]*engine.Observed{}
				for _, c := range cat.Contexts(ht) {
					obs, err := observedFor(c)
					if err != nil {
						t.Fatal(err)
					}
					observed[c.Path] = obs
					in.Items = append(in.Items, Item{Schema: c, Path: c.Path, Observed: obs})
				}
				out := generate(t, in)
				vars, err := Variables(in)
				if err != nil {
					t.Fatal(err)
				}
				var varArgs []string
				for _, v := range vars {
					obs := observed[v.Path]
					value := obs.Attrs[v.Attr]
					if v.Row >= 0 {
						value = obs.Rows[v.Row][v.Attr]
					}
					if bytes.Contains(out, []byte(value)) {
						t.Errorf("wrong result: the output holds the sensitive value of %s %s", v.Path, v.Attr)
					}
					varArgs = append(varArgs, v.Name+"="+value)
				}
				cfg := loadGenerated(t, out, host, varArgs)
				desired, err := cfg.Desired(nil, cfg.Host(host.Name), facts)
				if err != nil {
					t.Fatalf("the imported configuration does not evaluate: %v\n%s", err, out)
				}
				if len(desired) == 0 {
					t.Fatalf("wrong result: nothing was imported\n%s", out)
				}
				hp := plan.DiffHost(cfg.Host(host.Name), facts, desired, observed, nil, nil)
				if hp.Error != "" || len(hp.Changes) > 0 || len(hp.Restarts) > 0 {
					var b bytes.Buffer
					for _, ch := range hp.Changes {
						fmt.Fprintf(&b, "%s %s %v:", ch.Action, ch.Path, ch.Key)
						for _, a := range ch.Attrs {
							fmt.Fprintf(&b, " %s %q->%q", a.Name, a.Before, a.After)
						}
						b.WriteString("\n")
					}
					t.Errorf("wrong result: the imported configuration is not a no-op\nerror: %s\nchanges:\n%s\nconfiguration:\n%s", hp.Error, b.String(), out)
				}
			})
		}
	}
}

// loadGenerated loads the generated file beside a one-host inventory.
func loadGenerated(t *testing.T, src []byte, h *engine.Host, vars []string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	inv := fmt.Sprintf("host %q {\n  address = %q\n  type    = %q\n}\n", h.Name, h.Address, h.Type)
	for name, data := range map[string][]byte{"inventory.bw.hcl": []byte(inv), "import.bw.hcl": src} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, diags := config.Load(dir, config.LoadOptions{Catalogue: catalog.New(), Connections: broadworks.SSHBlock{}, Vars: vars})
	if diags.HasErrors() {
		var b bytes.Buffer
		_ = config.WriteDiagnostics(&b, diags, cfg.Parser, 0, false)
		t.Fatalf("the imported configuration does not load:\n%s\n%s", b.String(), src)
	}
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning && !strings.Contains(d.Summary+d.Detail, "catalogue") {
			t.Errorf("unexpected warning: %s: %s", d.Summary, d.Detail)
		}
	}
	return cfg
}

// TestContexts: import -all reads what can be imported on the release.
func TestContexts(t *testing.T) {
	cat := catalog.New()
	var got []string
	for _, c := range Contexts(cat, &engine.Facts{Type: "xsp", Release: engine.MustParseRelease("21.0")}) {
		got = append(got, c.Path)
	}
	for _, p := range got {
		if p == "Monitoring/Alarm/AlarmsTable" || p == "Applications/AuthenticationService/CISTokenValidation" {
			t.Errorf("wrong result: Contexts lists %s on release 21.0", p)
		}
	}
	if len(got) == 0 || len(got) != len(cat.Contexts("xsp"))-2 {
		t.Errorf("wrong result\ngot:  %v\nwant: every xsp context but the alarms table and CISTokenValidation", got)
	}
}

// TestVariables: every sensitive value, of an attribute or of a table
// column, becomes a variable whose origin Variables reports, and the value
// is not in the output.
func TestVariables(t *testing.T) {
	tokens := &engine.Context{Path: "System/Tokens", Kind: engine.TableContext, Attributes: []engine.Attribute{
		{Name: "name", Type: engine.TypeString, Column: "Name", Key: true},
		{Name: "token", Type: engine.TypeString, Column: "Token", Sensitive: true},
	}}
	in := Input{Host: xsp1, Facts: xspFact, Time: importTime, Items: []Item{
		{Schema: lookup(t, "Interface/SNMP/Agent"), Observed: attrsObs("Interface/SNMP/Agent", "port", "8001", "readCommunity", "public-1")},
		{Schema: tokens, Observed: rowsObs("System/Tokens",
			map[string]string{"name": "a", "token": "tok-a"}, map[string]string{"name": "b", "token": "tok-b"})},
	}}
	got, err := Variables(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []Variable{
		{Name: "xsp1_agent_read_community", Block: "context.xsp1_agent", Path: "Interface/SNMP/Agent", Attr: "readCommunity", Row: -1},
		{Name: "xsp1_tokens_row1_token", Block: "table.xsp1_tokens", Path: "System/Tokens", Attr: "token", Row: 0},
		{Name: "xsp1_tokens_row2_token", Block: "table.xsp1_tokens", Path: "System/Tokens", Attr: "token", Row: 1},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("wrong result (-want +got):\n%s", d)
	}
	out := string(generate(t, in))
	parses(t, []byte(out))
	for _, secret := range []string{"public-1", "tok-a", "tok-b"} {
		if strings.Contains(out, secret) {
			t.Errorf("wrong result: the output holds %q:\n%s", secret, out)
		}
	}
	for _, v := range want {
		if !strings.Contains(out, "= var."+v.Name+"\n") || !strings.Contains(out, `variable "`+v.Name+`" {`) {
			t.Errorf("wrong result: %s is not declared and used:\n%s", v.Name, out)
		}
	}
}

// TestRoundTripUnknownContext: a context the catalogue does not know is
// kept as strings and plans with no changes.
func TestRoundTripUnknownContext(t *testing.T) {
	// "modé" is an HCL identifier but not a name the configuration accepts
	// (attribute names are ASCII): it is left out with a comment.
	obs := attrsObs("Applications/Custom/Thing", "mode", "fast", "count", "3", "label", "a b ${c}", "secret", "********", "modé", "1")
	in := Input{Host: xsp1, Facts: xspFact, Time: importTime, Items: []Item{{Path: "applications/custom/thing", Observed: obs}}}
	out := generate(t, in)
	cfg := loadGenerated(t, out, xsp1, nil)
	desired, err := cfg.Desired(nil, cfg.Host("xsp1"), xspFact)
	if err != nil {
		t.Fatal(err)
	}
	if len(desired) != 1 || len(desired[0].Attrs) != 3 {
		t.Fatalf("wrong result\ngot:  %+v\nwant: one context with mode, count and label\n%s", desired, out)
	}
	hp := plan.DiffHost(cfg.Host("xsp1"), xspFact, desired, map[string]*engine.Observed{"Applications/Custom/Thing": obs}, nil, nil)
	if hp.Error != "" || len(hp.Changes) > 0 {
		t.Errorf("wrong result: error %q, %d changes\n%s", hp.Error, len(hp.Changes), out)
	}
}

// TestRoundTripNothingToSet: a context whose only attribute is a password
// and an empty table still load and plan with no changes.
func TestRoundTripNothingToSet(t *testing.T) {
	cis := lookup(t, "Applications/AuthenticationService/CISTokenValidation")
	traps := lookup(t, "Interface/SNMP/TrapTable")
	observed := map[string]*engine.Observed{
		cis.Path:   attrsObs(cis.Path, "clientSecret", "********"),
		traps.Path: rowsObs(traps.Path),
	}
	in := Input{Host: xsp1, Facts: xspFact, Time: importTime, Items: []Item{
		{Schema: cis, Observed: observed[cis.Path]}, {Schema: traps, Observed: observed[traps.Path]},
	}}
	out := generate(t, in)
	cfg := loadGenerated(t, out, xsp1, nil)
	desired, err := cfg.Desired(nil, cfg.Host("xsp1"), xspFact)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(desired) != 2 {
		t.Fatalf("wrong result\ngot:  %d resources\nwant: 2\n%s", len(desired), out)
	}
	hp := plan.DiffHost(cfg.Host("xsp1"), xspFact, desired, observed, nil, nil)
	if hp.Error != "" || len(hp.Changes) > 0 {
		t.Errorf("wrong result: error %q, %d changes\n%s", hp.Error, len(hp.Changes), out)
	}
}

// TestUndeclarableValuesRoundTrip: a live value bwstate cannot declare (a
// hostile server's terminal escapes, a C1 control, a quote or a template
// sequence next to them) is written commented out as an HCL string that,
// uncommented, evaluates to exactly the live value: the attribute's line
// in an attribute context, the whole row in a table (with exclusive off).
// Nothing raw reaches the output: it holds no control character but line
// ends.
func TestUndeclarableValuesRoundTrip(t *testing.T) {
	const hostile = "\x1b]0;pwned\x07\x1b[2J evil\u0085 \"${x}\" %{y} \\z\x7f"
	out := generate(t, Input{Host: xsp1, Facts: xspFact, Time: importTime, Items: []Item{
		{Schema: lookup(t, "Applications/OpenClientServer/GeneralSettings"), Observed: attrsObs("Applications/OpenClientServer/GeneralSettings",
			"systemDomain", hostile, "clientPortEnabled", "true")},
		{Schema: lookup(t, "System/ManagementAccessList"), Observed: rowsObs("System/ManagementAccessList",
			map[string]string{"host": "10.9.0.5", "description": hostile},
			map[string]string{"host": "10.9.0.6", "description": "NOC"})},
	}})
	parses(t, out)
	if i := bytes.IndexFunc(out, func(r rune) bool { return r != '\n' && (r < 0x20 || r >= 0x7f && r < 0xa0) }); i >= 0 {
		t.Fatalf("wrong result: a raw control character at byte %d of the output:\n%s", i, out)
	}
	text := string(out)
	if !strings.Contains(text, "  exclusive = false\n") || strings.Contains(text, "\n  exclusive = true\n") {
		t.Errorf("wrong result: the table with an undeclarable row keeps exclusive on:\n%s", text)
	}
	if !strings.Contains(text, "not imported, so plan leaves it as it is: ") || !strings.Contains(text, "bwstate refuses to send this value to the CLI: it contains the control character U+001B.") {
		t.Errorf("wrong result: the reason is not given in words:\n%s", text)
	}
	// Uncomment the attribute and the row and read them back.
	var attrLine string
	var row []string
	inRow := false
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "# systemDomain = "):
			attrLine = strings.TrimPrefix(t, "# ")
		case t == "# row {":
			inRow = true
			row = append(row, "row {")
		case inRow:
			row = append(row, strings.TrimPrefix(t, "# "))
			inRow = t != "# }"
		}
	}
	src := attrLine + "\n" + strings.Join(row, "\n") + "\n"
	f, diags := hclparse.NewParser().ParseHCL([]byte(src), "uncommented.hcl")
	if diags.HasErrors() {
		t.Fatalf("the commented-out lines do not parse once uncommented: %v\n%s", diags, src)
	}
	content, diags := f.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "systemDomain", Required: true}},
		Blocks: []hcl.BlockHeaderSchema{{Type: "row"}}})
	if diags.HasErrors() || len(content.Blocks) != 1 {
		t.Fatalf("the commented-out lines are not the attribute and one row: %v\n%s", diags, src)
	}
	v, diags := content.Attributes["systemDomain"].Expr.Value(nil)
	if diags.HasErrors() || v.AsString() != hostile {
		t.Errorf("wrong round trip of the attribute\ngot:  %#v (%v)\nwant: %q", v, diags, hostile)
	}
	attrs, _ := content.Blocks[0].Body.JustAttributes()
	got := map[string]string{}
	for name, a := range attrs {
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			t.Fatalf("row attribute %s: %v", name, diags)
		}
		got[name] = v.AsString()
	}
	if d := cmp.Diff(map[string]string{"host": "10.9.0.5", "description": hostile}, got); d != "" {
		t.Errorf("wrong round trip of the row (-want +got):\n%s", d)
	}
}
