package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/views"
)

func init() {
	register(&command{
		name:     "facts",
		synopsis: "show what plan knows about each host",
		usage: `Usage: bwstate [-chdir=DIR] facts [-json] [-target ADDR]... [-exclude ADDR]... [-parallelism N] [-var ...] [-var-file ...]

Connects to every selected host and prints its facts, the values the host
object offers to when, set, row and check expressions: type (from the CLI
prompt root), release as bwshowver prints it and as a number, patches and
raised alarms. Changes nothing.

Flags:
  -json               print JSON: {"format_version": "1.0", "hosts": [...]}
  -target ADDR        only this host or group.NAME (repeatable)
  -exclude ADDR       leave out this address (repeatable)
  -parallelism N      hosts read at once (default 100; see plan -help)
  -var NAME=VALUE     set a variable (repeatable)
  -var-file FILE      read variable values from an HCL file (repeatable)
  -no-color           never colour the output

Exit status: 0 every host read, 1 an error or a host that could not be read.
`,
		run: runFacts,
	})
}

type hostFacts struct {
	Name    string        `json:"name"`
	Address string        `json:"address"`
	Type    string        `json:"type"`
	Facts   *engine.Facts `json:"facts,omitempty"`
	Error   string        `json:"error,omitempty"`
}

func runFacts(e *env, args []string) int {
	c := newHostCommand("facts")
	fs, color, selFlags := c.fs, &c.color, &c.sel
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := c.parse(e, args); !ok {
		return code
	}
	color.diagJSON = *asJSON
	cfg, sel, ok := c.load(e)
	if !ok {
		return exitError
	}
	prov := newProvider(e, cfg)
	defer prov.Close()
	ctx, cancel := e.interruptible()
	defer cancel()

	results := make([]hostFacts, len(sel.Hosts))
	var g errgroup.Group
	g.SetLimit(selFlags.parallelism)
	for i, h := range sel.Hosts {
		g.Go(func() error {
			r := hostFacts{Name: h.Name, Address: h.Endpoint(), Type: h.Type}
			sess, err := prov.Open(ctx, h)
			if err != nil {
				r.Error = "unreachable: " + err.Error()
			} else {
				if r.Facts, err = sess.Facts(ctx); err != nil {
					r.Error = "read facts: " + err.Error()
				}
				_ = sess.Close()
			}
			results[i] = r
			return nil
		})
	}
	_ = g.Wait()

	code := exitOK
	for _, r := range results {
		if r.Error != "" {
			code = exitError
		}
	}
	if *asJSON {
		enc := json.NewEncoder(views.JSONWriter(e.stdout))
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			FormatVersion string      `json:"format_version"`
			Hosts         []hostFacts `json:"hosts"`
		}{"1.0", results}); err != nil {
			return exitError
		}
		return code
	}
	// Everything below but the names came from the servers: printed with
	// control characters escaped.
	for _, r := range results {
		if r.Error != "" {
			fmt.Fprintf(e.stdout, "%s: %s\n", r.Name, views.CleanLines(r.Error))
			continue
		}
		f := r.Facts
		fmt.Fprintf(e.stdout, "%s (%s)\n", r.Name, r.Address)
		fmt.Fprintf(e.stdout, "  type            %s (%s)\n", views.Clean(f.Type), views.Clean(f.TypeShown))
		number := ""
		if f.Release.ServicePack() > 0 {
			// host.release holds the number of the service pack's release.
			number = "; host.release is " + f.Release.NumberText()
		}
		fmt.Fprintf(e.stdout, "  release         %s (%s%s)\n", f.Release, views.Clean(f.ReleaseString), number)
		fmt.Fprintf(e.stdout, "  patches         %s\n", views.Clean(patchesLine(f)))
		fmt.Fprintf(e.stdout, "  alarms          %s\n", views.Clean(listOrNone(f.Alarms)))
		if len(f.Applications) > 0 {
			var apps []string
			for _, a := range sortedKeys(f.Applications) {
				apps = append(apps, a+" "+f.Applications[a])
			}
			fmt.Fprintf(e.stdout, "  applications    %s\n", views.Clean(strings.Join(apps, ", ")))
		}
	}
	return code
}

// patchesLine shows the active patches: their names when the server lists
// them all, else their number (release 24 prints only the number).
func patchesLine(f *engine.Facts) string {
	if f.PatchCount == len(f.Patches) {
		return listOrNone(f.Patches)
	}
	if len(f.Patches) == 0 {
		return fmt.Sprintf("%d active (the server lists no names)", f.PatchCount)
	}
	return fmt.Sprintf("%d active: %s", f.PatchCount, strings.Join(f.Patches, ", "))
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	return strings.Join(l, ", ")
}
