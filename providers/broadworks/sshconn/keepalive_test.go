package sshconn

import (
	"errors"
	"io"
	"testing"
	"time"
)

// A peer that stops answering keepalives is declared dead: the client
// closes, and a read blocked on it returns instead of hanging an apply.
func TestKeepAliveDetectsDeadPeer(t *testing.T) {
	e := newEnv(t)
	e.setenv("PW", "pw")
	s := newTestServer(t, serverOptions{password: "pw"})
	e.trust(s)
	d := e.dialer(Options{KeepAliveInterval: 20 * time.Millisecond, KeepAliveMax: 3})
	c, err := d.Dial(stepContext(t), Target{Alias: "xsp1", Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// While the peer answers, the connection stays up.
	waitFor(t, "keepalives to be answered", func() bool { return s.keepalives.Load() >= 5 })
	select {
	case <-c.Done():
		t.Fatalf("client closed while the peer answered: %v", c.Err())
	default:
	}

	sh, err := OpenShell(stepContext(t), c, ShellOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	read := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(sh.Stdout)
		read <- err
	}()

	s.dropKeepalives.Store(true)
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("client still open 10s after the peer stopped answering")
	}
	if err := c.Err(); !errors.Is(err, ErrKeepAliveTimeout) {
		t.Errorf("wrong result\ngot: %v\nwant: %v", err, ErrKeepAliveTimeout)
	}
	select {
	case <-read:
	case <-time.After(10 * time.Second):
		t.Fatal("read still blocked after the client closed")
	}
	if _, err := c.NewSession(); err == nil {
		t.Error("wrong result\ngot: a new session on a dead connection\nwant: an error")
	}
}

// Keepalives stop when the client closes, and an ordinary Close leaves no
// error behind.
func TestKeepAliveStopsOnClose(t *testing.T) {
	e := newEnv(t)
	e.setenv("PW", "pw")
	s := newTestServer(t, serverOptions{password: "pw"})
	e.trust(s)
	d := e.dialer(Options{KeepAliveInterval: 10 * time.Millisecond})
	c, err := d.Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a keepalive", func() bool { return s.keepalives.Load() >= 1 })
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Err(); err != nil {
		t.Errorf("wrong result\ngot: %v\nwant: nil after Close", err)
	}
	// checkGoroutines (from newEnv) fails the test if the keepalive
	// goroutine outlives the client.
}
