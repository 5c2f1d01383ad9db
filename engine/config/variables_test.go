package config

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestVariablePrecedence(t *testing.T) {
	decl := `
variable "s" {
  type    = string
  default = "default"
}
variable "n" {
  type    = number
  default = 1
}
variable "l" {
  type    = list(string)
  default = []
}
`
	tests := map[string]struct {
		files   map[string]string
		opts    LoadOptions
		varName string
		want    cty.Value
	}{
		"default": {
			varName: "s", want: cty.StringVal("default"),
		},
		"bwvars beats default": {
			files:   map[string]string{"a.bwvars": `s = "a"`},
			varName: "s", want: cty.StringVal("a"),
		},
		"later bwvars file by name wins": {
			files:   map[string]string{"b.bwvars": `s = "b"`, "a.bwvars": `s = "a"`},
			varName: "s", want: cty.StringVal("b"),
		},
		"var-file beats bwvars": {
			files:   map[string]string{"a.bwvars": `s = "a"`, "x.vars": `s = "x"`},
			opts:    LoadOptions{VarFiles: []string{"x.vars"}},
			varName: "s", want: cty.StringVal("x"),
		},
		"later var-file wins": {
			files:   map[string]string{"x.vars": `s = "x"`, "y.vars": `s = "y"`},
			opts:    LoadOptions{VarFiles: []string{"y.vars", "x.vars"}},
			varName: "s", want: cty.StringVal("x"),
		},
		"environment beats var-file": {
			files:   map[string]string{"x.vars": `s = "x"`},
			opts:    LoadOptions{VarFiles: []string{"x.vars"}, Environ: []string{"BWSTATE_VAR_s=env"}},
			varName: "s", want: cty.StringVal("env"),
		},
		"-var beats environment": {
			opts:    LoadOptions{Environ: []string{"BWSTATE_VAR_s=env"}, Vars: []string{"s=cli"}},
			varName: "s", want: cty.StringVal("cli"),
		},
		"later -var wins": {
			opts:    LoadOptions{Vars: []string{"s=one", "s=two"}},
			varName: "s", want: cty.StringVal("two"),
		},
		"string from -var is literal": {
			opts:    LoadOptions{Vars: []string{`s=["x"] ; "q"`}},
			varName: "s", want: cty.StringVal(`["x"] ; "q"`),
		},
		"value may contain =": {
			opts:    LoadOptions{Vars: []string{"s=a=b"}},
			varName: "s", want: cty.StringVal("a=b"),
		},
		"number from environment is parsed": {
			opts:    LoadOptions{Environ: []string{"BWSTATE_VAR_n=42"}},
			varName: "n", want: cty.NumberIntVal(42),
		},
		"list from -var is parsed as HCL": {
			opts:    LoadOptions{Vars: []string{`l=["a", "b"]`}},
			varName: "l", want: cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
		},
		"var file value converted to type": {
			files:   map[string]string{"a.bwvars": `n = "7"`},
			varName: "n", want: cty.NumberIntVal(7),
		},
		"undeclared environment variables are ignored": {
			opts:    LoadOptions{Environ: []string{"BWSTATE_VAR_other=1", "PATH=/bin"}},
			varName: "s", want: cty.StringVal("default"),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			files := map[string]string{"main.bw.hcl": decl + inventory}
			for k, v := range tc.files {
				files[k] = v
			}
			c := mustLoad(t, files, tc.opts)
			got := c.ctx.Variables["var"].GetAttr(tc.varName)
			if !got.RawEquals(tc.want) {
				t.Errorf("wrong result\ngot: %#v\nwant: %#v", got, tc.want)
			}
		})
	}
}

func TestVariableErrors(t *testing.T) {
	decl := `
variable "port" {
  type = number
  validation {
    condition     = var.port > 1024
    error_message = "port must be above 1024."
  }
}
`
	tests := map[string]struct {
		files map[string]string
		opts  LoadOptions
		want  []string // substrings of the rendered diagnostics
	}{
		"missing value": {
			want: []string{"No value for required variable", "-var 'port=...'", "BWSTATE_VAR_port"},
		},
		"undeclared -var with suggestion": {
			opts: LoadOptions{Vars: []string{"port=2000", "prot=1"}},
			want: []string{"Value for undeclared variable", `Did you mean "port"?`},
		},
		"-var without =": {
			opts: LoadOptions{Vars: []string{"port"}},
			want: []string{"Invalid -var option", "NAME=VALUE"},
		},
		"validation failure reports error_message at the condition": {
			opts: LoadOptions{Vars: []string{"port=80"}},
			want: []string{"port must be above 1024.", "line 5", "condition     = var.port > 1024"},
		},
		"wrong type in environment": {
			opts: LoadOptions{Environ: []string{"BWSTATE_VAR_port=[1]"}},
			want: []string{"Invalid value for variable", "var.port is of type number"},
		},
		"missing var-file": {
			opts: LoadOptions{VarFiles: []string{"nope.vars"}, Vars: []string{"port=2000"}},
			want: []string{"Cannot read -var-file", "nope.vars"},
		},
		"default not matching type": {
			files: map[string]string{"x.bw.hcl": `variable "flag" {
  type    = bool
  default = "maybe"
}`},
			opts: LoadOptions{Vars: []string{"port=2000"}},
			want: []string{"Invalid default value for variable", "var.flag"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			files := map[string]string{"main.bw.hcl": decl + inventory}
			for k, v := range tc.files {
				files[k] = v
			}
			c, diags := load(t, files, tc.opts)
			if !diags.HasErrors() {
				t.Fatal("wrong result\ngot: no errors\nwant: errors")
			}
			out := render(t, c, diags)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("wrong result\ngot: %s\nwant: text containing %q", out, w)
				}
			}
		})
	}
}

func TestLocalsOrdering(t *testing.T) {
	// Locals are declared in reverse dependency order across two blocks and
	// two files; each must still see the values it refers to.
	files := map[string]string{
		"a.bw.hcl": `
locals {
  greeting = "${local.prefix}-${local.name}"
  xsp_list = join(",", local.xsp_hosts)
}
` + inventory,
		"b.bw.hcl": `
locals {
  name   = upper(local.base)
  prefix = "p"
}
locals {
  base      = var.who
  xsp_hosts = group.xsp
}
variable "who" {
  default = "ops"
}
`,
	}
	c := mustLoad(t, files, LoadOptions{})
	tests := map[string]string{
		"greeting": "p-OPS",
		"name":     "OPS",
		"base":     "ops",
		"xsp_list": "xsp1,xsp2",
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			got := c.ctx.Variables["local"].GetAttr(name)
			if !got.RawEquals(cty.StringVal(want)) {
				t.Errorf("wrong result\ngot: %#v\nwant: %q", got, want)
			}
		})
	}
}

func TestLocalsCycles(t *testing.T) {
	tests := map[string]struct {
		src   string
		chain string
	}{
		"self": {
			src:   `locals { a = local.a }`,
			chain: "local.a -> local.a",
		},
		"three": {
			src:   "locals {\n a = local.b\n b = local.c\n c = local.a\n}",
			chain: "local.a -> local.b -> local.c -> local.a",
		},
		"through host groups": {
			src: `
locals { gs = length(group.x) > 0 ? ["x"] : ["y"] }
host "h1" {
  address = "10.0.0.1"
  type    = "xsp"
  groups  = local.gs
}`,
			chain: "group.* (the hosts' groups) -> local.gs -> group.* (the hosts' groups)",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, diags := load(t, map[string]string{"main.bw.hcl": tc.src}, LoadOptions{})
			var cycles []string
			for _, d := range diags {
				if d.Summary == "Cycle in local values" {
					cycles = append(cycles, d.Detail)
				}
			}
			if len(cycles) != 1 {
				t.Fatalf("wrong result\ngot: %d cycle diagnostics\nwant: 1\n%s", len(cycles), render(t, c, diags))
			}
			if !strings.Contains(cycles[0], tc.chain) {
				t.Errorf("wrong result\ngot: %s\nwant: chain %q", cycles[0], tc.chain)
			}
		})
	}
}
