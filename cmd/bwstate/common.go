package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"golang.org/x/term"

	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/providers/broadworks"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// catalogue is the BroadWorks context catalogue (immutable, shared).
var catalogue = catalog.New()

// connections is the BroadWorks provider's connection block (ssh), which
// the provider decodes.
var connections = broadworks.SSHBlock{}

// multiFlag collects a repeatable string flag (-var, -target, ...).
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// newFlagSet returns a flag set that reports errors on e.stderr and never
// exits the process, with the command's usage text as -help output.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args, printing the usage for -help and a clear message
// for mistakes. ok is false when the command must stop with code.
//
// Flags may follow positional arguments (`bwstate apply cap.plan
// -auto-approve`), as with most CLIs; after `--` everything is positional.
// fs.Args() returns the positional arguments in their order.
func parseFlags(e *env, fs *flag.FlagSet, args []string) (code int, ok bool) {
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if err == flag.ErrHelp {
				fmt.Fprint(e.stdout, commands[commandOf(fs)].usage)
				return exitOK, false
			}
			fmt.Fprintf(e.stderr, "bwstate %s: %v%s\nRun 'bwstate help %s' for its flags.\n", fs.Name(), err, flagHint(fs, err), commandOf(fs))
			return exitError, false
		}
		consumed := len(rest) - fs.NArg()
		if fs.NArg() == 0 || (consumed > 0 && rest[consumed-1] == "--") {
			positional = append(positional, fs.Args()...)
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	// Parse again with only the positional arguments, so that fs.Args()
	// returns them; the flags keep the values set above.
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		fmt.Fprintf(e.stderr, "bwstate %s: %v\n", fs.Name(), err)
		return exitError, false
	}
	return exitOK, true
}

// commandOf is the top-level command a flag set belongs to: "journal" for
// "journal show".
func commandOf(fs *flag.FlagSet) string {
	name, _, _ := strings.Cut(fs.Name(), " ")
	return name
}

// flagHint adds advice to a flag error: a global flag given after the
// command goes before it, and an unknown flag may be a typo of a known one.
func flagHint(fs *flag.FlagSet, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return ""
	}
	switch strings.TrimPrefix(name, "-") {
	case "chdir":
		return fmt.Sprintf("\n-chdir is a global flag: it goes before the command, as in 'bwstate -chdir=DIR %s'", fs.Name())
	}
	var known []string
	fs.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
	if s := config.Suggest(strings.TrimPrefix(name, "-"), known); s != "" {
		return fmt.Sprintf("\nDid you mean -%s?", s)
	}
	return ""
}

// varOptions are the flags that feed configuration variables.
type varOptions struct {
	vars     multiFlag
	varFiles multiFlag
}

func (v *varOptions) register(fs *flag.FlagSet) {
	fs.Var(&v.vars, "var", "set a variable: -var NAME=VALUE (repeatable)")
	fs.Var(&v.varFiles, "var-file", "read variable values from an HCL file (repeatable)")
}

// colorOptions decide how output is presented: whether it is coloured,
// and (diagJSON, set by commands with -json) whether configuration
// diagnostics go to stdout as JSON.
type colorOptions struct {
	noColor  bool
	diagJSON bool
}

func (c *colorOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.noColor, "no-color", false, "never colour the output")
}

// enabled reports whether w should get ANSI colour: only a terminal, and
// neither -no-color nor NO_COLOR (https://no-color.org) set.
func (c *colorOptions) enabled(e *env, w io.Writer) bool {
	if c.noColor || e.getenv("NO_COLOR") != "" || e.getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// wrapWidth is the width the plan view wraps long warnings at: the
// terminal's, or 0 (no wrapping) when w is not a terminal, so that piped
// and logged output keeps one line per warning for grep.
func wrapWidth(w io.Writer) int {
	if !isTerminal(w) {
		return 0
	}
	return int(terminalWidth(w))
}

// terminalWidth is the width diagnostics wrap at.
func terminalWidth(w io.Writer) uint {
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
			return uint(cols)
		}
	}
	return 100
}

// environ returns the process environment (tests may replace it).
func environ(e *env) []string {
	if e.environ != nil {
		return e.environ()
	}
	return os.Environ()
}

// loadConfig loads the configuration in e.dir and prints its diagnostics.
// cfg is nil when there were errors.
func loadConfig(e *env, v *varOptions, out *colorOptions) *config.Config {
	return loadConfigWith(e, v, out, config.LoadOptions{})
}

// loadConfigWith is loadConfig with extra load options (the provider's
// parts, variables and environment are filled in).
func loadConfigWith(e *env, v *varOptions, out *colorOptions, opts config.LoadOptions) *config.Config {
	cfg, diags := config.Load(e.dir, loadOptions(e, v, opts))
	writeDiagnostics(e, diags, cfg.Parser, out)
	if diags.HasErrors() {
		return nil
	}
	return cfg
}

// loadOptions fills in what every load needs: the provider's catalogue
// and connection block, the variables and the environment.
func loadOptions(e *env, v *varOptions, opts config.LoadOptions) config.LoadOptions {
	opts.Catalogue, opts.Connections = catalogue, connections
	opts.VarFiles, opts.Vars, opts.Environ = v.varFiles, v.vars, environ(e)
	return opts
}

// writeDiagnostics prints configuration diagnostics: as text on stderr, or,
// with -json and errors among them, as one JSON document on stdout (the
// command then prints nothing else there). Warnings alone stay on stderr
// with -json, so that stdout holds only the command's own JSON.
func writeDiagnostics(e *env, diags hcl.Diagnostics, p *hclparse.Parser, out *colorOptions) {
	switch {
	case len(diags) == 0:
	case out.diagJSON && diags.HasErrors():
		_ = config.WriteDiagnosticsJSON(e.stdout, diags, p)
	default:
		_ = config.WriteDiagnostics(e.stderr, diags, p, terminalWidth(e.stderr), out.enabled(e, e.stderr))
	}
}

// stateDir is the controller state directory next to the configuration.
func stateDir(e *env) string {
	return filepath.Join(e.dir, ".bwstate")
}

// resolve makes a user-given path relative to the working directory
// (after -chdir).
func resolve(e *env, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(e.dir, p)
}
