package broadworks

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/bwcli"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

// closeWithin closes s and fails the test if Close does not return within
// a generous deadline (a hung Close would hang the engine's whole run).
func closeWithin(t *testing.T, s interface{ Close() error }) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	timer := time.NewTimer(20 * time.Second)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		t.Fatal("Close did not return")
		return nil
	}
}

// TestDropMidCommand: a host that drops the connection while a command
// runs gives a clean error from that operation; Close returns and nothing
// is left running.
func TestDropMidCommand(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", "")))
	sh := f.Host("xsp1")
	ctx := testCtx(t)
	leaks := goroutineBaseline(t)
	p := newTestProvider(t, Options{}, nil)

	s, err := p.Open(ctx, hostOf(t, f, "xsp1"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if _, err := s.Facts(ctx); err != nil { // bwshowver, bwcli, cd, list
		t.Fatalf("facts: %v", err)
	}
	// The cd to CAPProxy is served, the get after it drops the connection.
	sh.SetFaults(sim.Faults{DropAfter: 5})
	_, err = s.Read(ctx, capPath, nil)
	var closed *bwcli.ClosedError
	if !errors.As(err, &closed) || closed.Command != "get" {
		t.Fatalf("wrong error\ngot: %T %v\nwant: *bwcli.ClosedError for get", err, err)
	}
	if !strings.HasPrefix(err.Error(), "get: connection closed while running the command") {
		t.Errorf("wrong message\ngot: %s\nwant: get: connection closed while running the command ...", err)
	}
	// The session is spent: later operations fail at once, naming why.
	if _, err := s.Read(ctx, capPath, nil); !errors.Is(err, bwcli.ErrBroken) {
		t.Errorf("wrong error after the drop\ngot: %v\nwant: one wrapping bwcli.ErrBroken", err)
	}
	if err := closeWithin(t, s); err != nil {
		t.Errorf("wrong result\ngot: %v\nwant: Close of a dropped session returns nil", err)
	}
	// Close alone released the connection, both sides' goroutines
	// included; the provider holds nothing more.
	leaks()
	if err := p.Close(); err != nil {
		t.Errorf("close provider: %v", err)
	}
	if got := countCommand(sh.Commands(), "cli get"); got != 0 {
		t.Errorf("wrong result\ngot: %d get recorded\nwant: 0 (the dropped command never ran)", got)
	}
}

// TestCommandTimeout: a host slower than Options.CommandTimeout gives a
// timeout error naming the command, and the session can still be closed.
func TestCommandTimeout(t *testing.T) {
	tests := []struct {
		name   string
		faults string // lab fault block body
		// op runs the operation that times out.
		op          func(ctx context.Context, s engine.Session) error
		wantCommand string
		wantPrefix  string
		// hostTimeout gives the 300ms as the host's command_timeout
		// instead of the provider's option, which stays at its default.
		hostTimeout bool
	}{
		{
			name:   "slow shell tool",
			faults: `latency = "30s"`,
			op: func(ctx context.Context, s engine.Session) error {
				_, err := s.Facts(ctx)
				return err
			},
			wantCommand: "bwshowver",
			// What was last received (the echo, if it came in time) follows.
			wantPrefix: "bwshowver: no reply within 300ms; last received: ",
		},
		{
			name:   "bwcli never prompts",
			faults: `bwcli_hang = true`,
			op: func(ctx context.Context, s engine.Session) error {
				_, err := s.Read(ctx, capPath, nil)
				return err
			},
			wantCommand: "bwcli",
			wantPrefix:  "bwcli: no reply within 300ms; last received: ",
		},
		{
			name:   "host command_timeout wins over the provider's",
			faults: `latency = "30s"`,
			op: func(ctx context.Context, s engine.Session) error {
				_, err := s.Facts(ctx)
				return err
			},
			wantCommand: "bwshowver",
			wantPrefix:  "bwshowver: no reply within 300ms; last received: ",
			hostTimeout: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", "  fault {\n    "+tc.faults+"\n  }")))
			ctx := testCtx(t)
			leaks := goroutineBaseline(t)
			opts := Options{CommandTimeout: 300 * time.Millisecond}
			host := hostOf(t, f, "xsp1")
			if tc.hostTimeout {
				opts.CommandTimeout = 0
				conn(host).CommandTimeout = 300 * time.Millisecond
			}
			p := newTestProvider(t, opts, nil)

			// The login needs no command, so it is not slowed down.
			s, err := p.Open(ctx, host)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			err = tc.op(ctx, s)
			var te *bwcli.TimeoutError
			if !errors.As(err, &te) || te.Command != tc.wantCommand || te.Timeout != 300*time.Millisecond {
				t.Fatalf("wrong error\ngot: %T %v\nwant: *bwcli.TimeoutError for %s after 300ms", err, err, tc.wantCommand)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("wrong error\ngot: %v\nwant: one matching context.DeadlineExceeded", err)
			}
			if !strings.HasPrefix(err.Error(), tc.wantPrefix) {
				t.Errorf("wrong message\ngot: %s\nwant: %s...", err, tc.wantPrefix)
			}
			if err := closeWithin(t, s); err != nil {
				t.Errorf("wrong result\ngot: %v\nwant: Close after a timeout returns nil", err)
			}
			// Close alone released the connection, both sides' goroutines
			// included; the provider holds nothing more.
			leaks()
			if err := p.Close(); err != nil {
				t.Errorf("close provider: %v", err)
			}
		})
	}
}
