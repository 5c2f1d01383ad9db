package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/bwstate/bwstate/engine/importer"
)

func init() {
	register(&command{
		name:     "import",
		synopsis: "print HCL that keeps a host's live configuration as it is",
		usage: `Usage: bwstate [-chdir=DIR] import -host HOST -path PATH [-path PATH]... [-name NAME]
       bwstate [-chdir=DIR] import -host HOST -all

Reads contexts of one host of the inventory live and prints formatted HCL
(context and table blocks) that keeps them exactly as they are: adopting a
server that was configured by hand. Redirect it into a *.bw.hcl file and run
'bwstate plan': it shows no changes for that host. Changes nothing on the host.

Sensitive values (SNMP communities, ...) are never printed: the output
declares a sensitive variable for each and takes its value from it (set it
with BWSTATE_VAR_NAME or -var; the names are listed on stderr). Password
attributes that the CLI shows as ******** cannot be read and are left out
with a comment.

Flags:
  -host HOST        the host, by its name in the inventory (required)
  -path PATH        a context or table to import, e.g.
                    Applications/OpenClientServer/CAPProxy (repeatable)
  -all              import every catalogue context of the host's type and
                    release (read-only ones such as the alarms table excepted)
  -name NAME        the block name (only with a single -path); default
                    HOST_<last path segment>
  -var NAME=VALUE   set a variable (repeatable)
  -var-file FILE    read variable values from an HCL file (repeatable)
  -no-color         never colour diagnostics

Exit status: 0 success, 1 an error (unknown host, unreachable, a path the
host does not have).
`,
		run: runImport,
	})
}

func runImport(e *env, args []string) int {
	fs := newFlagSet("import")
	var (
		vars  varOptions
		color colorOptions
		paths multiFlag
	)
	vars.register(fs)
	color.register(fs)
	fs.Var(&paths, "path", "context to import (repeatable)")
	hostName := fs.String("host", "", "host to read")
	all := fs.Bool("all", false, "import every catalogue context")
	name := fs.String("name", "", "block name")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(e.stderr, "bwstate import: unexpected argument %q\n", fs.Arg(0))
		return exitError
	case *hostName == "":
		fmt.Fprintln(e.stderr, "bwstate import: -host is required")
		return exitError
	case *all == (len(paths) > 0):
		fmt.Fprintln(e.stderr, "bwstate import: give either -path PATH (repeatable) or -all")
		return exitError
	case *name != "" && len(paths) != 1:
		fmt.Fprintln(e.stderr, "bwstate import: -name needs exactly one -path")
		return exitError
	}
	cfg := loadConfig(e, &vars, color.enabled(e, e.stderr))
	if cfg == nil {
		return exitError
	}
	h := cfg.Host(*hostName)
	if h == nil {
		fmt.Fprintf(e.stderr, "bwstate import: host %q is not in the inventory; add a host block first\n", *hostName)
		return exitError
	}
	prov := newProvider(e)
	defer prov.Close()
	ctx, cancel := e.interruptible()
	defer cancel()
	sess, err := prov.Open(ctx, h)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate import: %s: unreachable: %v\n", h.Name, err)
		return exitError
	}
	defer sess.Close()
	facts, err := sess.Facts(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate import: %s: read facts: %v\n", h.Name, err)
		return exitError
	}
	if !strings.EqualFold(facts.Type, h.Type) {
		fmt.Fprintf(e.stderr, "bwstate import: %s: declared type %s but the server's CLI is %s; fix the host block\n", h.Name, h.Type, facts.Root)
		return exitError
	}

	var items []importer.Item
	if *all {
		for _, c := range importer.Contexts(catalogue, facts) {
			items = append(items, importer.Item{Schema: c, Path: c.Path})
		}
	} else {
		for _, p := range paths {
			schema, _ := catalogue.Lookup(facts.Type, p)
			items = append(items, importer.Item{Schema: schema, Path: p, Name: *name})
		}
	}
	for i := range items {
		obs, err := sess.Read(ctx, items[i].Path, items[i].Schema)
		if err != nil {
			fmt.Fprintf(e.stderr, "bwstate import: %s: read %s: %v\n", h.Name, items[i].Path, err)
			return exitError
		}
		items[i].Observed = obs
	}
	in := importer.Input{Host: h, Facts: facts, Items: items, Time: time.Now()}
	if err := importer.Generate(e.stdout, in); err != nil {
		fmt.Fprintf(e.stderr, "bwstate import: %v\n", err)
		return exitError
	}
	vs, err := importer.Variables(in)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate import: %v\n", err)
		return exitError
	}
	for _, v := range vs {
		fmt.Fprintf(e.stderr, "bwstate import: %s %s of %s is sensitive: supply it as BWSTATE_VAR_%s (or -var %s=...)\n", v.Path, v.Attr, h.Name, v.Name, v.Name)
	}
	return exitOK
}
