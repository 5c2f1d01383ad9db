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

	"golang.org/x/term"

	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// catalogue is the BroadWorks context catalogue (immutable, shared).
var catalogue = catalog.New()

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
func parseFlags(e *env, fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(e.stdout, commands[fs.Name()].usage)
			return exitOK, false
		}
		fmt.Fprintf(e.stderr, "bwstate %s: %v\nRun 'bwstate help %s' for its flags.\n", fs.Name(), err, fs.Name())
		return exitError, false
	}
	return exitOK, true
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

// colorOptions decide whether output is coloured.
type colorOptions struct {
	noColor bool
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

// loadConfig loads the configuration in e.dir and prints its diagnostics
// on stderr. cfg is nil when there were errors.
func loadConfig(e *env, v *varOptions, color bool) *config.Config {
	cfg, diags := config.Load(e.dir, config.LoadOptions{
		Catalogue: catalogue,
		VarFiles:  v.varFiles,
		Vars:      v.vars,
		Environ:   environ(e),
	})
	if len(diags) > 0 {
		_ = config.WriteDiagnostics(e.stderr, diags, cfg.Parser, terminalWidth(e.stderr), color)
	}
	if diags.HasErrors() {
		return nil
	}
	return cfg
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
