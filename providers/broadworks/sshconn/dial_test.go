package sshconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingDial is a net dialer that counts its calls.
func countingDial(n *atomic.Int32) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		return nd.DialContext(ctx, network, addr)
	}
}

// hangingDial never completes a TCP connect, like a host behind a firewall
// that drops SYNs; it returns only when ctx ends.
func hangingDial(started chan<- struct{}) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
}

func TestDialAbandoned(t *testing.T) {
	tests := map[string]struct {
		// start returns a target that hangs, the options to dial it with and
		// a channel that receives when the hang has begun.
		start func(t *testing.T, e *env) (Target, Options, <-chan struct{})
		// cancel cancels the context once the hang began; otherwise the
		// target's timeout ends the dial.
		cancel bool
		want   error
		text   string
	}{
		"connect, cancelled": {
			start:  hangConnect,
			cancel: true,
			want:   context.Canceled,
			text:   "connect: dial tcp: context canceled",
		},
		"connect, timeout": {
			start: hangConnect,
			want:  context.DeadlineExceeded,
			text:  "connect: no answer within the 150ms timeout",
		},
		"handshake, cancelled": {
			start:  hangHandshake,
			cancel: true,
			want:   context.Canceled,
			text:   "ssh handshake: context canceled",
		},
		"handshake, timeout": {
			start: hangHandshake,
			want:  context.DeadlineExceeded,
			text:  "ssh handshake: no answer within the 150ms timeout",
		},
		"handshake through a jump host, timeout": {
			start: hangHandshakeViaJump,
			want:  context.DeadlineExceeded,
			text:  "ssh handshake: no answer within the 150ms timeout",
		},
		"handshake through a jump host, cancelled": {
			start:  hangHandshakeViaJump,
			cancel: true,
			want:   context.Canceled,
			// The channel may or may not be confirmed when the cancel lands.
			text: "context canceled",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.setenv("PW", "pw")
			target, opts, started := tc.start(t, e)
			target.PasswordEnv, target.KnownHostsFile = "PW", e.knownHosts
			if tc.cancel {
				target.Timeout = time.Hour
			} else {
				target.Timeout = 150 * time.Millisecond
			}
			d := e.dialer(opts)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				<-started
				if tc.cancel {
					cancel()
				}
			}()
			err := returnsSoon(t, func() error {
				c, err := d.Dial(ctx, target)
				if err == nil {
					c.Close()
				}
				return err
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("wrong result\ngot: %v\nwant: an error wrapping %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("wrong result\ngot: %s\nwant it to contain: %s", err, tc.text)
			}
		})
	}
}

func hangConnect(t *testing.T, e *env) (Target, Options, <-chan struct{}) {
	started := make(chan struct{}, 1)
	return Target{Host: "192.0.2.1", Port: 22, User: "u"}, Options{DialContext: hangingDial(started)}, started
}

func hangHandshake(t *testing.T, e *env) (Target, Options, <-chan struct{}) {
	l := newStallListener(t)
	connected := make(chan struct{}, 1)
	var nd net.Dialer
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := nd.DialContext(ctx, network, addr)
		connected <- struct{}{}
		return c, err
	}
	return Target{Host: "127.0.0.1", Port: l.port(), User: "u"}, Options{DialContext: dial}, connected
}

func hangHandshakeViaJump(t *testing.T, e *env) (Target, Options, <-chan struct{}) {
	l := newStallListener(t)
	j := newTestServer(t, serverOptions{password: "pw"})
	e.trust(j)
	return Target{Host: "127.0.0.1", Port: l.port(), User: "u", Jump: "ops@" + j.addr()}, Options{}, acceptedSignal(t, &l.accepted, 1)
}

// acceptedSignal receives once n connections were accepted.
func acceptedSignal(t *testing.T, n *atomic.Int32, want int32) <-chan struct{} {
	c := make(chan struct{})
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for n.Load() < want && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		close(c)
	}()
	return c
}

// Network failures are retried as configured; the error names the host.
func TestDialRetriesNetworkErrors(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens: connection refused
	var attempts atomic.Int32
	e.setenv("PW", "pw")
	d := e.dialer(Options{DialAttempts: 3, RetryDelay: time.Millisecond, DialContext: countingDial(&attempts)})
	_, err = d.Dial(stepContext(t), Target{Alias: "xsp4", Host: "127.0.0.1", Port: port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts})
	want := fmt.Sprintf("ssh xsp4 (u@127.0.0.1:%d): connect: dial tcp 127.0.0.1:%d: connect: connection refused", port, port)
	if err == nil || err.Error() != want {
		t.Fatalf("wrong result\ngot: %v\nwant: %s", err, want)
	}
	if got := attempts.Load(); got != 3 {
		t.Errorf("wrong result\ngot: %d attempts\nwant: 3", got)
	}
}

func TestDialAfterClose(t *testing.T) {
	e := newEnv(t)
	s := newTestServer(t, serverOptions{password: "pw"})
	e.trust(s)
	e.setenv("PW", "pw")
	d := e.dialer(Options{})
	c, err := d.Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	// Close closed the client it had handed out.
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("client still open after Dialer.Close")
	}
	_, err = d.Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts})
	if !errors.Is(err, ErrDialerClosed) {
		t.Errorf("wrong result\ngot: %v\nwant: %v", err, ErrDialerClosed)
	}
}
