package main

import (
	"context"
	"strings"
	"testing"
)

// testEnv is an env for in-process runs: no terminal, no real ssh_config,
// no agent, no inherited BWSTATE_VAR_* variables.
func testEnv(ctx context.Context, stdout, stderr *lockedBuffer, vars map[string]string) *env {
	getenv := func(k string) string {
		if k == envSSHConfig {
			return "none"
		}
		return vars[k]
	}
	environ := func() []string {
		var kv []string
		for k, v := range vars {
			kv = append(kv, k+"="+v)
		}
		return kv
	}
	return &env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: getenv, environ: environ, ctx: ctx}
}

// TestDemo runs the README's first command in-process and checks the tour
// a newcomer sees: a plan with the three 22.0+ hosts, an apply that
// restarts OpenClientServer once on each, and an empty re-plan — and that
// the simulated servers' own log agrees.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo restarts three simulated applications (about 4s)")
	}
	t.Parallel() // mostly waiting for the simulated restarts
	var stdout, stderr lockedBuffer
	code := run(testEnv(context.Background(), &stdout, &stderr, nil), []string{"demo"})
	out := stdout.String()
	if code != exitOK {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr.String())
	}
	planOut, rest, ok := strings.Cut(out, "$ bwstate apply -auto-approve")
	if !ok {
		t.Fatalf("no apply step in:\n%s", out)
	}
	for _, h := range []string{"xsp2", "xsp3", "adp1"} {
		if !strings.Contains(planOut, "\n"+h+" (") {
			t.Errorf("first plan does not list %s:\n%s", h, planOut)
		}
	}
	for _, h := range []string{"xsp1", "as1", "as2"} {
		if strings.Contains(planOut, "\n"+h+" (") {
			t.Errorf("first plan lists %s, which needs no change:\n%s", h, planOut)
		}
	}
	if n := strings.Count(planOut, "enabled: true -> false"); n != 3 {
		t.Errorf("first plan has %d CAPProxy changes, want 3", n)
	}
	for _, want := range []string{
		"Apply complete: 3 hosts changed, 1 unchanged, 0 failed, 0 untouched.",
		"$ bwstate plan -detailed-exitcode\nNo changes. 4 hosts in the desired state. 2 hosts left alone (nothing in the configuration concerns them).",
		"xsp2  set enabled false; restartbw OpenClientServer",
		"xsp3  set enabled false; restartbw OpenClientServer",
		"adp1  set enabled false; restartbw OpenClientServer",
		"xsp1  reads only",
		"as1   nothing (not contacted)",
		"as2   nothing (not contacted)",
	} {
		if !strings.Contains(rest, want) {
			t.Errorf("demo output lacks %q:\n%s", want, rest)
		}
	}
}
