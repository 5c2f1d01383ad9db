package broadworks

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

// openErr opens a session and closes it, returning the error of Open.
func openErr(ctx context.Context, p *Provider, h *engine.Host) error {
	s, err := p.Open(ctx, h)
	if err == nil {
		_ = s.Close()
	}
	return err
}

// TestUnreachable shows the errors of hosts that cannot be reached: each
// names the host, user and address, and says what failed.
func TestUnreachable(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp2", "xsp", "Rel_24.0_1.944", "  fault {\n    refuse = true\n  }")))
	ctx := testCtx(t)
	p := newTestProvider(t, Options{}, nil)

	// A port nobody listens on: take a free one and give it back.
	ln, err := net.Listen("tcp", net.JoinHostPort(simtest.UniqueLoopbackIP(t), "0"))
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	down := hostOf(t, f, "xsp2")
	down.Name = "xsp9"
	conn(down).Port = closedPort
	downAddr := net.JoinHostPort(down.Address, strconv.Itoa(closedPort))

	tests := []struct {
		name string
		host *engine.Host
		want string
		// prefix: the end of the message depends on the timing (EOF or
		// connection reset).
		prefix bool
	}{
		{
			name: "connection refused",
			host: down,
			want: "ssh xsp9 (bwadmin@" + downAddr + "): connect: dial tcp " + downAddr + ": connect: connection refused",
		},
		{
			name:   "closed at once after accept",
			host:   hostOf(t, f, "xsp2"),
			want:   "ssh xsp2 (bwadmin@" + f.Host("xsp2").Addr() + "): ssh handshake: ssh: handshake failed: ",
			prefix: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := openErr(ctx, p, tc.host)
			switch {
			case err == nil:
				t.Errorf("wrong result\ngot: a session\nwant: %s", tc.want)
			case tc.prefix && !strings.HasPrefix(err.Error(), tc.want):
				t.Errorf("wrong error\ngot: %v\nwant: %s...", err, tc.want)
			case !tc.prefix && err.Error() != tc.want:
				t.Errorf("wrong error\ngot: %v\nwant: %s", err, tc.want)
			}
		})
	}
}
