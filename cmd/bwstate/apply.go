package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/apply"
	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/planfile"
	"github.com/bwstate/bwstate/engine/sessions"
	"github.com/bwstate/bwstate/engine/views"
	"github.com/bwstate/bwstate/engine/views/progress"
	"github.com/bwstate/bwstate/internal/live"
)

const applyUsage = `Usage: bwstate [-chdir=DIR] apply [flags] [PLANFILE]

Makes a plan (or loads PLANFILE, saved by 'plan -out' or written as a revert
plan under .bwstate/runs/RUN/revert.json), shows it, asks for confirmation and
executes it: per host, the before values are re-read (a host whose live values
changed since planning is refused as stale), the pending restarts are
journaled, each value is set and read back, then each application that needs
it is restarted once, in rolling batches that wait for health (see the
rollout block). Everything is recorded in .bwstate/journal.jsonl.

While it runs, a terminal shows a live area below the progress lines (the
batch, hosts done, failed and remaining, an estimate of the time left, each
health wait against health_timeout), cleared before the summary; elsewhere a
status line comes every 10 seconds (BWSTATE_PROGRESS_INTERVAL).

Flags:
  -auto-approve         do not ask for confirmation (required when stdin is
                        not a terminal)
  -parallelism N        hosts read at once by the plan, and hosts without
                        restarts applied at once (default 100); lower it as
                        for plan (-parallelism 20). Rolling batches follow
                        rollout.batch_size. Without PLANFILE, the hosts
                        started first keep the session their plan opened
  -restart POLICY       now, defer or never; overrides rollout.restart
  -restarts-only        perform only the restarts earlier runs left pending
  -target ADDR          apply only this host, group.NAME, context.NAME,
                        table.NAME or check.NAME (repeatable)
  -exclude ADDR         leave out this address (repeatable)
  -var NAME=VALUE       set a variable (repeatable)
  -var-file FILE        read variable values from an HCL file (repeatable)
  -no-color             never colour the output

Ctrl-C stops starting new work, lets each command in flight finish, journals
and exits 3; a second Ctrl-C aborts the commands in flight.

Exit status: 0 every host done (or nothing to do), 1 error before any change,
3 partial: some hosts failed, were stale, untouched or interrupted.
`

func init() {
	register(&command{name: "apply", synopsis: "make the changes of a plan, restarting only what needs it", usage: applyUsage, run: runApply})
}

func runApply(e *env, args []string) int {
	c := newHostCommand("apply")
	fs, color, selFlags := c.fs, &c.color, &c.sel
	autoApprove := fs.Bool("auto-approve", false, "do not ask for confirmation")
	restartFlag := fs.String("restart", "", "restart policy: now, defer or never")
	restartsOnly := fs.Bool("restarts-only", false, "only perform pending restarts")
	if code, ok := c.parse(e, args); !ok {
		return code
	}
	interval, err := progressInterval(e)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate apply: %v\n", err)
		return exitError
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(e.stderr, "bwstate apply: at most one plan file, got %d arguments\n", fs.NArg())
		return exitError
	}
	planPath := ""
	if fs.NArg() == 1 {
		planPath = resolve(e, fs.Arg(0))
		if *restartsOnly || len(selFlags.targets) > 0 || len(selFlags.excludes) > 0 {
			fmt.Fprintln(e.stderr, "bwstate apply: a saved plan is applied as it is: -restarts-only, -target and -exclude cannot be combined with PLANFILE")
			return exitError
		}
	}
	switch *restartFlag {
	case "", string(engine.RestartNow), string(engine.RestartDefer), string(engine.RestartNever):
	default:
		fmt.Fprintf(e.stderr, "bwstate apply: -restart must be now, defer or never, got %q\n", *restartFlag)
		return exitError
	}
	if !*autoApprove && !isTerminal(e.stdin) {
		fmt.Fprintln(e.stderr, "bwstate apply: confirmation needed but stdin is not a terminal; review the plan and run again with -auto-approve")
		return exitError
	}
	colorOut := color.enabled(e, e.stdout)
	cfg, sel, ok := c.load(e)
	if !ok {
		return exitError
	}
	jn, err := journal.Open(stateDir(e), journal.Options{})
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate apply: %v\n", err)
		return exitError
	}
	defer jn.Close()
	// The run begins before anything is planned: the lock first, then the
	// journal is read (pending restarts, verification), so nobody changes
	// the fleet through this configuration between planning and applying.
	run, err := jn.BeginRun()
	var ve *journal.VerifyError
	switch {
	case errors.As(err, &ve):
		// Its pending restarts cannot be trusted, and new records chained
		// onto it would bury the evidence: an operator must look first.
		fmt.Fprintf(e.stderr, "bwstate apply: %v; nothing was applied. Find out who changed it; then restore it from your copy, or move it aside to start a new journal (docs/reliability.md)\n", err)
		return exitError
	case err != nil:
		fmt.Fprintf(e.stderr, "bwstate apply: %v\n", err)
		return exitError
	}
	defer run.Release()

	opts := apply.Options{
		Hosts:       hostsByName(cfg),
		Catalogue:   catalogue,
		Rollout:     cfg.Rollout,
		Parallelism: selFlags.parallelism,
		Run:         run,
		Stop:        e.interrupt,
		// Checks run after each host is done, against the configuration
		// as it is now (also for saved plans).
		Checks: configSource{cfg, sel}.Checks,
		CheckNeeds: func(h *engine.Host) apply.CheckNeeds {
			return apply.CheckNeeds{Any: cfg.HasChecks(sel, h), Alarms: cfg.ChecksNeedAlarms(sel, h)}
		},
	}
	if *restartFlag != "" {
		opts.Rollout.Restart = engine.RestartPolicy(*restartFlag)
	}
	// One provider plans and applies: it holds the keys unlocked with a
	// passphrase, which is asked once per run.
	prov := newProvider(e, cfg)
	defer prov.Close()
	opts.Provider = prov
	switch {
	case planPath != "":
		f, err := planfile.Load(planPath)
		if err != nil {
			fmt.Fprintf(e.stderr, "bwstate apply: %v\n", err)
			return exitError
		}
		if f.Plan.Mode != engine.ModeRevert && f.Plan.ConfigHash != cfg.Hash {
			fmt.Fprintf(e.stderr, "bwstate apply: plan file %s was made from another version of the configuration files; make a new plan with 'bwstate plan -out %s'\n", fs.Arg(0), fs.Arg(0))
			return exitError
		}
		secrets := savedPlanSecrets(cfg, f.Plan)
		key, err := jn.Key()
		if err != nil {
			fmt.Fprintf(e.stderr, "bwstate apply: %v\n", err)
			return exitError
		}
		if err := f.CheckSecrets(secrets, key); err != nil {
			fmt.Fprintf(e.stderr, "bwstate apply: %v\n", err)
			return exitError
		}
		opts.Plan, opts.SensitiveAfter, opts.AfterHash = f.Plan, secrets, f.AfterHash
	case *restartsOnly:
		opts.Plan = restartsOnlyPlan(cfg, sel, run.Pending())
		opts.Mode = engine.ModeRestartsOnly
	default:
		// The hosts the apply starts first keep the session their plan
		// opened: no second connection and bwcli start for them. The
		// others' sessions are closed as soon as the plan is made.
		keeper := sessions.New(prov, keptSessions(selFlags.parallelism, cfg, len(sel.Hosts)), sel.Hosts)
		defer keeper.Close()
		p, ok := makePlan(e, planRequest{cfg: cfg, sel: sel, journal: jn, pending: run.Pending(), par: selFlags.parallelism, prov: prov,
			keep: keeper.Offer, targets: selFlags.targets, excludes: selFlags.excludes, progress: newProgressView(e, e.stderr, color, interval)})
		if !ok {
			return exitError
		}
		opts.Plan, opts.Provider = p, keeper
		keeper.Retain(apply.FirstHosts(opts))
	}

	views.Human(e.stdout, opts.Plan, views.HumanOptions{Color: colorOut, Width: wrapWidth(e.stdout)})
	counts := views.Summary(opts.Plan)
	noChangeExit := exitOK
	if counts.HostsFailed > 0 {
		noChangeExit = exitError
	}
	if !counts.HasChanges() {
		if !hasSatisfied(opts.Plan) {
			return noChangeExit
		}
		// Nothing to send to any server, only pending restarts an upgrade
		// did to record as done: no question to ask.
		opts.Hook = progress.New(e.stdout, progress.Options{Color: colorOut})
		fmt.Fprintln(e.stdout)
		res, err := apply.Run(e.ctx, opts)
		if err != nil {
			fmt.Fprintf(e.stderr, "bwstate apply: %v\n", err)
			return exitError
		}
		fmt.Fprintf(e.stdout, "\nRecorded in the journal (run %s): the pending restarts marked ✓ are done; nothing was sent to the servers.\n", res.RunID)
		return noChangeExit
	}
	if !*autoApprove && !confirm(e) {
		fmt.Fprintln(e.stdout, "\nApply cancelled: nothing was changed.")
		return exitError
	}
	select {
	case <-e.interrupt:
		fmt.Fprintln(e.stderr, "bwstate apply: interrupted before any change")
		return exitError
	default:
	}

	fmt.Fprintln(e.stdout)
	// Event lines go through the display: on a terminal above its live
	// area, elsewhere as they are, with a status line now and then.
	view := newProgressView(e, e.stdout, color, interval)
	tracker := live.NewApplyTracker(nil)
	display := view.start(tracker)
	pw := progress.New(display, progress.Options{Color: colorOut})
	opts.Hook = live.ApplyHook(tracker, pw)
	res, err := apply.Run(e.ctx, opts)
	view.stop(display)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate apply: %v\n", err)
		return exitError
	}
	fmt.Fprintln(e.stdout)
	err = progress.Summary(e.stdout, res, progress.Options{Color: colorOut})
	if perr := pw.Err(); perr != nil {
		err = perr
	}
	if err != nil {
		// A closed pipe (tee killed by Ctrl-C) loses output, never the
		// run: it is journaled whole.
		fmt.Fprintf(e.stderr, "bwstate apply: warning: some output was lost (%v); the journal has the whole run %s (bwstate journal)\n", err, res.RunID)
	}
	return res.ExitCode
}

// confirm asks "Apply these changes? Only 'yes' will be accepted:" on the
// terminal (docs/cli.md); only "yes" accepts.
func confirm(e *env) bool {
	fmt.Fprint(e.stdout, "\nApply these changes? Only 'yes' will be accepted: ")
	answer := make(chan string, 1)
	go func() {
		// Left blocked on stdin after a Ctrl-C; the process ends soon.
		line, _ := bufio.NewReader(e.stdin).ReadString('\n')
		answer <- line
	}()
	select {
	case line := <-answer:
		return strings.TrimSpace(line) == "yes"
	case <-e.interrupt:
		fmt.Fprintln(e.stdout)
		return false
	}
}

// hasSatisfied reports whether a plan found pending restarts done anyway
// (engine.HostPlan.Satisfied), which an apply records.
func hasSatisfied(p *engine.Plan) bool {
	for _, hp := range p.Hosts {
		if hp.Error == "" && len(hp.Satisfied) > 0 {
			return true
		}
	}
	return false
}

func hostsByName(cfg *config.Config) map[string]*engine.Host {
	m := make(map[string]*engine.Host, len(cfg.Hosts))
	for _, h := range cfg.Hosts {
		m[h.Name] = h
	}
	return m
}

// restartsOnlyPlan is the plan of `apply -restarts-only`: the restarts
// earlier runs left pending on the selected hosts, nothing else. It needs
// no read pass.
func restartsOnlyPlan(cfg *config.Config, sel *config.Selection, pending map[string][]*engine.Restart) *engine.Plan {
	p := &engine.Plan{
		FormatVersion: engine.PlanFormatVersion,
		ConfigHash:    cfg.Hash,
		Mode:          engine.ModeRestartsOnly,
	}
	for _, h := range sel.Hosts {
		hp := &engine.HostPlan{Name: h.Name, Address: h.Endpoint(), Type: h.Type, Changes: []*engine.Change{}, Restarts: []*engine.Restart{}}
		for _, r := range pending[h.Name] {
			if r.App == "" {
				// Unknown application: never restarted automatically.
				hp.Warnings = append(hp.Warnings, "a restart of an unknown application is pending: "+strings.Join(r.Reasons, "; "))
				continue
			}
			hp.Restarts = append(hp.Restarts, r)
		}
		p.Hosts = append(p.Hosts, hp)
	}
	return p
}

// savedPlanSecrets evaluates the configuration for the sensitive values a
// saved plan sets, with the facts recorded in the plan, so apply writes
// exactly what the configuration says without the plan file holding it.
func savedPlanSecrets(cfg *config.Config, p *engine.Plan) planfile.Secrets {
	sel, _ := cfg.Select(nil, nil)
	var mu sync.Mutex // apply calls from one goroutine per host
	cache := map[string][]*engine.Desired{}
	return func(host, path, attr string, key []engine.Field) (string, bool) {
		h := cfg.Host(host)
		if h == nil {
			return "", false
		}
		mu.Lock()
		defer mu.Unlock()
		ds, ok := cache[host]
		if !ok {
			var facts *engine.Facts
			for _, hp := range p.Hosts {
				if hp.Name == host {
					facts = hp.Facts
				}
			}
			ds, _ = cfg.Desired(sel, h, facts)
			cache[host] = ds
		}
		for _, d := range ds {
			if !strings.EqualFold(d.Path, path) {
				continue
			}
			if len(key) == 0 {
				for _, f := range d.Attrs {
					if strings.EqualFold(f.Name, attr) {
						return f.Value, true
					}
				}
				continue
			}
			for _, row := range d.Rows {
				if rowHasKey(row, key) {
					for _, f := range row {
						if strings.EqualFold(f.Name, attr) {
							return f.Value, true
						}
					}
				}
			}
		}
		return "", false
	}
}

func rowHasKey(row []engine.Field, key []engine.Field) bool {
	for _, k := range key {
		found := false
		for _, f := range row {
			if strings.EqualFold(f.Name, k.Name) && f.Value == k.Value {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
