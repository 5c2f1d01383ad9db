package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/providers/broadworks"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

func TestLoadDesignExample(t *testing.T) {
	c, diags := Load(filepath.Join("testdata", "valid", "design"), LoadOptions{Catalogue: catalog.New(), Connections: broadworks.SSHBlock{}})
	if len(diags) > 0 {
		t.Fatalf("wrong result\ngot:\n%s\nwant: no diagnostics", render(t, c, diags))
	}
	if diff := cmp.Diff([]string{"xsp1", "xsp2", "as1"}, hostNamesOf(c.Hosts)); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
	var addrs []string
	for _, r := range c.Resources {
		addrs = append(addrs, r.Addr)
	}
	if diff := cmp.Diff([]string{"context.cap_proxy_off", "context.snmp", "table.management_access"}, addrs); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"hosts.bw.hcl", "main.bw.hcl"}, c.Files); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
}

func TestHash(t *testing.T) {
	base := map[string]string{
		"main.bw.hcl": inventory,
		"a.bwvars":    "",
	}
	hashOf := func(files map[string]string) string {
		c := mustLoad(t, files, LoadOptions{})
		return c.Hash
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		m[k] = v
		return m
	}
	h := hashOf(base)
	if len(h) != 64 {
		t.Fatalf("wrong result\ngot: %q\nwant: 64 hex digits", h)
	}
	tests := map[string]struct {
		files map[string]string
		same  bool
	}{
		"same content, new directory": {files: base, same: true},
		"other files do not count":    {files: with("README.md", "notes"), same: true},
		"configuration edit":          {files: with("main.bw.hcl", inventory+"\n"), same: false},
		"bwvars edit":                 {files: with("a.bwvars", "# comment"), same: false},
		"new configuration file":      {files: with("z.bw.hcl", "# empty"), same: false},
		"content moved between files": {files: map[string]string{"main.bw.hcl": "", "a.bwvars": inventory}, same: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, _ := load(t, tc.files, LoadOptions{})
			if got := c.Hash == h; got != tc.same {
				t.Errorf("wrong result\ngot: same hash %v\nwant: %v", got, tc.same)
			}
		})
	}
}

func TestLoadDirectoryProblems(t *testing.T) {
	tests := map[string]struct {
		dir  func(t *testing.T) string
		opts LoadOptions
		want string
	}{
		"missing directory": {
			dir:  func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") },
			opts: LoadOptions{Catalogue: catalog.New()},
			want: "Cannot read configuration directory",
		},
		"no configuration files": {
			dir:  func(t *testing.T) string { return writeDir(t, map[string]string{"x.bwvars": ""}) },
			opts: LoadOptions{Catalogue: catalog.New()},
			want: "has no *.bw.hcl files",
		},
		"no catalogue": {
			dir:  func(t *testing.T) string { return writeDir(t, map[string]string{"main.bw.hcl": inventory}) },
			want: "needs LoadOptions.Catalogue",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, diags := Load(tc.dir(t), tc.opts)
			if c == nil || c.Parser == nil {
				t.Fatal("wrong result\ngot: nil Config or Parser\nwant: a Config that can render diagnostics")
			}
			out := render(t, c, diags)
			if !diags.HasErrors() || !strings.Contains(out, tc.want) {
				t.Errorf("wrong result\ngot: %s\nwant: error containing %q", out, tc.want)
			}
		})
	}
}

func TestStaticConflictNamesAllHosts(t *testing.T) {
	src := inventory + `
context "a" {
  hosts = group.all
  path  = "Interface/SNMP/Agent"
  set { port = 8001 }
}
context "b" {
  hosts = group.all
  path  = "Interface/SNMP/Agent"
  set { PORT = 8001 }
}
context "c" {
  hosts = group.all
  when  = host.release >= 22
  path  = "Interface/SNMP/Agent"
  set { port = 8001 }
}
`
	c, diags := load(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
	if len(diags) != 1 {
		t.Fatalf("wrong result\ngot: %d diagnostics\n%s\nwant: 1 (c has a when condition, checked at plan time)", len(diags), render(t, c, diags))
	}
	want := "context.a (" // names both and all hosts
	out := render(t, c, diags)
	for _, w := range []string{want, "context.b (", "port of Interface/SNMP/Agent on hosts xsp1, xsp2, as1"} {
		if !strings.Contains(out, w) {
			t.Errorf("wrong result\ngot: %s\nwant: text containing %q", out, w)
		}
	}
}

func TestFormatSource(t *testing.T) {
	in := "context \"x\" {\nhosts=group.all\n  path    =   \"A/B\"\n}\n"
	want := "context \"x\" {\n  hosts = group.all\n  path  = \"A/B\"\n}\n"
	if got := string(FormatSource([]byte(in))); got != want {
		t.Errorf("wrong result\ngot: %q\nwant: %q", got, want)
	}
}

func TestWriteDiagnostics(t *testing.T) {
	src := inventory + "rollout {\n  restart = \"later\"\n}\n"
	c, diags := load(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
	tests := map[string]struct {
		parser   bool
		color    bool
		want     []string
		wantNone []string
	}{
		"with sources": {parser: true, want: []string{"Error: Invalid restart policy", "line 18, in rollout:", `18:   restart = "later"`}},
		"without sources": {want: []string{"Error: Invalid restart policy", "line 18:", "(source code not available)"},
			wantNone: []string{`restart = "later"`}},
		"color": {parser: true, color: true, want: []string{"\x1b["}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			p := c.Parser
			if !tc.parser {
				p = nil
			}
			if err := WriteDiagnostics(&buf, diags, p, 80, tc.color); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("wrong result\ngot: %s\nwant: text containing %q", buf.String(), w)
				}
			}
			for _, w := range tc.wantNone {
				if strings.Contains(buf.String(), w) {
					t.Errorf("wrong result\ngot: %s\nwant: no %q", buf.String(), w)
				}
			}
		})
	}
}

func TestFunctions(t *testing.T) {
	tests := map[string]struct {
		expr string
		want string
	}{
		"startswith":     {expr: `startswith("Rel_22.0", "Rel_22") ? "y" : "n"`, want: "y"},
		"endswith":       {expr: `endswith("abc", "x") ? "y" : "n"`, want: "n"},
		"length string":  {expr: `length("Zürich")`, want: "6"},
		"length list":    {expr: `length(["a", "b"])`, want: "2"},
		"try":            {expr: `try(tonumber("x"), 7)`, want: "7"},
		"can":            {expr: `can(regex("^a", "abc")) ? "y" : "n"`, want: "y"},
		"format":         {expr: `format("%s-%03d", "x", 7)`, want: "x-007"},
		"strrev":         {expr: `strrev("abc")`, want: "cba"},
		"reverse":        {expr: `join(",", reverse(["a", "b"]))`, want: "b,a"},
		"jsonencode":     {expr: `jsonencode({ a = 1 })`, want: `{"a":1}`},
		"title":          {expr: `title("open client")`, want: "Open Client"},
		"merge lookup":   {expr: `lookup(merge({ a = "1" }, { a = "2" }), "a", "0")`, want: "2"},
		"setsubtract":    {expr: `join(",", sort(setsubtract(["a", "b"], ["a"])))`, want: "b"},
		"group function": {expr: `join(",", concat(group.xsp, ["x"]))`, want: "xsp1,xsp2,x"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			src := inventory + "locals {\n  v = " + tc.expr + "\n}\n"
			c := mustLoad(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
			got := c.ctx.Variables["local"].GetAttr("v")
			var s string
			switch {
			case got.Type().FriendlyName() == "number":
				s = got.AsBigFloat().Text('f', -1)
			default:
				s = got.AsString()
			}
			if s != tc.want {
				t.Errorf("wrong result\ngot: %q\nwant: %q", s, tc.want)
			}
		})
	}
}

func TestVarFileRelativeToConfigDir(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"main.bw.hcl":    inventory + "variable \"s\" {}\n",
		"env/prod.vars":  `s = "prod"`,
		"ignored.bw.hcl": "", // empty files are fine
	})
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if wd == dir {
		t.Fatal("test needs a working directory different from the config directory")
	}
	c, diags := Load(dir, LoadOptions{Catalogue: catalog.New(), Connections: broadworks.SSHBlock{}, VarFiles: []string{"env/prod.vars"}})
	if diags.HasErrors() {
		t.Fatal(render(t, c, diags))
	}
	if got := c.ctx.Variables["var"].GetAttr("s").AsString(); got != "prod" {
		t.Errorf("wrong result\ngot: %q\nwant: %q", got, "prod")
	}
}
