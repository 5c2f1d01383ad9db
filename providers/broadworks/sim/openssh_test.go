package sim

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const opensshBinary = "/usr/bin/ssh"

// TestOpenSSHClient drives the founding case through the system's OpenSSH
// client, unmodified, with the lab's key and known_hosts: a real client
// cannot tell the simulator from a BroadWorks host at this level.
func TestOpenSSHClient(t *testing.T) {
	if _, err := os.Stat(opensshBinary); err != nil {
		t.Skipf("%s is missing (install openssh-client to run this test): %v", opensshBinary, err)
	}
	f := startTestFleet(t, `
sim_host "xsp1" {
  listen        = "127.0.0.1:0"
  type          = "xsp"
  release       = "Rel_22.0_1.1123"
  restart_delay = "300ms"
  context "Applications/OpenClientServer/CAPProxy" {
    enabled = true
  }
}
`, Options{})
	h := f.Host("xsp1")
	ip, port, err := net.SplitHostPort(h.Addr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, opensshBinary, "-tt", "-F", "/dev/null",
		"-p", port, "-i", f.ClientKeyPath(),
		"-o", "UserKnownHostsFile="+f.KnownHostsPath(), "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
		"bwadmin@"+ip)
	stdin, w := io.Pipe()
	var out syncBuffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		_ = w.Close()
		<-waited
	})

	const timeout = 15 * time.Second
	pos := 0
	// step types a line and returns the output up to the next occurrence
	// of want.
	step := func(line, want string) string {
		t.Helper()
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			t.Fatalf("write %q: %v", line, err)
		}
		start := pos
		pos = waitFor(t, &out, pos, want, timeout)
		return out.String()[start:pos]
	}
	pos = waitFor(t, &out, 0, "bwadmin@xsp1$ ", timeout)
	step("bwcli", "XSP_CLI> ")
	capPrompt := "XSP_CLI/Applications/OpenClientServer/CAPProxy> "
	step("cd /Applications/OpenClientServer/CAPProxy", capPrompt)
	got := step("get", capPrompt)
	for _, want := range []string{"  enabled = true\r\n", "  serverPort = 2206\r\n", "  numConnections = 1\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("get output lacks %q:\n%s", want, got)
		}
	}
	got = step("set enabled false", capPrompt)
	if !strings.Contains(got, textRestartWarning) {
		t.Errorf("set output lacks the restart warning:\n%s", got)
	}
	if diff := cmp.Diff([]string{"OpenClientServer"}, h.PendingRestarts()); diff != "" {
		t.Errorf("wrong pending restarts (-want +got):\n%s", diff)
	}
	step("exit", textConfirm)
	got = step("y", "bwadmin@xsp1$ ")
	if !strings.Contains(got, textSessionEnding) {
		t.Errorf("exit output lacks %q:\n%s", textSessionEnding, got)
	}
	step("restartbw OpenClientServer", "bwadmin@xsp1$ ")
	deadline := time.Now().Add(timeout)
	for {
		got = step("healthmon -l", "bwadmin@xsp1$ ")
		if strings.Contains(got, "Report severity       : NOTIFICATION") && strings.Contains(got, "No abnormal condition detected.") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthmon never reported NOTIFICATION; last report:\n%s", got)
		}
	}
	step("exit", "logout")
	_ = w.Close()
	select {
	case err := <-waited:
		waited <- err
		if err != nil {
			t.Errorf("ssh exited with %v; output:\n%s", err, out.String())
		}
	case <-time.After(timeout):
		t.Fatalf("ssh did not exit after logout")
	}

	// What the server saw, independent of what the client printed.
	if got := h.PendingRestarts(); len(got) != 0 {
		t.Errorf("restart still pending after restartbw: %v", got)
	}
	if n := h.RestartCount("OpenClientServer"); n != 1 {
		t.Errorf("wrong restart count\ngot: %d\nwant: 1", n)
	}
	if v, _ := h.Value("Applications/OpenClientServer/CAPProxy", "enabled"); v != "false" {
		t.Errorf("wrong stored CAPProxy.enabled\ngot: %q\nwant: \"false\"", v)
	}
	if al := h.Alarms(); len(al) != 0 {
		t.Errorf("CAP alarm not cleared by the restart with CAP disabled: %+v", al)
	}
	var lines []string
	for _, c := range h.Commands() {
		if c.Line != "healthmon -l" {
			lines = append(lines, c.Kind+" "+c.Line)
		}
	}
	want := []string{
		"shell bwcli", "cli cd /Applications/OpenClientServer/CAPProxy", "cli get", "cli set enabled false",
		"cli exit", "cli y", "shell restartbw OpenClientServer", "shell exit",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("wrong recorded commands (-want +got):\n%s", diff)
	}
}
