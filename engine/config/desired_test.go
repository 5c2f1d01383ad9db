package config

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
)

var facts22 = &engine.Facts{Type: "xsp", Release: engine.MustParseRelease("22.0"), ReleaseString: "Rel_22.0_1.1123", Alarms: []string{"bwOpenClientServerASConnFailed"}}

// desiredFields loads a single context block and returns the fields Desired
// gives for xsp1, or the error text.
func desiredFields(t *testing.T, block string, facts *engine.Facts) ([]engine.Field, string) {
	t.Helper()
	c, diags := load(t, map[string]string{"main.bw.hcl": inventory + block}, LoadOptions{})
	if diags.HasErrors() {
		return nil, render(t, c, diags)
	}
	ds, err := c.Desired(nil, c.Host("xsp1"), facts)
	if err != nil {
		return nil, err.Error()
	}
	var out []engine.Field
	for _, d := range ds {
		out = append(out, d.Attrs...)
	}
	return out, ""
}

// TestDesiredNormalisation pins how HCL values become CLI values. Values
// are converted with cty's rules to the attribute's type: the string
// "true" is a bool and "2206" a number, "yes" is not a bool, and choices
// are matched case-insensitively and printed in the catalogue's case.
func TestDesiredNormalisation(t *testing.T) {
	const cap = "Applications/OpenClientServer/CAPProxy"
	const snmp = "Interface/SNMP/Agent"
	const general = "Applications/OpenClientServer/GeneralSettings"
	tests := map[string]struct {
		path string
		set  string
		want []engine.Field
		err  string
	}{
		"bool":                     {path: cap, set: `enabled = false`, want: []engine.Field{{Name: "enabled", Value: "false"}}},
		"bool from string true":    {path: cap, set: `enabled = "true"`, want: []engine.Field{{Name: "enabled", Value: "true"}}},
		"bool from yes is refused": {path: cap, set: `enabled = "yes"`, err: `enabled is a bool: use true or false, not "yes"`},
		"bool from number refused": {path: cap, set: `enabled = 1`, err: "enabled is a bool"},
		"bool from string 0":       {path: cap, set: `enabled = "0"`, want: []engine.Field{{Name: "enabled", Value: "false"}}},
		"bool upper case refused":  {path: cap, set: `enabled = "TRUE"`, err: `not "TRUE"`},
		"attribute name case":      {path: cap, set: `ENABLED = true`, want: []engine.Field{{Name: "enabled", Value: "true"}}},
		"int":                      {path: cap, set: `serverPort = 2206`, want: []engine.Field{{Name: "serverPort", Value: "2206"}}},
		"int from string":          {path: cap, set: `serverport = "2207"`, want: []engine.Field{{Name: "serverPort", Value: "2207"}}},
		"int written as float":     {path: cap, set: `serverPort = 2206.0`, want: []engine.Field{{Name: "serverPort", Value: "2206"}}},
		"fraction refused":         {path: cap, set: `numConnections = 1.5`, err: "numConnections is a whole number, not 1.5"},
		"below range":              {path: cap, set: `numConnections = 0`, err: "numConnections must be between 1 and 10, not 0"},
		"above range":              {path: cap, set: `serverPort = 65536`, err: "serverPort must be between 1025 and 65535, not 65536"},
		"range edge":               {path: cap, set: `numConnections = 10`, want: []engine.Field{{Name: "numConnections", Value: "10"}}},
		"choice case":              {path: snmp, set: `encoding = "utf-8"`, want: []engine.Field{{Name: "encoding", Value: "UTF-8"}}},
		"bad choice lists choices": {path: snmp, set: `encoding = "ascii"`, err: "encoding must be one of ISO-8859-1, UTF-8"},
		"number into text":         {path: general, set: `systemDomain = 5`, want: []engine.Field{{Name: "systemDomain", Value: "5"}}},
		"empty text clears":        {path: general, set: `systemDomain = ""`, want: []engine.Field{{Name: "systemDomain", Value: ""}}},
		"null refused":             {path: general, set: `systemDomain = null`, err: "systemDomain is null"},
		"list refused":             {path: general, set: `systemDomain = ["a"]`, err: "cannot take a tuple"},
		"declaration order kept": {path: cap, set: "serverPort = 2206\nenabled = false",
			want: []engine.Field{{Name: "serverPort", Value: "2206"}, {Name: "enabled", Value: "false"}}},
		"fact-dependent value": {path: general, set: `systemDomain = "r${host.release}.example.net"`,
			want: []engine.Field{{Name: "systemDomain", Value: "r22.example.net"}}},
		"unknown context compares strings": {path: "Some/Unknown/Context", set: "a = true\nb = 12\nc = \"x y\"",
			want: []engine.Field{{Name: "a", Value: "true"}, {Name: "b", Value: "12"}, {Name: "c", Value: "x y"}}},
		"unknown context primitive only": {path: "Some/Unknown/Context", set: `a = { x = 1 }`, err: "must be a string, number or bool"},
		"unknown attribute suggestion":   {path: cap, set: `serverport2 = 1`, err: `Did you mean "serverPort"?`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			block := fmt.Sprintf("context \"x\" {\n  hosts = [\"xsp1\"]\n  path = %q\n  set {\n%s\n}\n}\n", tc.path, tc.set)
			got, errText := desiredFields(t, block, facts22)
			if tc.err != "" {
				if !strings.Contains(errText, tc.err) {
					t.Fatalf("wrong result\ngot: %s\nwant: error containing %q", errText, tc.err)
				}
				return
			}
			if errText != "" {
				t.Fatal(errText)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDesiredWhen(t *testing.T) {
	block := `
context "cap" {
  hosts = group.xsp
  when  = host.release >= 22
  path  = "Applications/OpenClientServer/CAPProxy"
  set { enabled = false }
}
`
	c := mustLoad(t, map[string]string{"main.bw.hcl": inventory + block}, LoadOptions{})
	tests := map[string]struct {
		facts *engine.Facts
		want  int
		err   string
	}{
		"true":          {facts: &engine.Facts{Release: engine.MustParseRelease("22.0")}, want: 1},
		"false":         {facts: &engine.Facts{Release: engine.MustParseRelease("21.0")}, want: 0},
		"later release": {facts: &engine.Facts{Release: engine.MustParseRelease("2023.03")}, want: 1},
		"no facts":      {err: "could not be decided for host xsp1"},
		"type mismatch": {facts: &engine.Facts{Type: "as", Release: engine.MustParseRelease("22.0")}, err: `declared with type "xsp" but its CLI reports type "as"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ds, err := c.Desired(nil, c.Host("xsp1"), tc.facts)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("wrong result\ngot: %v\nwant: error containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != tc.want {
				t.Errorf("wrong result\ngot: %d desired\nwant: %d", len(ds), tc.want)
			}
		})
	}
}

// TestDesiredWhenYearMonth: host.release is the release as a decimal
// number, exactly, so conditions on release-independent builds (year.month,
// months printed with two digits) decide as written.
func TestDesiredWhenYearMonth(t *testing.T) {
	tests := map[string]struct {
		when    string
		release string
		want    int
	}{
		"at the bound":         {when: "host.release >= 2022.11", release: "2022.11", want: 1},
		"month before":         {when: "host.release >= 2022.11", release: "2022.10", want: 0},
		"september":            {when: "host.release >= 2022.11", release: "2022.09", want: 0},
		"next year":            {when: "host.release >= 2022.11", release: "2023.03", want: 1},
		"classic release":      {when: "host.release >= 2022.11", release: "24.0", want: 0},
		"equal":                {when: "host.release == 2022.11", release: "2022.11", want: 1},
		"equal, march":         {when: "host.release == 2023.03", release: "2023.03", want: 1},
		"classic bound":        {when: "host.release >= 22", release: "2022.11", want: 1},
		"classic, whole":       {when: "host.release == 22", release: "22.0", want: 1},
		"month ten as decimal": {when: "host.release == 2022.1", release: "2022.10", want: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			block := "context \"cap\" {\n  hosts = group.xsp\n  when  = " + tc.when +
				"\n  path  = \"Applications/OpenClientServer/CAPProxy\"\n  set { enabled = false }\n}\n"
			c := mustLoad(t, map[string]string{"main.bw.hcl": inventory + block}, LoadOptions{})
			ds, err := c.Desired(nil, c.Host("xsp1"), &engine.Facts{Release: engine.MustParseRelease(tc.release)})
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != tc.want {
				t.Errorf("wrong result for %s on %s\ngot: %d desired\nwant: %d", tc.when, tc.release, len(ds), tc.want)
			}
		})
	}
}

func TestDesiredShape(t *testing.T) {
	src := inventory + `
context "cap_proxy_off" {
  hosts   = group.xsp
  path    = "/applications/OpenClientServer/capproxy/"
  restart = "OpenClientServer"
  set { enabled = false }
}
table "traps" {
  hosts     = group.all
  path      = "Interface/SNMP/TrapTable"
  exclusive = true
  row {
    description = "NMS ${host.name}"
    port        = 162
    ipAddress   = "10.9.0.7"
  }
  row {
    ipAddress = "10.9.0.8"
    port      = "163"
    version   = "V1"
  }
}
table "scheduler" {
  hosts = ["xsp1"]
  path  = "Maintenance/Scheduler"
  row {
    minute    = 5
    name      = "backup"
    frequency = "daily"
    hour      = 3
  }
}
`
	c := mustLoad(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
	ds, err := c.Desired(nil, c.Host("xsp1"), facts22)
	if err != nil {
		t.Fatal(err)
	}
	type shape struct {
		Resource, Path, Restart, DeclRange string
		Kind                               engine.ContextKind
		Exclusive, HasSchema               bool
		Attrs                              []engine.Field
		Rows                               [][]engine.Field
	}
	var got []shape
	for _, d := range ds {
		got = append(got, shape{d.Resource, d.Path, d.Restart, d.DeclRange, d.Kind, d.Exclusive, d.Schema != nil, d.Attrs, d.Rows})
	}
	want := []shape{
		{Resource: "context.cap_proxy_off", Path: "Applications/OpenClientServer/CAPProxy", Restart: "OpenClientServer",
			DeclRange: "main.bw.hcl:18", Kind: engine.AttributeContext, HasSchema: true,
			Attrs: []engine.Field{{Name: "enabled", Value: "false"}}},
		{Resource: "table.traps", Path: "Interface/SNMP/TrapTable", DeclRange: "main.bw.hcl:24", Kind: engine.TableContext,
			Exclusive: true, HasSchema: true,
			Rows: [][]engine.Field{
				{{Name: "ipAddress", Value: "10.9.0.7"}, {Name: "port", Value: "162"}, {Name: "description", Value: "NMS xsp1"}},
				{{Name: "ipAddress", Value: "10.9.0.8"}, {Name: "port", Value: "163"}, {Name: "version", Value: "v1"}},
			}},
		{Resource: "table.scheduler", Path: "Maintenance/Scheduler", DeclRange: "main.bw.hcl:39", Kind: engine.TableContext, HasSchema: true,
			Rows: [][]engine.Field{{{Name: "name", Value: "backup"}, {Name: "frequency", Value: "daily"}, {Name: "hour", Value: "3"}, {Name: "minute", Value: "5"}}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Applications/OpenClientServer/CAPProxy", "Interface/SNMP/TrapTable", "Maintenance/Scheduler"},
		c.ContextsFor(nil, c.Host("xsp1"))); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Interface/SNMP/TrapTable"}, c.ContextsFor(nil, c.Host("as1"))); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
}

func TestDesiredRowKeysAtPlanTime(t *testing.T) {
	// Keys computed from facts can only collide once facts are known.
	src := inventory + `
table "acl" {
  hosts = ["xsp1"]
  path  = "System/ManagementAccessList"
  row {
    host = "10.0.0.${floor(host.release)}"
  }
  row {
    host = "10.0.0.22"
  }
}
`
	c := mustLoad(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
	if _, err := c.Desired(nil, c.Host("xsp1"), &engine.Facts{Release: engine.MustParseRelease("21.0")}); err != nil {
		t.Fatalf("wrong result\ngot: %v\nwant: no error for release 21", err)
	}
	_, err := c.Desired(nil, c.Host("xsp1"), &engine.Facts{Release: engine.MustParseRelease("22.0")})
	var ee *EvalError
	if !errors.As(err, &ee) {
		t.Fatalf("wrong result\ngot: %v\nwant: *EvalError", err)
	}
	for _, want := range []string{"host xsp1:", "main.bw.hcl:24", "Duplicate table row", "host=10.0.0.22"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("wrong result\ngot: %s\nwant: text containing %q", err, want)
		}
	}
}

func TestDesiredReleases(t *testing.T) {
	src := fakeInventory + `
context "feature" {
  hosts = ["a1"]
  path  = "System/Feature"
  set {
    enabled = true
  }
}
context "knob" {
  hosts = ["a1"]
  when  = host.release >= 22 && host.release != 23
  path  = "System/Feature"
  set {
    newKnob = 3
  }
}
context "legacy" {
  hosts = ["a1"]
  when  = host.release != 23
  path  = "System/Legacy"
  set {
    on = false
  }
}
`
	c := mustLoad(t, map[string]string{"main.bw.hcl": src}, LoadOptions{Catalogue: newFakeCatalogue()})
	tests := map[string]struct {
		release string
		err     string
	}{
		"context and attribute exist": {release: "23.0"},
		"attribute too new":           {release: "22.0", err: "newKnob exists on release 24.0 and later; host a1 runs 22.0"},
		"context too new":             {release: "21.0", err: "System/Feature exists on release 22.0 and later; host a1 runs 21.0. Add a when condition such as host.release >= 22.0"},
		"context removed":             {release: "24.0", err: "System/Legacy exists on releases before 22.0; host a1 runs 24.0. Add a when condition such as host.release < 22.0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := c.Desired(nil, c.Host("a1"), &engine.Facts{Release: engine.MustParseRelease(tc.release)})
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("wrong result\ngot: %v\nwant: error containing %q", err, tc.err)
			}
		})
	}
}

func TestPerTypeSchemas(t *testing.T) {
	tests := map[string]struct {
		block     string
		want      string
		wantError bool
	}{
		"attribute only one type has": {
			block: `context "l" {
  hosts = ["a1", "b1"]
  path  = "System/Limits"
  set { burst = 3 }
}`,
			want:      `System/Limits has no attribute "burst"`,
			wantError: true,
		},
		// A context listed for other types only is managed with their
		// schema and a warning: the server decides whether it has it.
		"path of another type": {
			block: `context "o" {
  hosts = ["a1"]
  path  = "Beta/Only"
  set { x = "1" }
}`,
			want: "Warning: Context listed for other server types",
		},
		"path of another type keeps its schema": {
			block: `context "o" {
  hosts = ["a1"]
  path  = "beta/only"
  set { y = "1" }
}`,
			want:      `Beta/Only has no attribute "y"`,
			wantError: true,
		},
		// Types that list the path with different schemas leave nothing to
		// borrow: it is an unknown context.
		"path of two other types with different schemas": {
			block: `context "o" {
  hosts = ["g1"]
  path  = "System/Limits"
  set { max = 3 }
}`,
			want: "Warning: Unknown context",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cat := newFakeCatalogue()
			cat.byType["gamma"] = nil
			inv := fakeInventory + "host \"g1\" {\n  address = \"10.0.0.3\"\n  type    = \"gamma\"\n}\n"
			c, diags := load(t, map[string]string{"main.bw.hcl": inv + tc.block}, LoadOptions{Catalogue: cat})
			out := render(t, c, diags)
			if diags.HasErrors() != tc.wantError || !strings.Contains(out, tc.want) {
				t.Errorf("wrong result\ngot: %s\nwant: error %v, containing %q", out, tc.wantError, tc.want)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	src := inventory + `
check "no_cap_alarms" {
  hosts = group.xsp
  when  = host.release >= 22
  assert {
    condition     = !contains(host.alarms, "bwOpenClientServerASConnFailed")
    error_message = "CAP alarms on ${host.name}"
  }
  assert {
    condition     = length(host.patches) > 0
    error_message = "no patches"
  }
}
`
	c := mustLoad(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
	tests := map[string]struct {
		facts *engine.Facts
		want  []*engine.Check
	}{
		"both fail": {facts: facts22, want: []*engine.Check{{Resource: "check.no_cap_alarms", Message: "CAP alarms on xsp1; no patches"}}},
		"pass": {facts: &engine.Facts{Release: engine.MustParseRelease("24.0"), Patches: []string{"p"}, Alarms: []string{}},
			want: []*engine.Check{{Resource: "check.no_cap_alarms", Passed: true}}},
		"when false": {facts: &engine.Facts{Release: engine.MustParseRelease("21.0")}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := c.Checks(nil, c.Host("xsp1"), tc.facts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := c.Checks(nil, c.Host("xsp1"), nil); err == nil {
		t.Error("wrong result\ngot: no error without facts\nwant: an error, the check depends on facts")
	}
	// Alarms nobody read are unknown, never "none raised".
	_, err := c.Checks(nil, c.Host("xsp1"), &engine.Facts{Release: engine.MustParseRelease("24.0"), Patches: []string{"p"}})
	if err == nil || !strings.Contains(err.Error(), "Check cannot be decided") {
		t.Errorf("wrong result\ngot: %v\nwant: the check cannot be decided without the alarms", err)
	}
	if got, err := c.Checks(nil, c.Host("as1"), facts22); err != nil || len(got) != 0 {
		t.Errorf("wrong result\ngot: %v, %v\nwant: no checks for a host the check does not target", got, err)
	}
}

// TestDesiredConcurrent runs Desired for every host from many goroutines,
// as plan does; -race must stay quiet and results must not mix hosts.
func TestDesiredConcurrent(t *testing.T) {
	var b strings.Builder
	for i := range 50 {
		fmt.Fprintf(&b, "host \"h%d\" {\n  address = \"10.2.0.%d\"\n  type = \"xsp\"\n  vars = { n = %d }\n}\n", i, i+1, i)
	}
	b.WriteString(`
context "general" {
  hosts = group.all
  when  = host.release >= 22
  path  = "Applications/OpenClientServer/GeneralSettings"
  set {
    systemDomain = "${host.name}-${host.vars.n}.${lower(host.release_string)}"
    clientPort   = 2000 + host.vars.n
  }
}
`)
	c := mustLoad(t, map[string]string{"main.bw.hcl": b.String()}, LoadOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, len(c.Hosts)*4)
	for range 4 {
		for _, h := range c.Hosts {
			wg.Add(1)
			go func(h *engine.Host) {
				defer wg.Done()
				ds, err := c.Desired(nil, h, facts22)
				if err != nil {
					errs <- err
					return
				}
				n := strings.TrimPrefix(h.Name, "h")
				want := []engine.Field{{Name: "systemDomain", Value: h.Name + "-" + n + ".rel_22.0_1.1123"}, {Name: "clientPort", Value: fmt.Sprint(2000 + atoi(n))}}
				if diff := cmp.Diff(want, ds[0].Attrs); diff != "" {
					errs <- fmt.Errorf("host %s: wrong result (-want +got):\n%s", h.Name, diff)
				}
			}(h)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}
