// Command bwstate is a declarative state engine for Cisco BroadWorks server
// fleets: it plans and applies CLI configuration over SSH.
//
// This package is thin: it parses flags per subcommand, wires the engine to
// the BroadWorks provider and maps outcomes to exit codes. Every subcommand
// lives in its own file and registers itself in init.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/bwstate/bwstate/engine/config"
)

// Exit codes, as docs/cli.md documents them per command.
const (
	exitOK      = 0 // success, no changes
	exitError   = 1 // error; for apply: error before any change
	exitChanges = 2 // plan -detailed-exitcode: changes present
	exitPartial = 3 // apply: some hosts failed or were left untouched
)

// env is what a subcommand gets from main: its streams, the working
// directory after -chdir, the environment, and the interrupt signals:
// interrupt is closed on the first SIGINT/SIGTERM (stop starting new work)
// and ctx is cancelled on the second (abort what is running).
type env struct {
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	dir       string
	getenv    func(string) string
	environ   func() []string
	ctx       context.Context
	interrupt <-chan struct{}
}

// command is one subcommand.
type command struct {
	name     string
	synopsis string
	// usage is the full help text: usage line, description and flags.
	usage string
	run   func(e *env, args []string) int
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate command " + c.name)
	}
	commands[c.name] = c
}

func main() {
	// A closed stdout or stderr pipe (`bwstate apply | tee log` after
	// Ctrl-C killed tee) must never kill bwstate in the middle of an apply:
	// with SIGPIPE ignored a write fails with EPIPE instead, output is lost
	// and the run goes on to journal its end, release the lock and exit
	// with its own code.
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(context.Background())
	interrupt := make(chan struct{})
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		close(interrupt)
		<-signals
		cancel()
	}()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, environ: os.Environ,
		ctx: ctx, interrupt: interrupt}
	code := run(e, os.Args[1:])
	cancel()
	os.Exit(code)
}

// interruptible returns a context cancelled on the first interrupt, for
// commands that change nothing and can stop at once (plan, facts).
func (e *env) interruptible() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(e.ctx)
	go func() {
		select {
		case <-e.interrupt:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// run dispatches one invocation; it is main without the process around it,
// so tests can call it.
func run(e *env, args []string) int {
	dir := "."
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		a := strings.TrimPrefix(strings.TrimPrefix(args[0], "-"), "-")
		switch {
		case strings.HasPrefix(a, "chdir="):
			dir = strings.TrimPrefix(a, "chdir=")
			args = args[1:]
		case a == "chdir" && len(args) > 1:
			dir = args[1]
			args = args[2:]
		case a == "help" || a == "h":
			args = append([]string{"help"}, args[1:]...)
		case a == "version" || a == "v":
			args = append([]string{"version"}, args[1:]...)
		default:
			fmt.Fprintf(e.stderr, "bwstate: unknown global flag %s; global flags are -chdir=DIR, -help, -version\n", args[0])
			return exitError
		}
	}
	e.dir = dir
	if dir != "." {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			fmt.Fprintf(e.stderr, "bwstate: -chdir=%s: not a directory\n", dir)
			return exitError
		}
	}
	if len(args) == 0 {
		printOverview(e.stderr)
		return exitError
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "bwstate: unknown command %q\n", args[0])
		if s := config.Suggest(args[0], commandNames()); s != "" {
			fmt.Fprintf(e.stderr, "Did you mean 'bwstate %s'?\n", s)
		}
		fmt.Fprintln(e.stderr)
		printOverview(e.stderr)
		return exitError
	}
	return c.run(e, args[1:])
}

func printOverview(w io.Writer) {
	fmt.Fprintf(w, "Usage: bwstate [-chdir=DIR] COMMAND [flags]\n\nCommands:\n")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].synopsis)
	}
	fmt.Fprintf(w, "\nGlobal flags:\n  -chdir=DIR     work in DIR instead of the current directory\n\nRun 'bwstate help COMMAND' for a command's flags.\n")
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func init() {
	register(&command{
		name:     "help",
		synopsis: "show help for bwstate or one command",
		usage:    "Usage: bwstate help [COMMAND]\n\nShows the commands, or the usage and flags of one command.\n",
		run: func(e *env, args []string) int {
			if len(args) == 0 {
				printOverview(e.stdout)
				return exitOK
			}
			switch args[0] {
			case "-h", "-help", "--help":
				fmt.Fprint(e.stdout, commands["help"].usage)
				return exitOK
			}
			c, ok := commands[args[0]]
			if !ok {
				fmt.Fprintf(e.stderr, "bwstate help: unknown command %q\n", args[0])
				return exitError
			}
			fmt.Fprint(e.stdout, c.usage)
			return exitOK
		},
	})
}
