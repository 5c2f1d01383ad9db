package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/engine/importer"
	"github.com/bwstate/bwstate/engine/views"
)

func init() {
	register(&command{
		name:     "import",
		synopsis: "print HCL that keeps a host's live configuration as it is",
		usage: `Usage: bwstate [-chdir=DIR] import -host HOST -path PATH [-path PATH]... [-name NAME] [-o FILE]
       bwstate [-chdir=DIR] import -host HOST -all [-o FILE]

Reads contexts of one host of the inventory live and prints formatted HCL
(context and table blocks) that keeps them exactly as they are: adopting a
server that was configured by hand. Save it as a *.bw.hcl file of the
configuration (-o FILE) and run 'bwstate plan': it shows no changes for that
host. Changes nothing on the host.

With -o, the file is never overwritten, and a file that would become part
of the configuration (a *.bw.hcl file in it) is written only when the
configuration still validates with it. The output of -all, every context of
the server, is for browsing: -o refuses to put it in the configuration.

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
  -o FILE           write the HCL to FILE (a new file) instead of stdout
  -var NAME=VALUE   set a variable (repeatable)
  -var-file FILE    read variable values from an HCL file (repeatable)
  -no-color         never colour diagnostics

Exit status: 0 success, 1 an error (unknown host, unreachable, a path the
host does not have, a FILE that exists or would break the configuration).
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
	outFile := fs.String("o", "", "output file")
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
	out := importTarget{path: resolve(e, *outFile), shown: *outFile}
	if *outFile != "" {
		if msg := out.refusal(e, *all); msg != "" {
			fmt.Fprintf(e.stderr, "bwstate import: %s\n", msg)
			return exitError
		}
	}
	cfg := loadConfig(e, &vars, &color)
	if cfg == nil {
		return exitError
	}
	h := cfg.Host(*hostName)
	if h == nil {
		fmt.Fprintf(e.stderr, "bwstate import: host %q is not in the inventory; add a host block first\n", *hostName)
		return exitError
	}
	prov := newProvider(e, cfg)
	defer prov.Close()
	ctx, cancel := e.interruptible()
	defer cancel()
	sess, err := prov.Open(ctx, h)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate import: %s: unreachable: %s\n", h.Name, views.CleanLines(err.Error()))
		return exitError
	}
	defer sess.Close()
	facts, err := sess.Facts(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate import: %s: read facts: %s\n", h.Name, views.CleanLines(err.Error()))
		return exitError
	}
	if !strings.EqualFold(facts.Type, h.Type) {
		fmt.Fprintf(e.stderr, "bwstate import: %s: %s; fix the host block\n", h.Name, views.Clean(engine.TypeMismatch(h, facts)))
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
			// The server's words, control characters escaped.
			fmt.Fprintf(e.stderr, "bwstate import: %s: read %s: %s\n", h.Name, items[i].Path, views.CleanLines(err.Error()))
			return exitError
		}
		items[i].Observed = obs
	}
	// Values the configuration holds as sensitive never reach the output:
	// a live value holding one is imported through a sensitive variable.
	secrets := cfg.SensitiveValues()
	if desired, err := cfg.Desired(nil, h, facts); err == nil {
		secrets = append(secrets, engine.SensitiveValues(desired)...)
	}
	in := importer.Input{Host: h, Facts: facts, Items: items, Time: time.Now(), Secrets: secrets}
	var hcl bytes.Buffer
	if err := importer.Generate(&hcl, in); err != nil {
		fmt.Fprintf(e.stderr, "bwstate import: %v\n", err)
		return exitError
	}
	if *outFile == "" {
		_, _ = e.stdout.Write(hcl.Bytes())
	} else if !out.write(e, &vars, hcl.Bytes()) {
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

// importTarget is the file of `import -o`.
type importTarget struct {
	path  string // resolved against -chdir
	shown string // as the operator wrote it
}

// inConfiguration reports whether the file would be loaded as part of the
// configuration: a *.bw.hcl file directly in its directory.
func (t importTarget) inConfiguration(e *env) bool {
	if !strings.HasSuffix(t.path, ".bw.hcl") {
		return false
	}
	dir, err1 := filepath.Abs(filepath.Dir(t.path))
	conf, err2 := filepath.Abs(e.dir)
	return err1 == nil && err2 == nil && dir == conf
}

// refusal says why the file cannot be written, before anything is read
// from the host, or "".
func (t importTarget) refusal(e *env, all bool) string {
	if _, err := os.Lstat(t.path); err == nil {
		return fmt.Sprintf("-o %s: the file exists; import never overwrites one: choose a new name", t.shown)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("-o %s: %v", t.shown, err)
	}
	if all && t.inConfiguration(e) {
		return fmt.Sprintf("-o %s: the output of -all is every context of the server, for browsing: as a *.bw.hcl file of the configuration it would manage all of them; write it elsewhere (-o ../%s.hcl) and copy the blocks you want", t.shown, strings.TrimSuffix(filepath.Base(t.path), ".bw.hcl"))
	}
	return ""
}

// write creates the file; a file that joins the configuration is kept only
// if it brings no new error to the configuration (variables the import
// asks for are supplied afterwards, as stderr says, so their absence does
// not count).
func (t importTarget) write(e *env, vars *varOptions, text []byte) bool {
	joins := t.inConfiguration(e)
	var before map[string]*hcl.Diagnostic
	if joins {
		before, _ = loadErrors(e, vars)
	}
	f, err := os.OpenFile(t.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate import: -o %s: %v\n", t.shown, err)
		return false
	}
	_, werr := f.Write(text)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(t.path)
		fmt.Fprintf(e.stderr, "bwstate import: -o %s: %v\n", t.shown, werr)
		return false
	}
	if !joins {
		return true
	}
	after, cfg := loadErrors(e, vars)
	var added hcl.Diagnostics
	for _, key := range sortedKeys(after) {
		if before[key] == nil {
			added = append(added, after[key])
		}
	}
	if len(added) == 0 {
		return true
	}
	os.Remove(t.path)
	fmt.Fprintf(e.stderr, "bwstate import: -o %s: not written: with it the configuration would not validate:\n", t.shown)
	_ = config.WriteDiagnostics(e.stderr, added, cfg.Parser, terminalWidth(e.stderr), false)
	fmt.Fprintln(e.stderr, "bwstate import: write it outside the configuration and merge the blocks by hand.")
	return false
}

// loadErrors loads the configuration and returns its errors by text and
// place, except missing values of required variables.
func loadErrors(e *env, vars *varOptions) (map[string]*hcl.Diagnostic, *config.Config) {
	cfg, diags := config.Load(e.dir, loadOptions(e, vars, config.LoadOptions{}))
	out := map[string]*hcl.Diagnostic{}
	for _, d := range diags {
		if d.Severity != hcl.DiagError || d.Summary == "No value for required variable" {
			continue
		}
		key := d.Summary + "\x00" + d.Detail
		if d.Subject != nil {
			key += "\x00" + d.Subject.String()
		}
		out[key] = d
	}
	return out, cfg
}
