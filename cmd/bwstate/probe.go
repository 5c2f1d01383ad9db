package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/engine/views"
	"github.com/bwstate/bwstate/providers/broadworks"
)

const probeUsage = `Usage: bwstate [-chdir=DIR] probe [-json] [-target ADDR]... [-exclude ADDR]... [-parallelism N] [-var ...] [-var-file ...]

First contact with servers, read-only: for each selected host, connects,
learns the shell and CLI prompts, runs each command bwstate relies on
(bwshowver, bwcli, the alarms list, cd and get of every context the
configuration manages on the host, exit, healthmon -l, showrun) and checks
every answer against what bwstate recognises. Prints per host what was
recognised and what was not, the server's line quoted with control
characters escaped. Changes nothing. Run it before the first plan against
new servers, and send the transcript with any report of a puzzling server.

Each host's session is recorded, secrets redacted, in
.bwstate/probe/HOST-TIME.log next to the configuration (or in
BWSTATE_TRANSCRIPT_DIR when it is set).

Flags:
  -json               print JSON: {"format_version": "1.0", "hosts": [...]}
  -target ADDR        only this host, group.NAME or resource (repeatable)
  -exclude ADDR       leave out this address (repeatable)
  -parallelism N      hosts probed at once (default 100; see plan -help)
  -var NAME=VALUE     set a variable (repeatable)
  -var-file FILE      read variable values from an HCL file (repeatable)
  -no-color           never colour the output

Exit status: 0 everything bwstate needs was recognised on every selected
host (warnings allowed: a showrun it cannot use, a table read by counting
its values), 1 otherwise or on a configuration error.
`

func init() {
	register(&command{name: "probe", synopsis: "check, read-only, that bwstate understands each server", usage: probeUsage, run: runProbe})
}

// probeDir is where probe writes transcripts when BWSTATE_TRANSCRIPT_DIR
// is not set: beside the journal, in the configuration's state directory.
func probeDir(e *env) string { return filepath.Join(stateDir(e), "probe") }

func runProbe(e *env, args []string) int {
	c := newHostCommand("probe")
	asJSON := c.fs.Bool("json", false, "print JSON")
	if code, ok := c.parse(e, args); !ok {
		return code
	}
	c.color.diagJSON = *asJSON
	cfg, sel, ok := c.load(e)
	if !ok {
		return exitError
	}
	dir := resolve(e, e.getenv(envTranscriptDir))
	if dir == "" {
		dir = probeDir(e)
	}
	prov := newProviderIn(e, dir, cfg)
	defer prov.Close()
	ctx, cancel := e.interruptible()
	defer cancel()

	reports := make([]*broadworks.ProbeReport, len(sel.Hosts))
	var g errgroup.Group
	g.SetLimit(c.sel.parallelism)
	for i, h := range sel.Hosts {
		g.Go(func() error {
			reports[i] = prov.Probe(ctx, h, probeTargets(cfg, sel, h))
			return nil
		})
	}
	_ = g.Wait()

	code := exitOK
	for _, r := range reports {
		if r.Worst() == broadworks.ProbeFailed {
			code = exitError
		}
	}
	if *asJSON {
		out := struct {
			FormatVersion string                    `json:"format_version"`
			Hosts         []*broadworks.ProbeReport `json:"hosts"`
		}{"1.0", reports}
		enc := json.NewEncoder(views.JSONWriter(e.stdout))
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return exitError
		}
		return code
	}
	var failed, warned []string
	for i, r := range reports {
		h := sel.Hosts[i]
		fmt.Fprintf(e.stdout, "%s (%s)\n", h.Name, h.Endpoint())
		for _, c := range r.Checks {
			fmt.Fprintf(e.stdout, "  %-8s %s: %s\n", c.Status, c.Step, views.Clean(c.Detail))
		}
		if r.Transcript != "" {
			fmt.Fprintf(e.stdout, "  transcript %s\n", r.Transcript)
		}
		switch r.Worst() {
		case broadworks.ProbeFailed:
			failed = append(failed, h.Name)
		case broadworks.ProbeWarning:
			warned = append(warned, h.Name)
		}
	}
	fmt.Fprintln(e.stdout)
	n := len(reports)
	switch {
	case len(failed) > 0:
		fmt.Fprintf(e.stdout, "Probe: %s; something bwstate needs was not recognised on %s: %s.", plural(n, "host"), plural(len(failed), "host"), strings.Join(failed, ", "))
	default:
		fmt.Fprintf(e.stdout, "Probe: %s; everything bwstate needs was recognised.", plural(n, "host"))
	}
	if len(warned) > 0 {
		fmt.Fprintf(e.stdout, " Warnings on %s.", strings.Join(warned, ", "))
	}
	fmt.Fprintln(e.stdout)
	return code
}

// probeTargets returns, for a host's facts, the contexts the selected
// resources manage on it (once each, in configuration order). When the
// facts could not be read, every selected resource targeting the host is
// read, whatever its `when`.
func probeTargets(cfg *config.Config, sel *config.Selection, h *engine.Host) func(*engine.Facts) ([]broadworks.ProbeTarget, error) {
	return func(f *engine.Facts) ([]broadworks.ProbeTarget, error) {
		seen := map[string]int{}
		var out []broadworks.ProbeTarget
		addTarget := func(path string, schema *engine.Context, d *engine.Desired) {
			var secrets, names []string
			if d != nil {
				for _, fs := range append([][]engine.Field{d.Attrs}, d.Rows...) {
					for _, f := range fs {
						if f.Sensitive {
							secrets, names = append(secrets, f.Value), append(names, f.Name)
						}
					}
				}
			}
			k := strings.ToLower(strings.Trim(path, "/"))
			if i, ok := seen[k]; ok {
				out[i].Secrets = append(out[i].Secrets, secrets...)
				out[i].SensitiveAttrs = append(out[i].SensitiveAttrs, names...)
				return
			}
			seen[k] = len(out)
			out = append(out, broadworks.ProbeTarget{Path: path, Schema: schema, Secrets: secrets, SensitiveAttrs: names})
		}
		if f != nil && f.ReleaseString != "" {
			desired, err := cfg.Desired(sel, h, f)
			if err != nil {
				return nil, fmt.Errorf("evaluate the configuration for %s: %w", h.Name, err)
			}
			for _, d := range desired {
				addTarget(d.Path, d.Schema, d)
			}
			return out, nil
		}
		for _, r := range sel.Resources {
			for _, hn := range r.Hosts {
				if hn == h.Name {
					schema, _ := catalogue.Lookup(h.Type, r.Path)
					addTarget(r.Path, schema, nil)
				}
			}
		}
		return out, nil
	}
}

// plural says "1 host" or "3 hosts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
