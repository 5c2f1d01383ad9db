package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/rogpeppe/go-internal/diff"

	"github.com/bwstate/bwstate/engine/config"
)

func init() {
	register(&command{
		name:     "fmt",
		synopsis: "rewrite configuration files in canonical format",
		usage: `Usage: bwstate [-chdir=DIR] fmt [-check] [-diff] [-recursive] [PATH]...

Rewrites *.bw.hcl and *.bwvars files in the canonical HCL format. PATH may be
a file or a directory (default: the working directory).

Flags:
  -check       change nothing; list the files that are not formatted and
               exit 1 if there are any
  -diff        print the changes as a unified diff
  -recursive   also format files in subdirectories

Exit status: 0 success (with -check: everything formatted), 1 a file is not
formatted (-check) or cannot be parsed or written.
`,
		run: runFmt,
	})
}

func runFmt(e *env, args []string) int {
	flags := newFlagSet("fmt")
	check := flags.Bool("check", false, "list unformatted files and exit 1")
	showDiff := flags.Bool("diff", false, "print a unified diff")
	recursive := flags.Bool("recursive", false, "descend into subdirectories")
	if code, ok := parseFlags(e, flags, args); !ok {
		return code
	}
	paths := flags.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var files []string
	for _, p := range paths {
		found, err := formattable(resolve(e, p), *recursive)
		if err != nil {
			fmt.Fprintf(e.stderr, "bwstate fmt: %v\n", err)
			return exitError
		}
		files = append(files, found...)
	}
	code := exitOK
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(e.stderr, "bwstate fmt: %v\n", err)
			code = exitError
			continue
		}
		// Refuse to "format" a file that does not parse: hclwrite would
		// keep the broken tokens and the user would not learn why.
		// The parser keeps the source, so the diagnostic shows the line.
		parser := hclparse.NewParser()
		if _, diags := parser.ParseHCL(src, f); diags.HasErrors() {
			_ = config.WriteDiagnostics(e.stderr, diags, parser, terminalWidth(e.stderr), false)
			code = exitError
			continue
		}
		out := config.FormatSource(src)
		if bytes.Equal(src, out) {
			continue
		}
		name := displayPath(e, f)
		if *showDiff {
			e.stdout.Write(diff.Diff(name, src, name, out))
		}
		if *check {
			fmt.Fprintln(e.stdout, name)
			code = exitError
			continue
		}
		if !*showDiff {
			fmt.Fprintln(e.stdout, name)
		}
		if err := writeFileKeepMode(f, out); err != nil {
			fmt.Fprintf(e.stderr, "bwstate fmt: %v\n", err)
			code = exitError
		}
	}
	return code
}

// formattable lists the configuration files under p (a file is taken as
// it is, whatever its name).
func formattable(p string, recursive bool) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != p && (!recursive || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), config.ConfigSuffix) || strings.HasSuffix(d.Name(), config.VarsSuffix) {
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func displayPath(e *env, f string) string {
	if rel, err := filepath.Rel(e.dir, f); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return f
}

func writeFileKeepMode(name string, data []byte) error {
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	tmp := name + ".bwstate-fmt"
	if err := os.WriteFile(tmp, data, st.Mode().Perm()); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
