package main

import "fmt"

func init() {
	register(&command{
		name:     "validate",
		synopsis: "check the configuration without connecting to any host",
		usage: `Usage: bwstate [-chdir=DIR] validate [-var NAME=VALUE]... [-var-file FILE]... [-no-color]

Checks every *.bw.hcl file of the directory without connecting to any host:
syntax, blocks and attributes, variables and their validation rules, locals,
the inventory, every set and row value against the catalogue (types, ranges,
choices, unknown attributes), values that could inject CLI commands, and
resources that set the same attribute on the same host. Expressions that
depend on host facts (host.release, ...) are type-checked with the facts
unknown.

Flags:
  -var NAME=VALUE   set a variable (repeatable; highest precedence)
  -var-file FILE    read variable values from an HCL file (repeatable)
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
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "bwstate validate: unexpected argument %q; use -chdir=DIR to validate another directory\n", fs.Arg(0))
		return exitError
	}
	cfg := loadConfig(e, &vars, color.enabled(e, e.stderr))
	if cfg == nil {
		return exitError
	}
	fmt.Fprintf(e.stdout, "Success! The configuration is valid: %d hosts, %d resources, %d checks.\n",
		len(cfg.Hosts), len(cfg.Resources), len(cfg.CheckBlocks))
	return exitOK
}
