package main

import (
	"context"
	"flag"
	"regexp"
	"strings"
	"testing"

	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

func runBench(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	code = run(context.Background(), &out, &errOut, args)
	return code, out.String(), errOut.String()
}

// TestLabBench runs plan and both applies on two hosts and checks the
// table has a row per run with the hosts, parallelism and batch size asked
// for, and the per-run breakdown.
func TestLabBench(t *testing.T) {
	code, stdout, stderr := runBench(t, "-hosts", "2", "-latency", "1ms", "-parallelism", "2", "-apply",
		"-restart-delay", "20ms", "-batch-size", "1", "-bwcli-delay", "5ms", "-first-ip", simtest.UniqueLoopbackIP(t))
	if code != exitOK {
		t.Fatalf("wrong exit code\ngot: %d\nwant: 0\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, row := range []string{
		`(?m)^run\s+hosts\s+par\s+batch\s+latency\s+bwcli\s+wall\s+bound\s+ratio\s+cmds/host\s+rt/host`,
		`(?m)^plan\s+2\s+2\s+-\s+1ms\s+5ms\s`,
		`(?m)^apply\s+2\s+2\s+-\s+1ms\s`,
		`(?m)^apply\+restart\s+2\s+2\s+1\s+1ms\s`,
		`(?m)^apply\+restart kept\s+2\s+2\s+1\s+1ms\s`,
		`(?m)^plan \(2 hosts, parallelism 2\): 10 per host, 9 round trips: `,
		`(?m)^  bound = ceil\(2/2\) x \(\S+ connect \+ 5ms bwcli start \+ 9 round trips x 1ms\)$`,
		`(?m)^  restart to healthy mean .* \(restart delay 20ms\)$`,
		// The first batch (one host) keeps its plan's session: bwcli
		// starts on the other host only.
		`(?m)^apply\+restart kept restart .*; 1 sessions opened, bwcli started 1 times;`,
		`(?m)^  plan's sessions: 2 kept, 1 used by the apply, 0 replaced, 1 closed unused$`,
	} {
		if !regexp.MustCompile(row).MatchString(stdout) {
			t.Errorf("wrong output\ngot:\n%s\nwant a match for: %s", stdout, row)
		}
	}
}

// TestLabBenchUsage checks -help documents every flag the command accepts,
// and that mistakes exit 1 with the usage.
func TestLabBenchUsage(t *testing.T) {
	code, stdout, _ := runBench(t, "-help")
	if code != exitOK {
		t.Fatalf("wrong exit code for -help\ngot: %d\nwant: 0", code)
	}
	var b benchFlags
	n := 0
	b.flagSet().VisitAll(func(f *flag.Flag) {
		n++
		if !strings.Contains(stdout, "\n  -"+f.Name+" ") {
			t.Errorf("usage does not document -%s\ngot:\n%s", f.Name, stdout)
		}
	})
	if n < 8 {
		t.Errorf("wrong number of flags\ngot: %d\nwant: at least the 8 documented", n)
	}

	tests := map[string]struct {
		args []string
		want string
	}{
		"unknown flag":  {[]string{"-nope"}, "flag provided but not defined: -nope"},
		"zero hosts":    {[]string{"-hosts", "0"}, "-hosts, -parallelism, -batch-size and -count must be at least 1"},
		"bad list":      {[]string{"-parallelism", "20,x"}, `-parallelism: "x" is not a number`},
		"bad run":       {[]string{"-runs", "plan,nope"}, `-runs: unknown run "nope"`},
		"bad profile":   {[]string{"-profile", "slow"}, `-profile must be fast or realistic, got "slow"`},
		"argument":      {[]string{"extra"}, `unexpected argument "extra"`},
		"negative time": {[]string{"-latency", "-1s"}, "cannot be negative"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := runBench(t, tc.args...)
			if code != exitError {
				t.Errorf("wrong exit code\ngot: %d\nwant: %d", code, exitError)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("wrong message\ngot: %s\nwant: ...%s...", stderr, tc.want)
			}
		})
	}
}
