package broadworks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/providers/broadworks/bwcli"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// The injection tests prove one promise end to end: nothing in the
// configuration (a value, a host name or address, a path, an attribute
// name, a row key, a variable given with -var or BWSTATE_VAR_, an
// application to restart) and nothing a server prints can make bwstate
// write a line to a server's terminal that it did not intend. A value
// either reaches the CLI as exactly one argument of the one command meant
// to carry it, or it is refused before a byte is written.
//
// The path under test is the real one: config.Load of a generated
// configuration, Config.Desired for the host, and the provider session's
// Exec, Restart and Read driving the real bwcli driver, which talks to
// termFake over in-memory pipes. termFake records every line written.
//
// Decisions the tests pin (docs/security.md, Injection):
//   - refused everywhere: ";", CR, LF, the Unicode line breaks U+0085,
//     U+2028 and U+2029, every other C0 or C1 control character (TAB, ESC,
//     NUL, DEL included), a double quote, a trailing backslash (a CLI that
//     honours escapes would read `\"` as a literal quote), invalid UTF-8
//     and values longer than 1024 bytes;
//   - accepted: any other text, including blanks (the value is quoted),
//     non-breaking and other Unicode spaces (quoted too), non-ASCII letters,
//     a backslash inside a value, `$`, `%`, `{`, `'` and leading dashes.

// injectionFacts are the facts every generated host reports.
func injectionFacts() *engine.Facts {
	return &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("22.0"), ReleaseString: "Rel_22.0_1.1123",
		Patches: []string{}, Alarms: []string{}}
}

// hclQuote writes s as an HCL string literal: escapes for the quote, the
// backslash, line breaks and other control characters, template sequences
// doubled so they stay literal. Bytes that are not UTF-8 are written raw,
// as HCL has no escape for them: such a file must then fail to load.
func hclQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteByte(s[i])
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}

// injectionVariant is one place of the configuration an untrusted string
// can be put.
type injectionVariant struct {
	name string
	// source returns the configuration with v in its place, and load
	// options carrying v when it is a variable.
	source func(v string) (string, config.LoadOptions)
}

const injectionHost = `
host "xsp1" {
  address = "10.1.0.11"
  type    = "xsp"
}
`

// generalSettings sets systemDomain, a text attribute, to expr.
func generalSettings(expr string) string {
	return `
context "c" {
  hosts = group.all
  path  = "Applications/OpenClientServer/GeneralSettings"
  set {
    systemDomain = ` + expr + `
  }
}
`
}

// valueVariants put the string where a value goes; every one of them
// sends it as an argument of a set or add, or as a typed password.
var valueVariants = []injectionVariant{
	{"literal", func(v string) (string, config.LoadOptions) {
		return injectionHost + generalSettings(hclQuote(v)), config.LoadOptions{}
	}},
	{"-var", func(v string) (string, config.LoadOptions) {
		return injectionHost + "variable \"v\" {\n  type = string\n}\n" + generalSettings("var.v"),
			config.LoadOptions{Vars: []string{"v=" + v}}
	}},
	{"BWSTATE_VAR_", func(v string) (string, config.LoadOptions) {
		return injectionHost + "variable \"v\" {\n  type = string\n}\n" + generalSettings("\"${var.v}\""),
			config.LoadOptions{Environ: []string{config.EnvVarPrefix + "v=" + v}}
	}},
	{"host var", func(v string) (string, config.LoadOptions) {
		return `
host "xsp1" {
  address = "10.1.0.11"
  type    = "xsp"
  vars    = { d = ` + hclQuote(v) + ` }
}
` + generalSettings("host.vars.d"), config.LoadOptions{}
	}},
	{"sensitive -var", func(v string) (string, config.LoadOptions) {
		return injectionHost + "variable \"s\" {\n  type      = string\n  sensitive = true\n}\n" + `
context "snmp" {
  hosts = group.all
  path  = "Interface/SNMP/Agent"
  set {
    readCommunity = var.s
  }
}
`, config.LoadOptions{Vars: []string{"s=" + v}}
	}},
	{"prompted -var", func(v string) (string, config.LoadOptions) {
		return injectionHost + "variable \"s\" {\n  type      = string\n  sensitive = true\n}\n" + `
context "cis" {
  hosts = group.all
  path  = "Applications/AuthenticationService/CISTokenValidation"
  set {
    clientSecret = var.s
  }
}
`, config.LoadOptions{Vars: []string{"s=" + v}}
	}},
	{"row key", func(v string) (string, config.LoadOptions) {
		return injectionHost + `
table "mal" {
  hosts = group.all
  path  = "System/ManagementAccessList"
  row {
    host        = ` + hclQuote(v) + `
    description = "noc"
  }
}
`, config.LoadOptions{}
	}},
	{"row value", func(v string) (string, config.LoadOptions) {
		return injectionHost + `
table "mal" {
  hosts = group.all
  path  = "System/ManagementAccessList"
  row {
    host        = "10.9.0.5"
    description = ` + hclQuote(v) + `
  }
}
`, config.LoadOptions{}
	}},
}

// nameVariants put the string where a name goes: a host's name or address
// (which reach the CLI only through host.name and host.address), a path, an
// attribute name, an application to restart.
var nameVariants = []injectionVariant{
	{"host name", func(v string) (string, config.LoadOptions) {
		return `
host ` + hclQuote(v) + ` {
  address = "10.1.0.11"
  type    = "xsp"
}
` + generalSettings("host.name"), config.LoadOptions{}
	}},
	{"host address", func(v string) (string, config.LoadOptions) {
		return `
host "xsp1" {
  address = ` + hclQuote(v) + `
  type    = "xsp"
}
` + generalSettings("host.address"), config.LoadOptions{}
	}},
	{"path", func(v string) (string, config.LoadOptions) {
		return injectionHost + `
context "c" {
  hosts = group.all
  path  = ` + hclQuote(v) + `
  set {
    systemDomain = "x"
  }
}
`, config.LoadOptions{}
	}},
	{"attribute name", func(v string) (string, config.LoadOptions) {
		// Written raw: an attribute name has no quoting in HCL.
		return injectionHost + `
context "c" {
  hosts = group.all
  path  = "Custom/Level"
  set {
    ` + v + ` = "x"
  }
}
`, config.LoadOptions{}
	}},
	{"restart", func(v string) (string, config.LoadOptions) {
		return injectionHost + `
context "c" {
  hosts   = group.all
  path    = "Custom/Level"
  restart = ` + hclQuote(v) + `
  set {
    value = "x"
  }
}
`, config.LoadOptions{}
	}},
	{"raw literal", func(v string) (string, config.LoadOptions) {
		// The bytes between the quotes exactly as given: HCL's own
		// escapes and templates apply.
		return injectionHost + generalSettings(`"`+v+`"`), config.LoadOptions{}
	}},
}

// planned is what a configuration asks of one host: the writes, and the
// restart named by the configuration if any.
type planned struct {
	ops     []engine.Op
	restart string
}

// loadPlanned loads a configuration and evaluates it for its hosts. ok is
// false when the configuration (at load or at plan time) refused it.
func loadPlanned(t testing.TB, src string, opts config.LoadOptions) (planned, bool) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.bw.hcl"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.Catalogue, opts.Connections = catalog.New(), SSHBlock{}
	cfg, diags := config.Load(dir, opts)
	if diags.HasErrors() {
		return planned{}, false
	}
	sel, diags := cfg.Select(nil, nil)
	if diags.HasErrors() {
		return planned{}, false
	}
	var p planned
	for _, h := range sel.Hosts {
		desired, err := cfg.Desired(sel, h, injectionFacts())
		if err != nil {
			var ee *config.EvalError
			if !errors.As(err, &ee) {
				t.Fatalf("Desired failed without an *EvalError: %v", err)
			}
			return planned{}, false
		}
		for _, d := range desired {
			p.ops = append(p.ops, opsOf(d)...)
			if d.Restart != "" {
				p.restart = d.Restart
			}
		}
	}
	return p, true
}

// opsOf turns a Desired into the writes apply makes on a host where none
// of it is set yet: set (clear for an empty text, the password prompt for
// a prompted attribute) per attribute, add per row with the non-key
// columns in catalogue order.
func opsOf(d *engine.Desired) []engine.Op {
	var ops []engine.Op
	if d.Kind == engine.AttributeContext {
		for _, f := range d.Attrs {
			prompted := false
			if d.Schema != nil {
				if a := d.Schema.Attribute(f.Name); a != nil {
					prompted = a.Prompted
				}
			}
			op := engine.Op{Kind: engine.OpSet, Path: d.Path, Attr: f.Name, Value: f.Value, Sensitive: f.Sensitive, Prompted: prompted}
			if f.Value == "" && !prompted {
				op.Kind = engine.OpClear
			}
			ops = append(ops, op)
		}
		return ops
	}
	nkeys := 0
	if d.Schema != nil {
		nkeys = len(d.Schema.KeyAttributes())
	}
	for _, row := range d.Rows {
		ops = append(ops, engine.Op{Kind: engine.OpAddRow, Path: d.Path, Key: row[:nkeys], Fields: row[nkeys:]})
	}
	return ops
}

// sent is one line the session must write: exactly line, or (when args is
// not nil) a command whose words are args.
type sent struct {
	line string
	args []string
}

// expectedLines is what a session that runs ops, then restarts app (when
// not ""), then closes, must write: bwcli once, one cd per change of
// context, one command per write (and the typed password after a prompted
// set), leaving bwcli with exit;y for the shell tools and at the end.
func expectedLines(ops []engine.Op, app string) []sent {
	var want []sent
	inCLI, cur := false, "\x00"
	for _, op := range ops {
		if !inCLI {
			want = append(want, sent{line: "bwcli"})
			inCLI, cur = true, ""
		}
		path := strings.Trim(op.Path, "/")
		if !strings.EqualFold(path, cur) {
			want = append(want, sent{line: "cd /" + path})
			cur = path
		}
		want = append(want, writeLines(op)...)
	}
	if app != "" {
		if inCLI {
			want = append(want, sent{line: exitLine})
			inCLI = false
		}
		// restartbw alone restarts (showrun decides nothing); an unsafe
		// name is refused before anything is sent.
		if bwcli.CheckName(app) == nil {
			want = append(want, sent{args: []string{"restartbw", app}})
		}
	}
	if inCLI {
		want = append(want, sent{line: exitLine})
	}
	return want
}

func keyValues(fs []engine.Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Value
	}
	return out
}

// writeLines is the command of one write, as CLI words, written from
// the CLI's documented syntax (docs/bwcli.md; not from the driver's code): `set attr value`,
// `clear attr`, `add keys... values... [name value...]` with optional
// columns named, `set keys... attr value`, `delete keys...`.
func writeLines(op engine.Op) []sent {
	switch op.Kind {
	case engine.OpSet:
		if op.Prompted {
			return []sent{{args: []string{"set", op.Attr}}, {line: op.Value}}
		}
		return []sent{{args: []string{"set", op.Attr, op.Value}}}
	case engine.OpClear:
		return []sent{{args: []string{"clear", op.Attr}}}
	case engine.OpSetRow:
		return []sent{{args: append(append([]string{"set"}, keyValues(op.Key)...), op.Attr, op.Value)}}
	case engine.OpDeleteRow:
		return []sent{{args: append([]string{"delete"}, keyValues(op.Key)...)}}
	case engine.OpAddRow:
		args := append([]string{"add"}, keyValues(op.Key)...)
		schema, _ := catalog.New().Lookup("xsp", op.Path)
		var optional []string
		for _, f := range op.Fields {
			opt := false
			if schema != nil {
				if a := schema.Attribute(f.Name); a != nil {
					opt = a.Optional
				}
			}
			if opt {
				optional = append(optional, f.Name, f.Value)
			} else {
				args = append(args, f.Value)
			}
		}
		return []sent{{args: append(args, optional...)}}
	}
	return []sent{{line: fmt.Sprintf("<unknown op %v>", op.Kind)}}
}

// cliWords splits a command line as a CLI does: blanks separate words
// except inside double quotes, which group and are removed; "" is an empty
// word. It splits at every Unicode space, which is stricter than a CLI
// splitting at ASCII blanks only. An unbalanced quote yields a word that
// can match nothing.
func cliWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord, inQuote := false, false
	for _, r := range line {
		switch {
		case r == '"':
			inQuote, inWord = !inQuote, true
		case unicode.IsSpace(r) && !inQuote:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inQuote {
		return append(words, "\x00unbalanced quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// unsafeRune reports a rune that must never be on a line written to a
// terminal: it could end the line, start a second command or drive the
// terminal or the line editor.
func unsafeRune(r rune) bool {
	return r == ';' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029'
}

// lineProblem says why a line the session wrote is not the intended one,
// or "" when it is.
func lineProblem(got string, want sent) string {
	if !utf8.ValidString(got) {
		return "not valid UTF-8"
	}
	if i := strings.IndexFunc(got, unsafeRune); i >= 0 && !(got == exitLine && want.line == exitLine) {
		r, _ := utf8.DecodeRuneInString(got[i:])
		return fmt.Sprintf("contains %U at byte %d", r, i)
	}
	if want.args == nil {
		if got != want.line {
			return fmt.Sprintf("want the line %q", want.line)
		}
		return ""
	}
	words := cliWords(got)
	if !cmp.Equal(words, want.args) {
		return fmt.Sprintf("splits into %q, want %q", words, want.args)
	}
	// The only quotes allowed are the pair around each word that needs
	// them (empty, or holding a blank).
	quotes := 0
	for _, a := range want.args {
		if a == "" || strings.IndexFunc(a, unicode.IsSpace) >= 0 {
			quotes += 2
		}
	}
	if n := strings.Count(got, `"`); n != quotes {
		return fmt.Sprintf("has %d double quotes, want %d (the quoting of the arguments only)", n, quotes)
	}
	return ""
}

// checkSent compares every line the fake received with what was intended.
func checkSent(t testing.TB, got []string, want []sent) {
	t.Helper()
	for i, line := range got {
		if i >= len(want) {
			t.Errorf("line %d was not intended\ngot: %q\nwant: no more lines after %d", i+1, line, len(want))
			continue
		}
		if p := lineProblem(line, want[i]); p != "" {
			t.Errorf("line %d is not the intended command: %s\ngot: %q", i+1, p, line)
		}
	}
	if len(got) < len(want) {
		t.Errorf("wrong number of lines\ngot: %d %q\nwant: %d", len(got), got, len(want))
	}
}

// runPlanned runs p through a provider session on a fresh fake and
// returns the lines written and the first error of Exec or Restart.
func runPlanned(t testing.TB, p planned) ([]string, error) {
	t.Helper()
	s, f := startTermFake(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var firstErr error
	for _, op := range p.ops {
		if _, err := s.Exec(ctx, op); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s %s: %w", op.Kind, op.Attr, err)
		}
	}
	if p.restart != "" {
		// An unsafe name must fail before restartbw is sent; a safe one
		// is restarted (the fake accepts any name).
		err := s.Restart(ctx, p.restart)
		if err != nil && bwcli.CheckName(p.restart) == nil && firstErr == nil {
			firstErr = fmt.Errorf("restart %s: %w", p.restart, err)
		}
	}
	closeSession(s)
	<-f.done
	return f.received(), firstErr
}

// injectionClass is a kind of hostile (or merely unusual) string.
type injectionClass struct {
	value string
	// refused: the configuration must refuse it, and Exec too.
	refused bool
	// unreadable: safe in a command (Exec sends it), but the configuration
	// refuses it except as a prompted password, because the CLI would
	// never print it back as written.
	unreadable bool
}

// injectionClasses are the named classes of the issue, plus the accepted
// neighbours that prove the refusals are not overbroad.
var injectionClasses = map[string]injectionClass{
	"semicolon":               {value: "a;b", refused: true},
	"semicolon command":       {value: "x; restartbw", refused: true},
	"semicolon exit":          {value: ";exit", refused: true},
	"newline":                 {value: "a\nrestartbw", refused: true},
	"carriage return":         {value: "a\rrestartbw", refused: true},
	"crlf":                    {value: "a\r\nexit", refused: true},
	"double quote":            {value: `a"b`, refused: true},
	"quote breakout":          {value: `x" ; exit "`, refused: true},
	"lone quote":              {value: `"`, refused: true},
	"escape sequence":         {value: "\x1b[2J", refused: true},
	"osc title":               {value: "\x1b]0;owned\x07", refused: true},
	"csi 8-bit":               {value: "a\u009b2J", refused: true},
	"nul":                     {value: "a\x00b", refused: true},
	"delete":                  {value: "ab\x7f\x7fexit", refused: true},
	"backspace":               {value: "a\bb", refused: true},
	"tab":                     {value: "a\tb", refused: true},
	"next line U+0085":        {value: "a\u0085b", refused: true},
	"line separator U+2028":   {value: "a\u2028b", refused: true},
	"paragraph sep U+2029":    {value: "a\u2029b", refused: true},
	"2 KB":                    {value: strings.Repeat("a", 2048), refused: true},
	"1025 bytes":              {value: strings.Repeat("b", 1025), refused: true},
	"invalid UTF-8":           {value: "caf\xe9", refused: true},
	"truncated UTF-8":         {value: "a\xe2\x80", refused: true},
	"trailing backslash":      {value: `a\`, refused: true},
	"plain":                   {value: "example.net"},
	"blanks":                  {value: "Core router 1"},
	"leading blank":           {value: " x", unreadable: true},
	"non-ASCII":               {value: "Zürich"},
	"non-breaking space":      {value: "a\u00a0b"},
	"ideographic space":       {value: "a\u3000b"},
	"inner backslash":         {value: `a\b`},
	"template-like":           {value: "${var.x} %{if} $$"},
	"single quote and braces": {value: "it's {x}"},
	"leading dashes":          {value: "--help"},
	"1024 bytes":              {value: strings.Repeat("c", 1024)},
	"zero-width joiner":       {value: "a\u200db"},
}

// TestInjectionThroughConfig puts each class in each place a value can
// come from and checks the configuration refuses what must be refused, and
// that what it accepts reaches the terminal as one argument of the one
// intended command.
func TestInjectionThroughConfig(t *testing.T) {
	for cname, c := range injectionClasses {
		for _, v := range valueVariants {
			t.Run(cname+"/"+v.name, func(t *testing.T) {
				value := c.value
				src, opts := v.source(value)
				p, ok := loadPlanned(t, src, opts)
				if c.refused || c.unreadable && v.name != "prompted -var" {
					if ok {
						t.Fatalf("wrong result\ngot: the configuration accepted %q\nwant: refused", value)
					}
					return
				}
				if !ok {
					t.Fatalf("wrong result\ngot: the configuration refused %q\nwant: accepted", value)
				}
				if !opsCarry(p.ops, value) {
					t.Fatalf("no write carries the value %q: %+v", value, p.ops)
				}
				got, err := runPlanned(t, p)
				if err != nil {
					t.Fatalf("the provider refused what the configuration accepted: %v", err)
				}
				checkSent(t, got, expectedLines(p.ops, p.restart))
			})
		}
	}
}

// opsCarry reports whether some write carries v as a value or key.
func opsCarry(ops []engine.Op, v string) bool {
	for _, op := range ops {
		if op.Value == v {
			return true
		}
		for _, f := range append(append([]engine.Field(nil), op.Key...), op.Fields...) {
			if f.Value == v {
				return true
			}
		}
	}
	return false
}

// TestInjectionNamesThroughConfig does the same for names: host names,
// paths, attribute and application names accept only letters, digits,
// "_", "." and "-" (starting with a letter or digit); whatever the
// configuration accepts reaches the terminal intact.
func TestInjectionNamesThroughConfig(t *testing.T) {
	type want struct{ variant, value string }
	accepted := map[want]bool{
		{"host name", "xsp_1-a"}:                                    true,
		{"host address", "xsp1.example.net"}:                        true,
		{"host address", "10.1.0.11:2222"}:                          true,
		{"path", "/Applications/OpenClientServer/GeneralSettings/"}: true,
		{"attribute name", "mode-2"}:                                true,
		{"restart", "OpenClientServer"}:                             true,
		{"restart", "Other.App_1"}:                                  true,
		{"raw literal", `a\\b`}:                                     true,
	}
	values := []string{"a;b", "a b", "a\nb", `a"b`, "\x1b[2J", "a\x00", "caf\xe9", "-lead", ".", "..", "a/../b", "Zürich", "a\u2028b", strings.Repeat("n", 200)}
	for _, v := range nameVariants {
		vals := append([]string(nil), values...)
		for w := range accepted {
			if w.variant == v.name {
				vals = append(vals, w.value)
			}
		}
		for _, value := range vals {
			t.Run(fmt.Sprintf("%s/%q", v.name, value), func(t *testing.T) {
				src, opts := v.source(value)
				p, ok := loadPlanned(t, src, opts)
				if !ok {
					if accepted[want{v.name, value}] {
						t.Fatalf("wrong result\ngot: the configuration refused %q\nwant: accepted", value)
					}
					return
				}
				got, err := runPlanned(t, p)
				if err != nil {
					t.Fatalf("the provider refused what the configuration accepted (%q): %v", value, err)
				}
				checkSent(t, got, expectedLines(p.ops, p.restart))
			})
		}
	}
}

// TestExecRefusesInjection is the defence in depth: the provider refuses
// every refused class in every field of every kind of write, even when
// the configuration was bypassed, before it writes anything at all (not
// even bwcli or the cd to the context); accepted classes go out as one
// argument.
func TestExecRefusesInjection(t *testing.T) {
	const gs = "Applications/OpenClientServer/GeneralSettings"
	const mal = "System/ManagementAccessList"
	places := map[string]func(v string) engine.Op{
		"set value": func(v string) engine.Op {
			return engine.Op{Kind: engine.OpSet, Path: gs, Attr: "systemDomain", Value: v}
		},
		"sensitive set value": func(v string) engine.Op {
			return engine.Op{Kind: engine.OpSet, Path: "Interface/SNMP/Agent", Attr: "readCommunity", Value: v, Sensitive: true}
		},
		"prompted secret": func(v string) engine.Op {
			return engine.Op{Kind: engine.OpSet, Path: "Applications/AuthenticationService/CISTokenValidation", Attr: "clientSecret", Value: v, Sensitive: true, Prompted: true}
		},
		"row key of add": func(v string) engine.Op {
			return engine.Op{Kind: engine.OpAddRow, Path: mal, Key: []engine.Field{{Name: "host", Value: v}}, Fields: []engine.Field{{Name: "description", Value: "d"}}}
		},
		"row field of add": func(v string) engine.Op {
			return engine.Op{Kind: engine.OpAddRow, Path: mal, Key: []engine.Field{{Name: "host", Value: "10.9.0.5"}}, Fields: []engine.Field{{Name: "description", Value: v}}}
		},
		"row key of set": func(v string) engine.Op {
			return engine.Op{Kind: engine.OpSetRow, Path: mal, Key: []engine.Field{{Name: "host", Value: v}}, Attr: "description", Value: "d"}
		},
		"row value of set": func(v string) engine.Op {
			return engine.Op{Kind: engine.OpSetRow, Path: mal, Key: []engine.Field{{Name: "host", Value: "10.9.0.5"}}, Attr: "description", Value: v}
		},
		"row key of delete": func(v string) engine.Op {
			return engine.Op{Kind: engine.OpDeleteRow, Path: mal, Key: []engine.Field{{Name: "host", Value: v}}}
		},
	}
	for cname, c := range injectionClasses {
		for pname, mk := range places {
			t.Run(cname+"/"+pname, func(t *testing.T) {
				op := mk(c.value)
				got, err := runPlanned(t, planned{ops: []engine.Op{op}})
				if c.refused {
					if err == nil {
						t.Fatalf("wrong result\ngot: Exec accepted %q\nwant: refused", c.value)
					}
					if strings.Contains(err.Error(), c.value) && len(c.value) > 2 {
						t.Errorf("the refusal repeats the value (it may be a secret): %v", err)
					}
					if len(got) != 0 {
						t.Errorf("wrong result\ngot: %q sent before the refusal\nwant: nothing sent", got)
					}
					return
				}
				if err != nil {
					t.Fatalf("wrong result\ngot: Exec refused %q: %v\nwant: accepted", c.value, err)
				}
				checkSent(t, got, expectedLines([]engine.Op{op}, ""))
			})
		}
	}
}

// TestExecRefusesUnsafeNames covers the names of a write: the path, the
// attribute and a column name of an add, and the application of a
// restart, each refused before anything is written.
func TestExecRefusesUnsafeNames(t *testing.T) {
	bad := []string{"a;b", "a b", "a\nb", `a"b`, "\x1b[2J", "a\x00", "caf\xe9", "-lead", ".", "..", "Zürich", "a\u2028b", strings.Repeat("n", 200), ""}
	for _, v := range bad {
		ops := map[string]engine.Op{
			"attribute": {Kind: engine.OpSet, Path: "Applications/OpenClientServer/GeneralSettings", Attr: v, Value: "x"},
			"clear":     {Kind: engine.OpClear, Path: "Applications/OpenClientServer/GeneralSettings", Attr: v},
			"path":      {Kind: engine.OpSet, Path: "Applications/" + v, Attr: "systemDomain", Value: "x"},
			"column":    {Kind: engine.OpAddRow, Path: "Custom/Table", Key: []engine.Field{{Name: "k", Value: "1"}}, Fields: []engine.Field{{Name: v, Value: "x"}}},
		}
		for name, op := range ops {
			if v == "" && name == "path" {
				continue // "Applications/" is a valid path
			}
			t.Run(fmt.Sprintf("%s/%q", name, v), func(t *testing.T) {
				got, err := runPlanned(t, planned{ops: []engine.Op{op}})
				if err == nil {
					t.Fatalf("wrong result\ngot: Exec accepted the name %q\nwant: refused", v)
				}
				if len(got) != 0 {
					t.Errorf("wrong result\ngot: %q sent before the refusal\nwant: nothing sent", got)
				}
			})
		}
		t.Run(fmt.Sprintf("restart/%q", v), func(t *testing.T) {
			s, f := startTermFake(t, nil)
			err := s.Restart(testCtx(t), v)
			closeSession(s)
			<-f.done
			if err == nil {
				t.Fatalf("wrong result\ngot: Restart accepted %q\nwant: refused", v)
			}
			for _, line := range f.received() {
				if strings.HasPrefix(line, "restartbw") {
					t.Errorf("wrong result\ngot: %q sent\nwant: no restartbw", line)
				}
			}
		})
	}
}

// FuzzInjection is the property over any string in any place of the
// configuration: whatever config.Load and Config.Desired accept, the
// provider accepts too, and the lines it writes are exactly the intended
// commands, each value one argument, without ";", control characters or
// quotes beyond the quoting. variant picks the place.
func FuzzInjection(f *testing.F) {
	variants := append(append([]injectionVariant(nil), valueVariants...), nameVariants...)
	for _, c := range injectionClasses {
		for i := range variants {
			if len(c.value) < 100 {
				f.Add(uint8(i), c.value)
			}
		}
	}
	f.Add(uint8(len(valueVariants)+5), `a" ; restartbw "`)
	f.Add(uint8(len(valueVariants)+5), `${"a;b"}`)
	f.Add(uint8(len(valueVariants)+5), `\u0022;exit`)
	f.Add(uint8(len(valueVariants)+3), "x = 1\n    y")
	f.Fuzz(func(t *testing.T, variant uint8, value string) {
		v := variants[int(variant)%len(variants)]
		src, opts := v.source(value)
		p, ok := loadPlanned(t, src, opts)
		if !ok {
			return
		}
		got, err := runPlanned(t, p)
		if err != nil {
			t.Fatalf("%s %q: the provider refused what the configuration accepted: %v", v.name, value, err)
		}
		checkSent(t, got, expectedLines(p.ops, p.restart))
	})
}

// TestInjectionVariantOrder guards the seed corpus of FuzzInjection
// (testdata/fuzz/FuzzInjection), whose inputs name variants by index.
func TestInjectionVariantOrder(t *testing.T) {
	want := []string{"literal", "-var", "BWSTATE_VAR_", "host var", "sensitive -var", "prompted -var", "row key", "row value"}
	var got []string
	for _, v := range valueVariants {
		got = append(got, v.name)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wrong variant order; update the corpus too (-want +got):\n%s", diff)
	}
}
