package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine/journal"
)

// reliabilityDoc is the page whose fault matrix must match the suite.
var reliabilityDoc = filepath.Join("..", "..", "docs", "reliability.md")

// faultMatrixColumns are the fault table's columns, in order.
var faultMatrixColumns = []string{"Fault", "What bwstate does", "What the operator sees", "How to recover", "Test"}

// faultRow is one row of the fault matrix.
type faultRow struct {
	line  int
	cells []string
}

// faultMatrix returns the rows of the table under "## Fault matrix".
func faultMatrix(doc string) (header []string, rows []faultRow) {
	in := false
	for i, line := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			in = strings.TrimSpace(strings.TrimPrefix(line, "## ")) == "Fault matrix"
		case in && strings.HasPrefix(line, "|"):
			cells := splitRow(line)
			switch {
			case header == nil:
				header = cells
			case strings.Trim(strings.Join(cells, ""), "-: ") == "":
				// the |---|---| line
			default:
				rows = append(rows, faultRow{line: i + 1, cells: cells})
			}
		}
	}
	return header, rows
}

func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	cells := strings.Split(line, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

var (
	// testRef is what a Test cell names: a script of testdata/script or a
	// Go test of this package, in backquotes.
	testRef   = regexp.MustCompile("`([A-Za-z0-9_.-]+)`")
	goTestDef = regexp.MustCompile(`(?m)^func (Test[A-Za-z0-9_]+)\(t \*testing\.T\)`)
)

// faultMatrixProblems checks the fault matrix of doc against the scripts
// (file names in testdata/script) and Go tests that exist: every row has
// every column filled and names exactly one script or test that exists,
// no two rows name the same one, and every fault_* script is named.
func faultMatrixProblems(doc string, scripts, goTests []string) []string {
	header, rows := faultMatrix(doc)
	if d := cmp.Diff(faultMatrixColumns, header); d != "" {
		return []string{"fault matrix columns (-want +got):\n" + d}
	}
	var problems []string
	problemf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	exists := map[string]bool{}
	for _, name := range append(append([]string{}, scripts...), goTests...) {
		exists[name] = true
	}
	namedBy := map[string]int{}
	for _, r := range rows {
		if len(r.cells) != len(faultMatrixColumns) {
			problemf("line %d: %d cells, want %d", r.line, len(r.cells), len(faultMatrixColumns))
			continue
		}
		for i, c := range r.cells {
			if c == "" {
				problemf("line %d: empty %s cell", r.line, faultMatrixColumns[i])
			}
		}
		test := r.cells[len(r.cells)-1]
		refs := testRef.FindAllStringSubmatch(test, -1)
		if len(refs) != 1 {
			problemf("line %d: the Test cell must name exactly one script or test in backquotes, got %q", r.line, test)
			continue
		}
		name := refs[0][1]
		switch {
		case !exists[name]:
			problemf("line %d: %s is neither a script in testdata/script nor a test of cmd/bwstate", r.line, name)
		case namedBy[name] != 0:
			problemf("line %d: %s is already the test of line %d (one test per fault)", r.line, name, namedBy[name])
		default:
			namedBy[name] = r.line
		}
	}
	for _, s := range scripts {
		if strings.HasPrefix(s, "fault_") && namedBy[s] == 0 {
			problemf("%s is not in the fault matrix", s)
		}
	}
	return problems
}

// suiteScripts lists testdata/script/*.txtar by file name.
func suiteScripts(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join("testdata", "script", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range m {
		names = append(names, filepath.Base(p))
	}
	sort.Strings(names)
	return names
}

// packageTests lists the Test functions of this package's test files.
func packageTests(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range m {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, sm := range goTestDef.FindAllStringSubmatch(string(b), -1) {
			names = append(names, sm[1])
		}
	}
	return names
}

// TestFaultMatrixMatchesTests: the fault table of docs/reliability.md and
// the fault scripts correspond one to one, so the page never promises a
// behaviour no test shows, and no fault test goes undocumented.
func TestFaultMatrixMatchesTests(t *testing.T) {
	b, err := os.ReadFile(reliabilityDoc)
	if err != nil {
		t.Fatal(err)
	}
	scripts := suiteScripts(t)
	faults := 0
	for _, s := range scripts {
		if strings.HasPrefix(s, "fault_") {
			faults++
		}
	}
	if faults < 10 {
		t.Fatalf("wrong result\ngot: %d fault_*.txtar scripts in testdata/script\nwant: the fault suite", faults)
	}
	for _, p := range faultMatrixProblems(string(b), scripts, packageTests(t)) {
		t.Error(p)
	}
	// The secrets scripts are the security model's evidence: each is
	// described on the page.
	for _, s := range scripts {
		if strings.HasPrefix(s, "secrets_") && !strings.Contains(string(b), "`"+s+"`") {
			t.Errorf("%s is not described in %s", s, reliabilityDoc)
		}
	}
}

// TestFaultMatrixProblemsCatchesMismatches proves the check above can fail.
func TestFaultMatrixProblemsCatchesMismatches(t *testing.T) {
	const head = "# Reliability\n\n## Fault matrix\n\n| Fault | What bwstate does | What the operator sees | How to recover | Test |\n|---|---|---|---|---|\n"
	row := func(fault, test string) string {
		return "| " + fault + " | does | sees | recover | " + test + " |\n"
	}
	scripts := []string{"apply_lock.txtar", "fault_a.txtar", "fault_b.txtar"}
	tests := map[string]struct {
		doc  string
		want []string
	}{
		"matching": {
			doc: head + row("a", "`fault_a.txtar`") + row("b", "`fault_b.txtar`") + row("lock", "`apply_lock.txtar`") +
				row("go", "`TestGo`") + "\n## Other\n\n| x | y |\n|---|---|\n| `fault_z.txtar` | z |\n",
		},
		"script missing from the table": {
			doc:  head + row("a", "`fault_a.txtar`"),
			want: []string{"fault_b.txtar is not in the fault matrix"},
		},
		"row naming a script that does not exist": {
			doc:  head + row("a", "`fault_a.txtar`") + row("b", "`fault_b.txtar`") + row("c", "`fault_c.txtar`"),
			want: []string{"line 9: fault_c.txtar is neither a script in testdata/script nor a test of cmd/bwstate"},
		},
		"one script for two rows": {
			doc:  head + row("a", "`fault_a.txtar`") + row("b", "`fault_b.txtar`") + row("a again", "`fault_a.txtar`"),
			want: []string{"line 9: fault_a.txtar is already the test of line 7 (one test per fault)"},
		},
		"two scripts in one row": {
			doc:  head + row("a", "`fault_a.txtar`, `fault_b.txtar`"),
			want: []string{"line 7: the Test cell must name exactly one script or test in backquotes, got \"`fault_a.txtar`, `fault_b.txtar`\"", "fault_a.txtar is not in the fault matrix", "fault_b.txtar is not in the fault matrix"},
		},
		"empty cell": {
			doc:  head + "| a |  | sees | recover | `fault_a.txtar` |\n" + row("b", "`fault_b.txtar`"),
			want: []string{"line 7: empty What bwstate does cell"},
		},
		"missing column": {
			doc:  "## Fault matrix\n\n| Fault | Test |\n|---|---|\n| a | `fault_a.txtar` |\n",
			want: []string{"fault matrix columns (-want +got):\n"},
		},
		"no table": {
			doc:  "# Reliability\n",
			want: []string{"fault matrix columns (-want +got):\n"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := faultMatrixProblems(tc.doc, scripts, []string{"TestGo"})
			// The column diff's body is go-cmp's to format: compare its
			// first line only.
			for i, p := range got {
				if strings.HasPrefix(p, "fault matrix columns") {
					got[i] = p[:strings.Index(p, "\n")+1]
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("wrong result (-want +got):\n%s", d)
			}
		})
	}
}

// TestFindSecrets: the search behind `nosecret` finds a value in any file
// under a directory, reports file, line and variable, honours the allowed
// lines, and lists what it read, so a script that passes it means
// something.
func TestFindSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string) string {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("out/plan.stdout", "readCommunity: (sensitive) -> (sensitive)\n")
	leak := write("state/runs/r1/revert.json", "{\n  \"after\": \"xC0mmunityx\"\n}\n")
	log := write("commands.log", "xsp1 cli set readCommunity C0mmunity\nxsp1 cli get\n")
	secrets := map[string]string{"COMMUNITY": "C0mmunity", "PASS": "Pa55phrase"}

	files, leaks, err := findSecrets([]string{filepath.Join(dir, "out"), filepath.Join(dir, "state"), log}, secrets, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{clean, leak, log}, files); d != "" {
		t.Errorf("wrong files read (-want +got):\n%s", d)
	}
	want := []string{leak + ":2: $COMMUNITY", log + ":1: $COMMUNITY"}
	if d := cmp.Diff(want, leaks); d != "" {
		t.Errorf("wrong leaks (-want +got):\n%s", d)
	}

	_, leaks, err = findSecrets([]string{log}, secrets, regexp.MustCompile(`^xsp[0-9] cli set readCommunity `))
	if err != nil {
		t.Fatal(err)
	}
	if len(leaks) != 0 {
		t.Errorf("wrong result\ngot: %q\nwant: no leak outside the allowed lines", leaks)
	}
	if _, _, err := findSecrets([]string{filepath.Join(dir, "missing")}, secrets, nil); err == nil {
		t.Errorf("wrong result\ngot: no error for a path that does not exist\nwant: an error (a script must not pass by searching nothing)")
	}
}

// TestLockedApplyLeavesNoRunDirectory: an apply refused by the lock
// creates nothing in .bwstate: a run's directory is made only when
// something is written into it.
func TestLockedApplyLeavesNoRunDirectory(t *testing.T) {
	dir := t.TempDir()
	cfg := "host \"xsp1\" {\n  address = \"192.0.2.1\"\n  type    = \"xsp\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.bw.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	jn, err := journal.Open(filepath.Join(dir, ".bwstate"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	held, err := jn.BeginRun()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = held.Release() })

	var stdout, stderr lockedBuffer
	e := testEnv(t.Context(), &stdout, &stderr, nil)
	if code := run(e, []string{"-chdir=" + dir, "apply", "-auto-approve"}); code != exitError {
		t.Fatalf("wrong exit code\ngot: %d\nwant: %d\nstderr: %s", code, exitError, stderr.String())
	}
	if !strings.Contains(stderr.String(), "the configuration is locked by ") || !strings.Contains(stderr.String(), " for run "+held.ID()+";") {
		t.Errorf("wrong message\ngot: %s\nwant: the lock's holder and run", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".bwstate", journal.RunsDir)); !os.IsNotExist(err) {
		t.Errorf("wrong result\ngot: %v\nwant: no runs directory", err)
	}
}
