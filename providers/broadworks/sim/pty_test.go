package sim

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
)

// TestInteractiveLineEditing types at the lab's shell over SSH with an
// 80-column PTY, one key at a time as a person does, waiting for each
// echo: Up recalls a command, Left and a typed character edit it in the
// middle, a line longer than the terminal wraps, bwcli's Up recalls only
// bwcli commands, a resize is honoured. What runs, and what the command
// log holds, is what was typed: no escape sequence ever reaches them.
func TestInteractiveLineEditing(t *testing.T) {
	f := startTestFleet(t, `
sim_host "xsp1" {
  listen  = "127.0.0.1:0"
  type    = "xsp"
  release = "Rel_22.0_1.1123"
  motd    = ""
}
`, Options{})
	client := dialTest(t, f, f.Host("xsp1"), passwordAuth())
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm", 24, 80, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	sess.Stdout = &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	const wait = 10 * time.Second
	at := waitFor(t, &out, 0, "bwadmin@xsp1$ ", wait)
	// typeKeys sends each key in its own write and waits until the
	// terminal has answered the last one.
	typeKeys := func(keys []string, until string) {
		t.Helper()
		for _, k := range keys {
			if _, err := stdin.Write([]byte(k)); err != nil {
				t.Fatal(err)
			}
		}
		at = waitFor(t, &out, at, until, wait)
	}
	chars := func(s string) []string { return strings.Split(s, "") }

	typeKeys(append(chars("echo hello"), "\r"), "hello\r\nbwadmin@xsp1$ ")
	// Up recalls it; Left five times puts the cursor before "hello", and
	// what is typed there is inserted.
	typeKeys([]string{"\x1b[A"}, "echo hello")
	typeKeys(append([]string{"\x1b[D", "\x1b[D", "\x1b[D", "\x1b[D", "\x1b[D"}, append(chars("big "), "\r")...), "big hello\r\nbwadmin@xsp1$ ")
	// 86 characters after the 14-character prompt wrap at column 80.
	long := "echo " + strings.Repeat("x", 81)
	typeKeys(append(chars(long), "\r"), strings.Repeat("x", 81)+"\r\nbwadmin@xsp1$ ")
	// Down at the end of history brings nothing; a resize is taken.
	if ok, err := sess.SendRequest("window-change", true, ssh.Marshal(struct{ Cols, Rows, Wx, Wy uint32 }{120, 40, 0, 0})); err != nil || !ok {
		t.Fatalf("window-change: %v %v", ok, err)
	}
	typeKeys(append([]string{"\x1b[B"}, append(chars("bwcli"), "\r")...), "XSP_CLI> ")
	typeKeys(append(chars("cd /Interface"), "\r"), "XSP_CLI/Interface> ")
	// bwcli's Up: its own last command, never the shell's.
	typeKeys([]string{"\x1b[A"}, "cd /Interface")
	typeKeys([]string{"\x1b[A", "\r"}, "XSP_CLI/Interface> ")
	typeKeys(append(chars("exit"), "\r"), "Please confirm (Yes, Y, No, N): ")
	typeKeys([]string{"y", "\r"}, "bwadmin@xsp1$ ")
	// Back at the shell, Up finds the shell's history again.
	typeKeys([]string{"\x1b[A", "\x1b[A"}, long)
	typeKeys([]string{"\x15"}, "")
	typeKeys(append(chars("exit"), "\r"), "logout")
	_ = stdin.Close()
	_ = sess.Wait()

	got := out.String()
	// The prompt takes 14 columns: the line wraps after 61 x.
	if !strings.Contains(got, "bwadmin@xsp1$ echo "+strings.Repeat("x", 61)+"\r\n"+strings.Repeat("x", 20)+"\r\n") {
		t.Errorf("the long line did not wrap at 80 columns:\n%q", got)
	}
	want := []string{
		"xsp1 shell echo hello",
		"xsp1 shell echo big hello",
		"xsp1 shell " + long,
		"xsp1 shell bwcli",
		"xsp1 cli cd /Interface",
		"xsp1 cli cd /Interface",
		"xsp1 cli exit",
		"xsp1 cli y",
		"xsp1 shell exit",
	}
	var cmds []string
	for _, c := range f.Commands() {
		cmds = append(cmds, c.Host+" "+c.Kind+" "+c.Line)
	}
	if diff := cmp.Diff(want, cmds); diff != "" {
		t.Errorf("wrong commands (-want +got):\n%s\noutput:\n%q", diff, got)
	}
	log, err := os.ReadFile(f.CommandLogPath())
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(string(log), "\x1b\x7f\x15") {
		t.Errorf("the command log holds control characters:\n%q", log)
	}
}
