package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/apply"
	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/planfile"
	"github.com/bwstate/bwstate/engine/review"
	"github.com/bwstate/bwstate/engine/views"
	"github.com/bwstate/bwstate/engine/views/mop"
)

func init() {
	register(&command{
		name:     "show",
		synopsis: "render a saved plan file, or its change review document",
		usage: `Usage: bwstate [-chdir=DIR] show [-json] [-no-color] FILE
       bwstate [-chdir=DIR] show -format html|markdown|json [flags] FILE

Renders a plan saved with 'plan -out FILE' (or a revert plan under
.bwstate/runs/RUN/revert.json) exactly as plan printed it. Connects to no host.

With -format html, markdown or json it prints the plan's change review
instead: a method of procedure for the change ticket (docs/change-review.md)
with the impact, the rollout's batches and estimated durations, the timeline,
every change per host, how to verify and how to roll back. It reads the
configuration (inventory, rollout) and the journal's history next to it, so
run it where you will run apply, with the variables plan was given.

Flags:
  -json                 print the plan as versioned JSON (docs/plan-output.md)
  -no-color             never colour the output
  -format FORMAT        text (the plan, as without -format), or the change
                        review as html, markdown or json
  -title TEXT           the change review's title (default: made from the
                        plan)
  -restart POLICY       the restart policy you will give apply (now, defer,
                        never; default: the configuration's)
  -parallelism N        the -parallelism you will give apply (default 100)
  -var NAME=VALUE       set a variable (repeatable)
  -var-file FILE        read variable values from an HCL file (repeatable)

Exit status: 0 success, 1 the file cannot be read or is not a bwstate plan
(or, for a change review, the configuration cannot be loaded).
`,
		run: runShow,
	})
}

func runShow(e *env, args []string) int {
	fs := newFlagSet("show")
	var (
		color colorOptions
		vars  varOptions
	)
	color.register(fs)
	vars.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	format := fs.String("format", "", "text, html, markdown or json")
	title := fs.String("title", "", "the change review's title")
	restart := fs.String("restart", "", "restart policy apply will use")
	parallelism := fs.Int("parallelism", apply.DefaultParallelism, "apply's parallelism")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "bwstate show: give exactly one plan file: bwstate show FILE")
		return exitError
	}
	document := false
	switch *format {
	case "", "text":
	case "html", "markdown", "json":
		document = true
	default:
		fmt.Fprintf(e.stderr, "bwstate show: -format must be text, html, markdown or json, got %q\n", *format)
		return exitError
	}
	if *asJSON && *format != "" {
		fmt.Fprintln(e.stderr, "bwstate show: -json prints the plan's JSON and -format json the change review's: give one of them")
		return exitError
	}
	if !document {
		var set []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "title", "restart", "parallelism", "var", "var-file":
				set = append(set, "-"+f.Name)
			}
		})
		if len(set) > 0 {
			fmt.Fprintf(e.stderr, "bwstate show: %s only apply to a change review: add -format html, markdown or json\n", set[0])
			return exitError
		}
	}
	path := resolve(e, fs.Arg(0))
	if !document {
		p, err := planfile.Read(path)
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

	switch *restart {
	case "", string(engine.RestartNow), string(engine.RestartDefer), string(engine.RestartNever):
	default:
		fmt.Fprintf(e.stderr, "bwstate show: -restart must be now, defer or never, got %q\n", *restart)
		return exitError
	}
	if *parallelism < 1 {
		fmt.Fprintf(e.stderr, "bwstate show: -parallelism must be at least 1, got %d\n", *parallelism)
		return exitError
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate show: read plan file: %v\n", err)
		return exitError
	}
	f, err := planfile.Parse(path, data)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate show: %v\n", err)
		return exitError
	}
	planHash, err := planfile.Hash(f.Plan)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate show: %v\n", err)
		return exitError
	}
	cfg := loadConfig(e, &vars, &color)
	if cfg == nil {
		fmt.Fprintln(e.stderr, "bwstate show: the change review needs the configuration (its inventory and rollout): run show in the configuration directory (or with -chdir=DIR), with the variables plan was given")
		return exitError
	}
	sum := sha256.Sum256(data)
	in := review.Input{
		Plan: f.Plan, PlanFile: fs.Arg(0), PlanSHA256: hex.EncodeToString(sum[:]), PlanHash: planHash,
		Title: *title, Hosts: cfg.Hosts, Rollout: cfg.Rollout, ConfigDir: e.dir, ConfigHash: cfg.Hash,
		Git: gitInfo(e, cfg), RestartPolicy: engine.RestartPolicy(*restart), Parallelism: *parallelism,
		Catalogue: catalogue, PreparedBy: operatorName(), Now: time.Now(),
	}
	in.History, in.Warnings = journalHistory(e, cfg)
	r := review.Build(in)
	var render func(io.Writer, *review.Review) error
	switch *format {
	case "html":
		render = mop.ReviewHTML
	case "markdown":
		render = mop.ReviewMarkdown
	default:
		render = mop.ReviewJSON
	}
	if err := render(e.stdout, r); err != nil {
		fmt.Fprintf(e.stderr, "bwstate show: %v\n", err)
		return exitError
	}
	return exitOK
}

// journalHistory measures the journal's runs for estimates. A missing
// journal is no history; one that cannot be read is no history and a
// warning, and one that fails verification is history and a warning (for
// the document and for stderr).
func journalHistory(e *env, cfg *config.Config) (*review.History, []string) {
	if _, err := os.Stat(stateDir(e)); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	jn, err := journal.Open(stateDir(e), journal.Options{})
	if err == nil {
		defer jn.Close()
		var recs []*journal.Record
		if recs, err = jn.Records(); err == nil {
			var warnings []string
			if verr := jn.Intact(); verr != nil {
				msg := fmt.Sprintf("%v: the estimates come from records that may have been edited", verr)
				fmt.Fprintf(e.stderr, "bwstate show: warning: %s\n", msg)
				warnings = append(warnings, msg)
			}
			return review.NewHistory(recs, "", hostTypes(cfg)), warnings
		}
	}
	msg := fmt.Sprintf("the journal could not be read, so every estimate is a default: %v", err)
	fmt.Fprintf(e.stderr, "bwstate show: warning: %s\n", msg)
	return nil, []string{msg}
}

// hostTypes gives the server type of an inventory host ("" when unknown).
func hostTypes(cfg *config.Config) func(string) string {
	return func(name string) string {
		if cfg == nil {
			return ""
		}
		if h := cfg.Host(name); h != nil {
			return h.Type
		}
		return ""
	}
}

// operatorName is user@hostname, as the journal records operators.
func operatorName() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	return name + "@" + host
}
