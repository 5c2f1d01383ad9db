package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/hashicorp/hcl/v2"
	"golang.org/x/term"
)

const labUsage = `Usage: bwstate lab serve LABFILE [-state-dir DIR] [-bind IP]

Runs the simulated BroadWorks hosts that LABFILE declares (sim_host blocks,
see docs/simulator.md) on their listen addresses until interrupted
(SIGINT or SIGTERM), then exits 0. Each host is an SSH server with a
bash-like shell (line editing, history, | grep, | head, | tail, help),
bwcli and the BroadWorks shell tools; a host with replay = "FILE" answers
from a recorded session transcript (BWSTATE_TRANSCRIPT_DIR) instead.

In DIR it keeps the host keys (stable across restarts) and writes:
  DIR/known_hosts    every host's key, for ssh -o UserKnownHostsFile=
  DIR/id_ed25519     a client key every host accepts (+ .pub); the login
                     bwadmin / password bwadmin works too
  DIR/commands.log   "HOST shell|cli COMMAND" per command received, appended

It prints "lab ready: N hosts" once every host listens. A lab file with
errors prints diagnostics and exits 1.

Flags (before or after LABFILE):
  -state-dir DIR  where keys, known_hosts and commands.log live
                  (default: .lab beside LABFILE)
  -bind IP        replace the IP of every listen address with IP, e.g. a
                  loopback address of your own such as 127.83.12.7

Example:
  bwstate lab serve examples/lab/lab.hcl
  ssh -p 2201 -i examples/lab/.lab/id_ed25519 \
      -o UserKnownHostsFile=examples/lab/.lab/known_hosts bwadmin@127.0.0.1
`

func init() {
	register(&command{
		name:     "lab",
		synopsis: "serve simulated BroadWorks hosts (lab serve)",
		usage:    labUsage,
		run:      runLab,
	})
}

func runLab(e *env, args []string) int {
	if len(args) > 0 && isHelpFlag(args[0]) {
		fmt.Fprint(e.stdout, labUsage)
		return exitOK
	}
	if len(args) == 0 {
		fmt.Fprintf(e.stderr, "bwstate lab: missing subcommand: serve\n\n%s", labUsage)
		return exitError
	}
	if args[0] != "serve" {
		fmt.Fprintf(e.stderr, "bwstate lab: unknown subcommand %q: the only lab subcommand is serve\n\n%s", args[0], labUsage)
		return exitError
	}
	fs := flag.NewFlagSet("lab serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	stateDir := fs.String("state-dir", "", "")
	bind := fs.String("bind", "", "")
	// Flags may come before or after LABFILE.
	var positional []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(e.stdout, labUsage)
				return exitOK
			}
			fmt.Fprintf(e.stderr, "bwstate lab serve: %v\n\n%s", err, labUsage)
			return exitError
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(positional) != 1 {
		fmt.Fprintf(e.stderr, "bwstate lab serve: want exactly one LABFILE, got %d\n\n%s", len(positional), labUsage)
		return exitError
	}
	labPath := resolve(e, positional[0])
	src, err := os.ReadFile(labPath)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate lab serve: %v\n", err)
		return exitError
	}
	// Replay transcripts are found beside the lab file.
	lab, diags := sim.ParseLabAt(src, positional[0], filepath.Dir(labPath))
	if diags.HasErrors() {
		writeLabDiagnostics(e, positional[0], src, diags)
		return exitError
	}
	dir := filepath.Join(filepath.Dir(labPath), ".lab")
	if *stateDir != "" {
		dir = resolve(e, *stateDir)
	}
	fleet, err := sim.Start(lab, sim.Options{StateDir: dir, BindIP: *bind})
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate lab serve: %v\n", err)
		if errors.Is(err, syscall.EADDRINUSE) {
			fmt.Fprint(e.stderr, "Another process (another bwstate lab serve?) listens on that address. Stop it, or serve\n"+
				"this lab on another loopback address with -bind, e.g. -bind 127.0.0.2 (any 127.x.y.z works on Linux).\n")
		}
		return exitError
	}
	for _, h := range fleet.Hosts() {
		fmt.Fprintf(e.stdout, "%-12s %-22s %-4s %s\n", h.Name(), h.Addr(), h.Type(), h.Release())
	}
	fmt.Fprintf(e.stdout, "known_hosts: %s\nclient key:  %s\ncommand log: %s\n", fleet.KnownHostsPath(), fleet.ClientKeyPath(), fleet.CommandLogPath())
	fmt.Fprintf(e.stdout, "lab ready: %d hosts\n", len(fleet.Hosts()))
	select {
	case <-e.ctx.Done():
	case <-e.interrupt:
	}
	if err := fleet.Close(); err != nil {
		fmt.Fprintf(e.stderr, "bwstate lab serve: %v\n", err)
		return exitError
	}
	return exitOK
}

// writeLabDiagnostics prints diagnostics with file:line and a source
// snippet to stderr, in colour only on a terminal without NO_COLOR.
func writeLabDiagnostics(e *env, name string, src []byte, diags hcl.Diagnostics) {
	w := e.stderr
	width, color := 0, false
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		width, _, _ = term.GetSize(int(f.Fd()))
		color = e.getenv == nil || e.getenv("NO_COLOR") == ""
	}
	files := map[string]*hcl.File{name: {Bytes: src}}
	_ = hcl.NewDiagnosticTextWriter(w, files, uint(max(width, 0)), color).WriteDiagnostics(diags)
}

// isHelpFlag reports whether arg asks for the usage text.
func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}
