package sim

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/bwstate/bwstate/internal/leaktest"
)

const oneHostLab = `
sim_host "xsp1" {
  listen        = "127.0.0.1:0"
  type          = "xsp"
  release       = "Rel_22.0_1.1123"
  restart_delay = "0s"
}
`

// shellSession opens a non-PTY shell whose stdin the test writes.
func shellSession(t *testing.T, c *ssh.Client, pty bool) (io.WriteCloser, *syncBuffer, *ssh.Session) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	if pty {
		if err := sess.RequestPty("vt100", 40, 200, ssh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	sess.Stdout, sess.Stderr = &out, &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return in, &out, sess
}

func keyboardInteractive(answer string) ssh.AuthMethod {
	return ssh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
		if len(questions) != 1 || questions[0] != "Password: " || echos[0] {
			return nil, errors.New("unexpected challenge")
		}
		return []string{answer}, nil
	})
}

func TestAuthentication(t *testing.T) {
	f := startTestFleet(t, oneHostLab, Options{})
	h := f.Host("xsp1")
	tests := map[string]struct {
		user   string
		auth   func() ssh.AuthMethod
		reject bool
		ok     bool
	}{
		"client key":                {user: "bwadmin", auth: func() ssh.AuthMethod { return keyAuth(t, f) }, ok: true},
		"password":                  {user: "bwadmin", auth: passwordAuth, ok: true},
		"keyboard-interactive":      {user: "bwadmin", auth: func() ssh.AuthMethod { return keyboardInteractive("bwadmin") }, ok: true},
		"wrong password":            {user: "bwadmin", auth: func() ssh.AuthMethod { return ssh.Password("admin") }},
		"wrong interactive answer":  {user: "bwadmin", auth: func() ssh.AuthMethod { return keyboardInteractive("x") }},
		"other user with key":       {user: "root", auth: func() ssh.AuthMethod { return keyAuth(t, f) }},
		"other key":                 {user: "bwadmin", auth: otherKey(t)},
		"reject_auth key":           {user: "bwadmin", auth: func() ssh.AuthMethod { return keyAuth(t, f) }, reject: true},
		"reject_auth password":      {user: "bwadmin", auth: passwordAuth, reject: true},
		"reject_auth interactive":   {user: "bwadmin", auth: func() ssh.AuthMethod { return keyboardInteractive("bwadmin") }, reject: true},
		"key after reject_auth off": {user: "bwadmin", auth: func() ssh.AuthMethod { return keyAuth(t, f) }, ok: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h.SetFaults(Faults{RejectAuth: tc.reject})
			cfg := clientConfig(t, f, tc.auth())
			cfg.User = tc.user
			c, err := ssh.Dial("tcp", h.Addr(), cfg)
			if c != nil {
				_ = c.Close()
			}
			if tc.ok != (err == nil) {
				t.Errorf("wrong result\ngot: %v\nwant success: %v", err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "unable to authenticate") {
				t.Errorf("wrong error\ngot: %v\nwant: an authentication failure", err)
			}
		})
	}
}

func otherKey(t *testing.T) func() ssh.AuthMethod {
	return func() ssh.AuthMethod {
		s, err := newEphemeralSigner()
		if err != nil {
			t.Fatal(err)
		}
		return ssh.PublicKeys(s)
	}
}

var knownHostsLine = regexp.MustCompile(`^\[127\.\d+\.\d+\.\d+\]:\d+ ssh-ed25519 AAAA[A-Za-z0-9+/=]+$`)

// TestStateFilesAndStableKeys checks the files a lab writes and that host
// and client keys survive a restart of the lab with the same state dir.
func TestStateFilesAndStableKeys(t *testing.T) {
	dir := t.TempDir()
	lab := parseTestLab(t, oneHostLab+strings.Replace(oneHostLab, "xsp1", "xsp2", 1))
	start := func() (*Fleet, map[string]string) {
		f, err := Start(lab, Options{StateDir: dir, BindIP: testIP(t)})
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(f.KnownHostsPath())
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]string{}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 2 {
			t.Fatalf("wrong known_hosts\ngot: %q\nwant: two lines", data)
		}
		for i, line := range lines {
			if !knownHostsLine.MatchString(line) {
				t.Errorf("known_hosts line %q is not [IP]:PORT ssh-ed25519 KEY", line)
			}
			addr, key, _ := strings.Cut(line, " ")
			if want := "[" + strings.Replace(f.Hosts()[i].Addr(), ":", "]:", 1); addr != want {
				t.Errorf("wrong known_hosts address\ngot: %s\nwant: %s", addr, want)
			}
			keys[f.Hosts()[i].Name()] = key
		}
		return f, keys
	}
	f, keys1 := start()
	if keys1["xsp1"] == keys1["xsp2"] {
		t.Errorf("two hosts share a host key")
	}
	priv, err := os.ReadFile(f.ClientKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(priv, []byte("-----BEGIN OPENSSH PRIVATE KEY-----")) {
		t.Errorf("client key is not in OpenSSH format: %.40q", priv)
	}
	if st, _ := os.Stat(f.ClientKeyPath()); st.Mode().Perm() != 0o600 {
		t.Errorf("wrong client key mode\ngot: %v\nwant: 0600", st.Mode().Perm())
	}
	pub, _ := os.ReadFile(f.ClientKeyPath() + ".pub")
	if !bytes.HasPrefix(pub, []byte("ssh-ed25519 AAAA")) {
		t.Errorf("wrong public key file: %q", pub)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f2, keys2 := start()
	defer f2.Close()
	if diff := cmp.Diff(keys1, keys2); diff != "" {
		t.Errorf("host keys changed across restarts (-first +second):\n%s", diff)
	}
	priv2, _ := os.ReadFile(f2.ClientKeyPath())
	if !bytes.Equal(priv, priv2) {
		t.Errorf("client key changed across restarts")
	}
	dialTest(t, f2, f2.Host("xsp2"), keyAuth(t, f2))
}

func TestWrongHostKeyFault(t *testing.T) {
	f := startTestFleet(t, oneHostLab, Options{})
	h := f.Host("xsp1")
	h.SetFaults(Faults{WrongHostKey: true})
	_, err := ssh.Dial("tcp", h.Addr(), clientConfig(t, f, passwordAuth()))
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) || len(ke.Want) == 0 {
		t.Fatalf("wrong result\ngot: %v\nwant: a knownhosts.KeyError reporting a changed key", err)
	}
	h.SetFaults(Faults{})
	dialTest(t, f, h, passwordAuth())
}

func TestRefuseFault(t *testing.T) {
	f := startTestFleet(t, oneHostLab, Options{})
	h := f.Host("xsp1")
	h.SetFaults(Faults{Refuse: true})
	if c, err := ssh.Dial("tcp", h.Addr(), clientConfig(t, f, passwordAuth())); err == nil {
		_ = c.Close()
		t.Fatal("connection was not refused")
	}
	h.SetFaults(Faults{})
	dialTest(t, f, h, passwordAuth())
}

// TestFaultsFlipMidSession changes faults on a live bwcli session: the
// next set fails with the given text, later ones succeed, and the
// connection drops when drop_after is reached.
func TestFaultsFlipMidSession(t *testing.T) {
	f := startTestFleet(t, oneHostLab, Options{})
	h := f.Host("xsp1")
	c := dialTest(t, f, h, passwordAuth())
	in, out, sess := shellSession(t, c, true)
	const prompt = "XSP_CLI/Interface/SNMP/Agent> "
	send := func(line, want string, pos int) int {
		t.Helper()
		if _, err := io.WriteString(in, line+"\n"); err != nil {
			t.Fatal(err)
		}
		return waitFor(t, out, pos, want, 10*time.Second)
	}
	pos := waitFor(t, out, 0, "bwadmin@xsp1$ ", 10*time.Second)
	pos = send("bwcli", "XSP_CLI> ", pos)
	pos = send("cd /Interface/SNMP/Agent", prompt, pos)
	h.SetFaults(Faults{FailNextSet: "[Error] injected failure"})
	pos = send("set port 9000", "[Error] injected failure", pos)
	if f := h.Faults(); f.FailNextSet != "" {
		t.Errorf("fail_next_set was not consumed: %+v", f)
	}
	pos = send("set port 9001", "...Done", pos)
	if v, _ := h.Value("Interface/SNMP/Agent", "port"); v != "9001" {
		t.Errorf("wrong stored port\ngot: %s\nwant: 9001", v)
	}
	// Four commands so far on this connection; the fifth drops it.
	h.SetFaults(Faults{DropAfter: 4})
	if _, err := io.WriteString(in, "get\n"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("session ended cleanly, want a dropped connection")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("connection was not dropped")
	}
	if strings.Contains(out.String()[pos:], "port = 9001") {
		t.Errorf("the command after drop_after was run:\n%s", out.String()[pos:])
	}
	last := h.Commands()[len(h.Commands())-1]
	if last.Line != "set port 9001" {
		t.Errorf("wrong last recorded command\ngot: %q\nwant: \"set port 9001\"", last.Line)
	}
}

// TestLatencyDelaysReplies: with latency the command is recorded at once
// but its reply waits; closing the client ends the wait. The delay itself
// is measured by the benchmarks, not asserted here.
func TestLatencyDelaysReplies(t *testing.T) {
	tests := map[string]struct {
		faults Faults
		line   string
		kind   string
	}{
		"latency":     {Faults{Latency: time.Hour}, "bwshowver", "shell"},
		"bwcli delay": {Faults{BwcliDelay: time.Hour}, "bwcli", "shell"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := startTestFleet(t, oneHostLab, Options{})
			h := f.Host("xsp1")
			h.SetFaults(tc.faults)
			c := dialTest(t, f, h, passwordAuth())
			in, out, _ := shellSession(t, c, false)
			if _, err := io.WriteString(in, tc.line+"\n"); err != nil {
				t.Fatal(err)
			}
			eventually(t, 10*time.Second, "the command is recorded", func() bool { return len(h.Commands()) == 1 })
			if got := out.String(); got != "" {
				t.Errorf("reply arrived before the delay: %q", got)
			}
			_ = c.Close()
			// Cleanup's Close waits for the session; it must not wait an hour.
		})
	}
}

func TestGarbageFault(t *testing.T) {
	f := startTestFleet(t, oneHostLab, Options{})
	h := f.Host("xsp1")
	c := dialTest(t, f, h, passwordAuth())
	run := func() []byte {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		out, err := sess.Output("showrun")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	clean := run()
	h.SetFaults(Faults{Garbage: true})
	dirty := run()
	if !bytes.HasPrefix(dirty, clean) {
		t.Fatalf("garbage changed the command's own output:\n%q\n%q", clean, dirty)
	}
	extra := dirty[len(clean):]
	if len(extra) < 9 || extra[len(extra)-1] != '\n' || bytes.ContainsAny(extra[:len(extra)-1], "\r\n") {
		t.Errorf("garbage is not one line of random bytes: %q", extra)
	}
	h.SetFaults(Faults{})
	if got := run(); !bytes.Equal(got, clean) {
		t.Errorf("garbage after the fault was turned off: %q", got)
	}
}

// TestJumpHost uses one simulated host as a jump host to reach another
// (ssh -J), and checks that forwarding beyond loopback is refused.
func TestJumpHost(t *testing.T) {
	f := startTestFleet(t, oneHostLab+strings.Replace(oneHostLab, "xsp1", "xsp2", 1), Options{})
	jump := dialTest(t, f, f.Host("xsp1"), keyAuth(t, f))
	target := f.Host("xsp2")
	conn, err := jump.Dial("tcp", target.Addr())
	if err != nil {
		t.Fatal(err)
	}
	cc, chans, reqs, err := ssh.NewClientConn(conn, target.Addr(), clientConfig(t, f, keyAuth(t, f)))
	if err != nil {
		t.Fatal(err)
	}
	client := ssh.NewClient(cc, chans, reqs)
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.Output("bwshowver")
	if err != nil || !strings.HasPrefix(string(out), "XSP version Rel_22.0_1.1123") {
		t.Errorf("wrong result through the jump host\ngot: %q, %v\nwant: bwshowver output", out, err)
	}
	if got := target.Commands(); len(got) != 1 || got[0].Line != "bwshowver" {
		t.Errorf("wrong commands on the target: %+v", got)
	}
	if got := f.Host("xsp1").Commands(); len(got) != 0 {
		t.Errorf("the jump host ran commands: %+v", got)
	}
	_, err = jump.Dial("tcp", "192.0.2.1:22")
	var oe *ssh.OpenChannelError
	if !errors.As(err, &oe) || oe.Reason != ssh.Prohibited {
		t.Errorf("wrong result\ngot: %v\nwant: a prohibited open channel error", err)
	}
}

func TestExecAndRequests(t *testing.T) {
	f := startTestFleet(t, oneHostLab, Options{})
	c := dialTest(t, f, f.Host("xsp1"), passwordAuth())
	tests := map[string]struct {
		cmd    string
		status int
		out    string
	}{
		"tool":          {"bwshowver", 0, "XSP version Rel_22.0_1.1123\n"},
		"unknown":       {"frobnicate", 127, ""},
		"usage":         {"healthmon", 1, "Usage: healthmon -l\n"},
		"chained":       {"showrun; frobnicate", 127, "Application"},
		"bwcli no tty":  {"bwcli", 0, "XSP_CLI> "},
		"exit statuses": {"exit", 0, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			if err := sess.Setenv("LANG", "C"); err != nil {
				t.Errorf("env request refused: %v", err)
			}
			var stdout bytes.Buffer
			sess.Stdout = &stdout
			err = sess.Run(tc.cmd)
			status := 0
			var ee *ssh.ExitError
			if errors.As(err, &ee) {
				status = ee.ExitStatus()
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tc.status || !strings.Contains(stdout.String(), tc.out) {
				t.Errorf("wrong result\ngot: %d %q\nwant: %d, containing %q", status, stdout.String(), tc.status, tc.out)
			}
		})
	}
	t.Run("window change", func(t *testing.T) {
		in, out, sess := shellSession(t, c, true)
		pos := waitFor(t, out, 0, "$ ", 10*time.Second)
		if err := sess.WindowChange(50, 132); err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(in, "showrun\n")
		waitFor(t, out, pos, "$ ", 10*time.Second)
	})
}

// TestCommandLog checks commands.log: one `HOST shell|cli COMMAND` line
// per command, kept and appended to across lab restarts.
func TestCommandLog(t *testing.T) {
	dir := t.TempDir()
	lab := parseTestLab(t, oneHostLab)
	for round := 0; round < 2; round++ {
		f, err := Start(lab, Options{StateDir: dir, BindIP: testIP(t)})
		if err != nil {
			t.Fatal(err)
		}
		c := dialTest(t, f, f.Host("xsp1"), passwordAuth())
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		sess.Stdin = strings.NewReader("cd /System;get\nexit\ny\n")
		if _, err := sess.Output("bwcli"); err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "commands.log"))
	if err != nil {
		t.Fatal(err)
	}
	one := "xsp1 shell bwcli\nxsp1 cli cd /System\nxsp1 cli get\nxsp1 cli exit\nxsp1 cli y\n"
	if diff := cmp.Diff(one+one, string(data)); diff != "" {
		t.Errorf("wrong commands.log (-want +got):\n%s", diff)
	}
}

// TestCloseEndsSessions closes a fleet with a client in the middle of a
// bwcli session and a restart timer pending: Close returns, the address is
// free, and no goroutine is left behind.
func TestCloseEndsSessions(t *testing.T) {
	leaks := leaktest.Baseline(t, 10*time.Second)
	f, err := Start(parseTestLab(t, strings.Replace(oneHostLab, `"0s"`, `"1h"`, 1)), Options{StateDir: t.TempDir(), BindIP: testIP(t)})
	if err != nil {
		t.Fatal(err)
	}
	h := f.Host("xsp1")
	c, err := ssh.Dial("tcp", h.Addr(), clientConfig(t, f, passwordAuth()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	in, out, _ := shellSession(t, c, true)
	_, _ = io.WriteString(in, "restartbw WebContainer\nbwcli\n")
	waitFor(t, out, 0, "XSP_CLI> ", 10*time.Second)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if !freeAddr(h.Addr()) {
		t.Errorf("%s still accepts connections after Close", h.Addr())
	}
	_ = c.Close()
	leaks()
}

func TestStartListenError(t *testing.T) {
	ln, err := net.Listen("tcp", testIP(t)+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	src := strings.Replace(oneHostLab, "127.0.0.1:0", "127.0.0.1:"+port, 1)
	_, err = Start(parseTestLab(t, src), Options{StateDir: t.TempDir(), BindIP: testIP(t)})
	if err == nil || !strings.Contains(err.Error(), "start lab: host xsp1: listen tcp") {
		t.Errorf("wrong result\ngot: %v\nwant: a listen error naming the host", err)
	}
}

// TestKnownHostsPort22 checks the known_hosts form for the standard port:
// a plain address, as OpenSSH writes it.
func TestKnownHostsPort22(t *testing.T) {
	f, err := newFleet(parseTestLab(t, oneHostLab), Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	h := f.Host("xsp1")
	h.addr = "127.0.0.1:22"
	if h.signer, err = newEphemeralSigner(); err != nil {
		t.Fatal(err)
	}
	if err := f.writeKnownHosts(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f.KnownHostsPath())
	if !strings.HasPrefix(string(data), "127.0.0.1 ssh-ed25519 AAAA") {
		t.Errorf("wrong result\ngot: %q\nwant: a line starting 127.0.0.1 ssh-ed25519", data)
	}
}

// TestStateSurvivesReconnect: what one connection changes, the next sees.
func TestStateSurvivesReconnect(t *testing.T) {
	f := startTestFleet(t, oneHostLab, Options{})
	h := f.Host("xsp1")
	run := func(input string) string {
		c := dialTest(t, f, h, passwordAuth())
		defer c.Close()
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		sess.Stdin = strings.NewReader(input)
		out, err := sess.Output("bwcli")
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	run("cd /System/ManagementAccessList;add 10.1.2.3 description lab\nexit;y\n")
	out := run("cd /System/ManagementAccessList;get\nexit;y\n")
	if !strings.Contains(out, "\n  10.1.2.3          lab\n") {
		t.Errorf("the row added by the first connection is missing:\n%s", out)
	}
}
