//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwstate/bwstate/internal/ptytest"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

// slowRolloutLab is two XSPs whose OpenClientServer takes restartDelay to
// come back after a restart.
func slowRolloutLab(restartDelay string) string {
	var b strings.Builder
	for _, n := range []string{"xsp1", "xsp2"} {
		fmt.Fprintf(&b, `sim_host %q {
  listen        = "127.0.0.1:0"
  type          = "xsp"
  release       = "Rel_22.0_1.1123"
  restart_delay = %q
  context "Applications/OpenClientServer/CAPProxy" {
    enabled = true
  }
  # bwcli takes longer to start than the live area's refresh, so the
  # read pass is on the screen for at least one frame.
  fault {
    bwcli_delay = "600ms"
  }
}
`, n, restartDelay)
	}
	return b.String()
}

// slowRolloutConfig writes a configuration that disables CAPProxy on both
// hosts of the fleet, one host at a time, and returns its directory.
func slowRolloutConfig(t *testing.T, f *sim.Fleet, healthTimeout string) string {
	t.Helper()
	dir := t.TempDir()
	src := fmt.Sprintf(`ssh {
  user          = "bwadmin"
  identity_file = %q
  known_hosts   = %q
  timeout       = "10s"
}

host "xsp1" {
  address = %q
  type    = "xsp"
  groups  = ["xsp"]
}

host "xsp2" {
  address = %q
  type    = "xsp"
  groups  = ["xsp"]
}

rollout {
  batch_size     = 1
  health_timeout = %q
}

context "cap_proxy_off" {
  path  = "Applications/OpenClientServer/CAPProxy"
  hosts = group.xsp
  set {
    enabled = false
  }
}
`, f.ClientKeyPath(), f.KnownHostsPath(), f.Host("xsp1").Addr(), f.Host("xsp2").Addr(), healthTimeout)
	if err := os.WriteFile(filepath.Join(dir, "main.bw.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startOnTerminal runs this test binary as bwstate (TestMain dispatches
// on the name) on a pseudo-terminal of 200x40, as an operator's shell
// would: a terminal that may be redrawn, no NO_COLOR.
func startOnTerminal(t *testing.T, args ...string) (*ptytest.Terminal, *exec.Cmd) {
	return startOnTerminalEnv(t, nil, args...)
}

// startOnTerminalEnv is startOnTerminal with more environment variables.
func startOnTerminalEnv(t *testing.T, env []string, args ...string) (*ptytest.Terminal, *exec.Cmd) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "bwstate")
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	term, err := ptytest.Open(200, 40)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { term.Close() })
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "BWSTATE_SSH_CONFIG=none",
		"GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")}
	cmd.Env = append(cmd.Env, env...)
	if err := term.StartCommand(cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return term, cmd
}

// waitExit waits for the command and the end of its output, and returns
// its exit code.
func waitExit(t *testing.T, term *ptytest.Terminal, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("bwstate did not exit; the screen shows:\n%s", strings.Join(term.Lines(), "\n"))
	}
	if err := term.Drain(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode()
}

// liveLine matches what only the live areas show: apply's headline and host
// lines, plan's read pass.
var liveLine = regexp.MustCompile(`hosts done|^read \d+/\d+ hosts|elapsed|^  \S+: .+ \d+[hms](\d+[ms])?(/\d+[hms](\d+[ms])?)?$`)

// checkCleanScreen fails when a live area was left on the final screen or
// the terminal got an escape sequence beyond cursor up, erase and colour.
func checkCleanScreen(t *testing.T, term *ptytest.Terminal, lines []string) {
	t.Helper()
	for _, l := range lines {
		if liveLine.MatchString(l) {
			t.Errorf("a live line stayed on the screen: %q\nscreen:\n%s", l, strings.Join(lines, "\n"))
		}
	}
	if u := term.Unknown(); len(u) > 0 {
		t.Errorf("unexpected escape sequences: %q", u)
	}
}

// indexOf returns the index of the first line matching re, or -1.
func indexOf(lines []string, re *regexp.Regexp) int {
	for i, l := range lines {
		if re.MatchString(l) {
			return i
		}
	}
	return -1
}

// TestApplyProgressOnTerminal is issue 14's acceptance test on a terminal:
// a slow rolling apply against the simulator shows a live area whose
// health wait counts up against the health timeout (two snapshots during
// the wait differ), the event lines are printed above it, and when the
// run ends the area is cleared: the final screen holds the plan, the event
// lines and the whole summary after them, and no live line.
func TestApplyProgressOnTerminal(t *testing.T) {
	t.Parallel() // waits for simulated restarts, like the scripts
	fleet := simtest.Start(t, slowRolloutLab("3s"))
	conf := slowRolloutConfig(t, fleet, "30s")
	term, cmd := startOnTerminal(t, "-chdir="+conf, "apply", "-auto-approve")

	wait := regexp.MustCompile(`^  xsp1: waiting for OpenClientServer to become healthy (\d+)s/30s$`)
	head := regexp.MustCompile(`^batch 1/2 · 0/2 hosts done, 0 failed, 2 remaining · \d+s elapsed$`)
	seconds := func(lines []string) int {
		i := indexOf(lines, wait)
		if i < 0 {
			return -1
		}
		n, _ := strconv.Atoi(wait.FindStringSubmatch(lines[i])[1])
		return n
	}
	first, err := term.WaitFor(30*time.Second, "xsp1's health wait", func(lines []string) bool { return seconds(lines) >= 0 })
	if err != nil {
		t.Fatal(err)
	}
	second, err := term.WaitFor(30*time.Second, "the wait's elapsed time to grow", func(lines []string) bool { return seconds(lines) > seconds(first) })
	if err != nil {
		t.Fatal(err)
	}
	for _, snap := range [][]string{first, second} {
		// The live area is the last lines of the screen, its headline
		// first, below the event lines.
		n := len(snap)
		if n < 3 || !head.MatchString(snap[n-2]) || !wait.MatchString(snap[n-1]) ||
			!regexp.MustCompile(`^\[ *[0-9.]+s\] xsp1: .*restarting OpenClientServer`).MatchString(snap[n-3]) {
			t.Errorf("wrong screen during the wait: want the restart's event line, then the headline and the wait:\n%s", strings.Join(snap, "\n"))
		}
	}
	t.Logf("during the wait:\n%s\n...\n%s", strings.Join(first[len(first)-3:], "\n"), strings.Join(second[len(second)-3:], "\n"))

	if code := waitExit(t, term, cmd); code != exitOK {
		t.Fatalf("wrong exit code %d; the screen shows:\n%s", code, strings.Join(term.Lines(), "\n"))
	}
	lines := term.Lines()
	checkCleanScreen(t, term, lines)
	plan := indexOf(lines, regexp.MustCompile(`^Plan: 2 hosts to change \(2 attributes\), 2 restarts\. 0 hosts in the desired state\.$`))
	healthy := indexOf(lines, regexp.MustCompile(`^\[ *[0-9.]+s\] xsp2: .*healthy after [0-9.]+s`))
	n := len(lines)
	if plan < 0 || healthy < plan || n < 3 || lines[n-3] != "" ||
		lines[n-2] != "Apply complete: 2 hosts changed, 0 unchanged, 0 failed, 0 untouched." ||
		!regexp.MustCompile(`^Revert plan: \S+/revert\.json$`).MatchString(lines[n-1]) {
		t.Errorf("wrong final screen: want the plan, the event lines, then the summary at the end:\n%s", strings.Join(lines, "\n"))
	}
	if !regexp.MustCompile(`read \d/2 hosts`).MatchString(term.Raw()) {
		t.Error("the read pass showed no progress")
	}
	if got := len(fleet.Commands()); got == 0 {
		t.Error("the simulator received no command")
	}
	for _, h := range []string{"xsp1", "xsp2"} {
		restarts := 0
		for _, c := range fleet.Commands() {
			if c.Host == h && c.Kind == "shell" && c.Line == "restartbw OpenClientServer" {
				restarts++
			}
		}
		if restarts != 1 {
			t.Errorf("%s: wrong result\ngot: %d restarts\nwant: 1", h, restarts)
		}
	}
}

// Ctrl-C during a health wait on a terminal: apply stops as documented
// (exit 3, the host interrupted, its restart pending) and leaves the
// terminal clean, the live area cleared before the summary.
func TestApplyInterruptedOnTerminal(t *testing.T) {
	t.Parallel() // waits for simulated restarts, like the scripts
	fleet := simtest.Start(t, slowRolloutLab("60s"))
	conf := slowRolloutConfig(t, fleet, "2m")
	term, cmd := startOnTerminal(t, "-chdir="+conf, "apply", "-auto-approve")
	if _, err := term.WaitFor(30*time.Second, "xsp1's health wait", func(lines []string) bool {
		return indexOf(lines, regexp.MustCompile(`^  xsp1: waiting for OpenClientServer to become healthy \d+s/2m$`)) >= 0
	}); err != nil {
		t.Fatal(err)
	}
	// The terminal turns the ^C typed into SIGINT for bwstate.
	if err := term.Type("\x03"); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, term, cmd); code != exitPartial {
		t.Fatalf("wrong exit code %d; the screen shows:\n%s", code, strings.Join(term.Lines(), "\n"))
	}
	lines := term.Lines()
	checkCleanScreen(t, term, lines)
	n := len(lines)
	want := []string{
		"",
		"Apply incomplete: 1 host changed, 0 unchanged, 0 failed, 1 untouched, 1 interrupted.",
		"  xsp1 interrupted (changed): stopped while waiting for OpenClientServer to become healthy; the restart stays pending",
		"  xsp2 untouched: not started: the run was interrupted",
	}
	if n < len(want)+2 || strings.Join(lines[n-len(want)-2:n-2], "\n") != strings.Join(want, "\n") {
		t.Errorf("wrong final screen: want the summary at the end:\n%s\n\ngot:\n%s", strings.Join(want, "\n"), strings.Join(lines, "\n"))
	}
}

// On a terminal, NO_COLOR, TERM=dumb and -no-color turn the live area off:
// no escape code at all, and status lines at the interval as in a log.
func TestApplyProgressPlainOnTerminal(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		env  []string
		flag []string
	}{
		"NO_COLOR":  {env: []string{"NO_COLOR=1"}},
		"TERM=dumb": {env: []string{"TERM=dumb"}},
		"-no-color": {flag: []string{"-no-color"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fleet := simtest.Start(t, slowRolloutLab("1500ms"))
			conf := slowRolloutConfig(t, fleet, "30s")
			env := append([]string{"BWSTATE_PROGRESS_INTERVAL=300ms"}, tc.env...)
			term, cmd := startOnTerminalEnv(t, env, append([]string{"-chdir=" + conf, "apply", "-auto-approve"}, tc.flag...)...)
			if code := waitExit(t, term, cmd); code != exitOK {
				t.Fatalf("wrong exit code %d; the screen shows:\n%s", code, strings.Join(term.Lines(), "\n"))
			}
			if raw := term.Raw(); strings.Contains(raw, "\x1b") {
				t.Errorf("escape codes written: %q", raw)
			}
			lines := term.Lines()
			if indexOf(lines, regexp.MustCompile(`^\[ *[0-9.]+s\] waiting: xsp1 OpenClientServer healthy\? \d+s/30s; batch 1/2; `)) < 0 {
				t.Errorf("no status line during the health wait:\n%s", strings.Join(lines, "\n"))
			}
			if n := len(lines); n < 2 || lines[n-2] != "Apply complete: 2 hosts changed, 0 unchanged, 0 failed, 0 untouched." {
				t.Errorf("wrong final screen: want the summary at the end:\n%s", strings.Join(lines, "\n"))
			}
		})
	}
}
