package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/engine/digest"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/plan"
	"github.com/bwstate/bwstate/engine/planfile"
	"github.com/bwstate/bwstate/engine/views"
	"github.com/bwstate/bwstate/internal/live"
	"github.com/bwstate/bwstate/providers/broadworks"
)

const planUsage = `Usage: bwstate [-chdir=DIR] plan [flags]

Connects to every selected host over SSH, reads its facts and every context the
configuration manages, and prints what apply would change and which
applications it would restart. Plan changes nothing on any host.

While hosts are read, a terminal shows how many are read of how many (on
stderr, cleared before the plan is printed); elsewhere a status line comes on
stderr every 10 seconds (BWSTATE_PROGRESS_INTERVAL).

Flags:
  -out FILE             also save the plan to FILE for 'bwstate apply FILE'
  -json                 print the plan as versioned JSON (docs/plan-output.md)
  -detailed-exitcode    exit 2 when there are changes (see exit status)
  -target ADDR          plan only this host, group.NAME, context.NAME,
                        table.NAME or check.NAME (repeatable)
  -exclude ADDR         leave out this address (repeatable)
  -parallelism N        read at most N hosts at once (default 100). Each host
                        in flight holds an SSH connection, one open file;
                        lower it (-parallelism 20) for a small controller,
                        a jump host or a login service (LDAP, TACACS) that
                        should see fewer logins at once, or when ulimit -n
                        is low: bwstate raises the soft limit to the hard
                        one itself, and says so when even that is too low
  -drift                also list catalogue values that differ from their
                        defaults where the configuration does not manage
                        them (information: never a change, no effect on the
                        exit status)
  -var NAME=VALUE       set a variable (repeatable)
  -var-file FILE        read variable values from an HCL file (repeatable)
  -no-color             never colour the output

Exit status: 0 success (no changes unless -detailed-exitcode), 1 error (a
configuration error, or any host that could not be reached or read; with
-detailed-exitcode also a failed check), 2 changes present (only with
-detailed-exitcode).
`

func init() {
	register(&command{name: "plan", synopsis: "show what apply would change", usage: planUsage, run: runPlan})
}

// selectionFlags are the flags that choose hosts and resources.
type selectionFlags struct {
	targets     multiFlag
	excludes    multiFlag
	parallelism int
}

func (s *selectionFlags) register(fs *flag.FlagSet) {
	fs.Var(&s.targets, "target", "plan only this address (repeatable)")
	fs.Var(&s.excludes, "exclude", "leave out this address (repeatable)")
	fs.IntVar(&s.parallelism, "parallelism", plan.DefaultParallelism, "hosts read at once")
}

func (s *selectionFlags) validate(e *env, cmd string) bool {
	if s.parallelism < 1 {
		fmt.Fprintf(e.stderr, "bwstate %s: -parallelism must be at least 1, got %d\n", cmd, s.parallelism)
		return false
	}
	return true
}

// hostCommand is what the commands that read selected hosts (plan,
// apply, facts, probe) share: their flag set with -var, -var-file,
// -no-color, -target, -exclude and -parallelism, parsed and checked alike.
type hostCommand struct {
	name  string
	fs    *flag.FlagSet
	vars  varOptions
	color colorOptions
	sel   selectionFlags
}

func newHostCommand(name string) *hostCommand {
	c := &hostCommand{name: name, fs: newFlagSet(name)}
	c.vars.register(c.fs)
	c.color.register(c.fs)
	c.sel.register(c.fs)
	return c
}

// parse parses args and checks the selection flags; ok is false when the
// command must stop with code.
func (c *hostCommand) parse(e *env, args []string) (code int, ok bool) {
	if code, ok := parseFlags(e, c.fs, args); !ok {
		return code, false
	}
	if !c.sel.validate(e, c.name) {
		return exitError, false
	}
	return exitOK, true
}

// load loads the configuration and the selection (loadSelection).
// It also makes sure the process may hold the connections the command
// keeps open at once (ensureFiles).
func (c *hostCommand) load(e *env) (*config.Config, *config.Selection, bool) {
	cfg, sel, ok := loadSelection(e, &c.vars, &c.color, &c.sel)
	if !ok || !ensureFiles(e, c.name, sessionsAtOnce(c.name, c.sel.parallelism, cfg, len(sel.Hosts))) {
		return nil, nil, false
	}
	return cfg, sel, true
}

// loadSelection loads the configuration and applies -target and -exclude,
// printing diagnostics; ok is false when the command must stop.
func loadSelection(e *env, vars *varOptions, color *colorOptions, s *selectionFlags) (*config.Config, *config.Selection, bool) {
	cfg := loadConfig(e, vars, color)
	if cfg == nil {
		return nil, nil, false
	}
	sel, diags := cfg.Select(s.targets, s.excludes)
	writeDiagnostics(e, diags, cfg.Parser, color)
	if diags.HasErrors() {
		return nil, nil, false
	}
	return cfg, sel, true
}

// configSource adapts a configuration and a selection to plan.Source.
type configSource struct {
	cfg *config.Config
	sel *config.Selection
}

func (s configSource) Desired(h *engine.Host, f *engine.Facts) ([]*engine.Desired, error) {
	return s.cfg.Desired(s.sel, h, f)
}

func (s configSource) Checks(h *engine.Host, f *engine.Facts) ([]*engine.Check, error) {
	return s.cfg.Checks(s.sel, h, f)
}

// openJournalIfPresent opens the controller state when it exists; plan
// must not create it.
func openJournalIfPresent(e *env) (*journal.Journal, error) {
	if _, err := os.Stat(stateDir(e)); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return journal.Open(stateDir(e), journal.Options{})
}

// planRequest is everything makePlan needs.
type planRequest struct {
	cfg     *config.Config
	sel     *config.Selection
	journal *journal.Journal // nil: no pending restarts, secrets always change
	// pending, when not nil, are the pending restarts the caller read
	// already (apply's run, which refuses a broken journal); otherwise they
	// are read from journal and a broken chain is a warning.
	pending map[string][]*engine.Restart
	par     int
	drift   bool
	// targets and excludes are recorded in the plan (a partial plan says so).
	targets, excludes []string
	// prov, when set, is used (and left open) instead of a provider of
	// the plan's own: apply plans and applies through one, so a key's
	// passphrase is asked once per run.
	prov *broadworks.Provider
	// progress shows the read pass (on stderr: stdout is for the plan).
	progress progressView
	// keep, when set, may take over a host's session once it is planned
	// (plan.Options.Keep).
	keep func(hp *engine.HostPlan, s engine.Session) bool
}

// makePlan runs the read pass. It returns nil after printing why when the
// plan could not be made at all.
func makePlan(e *env, req planRequest) (*engine.Plan, bool) {
	pending := req.pending
	var secretMatches plan.SecretMatcher
	if req.journal != nil {
		if pending == nil {
			if err := req.journal.Intact(); err != nil {
				fmt.Fprintf(e.stderr, "bwstate: warning: %v; the pending restarts shown come from it and may be wrong\n", err)
			}
			var err error
			if pending, err = req.journal.Pending(); err != nil {
				fmt.Fprintf(e.stderr, "bwstate: read pending restarts: %v\n", err)
				return nil, false
			}
		}
		secretMatches = req.journal.SecretMatches
	}
	prov := req.prov
	if prov == nil {
		p := newProvider(e, req.cfg)
		defer p.Close()
		prov = p
	}
	ctx, cancel := e.interruptible()
	defer cancel()
	tracker := live.NewPlanTracker(nil)
	display := req.progress.start(tracker)
	p, err := plan.Run(ctx, plan.Options{
		Hosts:         req.sel.Hosts,
		Source:        configSource{req.cfg, req.sel},
		Provider:      prov,
		Catalogue:     catalogue,
		Parallelism:   req.par,
		Pending:       pending,
		SecretMatches: secretMatches,
		Secrets:       req.cfg.SensitiveValues(),
		ConfigHash:    req.cfg.Hash,
		Drift:         req.drift,
		Concerns:      func(h *engine.Host) bool { return req.sel.Concerns(h.Name) },
		NeedsAlarms:   func(h *engine.Host) bool { return req.cfg.NeedsAlarms(req.sel, h) },
		Keep:          req.keep,
		Hook:          tracker,
	})
	req.progress.stop(display)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate: %v\n", err)
		return nil, false
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "bwstate: interrupted: the plan is incomplete")
		return nil, false
	}
	p.Targets, p.Excludes = req.targets, req.excludes
	return p, true
}

func runPlan(e *env, args []string) int {
	c := newHostCommand("plan")
	fs, color, selFlags := c.fs, &c.color, &c.sel
	out := fs.String("out", "", "save the plan to FILE")
	asJSON := fs.Bool("json", false, "print JSON")
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when there are changes")
	drift := fs.Bool("drift", false, "report unmanaged values that differ from their defaults")
	if code, ok := c.parse(e, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "bwstate plan: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	interval, err := progressInterval(e)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate plan: %v\n", err)
		return exitError
	}
	color.diagJSON = *asJSON
	cfg, sel, ok := c.load(e)
	if !ok {
		return exitError
	}
	jn, err := openJournalIfPresent(e)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate plan: %v\n", err)
		return exitError
	}
	p, ok := makePlan(e, planRequest{cfg: cfg, sel: sel, journal: jn, par: selFlags.parallelism, drift: *drift,
		targets: selFlags.targets, excludes: selFlags.excludes, progress: newProgressView(e, e.stderr, color, interval)})
	if !ok {
		return exitError
	}
	if *asJSON {
		if err := views.JSON(e.stdout, p); err != nil {
			fmt.Fprintf(e.stderr, "bwstate plan: %v\n", err)
			return exitError
		}
	} else {
		views.Human(e.stdout, p, views.HumanOptions{Color: color.enabled(e, e.stdout), Width: wrapWidth(e.stdout)})
	}
	if *out != "" {
		// Sensitive values are written as hashes keyed with the state
		// directory's key: saving a plan creates .bwstate/hmac.key the
		// first time (plan never writes the journal).
		key, err := digest.LoadOrCreateKey(stateDir(e))
		if err != nil {
			fmt.Fprintf(e.stderr, "bwstate plan: %v\n", err)
			return exitError
		}
		if err := planfile.Write(resolve(e, *out), p, nil, key); err != nil {
			fmt.Fprintf(e.stderr, "bwstate plan: %v\n", err)
			return exitError
		}
		if !*asJSON {
			fmt.Fprintf(e.stdout, "\nSaved the plan to %s. Apply exactly this plan with: bwstate apply %s\n", *out, *out)
		}
	}
	return planExitCode(p, *detailed)
}

// planExitCode maps a plan to plan's exit status (docs/cli.md, bwstate plan).
func planExitCode(p *engine.Plan, detailed bool) int {
	c := views.Summary(p)
	switch {
	case c.HostsFailed > 0:
		return exitError
	case detailed && c.ChecksFailed > 0:
		return exitError
	case detailed && c.HasChanges():
		return exitChanges
	}
	return exitOK
}
