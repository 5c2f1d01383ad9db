package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// repoRoot is the repository root as seen from this package's tests.
const repoRoot = "../.."

// docsBuffer collects a command's output; commands may write from more
// than one goroutine.
type docsBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (d *docsBuffer) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.b.Write(p)
}

func (d *docsBuffer) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.b.String()
}

// docsRun runs bwstate in-process with a closed environment: no variable
// of the real environment (BWSTATE_VAR_*, SSH_AUTH_SOCK, ~/.ssh/config)
// can change the result.
func docsRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	vars := map[string]string{"BWSTATE_SSH_CONFIG": "none", "NO_COLOR": "1", "USER": "bwstate-test"}
	var out, errOut docsBuffer
	e := &env{
		stdin:   strings.NewReader(""),
		stdout:  &out,
		stderr:  &errOut,
		getenv:  func(k string) string { return vars[k] },
		environ: func() []string { return nil },
		ctx:     context.Background(),
	}
	code = run(e, args)
	return code, out.String(), errOut.String()
}

func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCLIReferenceIsComplete: every command `bwstate help` lists, every
// flag and subcommand its usage lists, and every exit code its usage
// names, is documented in its own section of docs/cli.md; so is every
// global flag. A command or flag added later without documentation fails
// here.
func TestCLIReferenceIsComplete(t *testing.T) {
	code, overview, stderr := docsRun(t, "help")
	if code != exitOK {
		t.Fatalf("bwstate help exited %d: %s", code, stderr)
	}
	names := overviewCommands(overview)
	if len(names) < 10 {
		t.Fatalf("wrong result\ngot: %d commands parsed from help: %q\nwant: every registered command\n%s", len(names), names, overview)
	}
	usages := map[string]string{}
	for _, n := range names {
		code, usage, stderr := docsRun(t, "help", n)
		if code != exitOK {
			t.Fatalf("bwstate help %s exited %d: %s", n, code, stderr)
		}
		usages[n] = usage
	}
	// Subcommands with a usage of their own that `help CMD` does not
	// print: their flags belong in CMD's section too.
	for cmd, subs := range nestedUsages {
		for _, sub := range subs {
			code, usage, stderr := docsRun(t, cmd, sub, "-help")
			if code != exitOK || !strings.HasPrefix(usage, "Usage: bwstate "+cmd+" "+sub) {
				t.Fatalf("bwstate %s %s -help exited %d without its usage (update nestedUsages if it was removed)\nstdout: %s\nstderr: %s", cmd, sub, code, usage, stderr)
			}
			usages[cmd] += "\n" + usage
		}
	}
	doc := readRepoFile(t, "docs/cli.md")
	for _, p := range cliDocProblems(overview, usages, doc) {
		t.Error(p)
	}
}

// TestCLIDocProblemsCatchesOmissions proves the check above can fail: a
// reference missing a command, a flag, a subcommand or an exit code, or
// listing a flag under the wrong command, is reported.
func TestCLIDocProblemsCatchesOmissions(t *testing.T) {
	overview := "Usage: bwstate [-chdir=DIR] COMMAND [flags]\n\nCommands:\n" +
		"  plan           show what apply would change\n" +
		"  journal        list runs\n" +
		"  show           render a saved plan file\n\n" +
		"Global flags:\n  -chdir=DIR     work in DIR\n"
	usages := map[string]string{
		"plan": "Usage: bwstate plan [flags]\n\nFlags:\n  -out FILE   save\n  -json       print JSON\n" +
			"  -target ADDR   plan only this host, group.NAME,\n                 or -exclude it\n\n" +
			"Exit status: 0 success, 1 error (a\nconfiguration error), 2 changes present.\n",
		"journal": "Usage: bwstate journal [list]\n\nSubcommands:\n  list      runs\n  verify    the chain\n\n" +
			"Flags of clear-pending:\n  -host HOST   the host\n",
		"show": "Usage: bwstate show FILE\n\nFlags:\n  -json   print JSON\n",
	}
	complete := "# CLI\n\n## Global flags\n\n`-chdir=DIR`\n\n" +
		"## bwstate plan\n\n| `-out FILE` | x |\n| `-json` | x |\n| `-target ADDR` | x |\n\n| 0 | ok |\n| 1 | err |\n| 2 | changes |\n\n" +
		"## bwstate journal\n\n`bwstate journal list`, `bwstate journal verify`; `-host HOST`\n\n" +
		"## bwstate show\n\n`-json`\n"
	if got := cliDocProblems(overview, usages, complete); len(got) != 0 {
		t.Fatalf("a complete reference was reported\ngot: %q\nwant: nothing", got)
	}
	tests := map[string]struct {
		doc  string
		want []string
	}{
		"command missing": {
			doc:  strings.Replace(complete, "## bwstate show\n\n`-json`\n", "", 1),
			want: []string{"docs/cli.md has no section \"## bwstate show\" for command show"},
		},
		"flag missing": {
			doc:  strings.Replace(complete, "| `-out FILE` | x |\n", "", 1),
			want: []string{"docs/cli.md section \"## bwstate plan\" does not document flag -out (as `-out`)"},
		},
		"flag only under another command": {
			// show still documents -json; plan must too.
			doc:  strings.Replace(complete, "| `-json` | x |\n", "", 1),
			want: []string{"docs/cli.md section \"## bwstate plan\" does not document flag -json (as `-json`)"},
		},
		"subcommand missing": {
			doc:  strings.Replace(complete, ", `bwstate journal verify`", "", 1),
			want: []string{"docs/cli.md section \"## bwstate journal\" does not document subcommand verify (as `bwstate journal verify`)"},
		},
		"exit code missing": {
			doc:  strings.Replace(complete, "| 2 | changes |\n", "", 1),
			want: []string{"docs/cli.md section \"## bwstate plan\" has no exit code row for 2 (a table row \"| 2 |\")"},
		},
		"global flag missing": {
			doc:  strings.Replace(complete, "`-chdir=DIR`", "", 1),
			want: []string{"docs/cli.md section \"## Global flags\" does not document flag -chdir (as `-chdir`)"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := cliDocProblems(overview, usages, tc.doc)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

// nestedUsages lists subcommands whose usage `bwstate help CMD` does not
// include, by command.
var nestedUsages = map[string][]string{}

var (
	usageFlagLine = regexp.MustCompile(`^  -([a-z][a-z0-9-]*)`)
	usageSubLine  = regexp.MustCompile(`^  ([a-z][a-z0-9-]*)\s{2,}\S`)
	exitCodeInfo  = regexp.MustCompile(`(?:^|[:,;] )([0-9]) `)
)

// overviewCommands parses the command names of `bwstate help`.
func overviewCommands(overview string) []string {
	var names []string
	in := false
	for line := range strings.Lines(overview) {
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "Commands:":
			in = true
		case in && strings.TrimSpace(line) == "":
			in = false
		case in && strings.HasPrefix(line, "  "):
			names = append(names, strings.Fields(line)[0])
		}
	}
	return names
}

// usageFlags returns the flags a usage text lists: lines starting with two
// spaces and -name.
func usageFlags(usage string) []string {
	var flags []string
	for line := range strings.Lines(usage) {
		if m := usageFlagLine.FindStringSubmatch(line); m != nil {
			flags = append(flags, m[1])
		}
	}
	return flags
}

// usageSubcommands returns the entries of a "Subcommands:" block.
func usageSubcommands(usage string) []string {
	var subs []string
	in := false
	for line := range strings.Lines(usage) {
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "Subcommands:":
			in = true
		case in && strings.TrimSpace(line) == "":
			in = false
		case in:
			if m := usageSubLine.FindStringSubmatch(line); m != nil {
				subs = append(subs, m[1])
			}
		}
	}
	return subs
}

// usageExitCodes returns the codes of the "Exit status:" paragraph, as in
// "Exit status: 0 success, 1 error, 2 changes present".
func usageExitCodes(usage string) []string {
	_, after, ok := strings.Cut(usage, "Exit status:")
	if !ok {
		return nil
	}
	para, _, _ := strings.Cut(after, "\n\n")
	para = strings.Join(strings.Fields(para), " ")
	var codes []string
	for _, m := range exitCodeInfo.FindAllStringSubmatch(":"+" "+para, -1) {
		codes = append(codes, m[1])
	}
	return codes
}

// markdownSection returns the text under the level-2 heading `## title`
// up to the next level-2 heading, and whether the heading exists.
func markdownSection(doc, title string) (string, bool) {
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "## "+title {
			continue
		}
		var b strings.Builder
		for _, l := range lines[i+1:] {
			if strings.HasPrefix(l, "## ") {
				break
			}
			b.WriteString(l)
			b.WriteByte('\n')
		}
		return b.String(), true
	}
	return "", false
}

// documentsFlag reports whether section shows flag as code: `-name`,
// `-name VALUE` or `-name=VALUE`.
func documentsFlag(section, flag string) bool {
	return regexp.MustCompile("`-" + regexp.QuoteMeta(flag) + "[ =`]").MatchString(section)
}

// cliDocProblems compares docs/cli.md with the help texts.
func cliDocProblems(overview string, usages map[string]string, doc string) []string {
	var problems []string
	global, ok := markdownSection(doc, "Global flags")
	if !ok {
		problems = append(problems, `docs/cli.md has no section "## Global flags"`)
	}
	_, globalPart, _ := strings.Cut(overview, "Global flags:")
	for _, f := range usageFlags(globalPart) {
		if ok && !documentsFlag(global, f) {
			problems = append(problems, fmt.Sprintf("docs/cli.md section %q does not document flag -%s (as `-%s`)", "## Global flags", f, f))
		}
	}
	for _, name := range overviewCommands(overview) {
		title := "bwstate " + name
		section, ok := markdownSection(doc, title)
		if !ok {
			problems = append(problems, fmt.Sprintf("docs/cli.md has no section %q for command %s", "## "+title, name))
			continue
		}
		usage := usages[name]
		for _, f := range usageFlags(usage) {
			if !documentsFlag(section, f) {
				problems = append(problems, fmt.Sprintf("docs/cli.md section %q does not document flag -%s (as `-%s`)", "## "+title, f, f))
			}
		}
		for _, s := range usageSubcommands(usage) {
			if !strings.Contains(section, "`bwstate "+name+" "+s) {
				problems = append(problems, fmt.Sprintf("docs/cli.md section %q does not document subcommand %s (as `bwstate %s %s`)", "## "+title, s, name, s))
			}
		}
		for _, c := range usageExitCodes(usage) {
			if !regexp.MustCompile(`(?m)^\| ` + c + ` \|`).MatchString(section) {
				problems = append(problems, fmt.Sprintf("docs/cli.md section %q has no exit code row for %s (a table row \"| %s |\")", "## "+title, c, c))
			}
		}
	}
	return problems
}

// TestCLIReferenceEnvironment: every environment variable bwstate reads
// (a getenv call with a literal name, or a BWSTATE_ constant, in the
// command, the configuration loader or the SSH dialer) is in the
// "Environment variables" section of docs/cli.md.
func TestCLIReferenceEnvironment(t *testing.T) {
	section, ok := markdownSection(readRepoFile(t, "docs/cli.md"), "Environment variables")
	if !ok {
		t.Fatal(`docs/cli.md has no section "## Environment variables"`)
	}
	getenvCall := regexp.MustCompile(`(?i)getenv\("([A-Z][A-Z0-9_]*)"\)`)
	bwstateName := regexp.MustCompile(`"(BWSTATE_[A-Z0-9_]*)"`)
	found := map[string]bool{"password_env": true}
	for _, dir := range []string{"cmd/bwstate", "engine/config", "providers/broadworks", "providers/broadworks/sshconn"} {
		files, err := filepath.Glob(filepath.Join(repoRoot, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, re := range []*regexp.Regexp{getenvCall, bwstateName} {
				for _, m := range re.FindAllStringSubmatch(string(src), -1) {
					found[m[1]] = true
				}
			}
		}
	}
	for _, want := range []string{"BWSTATE_VAR_", "NO_COLOR", "BWSTATE_TRANSCRIPT_DIR", "BWSTATE_SSH_CONFIG", "SSH_AUTH_SOCK"} {
		if !found[want] {
			t.Errorf("the source no longer reads %s: update this test and docs/cli.md", want)
		}
	}
	for _, name := range sortedKeys(found) {
		if !strings.Contains(section, name) {
			t.Errorf("docs/cli.md section \"## Environment variables\" does not mention %s, which bwstate reads", name)
		}
	}
}

// docFiles are the Markdown files whose links must resolve.
func docFiles(t *testing.T, root string) []string {
	t.Helper()
	files := []string{"README.md"}
	for _, pattern := range []string{"docs/*.md", "docs/*/*.md", "examples/*/README.md"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			rel, err := filepath.Rel(root, f)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, rel)
		}
	}
	sort.Strings(files)
	return files
}

// TestDocLinksResolve: every relative link in README.md, docs/ and the
// examples' READMEs points at a file or directory that exists and, with a
// #fragment into a Markdown file, at a heading of that file.
func TestDocLinksResolve(t *testing.T) {
	files := docFiles(t, repoRoot)
	if len(files) < 10 {
		t.Fatalf("wrong result\ngot: %q\nwant: README.md, docs/*.md, docs/runbooks/*.md and the examples' READMEs", files)
	}
	for _, p := range linkProblems(repoRoot, files) {
		t.Error(p)
	}
}

// TestLinkProblemsCatchesBrokenLinks proves the link checker can fail.
func TestLinkProblemsCatchesBrokenLinks(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("docs/b.md", "# B\n\n## The controller's state\n\n## `bwstate plan`\n\n## Dup\n\n## Dup\n")
	write("examples/x/README.md", "# X\n")
	write("README.md", strings.Join([]string{
		"# Top",
		"[ok](docs/b.md) [dir](examples/x) [web](https://example.com/nope) [self](#top)",
		"[anchor](docs/b.md#the-controllers-state) [code](docs/b.md#bwstate-plan) [dup](docs/b.md#dup-1)",
		"[missing](docs/nope.md) [bad anchor](docs/b.md#nope) [bad self](#nowhere)",
		"`[not a link](nope.md)`",
		"```",
		"[in a code block](nope2.md)",
		"```",
		"[titled](docs/gone.md \"title\")",
	}, "\n"))
	got := linkProblems(root, []string{"README.md"})
	want := []string{
		`README.md:4: link "docs/nope.md": docs/nope.md does not exist`,
		`README.md:4: link "docs/b.md#nope": docs/b.md has no heading for #nope`,
		`README.md:4: link "#nowhere": README.md has no heading for #nowhere`,
		`README.md:9: link "docs/gone.md": docs/gone.md does not exist`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
}

var (
	markdownLink = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	codeSpan     = regexp.MustCompile("`[^`]*`")
)

// linkProblems checks the relative links of files (paths relative to
// root).
func linkProblems(root string, files []string) []string {
	var problems []string
	anchors := map[string]map[string]bool{}
	anchorsOf := func(rel string) map[string]bool {
		if a, ok := anchors[rel]; ok {
			return a
		}
		b, err := os.ReadFile(filepath.Join(root, rel))
		a := map[string]bool{}
		if err == nil {
			a = headingAnchors(string(b))
		}
		anchors[rel] = a
		return a
	}
	for _, rel := range files {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		fenced := false
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				fenced = !fenced
				continue
			}
			if fenced {
				continue
			}
			for _, m := range markdownLink.FindAllStringSubmatch(codeSpan.ReplaceAllString(line, ""), -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, frag, _ := strings.Cut(target, "#")
				dest := rel
				if path != "" {
					dest = filepath.ToSlash(filepath.Join(filepath.Dir(rel), path))
					if _, err := os.Stat(filepath.Join(root, dest)); err != nil {
						problems = append(problems, fmt.Sprintf("%s:%d: link %q: %s does not exist", rel, i+1, target, dest))
						continue
					}
				}
				if frag != "" && strings.HasSuffix(dest, ".md") && !anchorsOf(dest)[frag] {
					problems = append(problems, fmt.Sprintf("%s:%d: link %q: %s has no heading for #%s", rel, i+1, target, dest, frag))
				}
			}
		}
	}
	return problems
}

// headingAnchors returns the anchors GitHub gives the headings of a
// Markdown document: lower case, punctuation dropped, blanks as hyphens,
// -1, -2, ... for repeats.
func headingAnchors(doc string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	for line := range strings.Lines(doc) {
		line = strings.TrimRight(line, "\n")
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
				b.WriteRune(r)
			}
		}
		slug := b.String()
		if n := seen[slug]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			anchors[slug] = true
		}
		seen[slug]++
	}
	return anchors
}

// ownedHCLDocs are the documents whose HCL examples this test holds to
// the formatter and, for complete configurations, to validate.
var ownedHCLDocs = []string{"README.md", "docs/getting-started.md", "docs/cli.md", "docs/security.md", "docs/runbooks/*.md"}

// TestDocHCLExamples: every ```hcl block of the user guides is formatted
// as `bwstate fmt` would write it (readers copy them), and every block
// that declares a host is a complete configuration that validates.
func TestDocHCLExamples(t *testing.T) {
	var docs []string
	for _, pattern := range ownedHCLDocs {
		m, err := filepath.Glob(filepath.Join(repoRoot, pattern))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, m...)
	}
	blocks, complete := 0, 0
	for _, path := range docs {
		rel, _ := filepath.Rel(repoRoot, path)
		for _, blk := range hclBlocks(readRepoFile(t, rel)) {
			blocks++
			name := fmt.Sprintf("%s:%d", rel, blk.line)
			t.Run(name, func(t *testing.T) {
				if _, diags := hclwrite.ParseConfig([]byte(blk.src), name, hcl.InitialPos); diags.HasErrors() {
					t.Fatalf("%s: not valid HCL: %s", name, diags.Error())
				}
				if formatted := string(hclwrite.Format([]byte(blk.src))); formatted != blk.src {
					t.Errorf("%s: not in canonical format (-want +got):\n%s", name, cmp.Diff(formatted, blk.src))
				}
				if !regexp.MustCompile(`(?m)^host "`).MatchString(blk.src) {
					return
				}
				complete++
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "example.bw.hcl"), []byte(blk.src), 0o644); err != nil {
					t.Fatal(err)
				}
				if code, stdout, stderr := docsRun(t, "-chdir="+dir, "validate", "-no-color"); code != exitOK {
					t.Errorf("%s: validate exited %d\nstdout: %s\nstderr: %s", name, code, stdout, stderr)
				}
			})
		}
	}
	if blocks < 5 || complete < 2 {
		t.Errorf("wrong result\ngot: %d hcl blocks, %d complete configurations\nwant: at least 5 and 2 (the README's and getting started's)", blocks, complete)
	}
}

type hclBlock struct {
	line int // of the opening fence
	src  string
}

// hclBlocks returns the contents of the ```hcl fenced blocks of a
// Markdown document.
func hclBlocks(doc string) []hclBlock {
	var out []hclBlock
	var cur *hclBlock
	for i, line := range strings.Split(doc, "\n") {
		switch {
		case cur == nil && strings.TrimSpace(line) == "```hcl":
			cur = &hclBlock{line: i + 1}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.src += line + "\n"
		}
	}
	return out
}
