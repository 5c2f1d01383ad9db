package sshconn

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestJumpChains(t *testing.T) {
	tests := map[string]struct {
		hops int
	}{
		"one hop":  {hops: 1},
		"two hops": {hops: 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.setenv("PW", "pw")
			var jumps []*testServer
			var spec []string
			for range tc.hops {
				j := newTestServer(t, serverOptions{password: "pw"})
				e.trust(j)
				jumps = append(jumps, j)
				spec = append(spec, "ops@"+j.addr())
			}
			s := newTestServer(t, serverOptions{password: "pw"})
			e.trust(s)
			d := e.dialer(Options{})
			c, err := d.Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "bwadmin", PasswordEnv: "PW", KnownHostsFile: e.knownHosts, Jump: strings.Join(spec, ",")})
			if err != nil {
				t.Fatalf("wrong result\ngot: %v\nwant: a connection", err)
			}
			defer c.Close()
			for i, j := range jumps {
				if got := j.conns.Load(); got != 1 {
					t.Errorf("jump %d: wrong result\ngot: %d connections\nwant: 1", i, got)
				}
				if got := j.forwards.Load(); got != 1 {
					t.Errorf("jump %d: wrong result\ngot: %d forwards\nwant: 1", i, got)
				}
				if got := j.logins(); len(got) != 1 || got[0] != "ops password" {
					t.Errorf("jump %d: wrong result\ngot: %q\nwant: [ops password]", i, got)
				}
			}
			if got := s.logins(); len(got) != 1 || got[0] != "bwadmin password" {
				t.Errorf("target: wrong result\ngot: %q\nwant: [bwadmin password]", got)
			}
		})
	}
}

// Every target behind a jump host shares one connection to it, which closes
// when the last target closes.
func TestJumpShared(t *testing.T) {
	e := newEnv(t)
	e.setenv("PW", "pw")
	j := newTestServer(t, serverOptions{password: "pw"})
	e.trust(j)
	var targets []*testServer
	for range 5 {
		s := newTestServer(t, serverOptions{password: "pw"})
		e.trust(s)
		targets = append(targets, s)
	}
	// A cap below the number of targets: slots must be given back.
	d := e.dialer(Options{MaxDialsPerJump: 2})
	dial := func(s *testServer) (*Client, error) {
		return d.Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts, Jump: "ops@" + j.addr()})
	}
	var (
		mu      sync.Mutex
		clients []*Client
		wg      sync.WaitGroup
	)
	for _, s := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dial(s)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			clients = append(clients, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if got := j.conns.Load(); got != 1 {
		t.Errorf("wrong result\ngot: %d jump connections for %d targets\nwant: 1", got, len(targets))
	}
	if got := j.forwards.Load(); got != int32(len(targets)) {
		t.Errorf("wrong result\ngot: %d forwards\nwant: %d", got, len(targets))
	}

	// Closing all but one keeps the jump connection; closing the last ends it.
	for _, c := range clients[1:] {
		c.Close()
	}
	if got := j.active.Load(); got != 1 {
		t.Errorf("wrong result\ngot: %d open jump connections with one target left\nwant: 1", got)
	}
	clients[0].Close()
	waitFor(t, "the jump connection to close", func() bool { return j.active.Load() == 0 })

	// The next dial opens a new jump connection.
	c, err := dial(targets[0])
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := j.conns.Load(); got != 2 {
		t.Errorf("wrong result\ngot: %d jump connections\nwant: 2", got)
	}
}

// At most MaxDialsPerJump connection attempts run through one jump host at
// a time; the others wait for a slot and never open a channel.
func TestJumpDialCap(t *testing.T) {
	e := newEnv(t)
	e.setenv("PW", "pw")
	j := newTestServer(t, serverOptions{password: "pw"})
	e.trust(j)
	stall := newStallListener(t)
	target := Target{Host: "127.0.0.1", Port: stall.port(), User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts, Jump: "ops@" + j.addr()}
	d := e.dialer(Options{MaxDialsPerJump: 2})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const dials = 5
	errs := make(chan error, dials)
	for range dials {
		go func() {
			_, err := d.Dial(ctx, target)
			errs <- err
		}()
	}
	waitFor(t, "two handshakes to hang", func() bool { return stall.accepted.Load() == 2 })
	cancel()
	var waited int
	for range dials {
		err := <-errs
		if !errors.Is(err, context.Canceled) {
			t.Errorf("wrong result\ngot: %v\nwant: context canceled", err)
		}
		if err != nil && strings.Contains(err.Error(), "wait for a dial slot on jump host ops@"+j.addr()) {
			waited++
		}
	}
	if waited != dials-2 {
		t.Errorf("wrong result\ngot: %d dials waited for a slot\nwant: %d", waited, dials-2)
	}

	// One more dial, to a live host, is confirmed by the jump host after
	// everything sent before it: only the two capped dials and this one
	// ever opened a channel.
	s := newTestServer(t, serverOptions{password: "pw"})
	e.trust(s)
	target.Port = s.port
	c, err := d.Dial(stepContext(t), target)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := j.forwards.Load(); got != 3 {
		t.Errorf("wrong result\ngot: %d channels through the jump host\nwant: 3", got)
	}
}

// The jump host's key is checked like any other; the target is never
// contacted when it fails.
func TestJumpHostKeyUnknown(t *testing.T) {
	e := newEnv(t)
	e.setenv("PW", "pw")
	j := newTestServer(t, serverOptions{password: "pw"})
	s := newTestServer(t, serverOptions{password: "pw"})
	e.trust(s)
	_, err := e.dialer(Options{}).Dial(stepContext(t), Target{Alias: "xsp1", Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts, Jump: "ops@" + j.addr()})
	var uk *UnknownHostKeyError
	if !errors.As(err, &uk) {
		t.Fatalf("wrong result\ngot: %v\nwant: *UnknownHostKeyError", err)
	}
	if uk.Host != "ops@"+j.addr() {
		t.Errorf("wrong result\ngot: %s\nwant: ops@%s", uk.Host, j.addr())
	}
	if !strings.HasPrefix(err.Error(), "ssh xsp1 (u@"+s.addr()+"): through jump host: unknown host key for ops@"+j.addr()) {
		t.Errorf("wrong result\ngot: %s\nwant: the target, then the jump host", err)
	}
	if got := s.conns.Load(); got != 0 {
		t.Errorf("wrong result\ngot: %d target connections\nwant: 0", got)
	}
}
