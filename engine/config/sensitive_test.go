package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
)

func TestSensitivePropagation(t *testing.T) {
	src := inventory + `
variable "secret" {
  type      = string
  sensitive = true
  default   = "s3cret"
}
variable "plain" {
  type    = string
  default = "public"
}
locals {
  derived = "${var.secret}-x"
}
group "xsp" {
  vars = { community = var.secret }
}
context "snmp" {
  hosts = ["xsp1"]
  path  = "Interface/SNMP/Agent"
  set {
    readCommunity     = "literal"
    trapSourceAddress = var.plain
  }
}
context "auth" {
  hosts = ["xsp1"]
  path  = "Applications/AuthenticationService/CISTokenValidation"
  set {
    clientId = var.secret
  }
}
context "general" {
  hosts = ["xsp1"]
  path  = "Applications/OpenClientServer/GeneralSettings"
  set {
    systemDomain = local.derived
  }
}
context "oci" {
  hosts = ["xsp1"]
  path  = "Unknown/Context"
  set {
    fromHostVars = host.vars.community
    length       = length(var.secret)
  }
}
`
	c := mustLoad(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
	ds, err := c.Desired(nil, c.Host("xsp1"), facts22)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, d := range ds {
		for _, f := range d.Attrs {
			got[f.Name] = f.Sensitive
		}
	}
	want := map[string]bool{
		"readCommunity":     true,  // the catalogue marks it
		"trapSourceAddress": false, // from a plain variable
		"clientId":          true,  // from a sensitive variable
		"systemDomain":      true,  // through a local
		"fromHostVars":      true,  // through group vars and host.vars
		"length":            true,  // anything computed from a secret
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
}

// TestSensitiveNeverPrinted makes mistakes with a sensitive value and checks
// that no rendered diagnostic or error contains it.
func TestSensitiveNeverPrinted(t *testing.T) {
	const secret = "pa55;w0rd"
	decl := `
variable "secret" {
  type      = string
  sensitive = true
}
`
	tests := map[string]string{
		"unsafe value": `
context "auth" {
  hosts = ["xsp1"]
  path  = "Applications/AuthenticationService/CISTokenValidation"
  set { clientId = var.secret }
}`,
		"wrong type": `
context "cap" {
  hosts = ["xsp1"]
  path  = "Applications/OpenClientServer/CAPProxy"
  set { serverPort = var.secret }
}`,
		"bad choice": `
context "snmp" {
  hosts = ["xsp1"]
  path  = "Interface/SNMP/Agent"
  set { encoding = var.secret }
}`,
		"function error": `
context "cap" {
  hosts = ["xsp1"]
  path  = "Applications/OpenClientServer/CAPProxy"
  set { serverPort = tonumber(var.secret) }
}`,
		"validation message": `
variable "other" {
  type      = string
  sensitive = true
  default   = "x"
  validation {
    condition     = length(var.secret) < 3
    error_message = "bad secret ${var.secret}"
  }
}`,
		"when not bool": `
context "cap" {
  hosts = ["xsp1"]
  when  = var.secret
  path  = "Applications/OpenClientServer/CAPProxy"
  set { enabled = false }
}`,
		"row key": `
table "acl" {
  hosts = ["xsp1"]
  path  = "System/ManagementAccessList"
  row { host = var.secret }
}`,
		"password in password_env": `
ssh { password_env = "` + secret + `" }
`,
		"tobool of secret": `
context "cap" {
  hosts = ["xsp1"]
  path  = "Applications/OpenClientServer/CAPProxy"
  set { enabled = tobool(var.secret) }
}`,
	}
	for name, block := range tests {
		t.Run(name, func(t *testing.T) {
			for _, src := range []string{"env", "var"} {
				opts := LoadOptions{Environ: []string{"BWSTATE_VAR_secret=" + secret}}
				if src == "var" {
					opts = LoadOptions{Vars: []string{"secret=" + secret}}
				}
				c, diags := load(t, map[string]string{"main.bw.hcl": inventory + decl + block}, opts)
				out := render(t, c, diags)
				if !diags.HasErrors() {
					_, err := c.Desired(nil, c.Host("xsp1"), facts22)
					if err == nil {
						t.Fatalf("wrong result\ngot: no error\nwant: an error for %s", name)
					}
					out = err.Error()
					var ee *EvalError
					if ok := asEvalError(err, &ee); ok {
						out += render(t, c, ee.Diags)
					}
				}
				if strings.Contains(out, secret) || strings.Contains(out, "pa55") {
					t.Errorf("wrong result: the secret was printed\ngot: %s", out)
				}
			}
		})
	}
}

func asEvalError(err error, target **EvalError) bool {
	ee, ok := err.(*EvalError)
	if ok {
		*target = ee
	}
	return ok
}

func TestUnsafeReason(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string
	}{
		"plain":           {in: "Business Communicator - PC", want: ""},
		"empty":           {in: "", want: ""},
		"unicode":         {in: "Zürich", want: ""},
		"semicolon":       {in: "a;b", want: `contains ";"`},
		"newline":         {in: "a\nb", want: "line break"},
		"carriage return": {in: "a\rb", want: "line break"},
		"quote":           {in: `say "hi"`, want: "double quote"},
		"tab":             {in: "a\tb", want: "control character U+0009"},
		"escape":          {in: "\x1b[2J", want: "control character U+001B"},
		"delete":          {in: "a\x7f", want: "control character U+007F"},
		"invalid utf-8":   {in: "a\xffb", want: "not valid UTF-8"},
		"at limit":        {in: strings.Repeat("a", MaxValueBytes), want: ""},
		"too long":        {in: strings.Repeat("a", MaxValueBytes+1), want: "1025 bytes long"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := UnsafeReason(tc.in)
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("wrong result\ngot: %q\nwant: %q", got, tc.want)
			}
		})
	}
}

// FuzzCLIValue checks the promise the provider relies on: any text value
// the configuration accepts can be placed in a CLI command.
func FuzzCLIValue(f *testing.F) {
	for _, s := range []string{"plain", "a;b", "a\nb", `q"`, "\x00", "Zürich", "\xff"} {
		f.Add(s)
	}
	attrs := []*engine.Attribute{
		nil,
		{Name: "s", Type: engine.TypeString},
		{Name: "c", Type: engine.TypeChoice, Choices: []string{"UTF-8", "a;b"}},
		{Name: "n", Type: engine.TypeInt, Min: 1, Max: 10},
		{Name: "b", Type: engine.TypeBool},
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, a := range attrs {
			text, known, _, p := cliValue(ctyString(s), a, "x")
			if p != nil || !known {
				continue
			}
			if why := UnsafeReason(text); why != "" {
				t.Fatalf("accepted %q as %q, which %s", s, text, why)
			}
		}
	})
}

// TestSensitiveValues: the raw values of the sensitive variables, for a
// provider to mask: strings, numbers and bools, inside collections too;
// never a variable that is not sensitive, nor an unknown one.
func TestSensitiveValues(t *testing.T) {
	src := inventory + `
variable "community" {
  type      = string
  sensitive = true
}
variable "port" {
  type      = number
  sensitive = true
  default   = 8161
}
variable "tags" {
  type      = map(string)
  sensitive = true
  default   = { a = "t4g-one", b = "s3cret" }
}
variable "plain" {
  type    = string
  default = "public"
}
variable "unset" {
  type      = string
  sensitive = true
}
`
	c := mustLoad(t, map[string]string{"main.bw.hcl": src}, LoadOptions{Vars: []string{"community=s3cret"}, UnsetVariablesUnknown: true})
	if d := cmp.Diff([]string{"s3cret", "8161", "t4g-one"}, c.SensitiveValues()); d != "" {
		t.Errorf("wrong result (-want +got):\n%s", d)
	}
}
