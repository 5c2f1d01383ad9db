package main

import (
	"fmt"

	"github.com/bwstate/bwstate/engine/config"
)

func init() {
	register(&command{
		name:     "validate",
		synopsis: "check the configuration without connecting to any host",
		usage: `Usage: bwstate [-chdir=DIR] validate [-var NAME=VALUE]... [-var-file FILE]... [-json] [-no-color]

Checks every *.bw.hcl file of the directory without connecting to any host:
syntax, blocks and attributes, variables and their validation rules, locals,
the inventory, every set and row value against the catalogue (types, ranges,
choices, unknown attributes), values that could inject CLI commands, and
resources that set the same attribute on the same host. Expressions that
depend on host facts (host.release, ...) are type-checked with the facts
unknown, and so are variables that have no value: validate needs no
secrets, so CI can run it (plan and apply require every value).

Flags:
  -var NAME=VALUE   set a variable (repeatable; highest precedence)
  -var-file FILE    read variable values from an HCL file (repeatable)
  -json             print the result as JSON on stdout: {"format_version",
                    "valid", "error_count", "warning_count", "diagnostics"}
  -no-color         never colour the output

Exit status: 0 valid (warnings may be printed), 1 errors.
`,
		run: runValidate,
	})
}

func runValidate(e *env, args []string) int {
	fs := newFlagSet("validate")
	var vars varOptions
	var color colorOptions
	vars.register(fs)
	color.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "bwstate validate: unexpected argument %q; use -chdir=DIR to validate another directory\n", fs.Arg(0))
		return exitError
	}
	if *asJSON {
		// Every diagnostic goes to stdout, warnings included: the document
		// is the whole result.
		cfg, diags := config.Load(e.dir, loadOptions(e, &vars, config.LoadOptions{UnsetVariablesUnknown: true}))
		if err := config.WriteDiagnosticsJSON(e.stdout, diags, cfg.Parser); err != nil {
			fmt.Fprintf(e.stderr, "bwstate validate: %v\n", err)
			return exitError
		}
		if diags.HasErrors() {
			return exitError
		}
		return exitOK
	}
	cfg := loadConfigWith(e, &vars, &color, config.LoadOptions{UnsetVariablesUnknown: true})
	if cfg == nil {
		return exitError
	}
	fmt.Fprintf(e.stdout, "Success! The configuration is valid: %s, %s, %s.\n",
		plural(len(cfg.Hosts), "host"), plural(len(cfg.Resources), "resource"), plural(len(cfg.CheckBlocks), "check"))
	return exitOK
}
