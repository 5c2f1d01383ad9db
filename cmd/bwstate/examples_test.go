package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

// exampleDirs returns every directory under examples/ except the lab,
// so a new example is tested without touching this file.
func exampleDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repoRoot, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "lab" && !strings.HasPrefix(e.Name(), ".") {
			dirs = append(dirs, e.Name())
		}
	}
	return dirs
}

// copyExample copies an example's files (not .bwstate/ or .lab/ left by a
// run by hand) into a fresh directory, so the test neither reads nor
// writes state in the source tree.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(repoRoot, "examples", name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".bwstate" || d.Name() == ".lab" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// planJSON is the part of `plan -json` this test checks.
type planJSON struct {
	Hosts []struct {
		Name  string `json:"name"`
		Error string `json:"error"`
	} `json:"hosts"`
	Summary struct {
		Hosts          int  `json:"hosts"`
		HostsFailed    int  `json:"hosts_failed"`
		ChecksFailed   int  `json:"checks_failed"`
		ChangesPresent bool `json:"changes_present"`
	} `json:"summary"`
}

// TestExamples: every example validates, is formatted, has a one-paragraph
// README, and plans against the lab of examples/lab/lab.hcl (on this
// test's own loopback address) with -detailed-exitcode exiting 0 or 2, no
// failed host and no failed check. Examples take the lab's address and
// state directory from the variables lab_ip and lab_dir.
func TestExamples(t *testing.T) {
	fleet := simtest.Start(t, readRepoFile(t, "examples/lab/lab.hcl"))
	labDir := filepath.Dir(fleet.KnownHostsPath())
	labIP := simtest.UniqueLoopbackIP(t)
	labVars := []string{"-var", "lab_ip=" + labIP, "-var", "lab_dir=" + labDir}

	names := exampleDirs(t)
	if len(names) < 4 {
		t.Fatalf("wrong result\ngot: examples %q\nwant: at least cap-disable, drift-ci, rolling-restart and tables", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			checkExampleReadme(t, name)
			dir := copyExample(t, name)

			if code, stdout, stderr := docsRun(t, "-chdir="+dir, "fmt", "-check", "-diff"); code != exitOK {
				t.Errorf("fmt -check exited %d: the example is not formatted\n%s%s", code, stdout, stderr)
			}
			args := append([]string{"-chdir=" + dir, "validate", "-no-color"}, labVars...)
			if code, stdout, stderr := docsRun(t, args...); code != exitOK {
				t.Fatalf("validate exited %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}

			args = append([]string{"-chdir=" + dir, "plan", "-json", "-detailed-exitcode"}, labVars...)
			code, stdout, stderr := docsRun(t, args...)
			var p planJSON
			if err := json.Unmarshal([]byte(stdout), &p); err != nil {
				t.Fatalf("plan exited %d without a JSON plan: %v\nstdout: %s\nstderr: %s", code, err, stdout, stderr)
			}
			for _, h := range p.Hosts {
				if h.Error != "" {
					t.Errorf("host %s failed: %s", h.Name, h.Error)
				}
			}
			if p.Summary.Hosts == 0 || p.Summary.HostsFailed != 0 || p.Summary.ChecksFailed != 0 {
				t.Errorf("wrong result\ngot: summary %+v\nwant: hosts planned, none failed, no failed check", p.Summary)
			}
			want := exitOK
			if p.Summary.ChangesPresent {
				want = exitChanges
			}
			if code != want {
				t.Errorf("wrong exit code\ngot: %d\nwant: %d (changes present: %v)\nstderr: %s", code, want, p.Summary.ChangesPresent, stderr)
			}

			// The human view, as a reader of the README runs it: its summary
			// line reports no failed host or check.
			args = append([]string{"-chdir=" + dir, "plan", "-no-color"}, labVars...)
			code, stdout, stderr = docsRun(t, args...)
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			summary := lines[len(lines)-1]
			if code != exitOK || !regexp.MustCompile(`^(Plan: |No changes\.)`).MatchString(summary) || strings.Contains(summary, "failed") {
				t.Errorf("wrong result\ngot: exit %d, summary %q\nwant: exit 0 and a summary without failures\nstdout: %s\nstderr: %s", code, summary, stdout, stderr)
			}
		})
	}
}

// checkExampleReadme: each example explains itself in a README.md of one
// paragraph under its title.
func checkExampleReadme(t *testing.T, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "examples", name, "README.md"))
	if err != nil {
		t.Errorf("example %s has no README.md: %v", name, err)
		return
	}
	title, body, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	body = strings.TrimSpace(body)
	if !strings.HasPrefix(title, "# ") || body == "" || strings.Contains(body, "\n\n") {
		t.Errorf("wrong result\ngot: examples/%s/README.md:\n%s\nwant: a # title line and one paragraph", name, b)
	}
}
