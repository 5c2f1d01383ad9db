package broadworks

import (
	"regexp"
	"testing"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

// TestPromptsOverSSH: logins whose shell prompt ends in `> `, shows the
// time, spans a MOTD of several lines, or is given by the operator, all
// read facts, write, restart and wait for health over real SSH.
func TestPromptsOverSSH(t *testing.T) {
	tests := map[string]struct {
		body       string
		ssh        Connection
		wantPrompt *regexp.Regexp
	}{
		"greater-than": {
			body:       `  shell_prompt = "xsp1:bwadmin> "`,
			wantPrompt: regexp.MustCompile(`^xsp1:bwadmin> $`),
		},
		"the time": {
			body:       `  shell_prompt = "[{time}] {host}$ "`,
			wantPrompt: regexp.MustCompile(`^\[\d\d:\d\d:\d\d\] xsp1\$ $`),
		},
		"multi-line MOTD": {
			body: `  motd = <<EOT
Authorised access only.
  bwadmin@xsp1$ sessions are recorded.
Last login: Thu Nov 26 09:12:44 2026 from 10.0.0.9
EOT`,
			wantPrompt: regexp.MustCompile(`^bwadmin@xsp1\$ $`),
		},
		"set by the operator": {
			body:       `  shell_prompt = "{host}.{time} # "`,
			ssh:        Connection{ShellPrompt: `xsp1\.[0-9:]+ #`},
			wantPrompt: regexp.MustCompile(`^xsp1\.\d\d:\d\d:\d\d # $`),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_22.0_1.1123", capEnabled+"\n  restart_delay = \"200ms\"\n"+tc.body)))
			ctx := testCtx(t)
			p := newTestProvider(t, Options{HealthPoll: 50 * time.Millisecond}, nil)
			h := hostOf(t, f, "xsp1")
			conn(h).ShellPrompt = tc.ssh.ShellPrompt
			s := openSession(t, ctx, p, h)
			if got := s.(*session).cli.ShellPrompt(); !tc.wantPrompt.MatchString(got) {
				t.Errorf("wrong prompt\ngot:  %q\nwant: %s", got, tc.wantPrompt)
			}
			facts, err := s.Facts(ctx)
			if err != nil || facts.Type != "xsp" {
				t.Fatalf("facts: %+v, %v", facts, err)
			}
			if _, err := s.Exec(ctx, engine.Op{Kind: engine.OpSet, Path: capPath, Attr: "enabled", Value: "false"}); err != nil {
				t.Fatalf("exec: %v", err)
			}
			if err := s.Restart(ctx, ocs); err != nil {
				t.Fatalf("restart: %v", err)
			}
			if err := s.WaitHealthy(ctx, ocs, 30*time.Second); err != nil {
				t.Fatalf("wait healthy: %v", err)
			}
			sh := f.Host("xsp1")
			if got := sh.RestartCount(ocs); got != 1 {
				t.Errorf("wrong restart count\ngot:  %d\nwant: 1", got)
			}
			if got := sh.AppState(ocs); got != sim.AppRunning {
				t.Errorf("wrong state\ngot:  %s\nwant: %s", got, sim.AppRunning)
			}
		})
	}
}
