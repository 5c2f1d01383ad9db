package sshconn

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOpenShell(t *testing.T) {
	e := newEnv(t)
	e.setenv("PW", "pw")
	s := newTestServer(t, serverOptions{password: "pw"})
	e.trust(s)
	c, err := e.dialer(Options{}).Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	sh, err := OpenShell(stepContext(t), c, ShellOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	s.mu.Lock()
	ptys := append([]ptyReq(nil), s.ptys...)
	s.mu.Unlock()
	if diff := cmp.Diff([]ptyReq{{Term: "vt100", Cols: 512, Rows: 200}}, ptys); diff != "" {
		t.Errorf("wrong pty (-want +got):\n%s", diff)
	}

	if _, err := io.WriteString(sh.Stdin, "show\nexit\n"); err != nil {
		t.Fatal(err)
	}
	// stdout and stderr both arrive on Stdout, and it ends when the shell
	// does.
	var lines []string
	sc := bufio.NewScanner(sh.Stdout)
	for sc.Scan() {
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"err: show", "out: show"}
	if diff := cmp.Diff(want, lines, cmpSorted); diff != "" {
		t.Errorf("wrong output (-want +got):\n%s", diff)
	}
	if err := sh.Wait(); err != nil {
		t.Errorf("wrong result\ngot: %v\nwant: exit status 0", err)
	}
	if err := sh.Close(); err != nil {
		t.Errorf("close after exit: %v", err)
	}
}

func TestOpenShellCancelled(t *testing.T) {
	e := newEnv(t)
	e.setenv("PW", "pw")
	s := newTestServer(t, serverOptions{password: "pw"})
	e.trust(s)
	c, err := e.dialer(Options{}).Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = OpenShell(ctx, c, ShellOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("wrong result\ngot: %v\nwant: context canceled", err)
	}
}
