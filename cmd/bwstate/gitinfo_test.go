package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/engine/review"
)

// TestGitInfo: the change review's header names the commit, and a work
// tree is dirty only for the configuration's own files.
func TestGitInfo(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	root := t.TempDir()
	dir := filepath.Join(root, "conf")
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", root, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: context.Background()}
	cfg := &config.Config{Dir: dir}
	if g := gitInfo(e, cfg); g != nil {
		t.Fatalf("wrong result\ngot: %+v\nwant: nil outside a checkout", g)
	}
	write("main.bw.hcl", "# a\n")
	write("prod.bwvars", "x = 1\n")
	git("init", "-q")
	if g := gitInfo(e, cfg); g != nil {
		t.Fatalf("wrong result\ngot: %+v\nwant: nil before the first commit", g)
	}
	git("add", ".")
	git("commit", "-q", "-m", "first")
	head := git("rev-parse", "HEAD")

	// Files that are not configuration do not make it dirty.
	write("cap.plan", "{}")
	write("notes.txt", "x")
	want := &review.Git{Commit: head, DirtyFiles: []string{}}
	if d := cmp.Diff(want, gitInfo(e, cfg)); d != "" {
		t.Errorf("wrong result for a clean tree (-want +got):\n%s", d)
	}

	write("main.bw.hcl", "# b\n")
	write("new.bw.hcl", "# c\n")
	if err := os.Remove(filepath.Join(dir, "prod.bwvars")); err != nil {
		t.Fatal(err)
	}
	g := gitInfo(e, cfg)
	if g == nil || !g.Dirty || g.Commit != head {
		t.Fatalf("wrong result\ngot: %+v\nwant: dirty at %s", g, head)
	}
	got := strings.Join(g.DirtyFiles, " ")
	for _, f := range []string{"main.bw.hcl", "new.bw.hcl", "prod.bwvars"} {
		if !strings.Contains(got, f) {
			t.Errorf("wrong result\ngot: dirty files %q\nwant: %s among them", got, f)
		}
	}
	if strings.Contains(got, "cap.plan") || strings.Contains(got, "notes.txt") {
		t.Errorf("wrong result\ngot: dirty files %q\nwant: configuration files only", got)
	}
}

func TestDirtyFiles(t *testing.T) {
	got := dirtyFiles(" M conf/a.bw.hcl\x00R  conf/new.bw.hcl\x00conf/old.bw.hcl\x00?? conf/b.bwvars\x00")
	if d := cmp.Diff([]string{"conf/a.bw.hcl", "conf/new.bw.hcl", "conf/b.bwvars"}, got); d != "" {
		t.Errorf("wrong result (-want +got):\n%s", d)
	}
}
