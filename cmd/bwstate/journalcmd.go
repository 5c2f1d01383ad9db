package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/bwstate/bwstate/engine/apply"
	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/review"
	"github.com/bwstate/bwstate/engine/views"
	"github.com/bwstate/bwstate/engine/views/mop"
)

func init() {
	register(&command{
		name:     "journal",
		synopsis: "list runs, show one, verify the journal, acknowledge pending restarts",
		usage: `Usage: bwstate [-chdir=DIR] journal [list]
       bwstate [-chdir=DIR] journal show [-format FORMAT] [-title TEXT] RUN
       bwstate [-chdir=DIR] journal verify
       bwstate [-chdir=DIR] journal pending
       bwstate [-chdir=DIR] journal clear-pending -host HOST [-app APP] -reason TEXT

Reads the run journal in .bwstate/journal.jsonl next to the configuration.

Subcommands:
  list            one line per run: id, time, operator, mode, outcome counts,
                  exit code (the default)
  show            what run RUN did, per host, from its records: writes,
                  read-backs, restarts, health waits, checks, outcomes,
                  estimated against actual durations, its revert plan
  verify          recompute the hash chain; exit 1 naming the first line that
                  was changed, removed, inserted or reordered (a torn last
                  line, left by a killed run, is only a warning)
  pending         list the restarts earlier runs left pending
  clear-pending   acknowledge a pending restart you performed yourself (or a
                  restart of an unknown application): it is recorded in the
                  journal with your name and the reason, and no longer shown

Flags of show (before or after RUN):
  -format FORMAT  text (default), or the run's closing record as html,
                  markdown or json (docs/change-review.md)
  -title TEXT     the closing record's title (default: Run RUN)
  -var NAME=VALUE set a variable, for loading the configuration: it gives
                  the hosts' server types and the rollout of the estimates
                  (repeatable)
  -var-file FILE  read variable values from an HCL file (repeatable)

Flags of clear-pending:
  -host HOST      the host (required)
  -app APP        the application; empty means the unknown-application entry
  -reason TEXT    why it is no longer needed (required)

Exit status: 0 success, 1 error (verify: the chain is broken).
`,
		run: runJournal,
	})
	register(&command{
		name:     "force-unlock",
		synopsis: "remove the apply lock of a run that died",
		usage: `Usage: bwstate [-chdir=DIR] force-unlock ID

Removes .bwstate/lock when it holds lock ID (shown in the error of the apply
that found it locked). Only do this when the run holding it is dead: two
applies at once can restart both servers of a farm together.

Exit status: 0 removed, 1 no lock, or a lock with another ID.
`,
		run: runForceUnlock,
	})
}

func openExistingJournal(e *env, cmd string) (*journal.Journal, bool) {
	if _, err := os.Stat(stateDir(e)); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(e.stderr, "bwstate %s: no journal: %s does not exist (nothing was applied from this directory yet)\n", cmd, stateDir(e))
		return nil, false
	}
	jn, err := journal.Open(stateDir(e), journal.Options{})
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate %s: %v\n", cmd, err)
		return nil, false
	}
	return jn, true
}

func runJournal(e *env, args []string) int {
	sub := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "list", "verify", "pending", "clear-pending":
	case "show":
		return runJournalShow(e, args)
	default:
		fmt.Fprintf(e.stderr, "bwstate journal: unknown subcommand %q; use list, show, verify, pending or clear-pending\n", sub)
		return exitError
	}
	// Every subcommand parses flags, so -help works everywhere; only
	// clear-pending has flags of its own.
	fs := newFlagSet("journal")
	var host, app, reason string
	if sub == "clear-pending" {
		fs.StringVar(&host, "host", "", "host")
		fs.StringVar(&app, "app", "", "application")
		fs.StringVar(&reason, "reason", "", "why")
	}
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "bwstate journal %s: unexpected argument %q\n", sub, fs.Arg(0))
		return exitError
	}
	jn, ok := openExistingJournal(e, "journal "+sub)
	if !ok {
		return exitError
	}
	defer jn.Close()
	switch sub {
	case "verify":
		n, err := jn.Verify()
		var ve *journal.VerifyError
		if errors.As(err, &ve) && ve.Torn {
			// A killed run, not an edit: every complete record chains, and
			// the next apply moves the torn bytes to journal.torn.
			fmt.Fprintf(e.stdout, "journal OK: %d records, hash chain intact (%s)\n", n, jn.Path())
			fmt.Fprintf(e.stderr, "bwstate journal verify: warning: %v\n", err)
			return exitOK
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "bwstate journal verify: %v\n", err)
			return exitError
		}
		fmt.Fprintf(e.stdout, "journal OK: %d records, hash chain intact (%s)\n", n, jn.Path())
	case "pending":
		pending, err := jn.Pending()
		if err != nil {
			fmt.Fprintf(e.stderr, "bwstate journal pending: %v\n", err)
			return exitError
		}
		if len(pending) == 0 {
			fmt.Fprintln(e.stdout, "No pending restarts.")
			return exitOK
		}
		for _, host := range sortedKeys(pending) {
			for _, r := range pending[host] {
				app := r.App
				if app == "" {
					app = "(unknown application)"
				}
				// A reason may quote a server's warning.
				fmt.Fprintf(e.stdout, "%s: restart %s pending since run %s: %s\n", host, views.Clean(app), r.PendingSince, views.Clean(strings.Join(r.Reasons, "; ")))
			}
		}
	case "clear-pending":
		if host == "" || strings.TrimSpace(reason) == "" {
			fmt.Fprintln(e.stderr, "bwstate journal clear-pending: -host and -reason are required")
			return exitError
		}
		if err := jn.ClearPending(host, app, reason); err != nil {
			fmt.Fprintf(e.stderr, "bwstate journal clear-pending: %v\n", err)
			return exitError
		}
		fmt.Fprintf(e.stdout, "Cleared the pending restart of %s on %s.\n", orUnknown(app), host)
	default:
		runs, err := jn.Runs()
		if err != nil {
			fmt.Fprintf(e.stderr, "bwstate journal: %v\n", err)
			return exitError
		}
		if len(runs) == 0 {
			fmt.Fprintln(e.stdout, "No runs yet.")
			return exitOK
		}
		// A run's id is its start time (UTC), so it is printed once.
		width := len("OPERATOR")
		for _, r := range runs {
			width = max(width, len(r.Operator))
		}
		fmt.Fprintf(e.stdout, "%-20s  %-*s  %-13s  %s\n", "RUN (started, UTC)", width, "OPERATOR", "MODE", "RESULT")
		for _, r := range runs {
			fmt.Fprintf(e.stdout, "%-20s  %-*s  %-13s  %s\n", r.ID, width, r.Operator, r.Mode, describeRun(r))
		}
	}
	return exitOK
}

func orUnknown(app string) string {
	if app == "" {
		return "the unknown application"
	}
	return app
}

func describeRun(r journal.RunSummary) string {
	if r.Outcome != "complete" {
		return "incomplete (no run-end record: the process died or was killed)"
	}
	var parts []string
	for _, k := range sortedKeys(r.Counts) {
		parts = append(parts, fmt.Sprintf("%d %s", r.Counts[k], k))
	}
	return fmt.Sprintf("exit %d: %s", r.ExitCode, strings.Join(parts, ", "))
}

func runForceUnlock(e *env, args []string) int {
	fs := newFlagSet("force-unlock")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	args = fs.Args()
	if len(args) != 1 {
		fmt.Fprintln(e.stderr, "bwstate force-unlock: give the lock ID: bwstate force-unlock ID")
		return exitError
	}
	jn, ok := openExistingJournal(e, "force-unlock")
	if !ok {
		return exitError
	}
	defer jn.Close()
	if err := jn.ForceUnlock(args[0]); err != nil {
		// The journal's errors already say "force-unlock: ".
		fmt.Fprintf(e.stderr, "bwstate force-unlock: %s\n", strings.TrimPrefix(err.Error(), "force-unlock: "))
		return exitError
	}
	fmt.Fprintf(e.stdout, "Removed lock %s.\n", args[0])
	return exitOK
}

// runJournalShow prints what one run did: `journal show [flags] RUN
// [flags]`.
func runJournalShow(e *env, args []string) int {
	fs := newFlagSet("journal show")
	var vars varOptions
	vars.register(fs)
	format := fs.String("format", "text", "text, html, markdown or json")
	title := fs.String("title", "", "the closing record's title")
	// Flags may follow RUN, as in `journal show RUN -format html`.
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	run := fs.Arg(0)
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "bwstate journal show: give exactly one run id (`bwstate journal list` lists them): bwstate journal show RUN")
		return exitError
	}
	var render func(io.Writer, *review.RunRecord) error
	switch *format {
	case "text":
		render = mop.RunText
	case "html":
		render = mop.RunHTML
	case "markdown":
		render = mop.RunMarkdown
	case "json":
		render = mop.RunJSON
	default:
		fmt.Fprintf(e.stderr, "bwstate journal show: -format must be text, html, markdown or json, got %q\n", *format)
		return exitError
	}
	jn, ok := openExistingJournal(e, "journal show")
	if !ok {
		return exitError
	}
	defer jn.Close()
	recs, err := jn.Records()
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate journal show: %v\n", err)
		return exitError
	}
	in := review.RunInput{Records: recs, Run: run, Title: *title}
	n, verr := jn.Verify()
	var ve *journal.VerifyError
	switch {
	case verr == nil:
		in.Journal = review.JournalState{Verified: true, Records: n, Detail: fmt.Sprintf("%d records, hash chain intact", n)}
	case errors.As(verr, &ve) && ve.Torn:
		in.Journal = review.JournalState{Verified: true, Records: n, Detail: fmt.Sprintf("%d records, hash chain intact; %v", n, verr)}
	default:
		in.Journal = review.JournalState{Records: n, Detail: verr.Error()}
	}
	// The configuration, when it loads, gives server types and the
	// rollout; without it the record still says what happened.
	cfg, diags := config.Load(e.dir, loadOptions(e, &vars, config.LoadOptions{}))
	if diags.HasErrors() {
		note := "the configuration could not be loaded (" + firstError(diags) + "): server types are unknown"
		fmt.Fprintf(e.stderr, "bwstate journal show: warning: %s\n", note)
		in.Notes = append(in.Notes, "The "+note+".")
	} else {
		in.Hosts, in.Rollout = cfg.Hosts, &cfg.Rollout
	}
	in.RevertPath = filepath.Join(".bwstate", journal.RunsDir, run, apply.RevertFile)
	if _, err := os.Stat(filepath.Join(jn.RunDir(run), apply.RevertFile)); err == nil {
		in.RevertExists = true
	}
	rec, err := review.BuildRun(in)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate journal show: %v\n", err)
		return exitError
	}
	if err := render(e.stdout, rec); err != nil {
		fmt.Fprintf(e.stderr, "bwstate journal show: %v\n", err)
		return exitError
	}
	return exitOK
}

// firstError is the summary and detail of the first error diagnostic.
func firstError(diags hcl.Diagnostics) string {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			s := d.Summary
			if d.Subject != nil {
				s = d.Subject.String() + ": " + s
			}
			return s
		}
	}
	return "unknown error"
}
