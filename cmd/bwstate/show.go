package main

import (
	"fmt"

	"github.com/bwstate/bwstate/engine/planfile"
	"github.com/bwstate/bwstate/engine/views"
)

func init() {
	register(&command{
		name:     "show",
		synopsis: "render a saved plan file",
		usage: `Usage: bwstate [-chdir=DIR] show [-json] [-no-color] FILE

Renders a plan saved with 'plan -out FILE' (or a revert plan under
.bwstate/runs/RUN/revert.json) exactly as plan printed it. Connects to no host.

Flags:
  -json       print the plan as versioned JSON (docs/plan-output.md)
  -no-color   never colour the output

Exit status: 0 success, 1 the file cannot be read or is not a bwstate plan.
`,
		run: runShow,
	})
}

func runShow(e *env, args []string) int {
	fs := newFlagSet("show")
	var color colorOptions
	color.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "bwstate show: give exactly one plan file: bwstate show FILE")
		return exitError
	}
	p, err := planfile.Read(resolve(e, fs.Arg(0)))
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate show: %v\n", err)
		return exitError
	}
	if *asJSON {
		if err := views.JSON(e.stdout, p); err != nil {
			fmt.Fprintf(e.stderr, "bwstate show: %v\n", err)
			return exitError
		}
		return exitOK
	}
	views.Human(e.stdout, p, views.HumanOptions{Color: color.enabled(e, e.stdout), Width: wrapWidth(e.stdout)})
	return exitOK
}
