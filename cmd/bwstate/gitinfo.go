package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"time"

	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/engine/review"
)

// gitInfo describes the git checkout the configuration lives in, for the
// change review's header: the commit, and whether the configuration's own
// files (*.bw.hcl, *.bwvars of the directory, as its hash covers them)
// differ from it. It is nil when git is not installed, the directory is not
// in a checkout, or git cannot read it: the document then says "not a git
// checkout", and nothing else depends on it.
func gitInfo(e *env, cfg *config.Config) *review.Git {
	if _, err := exec.LookPath("git"); err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	git := func(args ...string) (string, bool) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", cfg.Dir}, args...)...)
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			return "", false
		}
		return out.String(), true
	}
	commit, ok := git("rev-parse", "--verify", "--quiet", "HEAD")
	if !ok {
		return nil
	}
	status, ok := git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
		":(glob)*"+config.ConfigSuffix, ":(glob)*"+config.VarsSuffix)
	if !ok {
		return nil
	}
	g := &review.Git{Commit: strings.TrimSpace(commit), DirtyFiles: dirtyFiles(status)}
	g.Dirty = len(g.DirtyFiles) > 0
	return g
}

// dirtyFiles reads `git status --porcelain=v1 -z`: "XY PATH" entries
// separated by NUL, a rename or copy followed by its source path.
func dirtyFiles(status string) []string {
	files := []string{}
	entries := strings.Split(status, "\x00")
	for i := 0; i < len(entries); i++ {
		e := entries[i]
		if len(e) < 4 {
			continue
		}
		files = append(files, e[3:])
		if e[0] == 'R' || e[0] == 'C' {
			i++ // the source path
		}
	}
	return files
}
